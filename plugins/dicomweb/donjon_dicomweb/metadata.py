"""DICOM JSON of stored instances: QIDO attributes and WADO-RS ``/metadata``, cached.

Both are built from the stored file (pixel data left unread), converted once and
kept in the :class:`~.cache.MetadataCache` when ``EnableMetadataCache`` is on.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import msgspec
from donjon_sdk import read_dataset

from .cache import CACHE_KEY, MetadataCache
from .config import DicomWebConfig
from .dicomjson import dataset_to_dicomweb
from .rawfile import file_to_dicomweb

if TYPE_CHECKING:
    from donjon_sdk import Server

    from .lookup import InstanceRef

__all__ = ["instance_metadata", "instance_path", "instance_tags", "metadata_answer", "warm_series"]

_ENCODER = msgspec.json.Encoder()
#: 256 MB of encoded JSON: some 50,000 CT instances of ~5 KB.
_CAPACITY = 256 * 1024 * 1024
#: Stands for the absolute root in cached JSON, replaced per answer: the same cache entry
#: serves every Host a request may name, and a series can be cached before any request.
#: Random per process, so that no DICOM value can hold it.
_BASE_TOKEN = f"donjon-dicomweb-base-{uuid.uuid4().hex}"
_BASE_TOKEN_BYTES = _BASE_TOKEN.encode()


def _cache(server: Server) -> MetadataCache | None:
    if not server.config.section(DicomWebConfig).enable_metadata_cache:
        return None
    return server.stash.setdefault(CACHE_KEY, MetadataCache(_CAPACITY))


def instance_path(ref: InstanceRef) -> str:
    """``studies/{uid}/series/{uid}/instances/{uid}``, relative to the root."""
    return f"studies/{ref.study_uid}/series/{ref.series_uid}/instances/{ref.sop_uid}"


def instance_tags(server: Server, ref: InstanceRef) -> dict[str, Any]:
    """The instance's attributes as DICOM JSON without binary values (what QIDO answers pick from)."""
    cache = _cache(server)
    key = ("tags", ref.file_uuid or ref.public_id)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
    data = server.read_dicom(ref.public_id)
    tags = file_to_dicomweb(data, None)
    if tags is None:
        tags = dataset_to_dicomweb(read_dataset(data, stop_before_pixels=True), None)
    if cache is not None:
        cache.put(key, tags, 64 * len(tags) + 256)  # rough: dicts are not measured cheaply
    return tags


def instance_metadata(server: Server, ref: InstanceRef) -> bytes:
    """The encoded DICOM JSON object of one instance, its BulkDataURIs under a placeholder root.

    :func:`metadata_answer` puts the request's root in place of the placeholder.
    """
    cache = _cache(server)
    key = ("meta", ref.file_uuid or ref.public_id)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
    prefix = f"{_BASE_TOKEN}/{instance_path(ref)}/bulk/"

    def bulk(path: str) -> str:
        return prefix + path

    data = server.read_dicom(ref.public_id)
    as_json = file_to_dicomweb(data, bulk)
    if as_json is None:
        # Pixel data is read too: its presence (and its VR) is part of the metadata.
        as_json = dataset_to_dicomweb(read_dataset(data), bulk)
    encoded = _ENCODER.encode(as_json)
    if cache is not None:
        cache.put(key, encoded, len(encoded))
    return encoded


def metadata_answer(server: Server, refs: list[InstanceRef], base: str) -> bytes:
    """The JSON array answering a ``/metadata`` request.

    Args:
        server: The server.
        refs: The instances.
        base: The absolute root URL (``http://host:port/dicom-web``, no trailing slash).
    """
    body = b"[" + b",".join(instance_metadata(server, ref) for ref in refs) + b"]"
    return body.replace(_BASE_TOKEN_BYTES, base.encode())


def warm_series(server: Server, series_id: str) -> None:
    """Fill the cache with every instance of a series (called when the series is stable).

    Orthanc's plugin (>= 1.15) computes its metadata cache of a series at the same
    moment, so that the first viewer opening it gets a warm answer.
    """
    from donjon_sdk import ResourceLevel

    from .lookup import instances_of

    if _cache(server) is None:
        return
    for ref in instances_of(server, ResourceLevel.SERIES, series_id):
        instance_metadata(server, ref)
