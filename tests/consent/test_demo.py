"""The demo's consent step runs end to end through the API."""

from backend.consent.demo import consent_step
from tests.consent.conftest import RELAYER_KEY


def test_consent_step(world):
    advertiser, _address = world.advertiser("Demo Ads")
    summary = consent_step(world.client, advertiser_key=advertiser.key, consumer_key="0x" + "42" * 32, settle=world.settle)
    assert summary.disclosed == {"age-band": "25-34", "country": "DE", "interests": ["cycling", "jazz"]}
    assert summary.withheld == ["gender"]
    assert (summary.other_purpose_status, summary.after_withdrawal_status) == (403, 403)
    assert summary.receipt_status == "dpv:ConsentWithdrawn"
    assert summary.consumer_did.endswith(":0x" + "42" * 32) is False and summary.pairwise_address not in summary.consumer_did
    assert RELAYER_KEY
