"""Outgoing HTTP(S): one place that applies Orthanc's client options to every call.

Peers (``OrthancPeers``), DICOMweb servers and any plugin calling out use
:func:`http_client`, so ``HttpsVerifyPeers``, ``HttpsCACertificates``, ``HttpTimeout`` and
``HttpProxy`` hold everywhere without each caller reading them.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from ..errors import DonjonError, ErrorCode

__all__ = ["http_client", "outgoing_ssl_context"]


def outgoing_ssl_context(cfg: Any) -> ssl.SSLContext | bool:
    """The TLS verification of outgoing HTTPS calls.

    Returns:
        ``False`` when ``HttpsVerifyPeers`` is off, else a context trusting
        ``HttpsCACertificates`` (or the system's CAs when that key is empty).

    Raises:
        DonjonError: ``SslInitialization`` (39) when the CA file cannot be read.
    """
    if not cfg.https_verify_peers:
        return False
    try:
        if cfg.https_ca_certificates:
            return ssl.create_default_context(cafile=cfg.https_ca_certificates)
        return ssl.create_default_context()
    except (OSError, ssl.SSLError) as exc:
        raise DonjonError(ErrorCode.SslInitialization, f"cannot load HttpsCACertificates {cfg.https_ca_certificates!r}: {exc}") from exc


def http_client(cfg: Any, **kwargs: Any) -> httpx.Client:
    """An ``httpx.Client`` configured from the core configuration (extra ``kwargs`` win)."""
    options: dict[str, Any] = {
        "verify": outgoing_ssl_context(cfg),
        "timeout": cfg.http_timeout if cfg.http_timeout > 0 else None,
    }
    if cfg.http_proxy:
        options["proxy"] = cfg.http_proxy if "://" in cfg.http_proxy else f"http://{cfg.http_proxy}"
    options.update(kwargs)
    return httpx.Client(**options)
