"""Jobs in the index (``SaveJobs``): one JSON record per job, the params a tagged union.

Every state change is written at once (Orthanc writes within 100 ms, then every 10 s);
one row per job rather than Orthanc's single serialized registry, so that a shared
index (PostgreSQL) can later let several processes coordinate their jobs.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from .entry import JobEntry, error_code
from .job import Job
from .model import JobRecord, JobState

__all__ = ["read_jobs", "write_jobs"]

log = logging.getLogger(__name__)


def write_jobs(index: Any, rows: list[tuple[str, bytes | None]]) -> None:
    """Save (or, for ``None``, delete) job records in one index transaction; failures are logged."""
    try:
        with index.write() as tx:
            for job_id, data in rows:
                if data is None:
                    tx.delete_job(job_id)
                else:
                    tx.save_job(job_id, data)
    except Exception:
        log.exception("cannot save %d job(s) in the index", len(rows))


def read_jobs(index: Any, types: dict[str, type[Job]], decoder: msgspec.json.Decoder[Any] | None) -> tuple[list[JobEntry], list[str]]:
    """The saved jobs as registry entries, and the IDs of those that cannot be rebuilt.

    A job whose type no plugin registers any more (or whose record does not decode) is
    logged and forgotten rather than stopping the start. Unfinished jobs come back
    Pending — including Running ones, interrupted by a stop or a crash — and paused
    ones stay Paused.
    """
    with index.read() as tx:
        saved = tx.list_jobs()
    entries: list[JobEntry] = []
    forgotten: list[str] = []
    for job_id, data in saved:
        try:
            record = msgspec.json.decode(data, type=JobRecord)
            cls = types.get(record.type)
            if cls is None or decoder is None:
                log.warning("job %s has the type %r that no plugin registers: forgotten", job_id, record.type)
                forgotten.append(job_id)
                continue
            job = cls(decoder.decode(record.params))
        except (msgspec.DecodeError, msgspec.ValidationError, TypeError) as exc:
            log.warning("cannot reload job %s: %s", job_id, exc)
            forgotten.append(job_id)
            continue
        entry = JobEntry(job_id, job, record.priority, record.user_data, record.creation_time)
        entry.runtime, entry.progress = record.runtime, record.progress
        entry.completion_time = record.completion_time
        entry.error_code, entry.error_details = error_code(record.error_code), record.error_details
        if record.state.is_done or record.state is JobState.Paused:
            entry.state = record.state
        else:
            entry.state = JobState.Pending
        entries.append(entry)
    return entries, forgotten
