"""Image routes: ``/instances/{id}/frames``, previews, 8/16-bit images, ``rendered``,
raw frames, ``matlab``, ``numpy``, ``pdf``, and the series' ``numpy`` and ``ordered-slices``.

Every image route exists for a frame (``/instances/{id}/frames/{n}/preview``) and for
the first frame (``/instances/{id}/preview``), except ``raw`` and ``raw.gz`` which
Orthanc offers per frame only. Images are PNG unless ``Accept`` asks for JPEG or PAM
(Book users/rest.rst). Where Orthanc 1.10.1 answers an empty 404/415 (its handler gives
up), Donjon answers its error JSON with the same meaning: 404 for an unknown instance or
frame, 415 when the frame cannot be decoded, 400 for a bad argument.
"""

from __future__ import annotations

import gzip
from typing import Any

from litestar import Request, Response, get

from ..errors import DonjonError, ErrorCode
from ..imaging import arrays
from ..imaging.cache import imaging_cache
from ..imaging.decode import raw_frame_mime
from ..imaging.instances import decoded_frame, image_source, parse_frame
from ..imaging.render import MODES, RenderOptions, encode, extract, matlab_text, negotiate, render
from ..imaging.slices import ordered_slices
from ..server import Server
from .deps import FromPath, ServerDep
from .params import bare, flag

__all__ = ["ROUTES"]

#: What ``/instances/{id}/frames/{n}`` lists (Orthanc's children of that URI).
FRAME_OPERATIONS = ["image-int16", "image-uint16", "image-uint8", "matlab", "numpy", "preview", "raw", "raw.gz", "rendered"]

_Request = Request[Any, Any, Any]


def _quality(request: _Request) -> int:
    """``?quality=`` for JPEG (1–100, default 90); Orthanc checks it whatever the format."""
    text = request.query_params.get("quality", "90")
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise DonjonError(ErrorCode.BadRequest, f"Bad quality for a JPEG encoding (must be a number between 1 and 100): {text}")
    return value


def _number(request: _Request, name: str, kind: type) -> Any:
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"Bad value for argument: {name}: {text}") from None
    if kind is int and value < 0:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"Argument cannot be negative: {name}")
    return value


def _render_options(request: _Request) -> RenderOptions:
    smooth_text = request.query_params.get("smooth")
    if smooth_text not in (None, "0", "false", "1", "true"):
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"Argument must be Boolean: smooth: {smooth_text}")
    return RenderOptions(
        window_center=_number(request, "window-center", float),
        window_width=_number(request, "window-width", float),
        width=_number(request, "width", int) or 0,
        height=_number(request, "height", int) or 0,
        smooth=smooth_text in ("1", "true"),
    )


def _unsupported_png() -> bytes:
    """A small gray placeholder for ``?returnUnsupportedImage`` (Orthanc's unsupported.png)."""
    import numpy as np

    image = np.full((64, 64), 192, np.uint8)
    index = np.arange(8, 56)
    image[index, index] = image[index, 63 - index] = 64  # a cross: "no image here"
    return encode(image, "image/png")


def _image_answer(server: Server, request: _Request, public_id: str, frame_text: str, mode: str) -> Response[bytes]:
    quality = _quality(request)
    mime = negotiate(request.headers.get("accept"))
    options = _render_options(request) if mode == "rendered" else None
    frame = parse_frame(frame_text)
    try:
        uuid, _source = image_source(server, public_id)
        # Everything the bytes depend on; the UUID changes with the file, so no staleness.
        key = (uuid, frame, mode, options, mime, quality if mime == "image/jpeg" else 0)
        cache = imaging_cache(server).images
        found = cache.get(key)
        if found is None:
            source, arr = decoded_frame(server, public_id, frame)
            image = render(arr, source.info, options) if options is not None else extract(arr, mode, source.info, public_id)
            found = encode(image, mime, quality)
            cache.put(key, found, len(found))
    except DonjonError as exc:
        if exc.code is ErrorCode.UnsupportedMediaType and flag(request, "returnUnsupportedImage"):
            return Response(content=_unsupported_png(), media_type="image/png")
        raise
    return Response(content=found, media_type=mime)


def _image_routes(mode: str) -> list[Any]:
    @get(f"/instances/{{public_id:str}}/frames/{{frame:str}}/{mode}", sync_to_thread=True, name=f"frame-{mode}")
    def frame_image(server: ServerDep, request: _Request, public_id: FromPath[str], frame: FromPath[str]) -> Response[bytes]:
        return _image_answer(server, request, public_id, frame, mode)

    @get(f"/instances/{{public_id:str}}/{mode}", sync_to_thread=True, name=f"instance-{mode}")
    def instance_image(server: ServerDep, request: _Request, public_id: FromPath[str]) -> Response[bytes]:
        return _image_answer(server, request, public_id, "0", mode)

    frame_image.__doc__ = instance_image.__doc__ = f"The {mode} image of a frame (PNG, JPEG or PAM per Accept)."
    return [frame_image, instance_image]


@get("/instances/{public_id:str}/frames", sync_to_thread=True)
def list_frames(server: ServerDep, public_id: FromPath[str]) -> list[int]:
    """The frame numbers of an instance (``[0]`` for a single frame, as Orthanc)."""
    _uuid, source = image_source(server, public_id)
    return list(range(source.info.frames))


