"""Decoding the frames of a DICOM file into numpy arrays, the way Orthanc sees them.

pydicom does the work, with the pylibjpeg plugins (libjpeg: JPEG baseline, extended,
lossless and JPEG-LS; openjpeg: JPEG 2000; rle) for the encapsulated syntaxes; deflate
and big endian are handled by pydicom's reader. The arrays have Orthanc's pixel
formats (``DicomImageDecoder``): grayscale images keep their stored values (uint8,
uint16, int16, or 32-bit), colour images are RGB (uint8, or uint16 for 16-bit
samples) whatever the photometric interpretation (YBR_* converted, PALETTE COLOR
looked up), 1-bit images become 0/255 as in Orthanc. Rescale slope/intercept are not
applied here: the routes that want modality values apply them (numpy, rendered).

A transfer syntax that no built-in decoder reads goes to the ``donjon_decode_frame``
hook, so that a plugin can add a codec.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pydicom.multival import MultiValue

from ..errors import DonjonError, ErrorCode

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from ..plugins import PluginHost

__all__ = ["ImageInfo", "ImageSource", "open_image", "raw_frame_mime"]

log = logging.getLogger(__name__)

_JPEG = {
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
}
_JPEG_LS = {"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"}
_JPEG_2000 = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}


def raw_frame_mime(transfer_syntax: str) -> str:
    """The content type of a raw frame (``/frames/{n}/raw``), as Orthanc chooses it."""
    if transfer_syntax in _JPEG:
        return "image/jpeg"
    if transfer_syntax in _JPEG_2000:
        return "image/jp2"
    if transfer_syntax in _JPEG_LS:
        return "image/jls"
    return "application/octet-stream"


def _float(ds: Dataset, keyword: str) -> float | None:
    """The first value of a numeric tag, or None when absent or unreadable."""
    try:
        value = ds.get(keyword)
        if value is None or value == "":
            return None
        if isinstance(value, (list, tuple, MultiValue)):
            value = value[0]  # WindowCenter/WindowWidth may hold several: Orthanc takes the first
        return float(value)
    except (ValueError, TypeError, IndexError):
        return None


@dataclass(frozen=True)
class ImageInfo:
    """What the routes need to know about the image of an instance."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    signed: bool
    photometric: str
    frames: int
    transfer_syntax: str
    rescale_slope: float | None
    rescale_intercept: float | None
    window_center: float | None
    window_width: float | None

    @property
    def is_color(self) -> bool:
        """True when decoded frames are RGB (colour samples or a palette)."""
        return self.samples_per_pixel != 1 or self.photometric == "PALETTE COLOR"


def _info(ds: Dataset) -> ImageInfo:
    meta = getattr(ds, "file_meta", None)
    transfer_syntax = str(meta.get("TransferSyntaxUID", "1.2.840.10008.1.2")) if meta is not None else "1.2.840.10008.1.2"
    try:
        frames = int(ds.get("NumberOfFrames") or 1)
    except (TypeError, ValueError):
        # Orthanc reads a NumberOfFrames it cannot parse ("1A") as one frame; so must pydicom.
        frames = 1
        ds.NumberOfFrames = 1
    return ImageInfo(
        rows=int(ds.get("Rows") or 0),
        columns=int(ds.get("Columns") or 0),
        samples_per_pixel=int(ds.get("SamplesPerPixel") or 1),
        bits_allocated=int(ds.get("BitsAllocated") or 0),
        bits_stored=int(ds.get("BitsStored") or ds.get("BitsAllocated") or 0),
        signed=ds.get("PixelRepresentation") == 1,
        photometric=str(ds.get("PhotometricInterpretation") or "").strip().upper(),
        frames=max(frames, 1),
        transfer_syntax=transfer_syntax,
        rescale_slope=_float(ds, "RescaleSlope"),
        rescale_intercept=_float(ds, "RescaleIntercept"),
        window_center=_float(ds, "WindowCenter"),
        window_width=_float(ds, "WindowWidth"),
    )


class _NoCodec(Exception):
    """No built-in decoder reads this transfer syntax."""


def _orthanc_format(arr: np.ndarray, ds: Dataset, info: ImageInfo) -> np.ndarray:
    """Give a pydicom array Orthanc's pixel format (see the module docstring)."""
    if arr.dtype.byteorder not in ("=", "|"):
        arr = arr.astype(arr.dtype.newbyteorder("="))  # big endian files
    if info.photometric == "PALETTE COLOR" and info.samples_per_pixel == 1:
        from pydicom.pixels import apply_color_lut

        rgb = apply_color_lut(arr, ds)
        # pydicom widens 16-bit LUT entries to uint16; Orthanc keeps the high byte (RGB24).
        return (rgb >> 8).astype(np.uint8) if rgb.dtype.itemsize > 1 else rgb.astype(np.uint8)
    if info.bits_allocated == 1:
        return (arr.astype(np.uint8) * 255).astype(np.uint8)  # Orthanc shows 1-bit images as 0/255
    if arr.dtype == np.int8:
        return arr.astype(np.int16)
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    return np.ascontiguousarray(arr)


