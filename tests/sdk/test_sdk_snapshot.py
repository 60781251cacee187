"""The SDK promise, snapshotted: ``donjon_sdk.__all__`` and every hookspec signature.

A failure here means the public surface changed. If that is deliberate, rewrite the
snapshots with ``DONJON_UPDATE_SNAPSHOTS=1 pytest tests/sdk/test_sdk_snapshot.py`` and
note the change in ``sdk/CHANGELOG.md``: additions are free, removals and renames go
through a deprecation (CONVENTIONS §12).
"""

from __future__ import annotations

import os
from pathlib import Path

import donjon_sdk

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _check(name: str, current: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("DONJON_UPDATE_SNAPSHOTS") == "1":
        path.write_text(current)
    expected = path.read_text()
    assert current == expected, f"the SDK surface changed ({path.name}); if deliberate, see this module's docstring"


def test_sdk_all_matches_the_snapshot():
    assert sorted(donjon_sdk.__all__) == list(donjon_sdk.__all__), "keep __all__ sorted"
    _check("sdk_all.txt", "".join(f"{name}\n" for name in donjon_sdk.__all__))


def test_every_sdk_name_is_importable():
    for name in donjon_sdk.__all__:
        assert getattr(donjon_sdk, name) is not None, name


def test_hookspec_signatures_match_the_snapshot(hookspecs):
    _check("hookspecs.txt", "".join(f"{sig}{'  [firstresult]' if first else ''}\n" for sig, first in hookspecs.values()))
