"""Differential (issue 7): the same status codes and challenge header as Orthanc 1.10.1."""

from __future__ import annotations

import pytest

CONFIG = {"AuthenticationEnabled": True, "RegisteredUsers": {"admin": "admin-pw"}}

REQUESTS = [
    ("GET", "/system", None),
    ("GET", "/system", ("admin", "wrong")),
    ("GET", "/system", ("admin", "admin-pw")),
    ("GET", "/patients", ("admin", "admin-pw")),
    ("GET", "/patients/unknown", ("admin", "admin-pw")),
    ("GET", "/patients/unknown", None),
    ("DELETE", "/patients/unknown", None),
    ("POST", "/instances", None),
    ("GET", "/no/such/uri", None),
]


@pytest.mark.oracle
def test_same_answers_as_orthanc_with_authentication(donjon_server, orthanc_oracle):
    ours = donjon_server(CONFIG).http
    theirs = orthanc_oracle(CONFIG).http
    for method, path, auth in REQUESTS:
        a = ours.request(method, path, auth=auth)
        b = theirs.request(method, path, auth=auth)
        assert a.status_code == b.status_code, (method, path, auth, a.status_code, b.status_code)
        assert a.headers.get("www-authenticate") == b.headers.get("www-authenticate"), (method, path)
