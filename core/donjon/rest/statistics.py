"""``/{level}/{id}/statistics``: counts and sizes of one resource and what it contains."""

from __future__ import annotations

from typing import Any

from litestar import Router, get

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from .deps import FromPath, ServerDep

__all__ = ["ROUTES", "statistics_json"]

_MB = 1024 * 1024


def statistics_json(level: ResourceLevel, stats: Any) -> dict[str, Any]:
    """Orthanc's answer: counts of the levels below, sizes as strings, whole megabytes as numbers."""
    out: dict[str, Any] = {}
    if level < ResourceLevel.INSTANCE:
        out["CountInstances"] = stats.count_instances
    if level < ResourceLevel.SERIES:
        out["CountSeries"] = stats.count_series
    if level < ResourceLevel.STUDY:
        out["CountStudies"] = stats.count_studies
    for key, size in (
        ("DicomDiskSize", stats.dicom_disk_size),
        ("DicomUncompressedSize", stats.dicom_uncompressed_size),
        ("DiskSize", stats.disk_size),
        ("UncompressedSize", stats.uncompressed_size),
    ):
        # Orthanc writes the byte counts as strings (64-bit values in JSON) and the MB as integers.
        out[key] = str(size)
        out[f"{key}MB"] = size // _MB
    return dict(sorted(out.items()))


def _routes(level: ResourceLevel) -> Router:
    @get("/{public_id:str}/statistics", sync_to_thread=True, name=f"{level.plural}-statistics")
    def resource_statistics(server: ServerDep, public_id: FromPath[str]) -> dict[str, Any]:
        """Statistics of a resource.

        Orthanc does not check the level here: ``/patients/{instance}/statistics`` describes
        the instance. We do the same, keyed on the resource's real level.
        """
        with server.index.read() as tx:
            resource = tx.lookup(public_id)
            if resource is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no resource {public_id}")
            stats = tx.statistics(resource.internal_id)
        return statistics_json(resource.level, stats)

    return Router(path=f"/{level.plural}", route_handlers=[resource_statistics])


ROUTES = [_routes(level) for level in ResourceLevel]
