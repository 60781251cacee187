"""From decoded frames to what the image routes send: 8/16-bit images, windowing,
resizing, and PNG, JPEG or PAM encoding (Pillow).

The conversions are Orthanc's (``DicomImageDecoder``, ``RenderedFrameHandler`` in
``OrthancRestResources.cpp``):

- ``preview`` stretches a grayscale image's [min, max] to [0, 255] (rounded), inverted
  for MONOCHROME1; colour images pass as RGB (16-bit samples keep their high byte);
- ``image-uint8`` / ``image-uint16`` / ``image-int16`` clamp grayscale values to the
  type, and refuse colour images;
- ``rendered`` applies rescale slope/intercept and a window (the query's, else the
  file's first WindowCenter/WindowWidth, else ``2^BitsStored`` wide centred on its
  half, as Orthanc), truncating to 8 bits, then resizes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DonjonError, ErrorCode

if TYPE_CHECKING:
    from .decode import ImageInfo

__all__ = [
    "MIME_JPEG", "MIME_PAM", "MIME_PNG", "RenderOptions", "encode", "extract", "matlab_text", "negotiate", "render",
]

MIME_PNG = "image/png"
MIME_JPEG = "image/jpeg"
MIME_PAM = "image/x-portable-arbitrarymap"
#: Registration order of Orthanc's content negotiation: ``*/*`` and ``image/*`` give PNG.
_OFFERED = (MIME_PNG, MIME_JPEG, MIME_PAM)

#: Orthanc's ``ImageExtractionMode`` names, as they appear in the routes.
MODES = ("preview", "image-uint8", "image-uint16", "image-int16")


def negotiate(accept: str | None) -> str:
    """The image type to answer for an ``Accept`` header (PNG when absent).

    Raises:
        DonjonError: ``NotAcceptable`` when it accepts none of PNG, JPEG and PAM.
    """
    if not accept or not accept.strip():
        return MIME_PNG
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept.split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        quality = 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if media in ("*/*", "image/*"):
            candidate = MIME_PNG
        elif media in _OFFERED:
            candidate = media
        else:
            continue
        key = (quality, -position, candidate)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise DonjonError(ErrorCode.NotAcceptable, f"no image type among PNG, JPEG and PAM is acceptable for: {accept}")
    return best[2]


def _round_to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(values + np.float32(0.5)), 0, 255).astype(np.uint8)


def _preview(arr: np.ndarray, invert: bool) -> np.ndarray:
    if arr.ndim == 3:
        if arr.dtype == np.uint8:
            return arr
        shift = (arr.dtype.itemsize - 1) * 8  # RGB48 → RGB24 keeps the high byte (Orthanc's Convert)
        return (arr >> shift).astype(np.uint8) if arr.dtype.kind == "u" else np.clip(arr, 0, 255).astype(np.uint8)
    if arr.size == 0:
        return np.zeros(arr.shape, np.uint8)
    low, high = int(arr.min()), int(arr.max())
    if low == high:
        out = np.zeros(arr.shape, np.uint8)
    else:
        scale = np.float32(255.0 / (high - low))
        out = _round_to_uint8((arr.astype(np.float32) - np.float32(low)) * scale)
    return 255 - out if invert else out


def extract(arr: np.ndarray, mode: str, info: ImageInfo, label: str = "") -> np.ndarray:
    """The image of ``mode`` (``preview``, ``image-uint8``, ``image-uint16``, ``image-int16``).

    Raises:
        DonjonError: ``UnsupportedMediaType`` for a 8/16-bit extraction of a colour image
            (Orthanc refuses it too).
    """
    if mode == "preview":
        return _preview(arr, info.photometric == "MONOCHROME1")
    if arr.ndim == 3:
        raise DonjonError(ErrorCode.UnsupportedMediaType, f"{mode} is for grayscale images; instance {label} is in colour")
    if mode == "image-uint8":
        return np.clip(arr, 0, 255).astype(np.uint8)
    if mode == "image-uint16":
        return np.clip(arr, 0, 65535).astype(np.uint16)
    if mode == "image-int16":
        return np.clip(arr, -32768, 32767).astype(np.int16)
    raise ValueError(mode)


@dataclass(frozen=True)
class RenderOptions:
    """The query arguments of ``/rendered``."""

    window_center: float | None = None
    window_width: float | None = None
    width: int = 0
    height: int = 0
    smooth: bool = False


def _target_size(rows: int, columns: int, options: RenderOptions) -> tuple[int, int]:
    """Orthanc's ratio: both given → fit inside, one given → keep the aspect."""
    if not rows or not columns:
        return columns, rows
    if options.width and options.height:
        ratio = min(options.width / columns, options.height / rows)
    elif options.width:
        ratio = options.width / columns
    elif options.height:
        ratio = options.height / rows
    else:
        return columns, rows
    return max(int(np.floor(ratio * columns + 0.5)), 1), max(int(np.floor(ratio * rows + 0.5)), 1)


