"""The template's own test: a real server with the plugin, real HTTP requests."""

from __future__ import annotations

from donjon_hello import plugin


def test_hello_answers_when_enabled(donjon_server, dicom_factory):
    srv = donjon_server({"Hello": {"Enable": True, "Greeting": "Bonjour"}}, plugins=[("hello", plugin)])
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert srv.http.get("/hello/Ada").json() == {"Greeting": "Bonjour, Ada", "Instances": 1}
    assert "hello" in srv.http.get("/plugins").json()


def test_hello_is_silent_without_its_section(donjon_server):
    srv = donjon_server(plugins=[("hello", plugin)])
    assert srv.http.get("/hello/Ada").status_code == 404
