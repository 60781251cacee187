"""Every extension point of Donjon, grouped by family.

Each spec says when it is called, on which thread, what it may return and how
the results of several plugins combine. Call sites use the helpers of
:mod:`donjon.plugins` (``collect``, ``first``, ``exclusive``, ``notify``), whose
names say how results combine. Hooks are synchronous; returning a coroutine is a bug.
Specs only grow: new keyword arguments, never renames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import msgspec

    from .config import Config
    from .dicom.header import ParsedInstance
    from .types import Change, Identity, Origin, Refusal, StoredInstance

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "donjon"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------- lifecycle


@hookspec
def donjon_config_sections() -> dict[str, type[msgspec.Struct]]:
    """Declare the configuration sections a plugin reads.

    Called: once, while the configuration is loaded, before anything starts.
    Combine: every result is merged; two plugins declaring one section name stop the start.

    Returns:
        Section name (Orthanc's, e.g. ``"ServeFolders"``) → a ``msgspec.Struct`` type whose
        fields carry the defaults. A wrong type in the file stops the start with the key's path.
        A section with two shapes in Orthanc (ServeFolders' short form) gives its Struct a
        static ``from_raw(value)`` returning the shape to validate.

    Orthanc: each plugin reads its own section of the configuration.
    Since: 0.1
    """


@hookspec
def donjon_configure(config: Config) -> None:
    """Check a validated configuration further, or derive settings from it.

    Called: once, after every section was validated, before storage and index open.
    May: raise ``DonjonError`` (or ``ValueError``) to stop the start with a message.
    Combine: every implementation is called.
    Since: 0.1
    """


@hookspec
def donjon_startup(server: Any) -> None:
    """The server is ready: index and storage are open, nothing is listening yet.

    Called: once, on the main thread. May read and write through ``server`` and start
    threads it stops in ``donjon_shutdown``.
    Combine: every implementation is called; an exception stops the start.

    Orthanc: ``OrthancPluginInitialize``, Lua ``Initialize``.
    Since: 0.1
    """


@hookspec
def donjon_shutdown(server: Any) -> None:
    """The server is stopping: listeners are closed, index and storage still open.

    Called: once, on the main thread. Exceptions are logged and the others still run.

    Orthanc: ``OrthancPluginFinalize``, Lua ``Finalize``.
    Since: 0.1
    """


# --------------------------------------------------------------------- back-ends


@hookspec(firstresult=True)
def donjon_storage_area(config: Config) -> Any | None:
    """Provide the storage area that holds attachments (a ``StorageArea``).

    Called: once at start-up. Return None to let another plugin (or the built-in
    filesystem storage, registered last) provide it.
    Combine: at most one external plugin may answer; two answers stop the start
    with error 2036, as in Orthanc.

    Orthanc: ``OrthancPluginRegisterStorageArea``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_index_backend(config: Config) -> Any | None:
    """Provide the index back-end (an ``IndexBackend``).

    Called: once at start-up. Return None to let another plugin (or the built-in
    SQLite index, registered last) provide it.
    Combine: at most one external plugin may answer (error 2037 otherwise).

    Orthanc: ``OrthancPluginRegisterDatabaseBackend``.
    Since: 0.1
    """


# --------------------------------------------------------------------- ingest


@hookspec(firstresult=True)
def donjon_received_instance(data: bytes, origin: Origin) -> bytes | bool | None:
    """See (and possibly replace) the raw bytes of an incoming instance before parsing.

    Called: on the thread that stores the instance, before anything is parsed.
    Returns: None to keep the bytes, new bytes to store instead, or ``False`` to
    discard the instance (reported as FilteredOut).
    Combine: first non-None answer wins.

    Orthanc: ``OrthancPluginRegisterReceivedInstanceCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_instance_filter(instance: ParsedInstance, origin: Origin) -> Refusal | None:
    """Decide whether an incoming instance may be stored.

    Called: once per instance, on the thread that is storing it, after the header is
    parsed and the Orthanc IDs are known, before anything is written.
    May: read from the index; must not store, delete or modify anything.

    Returns:
        None to let it through, or a Refusal; the first Refusal wins and the instance
        is reported as FilteredOut.

    Orthanc: ``IncomingDicomInstanceFilter``, Lua ``ReceivedInstanceFilter``.
    Since: 0.1
    """


# --------------------------------------------------------------------- events


@hookspec
def donjon_stored_instance(server: Any, instance: StoredInstance) -> None:
    """An instance was stored and its index transaction committed.

    Called: on the event thread, after commit, once per stored instance (not for
    AlreadyStored). Exceptions are logged with the plugin's name; others still run.
    May: call back into the server (read, store, delete): the ingest path is not blocked.

    Orthanc: ``OnStoredInstance``.
    Since: 0.1
    """


@hookspec
def donjon_change(server: Any, change: Change) -> None:
    """A change was logged (new, deleted, stable resource, updated metadata...).

    Called: on the event thread, after the transaction that logged it committed, in
    the order of ``/changes``. Exceptions are logged; others still run.

    Orthanc: ``OnChange``, Lua ``OnStablePatient`` / ``OnStableStudy`` / ``OnStableSeries``.
    Since: 0.1
    """


# --------------------------------------------------------------------- HTTP


@hookspec
def donjon_routes(server: Any) -> list[Any]:
    """Contribute litestar route handlers or ``Router`` objects to the HTTP application.

    Called: once at start-up, after ``donjon_startup``.
    Combine: every result is added. Authentication, the remote-access rule and the
    request filters cover these routes without the plugin doing anything.

    Orthanc: ``OrthancPluginRegisterRestCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_authenticate(request: Any) -> Identity | Refusal | None:
    """Authenticate an HTTP request (tokens, headers, client certificates...).

    Called: once per request, on the event loop, before routing: keep it fast.
    Returns: an Identity to let the request in as that user, a Refusal to answer 401/403,
    or None to let the built-in HTTP Basic check decide.
    Combine: first non-None answer wins.

    Orthanc: ``OrthancPluginRegisterHttpAuthentication``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_http_request_filter(request: Any, identity: Identity) -> Refusal | None:
    """Refuse an authenticated request by method, path, user or header.

    Called: once per request, after authentication, before the handler.
    Combine: first Refusal wins (answered as 403 unless the Refusal says otherwise).

    Orthanc: Lua ``IncomingHttpRequestFilter``, ``OrthancPluginRegisterIncomingHttpRequestFilter2``.
    Since: 0.1
    """


# --------------------------------------------------------------------- DICOM


@hookspec
def donjon_presentation_contexts(config: Config) -> list[Any]:
    """Add abstract syntaxes (with transfer syntaxes) that the DICOM server accepts.

    Called: once at start-up. Returns a list of ``(sop_class_uid, [transfer syntaxes])``.
    Combine: every result is added.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_association_filter(association: Any) -> Refusal | None:
    """Refuse an incoming DICOM association (by AET, IP, called AET).

    Called: on the association thread, when the A-ASSOCIATE request arrives, after the
    built-in checks (``DicomCheckCalledAet``, ``DicomModalities``) let it through.
    ``association`` is a ``donjon.dicom.access.AssociationRequest`` (``calling_aet``,
    ``called_aet``, ``remote_ip``, ``remote_port``).
    Combine: first Refusal wins; the association is rejected ("calling AE title not
    recognized", PS3.8 Table 9-21).

    Orthanc: the modality checks of ``DicomModalities``, Lua ``IncomingAssociationFilter``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_find_request_filter(query: Any, origin: Origin) -> Any | None:
    """Rewrite or refuse an incoming C-FIND query (return a new query or a Refusal).

    Called: on the association thread, before the query is answered.
    Orthanc: Lua ``IncomingFindRequestFilter``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_c_find(query: Any, origin: Origin) -> list[Any] | None:
    """Answer a C-FIND (including modality worklists) instead of the index.

    Called: on the association thread. Return a list of answer datasets, or None to
    let the index answer. First non-None answer wins.
    Orthanc: ``OrthancPluginRegisterFindCallback``, ``OrthancPluginRegisterWorklistCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_retrieve(request: Any, origin: Origin) -> list[str] | None:
    """Resolve a C-MOVE or C-GET request to the Orthanc IDs of the instances to send.

    Called: on the association thread. First non-None answer wins.
    Orthanc: ``OrthancPluginRegisterMoveCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_storage_commitment(request: Any, origin: Origin) -> Any | None:
    """Answer a storage commitment request (N-ACTION). First non-None answer wins.

    Orthanc: ``OrthancPluginRegisterStorageCommitmentScpCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_outgoing_store_filter(data: bytes, destination: Any) -> bytes | Refusal | None:
    """See or replace an instance about to be sent by C-STORE SCU, or refuse to send it.

    Called: on the SCU or job thread. First non-None answer wins.
    Orthanc: Lua ``OutgoingCStoreInstanceFilter``.
    Since: 0.1
    """


# --------------------------------------------------------------------- jobs, imaging, UI, metrics


@hookspec
def donjon_job_types() -> list[type]:
    """Register job classes that the jobs engine can run, persist and reload.

    Combine: every result is added; two classes with one type name stop the start.
    Orthanc: ``OrthancPluginRegisterJobsUnserializer``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_decode_frame(data: bytes, frame: int, transfer_syntax: str) -> Any | None:
    """Decode one frame of an instance whose syntax the built-in codecs cannot read.

    Called: on a worker thread. Returns a numpy array, or None to pass. First answer wins.
    Orthanc: ``OrthancPluginRegisterDecodeImageCallback``.
    Since: 0.1
    """


@hookspec(firstresult=True)
def donjon_transcode(data: bytes, transfer_syntaxes: list[str], allow_new_sop_instance: bool) -> bytes | None:
    """Transcode a DICOM file to one of ``transfer_syntaxes``. First answer wins.

    Orthanc: ``OrthancPluginRegisterTranscoderCallback``.
    Since: 0.1
    """


@hookspec
def donjon_explorer_extensions(server: Any) -> list[str]:
    """JavaScript snippets added to the web explorer (Orthanc's ``ExtendOrthancExplorer``).

    Combine: every result is concatenated.
    Since: 0.1
    """


@hookspec
def donjon_metrics(server: Any) -> dict[str, float]:
    """Metrics to publish at ``/tools/metrics-prometheus`` (name → value).

    Called: on each metrics request, on a worker thread. Combine: merged.
    Orthanc: ``OrthancPluginRegisterRefreshMetricsCallback``.
    Since: 0.1
    """
