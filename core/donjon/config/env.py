"""The environment's part of a configuration: ``${VAR}`` in files, ``ORTHANC__*`` overrides.

Two Orthanc conventions, both applied once, by the loader:

- ``${NAME}`` and ``${NAME:-default}`` inside a configuration file are replaced by
  the variable's value (Orthanc 1.5.0, Book ``users/configuration.rst``); an unset
  variable without a default becomes the empty string, as in Orthanc.
- ``ORTHANC__SECTION__KEY=value`` sets a key, in the style of the ``orthancteam/orthanc``
  Docker images (Book ``users/docker-orthancteam.rst``): ``ORTHANC__DICOM_AET=X`` sets
  ``DicomAet``, ``ORTHANC__DICOM_WEB__ROOT=/x`` sets ``DicomWeb.Root``. Names match the
  declared keys ignoring case and underscores, which also covers the Docker images'
  "non-standard" spellings (``STORE_MD5_FOR_ATTACHMENTS``, ``POSTGRESQL``). The value
  is taken as the declared type wants it: text for a string key (so ``ORTHANC__NAME=123``
  stays ``"123"``), ``true``/``false`` in any case for a boolean, JSON otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import inspect as mi

__all__ = ["ENV_PREFIX", "apply_env_overrides", "substitute_variables"]

ENV_PREFIX = "ORTHANC__"

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def substitute_variables(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace ``${NAME}`` and ``${NAME:-default}`` by the environment's values.

    Args:
        text: The configuration text.
        environ: The environment (default: ``os.environ``).

    Returns:
        The text with every reference replaced.
    """
    env = os.environ if environ is None else environ
    return _VARIABLE.sub(lambda m: env.get(m.group(1), m.group(2) or ""), text)


def apply_env_overrides(
    raw: dict[str, Any],
    environ: Mapping[str, str] | None = None,
    schema: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply the ``ORTHANC__...`` variables to a configuration document.

    Args:
        raw: The merged configuration document (left unchanged).
        environ: The environment (default: ``os.environ``).
        schema: Top-level key → declared type (a msgspec Struct, or a msgspec
            ``inspect`` type): the core keys and the plugin sections.

    Returns:
        A new document with the overrides applied; variables are applied in
        name order so that a run is reproducible.
    """
    env = os.environ if environ is None else environ
    out = _copy(raw)
    top = {name: _type_info(t) for name, t in (schema or {}).items()}
    for name, text in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or len(name) <= len(ENV_PREFIX):
            continue
        parts = [p for p in name[len(ENV_PREFIX) :].split("__") if p]
        if parts:
            _set(out, parts, text, top)
    return out


def _set(doc: dict[str, Any], parts: list[str], text: str, known: dict[str, Any]) -> None:
    node = doc
    for i, part in enumerate(parts):
        key = _match(part, node.keys()) or _match(part, known.keys()) or _pascal(part)
        declared = known.get(key)
        if i == len(parts) - 1:
            node[key] = _value(text, declared)
            return
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
        known = _fields(declared)


def _match(part: str, names: Any) -> str | None:
    wanted = _normal(part)
    return next((n for n in names if _normal(n) == wanted), None)


def _normal(name: str) -> str:
    return name.replace("_", "").lower()


def _pascal(part: str) -> str:
    return "".join(w[:1].upper() + w[1:].lower() for w in part.split("_") if w)


def _type_info(t: Any) -> Any:
    if isinstance(t, type) and issubclass(t, msgspec.Struct):
        return mi.type_info(t)
    return t


def _unwrap(t: Any) -> Any:
    while isinstance(t, mi.Metadata):
        t = t.type
    return t


def _fields(declared: Any) -> dict[str, Any]:
    t = _unwrap(declared)
    if isinstance(t, mi.UnionType):
        t = next((_unwrap(x) for x in t.types if isinstance(_unwrap(x), mi.StructType)), t)
    if isinstance(t, mi.StructType):
        return {f.encode_name: f.type for f in t.fields}
    return {}


def _value(text: str, declared: Any) -> Any:
    t = _unwrap(declared)
    kinds = [_unwrap(x) for x in t.types] if isinstance(t, mi.UnionType) else [t]
    if any(isinstance(k, mi.StrType) for k in kinds):
        return text
    lowered = text.strip().lower()
    if any(isinstance(k, mi.BoolType) for k in kinds) and lowered in ("true", "false"):
        return lowered == "true"
    try:
        return msgspec.json.decode(text.encode("utf-8"))
    except msgspec.DecodeError:
        # Not JSON: the text itself; a wrong type is then reported with the key's path.
        return text


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in doc.items()}
