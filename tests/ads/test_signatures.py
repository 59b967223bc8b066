from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from nacl.signing import SigningKey

from backend.ads.replay import MemoryReplayCache, RedisReplayCache, body_digest, replay_key
from backend.ads.signatures import (
    MAX_SIGNATURE_AGE,
    KeyType,
    PublisherKey,
    SignatureInvalid,
    SignatureMissing,
    SignatureStale,
    sign_ed25519,
    sign_secp256k1,
    signed_bytes,
    verify_batch_signature,
)
from tests.ads.factories import NOW, PUBLISHER, body, impression

BODY = body([impression("i1"), impression("i2")])
TIMESTAMP = str(NOW)
ED_SEED = bytes(range(32))
ED_KEY = PublisherKey(KeyType.ED25519, bytes(SigningKey(ED_SEED).verify_key))
ETH = Account.from_key("0x" + "11" * 32)
ETH_KEY = PublisherKey(KeyType.SECP256K1, bytes.fromhex(ETH.address[2:]))
OTHER_ETH = Account.from_key("0x" + "22" * 32)


def test_a_good_ed25519_signature_is_accepted():
    signature = sign_ed25519(ED_SEED, TIMESTAMP, BODY)
    assert verify_batch_signature(BODY, TIMESTAMP, signature, [ED_KEY], NOW) == ED_KEY


def test_a_good_secp256k1_signature_is_accepted_and_is_what_a_wallet_signs():
    signature = sign_secp256k1(ETH.key, TIMESTAMP, BODY)
    # personal_sign of keccak256(prefix + timestamp + ":" + body), as any eth-account or wallet client makes it.
    digest = keccak(b"trustledger.events.v1:" + TIMESTAMP.encode() + b":" + BODY)
    wallet = ETH.sign_message(encode_defunct(primitive=digest))
    assert bytes.fromhex(signature) == wallet.signature
    assert verify_batch_signature(BODY, TIMESTAMP, "0x" + signature, [ETH_KEY], NOW) == ETH_KEY


def test_the_key_that_signed_is_found_among_the_publishers_keys():
    signature = sign_secp256k1(ETH.key, TIMESTAMP, BODY)
    other = PublisherKey(KeyType.SECP256K1, bytes.fromhex(OTHER_ETH.address[2:]))
    assert verify_batch_signature(BODY, TIMESTAMP, signature, [ED_KEY, other, ETH_KEY], NOW) == ETH_KEY


@pytest.mark.parametrize(
    ("signature", "keys"),
    [
        (sign_secp256k1(OTHER_ETH.key, TIMESTAMP, BODY), [ETH_KEY]),
        (sign_ed25519(bytes(32), TIMESTAMP, BODY), [ED_KEY]),
        (sign_ed25519(ED_SEED, TIMESTAMP, BODY), [ETH_KEY]),  # right signature, key of another type
        (sign_secp256k1(ETH.key, TIMESTAMP, BODY), [ED_KEY]),
        (sign_ed25519(ED_SEED, TIMESTAMP, BODY + b" "), [ED_KEY]),  # signed other bytes
        (sign_secp256k1(ETH.key, str(NOW - 1), BODY), [ETH_KEY]),  # signed another timestamp
        ("00" * 65, [ETH_KEY]),
        ("ff" * 64, [ED_KEY]),
        ("abcd", [ED_KEY, ETH_KEY]),
    ],
    ids=[
        "other-eth-key", "other-ed-key", "ed-sig-eth-key", "eth-sig-ed-key",
        "other-body", "other-ts", "zero", "ff", "short",
    ],  # fmt: skip
)
def test_a_bad_signature_is_refused(signature, keys):
    with pytest.raises(SignatureInvalid):
        verify_batch_signature(BODY, TIMESTAMP, signature, keys, NOW)


def test_a_tampered_body_is_refused():
    signature = sign_ed25519(ED_SEED, TIMESTAMP, BODY)
    with pytest.raises(SignatureInvalid):
        verify_batch_signature(BODY.replace(b"i2", b"i3"), TIMESTAMP, signature, [ED_KEY], NOW)


def test_malformed_headers_are_refused():
    signature = sign_ed25519(ED_SEED, TIMESTAMP, BODY)
    with pytest.raises(SignatureMissing):
        verify_batch_signature(BODY, None, signature, [ED_KEY], NOW)
    with pytest.raises(SignatureMissing):
        verify_batch_signature(BODY, TIMESTAMP, "", [ED_KEY], NOW)
    for timestamp in ("2026-11-22T00:00:00Z", "١٧٠٠٠٠٠٠٠٠", "-1700000000", "1" * 13):
        with pytest.raises(SignatureInvalid, match="unix seconds"):
            verify_batch_signature(BODY, timestamp, signature, [ED_KEY], NOW)
    with pytest.raises(SignatureInvalid, match="hex"):
        verify_batch_signature(BODY, TIMESTAMP, "zz" + signature[2:], [ED_KEY], NOW)


@pytest.mark.parametrize(
    ("signed_at", "fresh"),
    [
        (NOW - MAX_SIGNATURE_AGE, True),
        (NOW - MAX_SIGNATURE_AGE - 1, False),
        (NOW + MAX_SIGNATURE_AGE, True),
        (NOW + MAX_SIGNATURE_AGE + 1, False),
    ],
)
def test_a_signature_more_than_five_minutes_from_the_server_clock_is_stale(signed_at, fresh):
    timestamp = str(signed_at)
    signature = sign_ed25519(ED_SEED, timestamp, BODY)
    if fresh:
        assert verify_batch_signature(BODY, timestamp, signature, [ED_KEY], NOW) == ED_KEY
    else:
        with pytest.raises(SignatureStale):
            verify_batch_signature(BODY, timestamp, signature, [ED_KEY], NOW)


def test_the_timestamp_is_inside_the_signed_bytes():
    assert signed_bytes("123", b"{}") == b"trustledger.events.v1:123:{}"


def test_keys_have_the_length_of_their_type():
    with pytest.raises(ValueError):
        PublisherKey(KeyType.ED25519, bytes(20))
    with pytest.raises(ValueError):
        PublisherKey(KeyType.SECP256K1, bytes(32))


class FakeClock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_memory_replay_cache_refuses_a_claimed_body_until_released_or_expired():
    clock = FakeClock()
    cache = MemoryReplayCache(ttl=900, clock=clock)
    key = replay_key(PUBLISHER, body_digest(BODY))
    assert cache.claim(key) is True
    assert cache.claim(key) is False
    assert cache.claim(replay_key(PUBLISHER, body_digest(BODY + b" "))) is True
    cache.release(key)
    assert cache.claim(key) is True
    clock.now += 901
    assert cache.claim(key) is True


@pytest.mark.redis
def test_the_redis_replay_cache_claims_once_across_clients(redis_client, redis_prefix):
    first = RedisReplayCache(redis_client, prefix=redis_prefix, ttl=900)
    second = RedisReplayCache(redis_client, prefix=redis_prefix, ttl=900)
    key = replay_key(PUBLISHER, body_digest(BODY))
    assert first.claim(key) is True
    assert second.claim(key) is False
    assert 0 < redis_client.ttl(redis_prefix + key) <= 900
    first.release(key)
    assert second.claim(key) is True


def test_replay_keys_are_per_publisher_and_case_insensitive():
    digest = body_digest(BODY)
    assert replay_key(PUBLISHER, digest) == replay_key(PUBLISHER.lower(), digest)
    assert replay_key(PUBLISHER, digest) != replay_key("0x" + "00" * 20, digest)
