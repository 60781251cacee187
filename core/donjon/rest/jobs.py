"""``/jobs``: list, inspect, control and delete jobs, download their outputs.

Answers as Orthanc 1.10.1 gives them: an unknown job is a bare 404 on ``GET /jobs/{id}``;
an action that does not apply (resume a job that is not paused, resubmit one that did
not fail, any action on an unknown job) is a bare 400; cancelling or pausing a finished
job is accepted and changes nothing. ``DELETE /jobs/{id}`` and ``DELETE
/jobs/{id}/{key}`` come from Orthanc 1.12.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.response import File

from ..errors import DonjonError, ErrorCode
from .deps import FromPath, ServerDep

__all__ = ["ROUTES"]


@get("/jobs", sync_to_thread=False)
def list_jobs(server: ServerDep, request: Request[Any, Any, Any]) -> list[Any]:
    """Job IDs, or their details with ``?expand``."""
    if "expand" in request.query_params:
        return server.jobs.describe_all()
    return server.jobs.ids()


@get("/jobs/{job_id:str}", sync_to_thread=False)
def get_job(server: ServerDep, job_id: FromPath[str]) -> Response[Any]:
    info = server.jobs.describe(job_id)
    if info is None:
        return Response(content=b"", status_code=404)
    return Response(content=info, media_type="application/json")


def _action(name: str) -> Any:
    @post(f"/jobs/{{job_id:str}}/{name}", status_code=200, sync_to_thread=True, name=f"jobs-{name}")
    def apply(server: ServerDep, job_id: FromPath[str]) -> Response[Any]:
        if getattr(server.jobs, name)(job_id):
            return Response(content={}, media_type="application/json")
        return Response(content=b"", status_code=400)

    return apply


@delete("/jobs/{job_id:str}", status_code=200, sync_to_thread=True)
def delete_job(server: ServerDep, job_id: FromPath[str]) -> Any:
    if not server.jobs.delete(job_id):
        raise DonjonError(ErrorCode.InexistentItem, f"no job {job_id}")
    return {}


@get("/jobs/{job_id:str}/{key:str}", sync_to_thread=True, opt={"skip_compression": True})
def get_output(server: ServerDep, job_id: FromPath[str], key: FromPath[str]) -> File:
    job = server.jobs.job(job_id)
    output = job.output(key) if job is not None else None
    if output is None:
        raise DonjonError(ErrorCode.InexistentItem, f"Job has no such output: {key}")
    return File(path=output.path, media_type=output.media_type, filename=output.filename, content_disposition_type="attachment")


@delete("/jobs/{job_id:str}/{key:str}", status_code=200, sync_to_thread=True)
def delete_output(server: ServerDep, job_id: FromPath[str], key: FromPath[str]) -> Any:
    job = server.jobs.job(job_id)
    if job is None or not job.delete_output(key):
        raise DonjonError(ErrorCode.InexistentItem, f"Job has no such output: {key}")
    return {}


ROUTES = [list_jobs, get_job, *(_action(n) for n in ("cancel", "pause", "resume", "resubmit")), delete_job, get_output, delete_output]
