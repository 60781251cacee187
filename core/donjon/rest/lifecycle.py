"""``POST /tools/shutdown`` and ``POST /tools/reset``: stop or restart the server over HTTP.

Both answer ``{}`` first, as Orthanc does, then act: the listeners stop once the
answer is sent. A reset re-reads the configuration: the ``donjon`` command
re-executes its process (same PID, same arguments), an embedded server is
rebuilt in place by its :class:`~donjon.runner.Runner` (see ``Runner.restart``).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import post

from ..errors import DonjonError, ErrorCode
from .deps import ServerDep

__all__ = ["ROUTES"]

log = logging.getLogger(__name__)


def _runner(server: Any) -> Any:
    runner = getattr(server, "runner", None)
    if runner is None:
        # A Server used without listeners cannot be stopped over HTTP (it has no HTTP).
        raise DonjonError(ErrorCode.NotImplemented, "this server is not run by a Runner: nothing to stop or restart")
    return runner


@post("/tools/shutdown", status_code=200, sync_to_thread=False)
def shutdown(server: ServerDep) -> dict[str, Any]:
    """Stop the server once this answer is sent (the ``donjon`` process exits with status 0)."""
    runner = _runner(server)
    log.warning("Shutdown request received")
    runner.request_stop()
    return {}


@post("/tools/reset", status_code=200, sync_to_thread=False)
def reset(server: ServerDep) -> dict[str, Any]:
    """Restart with the configuration read again (Orthanc's hot restart)."""
    runner = _runner(server)
    log.warning("Reset request received, restarting Donjon")
    runner.request_stop(restart=True)
    return {}


ROUTES = [shutdown, reset]
