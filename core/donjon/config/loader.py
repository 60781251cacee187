"""Load an Orthanc configuration: a file or a folder of files, merged, typed.

Orthanc reads every ``*.json`` file of a folder and merges their top-level keys;
a key defined twice is an error. Environment overrides follow Orthanc's Docker
images: ``ORTHANC__DICOM_AET=X`` sets ``DicomAet``, ``ORTHANC__DICOM_WEB__ROOT=/x``
sets ``DicomWeb.Root``; the value is parsed as JSON when it can be.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from .jsonc import loads_jsonc
from .model import CoreConfig

__all__ = ["Config", "ConfigError", "load_config", "load_raw"]

log = logging.getLogger(__name__)
S = TypeVar("S", bound=msgspec.Struct)

ENV_PREFIX = "ORTHANC__"


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the key."""


def load_raw(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """Read a file or every ``.json`` file of a folder into one dict.

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
    for f in files:
        try:
            doc = loads_jsonc(f.read_text(encoding="utf-8"), source=str(f))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(str(exc)) from exc
        if not isinstance(doc, dict):
            raise ConfigError(f"{f}: the configuration must be a JSON object")
        for key, value in doc.items():
            if key in merged:
                raise ConfigError(f"{f}: the key {key!r} is defined in two configuration files")
            merged[key] = value
    return merged


def apply_env_overrides(raw: dict[str, Any], environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, Any]:
    """Apply ``ORTHANC__SECTION__KEY=value`` variables (Orthanc Docker style)."""
    env = os.environ if environ is None else environ
    out = dict(raw)
    for name, text in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or len(name) <= len(ENV_PREFIX):
            continue
        path = [_env_key_to_pascal(part) for part in name[len(ENV_PREFIX) :].split("__")]
        try:
            value = msgspec.json.decode(text.encode())
        except msgspec.DecodeError:
            value = text
        node = out
        for key in path[:-1]:
            existing = _find_key(node, key)
            child = node.get(existing, {}) if existing else {}
            child = dict(child) if isinstance(child, dict) else {}
            node[existing or key] = child
            node = child
        known = _CORE_KEYS if node is out else {}
        node[_find_key(node, path[-1]) or known.get(path[-1].lower(), path[-1])] = value
    return out


_CORE_KEYS = {f.encode_name.lower(): f.encode_name for f in msgspec.structs.fields(CoreConfig)}


def _env_key_to_pascal(part: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in part.split("_") if w)


def _find_key(node: dict[str, Any], key: str) -> str | None:
    """Keys match case-insensitively: ``DICOM_AET`` finds ``DicomAet``, ``STORE_MD5...`` finds ``StoreMD5...``."""
    lowered = key.lower()
    for existing in node:
        if existing.lower() == lowered:
            return existing
    return None


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
            raise ConfigError(f"bad configuration{_where(self.source)}: {exc}".replace("at `$", f"at `$.{name}")) from exc
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
        """Top-level keys that neither the core nor a plugin declares."""
        known = {f.encode_name for f in msgspec.structs.fields(CoreConfig)} | set(self._section_names)
        return sorted(k for k in self.raw if k not in known)

    def resolve_path(self, value: str) -> Path:
        """A path of the configuration, relative to the current folder as Orthanc does."""
        return Path(value).expanduser()


def _where(source: str) -> str:
    return f" in {source}" if source else ""


def load_config(path: str | os.PathLike[str] | None, sections: dict[str, type[msgspec.Struct]] | None = None, *, environ: dict[str, str] | None = None) -> Config:
    """Read, merge, override from the environment and validate a configuration.

    Unknown top-level keys are logged as warnings, as Orthanc does.
    """
    raw = apply_env_overrides(load_raw(path), environ)
    config = Config(raw, sections, source=str(path) if path else "")
    for key in config.unknown_keys():
        log.warning("unknown configuration key %r%s, ignored", key, _where(config.source))
    return config
