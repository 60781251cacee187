"""The metadata Orthanc records when it stores an instance, computed the same way.

Checked against Debian's Orthanc 1.10.1 (``tests/core/test_ingest_metadata.py``):
``ReceptionDate``, ``RemoteAET``, ``Origin``, ``TransferSyntax``, ``SopClassUid`` on
every instance; ``RemoteIP`` and ``HttpUsername`` (even empty) for REST uploads;
``RemoteIP`` and ``CalledAET`` for C-STORE; ``IndexInSeries`` from InstanceNumber
or ImageIndex; ``PixelDataOffset`` when the file has pixel data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .enums import MetadataType, OriginKind

if TYPE_CHECKING:
    from .dicom.header import ParsedInstance
    from .types import Origin

__all__ = ["expected_instances", "instance_metadata"]


def instance_metadata(instance: ParsedInstance, origin: Origin, now: str) -> dict[int, str]:
    """The metadata of a newly stored instance (type number → value)."""
    metadata: dict[int, str] = {
        MetadataType.ReceptionDate: now,
        MetadataType.RemoteAET: origin.remote_aet,
        MetadataType.Origin: origin.kind.value,
        MetadataType.TransferSyntax: instance.transfer_syntax,
        MetadataType.SopClassUid: instance.sop_class_uid,
    }
    # Orthanc's RequestOrigin only knows an IP for HTTP and DICOM peers, a called AET
    # for DICOM and a user name (possibly empty) for HTTP.
    if origin.kind in (OriginKind.RestApi, OriginKind.DicomProtocol, OriginKind.WebDav):
        metadata[MetadataType.RemoteIP] = origin.remote_ip
    if origin.kind is OriginKind.DicomProtocol:
        metadata[MetadataType.CalledAET] = origin.called_aet
    if origin.kind in (OriginKind.RestApi, OriginKind.WebDav):
        metadata[MetadataType.HttpUsername] = origin.username
    if instance.index_in_series is not None:
        metadata[MetadataType.IndexInSeries] = instance.index_in_series
    if instance.pixel_data_offset is not None:
        metadata[MetadataType.PixelDataOffset] = str(instance.pixel_data_offset)
    return metadata


def series_status(index_values: list[str], expected: int | None) -> str:
    """Orthanc's ``GetSeriesStatus`` from the children's ``IndexInSeries`` values.

    ``Unknown`` without an expected count or with a non-integer index; ``Inconsistent``
    for an index outside 1..expected or seen twice; ``Complete`` when every index is
    there, ``Missing`` otherwise.
    """
    if not expected:
        return "Unknown"
    seen: set[int] = set()
    for text in index_values:
        try:
            index = int(text)
        except ValueError:
            return "Unknown"
        if not 0 < index <= expected or index in seen:
            return "Inconsistent"
        seen.add(index)
    return "Complete" if len(seen) == expected else "Missing"


def expected_instances(series_tags: dict[str, str]) -> int | None:
    """Orthanc's ``ComputeExpectedNumberOfInstances`` from the series main tags.

    ImagesInAcquisition × NumberOfTemporalPositions, else NumberOfSlices ×
    NumberOfTimeSlices (cardiac PET), else CardiacNumberOfImages; None when none
    applies, a value is not an integer, or the product is not positive.
    """
    pairs = (
        ("ImagesInAcquisition", "NumberOfTemporalPositions"),
        ("NumberOfSlices", "NumberOfTimeSlices"),
    )
    try:
        for first, second in pairs:
            if first in series_tags and second in series_tags:
                count = int(series_tags[first]) * int(series_tags[second])
                return count if count > 0 else None
        if "CardiacNumberOfImages" in series_tags:
            count = int(series_tags["CardiacNumberOfImages"])
            return count if count > 0 else None
    except ValueError:
        return None
    return None
