"""Donjon: an Orthanc-compatible DICOM server, plugin-first."""

__version__ = "0.1.0"

#: The Orthanc REST API level Donjon implements (``/system`` → ``ApiVersion``/``Version``).
ORTHANC_VERSION = "1.12.11"
ORTHANC_API_VERSION = 30
