"""/series/{id}/ordered-slices and the series /numpy volume."""

from __future__ import annotations

import io

import numpy as np
from pydicom.uid import generate_uid


def _series(srv, dicom_factory, positions, **tags) -> tuple[str, list[str]]:
    study, series = generate_uid(), generate_uid()
    ids = []
    for n, position in enumerate(positions):
        ds = dicom_factory.dataset(StudyInstanceUID=study, SeriesInstanceUID=series, **tags)
        if position is None:
            del ds.ImagePositionPatient
        else:
            ds.ImagePositionPatient = position
        ds.InstanceNumber = len(positions) - n  # reversed: the order must come from positions
        ids.append(srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"])
    series_id = srv.http.get(f"/instances/{ids[0]}/series").json()["ID"]
    return series_id, ids


def test_a_volume_is_sorted_along_the_normal(donjon_server, dicom_factory):
    srv = donjon_server()
    series, ids = _series(srv, dicom_factory, [[0, 0, 5], [0, 0, 1], [0, 0, 3]])
    answer = srv.http.get(f"/series/{series}/ordered-slices").json()
    order = [ids[1], ids[2], ids[0]]
    assert answer == {
        "Dicom": [f"/instances/{i}/file" for i in order],
        "Slices": [f"/instances/{i}/frames/0" for i in order],
        "SlicesShort": [[i, 0, 1] for i in order],
        "Type": "Volume",
    }


def test_without_positions_a_sequence_follows_the_instance_numbers(donjon_server, dicom_factory):
    srv = donjon_server()
    series, ids = _series(srv, dicom_factory, [None, None, None])
    answer = srv.http.get(f"/series/{series}/ordered-slices").json()
    assert answer["Type"] == "Sequence"
    assert [s[0] for s in answer["SlicesShort"]] == list(reversed(ids))


def test_slices_at_one_position_are_a_sequence(donjon_server, dicom_factory):
    srv = donjon_server()
    series, ids = _series(srv, dicom_factory, [[0, 0, 1], [0, 0, 1]])
    assert srv.http.get(f"/series/{series}/ordered-slices").json()["Type"] == "Sequence"


def test_slices_that_cannot_be_ordered(donjon_server, dicom_factory):
    srv = donjon_server()
    study, series_uid = generate_uid(), generate_uid()
    for _ in range(2):
        ds = dicom_factory.dataset(StudyInstanceUID=study, SeriesInstanceUID=series_uid)
        del ds.ImagePositionPatient
        del ds.InstanceNumber
        instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    series = srv.http.get(f"/instances/{instance}/series").json()["ID"]
    answer = srv.http.get(f"/series/{series}/ordered-slices")
    assert answer.status_code == 500
    assert answer.json()["OrthancStatus"] == 2040
    assert series in answer.json()["Details"]


def test_multi_frame_instances_list_every_frame(donjon_server, dicom_factory, dicom_samples):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_samples("examples_ybr_color.dcm")).json()["ID"]
    series = srv.http.get(f"/instances/{instance}/series").json()["ID"]
    answer = srv.http.get(f"/series/{series}/ordered-slices").json()
    assert answer["SlicesShort"] == [[instance, 0, 30]]
    assert answer["Slices"][29] == f"/instances/{instance}/frames/29"
    volume = np.load(io.BytesIO(srv.http.get(f"/series/{series}/numpy").content))
    assert volume.shape == (30, 240, 320, 3) and volume.dtype == np.uint8


def test_series_numpy_stacks_the_slices_in_order(donjon_server, dicom_factory):
    srv = donjon_server()
    series, ids = _series(srv, dicom_factory, [[0, 0, 5], [0, 0, 1], [0, 0, 3]])
    volume = np.load(io.BytesIO(srv.http.get(f"/series/{series}/numpy").content))
    assert volume.shape == (3, 16, 16, 1) and volume.dtype == np.float32
    for slot, instance in enumerate([ids[1], ids[2], ids[0]]):
        single = np.load(io.BytesIO(srv.http.get(f"/instances/{instance}/numpy").content))
        assert np.array_equal(volume[slot], single[0])
    stored = np.load(io.BytesIO(srv.http.get(f"/series/{series}/numpy", params={"rescale": "0"}).content))
    assert stored.dtype == np.uint16


def test_unknown_series(donjon_server):
    srv = donjon_server()
    assert srv.http.get("/series/nope/ordered-slices").status_code == 404
    assert srv.http.get("/series/nope/numpy").status_code == 404
