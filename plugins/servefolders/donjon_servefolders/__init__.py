"""Serve static folders over Donjon's HTTP server (Orthanc's ServeFolders plugin)."""

__version__ = "0.1.0"
