"""Decoding, adaptive ranges, RPC error rules, settings and migrations, without a chain."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from hypothesis import given, settings
from hypothesis import strategies as st
from eth_utils import keccak, to_checksum_address
from sqlalchemy import inspect

from backend.chain.local_node import free_port
from indexer import IndexerSettings, LogRangeRejected, NodeUnavailable, RpcError
from indexer.database import VERSION_TABLE, make_engine, migrate, normalise_url
from indexer.decoding import EventDecoder, EventSpec
from indexer.log_ranges import AdaptiveRange
from indexer.models import mirror_metadata
from indexer.rpc import NodeClient

MIXED = {
    "type": "event",
    "name": "Mixed",
    "anonymous": False,
    "inputs": [
        {"name": "who", "type": "address", "indexed": True},
        {"name": "delta", "type": "int256", "indexed": True},
        {"name": "tag", "type": "bytes4", "indexed": True},
        {"name": "note", "type": "string", "indexed": False},
        {"name": "values", "type": "uint256[]", "indexed": False},
        {
            "name": "pair",
            "type": "tuple",
            "indexed": False,
            "components": [{"name": "kind", "type": "uint8"}, {"name": "party", "type": "address"}],
        },
        {"name": "blob", "type": "bytes", "indexed": False},
    ],
}
NAMED = {
    "type": "event",
    "name": "Named",
    "anonymous": False,
    "inputs": [{"name": "label", "type": "string", "indexed": True}, {"name": "", "type": "bool", "indexed": False}],
}
WHO = to_checksum_address("0x" + "ab" * 20)
PARTY = to_checksum_address("0x" + "cd" * 20)


def topic(kind: str, value) -> str:
    return "0x" + encode([kind], [value]).hex()


def test_decoder_reads_static_topics_dynamic_data_structs_and_keeps_indexed_hashes():
    decoder = EventDecoder([MIXED, NAMED])
    mixed = EventSpec.from_abi(MIXED)
    assert mixed.signature == "Mixed(address,int256,bytes4,string,uint256[],(uint8,address),bytes)"
    data = encode(["string", "uint256[]", "(uint8,address)", "bytes"], ["héllo", [1, 2**200], (7, PARTY), b"\x00\xff"])
    topics = [mixed.topic0, topic("address", WHO), topic("int256", -5), "0x" + b"\xde\xad\xbe\xef".hex() + "00" * 28]
    assert decoder.decode(topics, "0x" + data.hex()) == (
        "Mixed",
        {
            "who": WHO,
            "delta": -5,
            "tag": "0xdeadbeef",
            "note": "héllo",
            "values": [1, 2**200],
            "pair": {"kind": 7, "party": PARTY},
            "blob": "0x00ff",
        },
    )
    label_hash = "0x" + keccak(text="gold").hex()
    named = EventSpec.from_abi(NAMED)
    assert decoder.decode([named.topic0, label_hash], "0x" + encode(["bool"], [True]).hex()) == (
        "Named",
        {"label": label_hash, "arg1": True},
    )


@pytest.mark.parametrize(
    "topics, data",
    [
        (["0x" + "11" * 32], "0x"),  # unknown event
        ([EventSpec.from_abi(NAMED).topic0], "0x" + "00" * 31 + "01"),  # indexed topic missing
        ([EventSpec.from_abi(NAMED).topic0, "0x" + "22" * 32], "0x" + "00" * 16),  # truncated data
        ([], "0x"),  # anonymous log
    ],
)
def test_decoder_leaves_what_it_cannot_read_undecoded(topics, data):
    assert EventDecoder([MIXED, NAMED]).decode(topics, data) is None


def test_adaptive_range_halves_on_refusal_shrinks_on_dense_answers_and_grows_back_when_sparse():
    ranges = AdaptiveRange(maximum=2_000, target_logs=1_000)
    assert ranges.next_range(100, 10_000) == (100, 2_099)
    assert ranges.refused(2_000) and ranges.span == 1_000
    assert ranges.refused(1_000) and ranges.span == 500
    ranges.answered(500, 20_000)  # 40 logs a block: 25 blocks hold the target
    assert ranges.span == 25
    ranges.answered(25, 100)
    assert ranges.span == 50
    ranges.answered(10, 0)  # a short tail range says nothing about density
    assert ranges.span == 50
    for _ in range(10):
        ranges.answered(ranges.span, 0)
    assert ranges.span == 2_000
    assert ranges.next_range(9_500, 10_000) == (9_500, 10_000)
    single = AdaptiveRange(maximum=4, target_logs=1)
    assert single.refused(4) and single.refused(2)
    assert single.refused(1) is False and single.span == 1


def test_rpc_errors_are_named_by_what_the_indexer_does_about_them():
    answer = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "query returned more than 10000 results"}}
    with pytest.raises(LogRangeRejected):
        NodeClient._result("eth_getLogs", answer)
    besu = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "Requested range exceeds maximum range limit"}}
    with pytest.raises(LogRangeRejected):
        NodeClient._result("eth_getLogs", besu)
    with pytest.raises(RpcError) as other:
        NodeClient._result("eth_getBlockByNumber", {"id": 1, "error": {"code": -32601, "message": "Method not found"}})
    assert other.value.code == -32601
    with NodeClient(f"http://127.0.0.1:{free_port()}", timeout=2) as client, pytest.raises(NodeUnavailable):
        client.head()


def test_settings_read_the_prefixed_environment_and_database_url(monkeypatch):
    for name in ("DATABASE_URL", "TRUSTLEDGER_DATABASE_URL", "TRUSTLEDGER_REORG_WINDOW", "TRUSTLEDGER_MAX_BLOCK_RANGE"):
        monkeypatch.delenv(name, raising=False)
    assert IndexerSettings().database_url == "sqlite:///data/trustledger.db"
    assert IndexerSettings().reorg_window == 64 and IndexerSettings().max_block_range == 2_000
    monkeypatch.setenv("DATABASE_URL", "postgresql://shared/db")
    monkeypatch.setenv("TRUSTLEDGER_CONFIRMATION_DEPTH", "3")
    settings = IndexerSettings()
    assert settings.database_url == "postgresql://shared/db" and settings.confirmation_depth == 3
    monkeypatch.setenv("TRUSTLEDGER_DATABASE_URL", "sqlite:///mirror.db")
    assert IndexerSettings().database_url == "sqlite:///mirror.db"
    monkeypatch.setenv("TRUSTLEDGER_REORG_WINDOW", "0")
    with pytest.raises(ValueError):
        IndexerSettings()
    assert normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"


def test_migrations_create_exactly_the_models_in_their_own_version_table(mirror_url):
    engine = make_engine(mirror_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
            assert compare_metadata(context, mirror_metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert VERSION_TABLE in tables and "alembic_version" not in tables
        assert {t for t in tables if t != VERSION_TABLE} == set(mirror_metadata.tables)
    finally:
        engine.dispose()


STATIC = {
    "type": "event",
    "name": "Static",
    "anonymous": False,
    "inputs": [
        {"name": kind.replace("[", ""), "type": kind, "indexed": False}
        for kind in ("uint8", "int16", "address", "bool", "bytes3", "uint256")
    ],
}


@settings(max_examples=150, deadline=None)
@given(
    values=st.tuples(
        st.integers(0, 2**8 - 1),
        st.integers(-(2**15), 2**15 - 1),
        st.binary(min_size=20, max_size=20),
        st.booleans(),
        st.binary(min_size=3, max_size=3),
        st.integers(0, 2**256 - 1),
    ),
    corrupt=st.one_of(st.none(), st.tuples(st.integers(0, 191), st.integers(1, 255))),
)
def test_static_data_decodes_exactly_as_eth_abi_does(values, corrupt):
    kinds = [p["type"] for p in STATIC["inputs"]]
    data = bytearray(encode(kinds, [values[0], values[1], "0x" + values[2].hex(), *values[3:]]))
    if corrupt is not None:
        position, flip = corrupt
        data[position] ^= flip
    spec = EventSpec.from_abi(STATIC)
    decoded = EventDecoder([STATIC]).decode([spec.topic0], "0x" + data.hex())
    try:
        expected = decode(kinds, bytes(data), strict=False)
    except DecodingError:
        assert decoded is None
        return
    assert decoded is not None
    assert list(decoded[1].values()) == [
        expected[0],
        expected[1],
        to_checksum_address(expected[2]),
        expected[3],
        "0x" + expected[4].hex(),
        expected[5],
    ]
