"""The ``Archive`` and ``Media`` job types: a ZIP (or DICOMDIR media) built in the background.

The archive is written to a temporary file, the job's ``archive`` output
(``GET /jobs/{id}/archive``). As in Orthanc, only the ``MediaArchiveSize`` most recent
outputs are kept (1 by default); older ones are deleted and their jobs lose the output.
Outputs do not survive a restart.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..jobs import Job, JobContext, JobOutput
from ..stash import StashKey
from .builder import ArchiveOptions, check_transcoding, iter_members
from .plan import make_plan
from .zipstream import ZipWriter

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["ArchiveJob", "ArchiveParams", "MediaJob", "MediaParams", "archive_content"]

_MB = 1024 * 1024


class ArchiveParams(msgspec.Struct, kw_only=True, tag="Archive", tag_field="Type"):
    """What an ``Archive`` job saves: the requested resources and options."""

    resources: list[str]
    transcode: str = ""
    filename: str = ""
    description: str = "REST API"


class MediaParams(msgspec.Struct, kw_only=True, tag="Media", tag_field="Type"):
    """What a ``Media`` job saves (a DICOMDIR archive)."""

    resources: list[str]
    extended: bool = False
    transcode: str = ""
    filename: str = ""
    description: str = "REST API"


class _Outputs:
    """The archive files kept for this server, oldest first (``MediaArchiveSize``)."""

    def __init__(self) -> None:
        self.jobs: deque[ArchiveJob] = deque()
        self.lock = threading.Lock()


_OUTPUTS = StashKey[_Outputs]()


def archive_content(description: str, instances: int, uncompressed: int, archive_size: int | None, transcode: str) -> dict[str, Any]:
    """Orthanc's ``Content`` of an Archive/Media job (sizes as strings, and in MB)."""
    content: dict[str, Any] = {
        "Description": description,
        "InstancesCount": instances,
        "UncompressedSize": str(uncompressed),
        "UncompressedSizeMB": uncompressed // _MB,
    }
    if archive_size is not None:
        content["ArchiveSize"] = str(archive_size)
        content["ArchiveSizeMB"] = archive_size // _MB
    if transcode:
        content["Transcode"] = transcode
    return dict(sorted(content.items()))


class ArchiveJob(Job):
    """Builds a ZIP archive of patients, studies, series or instances into a temporary file."""

    type_name = "Archive"
    params_type = ArchiveParams
    media = False

    def __init__(self, params: Any) -> None:
        super().__init__(params)
        self._path: Path | None = None
        self._lock = threading.Lock()
        self.instances = 0
        self.uncompressed = 0
        self.archive_size: int | None = None

    def options(self) -> ArchiveOptions:
        return ArchiveOptions(media=self.media, extended=getattr(self.params, "extended", False), transcode=self.params.transcode)

    def run(self, ctx: JobContext) -> None:
        server = ctx.server
        plan = make_plan(server, self.params.resources)
        self.instances, self.uncompressed, self.archive_size = len(plan.items), plan.uncompressed_size, None
        if self.params.transcode:
            check_transcoding(server, plan, self.params.transcode)
        fd, name = tempfile.mkstemp(prefix="donjon-archive-", suffix=".zip")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as target:
                writer = ZipWriter(target)
                for member, data in iter_members(server, plan, self.options(), ctx):
                    writer.add(member, data)
                writer.close()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self.archive_size = path.stat().st_size
        self._set_path(path)
        _keep_output(server, self)

    def content(self) -> dict[str, Any]:
        return archive_content(self.params.description, self.instances, self.uncompressed, self.archive_size, self.params.transcode)

    def output(self, key: str) -> JobOutput | None:
        with self._lock:
            if key.lower() != "archive" or self._path is None or not self._path.exists():
                return None
            return JobOutput(path=self._path, media_type="application/zip", filename=self.params.filename or "archive.zip")

    def delete_output(self, key: str) -> bool:
        if key.lower() != "archive":
            return False
        with self._lock:
            had = self._path is not None
        self.release()
        return had

    def has_output(self) -> bool:
        with self._lock:
            return self._path is not None

    def reset(self) -> None:
        self.release()

    def release(self) -> None:
        self._set_path(None)

    def _set_path(self, path: Path | None) -> None:
        with self._lock:
            old, self._path = self._path, path
        if old is not None and old != path:
            old.unlink(missing_ok=True)


class MediaJob(ArchiveJob):
    """Builds a DICOMDIR media archive (``IMAGES/IMn`` and ``DICOMDIR``)."""

    type_name = "Media"
    params_type = MediaParams
    media = True


def _keep_output(server: Server, job: ArchiveJob) -> None:
    outputs = server.stash.setdefault(_OUTPUTS, _Outputs())
    keep = max(1, server.config.core.media_archive_size)
    with outputs.lock:
        # Outputs deleted since (job deleted, history trimmed) no longer count.
        outputs.jobs = deque(j for j in outputs.jobs if j.has_output())
        outputs.jobs.append(job)
        evicted = []
        while len(outputs.jobs) > keep:
            evicted.append(outputs.jobs.popleft())
    for old in evicted:
        old.release()
