"""A small web folder to serve, the same for Donjon and for the reference Orthanc."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    """``www/`` with an index, styles, a script in a sub-folder, an empty folder, odd names.

    A ``secret.txt`` sits next to ``www/``: no URL may reach it.
    """
    root = tmp_path / "www"
    (root / "sub").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "index.html").write_text("<h1>hello</h1>\n")
    (root / "style.css").write_text("body { color: red; }\n")
    (root / "STYLE2.CSS").write_text("p {}\n")
    (root / "sub" / "app.js").write_text("console.log(1);\n")
    (root / "data.json").write_text('{"a": 1}\n')
    (root / "movie.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (root / "README").write_text("no extension\n")
    (root / "model.stl").write_text("solid x\n")
    (tmp_path / "secret.txt").write_text("top secret\n")
    return root


@pytest.fixture
def raw_get():
    """``raw_get(port, target)``: a GET sent byte for byte (see :func:`_raw_get`)."""
    return _raw_get


def _raw_get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """``GET target`` sent byte for byte (httpx would normalize ``..`` before sending).

    Returns:
        The status code and the body.
    """
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    assert match, head
    return int(match.group(1)), body
