"""Rows of the index, as the back-ends return them."""

from __future__ import annotations

import msgspec

from ..enums import ChangeType, ResourceLevel

__all__ = ["ChangeRow", "DeleteResult", "ExportRow", "FileInfo", "Resource", "ResourceStatistics"]


class Resource(msgspec.Struct, frozen=True):
    """A patient, study, series or instance: its internal and public IDs."""

    internal_id: int
    level: ResourceLevel
    public_id: str
    parent_id: int | None


class FileInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An attachment's record (Orthanc's ``FileInfo``)."""

    uuid: str
    content_type: int
    uncompressed_size: int
    uncompressed_md5: str = ""
    compression: int = 1  # Orthanc CompressionType: 1 = none, 2 = zlib with an 8-byte size prefix
    compressed_size: int = 0
    compressed_md5: str = ""
    revision: int = 0


class ChangeRow(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of ``/changes``."""

    seq: int
    change_type: ChangeType
    level: ResourceLevel
    public_id: str
    date: str


class ExportRow(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of ``/exports``."""

    seq: int
    level: ResourceLevel
    public_id: str
    remote_modality: str
    patient_id: str
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    date: str


class DeleteResult(msgspec.Struct, kw_only=True):
    """What a cascading delete removed, for the storage clean-up and the answer."""

    deleted: list[Resource]
    attachments: list[FileInfo]
    remaining_ancestor: Resource | None


class ResourceStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """Counts and sizes of a resource and everything below it (``/{level}/{id}/statistics``).

    Sizes sum every attachment (DICOM and user attachments) of the resource and its
    descendants; ``dicom_*`` only the DICOM files, as Orthanc reports them.
    """

    count_studies: int = 0
    count_series: int = 0
    count_instances: int = 0
    disk_size: int = 0
    uncompressed_size: int = 0
    dicom_disk_size: int = 0
    dicom_uncompressed_size: int = 0
