"""Built-in plugin: attachments as files under ``StorageDirectory`` (the fallback storage)."""

from __future__ import annotations

from ..config import Config
from ..hookspecs import hookimpl
from ..storage.filesystem import FilesystemStorage


@hookimpl(trylast=True)
def donjon_storage_area(config: Config) -> FilesystemStorage:
    return FilesystemStorage(config.core.storage_directory, sync=config.core.sync_storage_area)
