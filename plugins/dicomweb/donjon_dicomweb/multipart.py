"""``multipart/related`` bodies (RFC 2387): parsing STOW-RS uploads, writing WADO-RS answers,
and reading the ``Accept`` and ``Content-Type`` headers that choose them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

import msgspec
from donjon_sdk import DonjonError, ErrorCode

__all__ = ["MediaRange", "Part", "multipart_body", "multipart_content_type", "parse_media_ranges", "parse_multipart", "parse_parameters"]


class MediaRange(msgspec.Struct, frozen=True):
    """One entry of ``Accept``: ``multipart/related`` with its ``type`` and ``transfer-syntax``."""

    mime: str
    params: dict[str, str]

    @property
    def type(self) -> str:
        """The ``type`` parameter (the parts' media type), lower case, "" if absent."""
        return self.params.get("type", "").lower()

    @property
    def transfer_syntax(self) -> str:
        """The ``transfer-syntax`` parameter, "" if absent."""
        return self.params.get("transfer-syntax", "")


class Part(msgspec.Struct, frozen=True):
    """One body part: its headers (lower-case names) and its content."""

    headers: dict[str, str]
    content: bytes


def _split_params(text: str) -> list[str]:
    # Split on ";" outside quotes: type="application/dicom;x" is one parameter.
    out, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out


def parse_parameters(value: str) -> tuple[str, dict[str, str]]:
    """``(mime, params)`` of a media type: names lower case, quotes removed."""
    pieces = _split_params(value)
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        name, sep, val = piece.partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"')
    return pieces[0].strip().lower(), params


def parse_media_ranges(accept: str | None) -> list[MediaRange]:
    """The entries of an ``Accept`` header (empty list for a missing header)."""
    if not accept:
        return []
    out = []
    for entry in _split_commas(accept):
        if entry.strip():
            mime, params = parse_parameters(entry)
            out.append(MediaRange(mime, params))
    return out


def _split_commas(text: str) -> Iterator[str]:
    current, quoted = [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            yield "".join(current)
            current = []
        else:
            current.append(char)
    yield "".join(current)


def multipart_content_type(part_type: str, boundary: str, extra: str = "") -> str:
    """The ``Content-Type`` of a multipart answer whose parts are ``part_type``."""
    return f'multipart/related; type="{part_type}"; boundary={boundary}{extra}'


def new_boundary() -> str:
    """A boundary that no DICOM content will contain by chance."""
    return "donjon-" + uuid.uuid4().hex


def multipart_body(
    parts: Iterable[tuple[str, bytes]], boundary: str, locations: Iterable[str] | None = None, *, close: bool = True
) -> Iterator[bytes]:
    """The chunks of a multipart body (one yield per part, so that answers stream).

    Args:
        parts: ``(content type, content)`` of each part.
        boundary: The boundary (see :func:`new_boundary`).
        locations: ``Content-Location`` of each part, if any.
        close: End with the close delimiter (False: more parts follow).
    """
    delimiter = b"--" + boundary.encode()
    location_iter = iter(locations) if locations is not None else None
    for content_type, content in parts:
        head = delimiter + b"\r\nContent-Type: " + content_type.encode()
        if location_iter is not None:
            head += b"\r\nContent-Location: " + next(location_iter).encode()
        yield head + b"\r\nContent-Length: " + str(len(content)).encode() + b"\r\n\r\n"
        yield content
        yield b"\r\n"
    if close:
        yield delimiter + b"--\r\n"


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a ``multipart/related`` request body.

    Raises:
        DonjonError: ``UnsupportedMediaType`` (415) when the body is not
            ``multipart/related`` with a boundary (as Orthanc answers);
            ``BadRequest`` (400) when the body is not a well-formed multipart
            (no opening delimiter, no closing delimiter, a part without a header end).
    """
    mime, params = parse_parameters(content_type or "")
    boundary = params.get("boundary", "")
    if mime != "multipart/related" or not boundary:
        raise DonjonError(ErrorCode.UnsupportedMediaType, f"STOW-RS expects multipart/related with a boundary, not {content_type!r}")
    delimiter = b"--" + boundary.encode()
    start = body.find(delimiter)
    if start < 0:
        raise DonjonError(ErrorCode.BadRequest, "STOW-RS: the multipart body holds no delimiter of its boundary")
    parts: list[Part] = []
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts  # the close delimiter
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            break
        header_end = body.find(b"\r\n\r\n", line_end)
        next_delimiter = body.find(b"\r\n" + delimiter, line_end)
        if next_delimiter < 0:
            break
        # header_end == line_end: no header at all, the blank line follows the delimiter.
        if header_end < 0 or header_end > next_delimiter:
            raise DonjonError(ErrorCode.BadRequest, f"STOW-RS: part {len(parts) + 1} has no end of headers")
        headers = {}
        for line in body[line_end + 2 : header_end].split(b"\r\n"):
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        parts.append(Part(headers, body[header_end + 4 : next_delimiter]))
        position = next_delimiter + 2 + len(delimiter)
    raise DonjonError(ErrorCode.BadRequest, "STOW-RS: the multipart body ends before its close delimiter")
