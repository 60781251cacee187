"""One ``test_hook_<name>`` per lifecycle and back-end hook: a real plugin, a real server.

Plugins here import only ``donjon_sdk``, as third-party plugins do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from donjon_sdk import Config, DonjonError, ErrorCode, FileContentType, Server, StashKey, hookimpl


class GreetingConfig(msgspec.Struct, rename="pascal", kw_only=True):
    greeting: str = "hello"
    times: int = 1


class Greeter:
    """Declares a section, checks it in configure, keeps state in the stash."""

    STATE: StashKey[list[str]] = StashKey()

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    def donjon_config_sections(self) -> dict[str, type[msgspec.Struct]]:
        return {"Greeting": GreetingConfig}

    @hookimpl
    def donjon_configure(self, config: Config) -> None:
        section = config.section(GreetingConfig)
        if section.times < 1:
            raise DonjonError(ErrorCode.ParameterOutOfRange, f"Greeting.Times must be at least 1, not {section.times}")
        self.calls.append(f"configure:{section.greeting}")

    @hookimpl
    def donjon_startup(self, server: Server) -> None:
        self.calls.append("startup")
        server.stash[self.STATE] = ["started"]

    @hookimpl
    def donjon_shutdown(self, server: Server) -> None:
        self.calls.append(f"shutdown:{server.stash[self.STATE][0]}")


def test_hook_config_sections(donjon_server):
    greeter = Greeter()
    srv = donjon_server({"Greeting": {"Greeting": "salut", "Times": 3}}, plugins=[("greeter", greeter)])
    assert srv.server.config.section(GreetingConfig) == GreetingConfig(greeting="salut", times=3)


def test_hook_config_sections_defaults_when_the_section_is_absent(donjon_server):
    srv = donjon_server(plugins=[("greeter", Greeter())])
    assert srv.server.config.section(GreetingConfig) == GreetingConfig()


def test_hook_config_sections_wrong_type_stops_the_start_with_the_key_path(donjon_server):
    with pytest.raises(ValueError, match=r"\$\.Greeting\.Times"):
        donjon_server({"Greeting": {"Times": "three"}}, plugins=[("greeter", Greeter())])


def test_hook_configure(donjon_server):
    greeter = Greeter()
    donjon_server({"Greeting": {"Greeting": "hi"}}, plugins=[("greeter", greeter)])
    assert greeter.calls[0] == "configure:hi"


def test_hook_configure_error_stops_the_start(donjon_server):
    with pytest.raises(DonjonError, match="at least 1") as info:
        donjon_server({"Greeting": {"Times": 0}}, plugins=[("greeter", Greeter())])
    assert info.value.code is ErrorCode.ParameterOutOfRange


def test_hook_startup(donjon_server):
    greeter = Greeter()
    srv = donjon_server(plugins=[("greeter", greeter)])
    assert greeter.calls == ["configure:hello", "startup"]
    assert srv.server.stash[Greeter.STATE] == ["started"]
    assert srv.http.get("/system").status_code == 200


def test_hook_shutdown(donjon_server):
    greeter = Greeter()
    srv = donjon_server(plugins=[("greeter", greeter)])
    srv.stop()
    assert greeter.calls[-1] == "shutdown:started"


class MemoryStorage:
    """A StorageArea that keeps attachments in a dict (implements the Protocol, inherits nothing)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, uuid: str, data: bytes, content_type: FileContentType | int) -> None:
        self.files[uuid] = bytes(data)

    def read(self, uuid: str, content_type: FileContentType | int, start: int = 0, end: int | None = None) -> bytes:
        if uuid not in self.files:
            raise DonjonError(ErrorCode.InexistentFile, f"no attachment {uuid} in memory")
        return self.files[uuid][start:end]

    def remove(self, uuid: str, content_type: FileContentType | int) -> None:
        self.files.pop(uuid, None)

    def exists(self, uuid: str, content_type: FileContentType | int) -> bool:
        return uuid in self.files

    def uuids(self) -> list[str]:
        return list(self.files)


class MemoryStoragePlugin:
    def __init__(self) -> None:
        self.storage = MemoryStorage()

    @hookimpl
    def donjon_storage_area(self, config: Config) -> MemoryStorage:
        return self.storage


def test_hook_storage_area(donjon_server, dicom_factory):
    plugin = MemoryStoragePlugin()
    srv = donjon_server(plugins=[("memory-storage", plugin)])
    data = dicom_factory.bytes()
    instance = srv.http.post("/instances", content=data).json()["ID"]
    assert list(plugin.storage.files.values()) == [data]
    assert not any(p.is_file() for p in Path(srv.config["StorageDirectory"]).rglob("*-*-*-*-*"))
    assert srv.http.get(f"/instances/{instance}/file").content == data
    assert srv.http.delete(f"/instances/{instance}").status_code == 200
    assert plugin.storage.files == {}


class IndexElsewhere:
    """Provides the index: the built-in SQLite back-end, in a folder of the plugin's choosing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def donjon_index_backend(self, config: Config) -> Any:
        from donjon.index.sqlite import SqliteIndex  # a test may reach past the SDK for a real back-end

        self.folder.mkdir(parents=True, exist_ok=True)
        return SqliteIndex(self.folder / "index")


def test_hook_index_backend(donjon_server, dicom_factory, tmp_path):
    srv = donjon_server(plugins=[("index-elsewhere", IndexElsewhere(tmp_path / "elsewhere"))])
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert (tmp_path / "elsewhere" / "index").is_file()
    assert not (Path(srv.config["IndexDirectory"]) / "index").exists()
    assert len(srv.http.get("/instances").json()) == 1
