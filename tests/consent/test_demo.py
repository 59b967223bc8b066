"""The demo's consent step runs end to end through the API."""

from eth_account import Account

from backend.consent.demo import consent_step

CONSUMER_KEY = "0x" + "42" * 32


def test_consent_step(world):
    advertiser, _address = world.advertiser("Demo Ads")
    world.sync_clock()
    summary = consent_step(
        world.client,
        advertiser_key=advertiser.key,
        consumer_key=CONSUMER_KEY,
        settle=world.settle,
        clock=lambda: world.api.clock().timestamp(),
    )
    wallet = Account.from_key(CONSUMER_KEY).address
    assert summary.consumer_did == f"did:pkh:eip155:{world.w3.eth.chain_id}:{wallet}"
    assert summary.pairwise_address != wallet
    assert summary.disclosed == {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"]}
    assert summary.withheld == ["gender"]
    assert (summary.other_purpose_status, summary.after_withdrawal_status) == (403, 403)
    assert summary.receipt_status == "dpv:ConsentWithdrawn"
    assert summary.grant_transaction.startswith("0x")
