"""Content stores: CIDs as Kubo computes them, the local directory store, and the Kubo RPC client."""

from __future__ import annotations

import os

import pytest

from backend.content import (
    MAX_CONTENT_BYTES,
    CidMismatch,
    ContentNotFound,
    ContentStore,
    ContentStoreError,
    ContentStoreUnavailable,
    ContentTooLarge,
    InvalidCid,
    KuboContentStore,
    LocalContentStore,
    cid_for,
    content_store_from_url,
)
from tests.production.fake_servers import FakeKubo

# What `ipfs add --cid-version=1 --raw-leaves` reports for these bytes.
KNOWN_CIDS = {
    b"": "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    b"hello": "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
}


def kubo(server: FakeKubo, **options) -> KuboContentStore:
    options.setdefault("timeout", 2.0)
    options.setdefault("backoff", 0.01)
    return KuboContentStore(server.url, **options)


@pytest.mark.parametrize("data, cid", KNOWN_CIDS.items())
def test_cid_is_kubos_raw_cidv1(data, cid):
    assert cid_for(data) == cid


def test_local_store_round_trip_and_pin(tmp_path):
    store = LocalContentStore(tmp_path)
    assert isinstance(store, ContentStore)
    cid = store.put(b"campaign terms v1")
    assert cid == cid_for(b"campaign terms v1")
    assert store.put(b"campaign terms v1") == cid  # idempotent
    assert store.get(cid) == b"campaign terms v1"
    store.pin(cid)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [cid]  # no temporary files left


def test_local_store_takes_exactly_one_mib(tmp_path):
    store = LocalContentStore(tmp_path)
    largest = os.urandom(MAX_CONTENT_BYTES)
    assert store.get(store.put(largest)) == largest
    with pytest.raises(ContentTooLarge, match="1048577 bytes.*at most 1048576"):
        store.put(largest + b"x")


def test_local_store_detects_missing_and_corrupted_content(tmp_path):
    store = LocalContentStore(tmp_path)
    absent = cid_for(b"never stored")
    with pytest.raises(ContentNotFound):
        store.get(absent)
    with pytest.raises(ContentNotFound):
        store.pin(absent)
    cid = store.put(b"original")
    next(p for p in tmp_path.rglob(cid)).write_bytes(b"tampered")
    with pytest.raises(CidMismatch):
        store.get(cid)


@pytest.mark.parametrize("bad", ["not-a-cid", "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"])
def test_local_store_rejects_cids_it_cannot_hold(tmp_path, bad):
    with pytest.raises(InvalidCid):
        LocalContentStore(tmp_path).get(bad)


def test_kubo_round_trip_with_kubos_add_parameters():
    with FakeKubo() as server, kubo(server) as store:
        cid = store.put(b"creative bytes")
        assert cid == cid_for(b"creative bytes")
        assert store.get(cid) == b"creative bytes"
        store.pin(cid)
        assert cid in server.pins
        path, params = server.requests[0]
        assert path == "/api/v0/add"
        assert params["cid-version"] == "1"
        assert params["raw-leaves"] == "true"
        assert params["chunker"] == "size-1048576"


def test_content_moves_between_stores_unchanged(tmp_path):
    local = LocalContentStore(tmp_path)
    cid = local.put(b"EPCIS document")
    with FakeKubo() as server, kubo(server) as remote:
        assert remote.put(local.get(cid)) == cid
        assert LocalContentStore(tmp_path / "copy").put(remote.get(cid)) == cid


def test_kubo_rejects_a_cid_that_differs_from_the_local_one():
    wrong = cid_for(b"something else")
    with FakeKubo(wrong_cid=wrong) as server, kubo(server) as store:
        with pytest.raises(CidMismatch) as excinfo:
            store.put(b"creative bytes")
    assert excinfo.value.expected == cid_for(b"creative bytes")
    assert excinfo.value.actual == wrong


def test_kubo_rejects_content_that_does_not_hash_to_its_cid():
    with FakeKubo() as server, kubo(server) as store:
        cid = store.put(b"genuine")
        server.tamper = True
        with pytest.raises(CidMismatch):
            store.get(cid)


def test_kubo_refuses_content_over_one_mib_without_calling_kubo():
    with FakeKubo() as server, kubo(server) as store:
        with pytest.raises(ContentTooLarge):
            store.put(bytes(MAX_CONTENT_BYTES + 1))
        assert server.requests == []


def test_kubo_survives_a_timeout_by_retrying():
    with FakeKubo(stall_first=1, stall_seconds=1.0) as server, kubo(server, timeout=0.3, retries=2) as store:
        cid = store.put(b"retried")
        assert store.get(cid) == b"retried"
    assert [path for path, _ in server.requests].count("/api/v0/add") == 2


def test_kubo_gives_up_after_the_last_retry():
    with FakeKubo(stall_first=10, stall_seconds=1.0) as server, kubo(server, timeout=0.2, retries=2) as store:
        with pytest.raises(ContentStoreUnavailable, match="after 3 attempts"):
            store.put(b"never answered")
        assert len(server.requests) == 3


def test_kubo_errors_are_reported_not_retried():
    with FakeKubo() as server, kubo(server) as store:
        with pytest.raises(ContentNotFound):
            store.get(cid_for(b"absent"))
        with pytest.raises(ContentStoreError, match="not found"):
            store.pin(cid_for(b"absent"))
        assert len(server.requests) == 2


def test_kubo_connection_refused_is_unavailable():
    with FakeKubo() as server:
        url = server.url
    with KuboContentStore(url, timeout=0.5, retries=1, backoff=0.01) as store:
        with pytest.raises(ContentStoreUnavailable):
            store.put(b"nobody listening")


def test_factory_picks_the_store_from_the_url(tmp_path):
    assert isinstance(content_store_from_url(str(tmp_path)), LocalContentStore)
    local = content_store_from_url(f"file://{tmp_path}")
    assert isinstance(local, LocalContentStore) and local.root == tmp_path
    remote = content_store_from_url("http://kubo:5001")
    assert isinstance(remote, KuboContentStore) and remote.base_url == "http://kubo:5001"
    remote.close()
    with pytest.raises(ValueError, match="unsupported"):
        content_store_from_url("s3://bucket/content")
