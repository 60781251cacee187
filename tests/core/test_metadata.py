"""Metadata over REST: names, user metadata, revisions (ETag / If-Match / If-None-Match), changes."""

from __future__ import annotations

import hashlib

import pytest

USER = {"UserMetadata": {"Sample": 1024, "Other": 1025}}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@pytest.fixture
def stored(donjon_server, dicom_factory):
    """A server with one instance; returns (server, answer of POST /instances)."""

    def make(**config):
        srv = donjon_server({**USER, **config})
        answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
        return srv, answer

    return make


def test_instance_lists_builtin_metadata_in_number_order(stored):
    srv, a = stored()
    names = srv.http.get(f"/instances/{a['ID']}/metadata").json()
    assert names[:3] == ["IndexInSeries", "ReceptionDate", "RemoteAET"]
    assert "TransferSyntax" in names and "SopClassUid" in names


def test_expand_gives_values_and_numeric_gives_numbers(stored):
    srv, a = stored()
    expanded = srv.http.get(f"/instances/{a['ID']}/metadata?expand").json()
    assert expanded["IndexInSeries"] == "1"
    assert expanded["Origin"] == "RestApi"
    numeric = srv.http.get(f"/instances/{a['ID']}/metadata?expand&numeric").json()
    assert numeric["1"] == "1" and numeric["8"] == "RestApi"
    assert srv.http.get(f"/patients/{a['ParentPatient']}/metadata").json() == ["LastUpdate"]


def test_builtin_metadata_reads_by_name_or_number_with_etag(stored):
    srv, a = stored()
    by_name = srv.http.get(f"/instances/{a['ID']}/metadata/IndexInSeries")
    by_number = srv.http.get(f"/instances/{a['ID']}/metadata/1")
    assert by_name.status_code == by_number.status_code == 200
    assert by_name.text == by_number.text == "1"
    assert by_name.headers["content-type"].startswith("text/plain")
    assert by_name.headers["etag"] == f'"0-{_md5("1")}"'


def test_user_metadata_round_trip_and_revision_grows(stored):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/Sample"
    first = srv.http.put(url, content=b"hello")
    assert first.status_code == 200 and first.headers["etag"] == f'"0-{_md5("hello")}"'
    second = srv.http.put(url, content=b"hello2")
    assert second.headers["etag"] == f'"1-{_md5("hello2")}"'
    read = srv.http.get(url)
    assert read.text == "hello2" and read.headers["etag"] == second.headers["etag"]
    assert srv.http.get(f"/instances/{a['ID']}/metadata?expand").json()["Sample"] == "hello2"


def test_numeric_user_metadata_is_listed_by_number(stored):
    srv, a = stored()
    assert srv.http.put(f"/instances/{a['ID']}/metadata/2000", content=b"x").status_code == 200
    assert srv.http.get(f"/instances/{a['ID']}/metadata?expand").json()["2000"] == "x"


@pytest.mark.parametrize("name", ["ReceptionDate", "5", "70000", "1023"])
def test_builtin_or_out_of_range_metadata_cannot_be_written(stored, name):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/{name}"
    assert srv.http.put(url, content=b"x").status_code == 403
    assert srv.http.delete(url).status_code == 403
    assert srv.http.get(f"/instances/{a['ID']}/metadata/ReceptionDate").text != "x"


def test_unknown_name_is_an_inexistent_item(stored):
    srv, a = stored()
    answer = srv.http.put(f"/instances/{a['ID']}/metadata/Nope", content=b"x")
    assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 7
    assert srv.http.get(f"/instances/{a['ID']}/metadata/Nope").json()["OrthancStatus"] == 7


def test_absent_metadata_is_a_bare_404(stored):
    srv, a = stored()
    answer = srv.http.get(f"/instances/{a['ID']}/metadata/Sample")
    assert answer.status_code == 404 and answer.content == b""


def test_unknown_or_wrong_level_resource_is_unknown_resource(stored):
    srv, a = stored()
    for url in ["/instances/nope/metadata", f"/instances/{a['ParentSeries']}/metadata", f"/patients/{a['ID']}/metadata/Sample"]:
        answer = srv.http.get(url)
        assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17, url
    assert srv.http.put(f"/studies/{a['ID']}/metadata/Sample", content=b"x").json()["OrthancStatus"] == 17


