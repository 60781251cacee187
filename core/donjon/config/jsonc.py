"""JSON with ``//`` and ``/* */`` comments, as Orthanc's configuration files allow."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

__all__ = ["loads_jsonc", "strip_comments"]


def strip_comments(text: str) -> str:
    """Remove comments outside strings, keeping line numbers for error messages.

    Raises:
        ValueError: a ``/*`` comment is never closed.
    """
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
        elif c == '"':
            in_string = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError(f"unterminated /* comment at line {text.count(chr(10), 0, i) + 1}")
            # Newlines are kept so that decoding errors give the file's own line numbers.
            out.append("\n" * text.count("\n", i, end))
            i = end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def loads_jsonc(text: str, *, source: str = "<string>", substitute: Callable[[str], str] | None = None) -> Any:
    """Parse JSON with comments.

    Args:
        text: The document.
        source: Its name, for messages.
        substitute: Applied to the text once comments are removed (``${VAR}``).

    Raises:
        ValueError: the text is not valid JSON once comments are removed; the
            message names ``source`` and the line.
    """
    try:
        stripped = strip_comments(text)
    except ValueError as exc:
        raise ValueError(f"{source}: invalid JSON: {exc}") from exc
    if substitute is not None:
        stripped = substitute(stripped)
    data = stripped.encode("utf-8")
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ValueError(f"{source}: invalid JSON: {exc}{_where(data, str(exc))}") from exc


def _where(data: bytes, message: str) -> str:
    """msgspec gives a byte offset; people look for a line."""
    match = re.search(r"\(byte (\d+)\)", message)
    if match is None:
        return ""
    offset = int(match.group(1))
    line = data.count(b"\n", 0, offset) + 1
    return f" at line {line}"
