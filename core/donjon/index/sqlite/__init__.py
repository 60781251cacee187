"""The built-in SQLite index (WAL, one writer, many readers)."""

from __future__ import annotations

from .backend import SqliteIndex

__all__ = ["SqliteIndex"]
