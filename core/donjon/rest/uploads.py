"""Split an upload body into DICOM files: raw, ``multipart/form-data`` or a ZIP archive."""

from __future__ import annotations

import io
import zipfile
from email.parser import BytesParser
from email.policy import HTTP

from ..errors import DonjonError, ErrorCode

__all__ = ["split_upload"]


def split_upload(body: bytes, content_type: str) -> tuple[list[bytes], bool]:
    """The DICOM files of an upload, and whether the body was an archive (a list answer)."""
    if content_type.lower().startswith("multipart/"):
        return _multipart(body, content_type), True
    if body[:4] == b"PK\x03\x04":
        return _zip_members(body), True
    return [body], False


def _zip_members(body: bytes) -> list[bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [archive.read(info) for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot read the ZIP archive: {exc}") from exc


def _multipart(body: bytes, content_type: str) -> list[bytes]:
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise DonjonError(ErrorCode.BadRequest, "malformed multipart body")
    files: list[bytes] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        if payload[:4] == b"PK\x03\x04":
            files.extend(_zip_members(payload))
        else:
            files.append(payload)
    return files
