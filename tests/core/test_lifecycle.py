"""``POST /tools/shutdown`` and ``POST /tools/reset``, in a real process and embedded."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest


def _until(check: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except httpx.HTTPError as exc:  # the server is between two lives
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last error: {last})")


def _answer(response: httpx.Response) -> tuple[int, str, Any]:
    return response.status_code, response.headers.get("content-type", "").split(";")[0], response.json()


# -- process mode: the donjon command ------------------------------------------------------------------


def test_shutdown_answers_then_the_process_exits_0(donjon_server, dicom_factory):
    srv = donjon_server(mode="process")
    assert srv.http.post("/instances", content=dicom_factory.bytes()).status_code == 200
    response = srv.http.post("/tools/shutdown")
    assert _answer(response) == (200, "application/json", {})
    assert srv.process.wait(30) == 0
    log = srv.log_path.read_text()
    assert "Shutdown request received" in log and "Donjon has stopped" in log
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{srv.url}/system", timeout=2)


def test_reset_re_execs_the_process_and_reads_the_configuration_again(donjon_server, dicom_factory):
    srv = donjon_server({"Name": "BeforeReset"}, mode="process")
    pid = srv.process.pid
    stored = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    config_path = srv.folder / "donjon.json"
    config = json.loads(config_path.read_text())
    config["Name"] = "AfterReset"
    config_path.write_text(json.dumps(config))

    assert _answer(srv.http.post("/tools/reset")) == (200, "application/json", {})
    _until(lambda: srv.http.get("/system").json()["Name"] == "AfterReset", what="the new configuration")
    # Same process (exec), same data.
    assert srv.process.pid == pid and srv.process.poll() is None
    assert srv.http.get("/instances").json() == [stored]
    assert "Donjon is restarting" in srv.log_path.read_text()


def test_reset_with_a_broken_configuration_stops_with_status_255(donjon_server):
    srv = donjon_server(mode="process")
    (srv.folder / "donjon.json").write_text('{"HttpPort": "not a port"}')
    assert srv.http.post("/tools/reset").status_code == 200
    assert srv.process.wait(60) == 255
    assert "$.HttpPort" in srv.log_path.read_text()


def test_get_on_shutdown_is_refused_and_the_server_stays_up(donjon_server):
    srv = donjon_server(mode="process")
    assert srv.http.get("/tools/shutdown").status_code == 405
    assert srv.http.get("/system").status_code == 200
    assert srv.process.poll() is None


# -- in-process: the Runner restarts the server --------------------------------------------------------


def test_in_process_reset_restarts_on_the_same_ports_with_the_configuration_again(donjon_server, dicom_factory):
    srv = donjon_server({"Name": "First"})
    first = srv.server
    ports = (srv.http_port, srv.dicom_port)
    stored = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    srv.config["Name"] = "Second"  # the configuration the Runner will read again

    assert _answer(srv.http.post("/tools/reset")) == (200, "application/json", {})
    _until(lambda: srv.runner.restarts == 1, what="the restart")
    assert srv.server is not first
    assert (srv.server.http_port, srv.server.dicom_port) == ports
    assert srv.http.get("/system").json()["Name"] == "Second"
    assert srv.http.get("/instances").json() == [stored]
    # The old server was stopped: its index is closed, its threads gone.
    assert first._started is False


def test_in_process_shutdown_stops_listeners_and_server(donjon_server, dcmtk):
    srv = donjon_server()
    server = srv.server
    assert _answer(srv.http.post("/tools/shutdown")) == (200, "application/json", {})
    _until(lambda: server._started is False, what="the stop")

    def refused() -> bool:
        try:
            httpx.get(f"{srv.url}/system", timeout=1)
        except httpx.ConnectError:
            return True
        return False

    _until(refused, what="HTTP to close")
    assert dcmtk.echo(srv.dicom_port).returncode != 0


# -- Orthanc answers the same ------------------------------------------------------------------------


def _rename(config_path: Any, name: str) -> None:
    config = json.loads(config_path.read_text())
    config["Name"] = name
    config_path.write_text(json.dumps(config))


@pytest.mark.oracle
def test_shutdown_and_reset_answer_as_orthanc(donjon_server, orthanc_oracle):
    orthanc = orthanc_oracle()
    srv = donjon_server(mode="process")
    # A new Name tells when each server runs on the configuration read again.
    _rename(orthanc.config_path, "OracleAfterReset")
    _rename(srv.folder / "donjon.json", "DonjonAfterReset")
    assert _answer(srv.http.post("/tools/reset")) == _answer(orthanc.http.post("/tools/reset"))
    _until(lambda: orthanc.http.get("/system").json()["Name"] == "OracleAfterReset", what="Orthanc to restart")
    try:
        _until(lambda: srv.http.get("/system").json()["Name"] == "DonjonAfterReset", what="Donjon to restart")
    except AssertionError as exc:  # say why the new process did not come up
        raise AssertionError(f"{exc}\n--- donjon.log ---\n{srv.log_path.read_text()[-3000:]}") from None
    assert srv.http.get("/tools/reset").status_code == orthanc.http.get("/tools/reset").status_code == 405
    assert _answer(srv.http.post("/tools/shutdown")) == _answer(orthanc.http.post("/tools/shutdown"))
    assert srv.process.wait(30) == orthanc.process.wait(30) == 0
