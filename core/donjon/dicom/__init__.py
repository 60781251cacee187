"""DICOM file handling and network services."""
