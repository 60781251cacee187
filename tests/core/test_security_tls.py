"""Issue 7: HTTPS (SslEnabled), its minimum protocol version and client certificates."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

USERS = {"admin": "admin-pw"}


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Donjon Test CA", cwd=d)
    for name, cn in (("server", "127.0.0.1"), ("client", "donjon-client")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
        (d / f"{name}.ext").write_text("subjectAltName=IP:127.0.0.1\n" if name == "server" else "extendedKeyUsage=clientAuth\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    # Orthanc's SslCertificate: one PEM with the certificate and its private key.
    (d / "server-bundle.pem").write_text((d / "server.pem").read_text() + (d / "server.key").read_text())
    return {name: d / f"{name}" for name in ("ca.pem", "server-bundle.pem", "client.pem", "client.key")}


def _https(srv, pki, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=f"https://127.0.0.1:{srv.http_port}", verify=ssl.create_default_context(cafile=str(pki["ca.pem"])), timeout=20, **kwargs)


def test_https_serves_and_plain_http_is_refused(donjon_server, pki):
    srv = donjon_server({"SslEnabled": True, "SslCertificate": str(pki["server-bundle.pem"]), "AuthenticationEnabled": True, "RegisteredUsers": USERS})
    with _https(srv, pki) as client:
        assert client.get("/system").status_code == 401
        assert client.get("/system", auth=("admin", "admin-pw")).json()["IsHttpServerSecure"] is True
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{srv.http_port}/system", timeout=5)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_minimum_protocol_version_refuses_older_tls(donjon_server, pki):
    srv = donjon_server({"SslEnabled": True, "SslCertificate": str(pki["server-bundle.pem"]), "SslMinimumProtocolVersion": 4})
    old = ssl.create_default_context(cafile=str(pki["ca.pem"]))
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with pytest.raises((httpx.HTTPError, ssl.SSLError)):
        httpx.get(f"https://127.0.0.1:{srv.http_port}/system", verify=old, timeout=5)
    modern = ssl.create_default_context(cafile=str(pki["ca.pem"]))
    assert httpx.get(f"https://127.0.0.1:{srv.http_port}/system", verify=modern, timeout=5).status_code == 200


def test_client_certificates_are_required_when_verify_peers(donjon_server, pki):
    srv = donjon_server({
        "SslEnabled": True,
        "SslCertificate": str(pki["server-bundle.pem"]),
        "SslVerifyPeers": True,
        "SslTrustedClientCertificates": str(pki["ca.pem"]),
    })
    with pytest.raises(httpx.HTTPError):
        with _https(srv, pki) as client:
            client.get("/system")
    context = ssl.create_default_context(cafile=str(pki["ca.pem"]))
    context.load_cert_chain(str(pki["client.pem"]), str(pki["client.key"]))
    answer = httpx.get(f"https://127.0.0.1:{srv.http_port}/system", verify=context, timeout=5)
    assert answer.status_code == 200


def test_unreadable_certificate_stops_the_start_with_error_39(tmp_path):
    from donjon.app_factory import create_server
    from donjon.errors import DonjonError, ErrorCode
    from donjon.runner import Runner

    server = create_server(
        raw_config={"StorageDirectory": str(tmp_path / "s"), "IndexDirectory": str(tmp_path / "s"), "SslEnabled": True, "SslCertificate": str(tmp_path / "missing.pem")},
        discover=False,
    )
    runner = Runner(server, host="127.0.0.1", http_port=0, dicom_port=0)
    with pytest.raises(DonjonError) as caught:
        runner.start()
    assert caught.value.code is ErrorCode.SslInitialization


def test_every_route_answers_401_over_https(donjon_server, pki):
    from test_security_auth import _routes

    srv = donjon_server({"SslEnabled": True, "SslCertificate": str(pki["server-bundle.pem"]), "AuthenticationEnabled": True, "RegisteredUsers": USERS})
    routes = list(_routes(srv))
    assert len(routes) > 10
    with _https(srv, pki) as client:
        for method, path in routes:
            assert client.request(method, path).status_code == 401, (method, path)


def test_outgoing_https_honours_verify_peers_and_ca_file(donjon_server, pki):
    from donjon.config import Config
    from donjon.security.outgoing import http_client

    srv = donjon_server({"SslEnabled": True, "SslCertificate": str(pki["server-bundle.pem"])})
    url = f"https://127.0.0.1:{srv.http_port}/system"
    trusted = Config({"HttpsCACertificates": str(pki["ca.pem"])}).core
    with http_client(trusted) as client:
        assert client.get(url).status_code == 200
    # Verification on with the system CAs only: our test CA is unknown, the call fails.
    with http_client(Config({}).core) as client, pytest.raises(httpx.ConnectError):
        client.get(url)
    with http_client(Config({"HttpsVerifyPeers": False}).core) as client:
        assert client.get(url).status_code == 200
