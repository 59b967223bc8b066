import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from backend.provenance.sun import (
    InvalidSunMessage,
    SunKeys,
    decrypt_picc_data,
    diversify_key,
    sdm_mac,
    verify,
)

ZERO_KEY = bytes(16)


def test_an12196_sun_message_with_factory_keys():
    # NXP AN12196, SUN with encrypted PICC data: ?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086
    reading = verify("EF963FF7828658A599F3041510671E88", "94EED9EE65337086", ZERO_KEY, lambda uid: ZERO_KEY)
    assert reading.uid.hex().upper() == "04DE5F1EACC040" and reading.counter == 61
    with pytest.raises(InvalidSunMessage, match="MAC does not match"):
        verify("EF963FF7828658A599F3041510671E88", "94EED9EE65337087", ZERO_KEY, lambda uid: ZERO_KEY)


def test_an12196_plain_mirroring_mac():
    # NXP AN12196, plain UID 041E3C8A2D6B80 and counter 000006 mirrored, SDMMAC 4B00064004B0B3D3
    assert sdm_mac(ZERO_KEY, bytes.fromhex("041E3C8A2D6B80"), 6).hex().upper() == "4B00064004B0B3D3"


def test_an10922_aes128_diversification_vector():
    # NXP AN10922: UID 04782E21801D80, AID 3042F5, system identifier "NXP Abu"
    master = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    diversified = diversify_key(master, bytes.fromhex("04782E21801D80") + bytes.fromhex("3042F5") + b"NXP Abu")
    assert diversified.hex().upper() == "A8DD63A3B89D54B37CA802473FDA9175"
    with pytest.raises(ValueError):
        diversify_key(master, b"short")


def tap(keys: SunKeys, uid: bytes, counter: int) -> tuple[str, str]:
    """What a tag personalised with `keys` appends to its URL."""
    plain = bytes([0xC7]) + uid + counter.to_bytes(3, "little") + b"\x5a" * 5
    encryptor = Cipher(algorithms.AES(keys.meta_read_key), modes.CBC(bytes(16))).encryptor()
    picc = encryptor.update(plain) + encryptor.finalize()
    return picc.hex().upper(), sdm_mac(keys.file_read_key(uid), uid, counter).hex().upper()


def test_per_uid_keys_verify_their_own_tag_only():
    keys = SunKeys(meta_read_key=bytes(range(16)), file_read_master_key=bytes(range(16, 32)))
    uid, other = bytes.fromhex("04AABBCCDDEE80"), bytes.fromhex("04AABBCCDDEE81")
    assert keys.file_read_key(uid) != keys.file_read_key(other)
    picc, mac = tap(keys, uid, 7)
    reading = verify(picc, mac, keys.meta_read_key, keys.file_read_key)
    assert (reading.uid, reading.counter) == (uid, 7)
    # A MAC made with another tag's key (an attacker who extracted one tag) does not verify.
    forged = sdm_mac(keys.file_read_key(other), uid, 8).hex()
    forged_picc, _ = tap(keys, uid, 8)
    with pytest.raises(InvalidSunMessage):
        verify(forged_picc, forged, keys.meta_read_key, keys.file_read_key)
    with pytest.raises(InvalidSunMessage, match="does not decrypt"):
        verify(picc, mac, bytes(16), keys.file_read_key)
    with pytest.raises(InvalidSunMessage, match="hexadecimal"):
        verify("zz", mac, keys.meta_read_key, keys.file_read_key)
    with pytest.raises(InvalidSunMessage, match="8 bytes"):
        verify(picc, mac[:8], keys.meta_read_key, keys.file_read_key)


def test_picc_data_decrypts_uid_and_little_endian_counter():
    reading = decrypt_picc_data(ZERO_KEY, bytes.fromhex("EF963FF7828658A599F3041510671E88"))
    assert reading.counter == 61
    with pytest.raises(InvalidSunMessage):
        decrypt_picc_data(ZERO_KEY, bytes(15))
