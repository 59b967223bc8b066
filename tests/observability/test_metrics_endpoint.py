"""/metrics: the Prometheus text format, only for the operator; request ids in headers and error bodies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from backend.api.main import create_app
from backend.core.config import Settings
from backend.db.migrate import upgrade_database
from tests.observability.support import samples, value

LOOPBACK = ("127.0.0.1", 50000)
OUTSIDE = ("203.0.113.7", 50000)


@pytest.fixture
def settings(tmp_path) -> Settings:
    url = f"sqlite:///{tmp_path / 'metrics.db'}"
    upgrade_database(url)
    return Settings(database_url=url, rpc_url="http://127.0.0.1:9", manifest_path=tmp_path / "none.json")


def client(settings: Settings, address=LOOPBACK) -> TestClient:
    return TestClient(create_app(settings), client=address, raise_server_exceptions=False)


def test_exposition_parses_and_counts_requests_by_route_template(settings):
    api = client(settings)
    before = value("trustledger_http_request_duration_seconds_count", method="GET", route="/health", status="200")
    for _ in range(3):
        assert api.get("/health").status_code == 200
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    found = samples(response.text)
    key = ("trustledger_http_request_duration_seconds_count", (("method", "GET"), ("route", "/health"), ("status", "200")))
    assert found[key] == before + 3
    # An empty outbox needs no node: read, and no key has a backlog.
    assert found[("trustledger_sender_status_up", ())] == 1.0
    assert not [name for name, _ in found if name == "trustledger_sender_pending_transactions"]
    # A path with parameters is counted under its template, never the raw path.
    api.get("/v1/events/ev-123/proof")
    routes = {dict(labels)["route"] for (name, labels) in samples(api.get("/metrics").text) if name.endswith("_count")
              and name.startswith("trustledger_http")}
    assert not any("ev-123" in route for route in routes)
    assert "/v1/events/{event_id}/proof" in routes, routes  # the whole template, the /v1 prefix included
    # A plain Starlette route (the product page) is counted under its template too, not "unmatched".
    api.get("/01/09506000134352/21/ZZ-raw-serial", headers={"Accept": "application/json"})
    api.get("/01/09506000134353/21/A1")  # a bad check digit: a 400, still under the template
    found = samples(api.get("/metrics").text)
    page = {(dict(labels)["route"], dict(labels)["status"]) for (name, labels) in found
            if name == "trustledger_http_request_duration_seconds_count"}
    assert {("/01/{gtin}/21/{serial}", "200"), ("/01/{gtin}/21/{serial}", "400")} <= page
    assert not any("ZZ-raw-serial" in route for route, _ in page)


def test_without_a_token_only_loopback_clients_get_metrics(settings):
    assert client(settings, LOOPBACK).get("/metrics").status_code == 200
    refused = client(settings, OUTSIDE).get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_with_a_token_every_client_needs_it(settings, tmp_path):
    token = "s3cret-token-for-tests"
    with_token = settings.model_copy(update={"metrics_token": SecretStr(token)})
    outside = client(with_token, OUTSIDE)
    assert outside.get("/metrics").status_code == 401
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert outside.get("/metrics", headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert client(with_token, LOOPBACK).get("/metrics").status_code == 401, "the token applies to loopback too"
    assert outside.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # The same from a file (the compose secret).
    (tmp_path / "metrics_token").write_text(token + "\n")
    from_file = client(settings.model_copy(update={"metrics_token_file": tmp_path / "metrics_token"}), OUTSIDE)
    assert from_file.get("/metrics").status_code == 401
    assert from_file.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_request_id_is_returned_and_in_every_error_body(settings):
    api = client(settings)
    kept = api.get("/v1/no-such-route", headers={"X-Request-ID": "req-42.abc"})
    assert kept.status_code == 404
    assert kept.headers["X-Request-ID"] == "req-42.abc"
    assert kept.json() == {"error": {"code": "not_found", "message": "Not Found", "request_id": "req-42.abc"}}
    # An unusable incoming id (too long, odd characters) is replaced by a fresh one.
    replaced = api.get("/v1/no-such-route", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 200})
    fresh = replaced.headers["X-Request-ID"]
    assert len(fresh) == 32 and replaced.json()["error"]["request_id"] == fresh
    # Success answers carry one too, different per request.
    assert api.get("/health").headers["X-Request-ID"] != api.get("/health").headers["X-Request-ID"]
    # A validation error (422) keeps its code and details and gains the id.
    invalid = api.post("/v1/events", content=b"not json", headers={"X-Request-ID": "r-1"})
    assert invalid.status_code in (400, 401, 415, 422)
    assert invalid.json()["error"]["request_id"] == "r-1"


def test_an_unhandled_error_answers_500_with_the_request_id(settings):
    app = create_app(settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("internals")

    api = TestClient(app, client=LOOPBACK, raise_server_exceptions=False)
    before = value("trustledger_http_request_duration_seconds_count", method="GET", route="/boom", status="500")
    response = api.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal_error", "message": "internal error", "request_id": "trace-500"}}
    assert response.headers["X-Request-ID"] == "trace-500"
    assert value("trustledger_http_request_duration_seconds_count", method="GET", route="/boom", status="500") == before + 1
