"""Helpers of the SDK tests: the hookspecs as their documented signatures."""

from __future__ import annotations

import inspect

import pytest


def hookspec_signatures() -> dict[str, tuple[str, bool]]:
    """Every hookspec → (its signature as written in ``hookspecs.py``, whether firstresult).

    Annotations stay the strings of the source (``from __future__ import annotations``), so
    the signature reads as the code does: ``donjon_change(server: Any, change: Change) -> None``.
    """
    from donjon import hookspecs

    out: dict[str, tuple[str, bool]] = {}
    for name, fn in vars(hookspecs).items():
        spec = getattr(fn, f"{hookspecs.PROJECT}_spec", None)
        if not name.startswith("donjon_") or spec is None:
            continue
        sig = inspect.signature(fn)
        params = ", ".join(p.name if p.annotation is inspect.Parameter.empty else f"{p.name}: {p.annotation}" for p in sig.parameters.values())
        ret = "" if sig.return_annotation is inspect.Signature.empty else f" -> {sig.return_annotation}"
        out[name] = (f"{name}({params}){ret}", bool(spec.get("firstresult")))
    return dict(sorted(out.items()))


@pytest.fixture
def hookspecs() -> dict[str, tuple[str, bool]]:
    return hookspec_signatures()
