"""Built-in plugin: the SQLite index in ``IndexDirectory/index`` (the fallback back-end)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..hookspecs import hookimpl
from ..index.sqlite import SqliteIndex


@hookimpl(trylast=True)
def donjon_index_backend(config: Config) -> SqliteIndex:
    return SqliteIndex(Path(config.core.index_directory) / "index")
