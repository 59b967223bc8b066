"""Celery beat's schedule, run inside one process for the embedded mode (no broker).

Guarantees:

- every job runs when the scheduler starts, then once per interval, on a cadence that does
  not drift (a late pass does not push the following ones back);
- a job never overlaps itself: a pass that falls due while the previous one still runs is
  skipped, as beat's ``expires`` drops passes a busy worker could not start in time;
- jobs run in their own threads, so a slow job (a settlement pass waiting for the node)
  does not delay the others;
- a failing pass is logged and the job runs again at its next interval.

The core is ``run_once(now)``, which reads no clock and never sleeps: tests drive it with
their own times. ``run(stop)`` is the loop around it. Every beat task is safe to run twice
or to be interrupted (see each task's docstring), so a pass cut short at shutdown is
simply done again by the next start.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    interval: float  # seconds
    run: Callable[[], object]


class EmbeddedScheduler:
    def __init__(self, jobs: Iterable[ScheduledJob]):
        self.jobs = {job.name: job for job in jobs}
        for job in self.jobs.values():
            if job.interval <= 0:
                raise ValueError(f"job {job.name}: interval must be positive, not {job.interval}")
        self._due: dict[str, float] = {}  # a job missing here is due at the next tick
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self.runs: Counter[str] = Counter()  # passes started
        self.skipped: Counter[str] = Counter()  # passes dropped because the previous one still ran
        self.failures: Counter[str] = Counter()

    def run_once(self, now: float) -> list[str]:
        """Start every job due at `now` (seconds on any monotonic clock) that is not still running;
        returns the names started."""
        started = []
        for name, job in self.jobs.items():
            due = self._due.setdefault(name, now)
            if now < due:
                continue
            following = due + job.interval
            self._due[name] = following if following > now else now + job.interval
            if self.running(name):
                self.skipped[name] += 1
                log.info("scheduled job %s is still running; this pass is skipped", name)
                continue
            thread = threading.Thread(target=self._execute, args=(job,), name=f"job:{name}", daemon=True)
            self._threads[name] = thread
            self.runs[name] += 1
            thread.start()
            started.append(name)
        return started

    def running(self, name: str) -> bool:
        thread = self._threads.get(name)
        return thread is not None and thread.is_alive()

    def next_due(self) -> float | None:
        """When the earliest job falls due next (None before the first tick)."""
        if len(self._due) < len(self.jobs):
            return None
        return min(self._due.values())

    def join(self, timeout: float) -> list[str]:
        """Wait up to `timeout` seconds for the passes in progress; returns the jobs still running."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
        return sorted(name for name in self.jobs if self.running(name))

    def run(self, stop: threading.Event, *, clock: Callable[[], float] = time.monotonic, tick: float = 1.0) -> None:
        """Start due jobs until `stop` is set, waking at the next due time (at least every `tick` seconds)."""
        while not stop.is_set():
            self.run_once(clock())
            due = self.next_due()
            wait = tick if due is None else min(tick, due - clock())
            stop.wait(max(wait, 0.01))

    def _execute(self, job: ScheduledJob) -> None:
        try:
            job.run()
        except Exception:  # noqa: BLE001 -- one bad pass must not end the schedule; the next pass retries
            with self._lock:
                self.failures[job.name] += 1
            log.exception("scheduled job %s failed", job.name)


def beat_jobs(schedule: Mapping[str, Mapping], *, skip: Iterable[str] = ()) -> list[ScheduledJob]:
    """The entries of a Celery beat schedule as jobs that call their task in this thread.

    Entries in `skip` are left out (``trustledger run`` has a dedicated sender loop instead of
    beat's send-outbox pass). Schedules must be seconds or a timedelta: a crontab has no fixed
    interval, and none is used.
    """
    from backend.worker.celery_app import TASK_MODULES, celery_app

    for module in TASK_MODULES:  # registers the tasks with the app
        importlib.import_module(module)
    skipped = set(skip)
    unknown = skipped - set(schedule)
    if unknown:
        raise KeyError(f"not in the beat schedule: {sorted(unknown)}")
    jobs = []
    for name, entry in schedule.items():
        if name in skipped:
            continue
        task = celery_app.tasks[entry["task"]]
        args, kwargs = tuple(entry.get("args", ())), dict(entry.get("kwargs", {}))
        jobs.append(ScheduledJob(name, _seconds(name, entry["schedule"]), _caller(task, args, kwargs)))
    return jobs


def _caller(task, args: tuple, kwargs: dict) -> Callable[[], object]:
    # Calling the task object runs its body here; tasks it starts with .delay() run eagerly
    # (no broker), and their exceptions reach this pass.
    return lambda: task(*args, **kwargs)


def _seconds(name: str, schedule: object) -> float:
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, (int, float)):
        return float(schedule)
    raise TypeError(f"beat entry {name}: the embedded scheduler runs fixed intervals, not {schedule!r}")


__all__ = ["EmbeddedScheduler", "ScheduledJob", "beat_jobs"]
