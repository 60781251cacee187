"""Hook implementations of the ServeFolders plugin (entry point ``serve-folders``).

Installed means loaded; the ``ServeFolders`` section decides whether it acts. Without
folders it registers no route and never imports :mod:`donjon_servefolders.folders`.
"""

from __future__ import annotations

from typing import Any

from donjon_sdk import Config, PluginInfo, hookimpl

from . import __version__
from .config import SECTION, ServeFoldersConfig

__all__ = ["PLUGIN_INFO"]

# Orthanc's own description and root page, so /plugins/serve-folders reads the same.
PLUGIN_INFO = PluginInfo(
    description="Serve additional folders with the HTTP server of Orthanc.",
    version=__version__,
    root_uri="../app/plugin-serve-folders.html",
)


@hookimpl
def donjon_config_sections() -> dict[str, type[ServeFoldersConfig]]:
    return {SECTION: ServeFoldersConfig}


@hookimpl
def donjon_configure(config: Config) -> None:
    # Orthanc refuses to start on a missing folder or an empty URI: check before listening.
    section = config.section(ServeFoldersConfig)
    if section.active:
        from .folders import check_folders

        check_folders(section)


@hookimpl
def donjon_routes(server: Any) -> list[Any]:
    section = server.config.section(ServeFoldersConfig)
    if not section.active:
        return []
    from .folders import build_routes  # imported only when there is something to serve

    return build_routes(section)
