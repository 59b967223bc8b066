"""With PROMETHEUS_MULTIPROC_DIR set, /metrics merges every process's files (uvicorn and Celery workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.observability.support import samples

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORKER = textwrap.dedent(
    """
    import sys
    from backend.core.metrics import AD_EVENTS, SETTLEMENT_LAST_COMMIT
    from indexer.metrics import HEAD_LAG_BLOCKS
    AD_EVENTS.labels("accepted", "").inc(int(sys.argv[1]))
    SETTLEMENT_LAST_COMMIT.set(float(sys.argv[1]))
    HEAD_LAG_BLOCKS.set(float(sys.argv[1]))
    """
)
SCRAPE = textwrap.dedent(
    """
    import sys
    from prometheus_client import generate_latest
    from backend.core.metrics import exposition_registry
    sys.stdout.write(generate_latest(exposition_registry(sys.argv[1:])).decode())
    """
)


def run(code: str, directory, *args: str) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_counters_of_several_processes_add_up_and_gauges_merge(tmp_path):
    api_dir, worker_dir = tmp_path / "api", tmp_path / "worker"
    run(WORKER, api_dir, "3")
    run(WORKER, api_dir, "4")
    run(WORKER, worker_dir, "5")  # another container's directory, merged through metrics_merge_dirs
    only_api = samples(run(SCRAPE, api_dir))
    assert only_api[("trustledger_ad_events_total", (("outcome", "accepted"), ("reason", "")))] == 7
    merged = samples(run(SCRAPE, api_dir, str(worker_dir)))
    assert merged[("trustledger_ad_events_total", (("outcome", "accepted"), ("reason", "")))] == 12
    assert merged[("trustledger_settlement_last_commit_timestamp_seconds", ())] == 5, "max over processes"
    assert merged[("trustledger_indexer_head_lag_blocks", ())] == 5, "the most recent value"
    assert len(list(api_dir.glob("*.db"))) >= 2, "one file per process and metric type"


def test_a_dead_worker_leaves_its_counters_and_mark_process_dead_runs(tmp_path):
    code = WORKER + textwrap.dedent(
        """
        from backend.core.metrics import mark_process_dead
        mark_process_dead()
        """
    )
    run(code, tmp_path, "2")
    merged = samples(run(SCRAPE, tmp_path))
    assert merged[("trustledger_ad_events_total", (("outcome", "accepted"), ("reason", "")))] == 2


def test_the_celery_worker_marks_its_children_dead_on_exit():
    from celery.signals import worker_process_shutdown

    from backend.worker import process_signals

    receivers = [ref() for _, ref in worker_process_shutdown.receivers]
    assert process_signals._forget_worker_metrics in receivers
