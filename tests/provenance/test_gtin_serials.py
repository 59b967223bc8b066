import pytest

from backend.provenance.gtin import InvalidGtin, check_digit, is_valid_gtin, normalise_gtin, with_check_digit
from backend.proofs.merkle import hash_leaf
from backend.provenance.serials import (
    MAX_SERIALS_PER_BATCH,
    SERIAL_LEAF_TYPES,
    InvalidSerial,
    SerialRange,
    expand,
    serial_hash,
    serial_leaf,
    serials_tree,
    validate_serials,
    verify_serial,
)


@pytest.mark.parametrize(
    "gtin, expected",
    [
        ("09506000134352", "09506000134352"),  # GTIN-14
        ("9506000134352", "09506000134352"),  # GTIN-13
        ("614141000036", "00614141000036"),  # GTIN-12 (UPC-A)
        ("96385074", "00000096385074"),  # GTIN-8
        ("10614141073464", "10614141073464"),  # indicator digit 1
    ],
)
def test_good_gtins_normalise_to_14_digits(gtin, expected):
    assert normalise_gtin(gtin) == expected
    assert is_valid_gtin(gtin)


@pytest.mark.parametrize(
    "gtin, reason",
    [
        ("09506000134353", "check digit 3; expected 2"),
        ("9506000134350", "check digit 0; expected 2"),
        ("0950600013435", "check digit"),
        ("123456789", "has 9 digits"),
        ("0950600013435X", "digits only"),
        ("", "digits only"),
        ("０９５０６０００１３４３５２", "digits only"),  # full-width digits are not ASCII
    ],
)
def test_bad_gtins_say_why(gtin, reason):
    with pytest.raises(InvalidGtin, match=reason):
        normalise_gtin(gtin)
    assert not is_valid_gtin(gtin)


def test_check_digit_examples():
    assert check_digit("0950600013435") == 2
    assert check_digit("629104150021") == 3  # GTIN-13 6291041500213
    assert with_check_digit("061414100003") == "0614141000036"


def test_duplicate_and_malformed_serials_are_all_reported():
    with pytest.raises(InvalidSerial) as excinfo:
        validate_serials(["A1", "A2", "A1", "", "x" * 21, "bad serial", "A2"])
    reasons = excinfo.value.reasons
    assert "serial is empty" in reasons
    assert any("21 characters" in reason for reason in reasons)
    assert any("character set 82" in reason for reason in reasons)
    assert "duplicate serials: A1, A2" in reasons


def test_ranges_expand_zero_padded_and_collide_with_listed_serials():
    assert expand(ranges=[SerialRange(8, 11, width=3, prefix="LOT-")]) == ["LOT-008", "LOT-009", "LOT-010", "LOT-011"]
    assert expand(["Z"], [SerialRange(1, 2)]) == ["Z", "1", "2"]
    with pytest.raises(InvalidSerial, match="duplicate serials: 0002"):
        expand(["0002"], [SerialRange(1, 3, width=4)])
    with pytest.raises(InvalidSerial, match="empty or negative"):
        expand(ranges=[SerialRange(5, 4)])
    with pytest.raises(InvalidSerial, match=f"more than {MAX_SERIALS_PER_BATCH}"):
        expand(ranges=[SerialRange(1, MAX_SERIALS_PER_BATCH + 1)])
    with pytest.raises(InvalidSerial, match="no serials"):
        expand()


def test_hand_encoded_leaf_equals_the_generic_abi_leaf():
    for serial in ("S1", "x%y", "9" * 20):
        assert serial_leaf("09506000134352", serial) == hash_leaf(SERIAL_LEAF_TYPES, (9506000134352, serial_hash(serial)))


def test_batch_root_proves_each_serial_and_nothing_else():
    gtin = "09506000134352"
    serials = [f"S{n}" for n in range(7)]
    tree = serials_tree(gtin, serials)
    for serial in serials:
        assert verify_serial(tree.root, gtin, serial, tree.proof(serial_leaf(gtin, serial)))
    assert not verify_serial(tree.root, gtin, "S99", tree.proof(serial_leaf(gtin, "S1")))
    assert not verify_serial(tree.root, "09506000134369", "S1", tree.proof(serial_leaf(gtin, "S1")))
    assert serials_tree(gtin, list(reversed(serials))).root == tree.root
