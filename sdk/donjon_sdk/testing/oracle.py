"""Debian's Orthanc 1.10.1 as a differential oracle: same files, same requests, compare.

``start_orthanc(folder)`` runs ``/usr/sbin/Orthanc`` with a temporary configuration
(free ports, its own storage, authentication off, no plugins unless asked for).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from .server import free_port

__all__ = ["OrthancOracle", "orthanc_binary", "start_orthanc"]


def orthanc_binary() -> str | None:
    """The path of Debian's Orthanc, if installed."""
    path = Path("/usr/sbin/Orthanc")
    return str(path) if path.exists() else shutil.which("Orthanc")


class OrthancOracle:
    """A running reference Orthanc: ``.http`` (httpx client), ``.dicom_port``, ``.aet``."""

    def __init__(self, folder: Path, config: dict[str, Any], plugins: list[str]) -> None:
        self.folder = folder
        self.http_port = free_port()
        self.dicom_port = free_port()
        self.aet = config.get("DicomAet", "ORTHANC")
        cfg: dict[str, Any] = {
            "Name": "oracle",
            "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "storage"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "StableAge": 2,
            "Plugins": plugins,
        }
        cfg.update(config)
        self.config = cfg
        self.config_path = folder / "orthanc.json"
        self.log_path = folder / "orthanc.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.http_port}", timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> OrthancOracle:
        binary = orthanc_binary()
        if binary is None:
            raise RuntimeError("Debian's Orthanc is not installed (apt-get install orthanc)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.config, indent=2))
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([binary, str(self.config_path)], cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited: {self.log_path.read_text()[-2000:]}")
            try:
                if self.http.get("/system", timeout=1).status_code < 500:  # 401 when auth is on
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("Orthanc did not start within 30 s")

    def stop(self, *, graceful: bool = False) -> None:
        """Stop the oracle; by default it is killed: its data is thrown away anyway, and a
        graceful Orthanc stop waits ~4 s for its HTTP threads, which dominated the test time."""
        if self.process is not None and self.process.poll() is None:
            if graceful:
                self.process.terminate()
                try:
                    self.process.wait(20)
                except subprocess.TimeoutExpired:
                    pass
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.http.close()


def start_orthanc(folder: Path, config: dict[str, Any] | None = None, *, plugins: list[str] | None = None) -> OrthancOracle:
    """Start Debian's Orthanc with its storage in ``folder``."""
    return OrthancOracle(folder, config or {}, plugins or []).start()
