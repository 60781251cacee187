"""Job states and the record the engine persists for each job (``SaveJobs``)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import msgspec

__all__ = ["JobRecord", "JobState", "job_timestamp"]


class JobState(enum.Enum):
    """Orthanc's job states (Book: users/advanced-rest.rst, "Monitoring jobs")."""

    Pending = "Pending"
    Running = "Running"
    Success = "Success"
    Failure = "Failure"
    Paused = "Paused"
    Retry = "Retry"

    @property
    def is_done(self) -> bool:
        """Whether the job is in the history (it will not run again unless resubmitted)."""
        return self in (JobState.Success, JobState.Failure)


class JobRecord(msgspec.Struct, kw_only=True):
    """One job as saved in the index; ``params`` is the job type's tagged Struct, kept raw.

    The params are decoded with the tagged union of the registered job types when the
    engine loads its jobs, so a job type that is no longer installed is skipped with a
    warning instead of breaking every other job.
    """

    id: str
    type: str
    priority: int
    state: JobState
    creation_time: str
    completion_time: str | None = None
    runtime: float = 0.0
    progress: float = 0.0
    error_code: int = 0
    error_details: str = ""
    user_data: Any = None
    params: msgspec.Raw = msgspec.Raw(b"null")


def job_timestamp(moment: dt.datetime | None = None) -> str:
    """Orthanc's job time format: ISO 8601 basic, UTC, microseconds (``20240131T235959.123456``)."""
    moment = moment or dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%S.%f")
