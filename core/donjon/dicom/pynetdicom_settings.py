"""pynetdicom's module-level settings, set once at import (CONVENTIONS §9)."""

from __future__ import annotations

from pynetdicom import _config

# Validate nothing that Orthanc would accept: the received bytes are stored as they are.
_config.ENFORCE_UID_CONFORMANCE = False
_config.LOG_REQUEST_IDENTIFIERS = False
_config.LOG_RESPONSE_IDENTIFIERS = False
# C-STORE datasets stay encoded: event.encoded_dataset() returns the received bytes.
_config.STORE_RECV_CHUNKED_DATASET = False
