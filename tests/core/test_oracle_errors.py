"""Differential: error answers of the HTTP layer (unknown URI, wrong method) as Orthanc 1.10.1."""

from __future__ import annotations

import pytest


def _shape(answer):
    body = answer.json() if answer.content else None
    if isinstance(body, dict):
        body.pop("Details", None)
    return answer.status_code, body


@pytest.mark.oracle
@pytest.mark.parametrize("method,path", [("GET", "/no/such/uri"), ("POST", "/system"), ("DELETE", "/statistics"), ("PUT", "/patients")])
def test_http_errors_as_orthanc(method, path, donjon_server, orthanc_oracle):
    ours = donjon_server().http.request(method, path)
    theirs = orthanc_oracle().http.request(method, path)
    assert _shape(ours) == _shape(theirs)
    if theirs.status_code == 405:
        assert ours.headers.get("allow") == theirs.headers.get("allow")
