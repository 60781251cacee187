"""Helpers of the DICOMweb tests (imported by name: tests/ folders are not packages)."""

from __future__ import annotations

import io
from typing import Any

import pydicom

#: Debian's DICOMweb plugin for Orthanc (package orthanc-dicomweb, `dpkg -L orthanc-dicomweb`).
ORTHANC_DICOMWEB = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def make_client(url: str, port: int, root: str = "/dicom-web") -> Any:
    """A ``dicomweb_client.DICOMwebClient`` for a server on ``127.0.0.1:port``.

    dicomweb-client sends ``Host`` without the port (0.61): the absolute URLs that a
    server builds from it (BulkDataURI, RetrieveURL) would point at port 80. A real
    deployment sits behind port 80/443 or sets ``DicomWeb.Host``; here the client's
    ``host`` (only used for that header) is set right instead.
    """
    from dicomweb_client.api import DICOMwebClient

    client = DICOMwebClient(url=url + root)
    client.host = f"127.0.0.1:{port}"  # what its GETs send as Host
    return client


def parse(data: bytes) -> pydicom.Dataset:
    """A DICOM file's dataset."""
    return pydicom.dcmread(io.BytesIO(data))


def multipart(parts: list[bytes], boundary: str = "donjon-test-boundary", part_type: str = "application/dicom") -> bytes:
    """A multipart/related body of ``parts``."""
    body = b""
    for part in parts:
        body += b"--" + boundary.encode() + b"\r\nContent-Type: " + part_type.encode() + b"\r\n\r\n" + part + b"\r\n"
    return body + b"--" + boundary.encode() + b"--\r\n"


def stow_type(boundary: str = "donjon-test-boundary") -> str:
    """The Content-Type of :func:`multipart` bodies."""
    return f'multipart/related; type="application/dicom"; boundary={boundary}'


def split_multipart(response: Any) -> list[bytes]:
    """The parts of a multipart answer (an httpx response)."""
    from donjon_dicomweb.multipart import parse_multipart

    return [p.content for p in parse_multipart(response.content, response.headers["content-type"])]
