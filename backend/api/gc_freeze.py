"""Long-lived objects moved out of the garbage collector's sight, once per process and stage.

Everything alive after start-up (modules, the app, its routes and dependency graphs; later
the ingest path's state) lives as long as the process. Left in the collector's generations,
it is walked again by every full collection, which a request's transient objects trigger
every few hundred requests. ``gc.freeze()`` moves it to the permanent generation. Once per
stage and process: frozen objects are never collected, so freezing on every app build
(tests build many) would keep their garbage.
"""

from __future__ import annotations

import gc
import threading

_done: set[str] = set()
_lock = threading.Lock()


def freeze_once(stage: str) -> bool:
    """Freeze what is alive now, unless `stage` already did in this process; True if it froze."""
    with _lock:
        if stage in _done:
            return False
        _done.add(stage)
    gc.collect()
    gc.freeze()
    return True
