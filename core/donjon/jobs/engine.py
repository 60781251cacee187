"""The jobs engine: a priority queue, ``ConcurrentJobs`` workers, a history, persistence.

States follow Orthanc's state machine (Book: users/advanced-rest.rst "Jobs"):
Pending → Running → Success | Failure; Pending/Running → Paused → Pending (resume);
Failure → Pending (resubmit); any unfinished state → Failure (cancel, error 37).
Completed jobs stay in a history of ``JobsHistorySize`` entries, oldest forgotten first.
With ``SaveJobs`` every state change is written to the index at once (one row per job,
so that a multi-process index such as PostgreSQL can coordinate them later); at the
next start unfinished jobs are queued again and paused ones stay paused.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Union

import msgspec

from ..enums import ChangeType
from ..errors import DonjonError, ErrorCode
from ..types import Change
from .entry import JobEntry, describe_entry, release_entry
from .job import Job, JobContext, JobStopped
from .model import JobState, job_timestamp
from .persistence import read_jobs, write_jobs

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["JobsEngine"]

log = logging.getLogger(__name__)

class JobsEngine:
    """Runs the jobs of one server.

    Args:
        server: The server whose index persists the jobs and whose event thread gets
            JobSubmitted/JobSuccess/JobFailure changes.
    """

    def __init__(self, server: Server) -> None:
        cfg = server.config.core
        self.server = server
        # Orthanc: "0" means one worker per logical core.
        self.concurrency = cfg.concurrent_jobs if cfg.concurrent_jobs > 0 else (os.cpu_count() or 1)
        self.history_size = max(0, cfg.jobs_history_size)
        self.save_jobs = cfg.save_jobs
        self.types: dict[str, type[Job]] = {}
        self._decoder: msgspec.json.Decoder[Any] | None = None
        self._entries: dict[str, JobEntry] = {}
        self._heap: list[tuple[int, int, str]] = []
        self._tokens = itertools.count()
        self._cond = threading.Condition()
        self._save_lock = threading.Lock()
        self._dirty: set[str] = set()
        self._workers: list[threading.Thread] = []
        self._stopping = False

    # -- lifecycle ----------------------------------------------------------------------

    def register_types(self, classes: list[type[Job]]) -> None:
        """Register job classes (from ``donjon_job_types``); two classes with one name stop the start."""
        for cls in classes:
            name = cls.type_name
            if not name or not hasattr(cls, "params_type"):
                raise DonjonError(ErrorCode.SharedLibrary, f"job class {cls.__qualname__} lacks type_name or params_type")
            if name in self.types and self.types[name] is not cls:
                raise DonjonError(ErrorCode.SharedLibrary, f"two job classes have the type name {name!r}")
            self.types[name] = cls
        params = tuple(cls.params_type for cls in self.types.values())
        self._decoder = msgspec.json.Decoder(Union[params]) if params else None  # type: ignore[valid-type]

    def start(self) -> None:
        """Register the job types of the plugins, reload saved jobs, start the workers."""
        classes: list[type[Job]] = []
        for contributed in self.server.plugins.collect("donjon_job_types"):
            classes.extend(contributed)
        self.register_types(classes)
        if self.save_jobs:
            self._load()
        self._stopping = False
        for i in range(self.concurrency):
            worker = threading.Thread(target=self._work, name=f"donjon-jobs-{i}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask running jobs to stop at their next checkpoint, wait for the workers, save, free outputs."""
        with self._cond:
            self._stopping = True
            for entry in self._entries.values():
                if entry.state is JobState.Running and entry.ctx is not None:
                    entry.ctx.request_stop("shutdown")
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.1, deadline - time.monotonic()))
        self._workers.clear()
        self._flush()
        with self._cond:
            entries = list(self._entries.values())
        for entry in entries:
            release_entry(entry)

    # -- submitting -----------------------------------------------------------------------

    def submit(self, job: Job, priority: int = 0, user_data: Any = None) -> str:
        """Queue a job; returns its ID at once (Orthanc's asynchronous mode)."""
        self._check_type(job)
        entry = JobEntry(str(uuid.uuid4()), job, int(priority), user_data)
        with self._cond:
            self._entries[entry.id] = entry
            self._push(entry)
            self._dirty.add(entry.id)
        self._flush()
        self._publish(ChangeType.JobSubmitted, entry.id)
        log.info("job %s submitted (%s, priority %d)", entry.id, job.type_name, entry.priority)
        return entry.id

    def submit_and_wait(self, job: Job, priority: int = 0, user_data: Any = None) -> Job:
        """Queue a job and block until it finishes (Orthanc's synchronous mode).

        Raises:
            DonjonError: the job failed (its error code and details) or was cancelled.
        """
        job_id = self.submit(job, priority, user_data)
        with self._cond:
            entry = self._entries[job_id]
        while not entry.done.wait(0.5):
            if self._stopping:
                raise DonjonError(ErrorCode.CanceledJob, f"job {job_id} was not run: the server is stopping")
        if entry.state is not JobState.Success:
            raise DonjonError(entry.error_code, entry.error_details or f"job {job_id} failed")
        return job

    @contextmanager
    def inline(self, job: Job, priority: int = 0, user_data: Any = None) -> Iterator[JobContext]:
        """Run a job on the caller's thread while the registry shows it (synchronous streams).

        Orthanc lists synchronous archives as jobs too; a streamed ZIP is produced while the
        HTTP answer is sent, so it runs here instead of on a worker. Only ``cancel``
        stops it (through :meth:`JobContext.checkpoint`); an exception fails the job.
        """
        self._check_type(job)
        entry = JobEntry(str(uuid.uuid4()), job, int(priority), user_data)
        entry.inline = True
        entry.state = JobState.Running
        entry.ctx = JobContext(self.server, entry.id)
        entry.run_started = time.monotonic()
        with self._cond:
            # Saved once finished only: after a crash, nobody waits for this stream any more.
            self._entries[entry.id] = entry
        self._publish(ChangeType.JobSubmitted, entry.id)
        try:
            yield entry.ctx
        except JobStopped as stopped:
            self._finish(entry, DonjonError(ErrorCode.CanceledJob, f"job {entry.id} was stopped ({stopped.reason})"))
            raise
        except DonjonError as exc:
            self._finish(entry, exc)
            raise
        except BaseException as exc:
            self._finish(entry, DonjonError(ErrorCode.CanceledJob if isinstance(exc, GeneratorExit) else ErrorCode.InternalError, repr(exc)))
            raise
        else:
            self._finish(entry, None)

    # -- reading ----------------------------------------------------------------------------

    def ids(self) -> list[str]:
        """Every job ID in the registry, sorted (Orthanc lists its std::map by ID)."""
        with self._cond:
            return sorted(self._entries)

    def describe(self, job_id: str) -> dict[str, Any] | None:
        """Orthanc's JSON for one job, or None if unknown."""
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None:
                return None
            return describe_entry(entry)

    def describe_all(self) -> list[dict[str, Any]]:
        """``GET /jobs?expand``."""
        with self._cond:
            return [describe_entry(self._entries[k]) for k in sorted(self._entries)]

    def job(self, job_id: str) -> Job | None:
        """The job object (for its outputs), or None if unknown."""
        with self._cond:
            entry = self._entries.get(job_id)
            return entry.job if entry is not None else None

    def state(self, job_id: str) -> JobState | None:
        with self._cond:
            entry = self._entries.get(job_id)
            return entry.state if entry is not None else None

    def wait(self, job_id: str, timeout: float | None = None) -> JobState | None:
        """Block until the job is done (Success or Failure); its final state, or None if unknown."""
        with self._cond:
            entry = self._entries.get(job_id)
        if entry is None:
            return None
        entry.done.wait(timeout)
        return entry.state

    # -- controlling (POST /jobs/{id}/...) ---------------------------------------------------

    def cancel(self, job_id: str) -> bool:
        """Cancel a job; False if unknown. A finished job is left as it is (Orthanc answers ``{}``)."""
        error = DonjonError(ErrorCode.CanceledJob, f"job {job_id} was canceled")
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None:
                return False
            if entry.state is JobState.Running:
                assert entry.ctx is not None
                entry.ctx.request_stop("cancel")
                return True
            if entry.state.is_done:
                return True
            # Under the lock, so that no worker starts the job in between.
            forgotten = self._complete(entry, error)
        self._after_completion(entry, error, forgotten)
        return True

    def pause(self, job_id: str) -> bool:
        """Pause a pending or running job; False if unknown or not pausable."""
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None or entry.inline and entry.state is JobState.Running:
                return False
            if entry.state is JobState.Running:
                assert entry.ctx is not None
                entry.ctx.request_stop("pause")
            elif entry.state in (JobState.Pending, JobState.Retry):
                entry.state = JobState.Paused
                entry.queue_token = -1
                self._dirty.add(job_id)
        self._flush()
        return True

    def resume(self, job_id: str) -> bool:
        """Queue a paused job again; False unless it is paused."""
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None or entry.state is not JobState.Paused:
                return False
            entry.state = JobState.Pending
            self._push(entry)
            self._dirty.add(job_id)
        self._flush()
        return True

    def resubmit(self, job_id: str) -> bool:
        """Run a failed job again from the start; False unless it failed."""
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None or entry.state is not JobState.Failure or entry.inline:
                return False
            entry.job.reset()
            entry.state = JobState.Pending
            entry.completion_time = None
            entry.error_code, entry.error_details = ErrorCode.Success, ""
            entry.progress = 0.0
            entry.done.clear()
            self._push(entry)
            self._dirty.add(job_id)
        self._flush()
        return True

    def delete(self, job_id: str) -> bool:
        """Forget a finished job and its outputs (``DELETE /jobs/{id}``); False if unknown.

        Raises:
            DonjonError: ``BadSequenceOfCalls`` if the job is not finished (cancel it first).
        """
        with self._cond:
            entry = self._entries.get(job_id)
            if entry is None:
                return False
            if not entry.state.is_done:
                # A client error, not the 500 that BadSequenceOfCalls maps to by default.
                raise DonjonError(ErrorCode.BadSequenceOfCalls, f"job {job_id} is {entry.state.value}: cancel it before deleting it", http_status=400)
            del self._entries[job_id]
            self._dirty.add(job_id)
        release_entry(entry)
        self._flush()
        return True

    # -- internals ---------------------------------------------------------------------------

    def _check_type(self, job: Job) -> None:
        if self.types.get(job.type_name) is not type(job):
            raise DonjonError(ErrorCode.InternalError, f"job type {job.type_name!r} is not registered through donjon_job_types")

    def _push(self, entry: JobEntry) -> None:
        entry.queue_token = next(self._tokens)
        heapq.heappush(self._heap, (-entry.priority, entry.queue_token, entry.id))
        self._cond.notify()

    def _next_pending(self) -> JobEntry | None:
        while self._heap:
            _, token, job_id = heapq.heappop(self._heap)
            entry = self._entries.get(job_id)
            if entry is not None and entry.state is JobState.Pending and entry.queue_token == token:
                return entry
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                entry = None if self._stopping else self._next_pending()
                while entry is None:
                    if self._stopping:
                        return
                    self._cond.wait()
                    entry = None if self._stopping else self._next_pending()
                entry.state = JobState.Running
                entry.ctx = JobContext(self.server, entry.id)
                entry.ctx.progress = entry.progress
                entry.run_started = time.monotonic()
                self._dirty.add(entry.id)
            self._flush()
            self._run(entry)

    def _run(self, entry: JobEntry) -> None:
        assert entry.ctx is not None
        try:
            entry.job.run(entry.ctx)
        except JobStopped as stopped:
            if stopped.reason == "cancel":
                self._finish(entry, DonjonError(ErrorCode.CanceledJob, f"job {entry.id} was canceled"))
            else:
                self._suspend(entry, JobState.Paused if stopped.reason == "pause" else JobState.Pending)
            return
        except DonjonError as exc:
            log.warning("job %s (%s) failed: %s", entry.id, entry.job.type_name, exc)
            self._finish(entry, exc)
            return
        except Exception as exc:  # the job runner is a boundary (CONVENTIONS §7)
            log.exception("job %s (%s) failed", entry.id, entry.job.type_name)
            self._finish(entry, DonjonError(ErrorCode.InternalError, f"{type(exc).__name__}: {exc}"))
            return
        self._finish(entry, None)

    def _stop_clock(self, entry: JobEntry) -> None:
        if entry.run_started is not None:
            entry.runtime += time.monotonic() - entry.run_started
            entry.run_started = None
        if entry.ctx is not None:
            entry.progress = entry.ctx.progress
        entry.ctx = None

    def _suspend(self, entry: JobEntry, state: JobState) -> None:
        with self._cond:
            self._stop_clock(entry)
            entry.state = state
            if state is JobState.Pending and not self._stopping:
                self._push(entry)
            self._dirty.add(entry.id)
        self._flush()

    def _finish(self, entry: JobEntry, error: DonjonError | None) -> None:
        with self._cond:
            forgotten = self._complete(entry, error)
        self._after_completion(entry, error, forgotten)

    def _complete(self, entry: JobEntry, error: DonjonError | None) -> list[JobEntry]:
        """Move a job to Success or Failure (engine lock held); the jobs forgotten from the history."""
        self._stop_clock(entry)
        entry.completion_time = job_timestamp()
        if error is None:
            entry.state, entry.progress = JobState.Success, 1.0
            entry.error_code, entry.error_details = ErrorCode.Success, ""
        else:
            entry.state = JobState.Failure
            entry.error_code, entry.error_details = error.code, error.details
        entry.done_order = next(self._tokens)
        self._dirty.add(entry.id)
        forgotten = self._trim_history()
        entry.done.set()
        return forgotten

    def _after_completion(self, entry: JobEntry, error: DonjonError | None, forgotten: list[JobEntry]) -> None:
        for old in forgotten:
            release_entry(old)
        self._flush()
        self._publish(ChangeType.JobSuccess if error is None else ChangeType.JobFailure, entry.id)

    def _trim_history(self) -> list[JobEntry]:
        done = sorted((e for e in self._entries.values() if e.state.is_done), key=lambda e: e.done_order)
        forgotten = done[: max(0, len(done) - self.history_size)]
        for old in forgotten:
            del self._entries[old.id]
            self._dirty.add(old.id)
        return forgotten

    def _publish(self, change_type: ChangeType, job_id: str) -> None:
        # Job changes are not logged in /changes (Orthanc neither): seq 0, no level.
        change = Change(seq=0, change_type=change_type, level=None, resource_id=job_id, path=f"/jobs/{job_id}", date=self.server.now())
        self.server.events.publish(change)

    # -- persistence -------------------------------------------------------------------------

    def _flush(self) -> None:
        """Write the changed jobs to the index; the snapshot and the write are serialized."""
        if not self.save_jobs:
            with self._cond:
                self._dirty.clear()
            return
        with self._save_lock:
            with self._cond:
                if not self._dirty:
                    return
                rows: list[tuple[str, bytes | None]] = []
                for job_id in sorted(self._dirty):
                    entry = self._entries.get(job_id)
                    rows.append((job_id, None if entry is None else msgspec.json.encode(entry.record())))
                self._dirty.clear()
            write_jobs(self.server.index, rows)

    def _load(self) -> None:
        entries, forgotten = read_jobs(self.server.index, self.types, self._decoder)
        with self._cond:
            for entry in entries:
                self._entries[entry.id] = entry
                if entry.state.is_done:
                    entry.done_order = next(self._tokens)
                    entry.done.set()
                elif entry.state is JobState.Pending:
                    self._push(entry)
                self._dirty.add(entry.id)
            self._dirty.update(forgotten)
            self._trim_history()
        log.info("reloaded %d job(s) from the index", len(entries))
        self._flush()
