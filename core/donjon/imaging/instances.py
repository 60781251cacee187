"""The images of stored instances: parsed files and decoded frames, through the cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import compression
from ..enums import FileContentType
from ..errors import DonjonError, ErrorCode
from .cache import imaging_cache
from .decode import ImageSource, open_image

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["decoded_frame", "image_source"]


def image_source(server: Server, public_id: str) -> tuple[str, ImageSource]:
    """The attachment UUID and the parsed file of an instance.

    The file is read from the storage only when its parse is not cached: the index
    lookup gives the attachment's UUID, which names the file's content.

    Raises:
        DonjonError: ``UnknownResource``, ``InexistentFile`` or ``BadFileFormat``.
    """
    info = server.dicom_attachment(public_id)
    cache = imaging_cache(server)
    source = cache.sources.get(info.uuid)
    if source is None:
        data = compression.decompress(server.storage.read(info.uuid, FileContentType.Dicom), info.compression)
        source = open_image(data, server.plugins, public_id)
        cache.sources.put(info.uuid, source, len(data))
    return info.uuid, source


def decoded_frame(server: Server, public_id: str, frame: int) -> tuple[ImageSource, np.ndarray]:
    """One decoded frame of an instance (see :meth:`ImageSource.decode`), cached.

    Raises:
        DonjonError: ``UnknownResource``, ``InexistentItem`` (frame out of range) or
            ``UnsupportedMediaType`` (no decoder, broken pixel data).
    """
    uuid, source = image_source(server, public_id)
    cache = imaging_cache(server)
    key = (uuid, frame)
    found = cache.frames.get(key)
    if found is not None:
        return source, found
    arr = source.decode(frame)
    arr.setflags(write=False)  # shared through the cache: nobody may change it
    cache.frames.put(key, arr, arr.nbytes)
    return source, arr


def parse_frame(text: str) -> int:
    """A frame number from a path: digits only (Orthanc answers 404 to anything else).

    Raises:
        DonjonError: ``InexistentItem``.
    """
    if not text.isdigit():
        raise DonjonError(ErrorCode.InexistentItem, f"not a frame number: {text}")
    return int(text)
