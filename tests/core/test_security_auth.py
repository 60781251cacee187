"""Issue 7: one guard in front of every route — authentication, rights, filters, audit."""

from __future__ import annotations

import base64
import json
import random
import re

import pytest
from litestar import get

from donjon_sdk import Identity, Refusal, hookimpl

USERS = {"admin": "admin-pw", "alice": "alice-pw", "bob": "bob-pw"}
SEED_RIGHTS = {"alice": ["GET"], "bob": ["GET", "POST", "PUT"]}
AUTH_CONFIG = {"AuthenticationEnabled": True, "RegisteredUsers": USERS, "UserRights": SEED_RIGHTS}


class ExtraRoute:
    """A plugin adding a route: the guard must cover it without the plugin doing anything."""

    @hookimpl
    def donjon_routes(self, server):
        @get("/plugin-extra/hello", sync_to_thread=False)
        def hello() -> dict:
            return {"hello": "world"}

        return [hello]


def _concrete(path: str) -> str:
    """A route template with its parameters filled in."""
    return re.sub(r"\{[^}:]+(:[^}]+)?\}", "0a1b2c3d-00000000-00000000-00000000-00000000", path)


def _routes(srv):
    for route in srv.server.http_app.routes:
        for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
            yield method, _concrete(route.path)


def test_every_route_answers_401_without_credentials(donjon_server):
    srv = donjon_server(AUTH_CONFIG, plugins=[ExtraRoute()])
    routes = list(_routes(srv))
    assert ("GET", "/plugin-extra/hello") in routes and len(routes) > 10
    for method, path in routes:
        answer = srv.http.request(method, path)
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert answer.headers["www-authenticate"] == 'Basic realm="Orthanc Secure Area"'
    # Unknown URIs too: the guard sits in front of routing.
    assert srv.http.get("/no/such/route").status_code == 401


def test_registered_user_gets_in(donjon_server):
    srv = donjon_server(AUTH_CONFIG, plugins=[ExtraRoute()])
    assert srv.http.get("/system", auth=("admin", "admin-pw")).status_code == 200
    assert srv.http.get("/plugin-extra/hello", auth=("alice", "alice-pw")).json() == {"hello": "world"}


@pytest.mark.parametrize("user,password", [("admin", "wrong"), ("nobody", "admin-pw"), ("admin", ""), ("", "")])
def test_wrong_credentials_are_refused(donjon_server, user, password):
    srv = donjon_server(AUTH_CONFIG)
    assert srv.http.get("/system", auth=(user, password)).status_code == 401


def test_seed_rights_admin_alice_bob(donjon_server, dicom_factory):
    srv = donjon_server(AUTH_CONFIG)
    data = dicom_factory.bytes()
    # alice reads only
    assert srv.http.get("/patients", auth=("alice", "alice-pw")).status_code == 200
    assert srv.http.post("/instances", content=data, auth=("alice", "alice-pw")).status_code == 403
    # bob may store but not delete
    stored = srv.http.post("/instances", content=data, auth=("bob", "bob-pw"))
    assert stored.status_code == 200
    instance = stored.json()["ID"]
    assert srv.http.delete(f"/instances/{instance}", auth=("bob", "bob-pw")).status_code == 403
    assert srv.http.delete(f"/instances/{instance}", auth=("alice", "alice-pw")).status_code == 403
    # admin does everything
    assert srv.http.delete(f"/instances/{instance}", auth=("admin", "admin-pw")).status_code == 200


def test_authentication_defaults_to_on_when_remote_access_is_allowed(donjon_server):
    srv = donjon_server({"RemoteAccessAllowed": True, "RegisteredUsers": USERS})
    assert srv.http.get("/system").status_code == 401
    open_srv = donjon_server({"RemoteAccessAllowed": True, "AuthenticationEnabled": False})
    assert open_srv.http.get("/system").status_code == 200


