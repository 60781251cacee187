"""Typed per-server storage for plugins (pytest's ``Stash`` pattern)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

__all__ = ["Stash", "StashKey"]

T = TypeVar("T")


class StashKey(Generic[T]):
    """A module-level key: ``KEY = StashKey[MyState]()``."""

    __slots__ = ()


class Stash:
    """A mapping from :class:`StashKey` to values, one per server."""

    def __init__(self) -> None:
        self._data: dict[StashKey[Any], Any] = {}

    def __setitem__(self, key: StashKey[T], value: T) -> None:
        self._data[key] = value

    def __getitem__(self, key: StashKey[T]) -> T:
        return cast(T, self._data[key])

    def get(self, key: StashKey[T], default: T) -> T:
        return cast(T, self._data.get(key, default))

    def setdefault(self, key: StashKey[T], default: T) -> T:
        return cast(T, self._data.setdefault(key, default))

    def __contains__(self, key: StashKey[T]) -> bool:
        return key in self._data
