"""The HTTP application: every plugin's routes behind one error handler (and one guard)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from ..server import Server
from .deps import SIGNATURE_NAMESPACE
from .errors import exception_handlers

__all__ = ["build_app", "build_asgi"]


class _App(Litestar):
    """Litestar without the pydantic and attrs plugins it adds when they are installed.

    Donjon's bodies are msgspec Structs; importing pydantic for nothing cost ~8 MB
    of idle RSS and 0.1 s of start-up (measured, issue "idle RSS < 80 MB").
    """

    @staticmethod
    def _get_default_plugins(plugins: list[Any]) -> list[Any]:
        from litestar.plugins.core import MsgspecDIPlugin

        return [*plugins, MsgspecDIPlugin()]


def build_app(server: Server) -> Litestar:
    """The litestar application serving every route contributed through ``donjon_routes``."""
    handlers: list[Any] = []
    for contributed in server.plugins.collect("donjon_routes", server=server):
        handlers.extend(contributed)

    def provide_server() -> Server:
        return server

    compression = None
    if server.config.core.http_compression_enabled:
        from litestar.config.compression import CompressionConfig

        # Orthanc compresses answers with gzip when the client accepts it.
        # Routes with opt={"skip_compression": True} (ZIP archives) are sent as they are.
        compression = CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude_opt_key="skip_compression")
    app = _App(
        route_handlers=handlers,
        # None: litestar's default LoggingConfig would replace the root handler with
        # its own format; logging is configured in one place (donjon.logging_setup).
        logging_config=None,
        compression_config=compression,
        dependencies={"server": Provide(provide_server, sync_to_thread=False)},
        exception_handlers=exception_handlers,  # type: ignore[arg-type]
        state=State({"server": server}),
        signature_namespace=SIGNATURE_NAMESPACE,
        openapi_config=None,
        request_max_body_size=None,
        debug=False,
    )
    server.http_app = app  # type: ignore[attr-defined]
    return app


def build_asgi(server: Server) -> Any:
    """The application as served: the litestar app behind the HTTP guard (issue 7)."""
    from ..security import HttpGuard
    from .fast_upload import FastUpload

    # POST /instances of one file skips litestar's machinery (rest/fast_upload.py), after the guard.
    return HttpGuard(FastUpload(build_app(server), server), server)
