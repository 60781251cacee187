"""A bounded LRU of the decoded frames (and parsed files) of hot instances.

Viewers ask for the same frames again and again (preview, then rendered at several
windows, then the next frame of the same multi-frame file): decoding a JPEG 2000 frame
costs tens of milliseconds, a lookup nothing. Entries are keyed by the attachment's
UUID, which changes whenever the file does, so they never go stale. The total size is
bounded by ``MaximumStorageCacheSize`` (MB), Orthanc's key for its storage cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lru import ByteBoundedLru
from ..stash import StashKey

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["ByteBoundedLru", "ImagingCache", "imaging_cache"]


class ImagingCache:
    """Decoded frames (keyed ``(uuid, frame)``), parsed files (keyed ``uuid``) and
    encoded images (keyed by uuid, frame and everything the answer depends on).

    Args:
        capacity: Bytes for decoded frames; parsed files and encoded images get a
            quarter of it each on top (a multi-frame file parsed once serves every
            frame; a viewer asks the same preview again and again).
    """

    def __init__(self, capacity: int) -> None:
        self.frames: ByteBoundedLru[Any] = ByteBoundedLru(capacity)
        self.sources: ByteBoundedLru[Any] = ByteBoundedLru(max(capacity // 4, 0))
        self.images: ByteBoundedLru[bytes] = ByteBoundedLru(max(capacity // 4, 0))


_KEY = StashKey[ImagingCache]()


def imaging_cache(server: Server) -> ImagingCache:
    """The imaging cache of ``server``, created on first use."""
    found = server.stash.get(_KEY, None)
    if found is None:
        found = server.stash.setdefault(_KEY, ImagingCache(server.config.core.maximum_storage_cache_size * 1024 * 1024))
    return found
