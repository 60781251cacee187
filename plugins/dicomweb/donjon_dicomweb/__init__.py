"""DICOMweb server for Donjon (Orthanc's DICOMweb plugin): QIDO-RS, WADO-RS, STOW-RS."""

__version__ = "0.1.0"
