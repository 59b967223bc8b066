"""A batch whose insert fails half-way: nothing of it stays, nothing was acknowledged, and the same
signed body goes through when retried (its replay claim was released)."""

from __future__ import annotations

import orjson

from backend.ads import ingest_store
from tests.ads.factories import impression
from tests.api.support import BOTH_DATABASES


class Crash(RuntimeError):
    pass


@BOTH_DATABASES
def test_a_batch_failing_mid_insert_leaves_nothing_and_can_be_retried(ingest, monkeypatch):
    ingest.campaign(1)
    publisher = ingest.publisher()
    body = orjson.dumps({"events": [impression(f"e{n}") for n in range(50)]})
    real_insert = ingest_store._insert_events

    def insert_then_crash(connection, rows):
        real_insert(connection, rows)  # the rows are written in the transaction...
        raise Crash("connection lost")  # ...which then dies before its commit

    monkeypatch.setattr(ingest_store, "_insert_events", insert_then_crash)
    failed = ingest.post(publisher, body=body)
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "internal_error"
    assert (ingest.count("ad_batches"), ingest.count("ad_events")) == (0, 0)

    monkeypatch.setattr(ingest_store, "_insert_events", real_insert)
    retried = ingest.post(publisher, body=body)
    assert retried.status_code == 202, retried.text
    assert retried.json()["counts"]["accepted"] == 50
    assert (ingest.count("ad_batches"), ingest.count("ad_events")) == (1, 50)
    assert ingest.post(publisher, body=body).status_code == 409
