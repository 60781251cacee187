"""Stable patients, studies and series: ``StableAge`` seconds without a new instance.

Orthanc logs StablePatient/StableStudy/StableSeries once a resource has received
no instance for ``StableAge`` seconds; a new instance re-arms the timer. The
deadlines live in memory here; a back-end shared by several processes coordinates
through the index instead (the change is logged by whichever process commits it).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from .enums import ChangeType, ResourceLevel

if TYPE_CHECKING:
    from .server import Server

__all__ = ["StabilityTracker"]

log = logging.getLogger(__name__)

_STABLE_CHANGE = {
    ResourceLevel.PATIENT: ChangeType.StablePatient,
    ResourceLevel.STUDY: ChangeType.StableStudy,
    ResourceLevel.SERIES: ChangeType.StableSeries,
}


class StabilityTracker:
    """Arms a timer per resource on each new instance and logs the stable change."""

    def __init__(self, server: Server, stable_age: float) -> None:
        self.server = server
        self.stable_age = stable_age
        self._deadlines: dict[tuple[ResourceLevel, str], float] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="donjon-stability", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def touch(self, patient: str, study: str, series: str) -> None:
        """An instance arrived: (re-)arm the timers of its ancestors."""
        deadline = time.monotonic() + self.stable_age
        with self._lock:
            idle = not self._deadlines
            self._deadlines[(ResourceLevel.PATIENT, patient)] = deadline
            self._deadlines[(ResourceLevel.STUDY, study)] = deadline
            self._deadlines[(ResourceLevel.SERIES, series)] = deadline
        # A new deadline is never earlier than those already armed: the thread only needs
        # waking when it sleeps with nothing to watch (waking it on every instance made
        # it contend for the lock with the storing threads).
        if idle:
            self._wake.set()

    def forget(self, public_id: str) -> None:
        """A resource was deleted: no stable change for it."""
        with self._lock:
            for key in [k for k in self._deadlines if k[1] == public_id]:
                del self._deadlines[key]

    def unstable(self, public_id: str) -> bool:
        """Whether a resource still waits for its stable change (``IsStable`` is the opposite)."""
        with self._lock:
            return any(k[1] == public_id for k in self._deadlines)

    def _run(self) -> None:
        while not self._stopping:
            with self._lock:
                now = time.monotonic()
                due = sorted((d, k) for k, d in self._deadlines.items() if d <= now)
                for _, key in due:
                    del self._deadlines[key]
                nxt = min(self._deadlines.values(), default=now + 3600)
            # Series before studies before patients, as Orthanc reports them.
            for _, (level, public_id) in sorted(due, key=lambda item: (-int(item[1][0]), item[0])):
                try:
                    self.server.log_change(_STABLE_CHANGE[level], level, public_id)
                except Exception:
                    log.exception("cannot log the stable change of %s", public_id)
            self._wake.wait(max(0.05, min(1.0, nxt - time.monotonic())))
            self._wake.clear()
