"""Structured logs: one JSON object a line, with the request's id, route, status and duration."""

from __future__ import annotations

import io
import json
import logging

from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.core.config import Settings
from backend.core.log_format import RequestIdFilter, log_formatter
from backend.db.migrate import upgrade_database


def capture(log_format: str) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(log_formatter(log_format))
    return stream, handler


def test_each_request_writes_one_json_access_line_with_its_request_id(tmp_path):
    url = f"sqlite:///{tmp_path / 'logs.db'}"
    upgrade_database(url)
    api = TestClient(create_app(Settings(database_url=url)), client=("127.0.0.1", 5000))
    stream, handler = capture("json")
    access = logging.getLogger("trustledger.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        api.get("/health", headers={"X-Request-ID": "log-1"})
        api.get("/v1/events/some-id/proof", headers={"X-Request-ID": "log-2"})
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert set(first) >= {"time", "level", "logger", "message", "request_id", "method", "route", "status", "duration_ms"}
    assert (first["level"], first["logger"], first["request_id"]) == ("INFO", "trustledger.access", "log-1")
    assert (first["method"], first["route"], first["status"]) == ("GET", "/health", 200)
    assert 0 <= first["duration_ms"] < 5_000
    assert first["time"][:4].isdigit() and "T" in first["time"]
    assert second["request_id"] == "log-2" and "some-id" not in second["route"]


def test_a_line_logged_inside_a_request_carries_its_id_and_text_format_is_readable():
    from backend.core.request_context import REQUEST_ID

    json_stream, json_handler = capture("json")
    text_stream, text_handler = capture("text")
    logger = logging.getLogger("tests.observability.inner")
    logger.addHandler(json_handler)
    logger.addHandler(text_handler)
    logger.setLevel(logging.INFO)
    token = REQUEST_ID.set("inner-7")
    try:
        logger.warning("settled %s events", 3)
    finally:
        REQUEST_ID.reset(token)
        logger.removeHandler(json_handler)
        logger.removeHandler(text_handler)
    line = json.loads(json_stream.getvalue())
    assert (line["message"], line["level"], line["request_id"]) == ("settled 3 events", "WARNING", "inner-7")
    assert "[inner-7] settled 3 events" in text_stream.getvalue()


def test_log_format_defaults_to_json_in_production_and_text_elsewhere():
    assert Settings().effective_log_format == "text"
    assert Settings(log_format="json").effective_log_format == "json"
    production = Settings.model_construct(environment="production", log_format=None)
    assert production.effective_log_format == "json"
