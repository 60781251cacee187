"""Start and stop the listeners of a server: HTTP (uvicorn) and DICOM (pynetdicom).

``Runner.start()`` returns once both listen; ``wait()`` blocks until a shutdown is
requested (signal, ``POST /tools/shutdown``, ``POST /tools/reset``). When nobody
waits (a server embedded in tests or in another program), a request to stop or to
restart is carried out by a short-lived thread of the Runner itself: a request
handler cannot stop the HTTP server it runs in.

uvicorn, litestar and pynetdicom are imported only when their listener is enabled
(``HttpServerEnabled``, ``DicomServerEnabled``): each costs tens of milliseconds
and megabytes.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from .errors import DonjonError, ErrorCode

if TYPE_CHECKING:
    from .dicom.scp import DicomServer
    from .server import Server

__all__ = ["Runner"]

log = logging.getLogger(__name__)


class Runner:
    """The listeners of one server, and the server's lifecycle (stop, restart).

    Args:
        server: The server to expose.
        host: Interface for both listeners (Orthanc listens on all of them; the
            remote-access rule refuses non-local HTTP clients).
        http_port: Override the configured HTTP port (0 picks a free one).
        dicom_port: Override the configured DICOM port (0 picks a free one).
    """

    def __init__(self, server: Server, host: str = "0.0.0.0", http_port: int | None = None, dicom_port: int | None = None) -> None:
        self.server = server
        self.host = host
        self._http_override = http_port
        self._dicom_override = dicom_port
        self._uvicorn: Any = None
        self._http_thread: threading.Thread | None = None
        self.dicom: DicomServer | None = None
        self._stopped = threading.Event()
        self._lock = threading.RLock()
        self._waiting = False
        self.restart_requested = False
        self.restarts = 0
        server.runner = self

    # -- ports ------------------------------------------------------------------

    @property
    def _http_port(self) -> int:
        return self.server.config.core.http_port if self._http_override is None else self._http_override

    @property
    def _dicom_port(self) -> int:
        return self.server.config.core.dicom_port if self._dicom_override is None else self._dicom_override

    # -- start ------------------------------------------------------------------

    def start(self) -> None:
        """Start the server's threads, then the DICOM and HTTP listeners.

        Raises:
            DonjonError: ``DicomPortInUse`` or ``HttpPortInUse`` when a port is taken;
                everything started so far is stopped again.
        """
        from .logging_setup import adopt_foreign_handlers, config_secrets, protect_secrets

        protect_secrets(config_secrets(self.server.config))
        self._stopped.clear()
        self.server.start()
        cfg = self.server.config.core
        try:
            if cfg.dicom_server_enabled:
                self._start_dicom()
            else:
                log.warning("DICOM server is disabled (DicomServerEnabled is false)")
            if cfg.http_server_enabled:
                self._start_http()
            else:
                log.warning("HTTP server is disabled (HttpServerEnabled is false)")
        except BaseException:
            self.stop()
            raise
        adopt_foreign_handlers()

    def _start_dicom(self) -> None:
        from .dicom.scp import DicomServer

        self.dicom = DicomServer(self.server, self.host, self._dicom_port)
        try:
            self.server.dicom_port = self.dicom.start()
        except OSError as exc:
            self.dicom = None
            raise DonjonError(ErrorCode.DicomPortInUse, f"cannot listen on DICOM port {self._dicom_port}: {exc.strerror}") from exc
        log.warning("DICOM server listening with AET %s on port: %d", self.server.config.core.dicom_aet, self.server.dicom_port)

    def _start_http(self) -> None:
        import asyncio

        import uvicorn

        from .rest.app import build_asgi

        # asyncio sets TCP_NODELAY on accepted sockets only when their proto is IPPROTO_TCP,
        # which they inherit from this socket: with proto 0, Nagle held every response body
        # ~40 ms behind its headers (measured: GET /system 45 ms instead of 2 ms).
        proto = socket.IPPROTO_TCP if self.server.config.core.tcp_no_delay else 0
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM, proto)
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
            sock.close()

        self._http_thread = threading.Thread(target=serve, name="donjon-http", daemon=True)
        self._http_thread.start()
        deadline = time.monotonic() + 30
        while not uv.started and self._http_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not uv.started:
            raise DonjonError(ErrorCode.HttpPortInUse, f"the HTTP server did not start on port {self.server.http_port}")
        log.warning("HTTP server listening on port: %d", self.server.http_port)

    # -- stop and restart -----------------------------------------------------

    def request_stop(self, restart: bool = False) -> None:
        """Ask for a shutdown, or a restart (from a signal handler or a request handler).

        Returns at once: the listeners stop after the current answers are sent.
        With a caller blocked in :meth:`wait` (the CLI), that caller stops (and
        re-executes the process for a restart); otherwise a thread of the Runner
        stops, or restarts, in place.

        Args:
            restart: Restart with the configuration read again (``POST /tools/reset``).
        """
        # The last request wins: a SIGTERM while a reset is pending stops the process.
        self.restart_requested = restart
        if self._waiting:
            if self._uvicorn is not None:
                self._uvicorn.should_exit = True
            self._stopped.set()
            return
        target = self.restart if restart else self.stop
        threading.Thread(target=target, name="donjon-restart" if restart else "donjon-stop", daemon=True).start()

    def wait(self) -> None:
        """Block until :meth:`request_stop`, then stop everything."""
        self._waiting = True
        try:
            while not self._stopped.wait(0.5):
                pass
        finally:
            self._waiting = False
        self.stop()

    def stop(self) -> None:
        """Stop listeners (HTTP first, as Orthanc), then the server (events drained, index closed)."""
        with self._lock:
            self._stopped.set()
            if self._uvicorn is not None:
                self._uvicorn.should_exit = True
            if self._http_thread is not None:
                self._http_thread.join(timeout=30)
                self._http_thread = None
                log.warning("    HTTP server has stopped")
            self._uvicorn = None
            if self.dicom is not None:
                self.dicom.stop()
                self.dicom = None
                log.warning("    DICOM server has stopped")
            self.server.stop()

    def restart(self) -> None:
        """Stop, build a new server from the configuration read again, start it on the same ports.

        This is ``POST /tools/reset`` for an embedded server. Ports chosen at
        random (0) are kept, so that clients find the server where it was. If the
        new configuration cannot be used, the error is logged and the server
        stays stopped, as Orthanc stops when its configuration became invalid.
        """
        with self._lock:
            factory = self.server.factory
            http_port, dicom_port = self.server.http_port, self.server.dicom_port
            self.stop()
            self.restart_requested = False
            if factory is None:
                log.error("cannot restart: the server was not built by create_server")
                return
            if self._http_override == 0 and http_port:
                self._http_override = http_port
            if self._dicom_override == 0 and dicom_port:
                self._dicom_override = dicom_port
            try:
                self.server = factory()
                self.server.runner = self
                self.start()
            except Exception:
                log.exception("restart failed; the server stays stopped")
                return
            self.restarts += 1
            log.warning("Donjon has restarted")
