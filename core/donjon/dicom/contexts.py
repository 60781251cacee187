"""Presentation contexts of the SCP: which SOP classes and transfer syntaxes it accepts.

``AcceptedTransferSyntaxes`` (wildcards ``*`` and ``?``) selects among the transfer
syntaxes Orthanc 1.10 knows; the deprecated ``<Group>TransferSyntaxAccepted``
booleans are applied afterwards, each adding (true) or removing (false) its whole
group, as Orthanc does (default configuration file, "User-friendly groups").
"""

from __future__ import annotations

import fnmatch
from typing import Any

from pydicom.uid import UID
from pynetdicom import build_context
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import _STORAGE_CLASSES

__all__ = ["KNOWN_TRANSFER_SYNTAXES", "TRANSFER_SYNTAX_GROUPS", "accepted_transfer_syntaxes", "is_storage_like", "storage_contexts"]

_JPEG = [f"1.2.840.10008.1.2.4.{n}" for n in (50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 70)]

#: The groups of the deprecated ``*TransferSyntaxAccepted`` options (key of CoreConfig → UIDs).
TRANSFER_SYNTAX_GROUPS: dict[str, list[str]] = {
    "deflated_transfer_syntax_accepted": ["1.2.840.10008.1.2.1.99"],
    "jpeg_transfer_syntax_accepted": _JPEG,
    "jpeg2000_transfer_syntax_accepted": [f"1.2.840.10008.1.2.4.{n}" for n in (90, 91, 92, 93)],
    # Orthanc's "JpegLossless" group is JPEG-LS, not JPEG process 14.
    "jpeg_lossless_transfer_syntax_accepted": ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"],
    "jpip_transfer_syntax_accepted": ["1.2.840.10008.1.2.4.94", "1.2.840.10008.1.2.4.95"],
    "mpeg2_transfer_syntax_accepted": ["1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101"],
    "rle_transfer_syntax_accepted": ["1.2.840.10008.1.2.5"],
    "mpeg4_transfer_syntax_accepted": [f"1.2.840.10008.1.2.4.{n}" for n in (102, 103, 104, 105, 106)],
    "h265_transfer_syntax_accepted": ["1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108"],
}

#: What ``AcceptedTransferSyntaxes`` can select: the syntaxes Orthanc 1.10's SCP accepts with
#: ``["*"]`` (measured: not RFC 2557, XML, Papyrus, HTJ2K, fragmentable MPEG nor SMPTE 2110).
#: Uncompressed syntaxes first: when a peer proposes several in one context, pynetdicom
#: takes the first of ours that it proposed.
KNOWN_TRANSFER_SYNTAXES: list[str] = [
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.2",
    *(uid for uids in TRANSFER_SYNTAX_GROUPS.values() for uid in uids),
]


def accepted_transfer_syntaxes(patterns: list[str], groups: dict[str, bool | None] | None = None) -> list[str]:
    """The transfer syntaxes the SCP accepts.

    Args:
        patterns: ``AcceptedTransferSyntaxes`` (``*`` and ``?`` wildcards).
        groups: The deprecated group options (CoreConfig field name → true, false or None when absent).
    """
    accepted = {uid for uid in KNOWN_TRANSFER_SYNTAXES if any(fnmatch.fnmatchcase(uid, p) for p in patterns)}
    for key, value in (groups or {}).items():
        if value is True:
            accepted.update(TRANSFER_SYNTAX_GROUPS[key])
        elif value is False:
            accepted.difference_update(TRANSFER_SYNTAX_GROUPS[key])
    return [uid for uid in KNOWN_TRANSFER_SYNTAXES if uid in accepted]


def configured_transfer_syntaxes(cfg: Any) -> list[str]:
    """:func:`accepted_transfer_syntaxes` of a core configuration."""
    groups = {key: getattr(cfg, key, None) for key in TRANSFER_SYNTAX_GROUPS}
    return accepted_transfer_syntaxes(cfg.accepted_transfer_syntaxes, groups)


_STORAGE_UIDS = frozenset(_STORAGE_CLASSES.values())


def is_storage_like(abstract_syntax: str) -> bool:
    """Whether an abstract syntax unknown to us may be a storage SOP class.

    Used by ``UnknownSopClassAccepted`` ("promiscuous mode", as DCMTK's storescp): a
    private or unknown UID is accepted for storage; a known non-storage SOP class
    (query/retrieve, worklist...) is not.
    """
    from pynetdicom import sop_class

    uid = UID(abstract_syntax)
    return uid.is_private or uid in _STORAGE_UIDS or not uid.keyword or not hasattr(sop_class, uid.keyword)


def storage_contexts(config: Any, plugins: Any) -> list[PresentationContext]:
    """One context per storage SOP class, each with every accepted transfer syntax,
    plus the contexts plugins add through ``donjon_presentation_contexts``.

    Args:
        config: The server's :class:`~donjon.config.Config` (the hook receives it whole).
        plugins: The plugin host.
    """
    syntaxes = configured_transfer_syntaxes(config.core)
    contexts = [build_context(uid, syntaxes) for uid in sorted(_STORAGE_UIDS)] if syntaxes else []
    for extra in plugins.collect("donjon_presentation_contexts", config=config):
        for abstract, transfer in extra:
            contexts.append(build_context(abstract, transfer))
    return contexts
