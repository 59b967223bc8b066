"""The sender's parts on their own: JSON-RPC batches, fees, revert reasons, the Celery task, the migration."""

from __future__ import annotations

import httpx
import orjson
import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from eth_abi import encode
from eth_utils import keccak
from sqlmodel import Session

from backend.chain.outbox import OutboxStatus, enqueue
from backend.chain.sender import Fees, JsonRpc, RpcError, RpcTransportError, quote_fees
from backend.chain.sender.encoding import TransactionSigner
from backend.chain.sender.reverts import decode_revert, revert_data
from backend.core.db import engine_for
from backend.db.migrate import upgrade_database
from backend.worker.celery_app import BEAT_SCHEDULE, TASK_MODULES
from tests.sender.databases import TABLES, postgres_database
from tests.sender.support import calldata, outbox_rows

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class ScriptedRpc(JsonRpc):
    """A JsonRpc whose node is a function of the decoded request."""

    def __init__(self, answer):
        def reply(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=orjson.dumps(answer(orjson.loads(request.content))))

        super().__init__("http://node.invalid", chunk_size=2, transport=httpx.MockTransport(reply))


def test_batch_returns_results_in_call_order_with_errors_in_place():
    def answer(batch):  # replies reversed, one error
        replies = [
            {"jsonrpc": "2.0", "id": c["id"], "error": {"code": 3, "message": "execution reverted", "data": "0x01"}}
            if c["params"] == ["bad"]
            else {"jsonrpc": "2.0", "id": c["id"], "result": c["params"][0]}
            for c in batch
        ]
        return replies[::-1]

    rpc = ScriptedRpc(answer)
    results = rpc.batch([("m", ["a"]), ("m", ["bad"]), ("m", ["c"]), ("m", ["d"]), ("m", ["e"])])

    assert results[0] == "a" and results[2:] == ["c", "d", "e"]
    assert results[1] == RpcError(3, "execution reverted", "0x01")


def test_single_call_raises_the_node_error_and_transport_errors_are_distinct():
    rpc = ScriptedRpc(
        lambda call: {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32000, "message": "nonce too low"}}
    )
    with pytest.raises(RpcError, match="nonce too low"):
        rpc.call("eth_sendRawTransaction", ["0x"])
    with pytest.raises(RpcTransportError):
        JsonRpc("http://127.0.0.1:9", timeout=1).call("eth_chainId")


def test_fees_follow_the_chain_eip1559_or_free_gas():
    def node(base_fee):
        def answer(batch):
            results = {
                "eth_getBlockByNumber": {"number": "0x1", **({"baseFeePerGas": base_fee} if base_fee else {})},
                "eth_maxPriorityFeePerGas": "0x3b9aca00",
                "eth_gasPrice": "0x0",
            }
            return [{"jsonrpc": "2.0", "id": c["id"], "result": results[c["method"]]} for c in batch]

        return ScriptedRpc(answer)

    assert quote_fees(node("0x64")) == Fees(max_fee_per_gas=2 * 100 + 10**9, max_priority_fee_per_gas=10**9)
    free = quote_fees(node(None))  # Besu with free gas: no base fee, gas price 0
    assert free == Fees(gas_price=0) and free.fields() == {"gasPrice": 0} and not free.is_eip1559


def test_replacement_fees_rise_at_least_the_bump_and_to_the_current_quote():
    old = Fees(max_fee_per_gas=1000, max_priority_fee_per_gas=100)
    assert old.bumped(15, floor=Fees(max_fee_per_gas=900, max_priority_fee_per_gas=50)) == Fees(1151, 116)
    assert old.bumped(15, floor=Fees(max_fee_per_gas=5000, max_priority_fee_per_gas=50)) == Fees(5000, 116)
    assert Fees(gas_price=0).bumped(15, floor=Fees(gas_price=0)) == Fees(gas_price=1)


def test_revert_reasons_are_decoded():
    error_string = keccak(text="Error(string)")[:4] + encode(["string"], ["not allowed"])
    panic = keccak(text="Panic(uint256)")[:4] + encode(["uint256"], [0x11])
    custom = keccak(text="OwnableUnauthorizedAccount(address)")[:4] + encode(["address"], ["0x" + "ab" * 20])
    assert decode_revert(error_string) == "not allowed"
    assert decode_revert(panic) == "Panic(0x11)"
    assert decode_revert(custom) == f"OwnableUnauthorizedAccount(0x{'ab' * 20})"
    assert decode_revert(bytes.fromhex("deadbeef")) == "custom error 0xdeadbeef"
    assert decode_revert(error_string[:10]) == f"custom error 0x{error_string[:4].hex()}"  # truncated
    assert decode_revert(None, "execution reverted") == "execution reverted"
    assert revert_data({"data": "0x1234"}) == b"\x12\x34" and revert_data("oops") is None


