"""``GET /tools/dicom-conformance``: what the DICOM server accepts, in Orthanc's layout."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["conformance_statement"]

_QUERY_RETRIEVE = {
    "PatientRootQueryRetrieveInformationModelFind": "1.2.840.10008.5.1.4.1.2.1.1",
    "StudyRootQueryRetrieveInformationModelFind": "1.2.840.10008.5.1.4.1.2.2.1",
    "PatientRootQueryRetrieveInformationModelMove": "1.2.840.10008.5.1.4.1.2.1.2",
    "StudyRootQueryRetrieveInformationModelMove": "1.2.840.10008.5.1.4.1.2.2.2",
    "PatientRootQueryRetrieveInformationModelGet": "1.2.840.10008.5.1.4.1.2.1.3",
    "StudyRootQueryRetrieveInformationModelGet": "1.2.840.10008.5.1.4.1.2.2.3",
    "ModalityWorklistInformationModelFind": "1.2.840.10008.5.1.4.31",
}


def _section(title: str, text: str, rows: dict[str, str]) -> str:
    width = max((len(k) for k in rows), default=0)
    lines = [f"{'-' * len(title)}", title, f"{'-' * len(title)}", "", text, ""]
    lines += [f"  {name.ljust(width)} | {uid}" for name, uid in rows.items()]
    return "\n".join(lines) + "\n\n\n"


def conformance_statement(server: Server) -> str:
    """The statement: C-ECHO, C-STORE (every storage SOP class), query/retrieve, transfer syntaxes."""
    from pydicom.uid import UID
    from pynetdicom import sop_class

    from ..dicom.contexts import accepted_transfer_syntaxes

    storage = dict(sorted(sop_class._STORAGE_CLASSES.items()))  # pynetdicom's registry of storage SOP classes
    syntaxes = {UID(uid).name: uid for uid in accepted_transfer_syntaxes(list(server.config.core.accepted_transfer_syntaxes))}
    title = "DICOM Conformance Statement of Donjon (Orthanc-compatible)"
    out = f"{'=' * len(title)}\n{title}\n{'=' * len(title)}\n\n\n"
    out += _section("Echo SCP Conformance", "Donjon supports the following SOP Classes as an SCP for C-Echo:", {"VerificationSOPClass": "1.2.840.10008.1.1"})
    out += _section("Store SCP Conformance", "Donjon supports the following SOP Classes as an SCP for C-Store:", storage)
    out += _section("Query/Retrieve SCP Conformance", "Donjon supports the following SOP Classes as an SCP for C-Find, C-Move and C-Get:", _QUERY_RETRIEVE)
    out += _section("Transfer Syntaxes", "Donjon accepts the following transfer syntaxes:", syntaxes)
    return out
