"""``/tools/find``, ``/tools/lookup`` and the small ``/tools`` routes of Orthanc.

Answers and errors follow Orthanc 1.10.1 (checked side by side in
``tests/core/test_oracle_find.py`` and ``tests/core/test_tools.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import anyio
from litestar import Request, Response, get, post, put

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..find.engine import run_find
from ..find.model import ConstraintKind, IndexFind, TagConstraint
from ..find.request import parse_find_request
from ..dicom.main_tags import IDENTIFIER_TAGS, PATIENT_TAGS
from ..server import Server
from ..stash import StashKey
from .deps import ServerDep
from .tools_metrics import metrics_text

__all__ = ["ROUTES"]

_TEXT = "text/plain"


def _text(content: str) -> Response[str]:
    return Response(content=content, media_type=_TEXT)


@post("/tools/find", status_code=200)
async def tools_find(server: ServerDep, request: Request[Any, Any, Any]) -> Any:
    """Look for local resources (Book: users/rest.rst, "Finding resources within Orthanc")."""
    body = await request.body()
    find = parse_find_request(body, default_case_sensitive=server.config.core.case_sensitive_pn)
    return await anyio.to_thread.run_sync(run_find, server, find)


def _lookup(server: Server, identifier: str) -> list[dict[str, str]]:
    # Orthanc compares identifiers normalised (case-insensitive): one indexed query per level.
    answers = []
    with server.index.read() as tx:
        for level in ResourceLevel:
            keyword = IDENTIFIER_TAGS[level]
            holder = ResourceLevel.PATIENT if keyword in PATIENT_TAGS else level
            constraint = TagConstraint(level=holder, keyword=keyword, kind=ConstraintKind.EQUAL, values=(identifier,), case_sensitive=False)
            for internal_id in tx.find(IndexFind(level=level, constraints=(constraint,))):
                public_id = tx.get(internal_id).public_id
                answers.append({"ID": public_id, "Path": f"/{level.plural}/{public_id}", "Type": level.title})
    return answers


@post("/tools/lookup", status_code=200)
async def tools_lookup(server: ServerDep, request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    """Map a DICOM identifier (PatientID, Study/Series/SOP Instance UID) to Orthanc resources."""
    identifier = (await request.body()).decode("utf-8", errors="replace").strip()
    if not identifier:
        return []
    return await anyio.to_thread.run_sync(_lookup, server, identifier)


# DCMTK's site roots, which Orthanc uses (dcmGenerateUniqueIdentifier); patients get a UUID.
_UID_ROOTS = {"study": "1.2.276.0.7230010.3.1.2", "series": "1.2.276.0.7230010.3.1.3", "instance": "1.2.276.0.7230010.3.1.4"}


@get("/tools/generate-uid", sync_to_thread=False)
def generate_uid(request: Request[Any, Any, Any]) -> Response[Any]:
    """A new DICOM identifier for ``?level=patient|study|series|instance``; 404 otherwise, as Orthanc."""
    level = (request.query_params.get("level") or "").lower()
    if level == "patient":
        return _text(str(uuid.uuid4()))
    root = _UID_ROOTS.get(level)
    if root is None:
        return Response(content=b"", status_code=404)
    from pydicom.uid import generate_uid as pydicom_uid

    return _text(pydicom_uid(prefix=root + "."))


@get("/tools/now", sync_to_thread=False)
def now_utc() -> Response[str]:
    return _text(dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S"))


@get("/tools/now-local", sync_to_thread=False)
def now_local() -> Response[str]:
    return _text(dt.datetime.now().strftime("%Y%m%dT%H%M%S"))


@get("/tools/dicom-conformance", sync_to_thread=False)
def dicom_conformance(server: ServerDep) -> Response[str]:
    """A conformance statement listing the SOP classes the DICOM server accepts."""
    from .tools_conformance import conformance_statement

    return _text(conformance_statement(server))


#: Orthanc's ``Encoding`` names (``DefaultEncoding``, ``GET/PUT /tools/default-encoding``).
ENCODINGS = (
    "Ascii", "Utf8", "Latin1", "Latin2", "Latin3", "Latin4", "Latin5", "Cyrillic", "Windows1251",
    "Arabic", "Greek", "Hebrew", "Thai", "Japanese", "Chinese", "JapaneseKanji", "Korean", "SimplifiedChinese",
)


@get("/tools/default-encoding", sync_to_thread=False)
def get_default_encoding(server: ServerDep) -> Response[str]:
    return _text(server.config.core.default_encoding)


@put("/tools/default-encoding", status_code=200)
async def put_default_encoding(server: ServerDep, request: Request[Any, Any, Any]) -> Response[str]:
    """Change ``DefaultEncoding`` for this run (Orthanc answers the new value)."""
    text = (await request.body()).decode("utf-8", errors="replace").strip()
    match = next((e for e in ENCODINGS if e.lower() == text.lower()), None)
    if match is None:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"unknown encoding {text!r}, expected one of {', '.join(ENCODINGS)}")
    server.config.core.default_encoding = match
    return _text(match)


_LOG_LEVEL = StashKey[str]()
_LOG_LEVELS = {"default": logging.WARNING, "verbose": logging.INFO, "trace": logging.DEBUG}


@get("/tools/log-level", sync_to_thread=False)
def get_log_level(server: ServerDep) -> Response[str]:
    return _text(server.stash.get(_LOG_LEVEL, "default"))


@put("/tools/log-level", status_code=200)
async def put_log_level(server: ServerDep, request: Request[Any, Any, Any]) -> Response[str]:
    """``default`` (warnings), ``verbose`` (info) or ``trace`` (debug) for the ``donjon`` loggers."""
    text = (await request.body()).decode("utf-8", errors="replace").strip()
    if text not in _LOG_LEVELS:
        raise DonjonError(ErrorCode.ParameterOutOfRange, f'Verbosity can be "default", "verbose" or "trace": {text}')
    logging.getLogger("donjon").setLevel(_LOG_LEVELS[text])
    server.stash[_LOG_LEVEL] = text
    return _text("")


_METRICS_ENABLED = StashKey[bool]()


def metrics_enabled(server: Server) -> bool:
    """Whether metrics are published (``MetricsEnabled``, changed by ``PUT /tools/metrics``)."""
    return server.stash.get(_METRICS_ENABLED, server.config.core.metrics_enabled)


@get("/tools/metrics", sync_to_thread=False)
def get_metrics(server: ServerDep) -> Response[str]:
    return _text("1" if metrics_enabled(server) else "0")


@put("/tools/metrics", status_code=200)
async def put_metrics(server: ServerDep, request: Request[Any, Any, Any]) -> Response[str]:
    text = (await request.body()).decode("utf-8", errors="replace").strip().lower()
    if text in ("1", "true"):
        server.stash[_METRICS_ENABLED] = True
    elif text in ("0", "false"):
        server.stash[_METRICS_ENABLED] = False
    else:
        # Orthanc answers this one with "Bad file format" (code 15).
        raise DonjonError(ErrorCode.BadFileFormat, "Boolean value expected")
    return _text("")


@get("/tools/metrics-prometheus", sync_to_thread=True)
def metrics_prometheus(server: ServerDep) -> Response[str]:
    """Prometheus text format; empty while metrics are disabled, as Orthanc."""
    content = metrics_text(server) if metrics_enabled(server) else ""
    return Response(content=content, media_type="text/plain; version=0.0.4")


ROUTES = [
    tools_find,
    tools_lookup,
    generate_uid,
    now_utc,
    now_local,
    dicom_conformance,
    get_default_encoding,
    put_default_encoding,
    get_log_level,
    put_log_level,
    get_metrics,
    put_metrics,
    metrics_prometheus,
]
