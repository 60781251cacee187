"""WADO-RS (PS3.18 10.4): instances as ``multipart/related; type="application/dicom"``,
``/frames/{list}`` and ``/bulk/{tag}`` as ``application/octet-stream`` parts.

Negotiation (``Accept``): a missing header or ``*/*`` takes the default; ``multipart/related``
with the right ``type`` is accepted; ``transfer-syntax=*`` (or none) answers the files
as stored and any other syntax than the stored one is 406, Donjon's plugin does not
transcode yet. A non-multipart ``Accept`` (e.g. ``application/dicom+json`` on an
instance) is 400, as Orthanc's plugin answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from donjon_sdk import DonjonError, ErrorCode, read_dataset

from .multipart import MediaRange, parse_media_ranges

if TYPE_CHECKING:
    from donjon_sdk import Server

    from .lookup import InstanceRef

__all__ = ["bulk_value", "check_dicom_accept", "frames", "parse_frame_list"]

_UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99"}
#: Media types of compressed frames (PS3.18 Table 8.7.3-2), by transfer syntax prefix.
_FRAME_MIMES = {
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg",
    "1.2.840.10008.1.2.4.70": "image/jpeg",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.5": "image/x-dicom-rle",
}


def _multipart_ranges(accept: str | None, what: str) -> list[MediaRange] | None:
    """The multipart entries of Accept; None for "anything goes" (missing or ``*/*``)."""
    ranges = parse_media_ranges(accept)
    if not ranges or any(r.mime in ("*/*", "multipart/*") and not r.type for r in ranges):
        return None
    multipart = [r for r in ranges if r.mime == "multipart/related"]
    if not multipart:
        raise DonjonError(ErrorCode.BadRequest, f"This WADO-RS plugin cannot generate the following {what}: {ranges[0].mime}")
    return multipart


def check_dicom_accept(accept: str | None, stored_syntaxes: set[str]) -> None:
    """Check that ``Accept`` allows the instances as stored.

    Raises:
        DonjonError: ``BadRequest`` for a non-multipart or non-DICOM ``type``,
            ``NotAcceptable`` (406) when only other transfer syntaxes are accepted.
    """
    ranges = _multipart_ranges(accept, "content type")
    if ranges is None:
        return
    dicom = [r for r in ranges if r.type in ("", "*/*", "application/dicom")]
    if not dicom:
        raise DonjonError(ErrorCode.BadRequest, f"This WADO-RS plugin cannot generate the following content type: {ranges[0].type}")
    for r in dicom:
        if r.transfer_syntax in ("", "*") or stored_syntaxes <= {r.transfer_syntax}:
            return
    wanted = ", ".join(r.transfer_syntax for r in dicom)
    raise DonjonError(ErrorCode.NotAcceptable, f"WADO-RS cannot transcode to {wanted} (stored as {', '.join(sorted(stored_syntaxes))})")


def parse_frame_list(text: str) -> list[int]:
    """``1,3,5`` (PS3.18: 1-based frame numbers, comma-separated, at least one).

    Raises:
        DonjonError: ``ParameterOutOfRange`` for anything else.
    """
    try:
        numbers = [int(n) for n in text.replace("%2C", ",").split(",") if n.strip()]
    except ValueError:
        numbers = []
    if not numbers or any(n < 1 for n in numbers):
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"not a list of frame numbers (from 1): {text!r}")
    return numbers


def _frame_accept(accept: str | None, syntax: str) -> str:
    """The media type of the frames' parts, or an error if Accept refuses what is stored."""
    stored_mime = "application/octet-stream" if syntax in _UNCOMPRESSED else _FRAME_MIMES.get(syntax, "application/octet-stream")
    ranges = parse_media_ranges(accept)
    if ranges and not any(r.mime in ("*/*", "multipart/related", "multipart/*") for r in ranges):
        # Orthanc's wording and code (ParameterOutOfRange, 400).
        raise DonjonError(ErrorCode.ParameterOutOfRange, "expecting 'Accept: multipart/related' HTTP header")
    multipart = [r for r in ranges if r.mime in ("multipart/related", "multipart/*")]
    if not multipart or any(r.mime == "*/*" for r in ranges):
        return stored_mime
    for r in multipart:
        if r.transfer_syntax == "*" or (r.transfer_syntax == syntax) or (not r.transfer_syntax and r.type in ("", "*/*", stored_mime)):
            return stored_mime
        if r.type == "application/octet-stream" and syntax in _UNCOMPRESSED and r.transfer_syntax in ("", *_UNCOMPRESSED):
            return stored_mime
    raise DonjonError(ErrorCode.NotAcceptable, f"WADO-RS cannot transcode frames stored as {syntax} to {accept}")


def frames(server: Server, ref: InstanceRef, numbers: list[int], accept: str | None) -> tuple[str, list[bytes]]:
    """The requested frames of one instance, as stored (raw native or compressed fragments).

    Returns:
        The media type of the parts and one byte string per frame.

    Raises:
        DonjonError: ``BadFileFormat`` without pixel data, ``ParameterOutOfRange`` for a frame
            beyond the last, ``NotAcceptable`` for a syntax it cannot give.
    """
    ds = read_dataset(server.read_dicom(ref.public_id))
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "1.2.840.10008.1.2"))
    mime = _frame_accept(accept, syntax)
    if "PixelData" not in ds:
        raise DonjonError(ErrorCode.BadFileFormat, f"instance {ref.sop_uid} has no pixel data")
    count = int(ds.get("NumberOfFrames", 1) or 1)
    for n in numbers:
        if n > count:
            raise DonjonError(ErrorCode.ParameterOutOfRange, f"instance {ref.sop_uid} has {count} frame(s), no frame {n}")
    pixel_data = ds.PixelData
    if syntax in _UNCOMPRESSED or syntax == "1.2.840.10008.1.2.2":
        size = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1)) * int(ds.BitsAllocated)
        if size % 8 and count > 1:
            raise DonjonError(ErrorCode.NotImplemented, "frames of 1-bit multi-frame images are not supported")
        size = (size + 7) // 8
        return mime, [pixel_data[(n - 1) * size : n * size] for n in numbers]
    from pydicom.encaps import generate_frames

    all_frames = list(generate_frames(pixel_data, number_of_frames=count))
    return mime, [all_frames[n - 1] for n in numbers]


def bulk_value(server: Server, ref: InstanceRef, path: str) -> bytes:
    """The value of a binary element given by its tag path (``7fe00010``, ``00880200/1/7fe00010``).

    Raises:
        DonjonError: ``InexistentItem`` (404) when the path leads nowhere.
    """
    ds: Any = read_dataset(server.read_dicom(ref.public_id))
    steps = [s for s in path.strip("/").split("/") if s]
    try:
        for i, step in enumerate(steps):
            if i % 2 == 0:
                elem = ds[int(step, 16)]
                if i == len(steps) - 1:
                    value = elem.value
                    if isinstance(value, (bytes, bytearray)):
                        return bytes(value)
                    if isinstance(value, str):
                        return value.encode()
                    raise DonjonError(ErrorCode.BadRequest, f"tag {step} of {ref.sop_uid} is not bulk data")
                ds = elem.value
            else:
                index = int(step) - 1  # items count from 1 in BulkDataURIs, as Orthanc's
                if index < 0:
                    break
                ds = ds[index]
    except (KeyError, ValueError, IndexError, TypeError):
        pass
    raise DonjonError(ErrorCode.InexistentItem, f"no bulk data {path} in instance {ref.sop_uid}")
