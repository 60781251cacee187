"""Synthetic DICOM files for tests and benchmarks (pydicom, no binaries in the repository)."""

from __future__ import annotations

import io
import itertools
from typing import Any

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

__all__ = ["DicomFactory"]

_SOP_CLASSES = {
    "CT": CTImageStorage,
    "MR": "1.2.840.10008.5.1.4.1.1.4",
    "US": "1.2.840.10008.5.1.4.1.1.6.1",
    "CR": "1.2.840.10008.5.1.4.1.1.1",
    "OT": "1.2.840.10008.5.1.4.1.1.7",
    "PT": "1.2.840.10008.5.1.4.1.1.128",
}


class DicomFactory:
    """Builds valid DICOM instances with chosen identifiers and tags.

    Every call gets fresh UIDs unless given; ``study()`` builds a whole study.
    Keyword arguments are DICOM keywords (``PatientName="DOE^JOHN"``), plus
    ``rows``/``columns`` for the pixel matrix (0 for no pixel data).
    """

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def dataset(
        self,
        *,
        modality: str = "CT",
        rows: int = 16,
        columns: int = 16,
        transfer_syntax: str = ExplicitVRLittleEndian,
        **tags: Any,
    ) -> FileDataset:
        """A dataset ready to be written; pixel data is a deterministic 16-bit gradient."""
        n = next(self._counter)
        sop_class = tags.pop("SOPClassUID", _SOP_CLASSES.get(modality, _SOP_CLASSES["OT"]))
        sop_uid = tags.pop("SOPInstanceUID", None) or generate_uid()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = sop_class
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = transfer_syntax
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID = sop_class
        ds.SOPInstanceUID = sop_uid
        ds.PatientName = "DONJON^TEST"
        ds.PatientID = "DONJON-1"
        ds.PatientBirthDate = "19700101"
        ds.PatientSex = "O"
        ds.StudyInstanceUID = generate_uid()
        ds.StudyDate = "20240115"
        ds.StudyTime = "101500"
        ds.StudyID = "1"
        ds.StudyDescription = "Donjon test study"
        ds.AccessionNumber = f"ACC{n:05d}"
        ds.SeriesInstanceUID = generate_uid()
        ds.SeriesNumber = 1
        ds.SeriesDescription = "Donjon test series"
        ds.Modality = modality
        ds.InstanceNumber = n
        ds.SpecificCharacterSet = "ISO_IR 100"
        if rows and columns:
            ds.Rows = rows
            ds.Columns = columns
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = "MONOCHROME2"
            ds.BitsAllocated = 16
            ds.BitsStored = 12
            ds.HighBit = 11
            ds.PixelRepresentation = 0
            ds.ImagePositionPatient = [0, 0, n]
            ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
            ds.PixelSpacing = [0.5, 0.5]
            ds.RescaleIntercept = -1024
            ds.RescaleSlope = 1
            pixels = (np.add.outer(np.arange(rows), np.arange(columns)) * 7 + n) % 4096
            ds.PixelData = pixels.astype("<u2").tobytes()
        for keyword, value in tags.items():
            setattr(ds, keyword, value)
        return ds

    def bytes(self, **kwargs: Any) -> bytes:
        """One instance as DICOM Part 10 bytes."""
        return self.encode(self.dataset(**kwargs))

    @staticmethod
    def encode(ds: FileDataset) -> bytes:
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return buffer.getvalue()

    def study(self, *, series: int = 2, instances: int = 3, **tags: Any) -> list[bytes]:
        """A study of ``series`` × ``instances`` files sharing patient and study tags."""
        tags.setdefault("PatientID", f"PAT-{next(self._counter)}")
        tags.setdefault("StudyInstanceUID", generate_uid())
        out = []
        for s in range(series):
            series_uid = generate_uid()
            for _ in range(instances):
                out.append(self.bytes(SeriesInstanceUID=series_uid, SeriesNumber=s + 1, **tags))
        return out
