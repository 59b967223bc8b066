"""Pairwise derivation, per-subject sealing and the documented vocabulary, without a chain."""

import uuid

import pytest
from eth_account import Account
from eth_utils import to_checksum_address

from backend.consent import vault
from backend.consent.pairwise import derive_pairwise, key_from_signature, pairwise_message
from backend.consent.profile import Profile
from backend.consent.typed_data import data_categories_hash, purpose_hash
from backend.consent.vocabulary import (
    DATA_CATEGORIES,
    PURPOSES,
    VocabularyError,
    categories_of_hash,
    hex32,
    purpose_of_hash,
    require_categories,
)
from backend.keys import MasterKey

REGISTRY = "0x00000000000000000000000000000000000C0DE5"
ACME, BETA = "0x" + "aa" * 20, "0x" + "bb" * 20


def test_pairwise_keys_are_reproducible_and_unlinkable():
    wallet = Account.create()
    first = derive_pairwise(wallet, 31337, REGISTRY, ACME)
    assert derive_pairwise(Account.from_key(wallet.key), 31337, REGISTRY, ACME).address == first.address
    others = {
        derive_pairwise(wallet, 31337, REGISTRY, BETA).address,
        derive_pairwise(wallet, 1, REGISTRY, ACME).address,
        derive_pairwise(wallet, 31337, ACME, ACME).address,
        derive_pairwise(Account.create(), 31337, REGISTRY, ACME).address,
    }
    assert first.address not in others and len(others) == 4 and wallet.address not in others
    assert f"Advertiser: {to_checksum_address(ACME)}\nChain ID: 31337" in pairwise_message(31337, REGISTRY, ACME)
    with pytest.raises(ValueError):
        key_from_signature(b"\x01" * 64)


def test_sealed_fields_open_only_for_their_subject_and_field():
    master = MasterKey.generate()
    keys = vault.consent_keys(master)
    alice, bob = uuid.uuid4(), uuid.uuid4()
    key = vault.new_subject_key()
    wrapped = vault.wrap_subject_key(master, alice, key)
    assert vault.unwrap_subject_key(master, alice, wrapped) == key
    with pytest.raises(vault.VaultError):
        vault.unwrap_subject_key(master, bob, wrapped)
    with pytest.raises(vault.VaultError):
        vault.unwrap_subject_key(MasterKey.generate(), alice, wrapped)

    sealed = vault.seal_field(key, alice, "profile", b'{"country": "DE"}')
    assert vault.open_field(key, alice, "profile", sealed) == b'{"country": "DE"}'
    assert sealed != vault.seal_field(key, alice, "profile", b'{"country": "DE"}'), "fresh nonce each time"
    for subject, field in ((bob, "profile"), (alice, "did")):
        with pytest.raises(vault.VaultError):
            vault.open_field(key, subject, field, sealed)

    link = vault.seal_link(keys, ACME, alice)
    assert vault.open_link(keys, ACME, link) == alice
    with pytest.raises(vault.VaultError):
        vault.open_link(keys, BETA, link)
    assert vault.wallet_lookup(keys, ACME) == vault.wallet_lookup(keys, ACME.upper().replace("0X", "0x"))
    assert vault.wallet_lookup(keys, ACME) != vault.wallet_lookup(vault.consent_keys(MasterKey.generate()), ACME)


def test_vocabulary_hashes_read_back():
    assert purpose_of_hash(hex32(purpose_hash("dpv:Marketing"))) == "dpv:Marketing"
    assert purpose_of_hash(hex32(purpose_hash("dpv:Profiling"))) is None
    chosen = ["interests", "country", "age-band", "country"]
    assert categories_of_hash(hex32(data_categories_hash(chosen))) == ("age-band", "country", "interests")
    assert categories_of_hash(hex32(data_categories_hash(["shoe-size"]))) is None
    assert all(term.startswith("dpv:") for term in PURPOSES)
    for bad in ([], ["shoe-size"]):
        with pytest.raises(VocabularyError):
            require_categories(bad)
    assert set(Profile.model_json_schema(by_alias=True)["properties"]) == set(DATA_CATEGORIES)


def test_profile_values_are_checked():
    assert Profile.model_validate({"age-band": "25-34", "language": "pt-BR"}).by_category() == {
        "age-band": "25-34",
        "language": "pt-BR",
    }
    for bad in ({"age-band": "26"}, {"country": "de"}, {"language": "english"}, {"shoe-size": 42}):
        with pytest.raises(ValueError):
            Profile.model_validate(bad)
