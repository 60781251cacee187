"""HTTP security: one guard in front of the whole application (issue 7).

Remote-access rule, authentication (HTTP Basic or a plugin), per-user rights and
request filters run in :class:`~donjon.security.guard.HttpGuard`, an ASGI wrapper
around the litestar application, so every route — core, plugin, present, future,
and unknown URIs too — is covered without any route doing anything.
"""

from __future__ import annotations

from .guard import HttpGuard

__all__ = ["HttpGuard"]
