"""The configured DICOM modalities (``DicomModalities``), shared by the SCP and the SCU.

Orthanc accepts two spellings for a modality (Book, ``users/configuration.rst`` and the
default configuration file):

- an array ``[AET, host, port]`` or ``[AET, host, port, manufacturer]``;
- an object with ``AET``, ``Host``, ``Port`` and the optional ``Manufacturer``,
  ``AllowEcho``/``AllowFind``/``AllowFindWorklist``/``AllowGet``/``AllowMove``/
  ``AllowStore``/``AllowStorageCommitment`` (an alias for ``AllowNAction`` and
  ``AllowNEventReport``), ``AllowTranscoding``, ``UseDicomTls``, ``LocalAet``, ``Timeout``.

Every ``Allow*`` defaults to true. The SCP uses this model to decide who may associate
and which commands a peer may issue; the SCU (C-STORE, C-FIND, C-MOVE) will use the
address, ``LocalAet``, ``Timeout`` and ``Manufacturer`` of the same objects.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from ..errors import DonjonError, ErrorCode
from ..stash import StashKey

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["DicomRequest", "Modalities", "RemoteModality", "configured_modalities", "parse_modality", "same_aet"]

log = logging.getLogger(__name__)


class DicomRequest(enum.Enum):
    """The DICOM commands a modality may be allowed to issue (Orthanc's ``DicomRequestType``)."""

    Echo = "Echo"
    Find = "Find"
    FindWorklist = "FindWorklist"
    Get = "Get"
    Move = "Move"
    Store = "Store"
    NAction = "NAction"
    NEventReport = "NEventReport"


#: Manufacturers Orthanc 1.10 knows; the patches they select matter to the C-FIND SCU.
MANUFACTURERS = ("Generic", "GenericNoWildcardInDates", "GenericNoUniversalWildcard", "Vitrea", "GE")
#: Values of older Orthanc versions, still read as "Generic" (with a warning), as Orthanc 1.10 does.
_OBSOLETE_MANUFACTURERS = ("AgfaImpax", "EFilm2", "MedInria", "ClearCanvas", "Dcm4Chee", "SyngoVia")

#: Longest AET the DICOM standard allows (PS3.5 Table 6.2-1, VR "AE").
MAX_AET_LENGTH = 16


class RemoteModality(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of ``DicomModalities``.

    Attributes:
        name: The symbolic name (the key in ``DicomModalities``, used in ``/modalities/{name}``).
        aet: The AET of the modality.
        host: Its host name or IP address.
        port: Its DICOM port.
        manufacturer: Patches for a vendor (``Generic`` by default).
        allow_echo ... allow_n_event_report: Which commands the modality may issue to us.
        allow_transcoding: Whether Orthanc may transcode what it sends to this modality.
        use_dicom_tls: Whether SCU connections to it use DICOM TLS.
        local_aet: Our AET when we call this modality ("" = ``DicomAet``).
        timeout: SCU timeout in seconds for this modality (0 = ``DicomScuTimeout``).
    """

    name: str
    aet: str
    host: str
    port: int
    manufacturer: str = "Generic"
    allow_echo: bool = True
    allow_find: bool = True
    allow_find_worklist: bool = True
    allow_get: bool = True
    allow_move: bool = True
    allow_store: bool = True
    allow_n_action: bool = True
    allow_n_event_report: bool = True
    allow_transcoding: bool = True
    use_dicom_tls: bool = False
    local_aet: str = ""
    timeout: int = 0

    def is_request_allowed(self, request: DicomRequest) -> bool:
        """Whether this modality may issue ``request`` to our SCP."""
        return {
            DicomRequest.Echo: self.allow_echo,
            DicomRequest.Find: self.allow_find,
            DicomRequest.FindWorklist: self.allow_find_worklist,
            DicomRequest.Get: self.allow_get,
            DicomRequest.Move: self.allow_move,
            DicomRequest.Store: self.allow_store,
            DicomRequest.NAction: self.allow_n_action,
            DicomRequest.NEventReport: self.allow_n_event_report,
        }[request]

    def to_json(self) -> dict[str, Any]:
        """The object form, as Orthanc shows it in ``/modalities?expand``."""
        out: dict[str, Any] = {
            "AET": self.aet,
            "AllowEcho": self.allow_echo,
            "AllowEventReport": self.allow_n_event_report,
            "AllowFind": self.allow_find,
            "AllowFindWorklist": self.allow_find_worklist,
            "AllowGet": self.allow_get,
            "AllowMove": self.allow_move,
            "AllowNAction": self.allow_n_action,
            "AllowStore": self.allow_store,
            "AllowTranscoding": self.allow_transcoding,
            "Host": self.host,
            "Manufacturer": self.manufacturer,
            "Port": self.port,
            "Timeout": self.timeout,
            "UseDicomTls": self.use_dicom_tls,
        }
        if self.local_aet:
            out["LocalAet"] = self.local_aet
        return out


def same_aet(a: str, b: str, strict: bool) -> bool:
    """Compare two AETs as Orthanc does: case-insensitively unless ``StrictAetComparison``.

    Surrounding spaces never count: DICOM pads AETs with spaces (PS3.8 9.3.2).
    """
    a, b = a.strip(), b.strip()
    return a == b if strict else a.upper() == b.upper()


def parse_modality(name: str, value: Any) -> RemoteModality:
    """Read one ``DicomModalities`` entry, in either of Orthanc's two forms.

    Raises:
        DonjonError: ``BadFileFormat`` naming the modality and the key at fault
            (Orthanc raises the same code for a malformed modality).
    """
    if isinstance(value, list):
        return _parse_array(name, value)
    if isinstance(value, dict):
        return _parse_object(name, value)
    raise _bad(name, f"expected [AET, host, port] or an object, got {type(value).__name__}")


def _parse_array(name: str, value: list[Any]) -> RemoteModality:
    if len(value) not in (3, 4):
        raise _bad(name, f"expected [AET, host, port] or [AET, host, port, manufacturer], got {len(value)} items")
    manufacturer = _manufacturer(name, value[3]) if len(value) == 4 else "Generic"
    return RemoteModality(
        name=name, aet=_aet(name, value[0]), host=_text(name, "host", value[1]), port=_port(name, value[2]), manufacturer=manufacturer
    )


_BOOL_KEYS = {
    "AllowEcho": "allow_echo",
    "AllowFind": "allow_find",
    "AllowFindWorklist": "allow_find_worklist",
    "AllowGet": "allow_get",
    "AllowMove": "allow_move",
    "AllowStore": "allow_store",
    "AllowNAction": "allow_n_action",
    "AllowEventReport": "allow_n_event_report",
    "AllowNEventReport": "allow_n_event_report",
    "AllowTranscoding": "allow_transcoding",
    "UseDicomTls": "use_dicom_tls",
}
_OBJECT_KEYS = {"AET", "Host", "Port", "Manufacturer", "LocalAet", "Timeout", "AllowStorageCommitment", *_BOOL_KEYS}


def _parse_object(name: str, value: dict[str, Any]) -> RemoteModality:
    for key in ("AET", "Host", "Port"):
        if key not in value:
            raise _bad(name, f"the key {key!r} is missing")
    unknown = sorted(set(value) - _OBJECT_KEYS)
    if unknown:
        log.warning("DicomModalities.%s: unknown keys %s are ignored", name, ", ".join(unknown))
    fields: dict[str, Any] = {}
    # AllowStorageCommitment is an alias that sets both N-ACTION and N-EVENT-REPORT;
    # the specific keys, when present too, win (applied below).
    if "AllowStorageCommitment" in value:
        allowed = _bool(name, "AllowStorageCommitment", value["AllowStorageCommitment"])
        fields["allow_n_action"] = fields["allow_n_event_report"] = allowed
    for key, attr in _BOOL_KEYS.items():
        if key in value:
            fields[attr] = _bool(name, key, value[key])
    if "Timeout" in value:
        timeout = value["Timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
            raise _bad(name, f"'Timeout' must be a non-negative integer, got {timeout!r}")
        fields["timeout"] = timeout
    if "LocalAet" in value:
        fields["local_aet"] = _aet(name, value["LocalAet"], key="LocalAet")
    return RemoteModality(
        name=name,
        aet=_aet(name, value["AET"]),
        host=_text(name, "Host", value["Host"]),
        port=_port(name, value["Port"]),
        manufacturer=_manufacturer(name, value.get("Manufacturer", "Generic")),
        **fields,
    )


def _bad(name: str, why: str) -> DonjonError:
    return DonjonError(ErrorCode.BadFileFormat, f"DicomModalities.{name}: {why}")


def _text(name: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, f"{key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _aet(name: str, value: Any, key: str = "AET") -> str:
    aet = _text(name, key, value)
    if len(aet) > MAX_AET_LENGTH:
        raise DonjonError(ErrorCode.BadApplicationEntityTitle, f"DicomModalities.{name}: {key} {aet!r} is longer than 16 characters")
    return aet


def _port(name: str, value: Any) -> int:
    # Orthanc also accepts the port as a string ("104").
    try:
        port = int(value) if not isinstance(value, bool) and isinstance(value, (int, str)) else -1
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise _bad(name, f"the port must be an integer in 1..65535, got {value!r}")
    return port


def _bool(name: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, f"{key!r} must be true or false, got {value!r}")
    return value


def _manufacturer(name: str, value: Any) -> str:
    if value in MANUFACTURERS:
        return str(value)
    if value in _OBSOLETE_MANUFACTURERS:
        log.warning("DicomModalities.%s: manufacturer %r is obsolete, using 'Generic'", name, value)
        return "Generic"
    raise _bad(name, f"unknown manufacturer {value!r} (one of {', '.join(MANUFACTURERS)}; the value is case-sensitive)")


class Modalities(Mapping[str, RemoteModality]):
    """The configured modalities by name, with Orthanc's AET lookup.

    Args:
        entries: Name → modality.
        strict_aet_comparison: ``StrictAetComparison``: compare AETs case-sensitively.
    """

    def __init__(self, entries: dict[str, RemoteModality] | None = None, *, strict_aet_comparison: bool = False) -> None:
        self._entries = dict(entries or {})
        self.strict = strict_aet_comparison

    @classmethod
    def from_config(cls, core: Any) -> Modalities:
        """Parse ``DicomModalities`` of a :class:`~donjon.config.model.CoreConfig`.

        Raises:
            DonjonError: ``BadFileFormat`` naming the malformed modality.
        """
        entries = {name: parse_modality(name, value) for name, value in core.dicom_modalities.items()}
        return cls(entries, strict_aet_comparison=core.strict_aet_comparison)

    def __getitem__(self, name: str) -> RemoteModality:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_raise(self, name: str) -> RemoteModality:
        """The modality called ``name``.

        Raises:
            DonjonError: ``UnknownModality`` (HTTP 404), as Orthanc answers.
        """
        try:
            return self._entries[name]
        except KeyError:
            raise DonjonError(ErrorCode.UnknownModality, f"no modality named {name!r} in DicomModalities") from None

    def by_aet(self, aet: str) -> list[RemoteModality]:
        """Every modality whose AET is ``aet`` (several entries may share an AET)."""
        return [m for m in self._entries.values() if same_aet(m.aet, aet, self.strict)]


_MODALITIES_KEY = StashKey["Modalities"]()


def configured_modalities(server: Server) -> Modalities:
    """The modalities of ``DicomModalities``, parsed once per server (SCP, SCU, REST share them).

    ``DicomModalitiesInDatabase`` (modalities edited through the REST API) is not read here yet.
    """
    if _MODALITIES_KEY not in server.stash:
        server.stash[_MODALITIES_KEY] = Modalities.from_config(server.config.core)
    return server.stash[_MODALITIES_KEY]
