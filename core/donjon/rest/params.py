"""Small helpers for Orthanc's query arguments and bare answers."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

__all__ = ["bare", "flag"]


def flag(request: Request[Any, Any, Any], name: str) -> bool:
    """Whether a boolean argument such as ``?expand`` is on.

    Present without a value (``?expand``) or with any value but ``false``/``0`` means on,
    as Orthanc's ``GetBooleanArgument(name, true)`` reads it.
    """
    if name not in request.query_params:
        return False
    return str(request.query_params.get(name) or "").strip().lower() not in ("false", "0")


def bare(status: int) -> Response[bytes]:
    """An answer with no body: what Orthanc sends when a handler answers nothing (404) or forbids (403)."""
    return Response(content=b"", status_code=status)
