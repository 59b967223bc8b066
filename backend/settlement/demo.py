"""The settlement part of `make demo`: settle the campaign's events, move the chain past the challenge
window, mature the root, pay the publishers, and prove one billed event on chain.

``scripts/demo.py`` calls it after the campaign demo (``backend.campaigns.demo``) and the
publishers' event batches, on a local anvil node::

    result = run_settlement_demo(
        client, settings, campaign=campaign_demo.campaign, publishers=campaign_demo.publishers,
        settle=InProcessChain(settings).settle, progress=console.print,
    )

The settle task, the keeper and the sender run in this process (the embedded mode's
tasks). The events' epoch is closed early (``now`` past its end) instead of waiting up
to ``epoch_seconds``; later events of that epoch are settled with the next one. The
challenge window passes with ``evm_increaseTime`` (anvil only). The proof is fetched
through the API with the first publisher's key and checked against the escrow's
``verifyEvent``, trusting only the node.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from web3 import Web3

from backend.campaigns.demo import DemoParticipant, DemoFailed
from backend.core.config import Settings
from backend.core.db import engine_for
from backend.settlement.onchain.writes import SettlementChain
from backend.settlement.passes import keep_once, settle_due
from backend.settlement.proofs.verification import Verification, verify_event_proof
from contracts import load_artifact


@dataclass
class SettlementDemo:
    epoch: int
    commit_tx: str | None
    cumulative_spent: int
    billed_events: int
    balances: list[dict[str, Any]]  # participant, address, before, after, received (base units)
    proof: dict[str, Any]
    verification: Verification
    steps: list[str] = field(default_factory=list)


def run_settlement_demo(
    client: httpx.Client,
    settings: Settings,
    *,
    campaign: dict[str, Any],
    publishers: list[DemoParticipant],
    settle: Callable[[], None],
    progress: Callable[[str], None] = lambda _: None,
) -> SettlementDemo:
    """``campaign``: the campaign as ``GET /v1/campaigns/{id}`` answers; ``settle``: mine and mirror what is queued."""
    steps: list[str] = []

    def step(message: str) -> None:
        steps.append(message)
        progress(message)

    chain = SettlementChain.from_settings(settings)
    campaign_id = campaign["chain"]["campaign_id"]
    w3 = Web3(Web3.HTTPProvider(settings.rpc_url, request_kwargs={"timeout": 30}))
    token = w3.eth.contract(address=campaign["token"]["address"], abi=load_artifact("SettlementToken").abi)
    before = {p.address: token.functions.balanceOf(p.address).call() for p in publishers}

    newest = _newest_accepted_epoch(settings, campaign_id)
    if newest is None:
        raise DemoFailed(f"campaign {campaign_id} has no accepted events to settle")
    now = max(int(time.time()), (newest + 1) * settings.epoch_seconds)
    results = [r for r in settle_due(settings, now=now) if r.campaign_id == campaign_id and r.committed]
    if not results:
        raise DemoFailed(f"nothing was committed for campaign {campaign_id}")
    (result,) = results
    step(f"epoch {result.epoch}: {result.billed} events billed ({result.billed_amount} base units), "
         f"{result.over_budget} over budget; both trees stored, commitSettlement queued")
    settle()
    escrow = w3.eth.contract(address=chain.escrow, abi=load_artifact("CampaignEscrow").abi)
    committed = escrow.events.SettlementCommitted().get_logs(
        from_block=0, argument_filters={"campaignId": campaign_id, "epoch": result.epoch}
    )
    commit_tx = committed[-1].transactionHash.to_0x_hex() if committed else None
    step(f"root committed on chain in {commit_tx}; challenge window {campaign['challenge_window']} s")

    w3.provider.make_request("evm_increaseTime", [campaign["challenge_window"] + 1])
    w3.provider.make_request("evm_mine", [])
    settle()
    (kept,) = keep_once(settings, [campaign_id])
    settle()
    step(f"window passed (anvil time moved); epoch {kept.matured} matured")
    (paid,) = keep_once(settings, [campaign_id])
    settle()
    step(f"payouts pushed to {len(paid.payouts)} publishers by the keeper")

    balances = []
    for publisher in publishers:
        after = token.functions.balanceOf(publisher.address).call()
        balances.append({
            "participant": publisher.name, "address": publisher.address,
            "before": before[publisher.address], "after": after, "received": after - before[publisher.address],
        })

    event_id = _a_billed_event(settings, campaign_id, publishers[0].address)
    proof = _ok(client.get(f"/v1/events/{event_id}/proof", headers=publishers[0].headers), 200)
    verification = verify_event_proof(proof, w3, chain.escrow, chain.chain_id)
    step(f"event {event_id}: proof of {len(proof['proof'])} nodes "
         f"{'verified' if verification.verified else 'NOT verified'} by the escrow's verifyEvent")
    return SettlementDemo(
        epoch=result.epoch,
        commit_tx=commit_tx,
        cumulative_spent=committed[-1].args.cumulativeSpent if committed else 0,
        billed_events=result.billed,
        balances=balances,
        proof=proof,
        verification=verification,
        steps=steps,
    )


def _ok(response: httpx.Response, *expected: int) -> dict:
    if response.status_code not in expected:
        request = response.request
        raise DemoFailed(f"{request.method} {request.url.path}: {response.status_code} {response.text}")
    return response.json()


def _newest_accepted_epoch(settings: Settings, campaign_id: int) -> int | None:
    with engine_for(settings.database_url).connect() as connection:
        return connection.execute(
            text("SELECT max(epoch) FROM ad_events WHERE campaign_id = :c AND status = 'accepted'"), {"c": campaign_id}
        ).scalar()


def _a_billed_event(settings: Settings, campaign_id: int, publisher: str) -> int:
    """The publisher's newest billed click if it has one (a priced event is more telling), else any billed event."""
    with engine_for(settings.database_url).connect() as connection:
        event_id = connection.execute(
            text(
                "SELECT id FROM ad_events WHERE campaign_id = :c AND publisher = :p AND status = 'billed' "
                "ORDER BY kind = 'click' DESC, id DESC LIMIT 1"
            ),
            {"c": campaign_id, "p": publisher},
        ).scalar()
    if event_id is None:
        raise DemoFailed(f"{publisher} has no billed event in campaign {campaign_id}")
    return event_id
