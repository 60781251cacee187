"""Orthanc-format configuration: JSON with comments, a file or a folder, typed sections."""

from __future__ import annotations

from .loader import Config, load_config, load_raw
from .model import CoreConfig

__all__ = ["Config", "CoreConfig", "load_config", "load_raw"]