def test_malformed_authorization_headers_never_give_5xx(donjon_server):
    srv = donjon_server(AUTH_CONFIG)
    rng = random.Random(7)
    headers = [
        "Basic", "Basic !!!!", "Basic " + "A" * 9000, "Bearer abc", "basic YWRtaW46YWRtaW4tcHc=",
        "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(), "Basic " + base64.b64encode("adm\u00efn:p\u00e4ss".encode()).decode(),
        "Basic " + base64.b64encode(b"no-colon").decode(), "Digest username=admin",
    ]
    headers += ["Basic " + base64.b64encode(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))).decode() for _ in range(40)]
    for value in headers:
        answer = srv.http.get("/system", headers={"Authorization": value})
        assert answer.status_code in (200, 401), (value[:40], answer.status_code)
    # The case-insensitive scheme with the right credentials is accepted (RFC 7617).
    assert srv.http.get("/system", headers={"Authorization": "basic YWRtaW46YWRtaW4tcHc="}).status_code == 200
    assert srv.http.get("/system", headers={"Authorization": "Basic " + "é".encode().hex()}).status_code == 401


class TokenAuth:
    """A plugin replacing Basic auth with bearer tokens."""

    @hookimpl
    def donjon_authenticate(self, request):
        header = request.headers.get("authorization", "")
        if header == "Bearer good-token":
            return Identity(username="token-user")
        if header.startswith("Bearer "):
            return Refusal("bad token", status=401)
        return None


class NoDeleteOnStudies:
    @hookimpl
    def donjon_http_request_filter(self, request, identity):
        if request.method == "DELETE" and request.path.startswith("/studies/"):
            return Refusal(f"{identity.username or 'anonymous'} may not delete studies")
        return None


def test_plugin_authentication_and_identity_reach_the_handler(donjon_server, dicom_factory):
    srv = donjon_server(AUTH_CONFIG, plugins=[TokenAuth()])
    assert srv.http.get("/system", headers={"Authorization": "Bearer bad"}).status_code == 401
    stored = srv.http.post("/instances", content=dicom_factory.bytes(), headers={"Authorization": "Bearer good-token"})
    assert stored.status_code == 200
    # The user name is recorded as the instance's HttpUsername metadata (13), as Orthanc does.
    with srv.server.index.read() as tx:
        resource = tx.lookup(stored.json()["ID"])
        assert tx.metadata(resource.internal_id)[13] == "token-user"
    # Basic auth still works beside the plugin.
    assert srv.http.get("/system", auth=("admin", "admin-pw")).status_code == 200


def test_request_filter_refuses_by_method_and_path(donjon_server, dicom_factory):
    srv = donjon_server({}, plugins=[NoDeleteOnStudies()])
    study = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ParentStudy"]
    assert srv.http.delete(f"/studies/{study}").status_code == 403
    assert srv.http.get(f"/studies/{study}").status_code == 200


def test_audit_log_records_who_did_what_without_secrets(donjon_server, dicom_factory, tmp_path):
    audit = tmp_path / "audit.jsonl"
    srv = donjon_server({**AUTH_CONFIG, "AuditLogEnabled": True, "AuditLogPath": str(audit)})
    instance = srv.http.post("/instances", content=dicom_factory.bytes(), auth=("bob", "bob-pw")).json()["ID"]
    srv.http.delete(f"/instances/{instance}", auth=("bob", "bob-pw"))
    srv.http.get("/system", auth=("admin", "wrong"))
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(r["user"], r["method"], r["status"]) for r in lines] == [("bob", "POST", 200), ("bob", "DELETE", 403), ("", "GET", 401)]
    assert lines[1]["resources"] == [instance] and lines[1]["ip"] == "127.0.0.1"
    assert "bob-pw" not in audit.read_text() and "wrong" not in audit.read_text()


def test_passwords_are_never_logged(donjon_server, caplog):
    with caplog.at_level("DEBUG"):
        srv = donjon_server(AUTH_CONFIG)
        srv.http.get("/system", auth=("admin", "not-the-password"))
        srv.http.get("/system", auth=("admin", "admin-pw"))
    assert "admin-pw" not in caplog.text and "not-the-password" not in caplog.text


def test_keep_alive_off_closes_connections(donjon_server):
    srv = donjon_server({"KeepAlive": False})
    assert srv.http.get("/system").headers.get("connection") == "close"