def _smooth(image: np.ndarray) -> np.ndarray:
    """Orthanc's ``SmoothGaussian5x5``: a separable [1 4 6 4 1] kernel, borders repeated, truncated."""
    kernel = np.array([1, 4, 6, 4, 1], dtype=np.float32)
    planes = image.astype(np.float32)
    pad = [(0, 0)] * planes.ndim
    pad[1] = (2, 2)
    wide = np.pad(planes, pad, mode="edge")
    horizontal = sum(kernel[k] * wide[:, k : k + planes.shape[1]] for k in range(5))
    pad = [(0, 0)] * planes.ndim
    pad[0] = (2, 2)
    tall = np.pad(horizontal, pad, mode="edge")
    both = sum(kernel[k] * tall[k : k + planes.shape[0]] for k in range(5)) * np.float32(1 / 256)
    return np.clip(both, 0, 255).astype(np.uint8)


def _lookup(target: int, source: int) -> np.ndarray:
    """The source index of each target pixel: ``floor((x + 0.5) * source / target)`` in float32."""
    centres = (np.arange(target, dtype=np.float32) + np.float32(0.5)) * np.float32(source / target)
    return np.clip(np.floor(centres).astype(int), 0, source - 1)


def _resize(image: np.ndarray, size: tuple[int, int], smooth: bool) -> np.ndarray:
    """Orthanc's ``ImageProcessing::Resize``: nearest neighbour at pixel centres."""
    width, height = size
    rows, columns = image.shape[:2]
    if smooth and (width < columns or height < rows):
        image = _smooth(image)
    xs = _lookup(width, columns)
    ys = _lookup(height, rows)
    return np.ascontiguousarray(image[ys][:, xs])


def render(arr: np.ndarray, info: ImageInfo, options: RenderOptions) -> np.ndarray:
    """The ``/rendered`` image: windowed 8-bit grayscale, or RGB, resized as asked."""
    size = _target_size(arr.shape[0], arr.shape[1], options)
    if arr.ndim == 3:
        image = _preview(arr, False)
    else:
        slope = info.rescale_slope if info.rescale_slope is not None and info.rescale_intercept is not None else 1.0
        intercept = info.rescale_intercept if info.rescale_slope is not None and info.rescale_intercept is not None else 0.0
        width = float(2**info.bits_stored) if info.bits_stored < 64 else 1.0
        center = width / 2
        if info.window_center is not None and info.window_width is not None:
            center, width = info.window_center, info.window_width
        if options.window_width is not None:
            width = options.window_width
        if options.window_center is not None:
            center = options.window_center
        width = max(width, 1.0)  # Orthanc avoids divisions by zero the same way
        if abs(slope) <= 0.1:
            slope = 0.1
        scaling = np.float32(255.0 * slope / width)
        offset = np.float32((intercept - center + width / 2.0) / slope)
        # Orthanc's ShiftScale without rounding: clamp, then truncate.
        image = np.clip((arr.astype(np.float32) + offset) * scaling, 0, 255).astype(np.uint8)
        if info.photometric == "MONOCHROME1":
            image = 255 - image
    if size != (arr.shape[1], arr.shape[0]):
        image = _resize(image, size, options.smooth)
    return image


def matlab_text(arr: np.ndarray) -> str:
    """Orthanc's ``/matlab`` answer: a ``double([...])`` expression of the decoded frame."""
    if arr.ndim == 2:
        rows = [" ".join(str(v) for v in row.tolist()) for row in arr]
        return "double([ " + " ; ".join(rows) + " ])"
    values = " ".join(str(v) for v in arr.reshape(-1).tolist())
    return f"double(permute(reshape([ {values} ], [ {arr.shape[2]} {arr.shape[0]} {arr.shape[1]} ]), [ 3 2 1 ]))"


def encode(image: np.ndarray, mime: str, quality: int = 90) -> bytes:
    """Encode an extracted image as PNG (8 or 16 bits), JPEG (8 bits) or PAM.

    Raises:
        DonjonError: ``NotAcceptable`` for a 16-bit image in JPEG, which cannot hold it.
    """
    from PIL import Image

    if image.dtype == np.int16:
        image = image.view(np.uint16)  # PNG has no signed samples: Orthanc writes the bits as they are
    if mime == MIME_PAM:
        return _pam(image)
    if mime == MIME_JPEG:
        if image.dtype != np.uint8:
            raise DonjonError(ErrorCode.NotAcceptable, "JPEG cannot hold a 16-bit image: ask for PNG")
        out = io.BytesIO()
        Image.fromarray(image).save(out, format="JPEG", quality=quality)
        return out.getvalue()
    from .png import encode_png

    return encode_png(image)


def _pam(image: np.ndarray) -> bytes:
    depth = 1 if image.ndim == 2 else image.shape[2]
    maxval = 255 if image.dtype == np.uint8 else 65535
    kind = "GRAYSCALE" if depth == 1 else "RGB"
    header = f"P7\nWIDTH {image.shape[1]}\nHEIGHT {image.shape[0]}\nDEPTH {depth}\nMAXVAL {maxval}\nTUPLTYPE {kind}\nENDHDR\n"
    body = image.astype(">u2").tobytes() if maxval == 65535 else image.tobytes()
    return header.encode() + body
