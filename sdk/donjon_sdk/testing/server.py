"""A real Donjon server for a test: in-process (fast) or as a child process.

Both listen on ``127.0.0.1`` with free ports and a temporary storage folder.
In-process mode gives access to ``.server`` and ``.events``; process mode runs
``python -m donjon CONFIG`` for what needs a real process: ``kill -9``, signals,
entry-point discovery.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

__all__ = ["DonjonHandle", "free_port", "start_server"]


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port that was free a moment ago (for servers started as processes).

    Chosen below the kernel's ephemeral range: a port from that range can be taken as
    the source port of any outgoing connection while a server restarts (``/tools/reset``),
    and the server then cannot bind it again.
    """
    low, _high = _ephemeral_range()
    top = max(low - 1, 20000)
    for _ in range(200):
        port = random.randint(10000, top)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # a crowded machine: take what the kernel gives
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DonjonHandle:
    """A running test server.

    Attributes:
        http: An ``httpx.Client`` whose base URL is the server's.
        url: The base URL (``http://127.0.0.1:PORT``).
        dicom_port: The DICOM port.
        aet: The server's AET.
        config: The configuration it was started with.
        folder: Its temporary folder (storage, index, configuration file).
    """

    def __init__(
        self,
        folder: Path,
        config: dict[str, Any],
        mode: str,
        plugins: list[Any],
        entry_points: list[str] | None,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.host = host
        self.env = dict(env or {})
        self.config = config
        self.mode = mode
        self.plugins = plugins
        self.entry_points = entry_points
        self.aet = config.get("DicomAet", "ORTHANC")
        self.runner: Any = None
        self.process: subprocess.Popen[bytes] | None = None
        self.http_port = 0
        self.dicom_port = 0
        self.http = httpx.Client(timeout=60)
        self.log_path = folder / "donjon.log"

    # -- properties of in-process servers
    @property
    def server(self) -> Any:
        if self.runner is None:
            raise RuntimeError("only an in-process server exposes .server")
        return self.runner.server

    @property
    def events(self) -> Any:
        return self.server.events

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> DonjonHandle:
        if self.mode == "process":
            self._start_process()
        else:
            self._start_in_process()
        self.http.base_url = httpx.URL(self.url)
        return self

    def _start_in_process(self) -> None:
        from donjon.app_factory import create_server
        from donjon.runner import Runner

        server = create_server(raw_config=self.config, plugins=list(self.plugins), discover=True, only=list(self.entry_points or []))
        self.runner = Runner(server, host=self.host, http_port=0, dicom_port=0)
        self.runner.start()
        self.http_port = server.http_port or 0
        self.dicom_port = server.dicom_port or 0

    def _start_process(self) -> None:
        cfg = dict(self.config)
        self.http_port = cfg.setdefault("HttpPort", free_port())
        self.dicom_port = cfg.setdefault("DicomPort", free_port())
        config_path = self.folder / "donjon.json"
        config_path.write_text(json.dumps(cfg, indent=2))
        env = dict(os.environ)
        env["DONJON_PLUGINS"] = ",".join(self.entry_points or []) or "-"
        env.update(self.env)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "donjon", str(config_path), "--host", self.host, "--verbose"],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"donjon exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.http_port}/system", timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"donjon did not answer within 30 s: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop cleanly (SIGTERM for a process)."""
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """``kill -9`` a process-mode server."""
        assert self.process is not None, "kill() needs mode='process'"
        self.process.kill()
        self.process.wait()
        self.process = None

    def restart(self) -> DonjonHandle:
        """Stop (if running) and start again on the same folder and configuration."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        self.http.close()


def start_server(
    folder: Path,
    config: dict[str, Any] | None = None,
    *,
    plugins: list[Any] | None = None,
    entry_points: list[str] | None = None,
    mode: str = "inprocess",
    host: str = "127.0.0.1",
    env: dict[str, str] | None = None,
) -> DonjonHandle:
    """Start a server whose storage and index live in ``folder``.

    Args:
        folder: A temporary folder owned by the test.
        config: Configuration keys over the test defaults.
        plugins: Plugin objects to register (in-process mode).
        entry_points: IDs of installed ``donjon`` entry points to load (others are not).
        mode: ``"inprocess"`` or ``"process"``.
        host: The interface to listen on (``0.0.0.0`` for tests with remote peers).
        env: Extra environment variables of a process-mode server (``PYTHONPATH``,
            ``DONJON_DISABLE_PLUGINS``, ``ORTHANC__...`` overrides).
    """
    folder.mkdir(parents=True, exist_ok=True)
    cfg: dict[str, Any] = {
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "RemoteAccessAllowed": False,
        "StableAge": 2,
    }
    cfg.update(config or {})
    if env and mode != "process":
        raise ValueError("env= needs mode='process' (an in-process server shares the test's environment)")
    handle = DonjonHandle(folder, cfg, mode, plugins or [], entry_points, host, env)
    return handle.start()
