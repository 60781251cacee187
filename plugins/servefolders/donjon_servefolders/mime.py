"""MIME types of served files, by extension.

The base table is Orthanc 1.10.1's (checked against the real plugin by
``tests/servefolders/test_oracle_servefolders.py``): anything else is
``application/octet-stream`` there. A few extensions every web application ships
(``.txt``, ``.ico``, ``.mjs``, ``.map``, fonts, media) are added because Orthanc's
octet-stream makes browsers download them instead of using them; the
``Extensions`` option still overrides everything.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_MIME", "ORTHANC_MIME", "mime_table", "mime_type"]

#: The types the real ServeFolders plugin of Orthanc 1.10.1 knows.
ORTHANC_MIME: dict[str, str] = {
    "css": "text/css",
    "gif": "image/gif",
    "html": "text/html",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "js": "application/javascript",
    "json": "application/json",
    "nexe": "application/x-nacl",
    "nmf": "application/json",
    "pdf": "application/pdf",
    "pexe": "application/x-pnacl",
    "png": "image/png",
    "svg": "image/svg+xml",
    "wasm": "application/wasm",
    "woff": "application/x-font-woff",
    "woff2": "font/woff2",
    "xml": "application/xml",
}

#: Common web types Orthanc 1.10.1 answers as ``application/octet-stream``.
_EXTRA_MIME: dict[str, str] = {
    "csv": "text/csv",
    "dcm": "application/dicom",
    "htm": "text/html",
    "ico": "image/x-icon",
    "map": "application/json",
    "md": "text/markdown",
    "mjs": "application/javascript",
    "mp4": "video/mp4",
    "otf": "font/otf",
    "ttf": "font/ttf",
    "txt": "text/plain",
    "webm": "video/webm",
    "webp": "image/webp",
    "zip": "application/zip",
}

#: The table used when the configuration adds nothing.
DEFAULT_MIME: dict[str, str] = {**_EXTRA_MIME, **ORTHANC_MIME}

FALLBACK = "application/octet-stream"


def mime_table(extensions: Mapping[str, str]) -> dict[str, str]:
    """The defaults overridden by the ``Extensions`` option.

    Keys are accepted with or without their dot (``".mp4"`` or ``"mp4"``) and in any
    case, as in Orthanc, which strips the dot and compares lower-case extensions.
    """
    table = dict(DEFAULT_MIME)
    for ext, mime in extensions.items():
        table[ext.lstrip(".").lower()] = mime
    return table


def mime_type(name: str, table: Mapping[str, str]) -> str:
    """The MIME type of a file name (its last extension, case-insensitive)."""
    _, dot, ext = name.rpartition(".")
    if not dot:
        return FALLBACK
    return table.get(ext.lower()) or FALLBACK
