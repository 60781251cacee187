"""The plugin manager: built-ins first, then ``donjon`` entry points sorted by name.

Call sites use the helpers below, whose names say how results combine:
``collect`` (every result), ``first`` (first non-None), ``exclusive`` (at most one
plugin may answer, the built-in is the fallback) and ``notify`` (every
implementation, each isolated from the others' exceptions).
"""

from __future__ import annotations

import importlib
import logging
import os
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .errors import DonjonError, ErrorCode
from .types import PluginInfo

__all__ = ["BUILTIN_PLUGINS", "LoadedPlugin", "PluginHost"]

log = logging.getLogger(__name__)

#: Core behaviour registered through the same hooks as external plugins
#: (datasette's DEFAULT_PLUGINS pattern); the back-ends are ``trylast`` fallbacks.
BUILTIN_PLUGINS = (
    "donjon.builtin.sqlite_index",
    "donjon.builtin.filesystem_storage",
    "donjon.builtin.rest_core",
    "donjon.builtin.dicom_services",
    "donjon.builtin.jobs",
)

ENTRY_POINT_GROUP = "donjon"


class LoadedPlugin:
    """An external plugin as ``/plugins/{id}`` shows it."""

    def __init__(self, plugin_id: str, obj: Any, dist_version: str = "") -> None:
        self.id = plugin_id
        self.obj = obj
        info = getattr(obj, "PLUGIN_INFO", None)
        self.info: PluginInfo = info if isinstance(info, PluginInfo) else PluginInfo()
        self.version = self.info.version or dist_version
        doc = (getattr(obj, "__doc__", None) or "").strip().splitlines()
        self.description = self.info.description or (doc[0] if doc else "")


class PluginHost:
    """Owns the pluggy manager and knows which plugins are built-in.

    Args:
        plugins: Extra plugin objects or ``(id, object)`` pairs (tests, embedding).
        discover: Whether to load the ``donjon`` entry points.
        disabled: Plugin IDs not to load (``DONJON_DISABLE_PLUGINS``, comma-separated).
    """

    def __init__(
        self, plugins: list[Any] | None = None, *, discover: bool = True, disabled: set[str] | None = None, only: list[str] | None = None
    ) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.external: dict[str, LoadedPlugin] = {}
        self._builtin_names: set[str] = set()
        if disabled is None:
            disabled = {p.strip() for p in os.environ.get("DONJON_DISABLE_PLUGINS", "").split(",") if p.strip()}
        for module_name in BUILTIN_PLUGINS:
            self.pm.register(importlib.import_module(module_name), name=module_name)
            self._builtin_names.add(module_name)
        if discover:
            self._load_entry_points(disabled, only)
        for i, item in enumerate(plugins or []):
            plugin_id, obj = item if isinstance(item, tuple) else (_default_id(item, i), item)
            if plugin_id in disabled:
                continue
            self.register(plugin_id, obj)
        self.pm.check_pending()

    def register(self, plugin_id: str, obj: Any, dist_version: str = "") -> None:
        """Register an external plugin under its ID."""
        if plugin_id in self.external:
            raise DonjonError(ErrorCode.SharedLibrary, f"two plugins have the ID {plugin_id!r}")
        self.pm.register(obj, name=plugin_id)
        self.external[plugin_id] = LoadedPlugin(plugin_id, obj, dist_version)
        log.info("loaded plugin %s", plugin_id)

    def _load_entry_points(self, disabled: set[str], only: list[str] | None) -> None:
        # DONJON_PLUGINS restricts discovery to the listed IDs ("-" for none): tests
        # choose their plugins rather than depend on what happens to be installed.
        listed = os.environ.get("DONJON_PLUGINS")
        if only is not None:
            wanted: set[str] | None = set(only)
        elif listed is not None:
            wanted = {p.strip() for p in listed.split(",") if p.strip() and p.strip() != "-"}
        else:
            wanted = None
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in disabled or ep.name in self.external or (wanted is not None and ep.name not in wanted):
                continue
            # A plugin that fails to import stops the start, as in Orthanc: a site
            # must not run silently without, say, its PostgreSQL index.
            try:
                obj = ep.load()
            except Exception as exc:
                raise DonjonError(ErrorCode.SharedLibrary, f"cannot load plugin {ep.name!r} ({ep.value}): {exc}") from exc
            version = ep.dist.version if ep.dist is not None else ""
            self.register(ep.name, obj, version)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def is_builtin(self, plugin_name: str) -> bool:
        return plugin_name in self._builtin_names

    # -- combining helpers -------------------------------------------------

    def collect(self, name: str, **kwargs: Any) -> list[Any]:
        """Every non-None result of hook ``name``, built-ins first."""
        return [r for r in getattr(self.pm.hook, name)(**kwargs) if r is not None]

    def first(self, name: str, **kwargs: Any) -> Any:
        """The first non-None answer of a ``firstresult`` hook."""
        return getattr(self.pm.hook, name)(**kwargs)

    def exclusive(self, name: str, error: ErrorCode, **kwargs: Any) -> Any:
        """The one answer of a back-end provider hook; the built-in answers last.

        Raises:
            DonjonError: with ``error`` when two external plugins answer (Orthanc 2036/2037).
        """
        impls = getattr(self.pm.hook, name).get_hookimpls()
        external: list[tuple[str, Any]] = []
        for impl in impls:
            if not self.is_builtin(impl.plugin_name):
                result = impl.function(**{k: kwargs[k] for k in impl.argnames})
                if result is not None:
                    external.append((impl.plugin_name, result))
        if len(external) > 1:
            raise DonjonError(error, f"plugins {', '.join(n for n, _ in external)} all provide {name}")
        if external:
            return external[0][1]
        # The built-in fallback is only asked when no plugin answered: asking it anyway
        # would open (and leak) a SQLite index or a storage folder nobody uses.
        for impl in impls:
            if self.is_builtin(impl.plugin_name):
                result = impl.function(**{k: kwargs[k] for k in impl.argnames})
                if result is not None:
                    return result
        raise DonjonError(error, f"no plugin provides {name}")

    def call_all(self, name: str, **kwargs: Any) -> None:
        """Call every implementation; an exception propagates (checks that must stop the start)."""
        getattr(self.pm.hook, name)(**kwargs)

    def notify(self, name: str, **kwargs: Any) -> None:
        """Call every implementation; one plugin's exception is logged, others still run."""
        for impl in reversed(getattr(self.pm.hook, name).get_hookimpls()):
            try:
                impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception:
                log.exception("plugin %s failed in %s", impl.plugin_name, name)


def _default_id(obj: Any, index: int) -> str:
    if isinstance(obj, ModuleType):
        return obj.__name__
    return getattr(obj, "PLUGIN_ID", None) or f"{type(obj).__name__.lower()}-{index}"
