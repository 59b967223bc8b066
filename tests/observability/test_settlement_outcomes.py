"""The outcome label of trustledger_settlement_epochs_total for each kind of settle pass."""

from __future__ import annotations

import pytest

from backend.settlement.epochs.settle import SettleResult, Skipped
from backend.settlement import passes
from tests.observability.support import value


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (SettleResult(1, settlement_id=9, billed=3), "committed"),
        (SettleResult(1, settlement_id=9, awaiting=True), "awaiting_attestations"),
        (SettleResult(1, epoch=4, priced=2), "not_committable"),
        (SettleResult(1, Skipped.NO_EVENTS), "no_events"),
        (SettleResult(1, Skipped.CHALLENGE_OPEN), "challenge_open"),
    ],
)
def test_each_pass_has_one_outcome(result, outcome):
    assert passes.epoch_outcome(result) == outcome


def test_a_failed_pass_is_counted_and_still_raises(monkeypatch, tmp_path):
    class Boom(RuntimeError):
        pass

    def explode(*_args, **_kwargs):
        raise Boom("node down")

    monkeypatch.setattr(passes.SettlementChain, "from_settings", staticmethod(lambda _settings: object()))
    monkeypatch.setattr(passes, "_mirror", lambda _session, _chain: None)
    monkeypatch.setattr(passes, "settle_campaign", explode)
    from backend.core.config import Settings

    before = value("trustledger_settlement_epochs_total", outcome="failed")
    with pytest.raises(Boom):
        passes.settle_once(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}"), 1, now=1_000)
    assert value("trustledger_settlement_epochs_total", outcome="failed") == before + 1