def test_delete_user_metadata_then_404(stored):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/Sample"
    srv.http.put(url, content=b"v")
    assert srv.http.delete(url).status_code == 200
    assert srv.http.get(url).status_code == 404
    again = srv.http.delete(url)
    assert again.status_code == 404 and again.json()["OrthancStatus"] == 17


def test_metadata_writes_log_updated_metadata_changes(stored):
    srv, a = stored()
    url = f"/series/{a['ParentSeries']}/metadata/Sample"
    srv.http.put(url, content=b"v")
    srv.http.delete(url)
    changes = srv.http.get("/changes").json()["Changes"][-2:]
    assert [c["ChangeType"] for c in changes] == ["UpdatedMetadata", "UpdatedMetadata"]
    assert {c["ID"] for c in changes} == {a["ParentSeries"]} and changes[0]["ResourceType"] == "Series"


def test_if_none_match_with_current_etag_is_304(stored):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/Sample"
    etag = srv.http.put(url, content=b"v").headers["etag"]
    answer = srv.http.get(url, headers={"If-None-Match": etag})
    assert answer.status_code == 304 and answer.headers["etag"] == etag
    assert srv.http.get(url, headers={"If-None-Match": f'"7-{_md5("v")}"'}).status_code == 200


@pytest.mark.parametrize("header", ["1", '"1"', "garbage", '"x-abc"'])
def test_malformed_etag_is_parameter_out_of_range(stored, header):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/Sample"
    answer = srv.http.put(url, content=b"v", headers={"If-Match": header})
    assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 3
    assert srv.http.get(url).status_code == 404  # nothing written


def test_stale_if_match_is_a_conflict_even_without_check_revisions(stored):
    srv, a = stored()
    url = f"/instances/{a['ID']}/metadata/Sample"
    first = srv.http.put(url, content=b"v0").headers["etag"]
    srv.http.put(url, content=b"v1")
    answer = srv.http.put(url, content=b"v2", headers={"If-Match": first})
    assert answer.status_code == 409 and answer.json()["OrthancStatus"] == 43
    assert srv.http.get(url).text == "v1"


def test_check_revisions_requires_current_if_match(stored):
    srv, a = stored(CheckRevisions=True)
    url = f"/instances/{a['ID']}/metadata/Sample"
    created = srv.http.put(url, content=b"v0")  # the first write needs no If-Match
    assert created.status_code == 200
    blind = srv.http.put(url, content=b"v1")
    assert blind.status_code == 409 and blind.json()["OrthancStatus"] == 43
    updated = srv.http.put(url, content=b"v1", headers={"If-Match": created.headers["etag"]})
    assert updated.status_code == 200 and updated.headers["etag"].startswith('"1-')
    stale = srv.http.put(url, content=b"v2", headers={"If-Match": created.headers["etag"]})
    assert stale.status_code == 409
    no_header = srv.http.delete(url)
    assert no_header.status_code == 409 and "If-Match" in no_header.json()["Details"]
    assert srv.http.delete(url, headers={"If-Match": created.headers["etag"]}).status_code == 409
    assert srv.http.delete(url, headers={"If-Match": updated.headers["etag"]}).status_code == 200
    assert srv.http.get(url).status_code == 404


def test_recreated_metadata_starts_a_new_revision_sequence(stored):
    srv, a = stored(CheckRevisions=True)
    url = f"/instances/{a['ID']}/metadata/Other"
    etag = srv.http.put(url, content=b"a").headers["etag"]
    srv.http.delete(url, headers={"If-Match": etag})
    assert srv.http.put(url, content=b"b").headers["etag"] == f'"0-{_md5("b")}"'


def test_metadata_survives_restart(stored):
    srv, a = stored()
    srv.http.put(f"/instances/{a['ID']}/metadata/Sample", content="é ünïcode".encode())
    srv.restart()
    assert srv.http.get(f"/instances/{a['ID']}/metadata/Sample").text == "é ünïcode"


def test_concurrent_writers_with_the_same_etag_one_wins(stored):
    import httpx
    from concurrent.futures import ThreadPoolExecutor

    srv, a = stored(CheckRevisions=True)
    url = f"{srv.url}/instances/{a['ID']}/metadata/Sample"
    etag = srv.http.put(url, content=b"base").headers["etag"]

    def write(i: int) -> int:
        return httpx.put(url, content=f"writer {i}".encode(), headers={"If-Match": etag}, timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(write, range(8)))
    assert statuses == [200] + [409] * 7
    assert srv.http.get(url).headers["etag"].startswith('"1-')
