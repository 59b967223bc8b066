"""CPU a served benchmark spends per request: the server's processes and their PostgreSQL backends.

Latency on a shared 2-core machine grows with whatever else runs; CPU time per request does
not, so printed beside a percentile it tells a slower machine from more work (Linux /proc).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far; a process that has exited counts 0."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's worker processes)."""
    found = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        found += children(int(child))
    return found


def database_backends(admin_url: str, database: str) -> list[int]:
    """Server processes of the connections open on `database`."""
    with psycopg.connect(admin_url) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
    return [pid for (pid,) in rows]
