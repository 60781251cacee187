"""``/series/{id}/ordered-slices``: Orthanc's ``SliceOrdering``.

A series is a *volume* when every instance has an ImagePositionPatient, the series'
ImageOrientationPatient gives a normal, every instance's own orientation (if any) is
parallel to it, and no two slices share a position along the normal; the instances are
then sorted by that position. Otherwise it is a *sequence* sorted by ``IndexInSeries``
(metadata from InstanceNumber), which every instance must have; else the slices cannot
be ordered (``CannotOrderSlices``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..enums import MetadataType, ResourceLevel
from ..errors import DonjonError, ErrorCode

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["OrderedSlices", "ordered_slices"]

_EPSILON = 10 * float(np.finfo(np.float32).eps)


def _vector(text: str | None, size: int) -> np.ndarray | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.replace(",", ".").split("\\")]
    except ValueError:
        return None
    return np.array(values, dtype=np.float64) if len(values) == size else None


def _normal(orientation: str | None) -> np.ndarray | None:
    cosines = _vector(orientation, 6)
    if cosines is None:
        return None
    return np.cross(cosines[:3], cosines[3:])


@dataclass
class _Slice:
    instance: str
    frames: int
    position: np.ndarray | None
    normal: np.ndarray | None
    index: int | None


@dataclass(frozen=True)
class OrderedSlices:
    """The instances of a series in slice order, and whether they form a volume."""

    is_volume: bool
    instances: list[tuple[str, int]]  # (instance ID, number of frames)

    def to_json(self) -> dict[str, Any]:
        """Orthanc's answer: ``Dicom``, ``Slices``, ``SlicesShort``, ``Type``."""
        return {
            "Dicom": [f"/instances/{i}/file" for i, _ in self.instances],
            "Slices": [f"/instances/{i}/frames/{f}" for i, n in self.instances for f in range(n)],
            "SlicesShort": [[i, 0, n] for i, n in self.instances],
            "Type": "Volume" if self.is_volume else "Sequence",
        }


def _read_slices(server: Server, series_id: str) -> tuple[np.ndarray | None, list[_Slice]]:
    with server.index.read() as tx:
        series = tx.lookup(series_id, ResourceLevel.SERIES)
        if series is None:
            raise DonjonError(ErrorCode.UnknownResource, f"no series {series_id}")
        normal = _normal(tx.main_tags(series.internal_id).get("ImageOrientationPatient"))
        children = tx.children(series.internal_id)
        tags = tx.main_tags_many([c.internal_id for c in children])
        slices = []
        for child in children:
            main = tags.get(child.internal_id, {})
            try:
                frames = int(main.get("NumberOfFrames") or 1)
            except ValueError:
                frames = 1
            index_text = tx.metadata(child.internal_id).get(MetadataType.IndexInSeries)
            try:
                index = int(index_text.strip()) if index_text else None
            except ValueError:
                index = None
            slices.append(_Slice(child.public_id, frames, _vector(main.get("ImagePositionPatient"), 3),
                                 _normal(main.get("ImageOrientationPatient")), index))
    return normal, slices


def _sort_by_position(normal: np.ndarray | None, slices: list[_Slice]) -> bool:
    if normal is None:
        return False
    for s in slices:
        if s.position is None:
            return False
        if s.normal is not None and abs(abs(float(np.dot(s.normal, normal))) - 1.0) > 1e-3:
            return False
    slices.sort(key=lambda s: float(np.dot(normal, s.position)))  # type: ignore[arg-type]
    distances = [float(np.dot(normal, s.position)) for s in slices]  # type: ignore[arg-type]
    return all(abs(b - a) > _EPSILON for a, b in zip(distances, distances[1:]))


def ordered_slices(server: Server, series_id: str) -> OrderedSlices:
    """Order the slices of a series as Orthanc does (see the module docstring).

    Raises:
        DonjonError: ``UnknownResource``, or ``CannotOrderSlices``.
    """
    normal, slices = _read_slices(server, series_id)
    if len(slices) <= 1:
        return OrderedSlices(False, [(s.instance, s.frames) for s in slices])
    if _sort_by_position(normal, slices):
        return OrderedSlices(True, [(s.instance, s.frames) for s in slices])
    if all(s.index is not None for s in slices):
        slices.sort(key=lambda s: s.index)  # type: ignore[arg-type, return-value]
        return OrderedSlices(False, [(s.instance, s.frames) for s in slices])
    raise DonjonError(ErrorCode.CannotOrderSlices, f"unable to order the slices of series {series_id}")
