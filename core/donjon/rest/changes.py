"""``/changes`` and ``/exports``: the logs of what happened to resources and what was sent away."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get

from ..index import ChangeRow, ExportRow
from .deps import ServerDep

__all__ = ["ROUTES", "change_json", "export_json"]

_DEFAULT_LIMIT = 100


def _since_and_limit(request: Request[Any, Any, Any]) -> tuple[int, int]:
    """Orthanc's ``GetSinceAndLimit``: a value that does not parse brings back both defaults."""
    try:
        since = int(request.query_params.get("since", "0"))
        limit = int(request.query_params.get("limit", str(_DEFAULT_LIMIT)))
    except ValueError:
        return 0, _DEFAULT_LIMIT
    if limit < 0:
        # Orthanc parses the limit as unsigned: "-1" wraps around to "everything".
        limit = 2**32 + limit if limit >= -(2**32) else 2**32
    return since, limit


def change_json(row: ChangeRow) -> dict[str, Any]:
    """One entry of ``/changes``."""
    return {
        "ChangeType": row.change_type.name,
        "Date": row.date,
        "ID": row.public_id,
        "Path": f"/{row.level.plural}/{row.public_id}",
        "ResourceType": row.level.title,
        "Seq": row.seq,
    }


def export_json(row: ExportRow) -> dict[str, Any]:
    """One entry of ``/exports``; the UIDs shown depend on the level, as in Orthanc's ``ExportedResource``."""
    out: dict[str, Any] = {
        "Date": row.date,
        "ID": row.public_id,
        "Path": f"/{row.level.plural}/{row.public_id}",
        "PatientID": row.patient_id,
        "RemoteModality": row.remote_modality,
        "ResourceType": row.level.title,
        "Seq": row.seq,
    }
    if row.level >= 2:
        out["StudyInstanceUID"] = row.study_instance_uid
    if row.level >= 3:
        out["SeriesInstanceUID"] = row.series_instance_uid
    if row.level >= 4:
        out["SOPInstanceUID"] = row.sop_instance_uid
    return dict(sorted(out.items()))


def _log(name: str, items: list[dict[str, Any]], done: bool, last: int) -> dict[str, Any]:
    return {name: items, "Done": done, "Last": last}


@get("/changes", sync_to_thread=True)
def get_changes(server: ServerDep, request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Changes after ``since`` (at most ``limit``, 100 by default), or only the ``last`` one.

    ``Last`` is the sequence number of the last change returned; when none is, the
    highest number ever given (Orthanc's ``GetLastChangeIndex``), so that a client
    polling with ``since=Last`` never goes backwards, even after ``DELETE /changes``.
    """
    with server.index.read() as tx:
        if "last" in request.query_params:
            row = tx.last_change()
            rows = [row] if row else []
            done = True
        else:
            since, limit = _since_and_limit(request)
            rows = tx.changes(since, limit + 1)
            done = len(rows) <= limit
            rows = rows[:limit]
        last = rows[-1].seq if rows else tx.last_change_index()
    return _log("Changes", [change_json(r) for r in rows], done, last)


@delete("/changes", status_code=200, sync_to_thread=True)
def clear_changes(server: ServerDep) -> Response[bytes]:
    """Empty the changes log (sequence numbers keep growing)."""
    with server.index.write() as tx:
        tx.clear_changes()
    return Response(content=b"", media_type="text/plain")


@get("/exports", sync_to_thread=True)
def get_exports(server: ServerDep, request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Exported resources after ``since`` (``limit``, ``last`` as for ``/changes``).

    Unlike ``/changes``, Orthanc reports ``Last`` as ``since`` when nothing is returned.
    """
    with server.index.read() as tx:
        if "last" in request.query_params:
            row = tx.last_export()
            rows, done, since = ([row] if row else []), True, 0
        else:
            since, limit = _since_and_limit(request)
            rows = tx.exports(since, limit + 1)
            done = len(rows) <= limit
            rows = rows[:limit]
    last = rows[-1].seq if rows else since
    return dict(sorted(_log("Exports", [export_json(r) for r in rows], done, last).items()))


@delete("/exports", status_code=200, sync_to_thread=True)
def clear_exports(server: ServerDep) -> Response[bytes]:
    """Empty the exports log."""
    with server.index.write() as tx:
        tx.clear_exports()
    return Response(content=b"", media_type="text/plain")


ROUTES = [get_changes, clear_changes, get_exports, clear_exports]
