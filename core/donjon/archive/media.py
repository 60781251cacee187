"""The DICOMDIR of a media archive: PATIENT/STUDY/SERIES/IMAGE records, encoded by pydicom.

Orthanc's media ZIP holds ``IMAGES/IM0``, ``IMAGES/IM1``... then ``DICOMDIR`` (File-set
ID ``ORTHANC_MEDIA``), with PATIENT/STUDY/SERIES/IMAGE records whatever the SOP class.

pydicom's ``FileSet`` was the first choice, but ``FileSet.add_custom`` looks for the new
instance among all the others and stages a file per instance: 31 s for 1,000 instances
on the project's machine, quadratic beyond. The records here are the same Datasets,
merged by PatientID / StudyInstanceUID / SeriesInstanceUID as ``FileSet`` does, and
written in one pass the way ``FileSet.write`` lays them out (defined-length items, byte
offsets from the start of the file); tests read the result back with ``FileSet`` and
DCMTK's ``dcmdump``.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import DataElement
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import ExplicitVRLittleEndian, MediaStorageDirectoryStorage, generate_uid

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


class _Node:
    """A directory record and the records below it, in insertion order."""

    __slots__ = ("children", "offset", "record")

    def __init__(self, record: Dataset) -> None:
        self.record = record
        self.children: dict[str, _Node] = {}
        self.offset = 0


class DicomdirBuilder:
    """Collects one record branch per instance, then writes the DICOMDIR.

    Args:
        extended: Add the descriptive tags of an "extended" DICOMDIR.
    """

    def __init__(self, extended: bool = False) -> None:
        self.extended = extended
        self._patients: dict[str, _Node] = {}
        self._sop_instances: set[str] = set()
        self.count = 0

    def add(self, header: Dataset, file_id: str) -> None:
        """Add the records of one instance whose file is stored at ``file_id`` in the media.

        Args:
            header: The instance's dataset (pixel data not needed), with its file meta.
            file_id: ``IMAGES/IM0``-style path.
        """
        self.count += 1
        sop_instance = str(header.get("SOPInstanceUID", ""))
        if sop_instance in self._sop_instances:
            # One record per SOP Instance UID (as FileSet): a second instance with the same
            # UID (under another patient, say) is in the ZIP but not referenced twice.
            return
        self._sop_instances.add(sop_instance)
        ext = self.extended
        level = self._patients
        for record_type, keywords, extra, key in (
            ("PATIENT", _PATIENT, _PATIENT_EXTENDED, "PatientID"),
            ("STUDY", _STUDY, _STUDY_EXTENDED, "StudyInstanceUID"),
            ("SERIES", _SERIES, _SERIES_EXTENDED, "SeriesInstanceUID"),
        ):
            value = str(header.get(key, "") or "")
            node = level.get(value)
            if node is None:
                node = level[value] = _Node(_record(record_type, header, keywords + (extra if ext else [])))
            level = node.children
        image = _record("IMAGE", header, _IMAGE + (_IMAGE_EXTENDED if ext else []))
        image.ReferencedFileID = file_id.split("/")
        image.ReferencedSOPClassUIDInFile = str(header.get("SOPClassUID", ""))
        image.ReferencedSOPInstanceUIDInFile = sop_instance
        image.ReferencedTransferSyntaxUIDInFile = _transfer_syntax(header)
        level[sop_instance] = _Node(image)

    def build(self) -> bytes:
        """The encoded DICOMDIR file."""
        ds = _dicomdir_dataset()
        nodes = list(_depth_first(self._patients))
        # Offsets have a fixed width: encode once to learn each record's place, set the
        # offsets, encode again.
        prefix = _encode_file_start(ds)
        offset = len(prefix) + 12  # (0004,1220) tag, VR, reserved bytes, length
        for node in nodes:
            node.offset = offset
            offset += 8 + len(_encode(node.record))  # item tag and length, then the record
        for siblings in _sibling_lists(self._patients):
            for node, following in zip(siblings, siblings[1:] + [None]):
                node.record.OffsetOfTheNextDirectoryRecord = following.offset if following else 0
                first_child = next(iter(node.children.values()), None)
                node.record.OffsetOfReferencedLowerLevelDirectoryEntity = first_child.offset if first_child else 0
        roots = list(self._patients.values())
        ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = roots[0].offset if roots else 0
        ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = roots[-1].offset if roots else 0
        ds.DirectoryRecordSequence = [node.record for node in nodes]
        fp = _new_buffer()
        fp.write(b"\0" * 128 + b"DICM")
        write_file_meta_info(fp, ds.file_meta, enforce_standard=True)
        write_dataset(fp, ds)
        data = fp.getvalue()
        if len(data) != offset:  # the record sequence is the last element
            raise RuntimeError(f"DICOMDIR records moved while writing ({len(data)} bytes, {offset} expected)")
        return data


def _dicomdir_dataset() -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = MediaStorageDirectoryStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.FileSetID = FILE_SET_ID
    ds.OffsetOfTheFirstDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.OffsetOfTheLastDirectoryRecordOfTheRootDirectoryEntity = 0
    ds.FileSetConsistencyFlag = 0
    ds.DirectoryRecordSequence = []
    return ds


def _new_buffer() -> DicomBytesIO:
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = False
    return fp


def _encode(ds: Dataset) -> bytes:
    fp = _new_buffer()
    write_dataset(fp, ds)
    return fp.getvalue()


def _encode_file_start(ds: Dataset) -> bytes:
    """Preamble, file meta and the elements before the record sequence."""
    fp = _new_buffer()
    fp.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(fp, ds.file_meta, enforce_standard=True)
    write_dataset(fp, ds[:0x00041220])
    return fp.getvalue()


def _depth_first(level: dict[str, _Node]) -> Any:
    for node in level.values():
        yield node
        yield from _depth_first(node.children)


def _sibling_lists(level: dict[str, _Node]) -> Any:
    if level:
        yield list(level.values())
    for node in level.values():
        yield from _sibling_lists(node.children)


def _record(record_type: str, header: Dataset, keywords: list[tuple[str, int]]) -> Dataset:
    record = Dataset()
    record.OffsetOfTheNextDirectoryRecord = 0
    record.RecordInUseFlag = 0xFFFF
    record.OffsetOfReferencedLowerLevelDirectoryEntity = 0
    record.DirectoryRecordType = record_type
    if "SpecificCharacterSet" in header:
        record.SpecificCharacterSet = header.SpecificCharacterSet
    for keyword, kind in keywords:
        element = header.data_element(keyword) if keyword in header else None
        if element is not None and (element.value not in (None, "") or kind != 3):
            record.add(DataElement(element.tag, element.VR, element.value))
        elif kind in (1, 2):
            record.add(DataElement(tag_for_keyword(keyword), dictionary_VR(keyword), _empty(keyword)))
    return record


def _empty(keyword: str) -> Any:
    return None if dictionary_VR(keyword) in ("IS", "DS", "US", "UL") else ""


def _transfer_syntax(header: Dataset) -> str:
    meta = getattr(header, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    return str(syntax) if syntax else "1.2.840.10008.1.2"
