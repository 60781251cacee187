"""Fixtures of the DICOMweb tests: a Donjon with the plugin and a dicomweb-client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dicomweb_helpers import make_client

import donjon_dicomweb.plugin as dicomweb_plugin


@pytest.fixture
def dicomweb_server(donjon_server: Callable[..., Any]) -> Callable[..., Any]:
    """``dicomweb_server(config=None)``: an in-process Donjon with the DICOMweb plugin."""

    def start(config: dict[str, Any] | None = None) -> Any:
        return donjon_server(config, plugins=[dicomweb_plugin])

    return start


@pytest.fixture
def srv(dicomweb_server: Callable[..., Any]) -> Any:
    """A Donjon with the DICOMweb plugin, default configuration."""
    return dicomweb_server()


@pytest.fixture
def client(srv: Any) -> Any:
    """A dicomweb-client talking to ``srv``."""
    return make_client(srv.url, srv.http_port)


