"""A job in the registry: the job object and what ``GET /jobs/{id}`` reports about it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

import msgspec

from ..errors import ErrorCode
from .job import Job, JobContext
from .model import JobRecord, JobState, job_timestamp

__all__ = ["JobEntry", "describe_entry", "error_code", "release_entry"]

log = logging.getLogger(__name__)


class JobEntry:
    """A job in the registry, with what ``GET /jobs/{id}`` reports."""

    def __init__(self, job_id: str, job: Job, priority: int, user_data: Any = None, creation_time: str | None = None) -> None:
        self.id = job_id
        self.job = job
        self.priority = priority
        self.user_data = user_data
        self.state = JobState.Pending
        self.creation_time = creation_time or job_timestamp()
        self.completion_time: str | None = None
        self.runtime = 0.0
        self.progress = 0.0
        self.error_code = ErrorCode.Success
        self.error_details = ""
        self.ctx: JobContext | None = None
        self.run_started: float | None = None
        self.queue_token = -1
        self.done_order = 0
        self.inline = False
        self.done = threading.Event()

    def current_progress(self) -> float:
        """Progress in [0, 1], live from the running job's context."""
        return self.ctx.progress if self.ctx is not None and self.state is JobState.Running else self.progress

    def record(self) -> JobRecord:
        """What is saved in the index for this job."""
        return JobRecord(
            id=self.id, type=self.job.type_name, priority=self.priority, state=self.state, creation_time=self.creation_time,
            completion_time=self.completion_time, runtime=self.runtime, progress=self.current_progress(),
            error_code=int(self.error_code), error_details=self.error_details, user_data=self.user_data,
            params=msgspec.Raw(msgspec.json.encode(self.job.params)),
        )


def error_code(value: int) -> ErrorCode:
    """The ErrorCode of a saved number (InternalError for a number Donjon does not know)."""
    try:
        return ErrorCode(value)
    except ValueError:
        return ErrorCode.InternalError


def release_entry(entry: JobEntry) -> None:
    """Let the job free its outputs; a failure is logged, never raised (boundary)."""
    try:
        entry.job.release()
    except Exception:
        log.exception("job %s (%s) failed to release its outputs", entry.id, entry.job.type_name)


def describe_entry(entry: JobEntry) -> dict[str, Any]:
    """Orthanc's ``JobInfo::Format``."""
    runtime = entry.runtime
    if entry.run_started is not None:
        runtime += time.monotonic() - entry.run_started
    progress = entry.current_progress()
    content = dict(entry.job.content())
    if entry.user_data is not None:
        content["UserData"] = entry.user_data
    answer: dict[str, Any] = {
        "Content": content,
        "CreationTime": entry.creation_time,
        "EffectiveRuntime": round(runtime, 3),
        "ErrorCode": int(entry.error_code),
        "ErrorDescription": entry.error_code.message,
        "ErrorDetails": entry.error_details,
        "ID": entry.id,
        "Priority": entry.priority,
        "Progress": int(round(progress * 100)),
        "State": entry.state.value,
        "Timestamp": job_timestamp(),
        "Type": entry.job.type_name,
    }
    if entry.completion_time is not None:
        answer["CompletionTime"] = entry.completion_time
    if entry.state is JobState.Running and 0 < progress < 1 and runtime > 0:
        eta = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=runtime * (1 - progress) / progress)
        answer["EstimatedTimeOfArrival"] = job_timestamp(eta)
    return dict(sorted(answer.items()))
