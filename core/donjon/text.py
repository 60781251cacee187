"""Text helpers shared by the index and the matching code."""

from __future__ import annotations

import unicodedata

__all__ = ["normalize"]


def normalize(value: str) -> str:
    """Upper-case, accents removed: how Orthanc compares identifiers and PN case-insensitively."""
    if value.isascii():
        return value.upper()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
