"""Hook implementations of the hello plugin (entry point ``hello``): nothing else lives here."""

from __future__ import annotations

from typing import Any

from donjon_sdk import PluginInfo, Server, hookimpl

from .config import HelloConfig

PLUGIN_INFO = PluginInfo(description="Says hello over REST (the Donjon plugin template)")


@hookimpl
def donjon_config_sections() -> dict[str, type[HelloConfig]]:
    return {"Hello": HelloConfig}


@hookimpl
def donjon_routes(server: Server) -> list[Any]:
    if not server.config.section(HelloConfig).enable:
        return []  # inactive: no route, no import of the work module
    from .routes import ROUTES

    return ROUTES
