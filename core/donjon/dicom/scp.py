"""The DICOM server: pynetdicom SCP for C-ECHO and C-STORE (more services plug in here).

Handlers are thin adapters (CONVENTIONS §9): build an :class:`~donjon.types.Origin`,
call the server, translate the answer into a DIMSE status. Who may associate and
which commands a peer may issue is decided by :mod:`donjon.dicom.access`.

C-STORE statuses (PS3.4 Annex B.2.3), chosen as Orthanc 1.10 answers them:

- ``0x0000`` Success: stored, already stored, or filtered out by a plugin or Lua
  filter (Orthanc answers success for filtered-out instances "to keep backward
  compatibility"; the instance is not stored).
- ``0xA700`` Refused: Out of Resources: the storage is full (``MaximumStorageSize`` /
  ``MaximumPatientCount`` with ``MaximumStorageMode: Reject``), and, as in Orthanc,
  any other failure to store (storage or index error).
  A dataset without the identifiers Orthanc indexes (Study/Series/SOP Instance UID)
  gets ``0xA700`` as well: that is Orthanc's answer (measured against 1.10.1).
- ``0xA900`` Error: Data Set does not match SOP Class: the dataset's SOP Class or SOP
  Instance UID differs from the request's (checked as Orthanc's StoreScp does).
- ``0xC000`` Error: Cannot understand: the dataset has no SOP Class / Instance UID, or
  cannot be parsed (Orthanc answers ``0xC000`` for an empty dataset and aborts the
  association on a truncated one, because DCMTK parses while receiving; we receive
  first, so we can answer).

A command the peer may not issue (``DicomAlwaysAllow*``, ``Allow*`` of
``DicomModalities``) aborts the association, as Orthanc does.
"""

from __future__ import annotations

import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

from pynetdicom import AE, build_context, evt
from pynetdicom.pdu_primitives import SOPClassCommonExtendedNegotiation
from pynetdicom.sop_class import Verification
from pynetdicom.transport import ThreadedAssociationServer

from ..enums import OriginKind
from ..errors import DonjonError, ErrorCode
from ..types import Origin
from . import pynetdicom_settings  # noqa: F401  (module-level settings, once)
from .access import AccessPolicy, AssociationRequest
from .contexts import configured_transfer_syntaxes, is_storage_like, storage_contexts
from .file_meta import encode_file_meta
from .modalities import DicomRequest, configured_modalities
from .received import CANNOT_UNDERSTAND, check_identity
from .transport import DonjonRequestHandler

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["DicomServer"]

log = logging.getLogger(__name__)

SUCCESS = 0x0000
#: Refused: Out of Resources (PS3.4 B.2.3): storage full, or the store failed.
OUT_OF_RESOURCES = 0xA700

#: The Storage Service Class UID (PS3.4 B.1), through which pynetdicom dispatches C-STORE
#: requests of SOP classes it does not know (UnknownSopClassAccepted).
_STORAGE_SERVICE_CLASS = "1.2.840.10008.4.2"
#: Attribute under which the association's request is kept on pynetdicom's Association.
_REQUEST_ATTR = "donjon_request"




def _failure_status(exc: DonjonError) -> int:
    """The C-STORE status for a store that raised ``exc`` (see the module docstring)."""
    if exc.code is ErrorCode.BadFileFormat:  # a missing identifier is InexistentTag: A700, as Orthanc
        return CANNOT_UNDERSTAND
    return OUT_OF_RESOURCES


