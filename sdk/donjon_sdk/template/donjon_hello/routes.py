"""``GET /hello/{name}``: a route handler that reads the configuration and the index."""

from __future__ import annotations

from typing import Any

from litestar import get

from donjon_sdk import FromPath, ResourceLevel, ServerDep

from .config import HelloConfig

__all__ = ["ROUTES"]


@get("/hello/{name:str}", sync_to_thread=True)  # reads the index: a worker thread
def hello(server: ServerDep, name: FromPath[str]) -> dict[str, Any]:
    """Greets ``name`` and says how many instances the server holds."""
    greeting = server.config.section(HelloConfig).greeting
    with server.index.read() as tx:
        instances = tx.count(ResourceLevel.INSTANCE)
    return {"Greeting": f"{greeting}, {name}", "Instances": instances}


ROUTES = [hello]
