"""Write the commented default configuration (``donjon --config=FILE``)."""

from __future__ import annotations

import textwrap
from typing import get_type_hints

import msgspec

from .model import CoreConfig

__all__ = ["default_configuration"]


def _description(struct: type[msgspec.Struct], name: str) -> str:
    hints = get_type_hints(struct, include_extras=True)
    for meta in getattr(hints.get(name), "__metadata__", ()):
        if isinstance(meta, msgspec.Meta) and meta.description:
            return meta.description
    return ""


def _section(struct: type[msgspec.Struct], indent: str) -> list[str]:
    fields = msgspec.structs.fields(struct)
    defaults = msgspec.to_builtins(struct())
    lines: list[str] = []
    for i, f in enumerate(fields):
        for comment in textwrap.wrap(_description(struct, f.name), 76):
            lines.append(f"{indent}// {comment}")
        value = defaults.get(f.encode_name)
        text = msgspec.json.encode(value).decode()
        comma = "," if i < len(fields) - 1 else ""
        lines.append(f'{indent}"{f.encode_name}" : {text}{comma}')
        lines.append("")
    return lines


def default_configuration(sections: dict[str, type[msgspec.Struct]] | None = None) -> str:
    """The default configuration as commented JSON: core keys, then plugin sections."""
    lines = ["{", "  // Donjon: an Orthanc-compatible DICOM server. Same keys, same defaults.", ""]
    lines += _section(CoreConfig, "  ")
    for name, struct in sorted((sections or {}).items()):
        lines[-2] += ","
        lines.append(f'  "{name}" : {{')
        body = _section(struct, "    ")
        lines += body[:-1] if body else []
        lines.append("  }")
        lines.append("")
    lines.append("}")
    return "\n".join(lines) + "\n"


