"""The jobs engine through /jobs: states, priorities, control, history, persistence, events.

A "Gate" job type, registered by a test plugin, runs until the test opens its gate,
checking for pause/cancel requests while it waits: the tests drive it step by step.
"""

from __future__ import annotations

import itertools
import threading
import time

import msgspec
import pytest
from donjon_sdk import ChangeType, DonjonError, ErrorCode, Job, JobContext, hookimpl

JOB_FIELDS = {"Content", "CreationTime", "EffectiveRuntime", "ErrorCode", "ErrorDescription", "ErrorDetails", "ID", "Priority", "Progress", "State", "Timestamp", "Type"}


class Gate:
    def __init__(self, fail_times: int = 0) -> None:
        self.open = threading.Event()
        self.started = threading.Event()
        self.fail_times = fail_times


GATES: dict[str, Gate] = {}
RUN_ORDER: list[str] = []
_names = itertools.count()


class GateParams(msgspec.Struct, kw_only=True, tag="Gate", tag_field="Type"):
    name: str


class GateJob(Job):
    type_name = "Gate"
    params_type = GateParams

    def run(self, ctx: JobContext) -> None:
        gate = GATES[self.params.name]
        RUN_ORDER.append(self.params.name)
        gate.started.set()
        while not gate.open.wait(0.01):
            ctx.checkpoint()
        ctx.set_progress(1.0)
        if gate.fail_times:
            gate.fail_times -= 1
            raise DonjonError(ErrorCode.BadRequest, f"gate {self.params.name} asked to fail")

    def content(self) -> dict:
        return {"Gate": self.params.name}


class GatePlugin:
    def __init__(self) -> None:
        self.changes: list = []

    @hookimpl
    def donjon_job_types(self) -> list:
        return [GateJob]

    @hookimpl
    def donjon_change(self, change) -> None:
        if change.change_type >= ChangeType.JobSubmitted:
            self.changes.append(change)


def _gate(open_: bool = False, fail_times: int = 0) -> tuple[str, Gate]:
    name = f"gate{next(_names)}"
    GATES[name] = gate = Gate(fail_times)
    if open_:
        gate.open.set()
    return name, gate


def _submit(srv, name: str, priority: int = 0) -> str:
    return srv.server.jobs.submit(GateJob(GateParams(name=name)), priority)


def _wait_done(srv, job_id: str, change_type: ChangeType = ChangeType.JobSuccess) -> dict:
    srv.events.wait_for(lambda e: getattr(e, "change_type", None) == change_type and e.resource_id == job_id)
    return srv.http.get(f"/jobs/{job_id}").json()


def _wait_state(srv, job_id: str, state: str, timeout: float = 10.0) -> dict:
    # Paused and Pending have no change event: poll the public answer.
    deadline = time.monotonic() + timeout
    while True:
        info = srv.http.get(f"/jobs/{job_id}").json()
        if info["State"] == state or time.monotonic() > deadline:
            assert info["State"] == state, info
            return info
        threading.Event().wait(0.01)


@pytest.fixture
def gates():
    plugin = GatePlugin()
    yield plugin
    for gate in GATES.values():
        gate.open.set()


