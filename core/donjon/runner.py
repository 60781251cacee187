"""Start and stop the listeners of a server: HTTP (uvicorn) and DICOM (pynetdicom).

``Runner.start()`` returns once both listen; ``wait()`` blocks until a shutdown is
requested (signal, ``POST /tools/shutdown``, ``POST /tools/reset``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING

import uvicorn

from .dicom.scp import DicomServer
from .errors import DonjonError, ErrorCode
from .rest.app import build_asgi

if TYPE_CHECKING:
    from .server import Server

__all__ = ["Runner"]

log = logging.getLogger(__name__)


class Runner:
    """The listeners of one server.

    Args:
        server: The server to expose.
        host: Interface for both listeners (Orthanc listens on all of them; the
            remote-access rule refuses non-local HTTP clients).
        http_port / dicom_port: Override the configured ports (0 picks a free one).
    """

    def __init__(self, server: Server, host: str = "0.0.0.0", http_port: int | None = None, dicom_port: int | None = None) -> None:
        self.server = server
        self.host = host
        cfg = server.config.core
        self._http_port = cfg.http_port if http_port is None else http_port
        self._dicom_port = cfg.dicom_port if dicom_port is None else dicom_port
        self._uvicorn: uvicorn.Server | None = None
        self._http_thread: threading.Thread | None = None
        self.dicom: DicomServer | None = None
        self._stopped = threading.Event()
        self.restart_requested = False
        server.runner = self  # type: ignore[attr-defined]

    def start(self) -> None:
        """Start the server's threads, then the DICOM and HTTP listeners."""
        self.server.start()
        cfg = self.server.config.core
        try:
            if cfg.dicom_server_enabled:
                self.dicom = DicomServer(self.server, self.host, self._dicom_port)
                try:
                    self.server.dicom_port = self.dicom.start()
                except OSError as exc:
                    raise DonjonError(ErrorCode.DicomPortInUse, f"cannot listen on DICOM port {self._dicom_port}: {exc.strerror}") from exc
            if cfg.http_server_enabled:
                self._start_http()
        except BaseException:
            self.stop()
            raise

    def _start_http(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._http_port))
        except OSError as exc:
            sock.close()
            raise DonjonError(ErrorCode.HttpPortInUse, f"cannot listen on HTTP port {self._http_port}: {exc.strerror}") from exc
        sock.listen(128)
        self.server.http_port = sock.getsockname()[1]
        cfg = self.server.config.core
        config = uvicorn.Config(
            build_asgi(self.server),
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_keep_alive=5 if cfg.keep_alive else 0,
            server_header=False,
        )
        if cfg.ssl_enabled:
            from .security.tls import server_ssl_context

            config.load()
            config.ssl = server_ssl_context(cfg)  # SslMinimumProtocolVersion and client certificates
        self._uvicorn = uvicorn.Server(config)
        uv = self._uvicorn
        # uvicorn runs off the main thread, so it leaves signals to the CLI (request_stop).

        def serve() -> None:
            asyncio.run(uv.serve(sockets=[sock]))

        self._http_thread = threading.Thread(target=serve, name="donjon-http", daemon=True)
        self._http_thread.start()
        deadline = time.monotonic() + 30
        while not uv.started and self._http_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not uv.started:
            raise DonjonError(ErrorCode.HttpPortInUse, f"the HTTP server did not start on port {self.server.http_port}")
        log.info("HTTP server listening on port %d", self.server.http_port)

    def request_stop(self, restart: bool = False) -> None:
        """Ask for a shutdown (from a signal handler or a request handler)."""
        self.restart_requested = self.restart_requested or restart
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        self._stopped.set()

    def wait(self) -> None:
        """Block until :meth:`request_stop`, then stop everything."""
        while not self._stopped.wait(0.5):
            pass
        self.stop()

    def stop(self) -> None:
        """Stop listeners, then the server (events drained, index closed)."""
        self._stopped.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._http_thread is not None:
            self._http_thread.join(timeout=15)
            self._http_thread = None
        if self.dicom is not None:
            self.dicom.stop()
            self.dicom = None
        self.server.stop()
