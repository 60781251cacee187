"""Revisions of metadata and attachments: ETags, ``If-Match`` and ``If-None-Match``.

Orthanc (since 1.9.2, Book ``faq/features.rst`` "Revisions") gives every metadata and
attachment a revision number, shown in an ``ETag`` of the form ``"<revision>-<md5>"``
where the MD5 is that of the value (of the uncompressed data for attachments). A
writer proves it saw the current value by echoing that ETag in ``If-Match``; with
``CheckRevisions`` on, a writer that does not is refused with 409 Conflict.
"""

from __future__ import annotations

import msgspec

from .errors import DonjonError, ErrorCode

__all__ = ["ETag", "check_delete", "format_etag", "next_revision", "parse_etag"]

_MISSING_IF_MATCH = 'HTTP header "If-Match" is missing, as "CheckRevisions" is "true"'


class ETag(msgspec.Struct, frozen=True):
    """A parsed ETag: the revision number and the MD5 of the content."""

    revision: int
    md5: str


def format_etag(revision: int, md5: str) -> str:
    """The ``ETag`` header value, quoted as Orthanc sends it: ``"3-5d41402a..."``."""
    return f'"{revision}-{md5}"'


def parse_etag(text: str | None, header: str) -> ETag | None:
    """Read an ``If-Match``/``If-None-Match`` header; None when absent.

    Args:
        text: The header value as received (quotes optional).
        header: The header name, for the message (Orthanc writes ``if-match`` and ``If-None-Match``).

    Raises:
        DonjonError: ``ParameterOutOfRange`` when the value is not ``revision-md5``.
    """
    if text is None:
        return None
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    revision, sep, md5 = value.partition("-")
    try:
        number = int(revision)
    except ValueError:
        number = -1
    if not sep or number < 0 or not md5:
        raise DonjonError(
            ErrorCode.ParameterOutOfRange,
            f'The "{header}" HTTP header should contain the ETag (revision followed by MD5 hash), but found: {value}',
        )
    return ETag(number, md5)


def next_revision(existing: ETag | None, if_match: ETag | None, check_revisions: bool) -> int:
    """The revision a write will give, after checking ``If-Match`` against what is stored.

    A first write starts a new sequence at 0 whatever ``If-Match`` says (Orthanc ignores
    it then); a later write must quote the current ETag when one was sent or when
    ``CheckRevisions`` is on.

    Raises:
        DonjonError: ``Revision`` (409) when the ETag does not match the stored one.
    """
    if existing is None:
        return 0
    if if_match is not None or check_revisions:
        if if_match != existing:
            raise DonjonError(ErrorCode.Revision, f"the current revision is {existing.revision}, not the one given in If-Match")
    return existing.revision + 1


def check_delete(existing: ETag | None, if_match: ETag | None, check_revisions: bool, what: str) -> None:
    """Check that a delete may go ahead.

    Raises:
        DonjonError: ``Revision`` (409) when ``If-Match`` is missing while ``CheckRevisions``
            is on, or does not match; ``UnknownResource`` (404) when there is nothing to delete.
    """
    if if_match is None and check_revisions:
        raise DonjonError(ErrorCode.Revision, _MISSING_IF_MATCH)
    if existing is None:
        raise DonjonError(ErrorCode.UnknownResource, f"no {what}")
    if if_match is not None and if_match != existing:
        raise DonjonError(ErrorCode.Revision, f"the current revision of {what} is {existing.revision}, not the one given in If-Match")
