"""Who may associate with the SCP, and which commands a peer may issue.

Orthanc's rules (Book ``dicom-guide.rst``, ``faq/dicom.rst``, default configuration):

1. ``DicomCheckCalledAet``: the called AET must be ours, else the association is
   rejected with "called AE title not recognized" (PS3.8 Table 9-21, diagnostic 7).
2. If any ``DicomAlwaysAllow*`` option is true, every calling AET may associate; if
   none is, only the AETs of ``DicomModalities`` may (with their configured host when
   ``DicomCheckModalityHost``), others are rejected with "calling AE title not
   recognized" (diagnostic 3).
3. Then the ``donjon_association_filter`` hook may refuse (diagnostic 3 too).
4. Per command: C-ECHO is allowed to anyone when ``DicomAlwaysAllowEcho``, C-STORE when
   ``DicomAlwaysAllowStore`` (and so on); otherwise the calling AET must be a modality
   whose ``Allow<Command>`` is true. Orthanc aborts the association on a refused
   command; so do we.

AETs compare case-insensitively unless ``StrictAetComparison``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from .modalities import DicomRequest, Modalities, same_aet

if TYPE_CHECKING:
    from ..plugins import PluginHost

__all__ = ["CALLED_AET_NOT_RECOGNIZED", "CALLING_AET_NOT_RECOGNIZED", "AccessPolicy", "AssociationRequest", "Rejection"]

log = logging.getLogger(__name__)

#: A-ASSOCIATE-RJ diagnostics, "service user" source (PS3.8 Table 9-21).
CALLING_AET_NOT_RECOGNIZED = 0x03
CALLED_AET_NOT_RECOGNIZED = 0x07


class AssociationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What ``donjon_association_filter`` sees of an incoming A-ASSOCIATE request.

    Attributes:
        calling_aet: The peer's AET (spaces stripped).
        called_aet: The AET the peer called (ours, unless it is mistaken).
        remote_ip: The peer's IP address.
        remote_port: The peer's TCP port.
    """

    calling_aet: str
    called_aet: str
    remote_ip: str
    remote_port: int = 0


class Rejection(msgspec.Struct, frozen=True):
    """Why an association is rejected, and the PS3.8 diagnostic sent to the peer."""

    reason: str
    diagnostic: int = CALLING_AET_NOT_RECOGNIZED


class AccessPolicy:
    """The association and command rules of one server.

    Args:
        core: The core configuration (``DicomAet``, ``DicomCheckCalledAet``, ``DicomAlwaysAllow*``...).
        modalities: The parsed ``DicomModalities``.
        plugins: The plugin host, for ``donjon_association_filter``.
    """

    def __init__(self, core: Any, modalities: Modalities, plugins: PluginHost | None = None) -> None:
        self.aet = core.dicom_aet
        self.check_called_aet = core.dicom_check_called_aet
        self.check_host = core.dicom_check_modality_host
        self.strict = core.strict_aet_comparison
        self.modalities = modalities
        self.plugins = plugins
        self.always: dict[DicomRequest, bool] = {
            DicomRequest.Echo: core.dicom_always_allow_echo,
            DicomRequest.Store: core.dicom_always_allow_store,
            DicomRequest.Find: core.dicom_always_allow_find,
            DicomRequest.FindWorklist: core.dicom_always_allow_find_worklist,
            DicomRequest.Get: core.dicom_always_allow_get,
            DicomRequest.Move: core.dicom_always_allow_move,
        }

    def check_association(self, request: AssociationRequest) -> Rejection | None:
        """None when the association may proceed, else why it is rejected."""
        if self.check_called_aet and not same_aet(request.called_aet, self.aet, self.strict):
            return Rejection(f"called AET {request.called_aet!r} is not ours ({self.aet!r})", CALLED_AET_NOT_RECOGNIZED)
        if not any(self.always.values()) and not self._known(request):
            return Rejection(f"AET {request.calling_aet!r} from {request.remote_ip} is not a known modality (DicomModalities)")
        if self.plugins is not None:
            refusal = self.plugins.first("donjon_association_filter", association=request)
            if refusal is not None:
                return Rejection(f"refused by a plugin: {refusal.reason}")
        return None

    def is_request_allowed(self, request: AssociationRequest, command: DicomRequest) -> bool:
        """Whether the peer of ``request`` may issue ``command`` (Orthanc's ``IsAllowedRequest``)."""
        if self.always.get(command, False):
            return True
        candidates = self.modalities.by_aet(request.calling_aet)
        if not candidates:
            log.warning("%s request refused: AET %r is not in DicomModalities", command.value, request.calling_aet)
            return False
        for modality in candidates:
            if modality.is_request_allowed(command) and (not self.check_host or modality.host == request.remote_ip):
                return True
        log.warning(
            "%s request refused for AET %r on IP %s: not allowed for this modality by DicomModalities",
            command.value,
            request.calling_aet,
            request.remote_ip,
        )
        return False

    def _known(self, request: AssociationRequest) -> bool:
        candidates = self.modalities.by_aet(request.calling_aet)
        if self.check_host:
            candidates = [m for m in candidates if m.host == request.remote_ip]
        return bool(candidates)
