"""Load an Orthanc configuration: a file or a folder of files, merged, typed.

Orthanc reads every ``*.json`` file of a folder and merges their top-level keys;
a key defined twice is an error. ``${VAR}`` references and ``ORTHANC__*``
environment overrides are applied here, once (see :mod:`donjon.config.env`):
the rest of the code reads ``server.config``, never the environment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from msgspec import inspect as mi

from .env import ENV_PREFIX, apply_env_overrides, substitute_variables
from .jsonc import loads_jsonc
from .model import CoreConfig

__all__ = ["ENV_PREFIX", "Config", "ConfigError", "apply_env_overrides", "load_config", "load_raw"]

log = logging.getLogger(__name__)
S = TypeVar("S", bound=msgspec.Struct)


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the key."""


def load_raw(path: str | os.PathLike[str] | None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read a file or every ``.json`` file of a folder into one dict.

    Args:
        path: A file, a folder, or None for the embedded defaults (an empty document).
        environ: For ``${VAR}`` references (default: ``os.environ``).

    Raises:
        ConfigError: unreadable file, invalid JSON, a non-object document, or a
            key defined in two files of the folder.
    """
    if path is None:
        return {}
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() == ".json" and f.is_file())
    elif p.is_file():
        files = [p]
    else:
        raise ConfigError(f"configuration file or folder not found: {p}")
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    substitute = partial(substitute_variables, environ=environ)
    for f in files:
        try:
            # utf-8-sig: files saved by Windows editors start with a BOM.
            doc = loads_jsonc(f.read_text(encoding="utf-8-sig"), source=str(f), substitute=substitute)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(str(exc)) from exc
        if not isinstance(doc, dict):
            raise ConfigError(f"{f}: the configuration must be a JSON object")
        for key, value in doc.items():
            if key in merged:
                raise ConfigError(f"the configuration key {key!r} is defined in two files: {origin[key]} and {f}")
            merged[key] = value
            origin[key] = f
    return merged


class Config:
    """The server's configuration: the typed core keys and the plugin sections.

    Args:
        raw: The merged JSON document (after environment overrides).
        sections: Plugin section name → Struct type, from ``donjon_config_sections``.
        source: Where the configuration was read from (for messages).

    Raises:
        ConfigError: a key has the wrong type; the message gives its path.
    """

    def __init__(self, raw: dict[str, Any], sections: dict[str, type[msgspec.Struct]] | None = None, *, source: str = "") -> None:
        self.raw = raw
        self.source = source
        self.path = Path(source).resolve() if source else None
        try:
            self.core: CoreConfig = msgspec.convert(raw, CoreConfig, str_keys=True)
        except msgspec.ValidationError as exc:
            raise ConfigError(f"bad configuration{_where(source)}: {exc}") from exc
        self._sections: dict[type[msgspec.Struct], msgspec.Struct] = {}
        self._section_names: dict[str, type[msgspec.Struct]] = {}
        for name, struct in (sections or {}).items():
            self.add_section(name, struct)

    def add_section(self, name: str, struct: type[S]) -> S:
        """Validate and register a plugin's section (absent means its defaults)."""
        value = self.raw.get(name, {})
        # Some Orthanc sections have two shapes (ServeFolders' short form {"/uri": "/path"});
        # a Struct may offer a static ``from_raw(value)`` that returns the one it validates.
        from_raw = getattr(struct, "from_raw", None)
        if callable(from_raw):
            value = from_raw(value)
        try:
            parsed = msgspec.convert(value, struct, str_keys=True)
        except msgspec.ValidationError as exc:
            message = str(exc).replace("at `$", f"at `$.{name}") if "at `$" in str(exc) else f"{exc} - at `$.{name}`"
            raise ConfigError(f"bad configuration{_where(self.source)}: {message}") from exc
        self._sections[struct] = parsed
        self._section_names[name] = struct
        return parsed

    def section(self, struct: type[S]) -> S:
        """The parsed section of a plugin, by its Struct type.

        Raises:
            KeyError: the section was never declared.
        """
        return self._sections[struct]  # type: ignore[return-value]

    def unknown_keys(self) -> list[str]:
        """Keys that neither the core nor a plugin declares, as dotted paths.

        Top-level keys, and keys inside a plugin's section or any other object
        that a Struct describes (``DicomWeb.Rooot``); free-form objects such as
        ``DicomModalities`` are not checked.
        """
        known = {f.encode_name for f in msgspec.structs.fields(CoreConfig)} | set(self._section_names)
        unknown = [k for k in self.raw if k not in known]
        unknown += _unknown_inside(self.raw, mi.type_info(CoreConfig), "", top=True)
        for name, struct in self._section_names.items():
            value = self.raw.get(name)
            from_raw = getattr(struct, "from_raw", None)
            if callable(from_raw) and value is not None:
                value = from_raw(value)
            unknown += _unknown_inside(value, mi.type_info(struct), f"{name}.")
        return sorted(unknown)

    def resolve_path(self, value: str) -> Path:
        """A path of the configuration, relative to the current folder as Orthanc does."""
        return Path(value).expanduser()


def _unknown_inside(value: Any, info: Any, prefix: str, *, top: bool = False) -> list[str]:
    """Keys of ``value`` that the Struct ``info`` does not declare, recursively."""
    while isinstance(info, mi.Metadata):
        info = info.type
    if isinstance(info, mi.UnionType):
        info = next((t for t in info.types if isinstance(t, mi.StructType)), None)
    if not isinstance(info, mi.StructType) or not isinstance(value, dict):
        return []
    fields = {f.encode_name: f.type for f in info.fields}
    found: list[str] = []
    for key, child in value.items():
        if key in fields:
            found += _unknown_inside(child, fields[key], f"{prefix}{key}.")
        elif not top:  # the top level's unknown keys are found against the sections too
            found.append(f"{prefix}{key}")
    return found


def _where(source: str) -> str:
    return f" in {source}" if source else ""


def load_config(
    path: str | os.PathLike[str] | None,
    sections: dict[str, type[msgspec.Struct]] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    raw: dict[str, Any] | None = None,
) -> Config:
    """Read, merge, override from the environment and validate a configuration.

    Unknown keys (top level, and inside the core's and the plugins' sections) are
    logged as warnings, as Orthanc does; wrong types stop here.

    Args:
        path: A file or a folder of ``.json`` files; None for the embedded defaults.
        sections: Plugin section name → Struct, from ``donjon_config_sections``.
        environ: The environment (default: ``os.environ``).
        raw: A document given directly (tests, embedding) instead of ``path``.

    Raises:
        ConfigError: unreadable, invalid or ill-typed; the message names the key path.
    """
    document = dict(raw) if raw is not None else load_raw(path, environ)
    schema: dict[str, Any] = {f.encode_name: f.type for f in mi.type_info(CoreConfig).fields}
    schema.update(sections or {})
    document = apply_env_overrides(document, environ, schema)
    config = Config(document, sections, source=str(path) if path and raw is None else "")
    for key in config.unknown_keys():
        log.warning("unknown configuration key %r%s, ignored", key, _where(config.source))
    return config