@get("/instances/{public_id:str}/frames/{frame:str}", sync_to_thread=True)
def frame_operations(server: ServerDep, public_id: FromPath[str], frame: FromPath[str]) -> list[str]:
    """What can be asked of one frame."""
    image_source(server, public_id)
    parse_frame(frame)
    return FRAME_OPERATIONS


def _raw(server: Server, public_id: str, frame: str, compress: bool) -> Response[bytes]:
    _uuid, source = image_source(server, public_id)
    data = source.raw_frame(parse_frame(frame))
    if compress:
        return Response(content=gzip.compress(data, compresslevel=6), media_type="application/gzip")
    return Response(content=data, media_type=raw_frame_mime(source.info.transfer_syntax))


@get("/instances/{public_id:str}/frames/{frame:str}/raw", sync_to_thread=True)
def raw_frame(server: ServerDep, public_id: FromPath[str], frame: FromPath[str]) -> Response[bytes]:
    """The bytes of a frame as stored (JPEG, JPEG 2000, JPEG-LS stream or native pixels)."""
    return _raw(server, public_id, frame, False)


@get("/instances/{public_id:str}/frames/{frame:str}/raw.gz", sync_to_thread=True)
def raw_frame_gz(server: ServerDep, public_id: FromPath[str], frame: FromPath[str]) -> Response[bytes]:
    """The same as ``raw``, gzip-compressed."""
    return _raw(server, public_id, frame, True)


def _matlab(server: Server, public_id: str, frame: str) -> Response[bytes]:
    _source, arr = decoded_frame(server, public_id, parse_frame(frame))
    return Response(content=matlab_text(arr).encode(), media_type="text/plain")


@get("/instances/{public_id:str}/frames/{frame:str}/matlab", sync_to_thread=True)
def frame_matlab(server: ServerDep, public_id: FromPath[str], frame: FromPath[str]) -> Response[bytes]:
    """A frame as a Matlab/Octave ``double([...])`` expression."""
    return _matlab(server, public_id, frame)


@get("/instances/{public_id:str}/matlab", sync_to_thread=True)
def instance_matlab(server: ServerDep, public_id: FromPath[str]) -> Response[bytes]:
    """The first frame as a Matlab/Octave expression."""
    return _matlab(server, public_id, "0")


def _rescale(request: _Request) -> bool:
    # Orthanc's GetBooleanArgument("rescale", true): on unless false/0.
    return str(request.query_params.get("rescale", "true")).strip().lower() not in ("false", "0")


def _npy(request: _Request, arr: Any) -> Response[bytes]:
    return Response(content=arrays.to_npy(arr, flag(request, "compress")), media_type="application/octet-stream")


@get("/instances/{public_id:str}/frames/{frame:str}/numpy", sync_to_thread=True)
def frame_numpy(server: ServerDep, request: _Request, public_id: FromPath[str], frame: FromPath[str]) -> Response[bytes]:
    """A frame as a ``.npy`` array ``(rows, columns, channels)``."""
    return _npy(request, arrays.frame_array(server, public_id, parse_frame(frame), _rescale(request)))


@get("/instances/{public_id:str}/numpy", sync_to_thread=True)
def instance_numpy(server: ServerDep, request: _Request, public_id: FromPath[str]) -> Response[bytes]:
    """Every frame of an instance as a ``.npy`` array ``(frames, rows, columns, channels)``."""
    return _npy(request, arrays.instance_array(server, public_id, _rescale(request)))


@get("/series/{public_id:str}/numpy", sync_to_thread=True)
def series_numpy(server: ServerDep, request: _Request, public_id: FromPath[str]) -> Response[bytes]:
    """The volume of a series, slices in ``ordered-slices`` order."""
    return _npy(request, arrays.series_array(server, public_id, _rescale(request)))


@get("/series/{public_id:str}/ordered-slices", sync_to_thread=True)
def series_ordered_slices(server: ServerDep, public_id: FromPath[str]) -> dict[str, Any]:
    """The instances and frames of a series in slice order (Orthanc's ``SliceOrdering``)."""
    return ordered_slices(server, public_id).to_json()


@get("/instances/{public_id:str}/pdf", sync_to_thread=True)
def instance_pdf(server: ServerDep, public_id: FromPath[str]) -> Response[bytes]:
    """The PDF of an Encapsulated PDF instance; an empty 404 for any other (as Orthanc)."""
    _uuid, source = image_source(server, public_id)
    ds = source.ds
    document = ds.get("EncapsulatedDocument")
    if document is None or str(ds.get("MIMETypeOfEncapsulatedDocument", "")).strip().lower() != "application/pdf":
        return bare(404)
    data = bytes(document)
    if data.endswith(b"\0"):
        data = data[:-1]  # the pad byte of an odd-length value is not part of the document
    return Response(content=data, media_type="application/pdf")


ROUTES: list[Any] = [
    list_frames, frame_operations, raw_frame, raw_frame_gz, frame_matlab, instance_matlab,
    frame_numpy, instance_numpy, series_numpy, series_ordered_slices, instance_pdf,
]
for _mode in (*MODES, "rendered"):
    ROUTES += _image_routes(_mode)
