"""The ``DicomWeb`` configuration section: Orthanc's names and defaults (Book ``plugins/dicomweb.rst``)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

__all__ = ["SECTION", "DicomWebConfig"]

#: The section name, Orthanc's.
SECTION = "DicomWeb"

MetadataMode = Literal["Full", "MainDicomTags", "Extrapolate"]


class DicomWebConfig(msgspec.Struct, rename="pascal", kw_only=True, forbid_unknown_fields=False):
    """The ``DicomWeb`` section."""

    enable: Annotated[bool, Meta(description="Whether DICOMweb support is enabled (false: the plugin is inert).")] = True
    root: Annotated[str, Meta(description="Root URI of the DICOMweb API (QIDO-RS, STOW-RS and WADO-RS).")] = "/dicom-web/"
    enable_wado: Annotated[bool, Meta(description="Whether WADO-URI is enabled (not implemented yet).")] = True
    wado_root: Annotated[str, Meta(description="Root URI of the WADO-URI API.")] = "/wado"
    ssl: Annotated[bool, Meta(description="Use https in the absolute URIs of answers (RetrieveURL, BulkDataURI).")] = False
    qido_case_sensitive: Annotated[
        bool, Meta(description="Read for compatibility; names match as CaseSensitivePN says, as in Orthanc 1.10.1 + DICOMweb 1.7.")
    ] = True
    host: Annotated[str, Meta(description="Hard-coded host of absolute URIs (e.g. 'localhost:8042'); empty: the request's Host.")] = ""
    studies_metadata: Annotated[MetadataMode, Meta(description="How study-level metadata is built: Full, MainDicomTags or Extrapolate.")] = "Full"
    series_metadata: Annotated[MetadataMode, Meta(description="How series-level metadata is built: Full, MainDicomTags or Extrapolate.")] = "Full"
    enable_metadata_cache: Annotated[bool, Meta(description="Keep the metadata of each instance cached (memory, keyed by the attachment).")] = True
    metadata_worker_threads_count: Annotated[int, Meta(description="Threads building metadata in Full mode.")] = 4
    public_root: Annotated[str, Meta(description="Public root URI when it differs from Root (reverse proxy); empty: Root.")] = ""
    bulk_root: Annotated[str, Meta(description="Root of BulkDataURIs; empty: Root.")] = ""

    @property
    def active(self) -> bool:
        """Whether the plugin registers its routes."""
        return self.enable

    @property
    def root_path(self) -> str:
        """``Root`` with exactly one leading and one trailing slash (Orthanc normalises it so)."""
        return "/" + self.root.strip("/") + "/" if self.root.strip("/") else "/"
