"""``/patients``, ``/studies``, ``/series``, ``/instances``: listing, reading, deleting, navigating."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..resources import TagFormat, expand, expand_many, lookup_or_404
from .deps import FromPath, ServerDep

__all__ = ["ROUTES"]


def _int_param(request: Request[Any, Any, Any], name: str) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"the {name!r} argument must be an integer, not {text!r}") from None
    if value < 0:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"the {name!r} argument must be positive")
    return value


def _level_routes(level: ResourceLevel) -> Router:
    @get("/", sync_to_thread=True)
    def list_resources(server: ServerDep, request: Request[Any, Any, Any]) -> list[Any]:
        since = _int_param(request, "since")
        limit = _int_param(request, "limit")
        with server.index.read() as tx:
            rows = tx.list_resources(level, since, limit)
            if "expand" in request.query_params:
                return expand_many(server, tx, rows, TagFormat.from_query(request.query_params))
            return [r.public_id for r in rows]

    @get("/{public_id:str}", sync_to_thread=True)
    def get_resource(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
        with server.index.read() as tx:
            return expand(server, tx, lookup_or_404(tx, level, public_id), TagFormat.from_query(request.query_params))

    @delete("/{public_id:str}", status_code=200, sync_to_thread=True)
    def delete_resource(server: ServerDep, public_id: FromPath[str]) -> dict[str, Any]:
        return server.delete(level, public_id)

    handlers: list[Any] = [list_resources, get_resource, delete_resource]
    # Child and descendant listings: /patients/{id}/studies, /studies/{id}/instances...
    for target in ResourceLevel:
        if target > level:
            handlers.append(_descendants_route(level, target))
        elif target < level:
            handlers.append(_ancestor_route(level, target))
    return Router(path=f"/{level.plural}", route_handlers=handlers)


def _descendants_route(level: ResourceLevel, target: ResourceLevel) -> Any:
    @get(f"/{{public_id:str}}/{target.plural}", sync_to_thread=True, name=f"{level.plural}-{target.plural}")
    def descendants(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> list[Any]:
        with server.index.read() as tx:
            found = lookup_or_404(tx, level, public_id)
            rows = tx.descendants(found.internal_id, target)
            if "expand" in request.query_params and request.query_params.get("expand") in ("", "true", "1", None):
                return expand_many(server, tx, rows, TagFormat.from_query(request.query_params))
            if "expand" in request.query_params and request.query_params.get("expand") == "false":
                return [r.public_id for r in rows]
            # Orthanc expands child listings by default.
            return expand_many(server, tx, rows, TagFormat.from_query(request.query_params))

    return descendants


def _ancestor_route(level: ResourceLevel, target: ResourceLevel) -> Any:
    name = target.name.lower()

    @get(f"/{{public_id:str}}/{name}", sync_to_thread=True, name=f"{level.plural}-{name}")
    def ancestor(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> dict[str, Any]:
        with server.index.read() as tx:
            current = lookup_or_404(tx, level, public_id)
            while current.level > target:
                parent = tx.parent(current.internal_id)
                if parent is None:
                    raise DonjonError(ErrorCode.UnknownResource, f"{public_id} has no {name}")
                current = parent
            return expand(server, tx, current, TagFormat.from_query(request.query_params))

    return ancestor


ROUTES = [_level_routes(level) for level in ResourceLevel]
