"""``/system``, ``/statistics``, ``/plugins``: what this server is and holds."""

from __future__ import annotations

from typing import Any

from litestar import get

from .. import ORTHANC_API_VERSION, ORTHANC_VERSION, __version__
from ..dicom.main_tags import MAIN_TAGS, format_tag
from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from .deps import FromPath, ServerDep

__all__ = ["ROUTES"]


def _main_tags_signature(level: ResourceLevel) -> str:
    from pydicom.datadict import tag_for_keyword

    return ";".join(sorted({format_tag(tag_for_keyword(k)) for k in MAIN_TAGS[level]}))


@get("/system", sync_to_thread=True)
def system(server: ServerDep) -> dict[str, Any]:
    """Orthanc's ``/system``; ``Version``/``ApiVersion`` give the Orthanc API level implemented."""
    cfg = server.config.core
    with server.index.read() as tx:
        identifier = tx.get_property("DatabaseServerIdentifier") or ""
    plugins = server.plugins.external
    backend = type(server.index).__module__
    storage = type(server.storage).__module__
    return {
        "ApiVersion": ORTHANC_API_VERSION,
        "Capabilities": {"HasExtendedChanges": False, "HasExtendedFind": False},
        "CheckRevisions": cfg.check_revisions,
        "DatabaseBackendPlugin": None if backend.startswith("donjon.") else backend,
        "DatabaseServerIdentifier": identifier,
        "DatabaseVersion": 6,
        "DicomAet": cfg.dicom_aet,
        "DicomPort": server.dicom_port or cfg.dicom_port,
        "DonjonVersion": __version__,
        "HasLabels": True,
        "HttpPort": server.http_port or cfg.http_port,
        "IngestTranscoding": cfg.ingest_transcoding,
        "IsHttpServerSecure": cfg.ssl_enabled or cfg.authentication_required,
        "MainDicomTags": {level.title: _main_tags_signature(level) for level in ResourceLevel},
        "MaximumPatientCount": cfg.maximum_patient_count,
        "MaximumStorageMode": cfg.maximum_storage_mode,
        "MaximumStorageSize": cfg.maximum_storage_size,
        "Name": cfg.name,
        "OverwriteInstances": cfg.overwrite_instances,
        "PatientLevelEnabled": True,
        "PluginsEnabled": bool(plugins),
        "ReadOnly": False,
        "StorageAreaPlugin": None if storage.startswith("donjon.") else storage,
        "StorageCompression": cfg.storage_compression,
        "UserMetadata": dict(cfg.user_metadata),
        "Version": ORTHANC_VERSION,
    }


@get("/statistics", sync_to_thread=True)
def statistics(server: ServerDep) -> dict[str, Any]:
    with server.index.read() as tx:
        compressed, uncompressed = tx.total_size()
        counts = {level: tx.count(level) for level in ResourceLevel}
    return {
        "CountInstances": counts[ResourceLevel.INSTANCE],
        "CountPatients": counts[ResourceLevel.PATIENT],
        "CountSeries": counts[ResourceLevel.SERIES],
        "CountStudies": counts[ResourceLevel.STUDY],
        "TotalDiskSize": str(compressed),
        "TotalDiskSizeMB": compressed // (1024 * 1024),
        "TotalUncompressedSize": str(uncompressed),
        "TotalUncompressedSizeMB": uncompressed // (1024 * 1024),
    }


@get("/plugins", sync_to_thread=False)
def list_plugins(server: ServerDep) -> list[str]:
    return sorted(server.plugins.external)


@get("/plugins/{plugin_id:str}", sync_to_thread=False)
def get_plugin(server: ServerDep, plugin_id: FromPath[str]) -> dict[str, Any]:
    plugin = server.plugins.external.get(plugin_id)
    if plugin is None:
        raise DonjonError(ErrorCode.UnknownResource, f"no plugin {plugin_id!r}")
    answer = {
        "Description": plugin.description,
        "ExtendsOrthancExplorer": bool(plugin.info.explorer_js),
        "ID": plugin.id,
        "Version": plugin.version,
    }
    if plugin.info.root_uri:  # Orthanc adds the key only for plugins that set a root URI
        answer["RootUri"] = plugin.info.root_uri
    return answer


ROUTES = [system, statistics, list_plugins, get_plugin]
