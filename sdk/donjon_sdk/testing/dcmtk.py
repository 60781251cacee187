"""DCMTK command-line tools as real DICOM peers in tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["Dcmtk"]


class Dcmtk:
    """Runs ``echoscu``, ``storescu``, ``findscu``, ``movescu``, ``getscu`` against a server."""

    TOOLS = ("echoscu", "storescu", "findscu", "movescu", "getscu", "storescp")

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}
        for tool in self.TOOLS:
            # pynetdicom installs Python apps with the same names on PATH: take DCMTK's binaries.
            system = Path("/usr/bin") / tool
            found = str(system) if system.exists() else shutil.which(tool)
            if found:
                self.paths[tool] = found
        missing = [t for t in self.TOOLS if t not in self.paths]
        if missing:
            raise RuntimeError(f"DCMTK tools missing: {', '.join(missing)} (apt-get install dcmtk)")

    def run(self, tool: str, *args: Any, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a tool; the result carries ``returncode``, ``stdout`` and ``stderr``."""
        return subprocess.run([self.paths.get(tool, tool), *map(str, args)], capture_output=True, text=True, timeout=timeout)

    def echo(self, port: int, *, aet: str = "ECHOSCU", called: str = "ORTHANC", host: str = "127.0.0.1") -> subprocess.CompletedProcess[str]:
        return self.run("echoscu", "-aet", aet, "-aec", called, host, port)

    def store(self, port: int, files: list[Path], *, aet: str = "STORESCU", called: str = "ORTHANC", host: str = "127.0.0.1", extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        return self.run("storescu", "-aet", aet, "-aec", called, *extra, host, port, *files)
