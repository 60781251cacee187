"""Presentation contexts of the C-STORE SCP, from ``AcceptedTransferSyntaxes``."""

from __future__ import annotations

import fnmatch
from typing import Any

from pydicom.uid import UID_dictionary
from pynetdicom import build_context
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import _STORAGE_CLASSES

__all__ = ["accepted_transfer_syntaxes", "storage_contexts"]

_KNOWN_SYNTAXES = sorted(uid for uid, entry in UID_dictionary.items() if entry[1] == "Transfer Syntax")


def accepted_transfer_syntaxes(patterns: list[str]) -> list[str]:
    """Transfer syntaxes matching ``AcceptedTransferSyntaxes`` (``*`` and ``?`` wildcards)."""
    out = [uid for uid in _KNOWN_SYNTAXES if any(fnmatch.fnmatchcase(uid, p) for p in patterns)]
    # Uncompressed syntaxes first: pynetdicom proposes in this order.
    preferred = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"]
    return [u for u in preferred if u in out] + [u for u in out if u not in preferred]


def storage_contexts(cfg: Any, plugins: Any) -> list[PresentationContext]:
    """One context per storage SOP class, each with every accepted transfer syntax."""
    syntaxes = accepted_transfer_syntaxes(cfg.accepted_transfer_syntaxes)
    contexts = [build_context(uid, syntaxes) for uid in sorted(_STORAGE_CLASSES.values())]
    for extra in plugins.collect("donjon_presentation_contexts", config=None):
        for abstract, transfer in extra:
            contexts.append(build_context(abstract, transfer))
    return contexts
