"""Annotations shared by every route handler (core and plugins).

Litestar 2.25 asks for explicit markers: ``server: ServerDep`` for the injected
:class:`~donjon.server.Server`, ``FromPath[str]`` for path parameters.
"""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from ..server import Server

__all__ = ["SIGNATURE_NAMESPACE", "FromPath", "FromQuery", "ServerDep"]

ServerDep = NamedDependency[Server]

#: Names that handler annotations may use as strings (``from __future__ import annotations``).
SIGNATURE_NAMESPACE = {"Server": Server, "ServerDep": ServerDep, "FromPath": FromPath, "FromQuery": FromQuery, "Request": Request}
