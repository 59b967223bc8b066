"""The embedded scheduler driven by a fake clock: intervals, no overlap of a job with itself, failures."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from backend.worker.celery_app import BEAT_SCHEDULE
from backend.worker.embedded import REPLACED_BY_LOOPS
from backend.worker.embedded_scheduler import EmbeddedScheduler, ScheduledJob, beat_jobs


def counting(calls: list[str], name: str):
    return lambda: calls.append(name)


def tick(scheduler: EmbeddedScheduler, now: float) -> list[str]:
    """One tick, then wait for the passes it started (threads) so the test reads settled counts."""
    started = scheduler.run_once(now)
    assert scheduler.join(timeout=5) == []
    return started


def test_each_job_runs_at_start_then_once_per_interval():
    calls: list[str] = []
    scheduler = EmbeddedScheduler(
        [ScheduledJob("fast", 1.0, counting(calls, "fast")), ScheduledJob("slow", 30.0, counting(calls, "slow"))]
    )
    started_at = {}
    for now in [100.0, 100.5, 101.0, 101.9, 102.0, 129.99, 130.0, 130.5, 130.99]:
        started_at[now] = tick(scheduler, now)

    assert started_at == {
        100.0: ["fast", "slow"],
        100.5: [],
        101.0: ["fast"],
        101.9: [],
        102.0: ["fast"],
        129.99: ["fast"],  # late: one pass for the 27 it missed, the next an interval later
        130.0: ["slow"],
        130.5: [],
        130.99: ["fast"],
    }
    assert scheduler.runs == {"fast": 5, "slow": 2}
    assert sorted(calls) == ["fast"] * 5 + ["slow"] * 2


def test_a_late_tick_keeps_the_cadence():
    scheduler = EmbeddedScheduler([ScheduledJob("job", 10.0, lambda: None)])
    assert tick(scheduler, 0.0) == ["job"]
    assert tick(scheduler, 10.4) == ["job"]  # 0.4 s late
    assert scheduler.next_due() == 20.0  # not 20.4: lateness does not accumulate
    assert tick(scheduler, 35.0) == ["job"]  # missed 20 and 30: runs once, next at 45
    assert scheduler.next_due() == 45.0
    assert tick(scheduler, 44.9) == []


def test_a_job_still_running_is_skipped_not_overlapped():
    release, entered = threading.Event(), threading.Event()
    active, most_active = [0], [0]
    lock = threading.Lock()

    def slow() -> None:
        with lock:
            active[0] += 1
            most_active[0] = max(most_active[0], active[0])
        entered.set()
        release.wait(5)
        with lock:
            active[0] -= 1

    other: list[str] = []
    scheduler = EmbeddedScheduler([ScheduledJob("slow", 1.0, slow), ScheduledJob("other", 1.0, counting(other, "x"))])
    try:
        assert scheduler.run_once(0.0) == ["slow", "other"]
        assert entered.wait(5)
        assert scheduler.run_once(1.0) == ["other"]  # slow still runs: this pass of it is dropped
        assert scheduler.run_once(2.0) == ["other"]
        assert scheduler.running("slow")
        assert scheduler.skipped == {"slow": 2}
    finally:
        release.set()
    assert scheduler.join(timeout=5) == []
    assert tick(scheduler, 3.0) == ["slow", "other"]  # finished: runs again at its next interval
    assert most_active[0] == 1
    assert scheduler.runs == {"slow": 2, "other": 4}


def test_a_failing_job_is_logged_and_runs_again_and_the_others_go_on(caplog):
    calls: list[str] = []

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("node unreachable")

    scheduler = EmbeddedScheduler(
        [ScheduledJob("broken", 1.0, broken), ScheduledJob("fine", 1.0, counting(calls, "fine"))]
    )
    with caplog.at_level(logging.ERROR, logger="backend.worker.embedded_scheduler"):
        for now in (0.0, 1.0, 2.0):
            tick(scheduler, now)

    assert sorted(calls) == ["broken"] * 3 + ["fine"] * 3
    assert scheduler.failures == {"broken": 3}
    failures = [record for record in caplog.records if "scheduled job broken failed" in record.getMessage()]
    assert len(failures) == 3 and all(record.exc_info[1].args == ("node unreachable",) for record in failures)


def test_run_loop_stops_when_asked():
    ran = threading.Event()
    scheduler = EmbeddedScheduler([ScheduledJob("job", 3600.0, ran.set)])
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, args=(stop,), kwargs={"tick": 0.05})
    loop.start()
    assert ran.wait(5)  # the first tick runs every job
    stop.set()
    loop.join(2)
    assert not loop.is_alive()
    assert scheduler.runs == {"job": 1}


def test_beat_jobs_follow_the_beat_schedule_and_call_the_tasks(monkeypatch):
    jobs = {job.name: job for job in beat_jobs(BEAT_SCHEDULE, skip=REPLACED_BY_LOOPS)}

    assert set(jobs) == set(BEAT_SCHEDULE) - {"send-outbox"}
    assert {name: job.interval for name, job in jobs.items()} == {
        name: float(entry["schedule"]) for name, entry in BEAT_SCHEDULE.items() if name != "send-outbox"
    }
    from backend.provenance import tasks as provenance_tasks

    called = []
    monkeypatch.setattr(provenance_tasks.anchor_events, "run", lambda: called.append("anchor") or 7)
    assert jobs["anchor-events"].run() == 7
    assert called == ["anchor"]


def test_beat_jobs_refuse_schedules_without_a_fixed_interval_and_unknown_skips():
    from celery.schedules import crontab

    task = "backend.provenance.tasks.anchor_events"
    [job] = beat_jobs({"daily": {"task": task, "schedule": timedelta(days=1)}})
    assert job.interval == 86_400.0
    with pytest.raises(TypeError, match="fixed intervals"):
        beat_jobs({"nightly": {"task": task, "schedule": crontab(hour=3)}})
    with pytest.raises(KeyError, match="send-outbox"):
        beat_jobs({"daily": {"task": task, "schedule": 1.0}}, skip={"send-outbox"})
    with pytest.raises(ValueError, match="interval must be positive"):
        EmbeddedScheduler([ScheduledJob("never", 0.0, lambda: None)])
