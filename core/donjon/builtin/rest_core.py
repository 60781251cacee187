"""Built-in plugin: the Orthanc REST API of the core."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl


@hookimpl(tryfirst=True)
def donjon_routes(server: Any) -> list[Any]:
    from ..rest import core_routers

    return core_routers()
