"""The audit trail: who did what (user, IP, method, path, resource IDs, status).

Off by default (``AuditLogEnabled``). One JSON object per line, appended; never
credentials, bodies or patient data — only Orthanc IDs found in the path.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import msgspec

__all__ = ["AuditLog", "AuditRecord"]

_ORTHANC_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    time: str
    user: str
    ip: str
    method: str
    path: str
    resources: list[str]
    status: int


class AuditLog:
    """Appends :class:`AuditRecord` lines to a file, thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._encoder = msgspec.json.Encoder()

    def record(self, *, user: str, ip: str, method: str, path: str, status: int) -> None:
        entry = AuditRecord(
            time=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
            user=user,
            ip=ip,
            method=method,
            path=path,
            resources=_ORTHANC_ID.findall(path),
            status=status,
        )
        line = self._encoder.encode(entry) + b"\n"
        with self._lock, open(self.path, "ab") as f:
            f.write(line)
