"""Decoding: every local pydicom sample with pixel data, through the REST image routes.

Pixel values are compared with pydicom's own ``pixel_array`` (given Orthanc's pixel
formats: palettes looked up to RGB24, 1-bit images as 0/255), frame by frame.
"""

from __future__ import annotations

import glob
import io
import os

import numpy as np
import pydicom
import pydicom.data
import pytest
from PIL import Image
from pydicom.pixels import apply_color_lut

from donjon_sdk.testing import start_server

_BASE = os.path.dirname(pydicom.data.__file__)


def _samples_with_pixels() -> list[str]:
    names = []
    for path in sorted(glob.glob(f"{_BASE}/test_files/**/*.dcm", recursive=True) + glob.glob(f"{_BASE}/charset_files/*.dcm")):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=False)
        except Exception:
            continue  # files without a preamble/meta: not storable, not images
        if "PixelData" in ds and "BitsAllocated" in ds and "TransferSyntaxUID" in ds.file_meta:
            names.append(os.path.relpath(path, _BASE))
    return names


SAMPLES = _samples_with_pixels()
#: Files whose pixel data is broken on purpose (pydicom's own error tests).
BROKEN = {"test_files/MR_truncated.dcm"}
#: Files that pydicom's decoders cannot read either (a misplaced JPEG marker, a J2K
#: stream cut by a sequence delimiter).
UNDECODABLE = {"test_files/JPEG-lossy.dcm", "test_files/JPEG2000-embedded-sequence-delimiter.dcm"}


