"""A short path for ``POST /instances`` of one raw DICOM file, in front of litestar.

Uploads are the hottest request of an archive and their bodies are large: going
through litestar (exception and compression middlewares, routing, dependency
injection, request object, body re-assembly) cost ~0.5 ms of server CPU per 0.5 MB
CT file, about a tenth of the whole ingest (bench/ingest.py, py-spy). This ASGI
layer sits between the HTTP guard (which already admitted the request) and the
litestar application; it reads the body once (one join of the received chunks),
stores the file in a worker thread and sends the JSON answer itself.

Everything that is not the plain case goes to the litestar route
(:func:`donjon.rest.instances.upload_instances`) unchanged, with the body already
read handed over in the scope: multipart bodies, ZIP archives, empty bodies, and
every error, which the route re-raises so that the answer is rendered by the one
error handler (same JSON, same status, same log lines).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from ..enums import OriginKind
from ..types import Origin

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["BODY_KEY", "ERROR_KEY", "FastUpload"]

#: Scope keys by which a request is handed to the litestar route after its body was read.
BODY_KEY = "donjon_upload_body"
ERROR_KEY = "donjon_upload_error"

_ENCODE = msgspec.json.Encoder().encode
_JSON_HEADERS = (b"content-type", b"application/json")


class FastUpload:
    """ASGI wrapper serving ``POST /instances`` of a single DICOM file directly.

    Args:
        app: The litestar application, which serves every other request.
        server: Stores the files.
    """

    def __init__(self, app: Any, server: Server) -> None:
        self.app = app
        self.server = server

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") != "/instances":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            return  # the client went away: nobody to answer
        content_type = _header(scope, b"content-type")
        if not body or content_type[:10].lower() == "multipart/" or body[:4] == b"PK\x03\x04":
            scope[BODY_KEY] = body
            await self.app(scope, _replay, send)
            return
        origin = _origin(scope)
        try:
            result = await _WORKERS.run(self.server.store, body, origin)
        except Exception as exc:  # rendered by litestar's error handler, as for any route
            scope[ERROR_KEY] = exc
            await self.app(scope, _replay, send)
            return
        payload = _ENCODE(result)
        await send({"type": "http.response.start", "status": 200, "headers": [_JSON_HEADERS, (b"content-length", b"%d" % len(payload))]})
        await send({"type": "http.response.body", "body": payload})


class _Workers:
    """Threads that store uploads for the event loop, handed jobs through a SimpleQueue.

    anyio's ``to_thread.run_sync`` costs the event loop ~0.1 ms per call (capacity
    limiter, cancel scope, a Python ``queue.Queue`` whose Condition notify showed as
    a fifth of the loop thread's samples in py-spy); ``SimpleQueue`` is C code and
    the answer comes back with one ``call_soon_threadsafe``. Threads start on demand
    up to ``limit`` (uploads block in fsync, so one per concurrent client) and stay;
    the pool is shared by every server of the process so that in-place restarts
    do not leave threads behind.
    """

    def __init__(self, limit: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[..., Any], tuple[Any, ...]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._limit = limit
        self._threads = 0
        self._idle = 0

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Run ``fn(*args)`` on a worker thread; the future settles on the calling loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._idle == 0 and self._threads < self._limit:
                self._threads += 1
                self._idle += 1
                threading.Thread(target=self._work, name=f"donjon-upload-{self._threads}", daemon=True).start()
        self._jobs.put((loop, future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            loop, future, fn, args = self._jobs.get()
            with self._lock:
                self._idle -= 1
            try:
                outcome: tuple[bool, Any] = (True, fn(*args))
            except BaseException as exc:  # handed to the awaiting request, which answers with it
                outcome = (False, exc)
            with self._lock:
                self._idle += 1
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:
                pass  # the loop was closed meanwhile (server stopped): nobody waits


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.cancelled():
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


_WORKERS = _Workers(limit=16)


async def _read_body(receive: Any) -> bytes | None:
    """The whole request body, or None when the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body")
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body"):
            break
    # One copy at most: a body that came in one message is used as it is.
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _replay() -> dict[str, Any]:
    # The route takes the body from the scope; this only says that nothing more comes.
    return {"type": "http.request", "body": b"", "more_body": False}


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _origin(scope: dict[str, Any]) -> Origin:
    # As rest.instances._origin does from litestar's Request.
    client = scope.get("client")
    return Origin(kind=OriginKind.RestApi, remote_ip=client[0] if client else "", username=scope.get("donjon_username", ""))
