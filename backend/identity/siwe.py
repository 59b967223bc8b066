"""Sign-In with Ethereum (EIP-4361): build, parse and verify the signed message.

PyPI's ``siwe`` pins web3 < 8, so the message is handled here: parsing is strict
(line by line, in the ABNF's order, nothing extra), then every term is checked against
what this server expects, then the EIP-191 signature is recovered with eth-account.
Contract accounts (EIP-1271) are not accepted: participants sign with EOAs.

Whether the nonce was issued by us and is still unused is a database question,
answered by ``backend.identity.nonces``; this module has no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_checksum_address

HEADER = " wants you to sign in with your Ethereum account:"
# Clocks of wallet and server differ a little; a message "issued" up to this far in
# the future is still accepted.
CLOCK_SKEW = timedelta(seconds=60)

_FIRST_LINE = re.compile(r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://)?(?P<domain>[^\s/?#]+)" + re.escape(HEADER) + "$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
# RFC 3986 reserved / unreserved characters and space: anything but a line break.
_STATEMENT = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;= ]*$")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
_DIGITS = re.compile(r"^[0-9]+$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*$")


class SiweError(Exception):
    """The message is malformed, not meant for us, outside its validity or wrongly signed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    version: str = "1"
    statement: str | None = None
    scheme: str | None = None
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = field(default=())

    def to_text(self) -> str:
        """The EIP-4361 text a wallet shows and signs."""
        origin = f"{self.scheme}://{self.domain}" if self.scheme else self.domain
        lines = [origin + HEADER, self.address, ""]
        if self.statement is not None:
            lines += [self.statement, ""]
        else:
            lines.append("")
        lines += [
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {_format_time(self.issued_at)}",
        ]
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {_format_time(self.expiration_time)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {_format_time(self.not_before)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines.append("Resources:")
            lines += [f"- {resource}" for resource in self.resources]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> "SiweMessage":
        return _Parser(text).message()


@dataclass(frozen=True)
class SiweExpectation:
    """What a message must say to sign in here: our origin and our chain."""

    scheme: str
    domain: str
    chain_id: int

    @classmethod
    def for_base_url(cls, base_url: str, chain_id: int) -> "SiweExpectation":
        parts = urlsplit(base_url)
        return cls(scheme=parts.scheme, domain=parts.netloc, chain_id=chain_id)


def verify(text: str, signature: str, expected: SiweExpectation, now: datetime) -> SiweMessage:
    """Parse `text`, check every term against `expected` and `now`, and check that its address signed it.

    Raises SiweError with codes: siwe_malformed, siwe_domain_mismatch, siwe_uri_mismatch,
    siwe_version_unsupported, siwe_chain_mismatch, siwe_issued_in_future, siwe_expired,
    siwe_not_yet_valid, siwe_bad_signature, siwe_signer_mismatch.
    """
    message = SiweMessage.parse(text)
    if message.domain != expected.domain or message.scheme not in (None, expected.scheme):
        raise SiweError("siwe_domain_mismatch", f"the message is for {message.domain!r}, not {expected.domain!r}")
    uri = urlsplit(message.uri)
    if (uri.scheme, uri.netloc) != (expected.scheme, expected.domain):
        raise SiweError("siwe_uri_mismatch", f"the message's URI {message.uri!r} is not on this server")
    if message.version != "1":
        raise SiweError("siwe_version_unsupported", f"SIWE version {message.version!r} is not supported (only 1)")
    if message.chain_id != expected.chain_id:
        raise SiweError("siwe_chain_mismatch", f"the message is for chain {message.chain_id}, not {expected.chain_id}")
    if message.issued_at > now + CLOCK_SKEW:
        raise SiweError("siwe_issued_in_future", "the message's Issued At lies in the future")
    if message.expiration_time is not None and message.expiration_time <= now:
        raise SiweError("siwe_expired", "the message's Expiration Time has passed")
    if message.not_before is not None and message.not_before > now:
        raise SiweError("siwe_not_yet_valid", "the message's Not Before lies in the future")
    signer = recover_signer(text, signature)
    if signer != message.address:
        raise SiweError("siwe_signer_mismatch", f"the message names {message.address} but {signer} signed it")
    return message


def recover_signer(text: str, signature: str) -> str:
    """The EIP-191 (personal_sign) signer of `text`."""
    try:
        return Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception as exc:  # eth-account raises ValueError, BadSignature, ... for garbage
        raise SiweError("siwe_bad_signature", "the signature is not a valid secp256k1 signature") from exc


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str, term: str) -> datetime:
    match = _DATE_TIME.match(value)
    if match is None:
        raise SiweError("siwe_malformed", f"{term} is not an RFC 3339 date-time: {value!r}")
    base, fraction, offset = match.groups()
    # datetime keeps microseconds; RFC 3339 allows any number of fraction digits.
    fraction = ("." + fraction[:6]) if fraction else ""
    try:
        parsed = datetime.fromisoformat(base + fraction + ("+00:00" if offset == "Z" else offset))
    except ValueError:
        raise SiweError("siwe_malformed", f"{term} is not a valid date-time: {value!r}") from None
    return parsed.astimezone(UTC)


class _Parser:
    """Consumes the message line by line, in the order EIP-4361's ABNF fixes."""

    def __init__(self, text: str):
        self.lines = text.split("\n")
        self.index = 0

    def _next(self) -> str | None:
        if self.index >= len(self.lines):
            return None
        line = self.lines[self.index]
        self.index += 1
        return line

    def _peek(self) -> str | None:
        return self.lines[self.index] if self.index < len(self.lines) else None

    def _fail(self, reason: str) -> SiweError:
        return SiweError("siwe_malformed", f"not an EIP-4361 message: {reason} (line {self.index})")

    def _required(self, tag: str) -> str:
        line = self._next()
        if line is None or not line.startswith(tag):
            raise self._fail(f"expected {tag.strip()!r}")
        return line[len(tag) :]

    def _optional(self, tag: str) -> str | None:
        line = self._peek()
        if line is None or not line.startswith(tag):
            return None
        self.index += 1
        return line[len(tag) :]

    def message(self) -> SiweMessage:
        first = _FIRST_LINE.match(self._next() or "")
        if first is None:
            raise self._fail("the first line must be '<domain> wants you to sign in with your Ethereum account:'")
        address = self._next() or ""
        if not _ADDRESS.match(address) or not is_checksum_address(address):
            raise self._fail("the address must be an EIP-55 checksummed address")
        if self._next() != "":
            raise self._fail("expected an empty line after the address")
        statement = self._next()
        if statement is None:
            raise self._fail("the message ends early")
        if statement == "":
            statement = None
        else:
            if not _STATEMENT.match(statement):
                raise self._fail("the statement has characters EIP-4361 does not allow")
            if self._next() != "":
                raise self._fail("expected an empty line after the statement")
        uri = self._required("URI: ")
        if not urlsplit(uri).scheme:
            raise self._fail("URI must be an absolute RFC 3986 URI")
        version = self._required("Version: ")
        if not _DIGITS.match(version):
            raise self._fail("Version must be a number")
        chain_id = self._required("Chain ID: ")
        if not _DIGITS.match(chain_id):
            raise self._fail("Chain ID must be a decimal number")
        nonce = self._required("Nonce: ")
        if not _NONCE.match(nonce):
            raise self._fail("Nonce must be at least 8 letters or digits")
        issued_at = _parse_time(self._required("Issued At: "), "Issued At")
        expiration = self._optional("Expiration Time: ")
        not_before = self._optional("Not Before: ")
        request_id = self._optional("Request ID: ")
        if request_id is not None and not _REQUEST_ID.match(request_id):
            raise self._fail("Request ID has characters EIP-4361 does not allow")
        resources: list[str] = []
        if self._peek() == "Resources:":
            self.index += 1
            while (line := self._peek()) is not None and line.startswith("- "):
                self.index += 1
                if not urlsplit(line[2:]).scheme:
                    raise self._fail("every resource must be an absolute URI")
                resources.append(line[2:])
        if self._peek() is not None:
            raise self._fail(f"unexpected line {self._peek()!r}")
        return SiweMessage(
            domain=first["domain"],
            scheme=first["scheme"],
            address=address,
            statement=statement,
            uri=uri,
            version=version,
            chain_id=int(chain_id),
            nonce=nonce,
            issued_at=issued_at,
            expiration_time=_parse_time(expiration, "Expiration Time") if expiration is not None else None,
            not_before=_parse_time(not_before, "Not Before") if not_before is not None else None,
            request_id=request_id,
            resources=tuple(resources),
        )