class DicomServer:
    """The DICOM listener of a :class:`~donjon.server.Server`.

    Args:
        server: The server whose ``store`` the C-STORE handler calls.
        host: The interface to listen on.
        port: The port (None: ``DicomPort``; 0: a free one).

    Raises:
        DonjonError: ``BadFileFormat`` for a malformed ``DicomModalities``.
    """

    def __init__(self, server: Server, host: str = "0.0.0.0", port: int | None = None) -> None:
        self.server = server
        cfg = server.config.core
        self.host = host
        self.port = cfg.dicom_port if port is None else port
        self.modalities = configured_modalities(server)
        self.policy = AccessPolicy(cfg, self.modalities, server.plugins)
        self.unknown_sop_class_accepted = cfg.unknown_sop_class_accepted
        self.transfer_syntaxes = configured_transfer_syntaxes(cfg)
        self.ae = AE(ae_title=cfg.dicom_aet)
        # Orthanc's allowed range is [4096, 131072]; 0 would mean "unlimited" to pynetdicom.
        self.ae.maximum_pdu_size = min(max(cfg.maximum_pdu_length, 4096), 131072) if cfg.maximum_pdu_length else 0
        self.ae.acse_timeout = cfg.dicom_scp_timeout
        self.ae.dimse_timeout = cfg.dicom_scp_timeout
        self.ae.network_timeout = cfg.dicom_scp_timeout
        # The called AET is checked by AccessPolicy: case-insensitively unless StrictAetComparison.
        self.ae.require_called_aet = False
        # DicomThreadsCount bounds concurrent *work*, not connections (Orthanc's note in the
        # default configuration): associations are many, storing is bounded by the semaphore.
        self.ae.maximum_associations = max(64, cfg.dicom_threads_count * 4)
        self._workers = threading.BoundedSemaphore(max(1, cfg.dicom_threads_count))
        self.ae.add_supported_context(Verification)
        for context in storage_contexts(server.config, server.plugins):
            self.ae.add_supported_context(context.abstract_syntax, context.transfer_syntax)
        self._known_abstract = {cx.abstract_syntax for cx in self.ae.supported_contexts}
        self._scp: Any = None

    def start(self) -> int:
        """Listen; returns the bound port (useful when configured as 0)."""
        handlers = [
            (evt.EVT_CONN_OPEN, self._on_connection),
            (evt.EVT_REQUESTED, self._on_association_request),
            (evt.EVT_ACCEPTED, self._on_association_accepted),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
        ]
        # AE.start_server() without its hard-wired request handler: ours gives each
        # association a faster socket and DUL (see donjon.dicom.transport).
        self._scp = self.ae.make_server(
            (self.host, self.port), evt_handlers=handlers, server_class=ThreadedAssociationServer, request_handler=DonjonRequestHandler
        )
        self.ae._servers.append(self._scp)  # AssociationServer.shutdown() removes it from there
        threading.Thread(target=self._scp.serve_forever, name="donjon-dicom-acceptor", daemon=True).start()
        self.port = self._scp.server_address[1]
        log.info("DICOM server listening on port %d (AET %s)", self.port, self.ae.ae_title)
        return self.port

    def stop(self) -> None:
        """Stop listening and abort the associations in progress."""
        if self._scp is not None:
            self._scp.shutdown()
            self._scp = None
        # pynetdicom's DUL threads are not daemons: an association left open by a peer
        # would keep a stopping process alive until DicomScpTimeout.
        for assoc in list(self.ae.active_associations):
            assoc.abort()

    # -- association ------------------------------------------------------------

    @staticmethod
    def _on_connection(event: Any) -> None:
        # Debian's DCMTK leaves Nagle on: without TCP_NODELAY here a storescu crawls (PERFORMANCE.md).
        try:
            event.assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (AttributeError, OSError):
            pass

    def _on_association_request(self, event: Any) -> None:
        assoc = event.assoc
        primitive = assoc.requestor.primitive
        request = AssociationRequest(
            calling_aet=str(primitive.calling_ae_title).strip(),
            called_aet=str(primitive.called_ae_title).strip(),
            remote_ip=str(assoc.requestor.address),
            remote_port=int(assoc.requestor.port or 0),
        )
        setattr(assoc, _REQUEST_ATTR, request)
        rejection = self.policy.check_association(request)
        if rejection is not None:
            log.warning("association from AET %r on %s rejected: %s", request.calling_aet, request.remote_ip, rejection.reason)
            # Rejected (permanent), source: service user (PS3.8 Table 9-21).
            assoc.acse.send_reject(0x01, 0x01, rejection.diagnostic)
            # As pynetdicom's own rejections do: wait until the A-ASSOCIATE-RJ is sent,
            # otherwise the socket is closed first and the peer only sees a dropped connection.
            evt.trigger(assoc, evt.EVT_REJECTED, {})
            assoc.kill()
            return
        if self.unknown_sop_class_accepted:
            self._accept_unknown_sop_classes(assoc, primitive)

    def _accept_unknown_sop_classes(self, assoc: Any, primitive: Any) -> None:
        """UnknownSopClassAccepted: support, for this association, every proposed
        storage-like abstract syntax we do not know, with our transfer syntaxes
        (DCMTK storescp's "promiscuous" mode, which Orthanc uses)."""
        extra = []
        for cx in primitive.presentation_context_definition_list:
            uid = str(cx.abstract_syntax)
            if uid not in self._known_abstract and is_storage_like(uid) and self.transfer_syntaxes:
                extra.append(build_context(uid, self.transfer_syntaxes))
        if extra:
            assoc.acceptor.supported_contexts = [*assoc.acceptor.supported_contexts, *extra]
            assoc.donjon_unknown_classes = {cx.abstract_syntax for cx in extra}

    @staticmethod
    def _on_association_accepted(event: Any) -> None:
        # pynetdicom picks the service class by SOP class UID and knows nothing of the
        # unknown ones; SOP Class Common Extended Negotiation (PS3.7 D.3.3.6) is its
        # per-association way of saying "this SOP class belongs to the Storage service".
        unknown = getattr(event.assoc, "donjon_unknown_classes", None)
        if not unknown:
            return
        for uid in unknown:
            item = SOPClassCommonExtendedNegotiation()
            item.sop_class_uid = uid
            item.service_class_uid = _STORAGE_SERVICE_CLASS
            event.assoc.acceptor._common_ext[uid] = item

    def _allowed(self, event: Any, command: DicomRequest) -> bool:
        request = getattr(event.assoc, _REQUEST_ATTR)
        if self.policy.is_request_allowed(request, command):
            return True
        # Orthanc aborts the association on a refused command.
        event.assoc.abort(block=False)
        return False

    @staticmethod
    def _origin(event: Any) -> Origin:
        request: AssociationRequest = getattr(event.assoc, _REQUEST_ATTR)
        return Origin(
            kind=OriginKind.DicomProtocol,
            remote_ip=request.remote_ip,
            remote_aet=request.calling_aet,
            called_aet=request.called_aet,
        )

    # -- services ---------------------------------------------------------------

    def _on_echo(self, event: Any) -> int:
        """C-ECHO (PS3.7 9.1.5): ``0x0000`` Success; a refused peer gets an A-ABORT."""
        if not self._allowed(event, DicomRequest.Echo):
            return OUT_OF_RESOURCES
        return SUCCESS

    def _on_store(self, event: Any) -> int:
        """C-STORE: see the module docstring for the statuses."""
        if not self._allowed(event, DicomRequest.Store):
            return OUT_OF_RESOURCES
        request = event.request
        origin = self._origin(event)
        sop_class, sop_instance = str(request.AffectedSOPClassUID), str(request.AffectedSOPInstanceUID)
        transfer_syntax = str(event.context.transfer_syntax)
        stream = request.DataSet.getvalue()
        refused = check_identity(stream, transfer_syntax, sop_class, sop_instance)
        if refused is not None:
            log.warning("C-STORE of %s from AET %r refused with status %#06x: unreadable or mismatched dataset", sop_instance, origin.remote_aet, refused)
            return refused
        try:
            data = encode_file_meta(sop_class, sop_instance, transfer_syntax, origin.remote_aet) + stream
            with self._workers:
                self.server.store(data, origin)
        except DonjonError as exc:
            log.warning("C-STORE of %s from AET %r failed: %s", request.AffectedSOPInstanceUID, origin.remote_aet, exc)
            return _failure_status(exc)
        except Exception:
            log.exception("C-STORE of %s from AET %r failed", request.AffectedSOPInstanceUID, origin.remote_aet)
            return OUT_OF_RESOURCES
        return SUCCESS
