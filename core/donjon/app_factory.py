"""Assemble a server from a configuration path and a set of plugins."""

from __future__ import annotations

import os
from functools import partial
from typing import Any

from .config import load_config
from .errors import DonjonError, ErrorCode
from .plugins import PluginHost
from .server import Server

__all__ = ["create_server"]


def create_server(
    config_path: str | os.PathLike[str] | None = None,
    *,
    plugins: list[Any] | None = None,
    discover: bool = True,
    raw_config: dict[str, Any] | None = None,
    only: list[str] | None = None,
) -> Server:
    """Load plugins, read and validate the configuration, open index and storage.

    Args:
        config_path: A configuration file or folder (None: embedded defaults).
        plugins: Extra plugin objects (tests, embedding applications).
        discover: Load the ``donjon`` entry points.
        raw_config: A configuration given as a dict instead of a path.
        only: Load only these entry points (by plugin ID).
    """
    host = PluginHost(plugins, discover=discover, only=only)
    sections: dict[str, Any] = {}
    for declared in host.collect("donjon_config_sections"):
        for name, struct in declared.items():
            if name in sections and sections[name] is not struct:
                raise DonjonError(ErrorCode.SharedLibrary, f"two plugins declare the configuration section {name!r}")
            sections[name] = struct
    config = load_config(config_path, sections, raw=raw_config)
    server = Server(config, host)
    # POST /tools/reset re-reads the configuration: the Runner builds the next
    # server with the same recipe (a fresh plugin host, the file read again).
    server.factory = partial(create_server, config_path, plugins=plugins, discover=discover, raw_config=raw_config, only=only)
    return server