def _with_identifiers(data: bytes) -> bytes | None:
    """The file with the study/series/instance UIDs it lacks (the JPEG-LS lossy samples
    have none, so no DICOM server stores them as they are); pixel data kept as encoded."""
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(io.BytesIO(data))
    missing = [k for k in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID") if k not in ds]
    if not missing:
        return None
    for keyword in missing:
        setattr(ds, keyword, generate_uid())
    out = io.BytesIO()
    ds.save_as(out)
    return out.getvalue()


class _Samples:
    """One server for the module; ``ids[name]`` stores a sample and gives its instance ID.

    Several samples share their SOP Instance UID (MR_small and its re-encodings, the
    rtdose family): storing one replaces the previous, so each test gets its own file.
    """

    def __init__(self, handle) -> None:
        self.handle = handle

    def __getitem__(self, name: str) -> str | None:
        with open(os.path.join(_BASE, name), "rb") as f:
            data = f.read()
        answer = self.handle.http.post("/instances", content=data)
        if answer.status_code != 200:
            data = _with_identifiers(data)
            if data is None:
                return None
            answer = self.handle.http.post("/instances", content=data)
        if answer.json()["Status"] == "AlreadyStored":
            self.handle.http.delete(f"/instances/{answer.json()['ID']}")
            answer = self.handle.http.post("/instances", content=data)
        return answer.json()["ID"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """A server and a way to store any sample in it (see :class:`_Samples`)."""
    handle = start_server(tmp_path_factory.mktemp("imaging"), None)
    yield handle, _Samples(handle)
    handle.close()


def _expected(name: str) -> np.ndarray:
    """pydicom's pixels of every frame, ``(frames, rows, columns, channels)``, in Orthanc's format."""
    ds = pydicom.dcmread(os.path.join(_BASE, name))
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames") or 1)
    if frames == 1:
        arr = arr[np.newaxis]
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
        arr = (arr >> 8).astype(np.uint8) if arr.dtype.itemsize > 1 else arr
    elif ds.BitsAllocated == 1:
        arr = arr.astype(np.uint8) * 255
    if arr.ndim == 3:
        arr = arr[..., np.newaxis]
    return arr


def test_the_sample_set_is_not_empty():
    assert len(SAMPLES) > 50


@pytest.mark.parametrize("name", [n for n in SAMPLES if n not in BROKEN and "dcm" in n])
def test_sample_decodes_to_pydicoms_pixels(samples, name):
    handle, ids = samples
    instance = ids[name]
    if instance is None:
        pytest.skip(f"{name} is refused at upload, as Orthanc refuses it (no identifiers, or truncated: test_oracle_ids)")
    answer = handle.http.get(f"/instances/{instance}/numpy", params={"rescale": "false"})
    if name == "test_files/badVR.dcm":
        pytest.skip("pydicom's pixel_array refuses NumberOfFrames '1A'; Donjon reads it as 1 frame, as Orthanc")
    try:
        expected = _expected(name)
    except Exception:
        # pydicom itself cannot decode it (JPEG-lossy.dcm has a misplaced marker):
        # an Orthanc-style error, not a crash.
        assert answer.status_code == 415, answer.text
        return
    assert answer.status_code == 200, answer.text
    got = np.load(io.BytesIO(answer.content))
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("name", [n for n in SAMPLES if n not in BROKEN])
def test_every_sample_renders_a_png_preview(samples, name):
    handle, ids = samples
    if ids[name] is None:
        pytest.skip(f"{name} is refused at upload, as Orthanc refuses it (test_oracle_ids)")
    answer = handle.http.get(f"/instances/{ids[name]}/preview")
    if name in UNDECODABLE:
        assert answer.status_code == 415
        return
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(answer.content))
    ds = pydicom.dcmread(os.path.join(_BASE, name), stop_before_pixels=True)
    assert picture.size == (ds.Columns, ds.Rows)


@pytest.mark.parametrize("name", ["test_files/MR_small.dcm", "test_files/MR_small_RLE.dcm", "test_files/MR_small_jpeg_ls_lossless.dcm",
                                  "test_files/MR_small_jp2klossless.dcm", "test_files/MR_small_bigendian.dcm",
                                  "test_files/CT_small.dcm", "test_files/JPGExtended.dcm", "test_files/image_dfl.dcm"])
def test_image_uint16_holds_the_stored_values(samples, name):
    handle, ids = samples
    answer = handle.http.get(f"/instances/{ids[name]}/image-uint16")
    assert answer.status_code == 200
    got = np.asarray(Image.open(io.BytesIO(answer.content))).astype(np.int64)
    expected = pydicom.dcmread(os.path.join(_BASE, name)).pixel_array.astype(np.int64)
    assert np.array_equal(got, np.clip(expected, 0, 65535))


def test_multi_frame_frames_are_listed_and_decoded_one_by_one(samples):
    handle, ids = samples
    instance = ids["test_files/examples_ybr_color.dcm"]
    assert handle.http.get(f"/instances/{instance}/frames").json() == list(range(30))
    expected = _expected("test_files/examples_ybr_color.dcm")
    for frame in (0, 17, 29):
        answer = handle.http.get(f"/instances/{instance}/frames/{frame}/numpy")
        assert np.array_equal(np.load(io.BytesIO(answer.content)), expected[frame])
    assert handle.http.get(f"/instances/{instance}/frames/30/preview").status_code == 404


def test_broken_pixel_data_answers_an_error_and_the_instance_stays_usable(donjon_server, dicom_samples):
    # A well-formed element holding half the pixels the header announces (a file cut short,
    # like MR_truncated.dcm, is refused at upload: see test_ingest_rest).
    ds = pydicom.dcmread(io.BytesIO(dicom_samples("MR_small.dcm")))
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    out = io.BytesIO()
    ds.save_as(out)
    handle = donjon_server()
    instance = handle.http.post("/instances", content=out.getvalue()).json()["ID"]
    for route in ("preview", "rendered", "image-uint16", "numpy", "matlab", "frames/0/preview"):
        answer = handle.http.get(f"/instances/{instance}/{route}")
        assert answer.status_code == 415, route
        assert answer.json()["OrthancError"] == "Unsupported media type"
        assert instance in answer.json()["Details"]
    assert handle.http.get(f"/instances/{instance}/frames/0/raw").status_code == 400
    assert handle.http.get(f"/instances/{instance}/tags?simplify").json()["PatientName"]
    assert handle.http.get(f"/instances/{instance}/file").status_code == 200
    assert handle.http.get(f"/instances/{instance}/frames").json() == [0]


def test_truncated_jpeg_fragment_answers_an_error(donjon_server, dicom_samples):
    ds = pydicom.dcmread(io.BytesIO(dicom_samples("SC_rgb_jpeg_dcmtk.dcm")))
    from pydicom.encaps import encapsulate, generate_fragments

    fragment = next(generate_fragments(ds.PixelData))
    ds.PixelData = encapsulate([fragment[: len(fragment) // 3]])
    out = io.BytesIO()
    ds.save_as(out)
    srv = donjon_server()
    instance = srv.http.post("/instances", content=out.getvalue()).json()["ID"]
    answer = srv.http.get(f"/instances/{instance}/preview")
    assert answer.status_code == 415
    assert "1.2.840.10008.1.2.4.50" in answer.json()["Details"]
    placeholder = srv.http.get(f"/instances/{instance}/preview", params={"returnUnsupportedImage": "true"})
    assert placeholder.status_code == 200 and placeholder.headers["content-type"] == "image/png"
    assert srv.http.get("/system").status_code == 200


def test_unknown_instance_and_bad_frame_are_not_found(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    assert srv.http.get("/instances/nope/preview").status_code == 404
    assert srv.http.get(f"/instances/{instance}/frames/x/preview").status_code == 404
    assert srv.http.get(f"/instances/{instance}/frames/1/preview").status_code == 404
    assert srv.http.get(f"/instances/{instance}/frames/1/raw").status_code == 400  # Orthanc: ParameterOutOfRange


def test_instance_without_pixel_data_has_no_image(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_factory.bytes(rows=0, columns=0)).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/preview").status_code == 415
    assert srv.http.get(f"/instances/{instance}/frames").json() == [0]
