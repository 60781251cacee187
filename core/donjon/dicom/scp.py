"""The DICOM server: pynetdicom SCP for C-ECHO and C-STORE (more services plug in here).

Handlers are thin adapters (CONVENTIONS §9): build an :class:`~donjon.types.Origin`,
call the server, translate the answer into a DIMSE status.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from pynetdicom import AE, evt
from pynetdicom.sop_class import Verification

from ..enums import OriginKind, StoreStatus
from ..errors import DonjonError, ErrorCode
from ..types import Origin
from . import pynetdicom_settings  # noqa: F401  (module-level settings, once)
from .contexts import storage_contexts
from .modalities import association_allowed

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["DicomServer"]

log = logging.getLogger(__name__)

# C-STORE statuses (PS3.4 Annex B.2.3)
SUCCESS = 0x0000
#: Refused: Out of Resources — the storage is full.
OUT_OF_RESOURCES = 0xA700
#: Error: Cannot understand — the dataset is not a DICOM file Donjon can index.
CANNOT_UNDERSTAND = 0xC000
#: Processing failure — anything else; the association lives on.
PROCESSING_FAILURE = 0x0110
#: Refused: SOP class not supported / not authorized (Orthanc answers this for filtered-out instances).
NOT_AUTHORIZED = 0x0124


class DicomServer:
    """The DICOM listener of a :class:`~donjon.server.Server`."""

    def __init__(self, server: Server, host: str = "0.0.0.0", port: int | None = None) -> None:
        self.server = server
        cfg = server.config.core
        self.host = host
        self.port = cfg.dicom_port if port is None else port
        self.ae = AE(ae_title=cfg.dicom_aet)
        self.ae.maximum_pdu_size = cfg.maximum_pdu_length if cfg.maximum_pdu_length else 0
        self.ae.acse_timeout = cfg.dicom_scp_timeout
        self.ae.dimse_timeout = cfg.dicom_scp_timeout
        self.ae.network_timeout = cfg.dicom_scp_timeout
        self.ae.require_called_aet = cfg.dicom_check_called_aet
        self.ae.maximum_associations = max(1, cfg.dicom_threads_count * 4)
        self.ae.add_supported_context(Verification)
        for context in storage_contexts(cfg, server.plugins):
            self.ae.add_supported_context(context.abstract_syntax, context.transfer_syntax)
        self._scp: Any = None

    def start(self) -> int:
        """Listen; returns the bound port (useful when configured as 0)."""
        handlers = [
            (evt.EVT_CONN_OPEN, self._on_connection),
            (evt.EVT_REQUESTED, self._on_association_request),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
        ]
        self._scp = self.ae.start_server((self.host, self.port), block=False, evt_handlers=handlers)
        self.port = self._scp.server_address[1]
        self._scp.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        log.info("DICOM server listening on port %d (AET %s)", self.port, self.ae.ae_title)
        return self.port

    def stop(self) -> None:
        if self._scp is not None:
            self._scp.shutdown()
            self._scp = None

    # -- handlers ---------------------------------------------------------------

    @staticmethod
    def _on_connection(event: Any) -> None:
        # Debian's DCMTK leaves Nagle on: without TCP_NODELAY here a storescu crawls (PERFORMANCE.md).
        try:
            event.assoc.dul.socket.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (AttributeError, OSError):
            pass

    def _on_association_request(self, event: Any) -> None:
        assoc = event.assoc
        refusal = association_allowed(self.server, assoc)
        if refusal is not None:
            log.warning("association from %s (%s) refused: %s", assoc.requestor.ae_title, assoc.requestor.address, refusal)
            # Rejected (permanent), service user, calling AE title not recognized (PS3.8 9.3.4).
            assoc.acse.send_reject(0x01, 0x01, 0x03)

    def _origin(self, event: Any) -> Origin:
        assoc = event.assoc
        return Origin(
            kind=OriginKind.DicomProtocol,
            remote_ip=assoc.requestor.address,
            remote_aet=assoc.requestor.ae_title.strip(),
            called_aet=assoc.acceptor.ae_title.strip(),
        )

    def _on_echo(self, event: Any) -> int:
        """C-ECHO: 0x0000 Success."""
        return SUCCESS

    def _on_store(self, event: Any) -> int:
        """C-STORE: 0x0000 stored (or already stored), 0xA700 storage full, 0xC000 unreadable, 0x0110 failure."""
        try:
            data = event.encoded_dataset()
            result = self.server.store(data, self._origin(event))
        except DonjonError as exc:
            log.warning("C-STORE from %s failed: %s", event.assoc.requestor.ae_title, exc)
            if exc.code is ErrorCode.FullStorage:
                return OUT_OF_RESOURCES
            if exc.code is ErrorCode.BadFileFormat:
                return CANNOT_UNDERSTAND
            return PROCESSING_FAILURE
        except Exception:
            log.exception("C-STORE from %s failed", event.assoc.requestor.ae_title)
            return PROCESSING_FAILURE
        if result.status == StoreStatus.FilteredOut.value:
            return NOT_AUTHORIZED
        return SUCCESS


