"""Test helpers behind the SDK's pytest fixtures (usable without pytest too)."""

from __future__ import annotations

from .dcmtk import Dcmtk
from .factory import DicomFactory
from .server import DonjonHandle, start_server

__all__ = ["Dcmtk", "DicomFactory", "DonjonHandle", "start_server"]
