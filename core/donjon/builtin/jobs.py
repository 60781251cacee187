"""Built-in plugin: the jobs REST API and the job types of the core (ZIP archives, DICOMDIR media).

The engine itself belongs to the server (``server.jobs``); this plugin contributes what
runs on it, through the same hooks an external plugin would use.
"""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl


@hookimpl
def donjon_job_types() -> list[Any]:
    from ..archive.job import ArchiveJob, MediaJob

    return [ArchiveJob, MediaJob]


@hookimpl
def donjon_routes(server: Any) -> list[Any]:
    from litestar import Router

    from ..rest import archive, jobs

    # In a Router: litestar 2.25 wraps a sync handler twice when app-level handlers of
    # several methods share one path (GET and POST .../archive), which breaks them.
    return [Router(path="/", route_handlers=jobs.ROUTES), Router(path="/", route_handlers=archive.ROUTES, opt={"skip_compression": True})]
