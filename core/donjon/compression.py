"""Attachment compression, byte-compatible with Orthanc's ``ZlibCompressor``.

Orthanc prefixes the zlib stream with the uncompressed size as a little-endian
64-bit integer (``CompressionType_ZlibWithSize`` = 2), so a compressed Orthanc
storage folder reads back here unchanged.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from .errors import DonjonError, ErrorCode

__all__ = ["NONE", "ZLIB", "compress", "decompress", "md5"]

NONE = 1
ZLIB = 2


def compress(data: bytes, level: int = 6) -> bytes:
    return struct.pack("<Q", len(data)) + zlib.compress(data, level)


def decompress(data: bytes, compression: int) -> bytes:
    """Undo :func:`compress` (or return ``data`` when it was stored as is).

    Raises:
        DonjonError: ``CorruptedFile`` when the stream does not decompress to its announced size.
    """
    if compression == NONE:
        return data
    if compression != ZLIB:
        raise DonjonError(ErrorCode.NotImplemented, f"unknown compression type {compression}")
    if len(data) < 8:
        raise DonjonError(ErrorCode.CorruptedFile, "compressed attachment shorter than its size prefix")
    (size,) = struct.unpack("<Q", data[:8])
    try:
        out = zlib.decompress(data[8:]) if size else b""
    except zlib.error as exc:
        raise DonjonError(ErrorCode.CorruptedFile, f"cannot decompress attachment: {exc}") from exc
    if len(out) != size:
        raise DonjonError(ErrorCode.CorruptedFile, f"decompressed {len(out)} bytes, expected {size}")
    return out


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
