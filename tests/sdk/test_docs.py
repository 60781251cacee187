"""Meta-tests of the hook documentation (datasette's ``tests/test_docs.py`` pattern).

Every hookspec has a section of ``docs/hooks.md`` whose heading is its exact signature,
and every hook the core calls has a ``test_hook_<name>`` test. Hooks the core does not
call yet are listed below with the issue that will wire them; the list is checked against
the core's source, so a hook cannot hide here once something calls it.
"""

from __future__ import annotations

import re
from pathlib import Path

import donjon

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "hooks.md"
CORE = Path(donjon.__file__).parent

#: Hookspecs that nothing in the core calls yet, and the piece of work that will wire them.
NOT_WIRED_YET = {
    "donjon_find_request_filter": "issue: C-FIND SCP (query/retrieve)",
    "donjon_c_find": "issue: C-FIND SCP and worklists (query/retrieve, donjon-worklists)",
    "donjon_retrieve": "issue: C-MOVE / C-GET SCP (query/retrieve)",
    "donjon_storage_commitment": "issue: storage commitment SCP",
    "donjon_outgoing_store_filter": "issue: C-STORE SCU (modalities/{id}/store)",
    "donjon_explorer_extensions": "issue: web explorer (donjon-viewer)",
}


def _headings() -> list[str]:
    return re.findall(r"^### `(.+)`$", DOCS.read_text(), flags=re.MULTILINE)


def _core_sources() -> str:
    return "\n".join(p.read_text() for p in CORE.rglob("*.py") if p.name != "hookspecs.py")


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in (REPO / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_hook_\w+)\(", path.read_text(), flags=re.MULTILINE))
    return names


def test_every_hookspec_has_a_section_headed_by_its_signature(hookspecs):
    headings = _headings()
    for name, (signature, _) in hookspecs.items():
        assert signature in headings, f"docs/hooks.md needs a section headed ### `{signature}`"


def test_every_section_documents_an_existing_hookspec(hookspecs):
    signatures = {sig for sig, _ in hookspecs.values()}
    stale = [h for h in _headings() if h not in signatures]
    assert stale == [], f"docs/hooks.md documents signatures that no hookspec has: {stale}"


def test_every_wired_hook_has_its_test(hookspecs):
    tests = _test_names()
    missing = [name for name in hookspecs if name not in NOT_WIRED_YET and f"test_hook_{name.removeprefix('donjon_')}" not in tests]
    assert missing == [], f"hooks without a test_hook_<name> test: {missing}"


def test_not_wired_list_names_only_hooks_the_core_does_not_call(hookspecs):
    source = _core_sources()
    assert set(NOT_WIRED_YET) <= set(hookspecs), "NOT_WIRED_YET names a hook that is not a hookspec"
    wired = [name for name in NOT_WIRED_YET if re.search(rf"\b{name}\b", source)]
    assert wired == [], f"the core now uses {wired}: remove them from NOT_WIRED_YET and write their test_hook_ tests"


def test_docs_say_which_hooks_are_not_wired_yet():
    text = DOCS.read_text()
    for name in NOT_WIRED_YET:
        section = text.split(f"### `{name}(", 1)[1].split("\n### ", 1)[0]
        assert "Not called by the core yet" in section, name
