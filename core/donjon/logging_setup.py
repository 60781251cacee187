"""The one place where logging is configured: one handler, one Orthanc-like format.

Orthanc writes ``I1129 00:28:39.123456 main.cpp:1620] message`` (level letter, month
and day, time with microseconds, source file and line); Donjon adds the thread name,
as Orthanc 1.12 does: ``I1129 00:28:39.123456 MainThread cli.py:80] message``.

Libraries that bring their own logging set-up are kept out: litestar's default
``LoggingConfig`` replaces the root handlers with its own format when the
application is built (``build_app`` passes ``logging_config=None``) and
:func:`adopt_foreign_handlers` removes whatever a library installed anyway, so
every line goes through :func:`setup_logging`'s handler.

Passwords of ``RegisteredUsers`` never reach the log: :func:`protect_secrets`
registers them with a filter that masks them in every record.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "VERBOSITIES",
    "OrthancFormatter",
    "adopt_foreign_handlers",
    "config_secrets",
    "get_verbosity",
    "protect_secrets",
    "set_verbosity",
    "setup_logging",
]

#: Orthanc's verbosity names (``--verbose``, ``--trace``, ``PUT /tools/log-level``).
VERBOSITIES = {"default": logging.WARNING, "verbose": logging.INFO, "trace": logging.DEBUG}

#: Loggers of libraries that are chatty below WARNING: one line per PDU for
#: pynetdicom, which ``--verbose`` would drown in; only ``--trace`` shows them.
_NOISY = ("pynetdicom", "asyncio", "httpcore", "httpx", "multipart")

#: Loggers that libraries give handlers of their own (litestar, uvicorn). Not
#: ``uvicorn.access``: uvicorn silences it (access_log=False) and it stays so, since
#: query strings may carry patient names (``/dicom-web/studies?PatientName=...``).
_FOREIGN = ("litestar", "uvicorn", "uvicorn.error", "pynetdicom")

_LETTERS = {logging.DEBUG: "T", logging.INFO: "I", logging.WARNING: "W", logging.ERROR: "E", logging.CRITICAL: "E"}

_state_lock = threading.Lock()
_handler: logging.Handler | None = None
_verbosity = "default"


class OrthancFormatter(logging.Formatter):
    """``I1129 00:28:39.123456 thread file.py:42] message`` (Orthanc's layout, plus the thread)."""

    def format(self, record: logging.LogRecord) -> str:
        letter = _LETTERS.get(record.levelno, "I" if record.levelno < logging.WARNING else "E")
        stamp = time.strftime("%m%d %H:%M:%S", time.localtime(record.created))
        micro = int((record.created % 1) * 1_000_000)
        line = f"{letter}{stamp}.{micro:06d} {record.threadName} {record.filename}:{record.lineno}] {record.getMessage()}"
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


class _SecretFilter(logging.Filter):
    """Masks registered secrets in every record that goes through the handler."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: frozenset[str] = frozenset()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        masked = message
        for secret in self.secrets:
            masked = masked.replace(secret, "********")
        if masked != message:
            record.msg, record.args = masked, None
        for attr in ("exc_text",):
            text = getattr(record, attr, None)
            if text:
                for secret in self.secrets:
                    text = text.replace(secret, "********")
                setattr(record, attr, text)
        return True


_secrets = _SecretFilter()


def setup_logging(verbosity: str = "default", *, logfile: str | None = None, logdir: str | None = None) -> logging.Handler:
    """Install the one handler (stderr, ``--logfile`` or ``--logdir``) on the root logger.

    Args:
        verbosity: ``default`` (warnings and errors), ``verbose`` (info) or ``trace`` (debug).
        logfile: Append the log to this file instead of stderr.
        logdir: Write the log to a new file in this folder, named after the start
            time (``Donjon.log.YYYYMMDD-HHMMSS.ffffff``), as Orthanc's ``--logdir``.

    Returns:
        The installed handler.
    """
    global _handler
    if logdir:
        folder = Path(logdir)
        folder.mkdir(parents=True, exist_ok=True)
        now = time.time()
        logfile = str(folder / f"Donjon.log.{time.strftime('%Y%m%d-%H%M%S', time.localtime(now))}.{int((now % 1) * 1e6):06d}")
    handler: logging.Handler = logging.FileHandler(logfile, encoding="utf-8") if logfile else logging.StreamHandler(sys.stderr)
    handler.setFormatter(OrthancFormatter())
    handler.addFilter(_secrets)
    with _state_lock:
        root = logging.getLogger()
        for old in list(root.handlers):
            root.removeHandler(old)
            if old is _handler:
                old.close()
        root.addHandler(handler)
        _handler = handler
    adopt_foreign_handlers()
    set_verbosity(verbosity)
    return handler


def set_verbosity(verbosity: str) -> None:
    """Change the verbosity of the whole log (``default``, ``verbose`` or ``trace``).

    Raises:
        ValueError: an unknown verbosity name.
    """
    global _verbosity
    if verbosity not in VERBOSITIES:
        raise ValueError(f'verbosity can be "default", "verbose" or "trace": {verbosity}')
    level = VERBOSITIES[verbosity]
    logging.getLogger().setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(level if verbosity == "trace" else max(level, logging.WARNING))
    _verbosity = verbosity


def get_verbosity() -> str:
    """The verbosity last set by :func:`set_verbosity`."""
    return _verbosity


def adopt_foreign_handlers() -> None:
    """Remove handlers that libraries installed, so that their records reach ours.

    Only acts once :func:`setup_logging` has run (an embedding application keeps
    its own logging untouched).
    """
    with _state_lock:
        if _handler is None:
            return
        root = logging.getLogger()
        for old in [h for h in root.handlers if h is not _handler]:
            root.removeHandler(old)
        root.handlers[:] = [_handler]
        for name in _FOREIGN:
            logger = logging.getLogger(name)
            logger.handlers[:] = [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
            logger.propagate = True


def protect_secrets(secrets: Iterable[str]) -> None:
    """Mask these strings (passwords, tokens) wherever they would appear in the log.

    Args:
        secrets: Values to mask; strings shorter than 4 characters are ignored
            (masking ``"a"`` would garble every line).
    """
    _secrets.secrets = frozenset(s for s in secrets if isinstance(s, str) and len(s) >= 4)


def config_secrets(config: Any) -> list[str]:
    """The secrets of a configuration, which :func:`protect_secrets` must hide.

    ``RegisteredUsers`` passwords, any value under a key whose name contains
    "password" (``PostgreSQL.Password``, peers' objects), and the password of the
    array form of ``OrthancPeers`` and of ``DicomWeb.Servers`` (``[url, user, password]``).
    """
    raw = getattr(config, "raw", config)
    found: list[str] = []
    users = raw.get("RegisteredUsers") if isinstance(raw, dict) else None
    if isinstance(users, dict):
        found += [p for p in users.values() if isinstance(p, str)]
    _walk_secrets(raw, found)
    for section in (raw.get("OrthancPeers"), (raw.get("DicomWeb") or {}).get("Servers") if isinstance(raw.get("DicomWeb"), dict) else None):
        if isinstance(section, dict):
            found += [v[2] for v in section.values() if isinstance(v, list) and len(v) >= 3 and isinstance(v[2], str)]
    return found


def _walk_secrets(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if "password" in str(key).lower() and isinstance(value, str):
                found.append(value)
            else:
                _walk_secrets(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk_secrets(value, found)
