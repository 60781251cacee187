"""``/patients``, ``/studies``, ``/series``, ``/instances``: listing, reading, deleting, navigating."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, delete, get

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..requested_tags import add_requested_tags
from ..resources import TagFormat, expand, expand_many
from .deps import FromPath, ServerDep
from .params import bare, flag

__all__ = ["ROUTES"]


def _unsigned(text: str) -> int:
    """Orthanc's ``lexical_cast<size_t>``: "-1" wraps around (to "everything" as a limit)."""
    try:
        value = int(text)
    except ValueError:
        raise DonjonError(ErrorCode.BadParameterType, "Syntax error in some user-supplied data") from None
    return value if value >= 0 else 2**63


def _since_and_limit(request: Request[Any, Any, Any], level: ResourceLevel) -> tuple[int, int] | None:
    """``?since=&limit=`` of a listing: Orthanc wants both or neither; None when neither."""
    params = request.query_params
    if "limit" not in params and "since" not in params:
        return None
    for name in ("limit", "since"):
        if name not in params:
            raise DonjonError(ErrorCode.BadRequest, f'Missing "{name}" argument for GET request against: /{level.plural}/')
    return _unsigned(params.get("since") or ""), _unsigned(params.get("limit") or "")


def _level_routes(level: ResourceLevel) -> Router:
    @get("/", sync_to_thread=True)
    def list_resources(server: ServerDep, request: Request[Any, Any, Any]) -> list[Any]:
        window = _since_and_limit(request, level)
        with server.index.read() as tx:
            if window is None:
                rows = tx.list_resources(level)
            elif window[1] == 0:
                rows = []  # Orthanc answers nothing for limit=0 (the back-end would read it as "no limit")
            else:
                rows = tx.list_resources(level, min(window[0], 2**62), min(window[1], 2**62))
            if flag(request, "expand"):
                answers = expand_many(server, tx, rows, TagFormat.from_query(request.query_params))
                return add_requested_tags(server, tx, rows, answers, request.query_params)
            return [r.public_id for r in rows]

    @get("/{public_id:str}", sync_to_thread=True)
    def get_resource(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Any:
        """One resource; Orthanc answers nothing (a bare 404) for an unknown or wrong-level ID."""
        with server.index.read() as tx:
            found = tx.lookup(public_id, level)
            if found is None:
                return bare(404)
            answer = expand(server, tx, found, TagFormat.from_query(request.query_params))
            return add_requested_tags(server, tx, [found], answer, request.query_params)

    @delete("/{public_id:str}", status_code=200, sync_to_thread=True)
    def delete_resource(server: ServerDep, public_id: FromPath[str]) -> Any:
        """Delete a resource; like Orthanc, a bare 404 when there is no such resource at this level."""
        try:
            return server.delete(level, public_id)
        except DonjonError as exc:
            if exc.code is ErrorCode.UnknownResource:
                return bare(404)
            raise

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
        """Children (or grand-children...) of a resource, expanded unless ``?expand=false``.

        Orthanc's ``GetChildResources`` walks down ``target - level`` generations from the
        ID whatever its real level, then keeps the answers that are at ``target``: an ID of
        the wrong level gives ``[]``, or 400 when the walk has to go below an instance.
        """
        with server.index.read() as tx:
            found = tx.lookup(public_id)
            if found is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no {level.title.lower()} {public_id}")
            rows = [found]
            for _ in range(int(target) - int(level)):
                if any(r.level is ResourceLevel.INSTANCE for r in rows):
                    raise DonjonError(ErrorCode.BadParameterType, f"{public_id} is an instance: it has no {target.plural}")
                # Orthanc splices each parent's children at the front of the list: the
                # last parent's children come first (kept for identical answers).
                step: list[Any] = []
                for r in rows:
                    step[:0] = tx.children(r.internal_id)
                rows = step
            rows = [r for r in rows if r.level is target]
            if "expand" in request.query_params and not flag(request, "expand"):
                return [r.public_id for r in rows]
            # Orthanc expands child listings by default.
            answers = expand_many(server, tx, rows, TagFormat.from_query(request.query_params))
            return add_requested_tags(server, tx, rows, answers, request.query_params)

    return descendants


def _ancestor_route(level: ResourceLevel, target: ResourceLevel) -> Any:
    name = target.name.lower()

    @get(f"/{{public_id:str}}/{name}", sync_to_thread=True, name=f"{level.plural}-{name}")
    def ancestor(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Any:
        """The parent (or grand-parent...) of a resource.

        As Orthanc's ``GetParentResource``: an unknown ID is a 404 "Unknown resource"; an ID
        of the wrong level walks up ``level - target`` generations anyway and, when that
        does not land on a resource at ``target``, the answer is a bare 404.
        """
        with server.index.read() as tx:
            current = tx.lookup(public_id)
            if current is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no {level.title.lower()} {public_id}")
            for _ in range(int(level) - int(target)):
                parent = tx.parent(current.internal_id)
                if parent is None:
                    return bare(404)
                current = parent
            if current.level is not target:
                return bare(404)
            answer = expand(server, tx, current, TagFormat.from_query(request.query_params))
            return add_requested_tags(server, tx, [current], answer, request.query_params)

    return ancestor


ROUTES = [_level_routes(level) for level in ResourceLevel]
