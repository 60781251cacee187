"""Write ZIP archives member by member, to a file or as a stream of chunks.

``zipfile`` writes to an object without ``tell``/``seek`` by putting each member's sizes
in a data descriptor after its data, so an archive can leave the server while it is
being built and never sits in memory whole; ZIP64 records are added by ``zipfile`` as
soon as sizes or offsets need them (archives over 4 GiB or 65,535 members).
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from typing import IO

__all__ = ["COMPRESS_LEVEL", "ChunkSink", "ZipWriter"]

#: zlib level 1: DICOM pixel data compresses little better at 6 and costs ~3× the CPU,
#: and on a 2-core machine the deflate time is the archive's throughput.
COMPRESS_LEVEL = 1


class ChunkSink:
    """A write-only file object that keeps what was written until :meth:`drain`."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        if data:
            self._chunks.append(bytes(data))
            self.written += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        """The bytes written since the last call, as one chunk (nothing if none)."""
        if self._chunks:
            chunk = b"".join(self._chunks)
            self._chunks.clear()
            yield chunk


class ZipWriter:
    """A ZIP archive being written (deflate, MS-DOS attributes like Orthanc's).

    Args:
        target: A binary file, or a :class:`ChunkSink` for streaming.
    """

    def __init__(self, target: IO[bytes] | ChunkSink) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL, allowZip64=True)  # type: ignore[arg-type]

    def add(self, name: str, data: bytes) -> None:
        """Add one member."""
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 0  # MS-DOS, as Orthanc: unzip gives default permissions
        info.external_attr = 0
        self._zip.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)

    def close(self) -> None:
        """Write the central directory."""
        self._zip.close()
