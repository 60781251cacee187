"""``GET /tools/metrics-prometheus``: Orthanc's metric names, plus those of ``donjon_metrics`` hooks."""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

from ..enums import ResourceLevel

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["metrics_text"]

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _core_metrics(server: Server) -> dict[str, float]:
    with server.index.read() as tx:
        counts = {level: tx.count(level) for level in ResourceLevel}
        compressed, uncompressed = tx.total_size()
        last = tx.last_change()
    return {
        "orthanc_count_instances": counts[ResourceLevel.INSTANCE],
        "orthanc_count_patients": counts[ResourceLevel.PATIENT],
        "orthanc_count_series": counts[ResourceLevel.SERIES],
        "orthanc_count_studies": counts[ResourceLevel.STUDY],
        "orthanc_disk_size_mb": compressed / (1024 * 1024),
        "orthanc_last_change": last.seq if last else 0,
        "orthanc_uncompressed_size_mb": uncompressed / (1024 * 1024),
        "orthanc_up_time_s": int(time.time() - server.started_at),
    }


def metrics_text(server: Server) -> str:
    """Every metric as ``name value timestamp_ms`` lines, sorted by name (Orthanc's layout)."""
    metrics = _core_metrics(server)
    for contributed in server.plugins.collect("donjon_metrics", server=server):
        for name, value in dict(contributed).items():
            if not _NAME.match(name) or isinstance(value, bool) or not isinstance(value, (int, float)):
                log.warning("ignoring metric %r from a donjon_metrics hook: bad name or non-numeric value", name)
                continue
            metrics[name] = value
    stamp = int(time.time() * 1000)
    return "".join(f"{name} {_number(value)} {stamp}\n" for name, value in sorted(metrics.items()))


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.9g}"
