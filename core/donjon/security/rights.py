"""Per-user rights by HTTP method (``UserRights``), configurable without code.

``{"alice": ["GET"], "bob": ["GET", "POST", "PUT"]}``: alice reads only, bob may
do everything but DELETE. Users not listed keep every right (Orthanc's default).
``HEAD`` and ``OPTIONS`` follow ``GET``.
"""

from __future__ import annotations

__all__ = ["UserRights"]

_READ_ALIASES = {"HEAD": "GET", "OPTIONS": "GET"}


class UserRights:
    def __init__(self, rights: dict[str, list[str]]) -> None:
        self._rights = {user: {m.upper() for m in methods} for user, methods in rights.items()}

    def allows(self, username: str, method: str) -> bool:
        allowed = self._rights.get(username)
        if allowed is None:
            return True
        method = method.upper()
        return method in allowed or _READ_ALIASES.get(method, "") in allowed
