"""A bounded LRU of the decoded frames (and parsed files) of hot instances.

Viewers ask for the same frames again and again (preview, then rendered at several
windows, then the next frame of the same multi-frame file): decoding a JPEG 2000 frame
costs tens of milliseconds, a lookup nothing. Entries are keyed by the attachment's
UUID, which changes whenever the file does, so they never go stale. The total size is
bounded by ``MaximumStorageCacheSize`` (MB), Orthanc's key for its storage cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..stash import StashKey

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["ByteBoundedLru", "ImagingCache", "imaging_cache"]

T = TypeVar("T")


class ByteBoundedLru(Generic[T]):
    """A thread-safe LRU whose entries each declare their size in bytes.

    Args:
        capacity: The most bytes it holds; an entry larger than that is not kept.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Any, tuple[T, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> T | None:
        """The entry of ``key``, marked as recently used, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Any, value: T, size: int) -> None:
        """Keep ``value``, forgetting the least recently used entries beyond the capacity."""
        if size > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.capacity and self._entries:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self.size -= dropped

    def __len__(self) -> int:
        return len(self._entries)


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
