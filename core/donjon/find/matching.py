"""DICOM matching rules as Orthanc applies them (PS3.4 C.2.2.2, ``DicomTagConstraint``).

Pure functions on strings, used by the index back-ends to check SQL candidates,
by the engine for tags read from files, and by C-FIND/QIDO through the same model.
Case-insensitive comparison upper-cases both sides and keeps accents, like
Orthanc's ``Toolbox::ToUpperCaseWithAccents``: ``Smíth`` matches ``SMÍTH*`` but not
``Smith``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .model import ConstraintKind, TagConstraint

__all__ = ["compile_constraint", "matches", "wildcard_regex"]


@lru_cache(maxsize=512)
def wildcard_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """The regular expression of a DICOM wildcard pattern (``*`` any run, ``?`` one character)."""
    if not case_sensitive:
        pattern = pattern.upper()
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def compile_constraint(constraint: TagConstraint) -> Callable[[str | None], bool]:
    """A predicate on a tag's text (``None`` when the tag is absent, which never matches)."""
    sensitive = constraint.case_sensitive
    fold: Callable[[str], str] = (lambda s: s) if sensitive else str.upper
    kind = constraint.kind
    if kind is ConstraintKind.EQUAL:
        expected = fold(constraint.values[0])
        return lambda value: value is not None and fold(value) == expected
    if kind is ConstraintKind.LIST:
        allowed = frozenset(fold(v) for v in constraint.values)
        return lambda value: value is not None and fold(value) in allowed
    if kind is ConstraintKind.RANGE:
        lower, upper = (fold(v) for v in constraint.values)

        def in_range(value: str | None) -> bool:
            if value is None:
                return False
            v = fold(value)
            return (not lower or v >= lower) and (not upper or v <= upper)

        return in_range
    regex = wildcard_regex(constraint.values[0], sensitive)
    return lambda value: value is not None and regex.fullmatch(fold(value)) is not None


def matches(constraint: TagConstraint, value: str | None) -> bool:
    """Whether ``value`` satisfies ``constraint`` (compile once with :func:`compile_constraint` in loops)."""
    return compile_constraint(constraint)(value)
