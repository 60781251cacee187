"""The ``Hello`` configuration section."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

__all__ = ["HelloConfig"]


class HelloConfig(msgspec.Struct, rename="pascal", kw_only=True):
    """``"Hello": {"Enable": true, "Greeting": "Hello"}``; absent means disabled."""

    enable: Annotated[bool, Meta(description="Whether the plugin serves GET /hello/{name}.")] = False
    greeting: Annotated[str, Meta(description="The word the answer starts with.")] = "Hello"
