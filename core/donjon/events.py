"""The event thread: stored-instance and change hooks, after commit, in order.

A slow or failing plugin never blocks ingestion: events are queued by the
storing thread and delivered here, each implementation isolated from the others'
exceptions. The stability tracker turns "no new instance for ``StableAge``
seconds" into StablePatient/StableStudy/StableSeries changes.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .types import Change, StoredInstance

if TYPE_CHECKING:
    from .server import Server

__all__ = ["EventDispatcher"]

log = logging.getLogger(__name__)

_STOP = object()


class EventDispatcher:
    """Delivers events to the plugins on one thread and keeps a short history for tests.

    Args:
        server: The server whose plugins are notified.
        history: How many recent events :meth:`wait_for` can look back on.
    """

    def __init__(self, server: Server, *, history: int = 10_000) -> None:
        self.server = server
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._recent: deque[StoredInstance | Change] = deque(maxlen=history)
        self._cond = threading.Condition()
        #: Held from a change-logging transaction until its events are queued, so that
        #: events reach the plugins in ``/changes`` order (ARCHITECTURE §3, step 6).
        #: SQLite serialises writers anyway, so this costs no concurrency. Take it
        #: *before* ``index.write()``, never inside it.
        self.ordering = threading.RLock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="donjon-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=10)
            self._thread = None

    def publish(self, event: StoredInstance | Change) -> None:
        """Queue an event; called after the transaction that produced it committed."""
        if self._thread is None:
            self._deliver(event)
        else:
            self._queue.put(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is _STOP:
                return
            if isinstance(event, threading.Event):  # a drain() marker
                event.set()
                continue
            try:
                self._deliver(event)
            except Exception:  # notify() isolates plugins; this guards the thread itself
                log.exception("cannot deliver event %r", event)

    def _deliver(self, event: StoredInstance | Change) -> None:
        if isinstance(event, StoredInstance):
            self.server.plugins.notify("donjon_stored_instance", server=self.server, instance=event)
        else:
            self.server.plugins.notify("donjon_change", server=self.server, change=event)
        with self._cond:
            self._recent.append(event)
            self._cond.notify_all()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued event was delivered."""
        if self._thread is None:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def wait_for(self, predicate: Callable[[StoredInstance | Change], bool], timeout: float = 10.0) -> StoredInstance | Change:
        """Block until a delivered event matches ``predicate`` (tests use this, never ``sleep``).

        Raises:
            TimeoutError: nothing matched within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self._recent:
                    if predicate(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no matching event was delivered")
                self._cond.wait(left)
