"""The ``donjon`` command: versions, default configuration, exit codes, signals, logs, footprint."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from donjon import __version__
from donjon.config import load_config
from donjon.config.model import CoreConfig
from donjon.plugins import PluginHost
from donjon_sdk.testing.server import free_port

#: ``I1129 00:28:39.123456 thread file.py:42] message`` (Orthanc's layout plus the thread name).
LOG_LINE = re.compile(r"^[TIWE]\d{4} \d\d:\d\d:\d\d\.\d{6} \S+ [\w.-]+\.py:\d+\] ")


def _donjon(*args: Any, cwd: Path, env: dict[str, str | None] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "donjon", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_env(env))


def _env(extra: dict[str, str | None] | None = None) -> dict[str, str]:
    """The test's environment without ORTHANC__ overrides; no plugins unless asked (None removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORTHANC__")}
    env["DONJON_PLUGINS"] = "-"
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class Proc:
    """A ``donjon`` process started by a test, with its ports and its log."""

    def __init__(self, folder: Path, config: dict[str, Any], *args: str, wait_http: bool = True) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config = {
            "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "storage"),
            "HttpPort": free_port(),
            "DicomPort": free_port(),
            **config,
        }
        self.config_path = folder / "donjon.json"
        self.config_path.write_text(json.dumps(self.config))
        self.log_path = folder / "stderr.log"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "donjon", str(self.config_path), "--host", "127.0.0.1", *args],
            cwd=folder, stdout=subprocess.PIPE, stderr=open(self.log_path, "wb"), env=_env(),
        )
        self.url = f"http://127.0.0.1:{self.config['HttpPort']}"
        self.ready_after = self.wait_http() if wait_http else None

    def wait_http(self, timeout: float = 60) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"donjon exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}"
            try:
                httpx.get(f"{self.url}/system", timeout=1)
                return time.monotonic() - self.started
            except httpx.HTTPError:
                time.sleep(0.02)
        raise AssertionError(f"no HTTP answer within {timeout} s: {self.log_path.read_text()[-2000:]}")

    def wait_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log_path.read_text():
            assert time.monotonic() < deadline, f"{text!r} not logged: {self.log_path.read_text()[-2000:]}"
            assert self.process.poll() is None, self.log_path.read_text()[-2000:]
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def proc(tmp_path):
    started: list[Proc] = []

    def start(config: dict[str, Any] | None = None, *args: str, wait_http: bool = True) -> Proc:
        p = Proc(tmp_path / f"p{len(started)}", config or {}, *args, wait_http=wait_http)
        started.append(p)
        return p

    yield start
    for p in started:
        if p.process.poll() is None:
            p.process.kill()
            p.process.wait()


# -- informational options --------------------------------------------------------------------------


