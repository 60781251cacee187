"""Hook implementations of the DICOMweb plugin (entry point ``dicom-web``).

Installed means loaded; ``DicomWeb.Enable`` decides whether it acts. Disabled, it
registers no route and never imports the modules doing the work.
"""

from __future__ import annotations

from typing import Any

from donjon_sdk import Change, ChangeType, PluginInfo, hookimpl

from . import __version__
from .config import SECTION, DicomWebConfig

__all__ = ["PLUGIN_INFO"]

# Orthanc's own description and root page, so /plugins/dicom-web reads the same.
PLUGIN_INFO = PluginInfo(
    description="Implementation of DICOMweb (QIDO-RS, STOW-RS and WADO-RS) and WADO-URI.",
    version=__version__,
    root_uri="../app/plugin-dicomweb.html",
)


@hookimpl
def donjon_config_sections() -> dict[str, type[DicomWebConfig]]:
    return {SECTION: DicomWebConfig}


@hookimpl
def donjon_routes(server: Any) -> list[Any]:
    section = server.config.section(DicomWebConfig)
    if not section.active:
        return []
    from .routes import build_router  # imported only when enabled

    return [build_router(section)]


@hookimpl
def donjon_change(server: Any, change: Change) -> None:
    # A stable series gets its metadata cached ahead of the first request (event thread).
    if change.change_type is not ChangeType.StableSeries:
        return
    section = server.config.section(DicomWebConfig)
    if section.active and section.enable_metadata_cache:
        from donjon_sdk import DonjonError

        from .metadata import warm_series

        try:
            warm_series(server, change.resource_id)
        except DonjonError:
            pass  # deleted since it became stable: nothing to cache
