"""HTTP Basic authentication against ``RegisteredUsers``, in constant time."""

from __future__ import annotations

import base64
import binascii
import hmac

__all__ = ["BasicAuthenticator", "parse_basic"]

#: Orthanc's realm, so that clients that know Orthanc's prompt see the same one.
REALM = 'Basic realm="Orthanc Secure Area"'


def parse_basic(header: str) -> tuple[str, str] | None:
    """``Basic dXNlcjpwYXNz`` → ``("user", "pass")``; None for anything malformed."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token or len(token) > 8192:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return user, password


class BasicAuthenticator:
    """Checks credentials against the registered users.

    Every stored pair is compared with ``hmac.compare_digest`` whatever the input,
    so the time taken says nothing about which part was wrong.
    """

    def __init__(self, users: dict[str, str]) -> None:
        self._pairs = [f"{u}:{p}".encode() for u, p in users.items()]

    def check(self, header: str | None) -> str | None:
        """The user name when the ``Authorization`` header is valid, else None."""
        if not header:
            return None
        parsed = parse_basic(header)
        if parsed is None:
            return None
        candidate = f"{parsed[0]}:{parsed[1]}".encode()
        matched = False
        for pair in self._pairs:
            matched |= hmac.compare_digest(candidate, pair)
        return parsed[0] if matched else None
