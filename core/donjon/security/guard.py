"""The ASGI guard in front of the HTTP application.

Order, as in Orthanc: remote-access rule (403), authentication (401 with
``WWW-Authenticate: Basic realm="Orthanc Secure Area"``), per-user rights (403),
request filters (403 or the Refusal's status). The identity reaches handlers as
``scope["donjon_identity"]`` (and ``scope["donjon_username"]``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import TYPE_CHECKING, Any


from ..types import HttpRequest, Identity, Refusal
from .audit import AuditLog
from .basic_auth import REALM, BasicAuthenticator
from .rights import UserRights

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["HttpGuard", "is_loopback"]

log = logging.getLogger(__name__)

Scope = dict[str, Any]


def is_loopback(ip: str) -> bool:
    """Whether a client address is the local host (127.0.0.0/8, ::1, IPv4-mapped loopback)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


class HttpGuard:
    """Wraps an ASGI application with Donjon's HTTP security.

    Args:
        app: The litestar application.
        server: Gives the configuration and the plugin hooks.
    """

    def __init__(self, app: Any, server: Server) -> None:
        self.app = app
        self.server = server
        cfg = server.config.core
        self.remote_access_allowed = cfg.remote_access_allowed
        self.authentication_required = cfg.authentication_required
        self.basic = BasicAuthenticator(cfg.registered_users)
        self.rights = UserRights(cfg.user_rights)
        self.keep_alive = cfg.keep_alive
        self.request_timeout = float(cfg.http_request_timeout) if cfg.http_request_timeout > 0 else None
        self.audit = AuditLog(cfg.audit_log_path) if cfg.audit_log_enabled else None
        if cfg.remote_access_allowed and not self.authentication_required:
            log.warning("remote access is allowed while authentication is disabled: this setup is POSSIBLY INSECURE")
        if self.authentication_required and not cfg.registered_users:
            log.warning("authentication is enabled but RegisteredUsers is empty: only plugins can let requests in")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request = _request_info(scope)
        identity_or_status = self._admit(request)
        if not isinstance(identity_or_status, Identity):
            status, headers, username = identity_or_status
            self._audit(request, username, status)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _reject(send, status, headers)
            return
        identity = identity_or_status
        scope["donjon_identity"] = identity
        scope["donjon_username"] = identity.username
        status_holder = [500]

        async def guarded_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                if not self.keep_alive:
                    message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        await self.app(scope, self._timed_receive(receive), guarded_send)
        self._audit(request, identity.username, status_holder[0])

    def _admit(self, request: HttpRequest) -> Identity | tuple[int, list[tuple[bytes, bytes]], str]:
        """An Identity when the request may proceed, else ``(status, extra headers, user name)``."""
        if not self.remote_access_allowed and not is_loopback(request.remote_ip):
            log.info("remote access from %s refused (RemoteAccessAllowed is false)", request.remote_ip)
            return 403, [], ""
        plugins = self.server.plugins
        answer = plugins.first("donjon_authenticate", request=request)
        if isinstance(answer, Refusal):
            return (answer.status if answer.status in (401, 403) else 401), _challenge(answer.status), ""
        if isinstance(answer, Identity):
            identity = answer
        else:
            user = self.basic.check(request.headers.get("authorization"))
            if user is None and self.authentication_required:
                return 401, _challenge(401), ""
            identity = Identity(username=user or "")
        if not self.rights.allows(identity.username, request.method):
            log.info("user %r may not use %s", identity.username, request.method)
            return 403, [], identity.username
        refusal = plugins.first("donjon_http_request_filter", request=request, identity=identity)
        if refusal is not None:
            log.info("%s %s refused by a filter: %s", request.method, request.path, refusal.reason)
            return refusal.status, [], identity.username
        return identity

    def _timed_receive(self, receive: Any) -> Any:
        timeout = self.request_timeout
        if timeout is None:
            return receive

        async def timed() -> Any:
            # HttpRequestTimeout: a client that stops sending its request is cut off.
            # asyncio.timeout, not wait_for: wait_for wraps every receive in a new Task,
            # ~10 of them per 0.5 MB upload (its body comes in 64 KB messages).
            try:
                async with asyncio.timeout(timeout):
                    return await receive()
            except TimeoutError:
                return {"type": "http.disconnect"}

        return timed

    def _audit(self, request: HttpRequest, user: str, status: int) -> None:
        if self.audit is not None:
            try:
                self.audit.record(user=user, ip=request.remote_ip, method=request.method, path=request.path, status=status)
            except OSError:
                log.exception("cannot write the audit log")


def _challenge(status: int) -> list[tuple[bytes, bytes]]:
    return [(b"www-authenticate", REALM.encode())] if status == 401 else []


def _request_info(scope: Scope) -> HttpRequest:
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        headers[name.decode("latin-1").lower()] = value.decode("latin-1")
    client = scope.get("client") or ("", 0)
    return HttpRequest(
        method=scope.get("method", "GET").upper(),
        path=scope.get("path", "/"),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        remote_ip=client[0] or "",
        client_certificate=_client_certificate(scope),
    )


def _client_certificate(scope: Scope) -> str:
    """The subject of the TLS client certificate, when the transport exposes it."""
    transport = scope.get("extensions", {}).get("tls", {})
    cert = transport.get("client_cert_name") if isinstance(transport, dict) else None
    return str(cert or "")


async def _reject(send: Any, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    body = b""
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0"), *headers]})
    await send({"type": "http.response.body", "body": body})


