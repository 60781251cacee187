"""The main DICOM tags kept in the index, per level (Book, ``faq/main-dicom-tags.rst``).

Study-level resources also index the patient tags so that study-level lookups
need no join, as Orthanc 1.12 does; the REST answers show them under
``PatientMainDicomTags`` only.
"""

from __future__ import annotations

from pydicom.datadict import keyword_for_tag, tag_for_keyword

from ..enums import ResourceLevel

__all__ = ["IDENTIFIER_TAGS", "MAIN_TAGS", "format_tag", "main_tag_keywords", "parse_tag"]

PATIENT_TAGS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "OtherPatientIDs")

STUDY_TAGS = (
    "StudyDate",
    "StudyTime",
    "StudyID",
    "StudyDescription",
    "AccessionNumber",
    "StudyInstanceUID",
    "RequestedProcedureDescription",
    "InstitutionName",
    "RequestingPhysician",
    "ReferringPhysicianName",
    "TimezoneOffsetFromUTC",
)

SERIES_TAGS = (
    "SeriesDate",
    "SeriesTime",
    "Modality",
    "Manufacturer",
    "StationName",
    "SeriesDescription",
    "BodyPartExamined",
    "SequenceName",
    "ProtocolName",
    "SeriesNumber",
    "CardiacNumberOfImages",
    "ImagesInAcquisition",
    "NumberOfTemporalPositions",
    "NumberOfSlices",
    "NumberOfTimeSlices",
    "SeriesInstanceUID",
    "ImageOrientationPatient",
    "SeriesType",
    "OperatorsName",
    "PerformedProcedureStepDescription",
    "AcquisitionDeviceProcessingDescription",
    "ContrastBolusAgent",
    "TimezoneOffsetFromUTC",
    "PerformedProcedureStepStartDate",
    "PerformedProcedureStepStartTime",
)

INSTANCE_TAGS = (
    "InstanceCreationDate",
    "InstanceCreationTime",
    "AcquisitionNumber",
    "ImageIndex",
    "InstanceNumber",
    "NumberOfFrames",
    "TemporalPositionIdentifier",
    "SOPInstanceUID",
    "ImagePositionPatient",
    "ImageComments",
    "ImageOrientationPatient",
)

#: Main tags stored for each level (keywords).
MAIN_TAGS: dict[ResourceLevel, tuple[str, ...]] = {
    ResourceLevel.PATIENT: PATIENT_TAGS,
    ResourceLevel.STUDY: STUDY_TAGS,
    ResourceLevel.SERIES: SERIES_TAGS,
    ResourceLevel.INSTANCE: INSTANCE_TAGS,
}

#: The DICOM identifier of each level; Orthanc matches these case-insensitively.
IDENTIFIER_TAGS: dict[ResourceLevel, str] = {
    ResourceLevel.PATIENT: "PatientID",
    ResourceLevel.STUDY: "StudyInstanceUID",
    ResourceLevel.SERIES: "SeriesInstanceUID",
    ResourceLevel.INSTANCE: "SOPInstanceUID",
}


def main_tag_keywords(level: ResourceLevel) -> tuple[str, ...]:
    """Keywords indexed at ``level``."""
    return MAIN_TAGS[level]


def format_tag(tag: int) -> str:
    """``0x00100010`` → ``"0010,0010"`` (Orthanc's spelling, lower-case hex)."""
    return f"{tag >> 16:04x},{tag & 0xFFFF:04x}"


def parse_tag(text: str) -> int:
    """Read a tag as Orthanc accepts it: ``0010,0010``, ``00100010`` or a keyword.

    Raises:
        ValueError: neither a tag nor a known keyword.
    """
    t = text.strip()
    if len(t) == 9 and t[4] == ",":
        return int(t[:4], 16) << 16 | int(t[5:], 16)
    if len(t) == 8 and all(c in "0123456789abcdefABCDEF" for c in t):
        return int(t, 16)
    tag = tag_for_keyword(t)
    if tag is None:
        raise ValueError(f"unknown DICOM tag: {text!r}")
    return tag


def keyword(tag: int) -> str:
    """The dictionary keyword of ``tag``, or ``Unknown Tag & Data`` as Orthanc names private ones."""
    return keyword_for_tag(tag) or "Unknown Tag & Data"
