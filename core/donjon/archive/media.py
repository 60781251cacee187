"""The DICOMDIR of a media archive, built with pydicom's ``FileSet``.

Orthanc's media ZIP holds ``IMAGES/IM0``, ``IMAGES/IM1``... then ``DICOMDIR`` (File-set
ID ``ORTHANC_MEDIA``), with PATIENT/STUDY/SERIES/IMAGE records whatever the SOP class.
pydicom's ``FileSet`` lays files out as ``PT000000/ST000000/...``; the record nodes
below name their File ID component themselves so that the DICOMDIR references
Orthanc's names. ``FileSet.write`` needs the instances on disk: it gets small stubs
(SOP class, SOP instance, transfer syntax), the real files go straight into the ZIP.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.datadict import dictionary_VR
from pydicom.fileset import FileSet, RecordNode

__all__ = ["DicomdirBuilder", "media_file_id"]

FILE_SET_ID = "ORTHANC_MEDIA"

# (keyword, type): type 1 values are always written, type 2 written empty when absent,
# type 3 only when present — the records Orthanc 1.10.1 writes (checked with dcmdump).
_PATIENT = [("PatientName", 2), ("PatientID", 1)]
_STUDY = [("StudyDate", 2), ("StudyTime", 2), ("AccessionNumber", 2), ("StudyDescription", 2), ("StudyInstanceUID", 1), ("StudyID", 3)]
_SERIES = [("Modality", 1), ("SeriesInstanceUID", 1), ("SeriesNumber", 1)]
_IMAGE = [("InstanceNumber", 2)]
# "Extended" DICOMDIR (Orthanc's ?extended / create-media-extended): more descriptive tags.
_PATIENT_EXTENDED = [("PatientBirthDate", 3), ("PatientSex", 3)]
_STUDY_EXTENDED = [("ReferringPhysicianName", 3)]
_SERIES_EXTENDED = [("SeriesDescription", 3), ("SeriesDate", 3), ("SeriesTime", 3), ("BodyPartExamined", 3)]
_IMAGE_EXTENDED = [("ImageType", 3), ("AcquisitionDate", 3), ("AcquisitionTime", 3), ("ContentDate", 3), ("ContentTime", 3), ("NumberOfFrames", 3)]


def media_file_id(index: int) -> str:
    """The path of the ``index``-th instance in a media archive (``IMAGES/IM0``)."""
    return f"IMAGES/IM{index}"


class _NamedNode(RecordNode):
    """A record node whose File ID component is given (empty above the IMAGE level)."""

    def __init__(self, record: Dataset, component: str = "") -> None:
        super().__init__(record)
        self._component = component

    @property
    def component(self) -> str:  # type: ignore[override]
        return self._component


class DicomdirBuilder:
    """Collects one record branch per instance, then writes the DICOMDIR.

    Args:
        extended: Add the descriptive tags of an "extended" DICOMDIR.
    """

    def __init__(self, extended: bool = False) -> None:
        self.extended = extended
        self._fs = FileSet()
        self._fs.ID = FILE_SET_ID
        self.count = 0

    def add(self, header: Dataset, file_id: str) -> None:
        """Add the records of one instance whose file is stored at ``file_id`` in the media.

        Args:
            header: The instance's dataset (pixel data not needed), with its file meta.
            file_id: ``IMAGES/IM0``-style path.
        """
        ext = self.extended
        patient = _record("PATIENT", header, _PATIENT + (_PATIENT_EXTENDED if ext else []))
        study = _record("STUDY", header, _STUDY + (_STUDY_EXTENDED if ext else []))
        series = _record("SERIES", header, _SERIES + (_SERIES_EXTENDED if ext else []))
        image = _record("IMAGE", header, _IMAGE + (_IMAGE_EXTENDED if ext else []))
        sop_instance = str(header.get("SOPInstanceUID", ""))
        image.ReferencedSOPInstanceUIDInFile = sop_instance
        nodes = [_NamedNode(patient), _NamedNode(study), _NamedNode(series), _NamedNode(image, file_id)]
        for parent, child in zip(nodes, nodes[1:]):
            child.parent = parent
        stub = Dataset()
        stub.SOPClassUID = header.get("SOPClassUID", "")
        stub.SOPInstanceUID = sop_instance
        stub.file_meta = FileMetaDataset()
        stub.file_meta.MediaStorageSOPClassUID = stub.SOPClassUID
        stub.file_meta.MediaStorageSOPInstanceUID = sop_instance
        stub.file_meta.TransferSyntaxUID = _transfer_syntax(header)
        # FileSet keeps one record per SOP Instance UID: a second instance with the same
        # UID (another patient, say) is in the ZIP but not referenced twice.
        self._fs.add_custom(stub, nodes[-1])
        self.count += 1

    def build(self) -> bytes:
        """The encoded DICOMDIR file (``FileSet.write`` in a temporary folder)."""
        with tempfile.TemporaryDirectory(prefix="donjon-dicomdir-") as folder:
            if len(self._fs) == 0:
                # An empty file-set is not "staged" and FileSet.write writes nothing.
                _empty_dicomdir(self._fs.UID).save_as(Path(folder) / "DICOMDIR", enforce_file_format=True)
            else:
                self._fs.write(folder)
            return (Path(folder) / "DICOMDIR").read_bytes()


def _empty_dicomdir(uid: str) -> Dataset:
    from pydicom.uid import ExplicitVRLittleEndian, MediaStorageDirectoryStorage

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = MediaStorageDirectoryStorage
    ds.file_meta.MediaStorageSOPInstanceUID = uid
    ds.FileSetID = FILE_SET_ID
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    ds.DirectoryRecordSequence = []
    return ds


def _record(record_type: str, header: Dataset, keywords: list[tuple[str, int]]) -> Dataset:
    record = Dataset()
    record.DirectoryRecordType = record_type
    if "SpecificCharacterSet" in header:
        record.SpecificCharacterSet = header.SpecificCharacterSet
    for keyword, kind in keywords:
        element = header.data_element(keyword) if keyword in header else None
        if element is not None and (element.value not in (None, "") or kind != 3):
            record.add(DataElement(element.tag, element.VR, element.value))
        elif kind in (1, 2):
            record.add(DataElement(_tag(keyword), dictionary_VR(keyword), _empty(keyword)))
    return record


def _tag(keyword: str) -> Any:
    from pydicom.datadict import tag_for_keyword

    return tag_for_keyword(keyword)


def _empty(keyword: str) -> Any:
    return None if dictionary_VR(keyword) in ("IS", "DS", "US", "UL") else ""


def _transfer_syntax(header: Dataset) -> str:
    meta = getattr(header, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    return str(syntax) if syntax else "1.2.840.10008.1.2"
