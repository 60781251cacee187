"""The jobs engine and the interface of job types (``donjon_job_types``)."""

from __future__ import annotations

from .engine import JobsEngine
from .job import Job, JobContext, JobOutput, JobStopped
from .model import JobRecord, JobState

__all__ = ["Job", "JobContext", "JobOutput", "JobRecord", "JobState", "JobStopped", "JobsEngine"]
