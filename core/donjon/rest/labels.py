"""Labels (Orthanc 1.12): ``/{level}/{id}/labels[/{label}]`` and ``/tools/labels``.

Also ``/patients/{id}/protected``: the other per-resource flag kept in the index.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
from litestar import Request, Response, Router, delete, get, put

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..metadata import lookup_resource
from ..server import Server
from .deps import FromPath, ServerDep
from .params import bare

__all__ = ["ROUTES", "check_label"]

# Orthanc's ServerToolbox::CheckValidLabel.
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_label(label: str) -> str:
    """Return ``label`` if Orthanc would accept it.

    Raises:
        DonjonError: ``ParameterOutOfRange`` otherwise.
    """
    if not _LABEL.fullmatch(label):
        raise DonjonError(
            ErrorCode.ParameterOutOfRange,
            f"A label must be a non-empty, alphanumeric string, possibly with '_' and '-' characters, with maximum 64 characters: {label!r}",
        )
    return label


def _routes(level: ResourceLevel) -> Router:
    @get("/{public_id:str}/labels", sync_to_thread=True, name=f"{level.plural}-labels")
    def list_labels(server: ServerDep, public_id: FromPath[str]) -> list[str]:
        """The labels of a resource, sorted."""
        with server.index.read() as tx:
            return tx.labels(lookup_resource(tx, level, public_id).internal_id)

    @get("/{public_id:str}/labels/{label:str}", sync_to_thread=True, name=f"{level.plural}-label-get")
    def has_label(server: ServerDep, public_id: FromPath[str], label: FromPath[str]) -> Response[bytes]:
        """An empty 200 when the resource has the label, a bare 404 otherwise."""
        check_label(label)
        with server.index.read() as tx:
            present = label in tx.labels(lookup_resource(tx, level, public_id).internal_id)
        return Response(content=b"", media_type="text/plain") if present else bare(404)

    @put("/{public_id:str}/labels/{label:str}", sync_to_thread=True, name=f"{level.plural}-label-put")
    def add_label(server: ServerDep, public_id: FromPath[str], label: FromPath[str]) -> Response[bytes]:
        """Attach a label (idempotent)."""
        check_label(label)
        with server.index.write() as tx:
            tx.add_label(lookup_resource(tx, level, public_id).internal_id, label)
        return Response(content=b"", media_type="text/plain")

    @delete("/{public_id:str}/labels/{label:str}", status_code=200, sync_to_thread=True, name=f"{level.plural}-label-delete")
    def remove_label(server: ServerDep, public_id: FromPath[str], label: FromPath[str]) -> Response[bytes]:
        """Remove a label (idempotent)."""
        check_label(label)
        with server.index.write() as tx:
            tx.remove_label(lookup_resource(tx, level, public_id).internal_id, label)
        return Response(content=b"", media_type="text/plain")

    return Router(path=f"/{level.plural}", route_handlers=[list_labels, has_label, add_label, remove_label])


@get("/tools/labels", sync_to_thread=True)
def all_labels(server: ServerDep) -> list[str]:
    """Every label in use, sorted."""
    with server.index.read() as tx:
        return tx.all_labels()


def _patient_or_400(tx: Any, public_id: str) -> Any:
    # Orthanc answers 400 "Parameter out of range" (not 404) for an ID that is not a patient's.
    found = tx.lookup(public_id, ResourceLevel.PATIENT)
    if found is None:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"no patient {public_id}")
    return found


@get("/{public_id:str}/protected", sync_to_thread=True)
def get_protected(server: ServerDep, public_id: FromPath[str]) -> Response[bytes]:
    """``1`` if the patient is protected against recycling, ``0`` otherwise."""
    with server.index.read() as tx:
        protected = tx.is_protected(_patient_or_400(tx, public_id).internal_id)
    return Response(content=b"1" if protected else b"0", media_type="text/plain")


@put("/{public_id:str}/protected")
async def set_protected(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Response[bytes]:
    """Protect (``1``/``true``) or unprotect (``0``/``false``) a patient."""
    data = await request.body()
    return await anyio.to_thread.run_sync(_set_protected, server, public_id, data)


def _set_protected(server: Server, public_id: str, data: bytes) -> Response[bytes]:
    text = data.decode("utf-8", errors="replace").strip()
    if text not in ("0", "1", "true", "false"):
        raise DonjonError(ErrorCode.BadFileFormat, "Boolean value expected")
    with server.index.write() as tx:
        tx.set_protected(_patient_or_400(tx, public_id).internal_id, text in ("1", "true"))
    return Response(content=b"", media_type="text/plain")


# Inside a Router: litestar 2.25 mixes up a bare sync handler whose path a Router also serves.
ROUTES = [*(_routes(level) for level in ResourceLevel), all_labels, Router(path="/patients", route_handlers=[get_protected, set_protected])]
