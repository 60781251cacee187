"""From a DICOM query value (``SMI*``, ``20200101-``, ``a\\b``) to a :class:`TagConstraint`.

The order of the tests is Orthanc's (``DatabaseLookup::AddRestConstraint``): an empty
value is universal matching; on DA/DT/TM a ``-`` makes a range, which wins over a
``\\`` list; then lists (whose items are compared whole, wildcards included); then
wildcards, allowed only on the text VRs of PS3.4 C.2.2.2.4; else single value.
"""

from __future__ import annotations

from pydicom.datadict import dictionary_VR

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..dicom.main_tags import format_tag
from .model import ConstraintKind, TagConstraint

__all__ = ["WILDCARD_VRS", "parse_constraint", "value_representation"]

#: VRs on which ``*`` and ``?`` are wildcards (PS3.4 C.2.2.2.4; Orthanc 1.6.0 refuses the others).
WILDCARD_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
_RANGE_VRS = frozenset({"DA", "DT", "TM"})


def value_representation(tag: int) -> str:
    """The dictionary VR of a tag (``UN`` for tags pydicom does not know)."""
    try:
        return dictionary_VR(tag)
    except KeyError:
        return "UN"


def parse_constraint(
    tag: int, keyword: str, text: str, *, level: ResourceLevel, case_sensitive: bool
) -> TagConstraint | None:
    """The constraint that a query value sets on a tag, or None for universal matching.

    Args:
        tag: The tag number (for the VR and the error messages).
        keyword: Its dictionary keyword, as the index stores it.
        text: The query value.
        level: Where the constraint applies (see :class:`TagConstraint`).
        case_sensitive: ``CaseSensitive`` of the request.

    Raises:
        DonjonError: ``ParameterOutOfRange`` for wildcards on a VR that allows none.
    """
    if text == "":
        return None
    vr = value_representation(tag)

    def build(kind: ConstraintKind, values: tuple[str, ...]) -> TagConstraint:
        return TagConstraint(level=level, keyword=keyword, kind=kind, values=values, case_sensitive=case_sensitive)

    if vr in _RANGE_VRS and "-" in text:
        lower, _, upper = text.partition("-")
        if not lower and not upper:
            return None
        return build(ConstraintKind.RANGE, (lower, upper))
    if "\\" in text:
        return build(ConstraintKind.LIST, tuple(text.split("\\")))
    if "*" in text or "?" in text:
        if vr not in WILDCARD_VRS and vr != "UN":
            raise DonjonError(ErrorCode.ParameterOutOfRange, f"Wildcards are not allowed on tag {format_tag(tag)}")
        return build(ConstraintKind.WILDCARD, (text,))
    return build(ConstraintKind.EQUAL, (text,))
