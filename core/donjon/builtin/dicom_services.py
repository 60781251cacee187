"""Built-in plugin: the DICOM services of the core (C-ECHO, C-STORE SCP)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl


@hookimpl
def donjon_presentation_contexts(config: Any) -> list[Any]:
    return []
