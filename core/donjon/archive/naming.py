"""Orthanc's names inside a ZIP archive: ``PatientID PatientName/Accession Description/Modality Description/CT000000.dcm``.

Checked against Orthanc 1.10.1 (``tests/core/test_archive_oracle.py``):

- a folder is named from the level's main tags; the text keeps printable ASCII only
  (``Toolbox::ConvertToAscii``) and falls back to ``Unknown Patient|Study|Series``
  when nothing is left after stripping spaces;
- every folder and file name is then reduced to letters, digits, ``.``, ``_`` and single
  spaces, ``^`` counting as a space (``HierarchicalZipWriter::KeepAlphanumeric``) —
  which happens *after* the fallback, so a patient named ``^^^^`` without ID gets an
  empty folder name, as in Orthanc;
- a name already used in the same folder gets ``-2``, ``-3``... appended;
- instances are numbered from 0 within their series, prefixed by the first two letters of
  the series' modality, eight characters in all: ``CT000000.dcm``, ``M0000000.dcm``,
  ``00000000.dcm``.
"""

from __future__ import annotations

from ..enums import ResourceLevel

__all__ = ["UniqueNames", "convert_to_ascii", "folder_name", "instance_file_name", "keep_alphanumeric"]

_FOLDER_TAGS = {
    ResourceLevel.PATIENT: ("PatientID", "PatientName"),
    ResourceLevel.STUDY: ("AccessionNumber", "StudyDescription"),
    ResourceLevel.SERIES: ("Modality", "SeriesDescription"),
}


def convert_to_ascii(text: str) -> str:
    """Keep printable ASCII characters only (Orthanc drops every byte outside 32–126)."""
    return "".join(c for c in text if 32 <= ord(c) < 127)


def keep_alphanumeric(text: str) -> str:
    """Letters, digits, ``.``, ``_`` and single spaces; ``^`` is a space; stripped."""
    out: list[str] = []
    last_space = False
    for c in text:
        if c == "^":
            c = " "
        if ord(c) > 127:
            continue
        if c.isspace():
            if not last_space:
                out.append(" ")
                last_space = True
        elif c.isalnum() or c in "._":
            out.append(c)
            last_space = False
    return "".join(out).strip()


def folder_name(level: ResourceLevel, tags: dict[str, str]) -> str:
    """The folder of a patient, study or series, before :func:`keep_alphanumeric`."""
    first, second = _FOLDER_TAGS[level]
    name = convert_to_ascii(f"{tags.get(first, '')} {tags.get(second, '')}").strip()
    return name or f"Unknown {level.title}"


def instance_file_name(modality: str, counter: int) -> str:
    """``CT000000.dcm``: up to two letters of the modality, then the counter, eight characters."""
    prefix = modality[:2]
    return f"{prefix}{counter:0{8 - len(prefix)}d}.dcm"


class UniqueNames:
    """The names used in one folder of the archive, made unique as Orthanc does."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def add(self, name: str) -> str:
        """Clean ``name`` and return it, or ``name-N`` if it was already used here."""
        clean = keep_alphanumeric(name)
        count = self._seen.get(clean, 0) + 1
        self._seen[clean] = count
        return clean if count == 1 else f"{clean}-{count}"
