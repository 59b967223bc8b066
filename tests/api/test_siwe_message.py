"""EIP-4361 message handling without a server: format, strict parsing, term checks, signer recovery."""

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account

from backend.identity.siwe import SiweError, SiweExpectation, SiweMessage, verify
from tests.api.support import signed

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
EXPECTED = SiweExpectation.for_base_url("https://app.trustledger.example", 31337)
WALLET = Account.from_key("0x" + "11" * 32)

SPEC_EXAMPLE = (
    "service.org wants you to sign in with your Ethereum account:\n"
    "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2\n"
    "\n"
    "I accept the ServiceOrg Terms of Service: https://service.org/tos\n"
    "\n"
    "URI: https://service.org/login\n"
    "Version: 1\n"
    "Chain ID: 1\n"
    "Nonce: 32891756\n"
    "Issued At: 2021-09-30T16:25:24Z\n"
    "Resources:\n"
    "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\n"
    "- https://example.com/my-web2-claim.json"
)


def message(**changes) -> SiweMessage:
    terms = dict(
        domain="app.trustledger.example",
        address=WALLET.address,
        uri="https://app.trustledger.example/login",
        chain_id=31337,
        nonce="a1b2c3d4e5f6a7b8",
        issued_at=NOW - timedelta(seconds=5),
        statement="Sign in to trustledger.",
    )
    terms.update(changes)
    return SiweMessage(**terms)


def test_parses_the_specification_example():
    parsed = SiweMessage.parse(SPEC_EXAMPLE)
    assert parsed.domain == "service.org" and parsed.scheme is None
    assert parsed.address == "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    assert parsed.statement == "I accept the ServiceOrg Terms of Service: https://service.org/tos"
    assert (parsed.chain_id, parsed.nonce, parsed.version) == (1, "32891756", "1")
    assert parsed.issued_at == datetime(2021, 9, 30, 16, 25, 24, tzinfo=UTC)
    assert parsed.resources == (
        "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
        "https://example.com/my-web2-claim.json",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"statement": None},
        {"scheme": "https", "request_id": "req-7", "resources": ("https://app.trustledger.example/tos",)},
        {"expiration_time": NOW + timedelta(hours=1), "not_before": NOW - timedelta(minutes=1)},
    ],
)
def test_text_round_trips(changes):
    original = message(**changes)
    text = original.to_text()
    assert SiweMessage.parse(text) == original
    if original.statement is None:
        assert f"{WALLET.address}\n\n\nURI: " in text, "no statement: two empty lines, as the ABNF says"


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda t: t.replace(" wants you to sign in", " would like you to sign in"), "first line"),
        (lambda t: t.replace(WALLET.address, WALLET.address.lower()), "EIP-55"),
        (lambda t: t.replace("Version: 1\n", ""), "Version"),
        (lambda t: t.replace("Chain ID: 31337", "Chain ID: 0x7a69"), "Chain ID"),
        (lambda t: t.replace("Nonce: a1b2c3d4e5f6a7b8", "Nonce: short"), "Nonce"),
        (lambda t: t.replace("Nonce: a1b2c3d4e5f6a7b8", "Nonce: has-dash-123"), "Nonce"),
        (lambda t: t.replace("T11:59:55.000Z", " 11:59:55"), "date-time"),
        (lambda t: t + "\nExtra: line", "unexpected line"),
        (lambda t: t.replace("URI: https://", "URI: //"), "URI"),
        (lambda t: t.replace("Sign in to trustledger.", "two\nlines"), "empty line"),
        (lambda t: t.replace("Issued At", "Expiration Time"), "Issued At"),
    ],
)
def test_malformed_messages_are_refused_with_the_reason(mutate, reason):
    text = mutate(message().to_text())
    with pytest.raises(SiweError) as exc:
        SiweMessage.parse(text)
    assert exc.value.code == "siwe_malformed"
    assert reason in exc.value.message


def test_verify_accepts_a_well_formed_signed_message():
    proof = signed(message(), WALLET)
    verified = verify(proof["message"], proof["signature"], EXPECTED, NOW)
    assert verified.address == WALLET.address and verified.nonce == "a1b2c3d4e5f6a7b8"


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"domain": "evil.example"}, "siwe_domain_mismatch"),
        ({"scheme": "http"}, "siwe_domain_mismatch"),
        ({"uri": "https://evil.example/login"}, "siwe_uri_mismatch"),
        ({"version": "2"}, "siwe_version_unsupported"),
        ({"chain_id": 1}, "siwe_chain_mismatch"),
        ({"issued_at": NOW + timedelta(minutes=5)}, "siwe_issued_in_future"),
        ({"expiration_time": NOW}, "siwe_expired"),
        ({"not_before": NOW + timedelta(seconds=1)}, "siwe_not_yet_valid"),
    ],
)
def test_verify_refuses_each_wrong_term(changes, code):
    proof = signed(message(**changes), WALLET)
    with pytest.raises(SiweError) as exc:
        verify(proof["message"], proof["signature"], EXPECTED, NOW)
    assert exc.value.code == code


def test_verify_refuses_a_signature_by_another_key_and_garbage():
    proof = signed(message(), Account.from_key("0x" + "22" * 32))
    with pytest.raises(SiweError) as exc:
        verify(proof["message"], proof["signature"], EXPECTED, NOW)
    assert exc.value.code == "siwe_signer_mismatch"
    for garbage in ("0x1234", "0x" + "00" * 65, "not hex"):
        with pytest.raises(SiweError) as exc:
            verify(proof["message"], garbage, EXPECTED, NOW)
        assert exc.value.code == "siwe_bad_signature"


def test_a_signature_covers_every_byte_of_the_message():
    proof = signed(message(), WALLET)
    tampered = proof["message"].replace("Sign in to trustledger.", "Sign in to trustledger!")
    with pytest.raises(SiweError) as exc:
        verify(tampered, proof["signature"], EXPECTED, NOW)
    assert exc.value.code == "siwe_signer_mismatch"
