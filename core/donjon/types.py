"""Public value types that cross the plugin boundary (re-exported by ``donjon_sdk``)."""

from __future__ import annotations

import msgspec

from .enums import ChangeType, OriginKind, ResourceLevel

__all__ = ["Change", "HttpRequest", "Identity", "Origin", "PluginInfo", "Refusal", "StoredInstance"]


class Origin(msgspec.Struct, frozen=True, kw_only=True):
    """Where a request or an instance came from (Orthanc's ``RequestOrigin``).

    Attributes:
        kind: REST, DICOM protocol, Lua, plugin...
        remote_ip: The peer's IP address (HTTP client or DICOM peer).
        remote_aet: The calling AET of a DICOM association.
        called_aet: The called AET of a DICOM association.
        username: The authenticated HTTP user, if any.
    """

    kind: OriginKind = OriginKind.Unknown
    remote_ip: str = ""
    remote_aet: str = ""
    called_aet: str = ""
    username: str = ""

    def to_json(self) -> dict[str, str]:
        """The ``Origin`` metadata value, as Orthanc's ``RequestOrigin`` name."""
        return {"RequestOrigin": self.kind.value, "RemoteIp": self.remote_ip, "RemoteAet": self.remote_aet, "CalledAet": self.called_aet}


class Refusal(msgspec.Struct, frozen=True):
    """A filter's "no", with the reason shown to the client and the log.

    Attributes:
        reason: Why the request or instance is refused.
        status: HTTP status for HTTP-level refusals (403 by default).
    """

    reason: str
    status: int = 403


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: an authenticated HTTP user (or anonymous)."""

    username: str = ""
    groups: tuple[str, ...] = ()


class HttpRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the HTTP guard knows of a request before routing (given to the auth hooks).

    Attributes:
        method: ``GET``, ``POST``...
        path: The URI path, without the query string.
        query: The raw query string.
        headers: Header names in lower case → values (the last one wins).
        remote_ip: The client's IP address.
        client_certificate: The subject of a verified client certificate, if any.
    """

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    remote_ip: str = ""
    client_certificate: str = ""


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of the changes log, delivered to ``donjon_change`` after commit.

    Job changes (JobSubmitted, JobSuccess, JobFailure) and Deleted changes are delivered
    too but not logged in ``/changes``, as in Orthanc: their ``seq`` is 0. Job changes
    have ``level`` None (Orthanc's ``ResourceType_None``) and the job ID as ``resource_id``.
    """

    seq: int
    change_type: ChangeType
    level: ResourceLevel | None
    resource_id: str
    path: str
    date: str


class StoredInstance(msgspec.Struct, frozen=True, kw_only=True):
    """What ``donjon_stored_instance`` receives after the index committed an instance."""

    instance_id: str
    series_id: str
    study_id: str
    patient_id: str
    origin: Origin
    transfer_syntax: str
    sop_class_uid: str
    main_tags: dict[str, str]


class PluginInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a plugin module says about itself in ``/plugins/{id}`` (``PLUGIN_INFO``)."""

    description: str = ""
    version: str = ""
    explorer_js: str = ""
    #: The plugin's own page, relative to ``/plugins/{id}`` as Orthanc gives it
    #: (``"../app/plugin-serve-folders.html"``); empty for none (no ``RootUri`` key).
    root_uri: str = ""
