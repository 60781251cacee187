"""TLS for the HTTP server: ``SslCertificate``, ``SslMinimumProtocolVersion``, client certificates."""

from __future__ import annotations

import ssl
from typing import Any

from ..errors import DonjonError, ErrorCode

__all__ = ["server_ssl_context"]

# Orthanc's SslMinimumProtocolVersion: 0 = SSLv2+, 1 = SSLv3+, 2 = TLS 1.0+, 3 = TLS 1.1+, 4 = TLS 1.2+.
# Python's ssl module no longer speaks SSLv2/v3; those levels map to TLS 1.0.
_MINIMUM = {
    0: ssl.TLSVersion.TLSv1,
    1: ssl.TLSVersion.TLSv1,
    2: ssl.TLSVersion.TLSv1,
    3: ssl.TLSVersion.TLSv1_1,
    4: ssl.TLSVersion.TLSv1_2,
}


def server_ssl_context(cfg: Any) -> ssl.SSLContext:
    """The TLS context of the HTTP server.

    Raises:
        DonjonError: ``SslInitialization`` (39) for an unreadable certificate or key, or a
            bad ``SslMinimumProtocolVersion``.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    version = _MINIMUM.get(cfg.ssl_minimum_protocol_version)
    if version is None:
        raise DonjonError(ErrorCode.SslInitialization, f"SslMinimumProtocolVersion must be 0 to 4, not {cfg.ssl_minimum_protocol_version}")
    context.minimum_version = version
    try:
        # Orthanc's SslCertificate is one PEM file holding the certificate and its private key.
        context.load_cert_chain(cfg.ssl_certificate)
    except (OSError, ssl.SSLError) as exc:
        raise DonjonError(ErrorCode.SslInitialization, f"cannot load SslCertificate {cfg.ssl_certificate!r}: {exc}") from exc
    if cfg.ssl_verify_peers:
        try:
            context.load_verify_locations(cfg.ssl_trusted_client_certificates)
        except (OSError, ssl.SSLError) as exc:
            raise DonjonError(ErrorCode.SslInitialization, f"cannot load SslTrustedClientCertificates {cfg.ssl_trusted_client_certificates!r}: {exc}") from exc
        context.verify_mode = ssl.CERT_REQUIRED
    return context
