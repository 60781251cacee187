"""The plugin-loading rules of ARCHITECTURE §2, with real plugins and real starts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pluggy import PluginValidationError

from donjon_sdk import DonjonError, ErrorCode, hookimpl


class StorageProvider:
    @hookimpl
    def donjon_storage_area(self, config: Any) -> Any:
        from donjon.storage.filesystem import FilesystemStorage

        return FilesystemStorage(config.core.storage_directory)


class IndexProvider:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def donjon_index_backend(self, config: Any) -> Any:
        from donjon.index.sqlite import SqliteIndex

        self.folder.mkdir(parents=True, exist_ok=True)
        return SqliteIndex(self.folder / "index")


def test_two_storage_areas_stop_the_start_with_2036(donjon_server):
    with pytest.raises(DonjonError, match="storage-a, storage-b") as info:
        donjon_server(plugins=[("storage-a", StorageProvider()), ("storage-b", StorageProvider())])
    assert info.value.code is ErrorCode.StorageAreaAlreadyRegistered
    assert int(info.value.code) == 2036


def test_two_index_backends_stop_the_start_with_2037(donjon_server, tmp_path):
    with pytest.raises(DonjonError) as info:
        donjon_server(plugins=[("index-a", IndexProvider(tmp_path / "a")), ("index-b", IndexProvider(tmp_path / "b"))])
    assert int(info.value.code) == 2037


def test_one_storage_plugin_replaces_the_built_in_one(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[("storage-a", StorageProvider())])
    assert srv.http.post("/instances", content=dicom_factory.bytes()).json()["Status"] == "Success"


class Misspelled:
    @hookimpl
    def donjon_stored_instanse(self, server: Any, instance: Any) -> None:  # one letter off
        pass


def test_unknown_hook_name_is_rejected(donjon_server):
    with pytest.raises(PluginValidationError, match="donjon_stored_instanse"):
        donjon_server(plugins=[("misspelled", Misspelled())])


class WrongArgument:
    @hookimpl
    def donjon_routes(self, server: Any, app: Any) -> list[Any]:
        return []


def test_hook_with_an_argument_the_spec_lacks_is_rejected(donjon_server):
    with pytest.raises(PluginValidationError, match="app"):
        donjon_server(plugins=[("wrong-argument", WrongArgument())])


def test_two_plugins_with_one_id_stop_the_start(donjon_server):
    with pytest.raises(DonjonError, match="same-id") as info:
        donjon_server(plugins=[("same-id", StorageProvider()), ("same-id", Misspelled())])
    assert info.value.code is ErrorCode.SharedLibrary


def _fake_distribution(site: Path, name: str, module: str, source: str) -> None:
    """An installed distribution as pip leaves it: a module and a dist-info with an entry point."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{module}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[donjon]\n{name} = {module}\n")


def _pythonpath(site: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}


def test_plugin_failing_to_import_stops_the_start(donjon_server, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _fake_distribution(site, "broken-plugin", "donjon_broken", "raise ImportError('libfoo.so.1: cannot open shared object file')\n")
    with pytest.raises(RuntimeError) as info:
        donjon_server(mode="process", entry_points=["broken-plugin"], env=_pythonpath(site))
    assert "cannot load plugin 'broken-plugin'" in str(info.value)
    assert "libfoo.so.1" in str(info.value)


def test_entry_point_plugin_is_listed_with_its_distribution_version(donjon_server, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _fake_distribution(site, "tiny", "donjon_tiny", '"""A tiny plugin."""\n')
    srv = donjon_server(mode="process", entry_points=["tiny"], env=_pythonpath(site))
    assert srv.http.get("/plugins").json() == ["tiny"]
    assert srv.http.get("/plugins/tiny").json() == {"Description": "A tiny plugin.", "ExtendsOrthancExplorer": False, "ID": "tiny", "Version": "0.1.0"}
