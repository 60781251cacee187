"""The Orthanc REST API of the core, as litestar route handlers."""

from __future__ import annotations

from typing import Any

__all__ = ["core_routers"]


def core_routers() -> list[Any]:
    """Every route handler of the core REST API."""
    from . import instances, resources, system, tools
    from . import attachments, changes, labels, metadata, statistics
    from . import tags
    from . import lifecycle
    from . import frames

    return [
        *system.ROUTES, *resources.ROUTES, *instances.ROUTES, *tools.ROUTES,
        *metadata.ROUTES, *attachments.ROUTES, *labels.ROUTES, *changes.ROUTES, *statistics.ROUTES,
        *tags.ROUTES,
        *lifecycle.ROUTES,
        *frames.ROUTES,
    ]
