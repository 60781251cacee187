"""JSON with ``//`` and ``/* */`` comments, as Orthanc's configuration files allow."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["loads_jsonc", "strip_comments"]


def strip_comments(text: str) -> str:
    """Remove comments outside strings, keeping line numbers for error messages."""
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
            block = text[i : n if end < 0 else end + 2]
            out.append("\n" * block.count("\n"))
            i = n if end < 0 else end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def loads_jsonc(text: str, *, source: str = "<string>") -> Any:
    """Parse JSON with comments.

    Raises:
        ValueError: the text is not valid JSON once comments are removed; the
            message names ``source``.
    """
    try:
        return msgspec.json.decode(strip_comments(text).encode("utf-8"))
    except msgspec.DecodeError as exc:
        raise ValueError(f"{source}: invalid JSON: {exc}") from exc
