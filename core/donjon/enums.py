"""Closed sets of Orthanc's vocabulary, with Orthanc's numbers."""

from __future__ import annotations

import enum

__all__ = ["ChangeType", "FileContentType", "MetadataType", "OriginKind", "ResourceLevel", "StoreStatus"]


class ResourceLevel(enum.IntEnum):
    """The four levels of the DICOM model (Orthanc's ``ResourceType``)."""

    PATIENT = 1
    STUDY = 2
    SERIES = 3
    INSTANCE = 4

    @property
    def title(self) -> str:
        """``Patient``, ``Study``, ``Series`` or ``Instance``: Orthanc's ``Type`` field."""
        return self.name.capitalize()

    @property
    def plural(self) -> str:
        """The REST collection: ``patients``, ``studies``, ``series``, ``instances``."""
        return _PLURALS[self]

    @property
    def parent(self) -> ResourceLevel | None:
        return None if self is ResourceLevel.PATIENT else ResourceLevel(self - 1)

    @property
    def child(self) -> ResourceLevel | None:
        return None if self is ResourceLevel.INSTANCE else ResourceLevel(self + 1)

    @classmethod
    def parse(cls, text: str) -> ResourceLevel:
        """Read a level as Orthanc does (``Study``, ``studies``, ``STUDY``...).

        Raises:
            ValueError: the text names no level.
        """
        key = text.strip().lower()
        for level in cls:
            if key in (level.name.lower(), level.plural):
                return level
        raise ValueError(f"unknown resource level: {text!r}")


_PLURALS = {
    ResourceLevel.PATIENT: "patients",
    ResourceLevel.STUDY: "studies",
    ResourceLevel.SERIES: "series",
    ResourceLevel.INSTANCE: "instances",
}


class ChangeType(enum.IntEnum):
    """Orthanc's change types, as logged in ``/changes``."""

    CompletedSeries = 1
    Deleted = 2
    NewChildInstance = 3
    NewInstance = 4
    NewPatient = 5
    NewSeries = 6
    NewStudy = 7
    AnonymizedStudy = 8
    AnonymizedSeries = 9
    ModifiedStudy = 10
    ModifiedSeries = 11
    AnonymizedPatient = 12
    ModifiedPatient = 13
    StablePatient = 14
    StableStudy = 15
    StableSeries = 16
    UpdatedAttachment = 17
    UpdatedMetadata = 18
    JobSubmitted = 4096
    JobSuccess = 4097
    JobFailure = 4098


class MetadataType(enum.IntEnum):
    """Orthanc's built-in metadata; user metadata live in 1024–65535."""

    IndexInSeries = 1
    ReceptionDate = 2
    RemoteAET = 3
    ExpectedNumberOfInstances = 4
    ModifiedFrom = 5
    AnonymizedFrom = 6
    LastUpdate = 7
    Origin = 8
    TransferSyntax = 9
    SopClassUid = 10
    RemoteIP = 11
    CalledAET = 12
    HttpUsername = 13
    PixelDataOffset = 14
    MainDicomTagsSignature = 15
    MainDicomSequences = 16
    PixelDataVR = 17


class FileContentType(enum.IntEnum):
    """Attachment types; user attachments live in 1024–65535."""

    Dicom = 1
    DicomAsJson = 2
    DicomUntilPixelData = 3


class OriginKind(enum.Enum):
    """Where an instance came from (Orthanc's ``RequestOrigin``)."""

    Unknown = "Unknown"
    DicomProtocol = "DicomProtocol"
    RestApi = "RestApi"
    Plugins = "Plugins"
    Lua = "Lua"
    WebDav = "WebDav"


class StoreStatus(enum.Enum):
    """The ``Status`` of ``POST /instances``."""

    Success = "Success"
    AlreadyStored = "AlreadyStored"
    FilteredOut = "FilteredOut"
    Failure = "Failure"
