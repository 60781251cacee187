"""Differential: Donjon's serve-folders against Orthanc 1.10.1's libServeFolders, same folder, same requests.

Known, deliberate differences (README of the plugin): If-None-Match → 304, ``/uri/`` serves
the folder's index, and a few extra MIME types (``.mp4`` here) that Orthanc answers as
``application/octet-stream``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from donjon_servefolders import plugin

ORTHANC_PLUGIN = "/usr/share/orthanc/plugins/libServeFolders.so"

pytestmark = [
    pytest.mark.oracle,
    pytest.mark.skipif(not Path(ORTHANC_PLUGIN).exists(), reason="Debian's orthanc package (libServeFolders) is not installed"),
]

COMPARED_HEADERS = ("content-type", "etag", "cache-control", "pragma", "expires", "last-modified")


def both(donjon_server, orthanc_oracle, section):
    ours = donjon_server({"ServeFolders": section}, plugins=[("serve-folders", plugin)])
    theirs = orthanc_oracle({"ServeFolders": section, "HttpCompressionEnabled": False}, plugins=[ORTHANC_PLUGIN])
    return ours, theirs


def summary(answer):
    """What must agree: status, headers that matter, body (or Orthanc's error code)."""
    out = {"status": answer.status_code, "headers": {h: answer.headers.get(h) for h in COMPARED_HEADERS}}
    if answer.status_code == 200:
        out["body"] = answer.content
    else:
        out["error"] = answer.json().get("OrthancStatus") if answer.content else None
        out["headers"] = {}
    return out


FILES = ["index.html", "style.css", "STYLE2.CSS", "sub/app.js", "data.json", "README", "model.stl", "nothing.html", "sub", "nowhere/index.html"]


def test_default_options_answer_like_orthanc(donjon_server, orthanc_oracle, web_root):
    ours, theirs = both(donjon_server, orthanc_oracle, {"/web": str(web_root)})
    for name in FILES:
        assert summary(ours.http.get(f"/web/{name}")) == summary(theirs.http.get(f"/web/{name}")), name


def test_long_form_options_answer_like_orthanc(donjon_server, orthanc_oracle, web_root):
    section = {"AllowCache": True, "GenerateETag": False, "Extensions": {".stl": "model/stl", "mp4": "video/mp4"}, "Folders": {"/a/b/": str(web_root)}}
    ours, theirs = both(donjon_server, orthanc_oracle, section)
    for name in [*FILES, "movie.mp4"]:
        assert summary(ours.http.get(f"/a/b/{name}")) == summary(theirs.http.get(f"/a/b/{name}")), name


def test_generated_index_lists_like_orthanc(donjon_server, orthanc_oracle, web_root):
    ours, theirs = both(donjon_server, orthanc_oracle, {"/web": str(web_root)})
    for folder in ("sub", "empty"):
        a, b = ours.http.get(f"/web/{folder}/index.html"), theirs.http.get(f"/web/{folder}/index.html")
        assert (a.status_code, a.headers["content-type"], a.headers["etag"]) == (b.status_code, b.headers["content-type"], b.headers["etag"])
        assert a.text == b.text  # one entry per group here, so Orthanc's directory order cannot differ


def test_traversal_is_refused_like_orthanc(donjon_server, orthanc_oracle, web_root, raw_get):
    ours, theirs = both(donjon_server, orthanc_oracle, {"/web": str(web_root)})
    for target in ("/web/../secret.txt", "/web/%2e%2e/secret.txt", "/web/sub/..%2f..%2fsecret.txt"):
        (s1, b1), (s2, b2) = raw_get(ours.http_port, target), raw_get(theirs.http_port, target)
        assert s1 == s2 == 404, target
        assert b"top secret" not in b1 + b2


def test_plugin_description_and_root_page_like_orthanc(donjon_server, orthanc_oracle, web_root, tmp_path):
    (tmp_path / "other").mkdir()
    ours, theirs = both(donjon_server, orthanc_oracle, {"Folders": {"/web": str(web_root), "x/y": str(tmp_path / "other")}})
    a, b = ours.http.get("/plugins/serve-folders").json(), theirs.http.get("/plugins/serve-folders").json()
    assert sorted(a) == sorted(b)
    assert {k: v for k, v in a.items() if k != "Version"} == {k: v for k, v in b.items() if k != "Version"}
    pages = [s.http.get("/app/plugin-serve-folders.html") for s in (ours, theirs)]
    assert [p.status_code for p in pages] == [200, 200]
    assert re.findall(r'href="([^"]+)"', pages[0].text) == re.findall(r'href="([^"]+)"', pages[1].text)
