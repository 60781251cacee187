"""``/numpy`` answers: frames, instances and series as ``.npy`` (or ``.npz``) arrays.

Shapes are Orthanc's: ``(rows, columns, channels)`` for a frame, with a leading axis
of frames for an instance and of slices (every frame, in ``ordered-slices`` order) for a
series. ``rescale`` (on unless ``false``/``0``, as in Orthanc 1.10) turns grayscale
values into float32 modality values (slope × value + intercept); colour stays as decoded.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DonjonError, ErrorCode
from .instances import decoded_frame
from .slices import ordered_slices

if TYPE_CHECKING:
    from ..server import Server
    from .decode import ImageInfo

__all__ = ["frame_array", "instance_array", "series_array", "to_npy"]


def _shaped(arr: np.ndarray, info: ImageInfo, rescale: bool) -> np.ndarray:
    if arr.ndim == 2:
        if rescale:
            slope = info.rescale_slope if info.rescale_slope is not None else 1.0
            intercept = info.rescale_intercept if info.rescale_intercept is not None else 0.0
            arr = arr.astype(np.float32) * np.float32(slope) + np.float32(intercept)
        return arr[:, :, np.newaxis]
    return arr


def frame_array(server: Server, public_id: str, frame: int, rescale: bool) -> np.ndarray:
    """One frame as ``(rows, columns, channels)``."""
    source, arr = decoded_frame(server, public_id, frame)
    return _shaped(arr, source.info, rescale)


def instance_array(server: Server, public_id: str, rescale: bool) -> np.ndarray:
    """Every frame of an instance as ``(frames, rows, columns, channels)``."""
    source, first = decoded_frame(server, public_id, 0)
    arrays = [_shaped(first, source.info, rescale)]
    arrays += [frame_array(server, public_id, n, rescale) for n in range(1, source.info.frames)]
    return np.stack(arrays)


def series_array(server: Server, series_id: str, rescale: bool) -> np.ndarray:
    """Every frame of a series, in slice order, as ``(slices, rows, columns, channels)``.

    Raises:
        DonjonError: ``CannotOrderSlices``, or ``IncompatibleImageSize`` /
            ``IncompatibleImageFormat`` when the slices differ in size or type.
    """
    arrays = []
    for instance, frames in ordered_slices(server, series_id).instances:
        arrays += [frame_array(server, instance, n, rescale) for n in range(frames)]
    if not arrays:
        raise DonjonError(ErrorCode.BadSequenceOfCalls, f"series {series_id} has no instance")
    first = arrays[0]
    for arr in arrays[1:]:
        if arr.shape != first.shape:
            raise DonjonError(
                ErrorCode.IncompatibleImageSize, f"the slices of series {series_id} differ in size: {arr.shape} and {first.shape}"
            )
        if arr.dtype != first.dtype:
            raise DonjonError(ErrorCode.IncompatibleImageFormat, f"the slices of series {series_id} differ in pixel type")
    return np.stack(arrays)


def to_npy(arr: np.ndarray, compress: bool) -> bytes:
    """The bytes of a ``.npy`` file, or of a ``.npz`` archive holding it."""
    out = io.BytesIO()
    if compress:
        np.savez_compressed(out, arr)
    else:
        np.save(out, arr, allow_pickle=False)
    return out.getvalue()
