"""Orthanc's identifiers: SHA-1 of the DICOM identifiers (Book, ``faq/orthanc-ids.rst``).

The hash of ``PatientID``, then ``|StudyInstanceUID``, ``|SeriesInstanceUID`` and
``|SOPInstanceUID`` for the lower levels, written as five dash-separated groups of
eight hexadecimal digits. The same file gets the same ID on Orthanc and on Donjon.
"""

from __future__ import annotations

import hashlib

import msgspec

__all__ = ["OrthancIds", "hash_identifiers", "is_orthanc_id"]


def hash_identifiers(*identifiers: str) -> str:
    """Orthanc's ID for the concatenation of ``identifiers`` joined by ``|``."""
    digest = hashlib.sha1("|".join(identifiers).encode("utf-8")).hexdigest()
    return "-".join(digest[i : i + 8] for i in range(0, 40, 8))


def is_orthanc_id(text: str) -> bool:
    """Whether ``text`` has the shape of an Orthanc ID (44 characters, 5 groups)."""
    if len(text) != 44:
        return False
    parts = text.split("-")
    return len(parts) == 5 and all(len(p) == 8 and all(c in "0123456789abcdef" for c in p) for p in parts)


class OrthancIds(msgspec.Struct, frozen=True):
    """The four Orthanc IDs of an instance and its ancestors."""

    patient: str
    study: str
    series: str
    instance: str

    @classmethod
    def compute(cls, patient_id: str, study_uid: str, series_uid: str, sop_uid: str) -> OrthancIds:
        """IDs from the four DICOM identifiers (values stripped of padding)."""
        return cls(
            patient=hash_identifiers(patient_id),
            study=hash_identifiers(patient_id, study_uid),
            series=hash_identifiers(patient_id, study_uid, series_uid),
            instance=hash_identifiers(patient_id, study_uid, series_uid, sop_uid),
        )

    def at(self, level: int) -> str:
        """The ID at a :class:`~donjon.enums.ResourceLevel` (1–4)."""
        return (self.patient, self.study, self.series, self.instance)[level - 1]
