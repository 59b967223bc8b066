"""NTAG 424 DNA Secure Unique NFC (SUN) messages: the strong tier of the product check.

A tag appends ``?e=<PICC data>&c=<MAC>`` to its URL on every tap (NXP AN12196):

1. ``e`` is AES-128-CBC (zero IV) under the SDM meta read key of
   ``tag byte || UID (7) || SDMReadCtr (3, LSB first) || random``.
2. The session MAC key is ``CMAC(file read key, 3CC3 0001 0080 || UID || SDMReadCtr)``.
3. ``c`` is that key's CMAC over the mirrored text between the MAC input offset and
   the MAC (empty when both offsets coincide), keeping the bytes at odd positions.

The file read key differs per tag: AN10922 AES-128 diversification of a master key
with ``UID || AID || system identifier``, so one extracted tag key forges nothing for
other tags. A copied URL still verifies, which is why the caller must see the counter
strictly increase per UID (`service.check_tag`): a replayed tap is caught there.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC

PICC_TAG_UID_AND_COUNTER = 0xC7  # UID mirrored, counter mirrored, UID length 7
SV2_PREFIX = bytes.fromhex("3CC300010080")
UID_LENGTH = 7


class InvalidSunMessage(ValueError):
    pass


@dataclass(frozen=True)
class SunReading:
    uid: bytes
    counter: int


def _cmac(key: bytes, message: bytes) -> bytes:
    mac = CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def diversify_key(master_key: bytes, diversification_input: bytes) -> bytes:
    """AN10922 AES-128 key diversification: CMAC over ``0x01 || M``.

    With 16..31 bytes of M the message spans two blocks and CMAC's own padding
    (``80 00..``, subkey K2; or K1 for 31 bytes) is exactly AN10922's, so the library's
    CMAC is used as is; shorter inputs would be padded differently and are refused.
    """
    if len(master_key) != 16:
        raise ValueError("the master key is an AES-128 key (16 bytes)")
    if not 16 <= len(diversification_input) <= 31:
        raise ValueError("diversification input must be 16 to 31 bytes (UID || AID || system identifier)")
    return _cmac(master_key, b"\x01" + diversification_input)


@dataclass(frozen=True)
class SunKeys:
    meta_read_key: bytes
    file_read_master_key: bytes
    application_id: bytes = bytes.fromhex("000001")
    system_identifier: bytes = b"trustledger"

    def file_read_key(self, uid: bytes) -> bytes:
        return diversify_key(self.file_read_master_key, uid + self.application_id + self.system_identifier)


def decrypt_picc_data(meta_read_key: bytes, picc_data: bytes) -> SunReading:
    if len(picc_data) != 16:
        raise InvalidSunMessage("PICC data must be 16 bytes")
    decryptor = Cipher(algorithms.AES(meta_read_key), modes.CBC(bytes(16))).decryptor()
    plain = decryptor.update(picc_data) + decryptor.finalize()
    if plain[0] != PICC_TAG_UID_AND_COUNTER:
        raise InvalidSunMessage("PICC data does not decrypt to a UID and counter")
    return SunReading(uid=plain[1:8], counter=int.from_bytes(plain[8:11], "little"))


def sdm_mac(file_read_key: bytes, uid: bytes, counter: int, mac_input: bytes = b"") -> bytes:
    """The 8-byte SDMMAC a genuine tag computes for this UID and counter."""
    session_key = _cmac(file_read_key, SV2_PREFIX + uid + counter.to_bytes(3, "little"))
    return _cmac(session_key, mac_input)[1::2]


def verify(
    picc_hex: str,
    mac_hex: str,
    meta_read_key: bytes,
    file_read_key: Callable[[bytes], bytes],
    mac_input: bytes = b"",
) -> SunReading:
    """The tag's UID and counter if the MAC is genuine; raises `InvalidSunMessage` otherwise."""
    try:
        picc_data, mac = bytes.fromhex(picc_hex), bytes.fromhex(mac_hex)
    except ValueError:
        raise InvalidSunMessage("e and c must be hexadecimal") from None
    if len(mac) != 8:
        raise InvalidSunMessage("the MAC must be 8 bytes")
    reading = decrypt_picc_data(meta_read_key, picc_data)
    expected = sdm_mac(file_read_key(reading.uid), reading.uid, reading.counter, mac_input)
    if not hmac.compare_digest(expected, mac):
        raise InvalidSunMessage("the tag's MAC does not match")
    return reading
