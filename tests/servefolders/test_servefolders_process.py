"""ServeFolders as a site runs it: ``python -m donjon`` discovering the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys


def test_entry_point_is_discovered_and_serves(donjon_server, web_root):
    srv = donjon_server({"ServeFolders": {"/web": str(web_root)}}, mode="process", entry_points=["serve-folders"])
    assert srv.http.get("/plugins").json() == ["serve-folders"]
    assert srv.http.get("/plugins/serve-folders").json()["ID"] == "serve-folders"
    answer = srv.http.get("/web/sub/app.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/javascript"
    assert answer.text == "console.log(1);\n"


def test_disabled_plugin_is_not_loaded_even_with_its_section(donjon_server, web_root):
    srv = donjon_server(
        {"ServeFolders": {"/web": str(web_root)}},
        mode="process",
        entry_points=["serve-folders"],
        env={"DONJON_DISABLE_PLUGINS": "some-other, serve-folders"},
    )
    assert srv.http.get("/plugins").json() == []
    assert srv.http.get("/plugins/serve-folders").status_code == 404
    assert srv.http.get("/web/sub/app.js").status_code == 404
    # Without the plugin its section is just an unknown key: a warning, as in Orthanc.
    assert "ServeFolders" in srv.log_path.read_text()


def test_missing_folder_stops_a_real_start(donjon_server, tmp_path):
    try:
        donjon_server({"ServeFolders": {"/web": str(tmp_path / "absent")}}, mode="process", entry_points=["serve-folders"])
    except RuntimeError as exc:
        assert "inexistent folder" in str(exc)
    else:
        raise AssertionError("the server started without its served folder")


def test_inactive_plugin_imports_nothing_heavy(tmp_path):
    # A fresh interpreter: in this one, other tests have imported everything already.
    config = {"StorageDirectory": str(tmp_path / "s"), "IndexDirectory": str(tmp_path / "s")}
    script = (
        "import json, sys\n"
        "from donjon.app_factory import create_server\n"
        f"server = create_server(raw_config={json.dumps(config)!s}, only=['serve-folders'])\n"
        "assert 'serve-folders' in server.plugins.external\n"
        "routes = server.plugins.collect('donjon_routes', server=server)\n"
        "print(json.dumps({'folders': 'donjon_servefolders.folders' in sys.modules, 'mime': 'donjon_servefolders.mime' in sys.modules}))\n"
        "server.index.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {"folders": False, "mime": False}