def test_version_is_printed(tmp_path):
    result = _donjon("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith(f"Donjon {__version__}")


def test_errors_lists_orthanc_error_codes(tmp_path):
    result = _donjon("--errors", cwd=tmp_path)
    assert result.returncode == 0
    assert re.search(r"^\s+0\s+Success$", result.stdout, re.M) and re.search(r"^\s+2000\s+", result.stdout, re.M)


# -- the commented default configuration -----------------------------------------------------


def test_default_configuration_loads_back_without_warnings_and_with_equal_values(tmp_path, caplog, monkeypatch):
    # Every installed plugin: their sections are part of the default configuration.
    result = _donjon("--config=-", cwd=tmp_path, env={"DONJON_PLUGINS": None})
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "//" in text  # commented, as Orthanc's
    path = tmp_path / "written.json"
    path.write_text(text)
    monkeypatch.delenv("DONJON_PLUGINS", raising=False)
    sections: dict[str, Any] = {}
    for declared in PluginHost().collect("donjon_config_sections"):
        sections.update(declared)
    assert all(f'"{name}" : {{' in text for name in sections)
    with caplog.at_level(logging.WARNING):
        config = load_config(path, sections, environ={})
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert config.core == CoreConfig()
    for name, struct in sections.items():
        assert config.section(struct) == load_config(None, sections, environ={}).section(struct), name


def test_default_configuration_is_written_to_a_file(tmp_path):
    result = _donjon("--config=Configuration.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "Configuration.json").read_text()
    assert '"DicomAet" : "ORTHANC"' in text and '"HttpPort" : 8042' in text


def test_default_configuration_to_an_unwritable_place_fails_clearly(tmp_path):
    result = _donjon(f"--config={tmp_path}/no/such/folder/c.json", cwd=tmp_path)
    assert result.returncode == 255
    assert "cannot write the configuration" in result.stderr


# -- start-up failures ---------------------------------------------------------------------------


def test_wrong_type_exits_255_naming_the_key(tmp_path):
    (tmp_path / "c.json").write_text('{"DicomAet": 42}')
    result = _donjon("c.json", cwd=tmp_path)
    assert result.returncode == 255
    assert "$.DicomAet" in result.stderr and "c.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_json_exits_255_naming_the_line(tmp_path):
    (tmp_path / "c.json").write_text('{\n "Name": "x",\n "HttpPort": 80 80\n}')
    result = _donjon("c.json", cwd=tmp_path)
    assert result.returncode == 255
    assert "c.json" in result.stderr and "line 3" in result.stderr


def test_missing_configuration_exits_255(tmp_path):
    result = _donjon("absent.json", cwd=tmp_path)
    assert result.returncode == 255 and "absent.json" in result.stderr


@pytest.mark.parametrize("key, words", [("HttpPort", "HTTP port"), ("DicomPort", "DICOM port")])
def test_port_in_use_exits_255_naming_the_port(tmp_path, key, words):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        config = {"StorageDirectory": "s", "IndexDirectory": "s", "HttpPort": free_port(), "DicomPort": free_port(), key: port}
        (tmp_path / "c.json").write_text(json.dumps(config))
        result = _donjon("c.json", "--host", "127.0.0.1", cwd=tmp_path)
    assert result.returncode == 255
    assert f"{words} {port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_argument_uses_embedded_defaults_in_the_current_folder(tmp_path):
    # Ports are the defaults (8042/4242) and may be taken on a shared machine: only check
    # that the start uses ./OrthancStorage, then stop it.
    process = subprocess.Popen([sys.executable, "-m", "donjon"], cwd=tmp_path, stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 60
    while not (tmp_path / "OrthancStorage").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    process.wait(30)
    assert (tmp_path / "OrthancStorage").is_dir()
    assert "embedded defaults" in process.stderr.read()


# -- signals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_with_status_0(proc, dicom_factory, sig):
    p = proc({}, "--verbose")
    assert httpx.post(f"{p.url}/instances", content=dicom_factory.bytes()).status_code == 200
    p.process.send_signal(sig)
    assert p.process.wait(30) == 0
    log = p.log()
    assert f"{sig.name} received" in log and "Donjon has stopped" in log
    # The index was closed: SQLite removes its WAL file when the last connection closes.
    storage = Path(p.config["IndexDirectory"])
    assert not list(storage.glob("*-wal")), list(storage.iterdir())
    assert "Traceback" not in log


# -- logging -----------------------------------------------------------------------------------


def test_every_log_line_has_the_one_format(proc, dicom_factory, dcmtk, tmp_path):
    p = proc({}, "--verbose")
    httpx.post(f"{p.url}/instances", content=dicom_factory.bytes())
    assert dcmtk.echo(p.config["DicomPort"]).returncode == 0
    assert p.stop() == 0
    lines = [l for l in p.log().splitlines() if l.strip()]
    assert len(lines) > 5
    bad = [l for l in lines if not LOG_LINE.match(l)]
    assert bad == []
    # Lines written after the HTTP server started (litestar, uvicorn) keep the format too.
    assert any("server.py" in l and "uvicorn" not in l for l in lines)


def test_logfile_receives_the_log(proc):
    p = proc({}, "--verbose", "--logfile", "donjon.log")
    assert p.stop() == 0
    text = (p.folder / "donjon.log").read_text()
    assert "Donjon has started" in text and "Donjon has stopped" in text
    assert p.log() == ""


def test_default_verbosity_shows_warnings_only(proc):
    p = proc({})
    assert p.stop() == 0
    lines = p.log().splitlines()
    assert lines and all(l[0] in "WE" for l in lines)


def test_passwords_and_patient_names_never_reach_the_log(proc, dicom_factory, dcmtk, tmp_path):
    password = "Sup3rSecretPassw0rd"
    peer_password = "PeerPassw0rdXYZ"
    config = {
        "AuthenticationEnabled": True,
        "RegisteredUsers": {"alice": password},
        "OrthancPeers": {"peer": ["http://127.0.0.1:9/", "bob", peer_password]},
    }
    p = proc(config, "--trace")
    auth = ("alice", password)
    data = dicom_factory.bytes(PatientName="Secretname^Patient", PatientID="PID-LOG")
    assert httpx.post(f"{p.url}/instances", content=data, auth=auth).status_code == 200
    assert httpx.get(f"{p.url}/system", auth=("alice", "wrong-" + password)).status_code == 401
    path = tmp_path / "one.dcm"
    path.write_bytes(dicom_factory.bytes(PatientName="Othersecret^Name", PatientID="PID-LOG2"))
    assert dcmtk.store(p.config["DicomPort"], [path]).returncode == 0
    httpx.post(f"{p.url}/tools/find", json={"Level": "Patient", "Query": {"PatientName": "Secretname*"}}, auth=auth)
    assert p.stop() == 0
    log = p.log()
    assert len(log) > 1000  # --trace did log
    for secret in (password, peer_password, "Secretname", "Othersecret"):
        assert secret not in log, secret


# -- listeners disabled ---------------------------------------------------------------------------


def test_http_server_disabled_still_serves_dicom(proc, dcmtk):
    p = proc({"HttpServerEnabled": False}, "--verbose", wait_http=False)
    p.wait_log("Donjon has started")
    assert dcmtk.echo(p.config["DicomPort"]).returncode == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{p.url}/system", timeout=2)
    assert p.stop() == 0


def test_dicom_server_disabled_still_serves_http(proc, dcmtk):
    p = proc({"DicomServerEnabled": False}, "--verbose")
    assert httpx.get(f"{p.url}/system").status_code == 200
    assert dcmtk.echo(p.config["DicomPort"]).returncode != 0
    assert p.stop() == 0
    assert "DICOM server is disabled" in p.log()
