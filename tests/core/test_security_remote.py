"""Issue 7: RemoteAccessAllowed, checked from a real second host.

The second host is a network namespace this test creates, joined to the machine by
a veth pair on 198.18.0.0/30 (the benchmarking range): a real non-loopback client.
"""

from __future__ import annotations

import subprocess
import uuid

import pytest

from donjon.security.guard import is_loopback

HOST_IP, PEER_IP = "198.18.0.1", "198.18.0.2"


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True)


@pytest.fixture
def remote_peer():
    """A network namespace with a veth link to the host; yields a function running curl there."""
    name = f"dj{uuid.uuid4().hex[:8]}"
    host_if, peer_if = f"{name}h", f"{name}p"
    if _ip("netns", "add", name).returncode != 0:
        pytest.skip("cannot create a network namespace here (needs CAP_NET_ADMIN); the loopback rule is covered by test_loopback_addresses")
    try:
        for args in (
            ("link", "add", host_if, "type", "veth", "peer", "name", peer_if),
            ("link", "set", peer_if, "netns", name),
            ("addr", "add", f"{HOST_IP}/30", "dev", host_if),
            ("link", "set", host_if, "up"),
            ("netns", "exec", name, "ip", "addr", "add", f"{PEER_IP}/30", "dev", peer_if),
            ("netns", "exec", name, "ip", "link", "set", peer_if, "up"),
            ("netns", "exec", name, "ip", "link", "set", "lo", "up"),
        ):
            result = _ip(*args)
            assert result.returncode == 0, result.stderr

        def curl(url: str, *extra: str) -> int:
            out = subprocess.run(
                ["ip", "netns", "exec", name, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", *extra, url],
                capture_output=True, text=True,
            )
            return int(out.stdout or 0)

        yield curl
    finally:
        _ip("link", "del", host_if)
        _ip("netns", "del", name)


def _remote_server(donjon_server, config):
    # Listen on every interface, as Orthanc does, so that the peer can reach us.
    srv = donjon_server(config, host="0.0.0.0")
    return srv, srv.http_port


def test_loopback_addresses():
    assert all(is_loopback(ip) for ip in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"))
    assert not any(is_loopback(ip) for ip in ("198.18.0.2", "10.0.0.1", "::ffff:192.0.2.1", "", "garbage"))


def test_remote_client_is_refused_when_remote_access_is_off(donjon_server, remote_peer):
    srv, port = _remote_server(donjon_server, {"RemoteAccessAllowed": False})
    assert remote_peer(f"http://{HOST_IP}:{port}/system") == 403
    assert srv.http.get(f"http://127.0.0.1:{port}/system").status_code == 200


def test_remote_client_must_authenticate_when_remote_access_is_on(donjon_server, remote_peer):
    srv, port = _remote_server(donjon_server, {"RemoteAccessAllowed": True, "RegisteredUsers": {"admin": "pw"}})
    assert remote_peer(f"http://{HOST_IP}:{port}/system") == 401
    assert remote_peer(f"http://{HOST_IP}:{port}/system", "-u", "admin:pw") == 200
