"""The plugin template installs like any plugin and is loaded by a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import donjon_sdk

TEMPLATE = Path(donjon_sdk.__file__).parent / "template"


@pytest.fixture(scope="module")
def installed_template(tmp_path_factory) -> tuple[Path, Path]:
    """The template copied and ``pip install --no-deps --target`` into a site folder of its own."""
    work = tmp_path_factory.mktemp("template")
    source = work / "donjon-hello"
    shutil.copytree(TEMPLATE, source, ignore=shutil.ignore_patterns("__pycache__"))
    site = work / "site"
    # No build isolation: hatchling is already installed, and tests must not need the network.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(site), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return source, site


def _env(site: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}


def test_template_has_the_layout_of_a_plugin():
    names = {p.relative_to(TEMPLATE).as_posix() for p in TEMPLATE.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {"pyproject.toml", "README.md", "donjon_hello/__init__.py", "donjon_hello/plugin.py", "donjon_hello/config.py", "tests/test_hello.py"} <= names


def test_installed_template_is_discovered_by_a_process_server(donjon_server, dicom_factory, installed_template):
    _, site = installed_template
    assert (site / "donjon_hello" / "plugin.py").is_file()
    srv = donjon_server({"Hello": {"Enable": True, "Greeting": "Hi"}}, mode="process", entry_points=["hello"], env=_env(site))
    assert srv.http.get("/plugins").json() == ["hello"]
    assert srv.http.get("/plugins/hello").json()["Version"] == "0.1.0"
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert srv.http.get("/hello/Ada").json() == {"Greeting": "Hi, Ada", "Instances": 1}


def test_template_own_tests_pass(installed_template):
    source, site = installed_template
    env = {**os.environ, **_env(site)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests")],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "2 passed" in run.stdout