def test_finished_job_is_described_as_orthanc_does(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, _ = _gate(open_=True)
    job_id = _submit(srv, name, priority=3)
    info = _wait_done(srv, job_id)
    assert set(info) == JOB_FIELDS | {"CompletionTime"}
    assert info["State"] == "Success" and info["Progress"] == 100
    assert (info["ErrorCode"], info["ErrorDescription"], info["ErrorDetails"]) == (0, "Success", "")
    assert (info["ID"], info["Type"], info["Priority"], info["Content"]) == (job_id, "Gate", 3, {"Gate": name})
    assert info["CreationTime"] <= info["CompletionTime"] <= info["Timestamp"]
    assert job_id in srv.http.get("/jobs").json()
    assert [j["ID"] for j in srv.http.get("/jobs?expand").json()] == [job_id]


def test_unknown_job_is_a_bare_404_and_its_actions_a_bare_400(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    answer = srv.http.get("/jobs/nope")
    assert (answer.status_code, answer.content) == (404, b"")
    for action in ("cancel", "pause", "resume", "resubmit"):
        answer = srv.http.post(f"/jobs/nope/{action}")
        assert (answer.status_code, answer.content) == (400, b"")


def test_higher_priority_pending_job_runs_first(donjon_server, gates):
    srv = donjon_server({"ConcurrentJobs": 1}, plugins=[gates])
    blocker, blocker_gate = _gate()
    low, low_gate = _gate(open_=True)
    high, high_gate = _gate(open_=True)
    first = _submit(srv, blocker)
    assert blocker_gate.started.wait(10)
    low_id, high_id = _submit(srv, low, priority=-1), _submit(srv, high, priority=5)
    assert srv.http.get(f"/jobs/{low_id}").json()["State"] == "Pending"
    blocker_gate.open.set()
    for job_id in (first, low_id, high_id):
        _wait_done(srv, job_id)
    assert [n for n in RUN_ORDER if n in (blocker, low, high)] == [blocker, high, low]


def test_concurrent_jobs_run_side_by_side(donjon_server, gates):
    srv = donjon_server({"ConcurrentJobs": 2}, plugins=[gates])
    (a, gate_a), (b, gate_b) = _gate(), _gate()
    _submit(srv, a), _submit(srv, b)
    assert gate_a.started.wait(10) and gate_b.started.wait(10)


def test_running_job_pauses_and_resumes(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, gate = _gate()
    job_id = _submit(srv, name)
    assert gate.started.wait(10)
    assert srv.http.post(f"/jobs/{job_id}/pause").json() == {}
    _wait_state(srv, job_id, "Paused")
    gate.started.clear()
    assert srv.http.post(f"/jobs/{job_id}/resume").json() == {}
    assert gate.started.wait(10)
    gate.open.set()
    assert _wait_done(srv, job_id)["State"] == "Success"


def test_paused_pending_job_stays_out_of_the_queue(donjon_server, gates):
    srv = donjon_server({"ConcurrentJobs": 1}, plugins=[gates])
    blocker, blocker_gate = _gate()
    waiting, waiting_gate = _gate(open_=True)
    blocker_id = _submit(srv, blocker)
    assert blocker_gate.started.wait(10)
    waiting_id = _submit(srv, waiting)
    assert srv.http.post(f"/jobs/{waiting_id}/pause").status_code == 200
    blocker_gate.open.set()
    _wait_done(srv, blocker_id)
    assert srv.http.get(f"/jobs/{waiting_id}").json()["State"] == "Paused"
    assert not waiting_gate.started.is_set()
    srv.http.post(f"/jobs/{waiting_id}/resume")
    assert _wait_done(srv, waiting_id)["State"] == "Success"


def test_cancelled_running_job_fails_with_error_37(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, gate = _gate()
    job_id = _submit(srv, name)
    assert gate.started.wait(10)
    assert srv.http.post(f"/jobs/{job_id}/cancel").json() == {}
    info = _wait_done(srv, job_id, ChangeType.JobFailure)
    assert (info["State"], info["ErrorCode"], info["ErrorDescription"]) == ("Failure", 37, "This job was canceled")


def test_failed_job_reports_its_error_and_can_be_resubmitted(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, gate = _gate(open_=True, fail_times=1)
    job_id = _submit(srv, name)
    info = _wait_done(srv, job_id, ChangeType.JobFailure)
    assert (info["State"], info["ErrorCode"], info["ErrorDetails"]) == ("Failure", 8, f"gate {name} asked to fail")
    assert srv.http.post(f"/jobs/{job_id}/resubmit").json() == {}
    srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.JobSuccess and e.resource_id == job_id)
    info = srv.http.get(f"/jobs/{job_id}").json()
    assert (info["State"], info["ErrorCode"], info["ErrorDetails"]) == ("Success", 0, "")


def test_actions_that_do_not_apply_are_refused_or_ignored_as_in_orthanc(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, _ = _gate(open_=True)
    job_id = _submit(srv, name)
    _wait_done(srv, job_id)
    # Orthanc 1.10.1: cancel/pause of a finished job answer {} and change nothing.
    assert srv.http.post(f"/jobs/{job_id}/cancel").json() == {}
    assert srv.http.post(f"/jobs/{job_id}/pause").json() == {}
    for action in ("resume", "resubmit"):
        answer = srv.http.post(f"/jobs/{job_id}/{action}")
        assert (answer.status_code, answer.content) == (400, b"")
    assert srv.http.get(f"/jobs/{job_id}").json()["State"] == "Success"


def test_history_keeps_the_most_recent_finished_jobs(donjon_server, gates):
    srv = donjon_server({"JobsHistorySize": 2, "ConcurrentJobs": 1}, plugins=[gates])
    ids = []
    for _ in range(3):
        name, _ = _gate(open_=True)
        ids.append(_submit(srv, name))
        _wait_done(srv, ids[-1])
    assert srv.http.get("/jobs").json() == sorted(ids[1:])
    assert srv.http.get(f"/jobs/{ids[0]}").status_code == 404


def test_only_a_finished_job_can_be_deleted(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, gate = _gate()
    job_id = _submit(srv, name)
    assert gate.started.wait(10)
    refused = srv.http.delete(f"/jobs/{job_id}")
    assert refused.status_code == 400 and refused.json()["OrthancError"] == "Bad sequence of calls"
    gate.open.set()
    _wait_done(srv, job_id)
    assert srv.http.delete(f"/jobs/{job_id}").status_code == 200
    assert srv.http.get(f"/jobs/{job_id}").status_code == 404
    assert srv.http.delete(f"/jobs/{job_id}").status_code == 404


def test_job_changes_reach_plugins_without_entering_the_changes_log(donjon_server, gates):
    srv = donjon_server(plugins=[gates])
    name, _ = _gate(open_=True)
    job_id = _submit(srv, name)
    _wait_done(srv, job_id)
    mine = [c for c in gates.changes if c.resource_id == job_id]
    assert [c.change_type for c in mine] == [ChangeType.JobSubmitted, ChangeType.JobSuccess]
    assert all(c.level is None and c.path == f"/jobs/{job_id}" for c in mine)
    assert srv.http.get("/changes").json()["Changes"] == []


def test_saved_jobs_survive_a_restart(donjon_server, gates):
    srv = donjon_server({"ConcurrentJobs": 1, "SaveJobs": True}, plugins=[gates])
    done, _ = _gate(open_=True)
    done_id = _submit(srv, done)
    _wait_done(srv, done_id)
    running, running_gate = _gate()
    pending, pending_gate = _gate()
    paused, _ = _gate(open_=True)
    running_id = _submit(srv, running, priority=2)
    assert running_gate.started.wait(10)
    pending_id, paused_id = _submit(srv, pending, priority=1), _submit(srv, paused)
    srv.http.post(f"/jobs/{paused_id}/pause")
    srv.restart()  # the running job is interrupted at its checkpoint and saved as pending
    assert sorted(srv.http.get("/jobs").json()) == sorted([done_id, running_id, pending_id, paused_id])
    assert srv.http.get(f"/jobs/{done_id}").json()["State"] == "Success"
    assert srv.http.get(f"/jobs/{paused_id}").json()["State"] == "Paused"
    running_gate.open.set()
    pending_gate.open.set()
    assert _wait_done(srv, running_id)["State"] == "Success"
    assert _wait_done(srv, pending_id)["Priority"] == 1
    assert srv.http.get(f"/jobs/{paused_id}").json()["State"] == "Paused"


def test_without_save_jobs_a_restart_forgets_them(donjon_server, gates):
    srv = donjon_server({"SaveJobs": False}, plugins=[gates])
    name, _ = _gate(open_=True)
    _wait_done(srv, _submit(srv, name))
    srv.restart()
    assert srv.http.get("/jobs").json() == []
