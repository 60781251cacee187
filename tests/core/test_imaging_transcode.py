"""Transcoding: /instances/{id}/file?transcode=, the built-in encoders, round trips.

Lossless syntaxes give back identical pixels; lossy ones (JPEG baseline, JPEG 2000) stay
above a stated PSNR and get a new SOP Instance UID, as in Orthanc.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest

from donjon.imaging.transcode import transcode

UNCOMPRESSED = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"]
LOSSLESS = [*UNCOMPRESSED, "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90"]
JPEG_BASELINE, J2K = "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.91"
SOURCES = ["CT_small.dcm", "MR_small_bigendian.dcm", "SC_rgb_rle.dcm", "examples_ybr_color.dcm", "MR_small_jp2klossless.dcm",
           "SC_rgb_small_odd_big_endian.dcm", "ExplVR_BigEnd.dcm", "rtdose_expb.dcm", "liver_expb_1frame.dcm", "image_dfl.dcm"]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64), b.astype(np.float64)
    mse = ((a - b) ** 2).mean()
    return float("inf") if mse == 0 else 10 * np.log10((b.max() - b.min()) ** 2 / mse)


def _pixels(data: bytes) -> np.ndarray:
    return pydicom.dcmread(io.BytesIO(data)).pixel_array


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("syntax", LOSSLESS)
def test_lossless_round_trip_keeps_every_pixel(dicom_samples, source, syntax):
    data = dicom_samples(source)
    out = transcode(data, [syntax], allow_new_sop_instance=False)
    if out is None:
        # what no encoder takes: RLE/J2K of 1-bit and 32-bit images, J2K of 3x3 images
        assert syntax not in UNCOMPRESSED, f"{source} must always be writable uncompressed"
        return
    ds = pydicom.dcmread(io.BytesIO(out))
    assert ds.file_meta.TransferSyntaxUID == syntax
    assert ds.SOPInstanceUID == pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True).SOPInstanceUID
    assert np.array_equal(ds.pixel_array, _pixels(data))


@pytest.mark.parametrize(("source", "syntax", "psnr"), [
    ("SC_rgb_rle.dcm", JPEG_BASELINE, 30), ("examples_rgb_color.dcm", JPEG_BASELINE, 30), ("image_dfl.dcm", JPEG_BASELINE, 30),
    ("CT_small.dcm", J2K, 45), ("MR_small.dcm", J2K, 40), ("SC_rgb_rle.dcm", J2K, 40),
])
def test_lossy_transcoding_stays_above_a_psnr_and_is_a_new_instance(dicom_samples, source, syntax, psnr):
    data = dicom_samples(source)
    assert transcode(data, [syntax], allow_new_sop_instance=False) is None  # lossy needs a new UID
    out = transcode(data, [syntax], allow_new_sop_instance=True)
    ds = pydicom.dcmread(io.BytesIO(out))
    original = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    assert ds.file_meta.TransferSyntaxUID == syntax
    assert ds.SOPInstanceUID != original.SOPInstanceUID == original.SOPInstanceUID
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.LossyImageCompression == "01"
    assert _psnr(ds.pixel_array, _pixels(data)) >= psnr


def test_uncompressed_syntaxes_are_preferred_and_the_current_one_kept(dicom_samples):
    data = dicom_samples("MR_small_RLE.dcm")
    assert transcode(data, ["1.2.840.10008.1.2.5", "1.2.840.10008.1.2"], False) is data
    out = transcode(data, [J2K, "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.1"], True)
    assert pydicom.dcmread(io.BytesIO(out)).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"


def test_file_route_transcodes_on_request(donjon_server, dicom_samples):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_samples("MR_small_jp2klossless.dcm")).json()["ID"]
    answer = srv.http.get(f"/instances/{instance}/file", params={"transcode": "1.2.840.10008.1.2.1"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/dicom"
    ds = pydicom.dcmread(io.BytesIO(answer.content))
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert np.array_equal(ds.pixel_array, _pixels(dicom_samples("MR_small_jp2klossless.dcm")))
    # the stored file is not changed
    stored = pydicom.dcmread(io.BytesIO(srv.http.get(f"/instances/{instance}/file").content))
    assert stored.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.90"


def test_file_route_refuses_what_it_cannot_do(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]  # 12-bit
    unknown = srv.http.get(f"/instances/{instance}/file", params={"transcode": "1.2.3"})
    assert unknown.status_code == 400 and unknown.json()["OrthancError"] == "Parameter out of range"
    impossible = srv.http.get(f"/instances/{instance}/file", params={"transcode": JPEG_BASELINE})  # JPEG baseline is 8-bit
    assert impossible.status_code == 501
    assert instance in impossible.json()["Details"]
    assert srv.http.get(f"/instances/{instance}/file").status_code == 200


def test_a_transcoder_plugin_comes_before_the_built_in_encoders(donjon_server, dicom_factory):
    from donjon_sdk import hookimpl

    class Refuser:
        asked: list[list[str]] = []

        @hookimpl
        def donjon_transcode(self, data, transfer_syntaxes, allow_new_sop_instance):
            self.asked.append(list(transfer_syntaxes))
            return data if transfer_syntaxes == ["1.2.840.10008.1.2.2"] else None

    plugin = Refuser()
    srv = donjon_server(plugins=[("refuser", plugin)])
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    mine = srv.http.get(f"/instances/{instance}/file", params={"transcode": "1.2.840.10008.1.2.2"})
    assert pydicom.dcmread(io.BytesIO(mine.content)).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"  # the plugin's answer
    builtin = srv.http.get(f"/instances/{instance}/file", params={"transcode": "1.2.840.10008.1.2"})
    assert pydicom.dcmread(io.BytesIO(builtin.content)).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2"
    assert plugin.asked == [["1.2.840.10008.1.2.2"], ["1.2.840.10008.1.2"]]
