from datetime import datetime, timedelta, timezone

import pytest

from backend.provenance.verdict import FarApartScans, ProductFacts, Verdict, VerdictPolicy, assess

ANCHORED = dict(registered=True, anchored_events=3)
FAR = FarApartScans("Germany", "Japan", timedelta(minutes=90))


@pytest.mark.parametrize(
    "facts, verdict, words",
    [
        (ProductFacts(registered=False), Verdict.UNVERIFIED, "could not find this serial number"),
        # an unknown serial stays unverified even with signals: nothing registered to protect
        (ProductFacts(registered=False, recalled=True, distinct_clients=999), Verdict.UNVERIFIED, "could not find"),
        (ProductFacts(registered=True), Verdict.UNVERIFIED, "none of its history is confirmed"),
        (ProductFacts(registered=True, pending_events=2), Verdict.UNVERIFIED, "2 recorded events are waiting"),
        (ProductFacts(registered=True, pending_events=1), Verdict.UNVERIFIED, "1 recorded event is waiting"),
        (ProductFacts(**ANCHORED), Verdict.GENUINE, "all 3 events of its history are confirmed"),
        (ProductFacts(**ANCHORED, pending_events=1), Verdict.GENUINE, "3 of its 4 events are confirmed"),
        (ProductFacts(**ANCHORED, recalled=True), Verdict.SUSPICIOUS, "recalled this product"),
        (ProductFacts(registered=True, recalled=True), Verdict.SUSPICIOUS, "recalled"),  # flags beat "not anchored"
        (ProductFacts(**ANCHORED, destroyed=True), Verdict.SUSPICIOUS, "recorded as destroyed"),
        (ProductFacts(**ANCHORED, retail_sales=2), Verdict.SUSPICIOUS, "sold in a shop 2 times"),
        (ProductFacts(**ANCHORED, retail_sales=1), Verdict.GENUINE, "nothing looks wrong"),
        (ProductFacts(**ANCHORED, tag_replayed=True), Verdict.SUSPICIOUS, "secure code was used before"),
        (ProductFacts(**ANCHORED, tag_forged=True), Verdict.SUSPICIOUS, "secure code is not genuine"),
        (ProductFacts(**ANCHORED, far_apart_scans=FAR), Verdict.SUSPICIOUS, "in Germany and in Japan within 90 minutes"),
        (ProductFacts(**ANCHORED, distinct_clients=26), Verdict.SUSPICIOUS, "on 26 different devices"),
        (ProductFacts(**ANCHORED, distinct_clients=25), Verdict.GENUINE, "nothing looks wrong"),
    ],
)
def test_verdict_table(facts, verdict, words):
    assessment = assess(facts)
    assert assessment.verdict is verdict
    assert words in assessment.reason


def test_threshold_is_a_policy():
    facts = ProductFacts(**ANCHORED, distinct_clients=6)
    assert assess(facts, VerdictPolicy(max_distinct_clients=5)).verdict is Verdict.SUSPICIOUS
    assert assess(facts, VerdictPolicy(max_distinct_clients=6)).verdict is Verdict.GENUINE


def test_a_claim_is_reported_on_later_scans_whatever_the_verdict():
    claimed = datetime(2026, 3, 4, 17, 30, tzinfo=timezone.utc)
    genuine = assess(ProductFacts(**ANCHORED, claimed_at=claimed))
    assert genuine.verdict is Verdict.GENUINE and genuine.claim_note == "Claimed by its buyer on 4 March 2026."
    assert assess(ProductFacts(**ANCHORED, retail_sales=3, claimed_at=claimed)).claim_note == genuine.claim_note
    assert assess(ProductFacts(**ANCHORED)).claim_note is None


def test_long_gaps_read_in_hours():
    far = FarApartScans("Brazil", "Japan", timedelta(hours=5, minutes=10))
    assert "within 5 hours" in assess(ProductFacts(**ANCHORED, far_apart_scans=far)).reason
