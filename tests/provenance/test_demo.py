"""The demo's provenance step on anvil, through the API only: it ends on a genuine, anchored page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.chain.local_node import dev_private_keys
from backend.provenance.demo import run_provenance_demo
from tests.provenance.chain_support import chained_provenance


def test_the_demo_prints_a_product_url_whose_page_is_genuine(w3, registry, tmp_path):
    chain = chained_provenance(
        w3, registry, tmp_path, deployer_private_key=dev_private_keys(1)[0], digital_link_resolver="id.acme.example",
    )
    lines: list[str] = []
    with TestClient(create_app(chain.settings)) as client:
        demo = run_provenance_demo(client, chain.settings, fund=chain.fund, progress=lines.append)
        html = client.get(demo.page_path).text
        products = client.get("/v1/products", headers={"X-API-Key": demo.brand_api_key})
    assert demo.product_url == "https://id.acme.example" + demo.page_path and demo.page_path.endswith("/21/0001")
    assert demo.verdict == "genuine", demo.reason
    assert len(demo.timeline) == 4 and all("anchored in block" in line for line in demo.timeline)
    assert demo.timeline[1].startswith("Quality check: passed at site 9506000134000")
    assert "Genuine" in html and html.count("Anchored in block") == 4
    # the key printed for the brand console signs in as the demo's brand and sees its product
    assert products.status_code == 200, products.text
    assert demo.page_path.split("/")[2] in products.text
    assert any("1 batch built, 1 signed by the actor" in line for line in lines)