class ImageSource:
    """The parsed file of one instance, able to decode any of its frames.

    Args:
        data: The DICOM file.
        ds: The dataset pydicom read from it (with pixel data).
        plugins: The plugin host, for ``donjon_decode_frame``.
        label: How to name the instance in error messages (its Orthanc ID).
    """

    def __init__(self, data: bytes, ds: Dataset, plugins: PluginHost | None, label: str) -> None:
        self.data = data
        self.ds = ds
        self.plugins = plugins
        self.label = label
        self.info = _info(ds)

    @property
    def has_pixels(self) -> bool:
        """True when the file carries pixel data."""
        return "PixelData" in self.ds or "FloatPixelData" in self.ds or "DoubleFloatPixelData" in self.ds

    def check_frame(self, frame: int) -> None:
        """Raise ``InexistentItem`` unless ``frame`` is a frame of this instance."""
        if not 0 <= frame < self.info.frames:
            message = f"instance {self.label} has {self.info.frames} frame(s), no frame {frame}"
            raise DonjonError(ErrorCode.InexistentItem, message)

    def decode(self, frame: int) -> np.ndarray:
        """One frame in Orthanc's pixel format: ``(rows, columns)`` or ``(rows, columns, 3)``.

        Raises:
            DonjonError: ``InexistentItem`` for a frame out of range,
                ``UnsupportedMediaType`` when no decoder (built-in or plugin) can read it
                or the pixel data is broken.
        """
        self.check_frame(frame)
        if not self.has_pixels:
            raise DonjonError(ErrorCode.UnsupportedMediaType, f"instance {self.label} has no pixel data")
        try:
            arr = self._builtin(frame)
        except _NoCodec as exc:
            arr = self._plugin(frame, str(exc))
        except DonjonError:
            raise
        except Exception as exc:  # pydicom and the codecs raise anything on broken pixel data
            where = f"frame {frame} of instance {self.label} ({self.info.transfer_syntax})"
            raise DonjonError(ErrorCode.UnsupportedMediaType, f"cannot decode {where}: {type(exc).__name__}: {exc}") from exc
        return arr

    def _builtin(self, frame: int) -> np.ndarray:
        from pydicom.pixels import get_decoder

        info = self.info
        try:
            decoder = get_decoder(info.transfer_syntax)
        except NotImplementedError as exc:
            raise _NoCodec(f"no decoder for transfer syntax {info.transfer_syntax}") from exc
        if not decoder.is_available:
            raise _NoCodec(f"no decoding plugin installed for transfer syntax {info.transfer_syntax}")
        arr, _meta = decoder.as_array(self.ds, index=frame, as_rgb=True)
        expected = (info.rows, info.columns) if info.samples_per_pixel == 1 else (info.rows, info.columns, info.samples_per_pixel)
        if arr.shape != expected:
            raise ValueError(f"decoded frame has shape {arr.shape}, expected {expected}")
        return _orthanc_format(arr, self.ds, info)

    def _plugin(self, frame: int, reason: str) -> np.ndarray:
        answer: Any = None
        if self.plugins is not None:
            syntax = self.info.transfer_syntax
            answer = self.plugins.first("donjon_decode_frame", data=self.data, frame=frame, transfer_syntax=syntax)
        if answer is None:
            raise DonjonError(ErrorCode.UnsupportedMediaType, f"cannot decode instance {self.label}: {reason}")
        arr = np.asarray(answer)
        if arr.ndim not in (2, 3):
            message = f"a decoder plugin answered an array of shape {arr.shape} for instance {self.label}"
            raise DonjonError(ErrorCode.UnsupportedMediaType, message)
        return np.ascontiguousarray(arr)

    def raw_frame(self, frame: int) -> bytes:
        """The bytes of one frame as stored: the native pixels, or the frame's fragments.

        Raises:
            DonjonError: ``ParameterOutOfRange`` for a frame out of range (as Orthanc),
                ``BadFileFormat`` when the pixel data is too short or its fragments are broken.
        """
        info = self.info
        if not 0 <= frame < info.frames:
            message = f"instance {self.label} has {info.frames} frame(s), no frame {frame}"
            raise DonjonError(ErrorCode.ParameterOutOfRange, message)
        if "PixelData" not in self.ds:
            raise DonjonError(ErrorCode.BadFileFormat, f"instance {self.label} has no pixel data")
        pixel_data = self.ds.PixelData
        try:
            if self.ds["PixelData"].is_undefined_length or _is_encapsulated(info.transfer_syntax):
                from pydicom.encaps import get_frame

                return bytes(get_frame(pixel_data, frame, number_of_frames=info.frames))
        except Exception as exc:
            message = f"cannot read the fragments of frame {frame} of instance {self.label}: {exc}"
            raise DonjonError(ErrorCode.BadFileFormat, message) from exc
        bits = info.rows * info.columns * info.samples_per_pixel * info.bits_allocated
        if bits % 8 and info.bits_allocated != 1:
            raise DonjonError(ErrorCode.BadFileFormat, f"instance {self.label} has a frame size that is not whole bytes")
        if info.bits_allocated == 1:
            start, end = frame * bits // 8, ((frame + 1) * bits + 7) // 8
        else:
            start, end = frame * bits // 8, (frame + 1) * bits // 8
        if end > len(pixel_data):
            raise DonjonError(ErrorCode.BadFileFormat, f"the pixel data of instance {self.label} is too short for frame {frame}")
        return bytes(pixel_data[start:end])


def _is_encapsulated(transfer_syntax: str) -> bool:
    from pydicom.uid import UID

    return UID(transfer_syntax).is_compressed


def open_image(data: bytes, plugins: PluginHost | None = None, label: str = "") -> ImageSource:
    """Parse a DICOM file for its image.

    Args:
        data: The DICOM file.
        plugins: The plugin host, for ``donjon_decode_frame``.
        label: How to name the instance in error messages.

    Raises:
        DonjonError: ``BadFileFormat`` when pydicom cannot read the file.
    """
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
    except Exception as exc:
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot parse the DICOM file of instance {label}: {exc}") from exc
    return ImageSource(data, ds, plugins, label)
