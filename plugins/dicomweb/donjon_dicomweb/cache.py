"""The metadata cache: each instance's DICOM JSON, keyed by its file's attachment UUID.

Orthanc's plugin (>= 1.15) keeps the metadata of a series gzipped in an attachment;
Donjon keeps each instance's encoded JSON in a byte-bounded LRU in memory instead,
keyed by the attachment UUID (a new UUID when an instance is overwritten, so an
entry never goes stale) and by the base URL of the BulkDataURIs it holds. A warm
series ``/metadata`` is then one join of cached byte strings.
"""

from __future__ import annotations

from typing import Any

from donjon_sdk import ByteBoundedLru, StashKey

__all__ = ["CACHE_KEY", "MetadataCache"]


class MetadataCache(ByteBoundedLru[Any]):
    """Encoded instance metadata (and small QIDO dicts), bounded by their sizes in bytes."""


#: The cache of one server (tests run several servers in one process).
CACHE_KEY: StashKey[MetadataCache] = StashKey()
