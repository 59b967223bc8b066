import pytest

from backend.provenance.digital_link import DigitalLink, InvalidDigitalLink, build, parse, resolver_base
from backend.provenance.identifiers import UnsupportedIdentifier, canonical_uri, item_key


@pytest.mark.parametrize("serial", ["A100", "2017", "x/y%z", "ABC-123.4_5", "a&b=c?d"])
def test_round_trip_through_the_uri(serial):
    link = build("9506000134352", serial)
    assert link == DigitalLink("09506000134352", serial)
    uri = link.uri("id.brand.example")
    assert uri.startswith("https://id.brand.example/01/09506000134352/21/")
    assert parse(uri) == link
    assert parse(link.path()) == link


def test_serial_special_characters_are_escaped_in_the_path():
    assert build("09506000134352", "x/y%z").path() == "/01/09506000134352/21/x%2Fy%25z"
    assert build("09506000134352", "a&b=c?d").path() == "/01/09506000134352/21/a%26b=c%3Fd"


def test_resolver_is_configurable_with_or_without_scheme_and_prefix():
    assert resolver_base("id.brand.example") == "https://id.brand.example"
    assert resolver_base("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
    assert build("09506000134352", "S1").uri("https://brand.example/dl/") == "https://brand.example/dl/01/09506000134352/21/S1"
    with pytest.raises(InvalidDigitalLink):
        resolver_base("ftp://brand.example")


def test_parse_ignores_query_and_path_prefix_and_rejects_other_shapes():
    assert parse("https://r.example/p/01/09506000134352/21/S1?e=00&c=AB") == DigitalLink("09506000134352", "S1")
    for bad in (
        "https://r.example/01/09506000134352",
        "https://r.example/01/09506000134353/21/S1",  # check digit
        "https://r.example/01/09506000134352/21/S1/extra",
        "https://r.example/414/9506000000107/21/S1",
    ):
        with pytest.raises(InvalidDigitalLink):
            parse(bad)


def test_epc_uris_map_to_canonical_digital_links():
    assert canonical_uri("urn:epc:id:sgtin:0614141.107346.2017") == "https://id.gs1.org/01/10614141073464/21/2017"
    assert canonical_uri("urn:epc:id:sscc:4012345.1112223334") == "https://id.gs1.org/00/140123451122233341"
    assert canonical_uri("urn:epc:id:sgln:4012345.00022.0") == "https://id.gs1.org/414/4012345000221"
    assert canonical_uri("urn:epc:id:sgln:0614141.07346.1234") == "https://id.gs1.org/414/0614141073467/254/1234"
    assert canonical_uri("urn:epc:id:pgln:4012345.00000") == "https://id.gs1.org/417/4012345000009"
    assert canonical_uri("urn:epc:class:lgtin:9506000.013436.LOT9") == "https://id.gs1.org/01/09506000134369/10/LOT9"
    assert canonical_uri("https://brand.example/01/9506000134352/22/V1/10/L1/21/S9?x=1") == (
        "https://id.gs1.org/01/09506000134352/21/S9"
    )
    assert canonical_uri("geo:47.5,11.1") is None
    assert canonical_uri("http://transaction.acme.com/po/12345678") is None
    with pytest.raises(UnsupportedIdentifier):
        canonical_uri("urn:epc:id:usdod:2S194.12345")
    with pytest.raises(UnsupportedIdentifier):
        canonical_uri("urn:epc:id:sgtin:0614141.10734.2017")  # 12 digits, not 13


def test_item_key_names_only_serialised_trade_items():
    assert item_key("urn:epc:id:sgtin:9506000.013435.A%2F1") == ("09506000134352", "A/1")
    assert item_key("https://x.example/01/09506000134352/21/A100") == ("09506000134352", "A100")
    assert item_key("urn:epc:id:sscc:4012345.1112223334") is None
    assert item_key("urn:epc:id:bogus:1.2") is None
