"""A synchronous archive streamed to the HTTP client while it is built.

Orthanc lists synchronous archives among its jobs too; here the job runs on the thread
that feeds the HTTP answer (``JobsEngine.inline``), so a client that goes away ends it
(as a failed, cancelled job) and nothing waits for a free worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .builder import iter_members
from .job import ArchiveJob
from .plan import ArchivePlan
from .zipstream import ChunkSink, ZipWriter

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["stream_archive"]


def stream_archive(server: Server, job: ArchiveJob, plan: ArchivePlan, priority: int = 0) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk (one chunk per member, then the central directory)."""
    job.instances, job.uncompressed = len(plan.items), plan.uncompressed_size
    sink = ChunkSink()
    with server.jobs.inline(job, priority) as ctx:
        writer = ZipWriter(sink)
        for name, data in iter_members(server, plan, job.options(), ctx):
            writer.add(name, data)
            yield from sink.drain()
        writer.close()
        job.archive_size = sink.written
        yield from sink.drain()