def test_send_outbox_task_is_registered_and_runs_a_pass(w3, token, admin, settings, monkeypatch):
    from backend.chain.sender import Sender, tasks

    assert "backend.chain.sender.tasks" in TASK_MODULES
    assert BEAT_SCHEDULE["send-outbox"]["task"] == tasks.send_outbox.name == "backend.chain.sender.tasks.send_outbox"
    sender = Sender(settings)
    monkeypatch.setattr(tasks, "_sender", lambda: sender)
    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, 4), kind="m")
        session.commit()

    assert tasks.send_outbox.apply().get() >= 2  # signed, broadcast (and maybe mined) in one pass
    sender.drain(timeout=30)
    sender.close()
    assert [row.status for row in outbox_rows(settings.database_url)] == [OutboxStatus.MINED]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_migration_creates_exactly_the_models_tables(kind, tmp_path):
    def check(url: str) -> None:
        upgrade_database(url)
        with engine_for(url).connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), TABLES[0].metadata)
        names = {table.name for table in TABLES}
        assert [d for d in differences if any(name in repr(d) for name in names)] == []

    if kind == "sqlite":
        check(f"sqlite:///{tmp_path / 'migrated.db'}")
    else:
        with postgres_database("sender_migration") as url:
            check(url)


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=32).filter(lambda k: 0 < int.from_bytes(k, "big") < SECP256K1_N),
    chain_id=st.integers(1, 2**32),
    nonce=st.integers(0, 2**64 - 1),
    gas=st.integers(21_000, 30_000_000),
    value=st.integers(0, 2**256 - 1),
    data=st.binary(max_size=200),
    tip=st.integers(0, 2**128),
    extra=st.integers(0, 2**128),
    legacy=st.booleans(),
)
def test_transactions_are_signed_to_the_same_bytes_as_eth_account(
    key, chain_id, nonce, gas, value, data, tip, extra, legacy
):
    to = Account.create().address
    fees = Fees(gas_price=tip) if legacy else Fees(max_fee_per_gas=tip + extra, max_priority_fee_per_gas=tip)
    ours = TransactionSigner(key).sign(chain_id=chain_id, nonce=nonce, to=to, value=value, data=data, gas=gas, fees=fees)

    reference = {"chainId": chain_id, "nonce": nonce, "to": to, "value": value, "data": data, "gas": gas, **fees.fields()}
    if not legacy:
        reference["type"] = 2
    theirs = Account.from_key(key).sign_transaction(reference)
    assert ours.raw == bytes(theirs.raw_transaction)
    assert ours.hash == theirs.hash.to_0x_hex()
    assert Account.recover_transaction(ours.raw) == Account.from_key(key).address


def test_sender_thread_sends_in_the_background_until_stopped(w3, token, admin, settings):
    import time

    from backend.chain.sender import Sender, SenderThread

    thread = SenderThread(Sender(settings), interval=0.05)
    thread.start()
    try:
        with Session(engine_for(settings.database_url)) as session:
            enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, 6), kind="m")
            session.commit()
        deadline = time.monotonic() + 20
        while outbox_rows(settings.database_url)[0].status != OutboxStatus.MINED:
            assert time.monotonic() < deadline, "the background sender did not mine the row"
            time.sleep(0.05)
    finally:
        thread.stop()
        thread.sender.close()
    assert not thread.is_alive()
    assert token.functions.balanceOf(admin).call() == 6


def test_cli_run_migrates_and_drains_the_outbox(w3, token, admin, anvil_node, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from backend.cli import app
    from tests.sender.support import make_settings

    settings = make_settings(f"sqlite:///{tmp_path / 'cli.db'}", anvil_node.url)
    upgrade_database(settings.database_url)  # what `sender run` does first; a second run is a no-op
    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, 8), kind="m")
        session.commit()
    monkeypatch.setattr("backend.cli.sender.get_settings", lambda: settings)

    result = CliRunner().invoke(app, ["sender", "run", "--drain", "--timeout", "30"])

    assert result.exit_code == 0, result.output
    assert "outbox drained" in result.output
    assert token.functions.balanceOf(admin).call() == 8


def test_process_outbox_runs_one_pass_and_drain_outbox_finishes(w3, token, admin, settings):
    from backend.chain.sender import drain_outbox, process_outbox

    with Session(engine_for(settings.database_url)) as session:
        enqueue(session, sender=admin, to=token.address, data=calldata(token, "mint", admin, 5), kind="m")
        session.commit()
    assert process_outbox(settings) >= 2  # signed and broadcast
    assert outbox_rows(settings.database_url)[0].status != OutboxStatus.QUEUED
    drain_outbox(settings, timeout=30)
    assert outbox_rows(settings.database_url)[0].status == OutboxStatus.MINED
    assert process_outbox(settings) == 0
