"""Differential with ``CheckRevisions`` on: the revision checks that Orthanc 1.10.1's SQLite index gets right.

That index never stores revisions (it reads back 0 and logs a warning at start-up), so
only what does not depend on a stored revision is compared: first writes, blind
rewrites refused with 409, deletes without ``If-Match`` refused with 409, malformed
ETags refused with 400, and the ETag of a first write.
"""

from __future__ import annotations

import pytest
from test_listing_oracle import CONFIG, Differ

pytestmark = pytest.mark.oracle


def test_check_revisions_match_orthanc(donjon_server, orthanc_oracle, dicom_samples):
    config = {**CONFIG, "CheckRevisions": True}
    ours, theirs = donjon_server(config), orthanc_oracle(config)
    data = dicom_samples("CT_small.dcm")
    a = ours.http.post("/instances", content=data).json()
    assert a == theirs.http.post("/instances", content=data).json()
    d = Differ(ours, theirs)
    for kind, body in (("metadata/Sample", b"v0"), ("attachments/Report", b"a0")):
        url = f"/instances/{a['ID']}/{kind}"
        mine, _ = d("PUT", url, content=body, etag=True)
        d("PUT", url, content=body + b"!")
        d("PUT", url, content=body, headers={"If-Match": "garbage"})
        d("DELETE", url)
        d("DELETE", url, headers={"If-Match": '"9-abc"'})
        d("GET", url if kind.startswith("metadata") else f"{url}/data", etag=True)
    assert not d.differences, "\n".join(d.differences)
    assert ours.http.get("/system").json()["CheckRevisions"] is True
