"""A thread-safe LRU bounded by the sizes its entries declare (bytes, or 1 per entry).

The caches of hot data — decoded frames, parsed tags, DICOMweb metadata — all keep
entries keyed by attachment UUID, which changes whenever the file does, so they never
go stale; only their bound differs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Generic, TypeVar

__all__ = ["ByteBoundedLru"]

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
