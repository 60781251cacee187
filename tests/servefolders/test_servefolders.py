"""ServeFolders in-process: the plugin object registered directly, real HTTP requests."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from donjon_servefolders import plugin

PLUGIN = ("serve-folders", plugin)


def serve(donjon_server, section):
    return donjon_server({"ServeFolders": section}, plugins=[PLUGIN])


def test_short_form_serves_a_file_with_its_mime_type(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    answer = srv.http.get("/web/style.css")
    assert answer.status_code == 200
    assert answer.content == b"body { color: red; }\n"
    assert answer.headers["content-type"] == "text/css"


def test_long_form_serves_folders_at_nested_uris(donjon_server, web_root):
    srv = serve(donjon_server, {"Folders": {"/a/b/": str(web_root)}})
    assert srv.http.get("/a/b/sub/app.js").text == "console.log(1);\n"


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("index.html", "text/html"),
        ("style.css", "text/css"),
        ("STYLE2.CSS", "text/css"),
        ("sub/app.js", "application/javascript"),
        ("data.json", "application/json"),
        ("movie.mp4", "video/mp4"),
        ("README", "application/octet-stream"),
        ("model.stl", "application/octet-stream"),
    ],
)
def test_mime_type_follows_the_extension(donjon_server, web_root, name, mime):
    srv = serve(donjon_server, {"/web": str(web_root)})
    assert srv.http.get(f"/web/{name}").headers["content-type"] == mime


def test_extensions_add_and_override_mime_types(donjon_server, web_root):
    srv = serve(donjon_server, {"Extensions": {".stl": "model/stl", "css": "text/x-custom"}, "Folders": {"/web": str(web_root)}})
    assert srv.http.get("/web/model.stl").headers["content-type"] == "model/stl"
    assert srv.http.get("/web/STYLE2.CSS").headers["content-type"] == "text/x-custom"


def test_no_cache_headers_by_default(donjon_server, web_root):
    headers = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/style.css").headers
    assert headers["cache-control"] == "no-cache, no-store, must-revalidate"
    assert headers["pragma"] == "no-cache"
    assert headers["expires"] == "0"


def test_allow_cache_drops_the_no_cache_headers(donjon_server, web_root):
    headers = serve(donjon_server, {"AllowCache": True, "Folders": {"/web": str(web_root)}}).http.get("/web/style.css").headers
    assert "cache-control" not in headers and "pragma" not in headers and "expires" not in headers


def test_etag_is_the_quoted_md5_of_the_file(donjon_server, web_root):
    answer = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/style.css")
    assert answer.headers["etag"] == '"%s"' % hashlib.md5(b"body { color: red; }\n").hexdigest()


def test_matching_if_none_match_answers_304_without_body(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    etag = srv.http.get("/web/style.css").headers["etag"]
    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        answer = srv.http.get("/web/style.css", headers={"If-None-Match": header})
        assert answer.status_code == 304, header
        assert answer.content == b""
        assert answer.headers["etag"] == etag


def test_stale_if_none_match_gets_the_new_content(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    etag = srv.http.get("/web/style.css").headers["etag"]
    (web_root / "style.css").write_text("body { color: blue; }\n")
    answer = srv.http.get("/web/style.css", headers={"If-None-Match": etag})
    assert answer.status_code == 200
    assert answer.text == "body { color: blue; }\n"
    assert answer.headers["etag"] != etag


def test_generate_etag_false_sends_no_etag_and_never_304(donjon_server, web_root):
    srv = serve(donjon_server, {"GenerateETag": False, "Folders": {"/web": str(web_root)}})
    answer = srv.http.get("/web/style.css", headers={"If-None-Match": "*"})
    assert answer.status_code == 200
    assert "etag" not in answer.headers


def test_last_modified_is_orthancs_iso_timestamp(donjon_server, web_root):
    os.utime(web_root / "style.css", (1700000000, 1700000000))
    answer = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/style.css")
    assert answer.headers["last-modified"] == "20231114T221320"


def test_existing_index_html_is_served_as_is(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    assert srv.http.get("/web/index.html").text == "<h1>hello</h1>\n"
    assert srv.http.get("/web/").text == "<h1>hello</h1>\n"


def test_index_html_of_a_folder_without_one_lists_it(donjon_server, web_root):
    (web_root / "sub" / "deeper").mkdir()
    srv = serve(donjon_server, {"/web": str(web_root)})
    answer = srv.http.get("/web/sub/index.html")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', answer.text)
    assert links == [("deeper/index.html", "deeper/"), ("app.js", "app.js")]
    assert srv.http.get("/web/sub/").text == answer.text


def test_listing_escapes_file_names(donjon_server, web_root):
    (web_root / "empty" / '<b>"x".txt').write_text("x")
    text = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/empty/index.html").text
    assert "<b>" not in text and "&lt;b&gt;&quot;x&quot;.txt" in text


def test_missing_file_is_an_orthanc_inexistent_file_error(donjon_server, web_root):
    answer = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/nothing.html")
    assert answer.status_code == 404
    body = answer.json()
    assert body["OrthancStatus"] == 13 and body["OrthancError"] == "Inexistent file"
    assert body["Method"] == "GET" and body["Uri"] == "/web/nothing.html"
    assert "nothing.html" in body["Details"]


def test_folder_without_trailing_slash_is_not_a_file(donjon_server, web_root):
    answer = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/sub")
    assert answer.status_code == 404
    assert answer.json()["OrthancStatus"] == 13


def test_index_of_a_missing_folder_is_inexistent(donjon_server, web_root):
    answer = serve(donjon_server, {"/web": str(web_root)}).http.get("/web/nowhere/index.html")
    assert answer.status_code == 404
    assert answer.json()["OrthancStatus"] == 13


@pytest.mark.parametrize(
    "target",
    [
        "/web/../secret.txt",
        "/web/%2e%2e/secret.txt",
        "/web/sub/../../secret.txt",
        "/web/sub%2f..%2f..%2fsecret.txt",
        "/web/..%2fsecret.txt",
        "/web/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/web//etc/passwd",
        "/web/%2fetc%2fpasswd",
    ],
)
def test_path_traversal_never_reads_outside_the_folder(donjon_server, web_root, raw_get, target):
    srv = serve(donjon_server, {"/web": str(web_root)})
    status, body = raw_get(srv.http_port, target)
    assert status == 404
    assert b"top secret" not in body and b"root:" not in body
    assert srv.http.get("/system").status_code == 200


def test_dot_dot_inside_the_folder_is_resolved(donjon_server, web_root, raw_get):
    srv = serve(donjon_server, {"/web": str(web_root)})
    status, body = raw_get(srv.http_port, "/web/sub/%2e%2e/style.css")
    assert (status, body) == (200, b"body { color: red; }\n")


def test_symlink_placed_in_the_folder_is_followed(donjon_server, web_root, tmp_path):
    # A link the administrator put inside the folder is followed (Orthanc does too);
    # the lexical checks above are what keep URLs from climbing out.
    (web_root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert serve(donjon_server, {"/web": str(web_root)}).http.get("/web/link.txt").text == "top secret\n"


def test_root_page_lists_the_served_uris(donjon_server, web_root, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    srv = serve(donjon_server, {"Folders": {"/web/": str(web_root), "x/y": str(other)}})
    answer = srv.http.get("/app/plugin-serve-folders.html")
    assert answer.status_code == 200
    assert re.findall(r'href="([^"]+)"', answer.text) == ["../web/index.html", "../x/y/index.html"]


def test_plugins_lists_and_describes_serve_folders(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    assert "serve-folders" in srv.http.get("/plugins").json()
    assert srv.http.get("/plugins/serve-folders").json() == {
        "Description": "Serve additional folders with the HTTP server of Orthanc.",
        "ExtendsOrthancExplorer": False,
        "ID": "serve-folders",
        "RootUri": "../app/plugin-serve-folders.html",
        "Version": "0.1.0",
    }


def test_without_a_section_the_plugin_is_loaded_but_serves_nothing(donjon_server):
    srv = donjon_server(plugins=[PLUGIN])
    assert "serve-folders" in srv.http.get("/plugins").json()
    assert srv.http.get("/app/plugin-serve-folders.html").status_code == 404


def test_missing_folder_stops_the_start(donjon_server, tmp_path):
    with pytest.raises(Exception, match="inexistent folder") as info:
        serve(donjon_server, {"/web": str(tmp_path / "absent")})
    assert getattr(info.value, "code", None) == 13


def test_empty_uri_stops_the_start(donjon_server, web_root):
    with pytest.raises(Exception, match="cannot be empty") as info:
        serve(donjon_server, {"Folders": {"/": str(web_root)}})
    assert getattr(info.value, "code", None) == 3


def test_wrong_type_stops_the_start_naming_the_key(donjon_server, web_root):
    with pytest.raises(Exception, match=r"ServeFolders\.AllowCache"):
        serve(donjon_server, {"AllowCache": "yes", "Folders": {"/web": str(web_root)}})


def test_long_form_option_without_folders_is_refused_as_orthanc_does(donjon_server, web_root):
    # Without "Folders" every key is a folder: AllowCache=true is not a path.
    with pytest.raises(Exception, match=r"Expected `str`, got `bool` - at `\$\.ServeFolders\.Folders"):
        serve(donjon_server, {"AllowCache": True, "/web": str(web_root)})


def test_other_methods_are_not_allowed(donjon_server, web_root):
    srv = serve(donjon_server, {"/web": str(web_root)})
    answer = srv.http.post("/web/style.css", content=b"x")
    assert answer.status_code == 405
    assert (web_root / "style.css").read_text() == "body { color: red; }\n"
