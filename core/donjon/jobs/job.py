"""The interface of a job type: what the engine runs, persists and reports.

A job type is a subclass of :class:`Job` registered through the ``donjon_job_types``
hook. It holds its parameters in a ``msgspec.Struct`` (``params_type``) tagged with
the type's name, so that the engine can save a job in the index (``SaveJobs``) and
rebuild it after a restart — the persisted state is a tagged union of every
registered ``params_type`` (CONVENTIONS §5).

A minimal job type::

    class EchoParams(msgspec.Struct, tag="Echo", tag_field="Type"):
        modality: str

    class EchoJob(Job):
        type_name = "Echo"
        params_type = EchoParams

        def run(self, ctx: JobContext) -> None:
            for i, step in enumerate(steps):
                ctx.checkpoint()              # pause/cancel/shutdown point
                ...
                ctx.set_progress((i + 1) / len(steps))

        def content(self) -> dict[str, Any]:
            return {"Modality": self.params.modality}
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["Job", "JobContext", "JobOutput", "JobStopped"]


class JobOutput(msgspec.Struct, frozen=True, kw_only=True):
    """An output of a finished job (``GET /jobs/{id}/{key}``), kept in a file.

    Attributes:
        path: The file holding the output (the job deletes it in :meth:`Job.release`).
        media_type: The MIME type of the answer.
        filename: The name offered in ``Content-Disposition``.
    """

    path: Path
    media_type: str = "application/octet-stream"
    filename: str = ""


class JobStopped(Exception):
    """Raised by :meth:`JobContext.checkpoint` when the job must stop now.

    Attributes:
        reason: ``"pause"``, ``"cancel"`` or ``"shutdown"``; the engine decides the next state.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JobContext:
    """What a running job sees of the engine: the server, progress, stop requests.

    Args:
        server: The server the job runs in.
        job_id: The job's ID (for logs).
    """

    def __init__(self, server: Server, job_id: str) -> None:
        self.server = server
        self.job_id = job_id
        self.progress = 0.0
        self._stop_reason: str | None = None
        self._lock = threading.Lock()

    def set_progress(self, fraction: float) -> None:
        """Report progress in ``[0, 1]`` (shown as an integer percent in ``Progress``)."""
        self.progress = min(1.0, max(0.0, float(fraction)))

    def request_stop(self, reason: str) -> None:
        """Ask the job to stop at its next checkpoint (engine side)."""
        with self._lock:
            # A cancel overrides a pause; a shutdown overrides nothing the user asked for.
            if self._stop_reason is None or reason == "cancel":
                self._stop_reason = reason

    @property
    def stop_reason(self) -> str | None:
        return self._stop_reason

    def checkpoint(self) -> None:
        """Return if the job may go on; raise :class:`JobStopped` if it was paused or cancelled.

        Call it between steps of work: the engine never interrupts a job elsewhere.

        Raises:
            JobStopped: the job must return now; its state is kept for a resume.
        """
        reason = self._stop_reason
        if reason is not None:
            raise JobStopped(reason)


class Job:
    """Base class of job types. Subclasses set ``type_name`` and ``params_type``, implement :meth:`run`.

    Threads: :meth:`run` is called on a jobs worker thread; the other methods on HTTP
    worker threads, possibly while :meth:`run` is running: keep them to reading attributes.

    Args:
        params: An instance of ``params_type`` (what is persisted and survives a restart).
    """

    #: Orthanc's job ``Type`` (``Archive``, ``Media``, ``DicomModalityStore``...); unique.
    type_name: ClassVar[str] = ""
    #: A ``msgspec.Struct`` with ``tag=type_name`` holding everything needed to (re)run the job.
    params_type: ClassVar[type[msgspec.Struct]]

    def __init__(self, params: Any) -> None:
        self.params = params

    def run(self, ctx: JobContext) -> None:
        """Do the work. Return normally on success.

        Raises:
            DonjonError: the job fails with that Orthanc error code and message.
            JobStopped: from :meth:`JobContext.checkpoint`; the job is paused, cancelled or
                requeued (shutdown). A later :meth:`run` starts over from ``params``.
        """
        raise NotImplementedError

    def content(self) -> dict[str, Any]:
        """The public ``Content`` of ``GET /jobs/{id}`` (Orthanc's ``GetPublicContent``)."""
        return {}

    def output(self, key: str) -> JobOutput | None:
        """The output named ``key`` of a successful job, or None (``GET /jobs/{id}/{key}``)."""
        return None

    def delete_output(self, key: str) -> bool:
        """Forget the output named ``key``; False if there was none."""
        return False

    def reset(self) -> None:
        """Prepare a failed job to run again from the start (``POST /jobs/{id}/resubmit``)."""

    def release(self) -> None:
        """The job leaves the registry (history trimmed, deleted, server stopping): free outputs."""
