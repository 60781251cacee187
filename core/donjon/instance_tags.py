"""The DICOM tags of stored instances, parsed from their files, with a small LRU cache.

Every route that shows the tags of a file (``/instances/{id}/tags``, ``/header``,
``shared-tags``, ``module``, ``instances-tags``, ``requestedTags`` outside the main
tags) goes through :func:`instance_tags`. The cache is keyed by the attachment's UUID,
which changes whenever the file does (a re-stored or modified instance gets a new
attachment), so entries never go stale; it holds the converted JSON, not pydicom
datasets, because the conversion costs more than the parse (see PERFORMANCE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from . import compression
from .dicom.json_tags import JsonFormat, TagOptions, dataset_to_json, format_full_json, meta_to_json, read_raw
from .enums import FileContentType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .lru import ByteBoundedLru
from .stash import StashKey

if TYPE_CHECKING:
    from .index import FileInfo
    from .server import Server

__all__ = ["CachedTags", "TagsCache", "attachment_tags", "child_instances", "format_tags", "instance_file", "instance_tags"]

#: How many instances keep their converted tags in memory (a few hundred KB at most each).
CACHE_SIZE = 128


class CachedTags(msgspec.Struct, frozen=True):
    """The converted tags of one file: ``full`` dataset JSON and file meta header JSON."""

    tags: dict[str, Any]
    header: dict[str, Any]


class TagsCache(ByteBoundedLru[CachedTags]):
    """The converted tags of hot instances, keyed by attachment UUID, ``size`` entries at most."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        super().__init__(size)

    def put(self, key: Any, value: CachedTags, size: int = 1) -> None:
        super().put(key, value, size)


_CACHE = StashKey[TagsCache]()


def _cache(server: Server) -> TagsCache:
    return server.stash.setdefault(_CACHE, TagsCache())


def instance_file(server: Server, public_id: str) -> tuple[FileInfo, bytes]:
    """The DICOM attachment record and uncompressed bytes of an instance.

    Raises:
        DonjonError: ``UnknownResource`` when there is no such instance,
            ``InexistentFile`` when it has no DICOM file (``StoreDicom: false``).
    """
    info = server.dicom_attachment(public_id)
    return info, compression.decompress(server.storage.read(info.uuid, FileContentType.Dicom), info.compression)


def _convert(server: Server, data: bytes, ignore_length: frozenset[int]) -> CachedTags:
    options = TagOptions(ignore_length=ignore_length, default_encoding=server.config.core.default_encoding)
    ds = read_raw(data)
    try:
        return CachedTags(tags=dataset_to_json(ds, JsonFormat.FULL, options), header=meta_to_json(ds))
    except DonjonError:
        raise
    except Exception as exc:  # a file pydicom stored but cannot walk: answer, don't crash
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot read the tags of the DICOM file: {type(exc).__name__}: {exc}") from exc


def instance_tags(server: Server, public_id: str, ignore_length: frozenset[int] = frozenset()) -> CachedTags:
    """The tags of an instance in Orthanc's ``full`` format (``/instances/{id}/tags``).

    The answer is shared with the cache: format it (:func:`format_tags`), don't modify it.

    Raises:
        DonjonError: ``UnknownResource``, ``InexistentFile`` or ``BadFileFormat``.
    """
    info = server.dicom_attachment(public_id)
    return attachment_tags(server, info, ignore_length)


def attachment_tags(server: Server, info: FileInfo, ignore_length: frozenset[int] = frozenset()) -> CachedTags:
    """The tags of a DICOM attachment, through the cache; touches storage only, never the index."""
    cache = _cache(server)
    if not ignore_length:
        found = cache.get(info.uuid)
        if found is not None:
            return found
    data = compression.decompress(server.storage.read(info.uuid, FileContentType.Dicom), info.compression)
    entry = _convert(server, data, ignore_length)
    if not ignore_length:
        cache.put(info.uuid, entry)
    return entry


def child_instances(server: Server, public_id: str) -> list[str]:
    """The instances below a resource of any level, in Orthanc's order.

    Orthanc's ``GetChildInstances`` walks the tree with a stack, so the last child
    comes first; ``/{level}/{id}/module`` shows the first instance of that order.

    Raises:
        DonjonError: ``UnknownResource`` when no resource has this ID.
    """
    with server.index.read() as tx:
        resource = tx.lookup(public_id)
        if resource is None:
            raise DonjonError(ErrorCode.UnknownResource, f"no resource {public_id}")
        found: list[str] = []
        stack = [resource]
        while stack:
            current = stack.pop()
            if current.level is ResourceLevel.INSTANCE:
                found.append(current.public_id)
            else:
                stack.extend(tx.children(current.internal_id))
    return found


def format_tags(full: dict[str, Any], fmt: JsonFormat) -> dict[str, Any]:
    """``full`` JSON in the requested format (a new object unless ``fmt`` is ``FULL``)."""
    return format_full_json(full, fmt)
