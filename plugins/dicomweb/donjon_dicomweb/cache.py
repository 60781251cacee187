"""The metadata cache: each instance's DICOM JSON, keyed by its file's attachment UUID.

Orthanc's plugin (>= 1.15) keeps the metadata of a series gzipped in an attachment;
Donjon keeps each instance's encoded JSON in a byte-bounded LRU in memory instead,
keyed by the attachment UUID (a new UUID when an instance is overwritten, so an
entry never goes stale) and by the base URL of the BulkDataURIs it holds. A warm
series ``/metadata`` is then one join of cached byte strings.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from donjon_sdk import StashKey

__all__ = ["CACHE_KEY", "MetadataCache"]


class MetadataCache:
    """A thread-safe LRU of byte strings (and of small dicts for QIDO) bounded by size.

    Args:
        capacity: The most bytes kept (the sizes of the encoded entries).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """The value kept for ``key`` (marked recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Any, value: Any, size: int) -> None:
        """Keep ``value``, dropping the least recently used entries beyond the capacity."""
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


#: The cache of one server (tests run several servers in one process).
CACHE_KEY: StashKey[MetadataCache] = StashKey()
