"""Built-in plugin: the DICOM services of the core (C-ECHO, C-STORE SCP)."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl


@hookimpl
def donjon_configure(config: Any) -> None:
    # A malformed DicomModalities stops the start with the modality's name, rather
    # than failing at the first association from (or to) that modality.
    from ..dicom.modalities import Modalities

    Modalities.from_config(config.core)


@hookimpl
def donjon_presentation_contexts(config: Any) -> list[Any]:
    return []
