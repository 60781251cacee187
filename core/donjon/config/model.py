"""The core configuration keys, with Orthanc 1.10.1's names and defaults.

One field per key of ``orthanc-1.10.1-default-configuration.json`` (plus the
later ones Donjon implements); the commented default configuration written by
``donjon --config=FILE`` is generated from these fields and their descriptions.
Plugin sections (``DicomWeb``, ``PostgreSQL``, ``ServeFolders``...) are Structs of
their own, declared through ``donjon_config_sections``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta, field

__all__ = ["DEFAULTS_DIFFERING_FROM_ORTHANC", "CoreConfig"]

#: Where Donjon's default differs from Orthanc 1.10.1's default configuration, and why
#: (a test compares every other default with the reference file).
DEFAULTS_DIFFERING_FROM_ORTHANC: dict[str, str] = {
    "WebDavEnabled": "Donjon has no WebDAV server: the key is accepted so that Orthanc files load, "
    "but advertising a disabled service as enabled would mislead; off until WebDAV exists.",
}


def _d(text: str) -> Meta:
    return Meta(description=text)


class CoreConfig(msgspec.Struct, rename="pascal", kw_only=True, forbid_unknown_fields=False):
    """The top-level keys of an Orthanc configuration file."""

    # --- General
    name: Annotated[str, _d("The logical name of this instance of Orthanc.")] = "MyOrthanc"
    temporary_directory: Annotated[str, _d("Folder for temporary files (large ZIP archives, uploads); empty: the system's temporary folder.")] = ""
    storage_directory: Annotated[str, _d("Path to the directory that holds the heavyweight files (i.e. the raw DICOM instances).")] = "OrthancStorage"
    index_directory: Annotated[str, _d("Path to the directory that holds the SQLite index.")] = "OrthancStorage"
    storage_compression: Annotated[bool, _d("Enable the transparent compression of the DICOM instances (zlib).")] = False
    maximum_storage_size: Annotated[int, _d("Maximum size of the storage in MB (a value of 0 indicates no limit on the storage size).")] = 0
    maximum_patient_count: Annotated[int, _d("Maximum number of patients that can be stored at a given time (0 = no limit).")] = 0
    maximum_storage_mode: Annotated[str, _d("Action to take when the maximum storage is reached: 'Recycle' (the oldest patients are deleted) or 'Reject'.")] = "Recycle"
    maximum_storage_cache_size: Annotated[int, _d("Maximum size of the storage cache in MB.")] = 128
    lua_scripts: Annotated[list[str], _d("List of paths to the custom Lua scripts to load into this instance.")] = field(default_factory=list)
    lua_heart_beat_period: Annotated[int, _d("Period of the Lua OnHeartBeat() callback in seconds (0 = disabled).")] = 0
    plugins: Annotated[list[str], _d("Orthanc loads shared libraries here; Donjon discovers plugins through the 'donjon' entry points and ignores this list.")] = field(default_factory=list)
    concurrent_jobs: Annotated[int, _d("Maximum number of processing jobs that are simultaneously running at any given time.")] = 2
    jobs_history_size: Annotated[int, _d("Number of completed jobs kept in memory.")] = 10
    save_jobs: Annotated[bool, _d("Whether the jobs engine saves its jobs in the index.")] = True

    # --- HTTP server
    http_server_enabled: Annotated[bool, _d("Enable the HTTP server.")] = True
    orthanc_explorer_enabled: Annotated[bool, _d("Enable the web explorer.")] = True
    http_port: Annotated[int, _d("HTTP port for the REST services and for the GUI.")] = 8042
    http_describe_errors: Annotated[bool, _d("When the following option is true, the error messages are detailed in the HTTP answers.")] = True
    http_compression_enabled: Annotated[bool, _d("Enable HTTP compression to improve network bandwidth utilization.")] = True
    web_dav_enabled: Annotated[bool, _d("Enable the WebDAV server.")] = False
    web_dav_delete_allowed: Annotated[bool, _d("Allow deletions through WebDAV.")] = False
    web_dav_upload_allowed: Annotated[bool, _d("Allow uploads through WebDAV.")] = True
    remote_access_allowed: Annotated[bool, _d("Whether remote hosts can connect to the HTTP server.")] = False
    ssl_enabled: Annotated[bool, _d("Whether or not SSL is enabled.")] = False
    ssl_certificate: Annotated[str, _d("Path to the SSL certificate used by the HTTP server (PEM, with the private key).")] = "certificate.pem"
    ssl_minimum_protocol_version: Annotated[int, _d("Minimum SSL/TLS protocol version (4 = TLS 1.2).")] = 4
    ssl_verify_peers: Annotated[bool, _d("Whether the HTTP server requires client certificates.")] = False
    ssl_trusted_client_certificates: Annotated[str, _d("Path to the trusted client certificates (PEM).")] = "trustedClientCertificates.pem"
    authentication_enabled: Annotated[bool | None, _d("Whether HTTP Basic authentication is required; when absent, it is on exactly when remote access is allowed.")] = None
    registered_users: Annotated[dict[str, str], _d("The list of the registered users who can access the REST API (HTTP Basic).")] = field(default_factory=dict)
    user_rights: Annotated[dict[str, list[str]], _d("Donjon: the HTTP methods each registered user may use, e.g. {\"alice\": [\"GET\"]}; users not listed may use every method.")] = field(default_factory=dict)
    audit_log_enabled: Annotated[bool, _d("Donjon: write an audit trail of HTTP requests (user, IP, method, path, resource IDs, status).")] = False
    audit_log_path: Annotated[str, _d("Donjon: the file of the audit trail (JSON lines), relative to the current folder.")] = "audit.log"
    http_request_timeout: Annotated[int, _d("Timeout of an incoming HTTP request, in seconds.")] = 30
    keep_alive: Annotated[bool, _d("Enable the HTTP keep-alive.")] = True
    tcp_no_delay: Annotated[bool, _d("Set TCP_NODELAY on the sockets of the HTTP server.")] = True
    http_threads_count: Annotated[int, _d("Number of threads that handle the blocking work of HTTP requests.")] = 50
    execute_lua_enabled: Annotated[bool, _d("Whether POST /tools/execute-script is allowed.")] = False
    rest_api_write_to_file_system_enabled: Annotated[bool, _d("Whether routes may write to the server's filesystem.")] = False
    metrics_enabled: Annotated[bool, _d("Whether the metrics are collected and published at /tools/metrics-prometheus.")] = True

    # --- DICOM server
    dicom_server_enabled: Annotated[bool, _d("Enable the DICOM server.")] = True
    dicom_aet: Annotated[str, _d("The DICOM Application Entity Title.")] = "ORTHANC"
    dicom_check_called_aet: Annotated[bool, _d("Check whether the called AET corresponds to the AET of Orthanc during an incoming DICOM SCU request.")] = False
    dicom_port: Annotated[int, _d("The DICOM port.")] = 4242
    default_encoding: Annotated[str, _d("The default encoding that is assumed for DICOM files without SpecificCharacterSet.")] = "Latin1"
    accepted_transfer_syntaxes: Annotated[list[str], _d("The transfer syntaxes accepted by the C-STORE SCP (wildcards allowed).")] = field(default_factory=lambda: ["1.2.840.10008.1.*"])
    deflated_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the deflated transfer syntax.")] = None
    jpeg_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the JPEG transfer syntaxes.")] = None
    jpeg2000_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the JPEG 2000 transfer syntaxes.")] = None
    jpeg_lossless_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the JPEG-LS transfer syntaxes.")] = None
    jpip_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the JPIP transfer syntaxes.")] = None
    mpeg2_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the MPEG-2 transfer syntaxes.")] = None
    rle_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the RLE transfer syntax.")] = None
    mpeg4_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the MPEG-4 transfer syntaxes.")] = None
    h265_transfer_syntax_accepted: Annotated[bool | None, _d("Deprecated: accept the HEVC/H.265 transfer syntaxes.")] = None
    unknown_sop_class_accepted: Annotated[bool, _d("Whether Orthanc accepts to act as C-STORE SCP for unknown storage SOP classes.")] = False
    dicom_scp_timeout: Annotated[int, _d("Set the timeout (in seconds) after which the DICOM associations are closed by the Orthanc SCP.")] = 30
    dicom_tls_enabled: Annotated[bool, _d("Whether DICOM TLS is enabled in the DICOM server.")] = False
    dicom_tls_certificate: Annotated[str, _d("Path to the certificate of the DICOM TLS server (PEM).")] = ""
    dicom_tls_private_key: Annotated[str, _d("Path to the private key of the DICOM TLS server (PEM).")] = ""
    dicom_tls_trusted_certificates: Annotated[str, _d("Path to the trusted certificates of the remote modalities (PEM).")] = ""
    dicom_tls_remote_certificate_required: Annotated[bool, _d("Whether remote DICOM TLS peers must present a certificate.")] = True
    dicom_always_allow_echo: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-ECHO requests, even from SCU modalities it does not know about.")] = True
    dicom_always_allow_store: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-STORE requests, even from SCU modalities it does not know about.")] = True
    dicom_always_allow_find: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-FIND requests, even from SCU modalities it does not know about.")] = False
    dicom_always_allow_find_worklist: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-FIND worklist requests from unknown modalities.")] = False
    dicom_always_allow_get: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-GET requests, even from SCU modalities it does not know about.")] = False
    dicom_always_allow_move: Annotated[bool, _d("Whether the Orthanc SCP allows incoming C-MOVE requests from unknown modalities.")] = False
    dicom_check_modality_host: Annotated[bool, _d("Whether the IP address of the remote modality must match its configured Host.")] = False
    dicom_modalities: Annotated[dict[str, Any], _d("The list of the known DICOM modalities: name -> [AET, host, port] or an object.")] = field(default_factory=dict)
    dicom_modalities_in_database: Annotated[bool, _d("Whether the modalities are stored in the index (dynamic, through the REST API).")] = False
    dicom_echo_checks_find: Annotated[bool, _d("Whether the C-ECHO SCU also checks C-FIND.")] = False
    dicom_scu_timeout: Annotated[int, _d("The timeout (in seconds) of the DICOM SCU.")] = 10
    dicom_scu_preferred_transfer_syntax: Annotated[str, _d("The transfer syntax that the SCU prefers when transcoding.")] = "1.2.840.10008.1.2.1"
    dicom_threads_count: Annotated[int, _d("Number of threads of the DICOM server.")] = 4
    dicom_association_close_delay: Annotated[int, _d("Delay in seconds before closing an idle outgoing association.")] = 5
    maximum_pdu_length: Annotated[int, _d("Maximum length of the PDUs of the DICOM protocol.")] = 16384
    strict_aet_comparison: Annotated[bool, _d("Whether AETs are compared case-sensitively.")] = False
    synchronous_c_move: Annotated[bool, _d("Whether C-MOVE SCP requests are run synchronously.")] = field(name="SynchronousCMove", default=True)
    query_retrieve_size: Annotated[int, _d("Maximum number of query/retrieve answers kept in memory.")] = 100
    case_sensitive_pn: Annotated[bool, _d("Whether PN matching in C-FIND is case-sensitive.")] = field(name="CaseSensitivePN", default=False)
    limit_find_results: Annotated[int, _d("Maximum number of patient/study/series answers of a C-FIND or /tools/find (0 = unlimited).")] = 0
    limit_find_instances: Annotated[int, _d("Maximum number of instance answers of a C-FIND or /tools/find (0 = unlimited).")] = 0
    storage_commitment_reports_size: Annotated[int, _d("Number of storage commitment reports kept in memory.")] = 100
    transcode_dicom_protocol: Annotated[bool, _d("Whether the C-STORE SCU transcodes to a syntax accepted by the peer.")] = True

    # --- Peers and outgoing HTTP
    orthanc_peers: Annotated[dict[str, Any], _d("The list of the known Orthanc peers: name -> [URL, user, password] or an object.")] = field(default_factory=dict)
    orthanc_peers_in_database: Annotated[bool, _d("Whether the peers are stored in the index.")] = False
    http_proxy: Annotated[str, _d("Parameters of the HTTP proxy to be used by Orthanc.")] = ""
    http_verbose: Annotated[bool, _d("Verbose logs of the outgoing HTTP requests.")] = False
    http_timeout: Annotated[int, _d("Timeout of outgoing HTTP requests, in seconds.")] = 60
    https_verify_peers: Annotated[bool, _d("Whether outgoing HTTPS connections check the certificate of the server.")] = True
    https_ca_certificates: Annotated[str, _d("Path to the CA certificates used by outgoing HTTPS connections.")] = field(name="HttpsCACertificates", default="")

    # --- Index and storage behaviour
    user_metadata: Annotated[dict[str, int], _d("User-defined metadata: name -> number in 1024–65535.")] = field(default_factory=dict)
    user_content_type: Annotated[dict[str, Any], _d("User-defined attachment types: name -> number in 1024–65535, or [number, MIME type].")] = field(default_factory=dict)
    stable_age: Annotated[int, _d("Number of seconds without receiving any instance before a patient, a study or a series is considered as stable.")] = 60
    store_md5_for_attachments: Annotated[bool, _d("Whether Orthanc computes the MD5 of the attachments.")] = field(name="StoreMD5ForAttachments", default=True)
    log_exported_resources: Annotated[bool, _d("Whether exported resources are logged in /exports.")] = False
    store_dicom: Annotated[bool, _d("Whether the DICOM files themselves are stored (false keeps the index only).")] = True
    overwrite_instances: Annotated[bool, _d("Whether an incoming instance with the ID of a stored one replaces it.")] = False
    storage_access_on_find: Annotated[str, _d("Whether /tools/find and C-FIND may read the storage: Always, Answers or Never.")] = "Always"
    sync_storage_area: Annotated[bool, _d("Whether the files of the storage area are flushed to disk (fsync) before the index commits.")] = True
    check_revisions: Annotated[bool, _d("Whether metadata and attachments use revisions (If-Match).")] = False
    extra_main_dicom_tags: Annotated[dict[str, list[str]], _d("Extra tags stored in the index, per level.")] = field(default_factory=dict)

    # --- Miscellaneous
    load_private_dictionary: Annotated[bool, _d("Whether the private DICOM dictionary is loaded.")] = True
    dictionary: Annotated[dict[str, Any], _d("Additional entries of the DICOM dictionary.")] = field(default_factory=dict)
    default_private_creator: Annotated[str, _d("The default private creator for private tags.")] = ""
    media_archive_size: Annotated[int, _d("Number of ZIP/media archives kept in memory.")] = 1
    synchronous_zip_stream: Annotated[bool, _d("Whether ZIP archives are streamed while they are built.")] = True
    zip_loader_threads: Annotated[int, _d("Number of threads that read files while a ZIP archive is built.")] = 0
    builtin_decoder_transcoder_order: Annotated[str, _d("Whether the built-in decoders run Before or After those of plugins.")] = "After"
    ingest_transcoding: Annotated[str, _d("Transfer syntax to which incoming instances are transcoded (empty: none).")] = ""
    ingest_transcoding_of_uncompressed: Annotated[bool, _d("Whether uncompressed incoming instances are transcoded.")] = True
    ingest_transcoding_of_compressed: Annotated[bool, _d("Whether compressed incoming instances are transcoded.")] = True
    dicom_lossy_transcoding_quality: Annotated[int, _d("Quality of lossy transcoding (1–100).")] = 90
    deidentify_logs: Annotated[bool, _d("Whether patient information is removed from the logs.")] = True
    deidentify_logs_dicom_version: Annotated[str, _d("The DICOM version of the de-identification profile of the logs.")] = "2021b"
    malloc_arena_max: Annotated[int, _d("glibc arenas (ignored by Donjon).")] = 5
    locale: Annotated[str, _d("Locale used to compare strings case-insensitively (Orthanc); Donjon compares with Unicode case folding whatever this says.")] = ""
    warnings: Annotated[dict[str, bool], _d("Enable or disable the warnings W001, W002...")] = field(default_factory=dict)

    @property
    def authentication_required(self) -> bool:
        """Orthanc's rule: authentication defaults to on exactly when remote access is allowed."""
        if self.authentication_enabled is None:
            return self.remote_access_allowed
        return self.authentication_enabled
