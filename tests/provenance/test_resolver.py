"""GS1 Digital Link resolver: linkset, linkType negotiation, Link header, refusals, description."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from backend.provenance import resolver
from backend.provenance.digital_link import build
from tests.provenance.test_api import GTIN, api  # noqa: F401  (the API fixture)

BASE = "https://id.brand.example"
LINK = build(GTIN, "A1")
CANON = "https://id.gs1.org/01/09506000134352/21/A1"
TRACE = f"{BASE}/epcis/events?MATCH_anyEPC={quote(CANON, safe='')}"


@pytest.mark.parametrize("raw, full", [
    ("gs1:traceability", resolver.TRACEABILITY),
    ("https://gs1.org/voc/traceability", resolver.TRACEABILITY),
    ("gs1:pip", resolver.PIP),
    ("gs1:hasRetailers", "https://gs1.org/voc/hasRetailers"),
    ("linkset", resolver.WHOLE_LINKSET),
    ("all", resolver.WHOLE_LINKSET),
])
def test_link_types_normalise_to_full_uris(raw, full):
    assert resolver.link_type(raw) == full


@pytest.mark.parametrize("bad", ["", "traceability", "gs1:", "gs1:trace ability", "http://gs1.org/voc/pip", "gs1:<x>", "foo:pip"])
def test_malformed_link_types_are_refused(bad):
    with pytest.raises(resolver.InvalidLinkType):
        resolver.link_type(bad)


def test_linkset_is_anchored_at_the_canonical_uri_with_full_gs1_link_types():
    doc = resolver.linkset(LINK, BASE + "/")
    (context,) = doc["linkset"]
    assert context["anchor"] == CANON
    assert context[resolver.PIP][0]["href"] == BASE + "/01/09506000134352/21/A1"
    assert context[resolver.DEFAULT][0]["href"] == BASE + "/01/09506000134352/21/A1"
    assert context[resolver.TRACEABILITY][0]["href"] == TRACE
    assert all(key == "anchor" or key.startswith("https://gs1.org/voc/") for key in context)


def test_targets_default_link_for_pip_and_unknown_types():
    assert resolver.target(LINK, BASE, resolver.TRACEABILITY) == TRACE
    assert resolver.target(LINK, BASE, resolver.PIP) is None
    assert resolver.target(LINK, BASE, "https://gs1.org/voc/hasRetailers") is None


def test_link_header_lists_every_link_and_the_linkset():
    header = resolver.link_header(LINK, BASE)
    assert f'<{TRACE}>; rel="{resolver.TRACEABILITY}"' in header
    assert f'rel="{resolver.PIP}"' in header and 'rel="linkset"; type="application/linkset+json"' in header
    assert header.count("<") == 4


def test_browser_gets_the_product_page_with_a_link_header(api):
    response = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'rel="https://gs1.org/voc/traceability"' in response.headers["link"]


def test_accept_linkset_returns_the_linkset(api):
    response = api.client.get(f"/01/{GTIN}/21/A1", headers={"Accept": "application/linkset+json"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/linkset+json")
    (context,) = response.json()["linkset"]
    assert context["anchor"] == CANON
    assert context[resolver.TRACEABILITY][0]["href"].endswith("/epcis/events?MATCH_anyEPC=" + quote(CANON, safe=""))


@pytest.mark.parametrize("value", ["linkset", "all"])
def test_link_type_linkset_or_all_returns_the_linkset(api, value):
    response = api.client.get(f"/01/{GTIN}/21/A1?linkType={value}")
    assert response.status_code == 200 and response.json()["linkset"][0]["anchor"] == CANON


@pytest.mark.parametrize("value", ["gs1:traceability", "https://gs1.org/voc/traceability"])
def test_traceability_redirects_to_the_items_epcis_events(api, value):
    response = api.client.get(f"/01/{GTIN}/21/A1", params={"linkType": value}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/epcis/events?MATCH_anyEPC=" + quote(CANON, safe="")


def test_unknown_well_formed_link_type_gets_the_default_link(api):
    response = api.client.get(f"/01/{GTIN}/21/A1?linkType=gs1:hasRetailers", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json()["verdict"] == "unverified"


def test_malformed_link_type_is_400(api):
    response = api.client.get(f"/01/{GTIN}/21/A1?linkType=nonsense%20type")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_link_type"


@pytest.mark.parametrize("path", [f"/01/{GTIN[:-1]}3/21/A1", "/01/95060001343/21/A1", "/01/ABCDEFGHIJKLMN/21/A1"])
def test_malformed_digital_link_is_400_not_200(api, path):
    response = api.client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_digital_link"


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_gets_a_page_for_a_malformed_link_still_with_400(api):
    response = api.client.get(f"/01/{GTIN[:-1]}3/21/A1", headers=BROWSER)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "Not a valid product code" in response.text and "check digit" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    compressed = api.client.get("/ARzzzzzzzzzz", headers=BROWSER)
    assert compressed.status_code == 400 and "Not a valid product code" in compressed.text


def test_the_malformed_link_page_escapes_what_the_link_carried(api):
    response = api.client.get("/01/%3Cscript%3Ealert(1)%3Cscript%3E/21/A1", headers=BROWSER)
    assert response.status_code == 400
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text


def test_cors_is_open_for_the_resolver(api):
    response = api.client.get(f"/01/{GTIN}/21/A1?linkType=linkset", headers={"Origin": "https://other.example"})
    assert response.headers.get("access-control-allow-origin") in ("*", "https://other.example")


def test_well_known_describes_the_resolver(api):
    response = api.client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    doc = response.json()
    assert doc["resolverRoot"] == "http://testserver" and doc["supportedPrimaryKeys"] == ["01"]
    assert doc["supportedLinkTypes"][0]["namespace"] == "https://gs1.org/voc/"
    assert set(doc["linkTypes"]) == {resolver.PIP, resolver.TRACEABILITY, resolver.DEFAULT}


def test_compression_round_trips_an_item():
    from backend.provenance import dl_compression

    assert dl_compression.compress(LINK) == "ARFKk4XBoEKFQg"
    assert dl_compression.decompress("ARFKk4XBoEKFQg") == LINK


@pytest.mark.parametrize("garbage", ["ARzzzzzzzzzz", "AR__________", "ARHKVAdpQg", "AQAAAAAAAA", "ZZZZZZ", "bad segment!"])
def test_garbage_compressed_links_are_refused(garbage):
    from backend.provenance import dl_compression
    from backend.provenance.digital_link import InvalidDigitalLink

    with pytest.raises(InvalidDigitalLink):
        dl_compression.decompress(garbage)


def test_compressed_uri_resolves_like_the_uncompressed_one(api):
    response = api.client.get("/ARFKk4XBoEKFQg?linkType=linkset")
    assert response.status_code == 200 and response.json()["linkset"][0]["anchor"] == CANON
    assert f'<{CANON}>; rel="owl:sameAs"' in response.headers["link"]
    page = api.client.get("/ARFKk4XBoEKFQg", headers={"Accept": "application/json"})
    assert page.status_code == 200 and page.json()["verdict"] == "unverified"


def test_garbage_compressed_uri_is_400(api):
    response = api.client.get("/ARzzzzzzzzzz", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_digital_link"
    assert api.client.get("/ARHKVAdpQg").status_code == 400  # a GTIN without a serial
    assert api.client.get("/health").status_code == 200  # other root routes still win
    assert api.client.get("/boom").status_code == 404  # other single segments are not taken


def test_our_tests_package_is_not_shadowed_by_the_librarys():
    import tests

    assert "site-packages" not in tests.__file__  # gs1-compression ships a top-level tests package
