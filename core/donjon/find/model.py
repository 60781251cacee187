"""The query model shared by ``/tools/find``, C-FIND, QIDO-RS and the index back-ends.

A find is a level, constraints on main DICOM tags, labels and paging. The engine
(:mod:`donjon.find.engine`) turns a request into an :class:`IndexFind`; an index
back-end answers it with internal IDs (``IndexTransaction.find``), in SQL.
"""

from __future__ import annotations

import enum

import msgspec

from ..enums import ResourceLevel

__all__ = ["ConstraintKind", "IndexFind", "LabelsConstraint", "TagConstraint"]


class ConstraintKind(enum.Enum):
    """How a value is matched (PS3.4 C.2.2.2, as Orthanc's ``ConstraintType``)."""

    EQUAL = "Equal"
    """Single value matching: the whole value, nothing else."""
    LIST = "List"
    """UID list matching (``a\\b``): equal to one of the values."""
    RANGE = "Range"
    """Range matching on DA/TM/DT: ``lower <= value <= upper`` as strings; an empty bound is open."""
    WILDCARD = "Wildcard"
    """``*`` (any sequence) and ``?`` (one character) over the whole value."""


class LabelsConstraint(enum.Enum):
    """How ``Labels`` combine (Orthanc 1.12: ``All``, ``Any``, ``None``)."""

    ALL = "All"
    ANY = "Any"
    NONE = "None"


class TagConstraint(msgspec.Struct, frozen=True, kw_only=True):
    """One constraint on a main DICOM tag, placed on the level whose rows hold the tag.

    ``level`` at or above the find's level constrains that ancestor (patient tags are
    also stored on study rows, so the engine places them there when it can). A
    ``level`` below the find's level means "some descendant at that level matches"
    (``ModalitiesInStudy`` is ``Modality`` on a child series).
    """

    level: ResourceLevel
    keyword: str
    kind: ConstraintKind
    values: tuple[str, ...]
    """EQUAL and WILDCARD: one value; LIST: the values; RANGE: ``(lower, upper)``."""
    case_sensitive: bool = True


class IndexFind(msgspec.Struct, frozen=True, kw_only=True):
    """What an index back-end answers with internal IDs (``IndexTransaction.find``).

    The answer is the internal IDs at ``level`` that satisfy every constraint and the
    labels, in increasing internal ID order, after skipping ``since`` of them and
    keeping at most ``limit`` (0: all).
    """

    level: ResourceLevel
    constraints: tuple[TagConstraint, ...] = ()
    labels: tuple[str, ...] = ()
    labels_constraint: LabelsConstraint = LabelsConstraint.ALL
    since: int = 0
    limit: int = 0
