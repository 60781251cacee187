"""Image routes: content negotiation, preview/8/16-bit extraction, rendered windowing and
resizing, raw frames, matlab, numpy, pdf, the frame cache."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pydicom
from PIL import Image


def _png(answer) -> np.ndarray:
    assert answer.status_code == 200, answer.text
    return np.asarray(Image.open(io.BytesIO(answer.content)))


def _store(srv, data: bytes) -> str:
    return srv.http.post("/instances", content=data).json()["ID"]


def test_png_by_default_jpeg_or_pam_on_request(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory.bytes())
    assert srv.http.get(f"/instances/{instance}/preview").headers["content-type"] == "image/png"
    for accept, expected in [("image/jpeg", "image/jpeg"), ("image/*", "image/png"), ("*/*", "image/png"),
                             ("text/html,image/jpeg;q=0.9", "image/jpeg"), ("image/x-portable-arbitrarymap", "image/x-portable-arbitrarymap")]:
        answer = srv.http.get(f"/instances/{instance}/preview", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.headers["content-type"] == expected, accept
    pam = srv.http.get(f"/instances/{instance}/preview", headers={"Accept": "image/x-portable-arbitrarymap"}).content
    assert pam.startswith(b"P7\nWIDTH 16\nHEIGHT 16\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n")
    refused = srv.http.get(f"/instances/{instance}/preview", headers={"Accept": "text/html"})
    assert refused.status_code == 406 and refused.json()["OrthancError"].startswith("Cannot send a response")


def test_jpeg_quality_is_checked_and_used(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory.bytes(rows=128, columns=128))
    jpeg = {"Accept": "image/jpeg"}
    assert srv.http.get(f"/instances/{instance}/preview", params={"quality": "0"}, headers=jpeg).status_code == 400
    assert srv.http.get(f"/instances/{instance}/preview", params={"quality": "abc"}, headers=jpeg).status_code == 400
    small = srv.http.get(f"/instances/{instance}/preview", params={"quality": "5"}, headers=jpeg).content
    large = srv.http.get(f"/instances/{instance}/preview", params={"quality": "100"}, headers=jpeg).content
    assert len(small) < len(large)
    assert srv.http.get(f"/instances/{instance}/image-uint16", headers=jpeg).status_code == 406  # JPEG has no 16 bits


def test_preview_stretches_min_max_and_inverts_monochrome1(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset()
    pixels = ds.pixel_array.astype(np.float64)
    expected = np.floor((pixels - pixels.min()) * 255 / (pixels.max() - pixels.min()) + 0.5)
    got = _png(srv.http.get(f"/instances/{_store(srv, dicom_factory.encode(ds))}/preview"))
    assert np.abs(got.astype(int) - expected).max() <= 1
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.PhotometricInterpretation = "MONOCHROME1"
    instance = _store(srv, dicom_factory.encode(ds))
    inverted = _png(srv.http.get(f"/instances/{instance}/preview"))
    assert np.abs((255 - inverted.astype(int)) - expected).max() <= 1
    # image-uint8 is never inverted (Orthanc inverts previews and rendered images only)
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/image-uint8")), np.clip(ds.pixel_array, 0, 255))


def test_integer_images_clamp_to_their_type(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=4, columns=4)
    ds.PixelRepresentation = 1
    ds.BitsStored = 16
    ds.HighBit = 15
    values = np.array([[-1000, -1, 0, 1], [200, 255, 256, 1000], [30000, 32767, -32768, 5], [7, 8, 9, 10]], dtype="<i2")
    ds.PixelData = values.tobytes()
    instance = _store(srv, dicom_factory.encode(ds))
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/image-uint8")), np.clip(values, 0, 255))
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/image-uint16")), np.clip(values, 0, 65535))
    # PNG has no signed samples: int16 values travel as their two's complement bits
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/image-int16")).astype(np.uint16).view(np.int16), values)


def test_colour_images_have_previews_but_no_integer_extractions(donjon_server, dicom_samples):
    srv = donjon_server()
    instance = _store(srv, dicom_samples("SC_rgb_rle.dcm"))
    expected = pydicom.dcmread(io.BytesIO(dicom_samples("SC_rgb_rle.dcm"))).pixel_array
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/preview")), expected)
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/rendered")), expected)
    for mode in ("image-uint8", "image-uint16", "image-int16"):
        assert srv.http.get(f"/instances/{instance}/{mode}").status_code == 415


def _windowed(pixels, slope, intercept, center, width):
    scaled = (pixels.astype(np.float32) + np.float32((intercept - center + width / 2) / slope)) * np.float32(255 * slope / width)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def test_rendered_windows_from_the_query_then_the_file_then_the_bits(donjon_server, dicom_factory):
    srv = donjon_server()
    plain = dicom_factory.dataset(rows=32, columns=32)
    pixels = plain.pixel_array
    instance = _store(srv, dicom_factory.encode(plain))
    # no window in the file: 2^BitsStored wide, centred on its half (Orthanc)
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/rendered")), _windowed(pixels, 1, -1024, 2048, 4096))
    windowed = dicom_factory.dataset(rows=32, columns=32, WindowCenter=-900, WindowWidth=300)
    instance = _store(srv, dicom_factory.encode(windowed))
    assert np.array_equal(_png(srv.http.get(f"/instances/{instance}/rendered")), _windowed(windowed.pixel_array, 1, -1024, -900, 300))
    answer = srv.http.get(f"/instances/{instance}/rendered", params={"window-center": "-1000", "window-width": "100"})
    assert np.array_equal(_png(answer), _windowed(windowed.pixel_array, 1, -1024, -1000, 100))


def test_rendered_resizes_keeping_the_aspect(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory.bytes(rows=40, columns=80))
    assert _png(srv.http.get(f"/instances/{instance}/rendered", params={"width": "40"})).shape == (20, 40)
    assert _png(srv.http.get(f"/instances/{instance}/rendered", params={"height": "10"})).shape == (10, 20)
    assert _png(srv.http.get(f"/instances/{instance}/rendered", params={"width": "40", "height": "40"})).shape == (20, 40)
    assert _png(srv.http.get(f"/instances/{instance}/rendered", params={"width": "160", "smooth": "true"})).shape == (80, 160)
    assert _png(srv.http.get(f"/instances/{instance}/frames/0/rendered", params={"width": "20", "smooth": "1"})).shape == (10, 20)


def test_rendered_refuses_bad_arguments(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory.bytes())
    for params in ({"width": "-1"}, {"height": "x"}, {"window-center": "abc"}, {"window-width": ""}, {"smooth": "maybe"}):
        answer = srv.http.get(f"/instances/{instance}/rendered", params=params)
        assert answer.status_code == 400, params
        assert answer.json()["OrthancError"] == "Parameter out of range"


def test_raw_frames_are_the_stored_bytes(donjon_server, dicom_factory, dicom_samples):
    srv = donjon_server()
    ds = dicom_factory.dataset(NumberOfFrames=2, rows=8, columns=8)
    ds.PixelData = bytes(range(256))
    instance = _store(srv, dicom_factory.encode(ds))
    assert srv.http.get(f"/instances/{instance}/frames").json() == [0, 1]
    raw = srv.http.get(f"/instances/{instance}/frames/1/raw")
    assert raw.headers["content-type"] == "application/octet-stream" and raw.content == bytes(range(128, 256))
    packed = srv.http.get(f"/instances/{instance}/frames/0/raw.gz")
    assert packed.headers["content-type"] == "application/gzip" and gzip.decompress(packed.content) == bytes(range(128))
    jpeg = _store(srv, dicom_samples("examples_ybr_color.dcm"))
    frame = srv.http.get(f"/instances/{jpeg}/frames/3/raw")
    assert frame.headers["content-type"] == "image/jpeg" and frame.content.startswith(b"\xff\xd8")
    assert frame.content.rstrip(b"\0").endswith(b"\xff\xd9")
    j2k = _store(srv, dicom_samples("MR_small_jp2klossless.dcm"))
    assert srv.http.get(f"/instances/{j2k}/frames/0/raw").headers["content-type"] == "image/jp2"


def test_frame_operations_are_listed(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory.bytes())
    assert srv.http.get(f"/instances/{instance}/frames/0").json() == [
        "image-int16", "image-uint16", "image-uint8", "matlab", "numpy", "preview", "raw", "raw.gz", "rendered"]


def test_matlab_text(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=2, columns=3)
    ds.PixelData = np.array([[1, 2, 3], [4, 5, 6]], dtype="<u2").tobytes()
    instance = _store(srv, dicom_factory.encode(ds))
    answer = srv.http.get(f"/instances/{instance}/matlab")
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text == "double([ 1 2 3 ; 4 5 6 ])"
    assert srv.http.get(f"/instances/{instance}/frames/0/matlab").text == answer.text


def test_numpy_rescales_grayscale_by_default(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=4, columns=5, RescaleSlope=2, RescaleIntercept=-10)
    instance = _store(srv, dicom_factory.encode(ds))
    rescaled = np.load(io.BytesIO(srv.http.get(f"/instances/{instance}/numpy").content))
    assert rescaled.dtype == np.float32 and rescaled.shape == (1, 4, 5, 1)
    assert np.array_equal(rescaled[0, :, :, 0], ds.pixel_array * 2.0 - 10)
    stored = np.load(io.BytesIO(srv.http.get(f"/instances/{instance}/numpy", params={"rescale": "0"}).content))
    assert stored.dtype == np.uint16 and np.array_equal(stored[0, :, :, 0], ds.pixel_array)
    frame = np.load(io.BytesIO(srv.http.get(f"/instances/{instance}/frames/0/numpy", params={"rescale": "false"}).content))
    assert frame.shape == (4, 5, 1)
    packed = srv.http.get(f"/instances/{instance}/numpy", params={"compress": "true"}).content
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert len(archive.namelist()) == 1
    assert np.array_equal(np.load(io.BytesIO(packed))["arr_0"], rescaled)


def test_pdf_of_an_encapsulated_pdf(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=0, columns=0, modality="DOC", SOPClassUID="1.2.840.10008.5.1.4.1.1.104.1")
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocument = b"%PDF-1.4 hello\n%%EOF\n"
    instance = _store(srv, dicom_factory.encode(ds))
    answer = srv.http.get(f"/instances/{instance}/pdf")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content == b"%PDF-1.4 hello\n%%EOF\n"  # the pad byte removed
    other = _store(srv, dicom_factory.bytes())
    assert srv.http.get(f"/instances/{other}/pdf").status_code == 404


def test_decoded_frames_are_cached_and_the_cache_is_bounded(donjon_server, dicom_factory):
    from donjon.imaging.cache import imaging_cache

    srv = donjon_server({"MaximumStorageCacheSize": 1})
    cache = imaging_cache(srv.server)
    assert cache.frames.capacity == 1024 * 1024
    instance = _store(srv, dicom_factory.bytes(rows=256, columns=256))  # 128 KB decoded
    first = srv.http.get(f"/instances/{instance}/preview").content
    hits = cache.frames.hits
    rendered = srv.http.get(f"/instances/{instance}/rendered").content  # decoded frame reused
    assert cache.frames.hits == hits + 1
    image_hits = cache.images.hits
    assert srv.http.get(f"/instances/{instance}/preview").content == first  # encoded image reused
    assert srv.http.get(f"/instances/{instance}/rendered").content == rendered
    assert cache.images.hits == image_hits + 2
    assert srv.http.get(f"/instances/{instance}/preview", headers={"Accept": "image/jpeg"}).content.startswith(b"\xff\xd8")
    for _ in range(12):
        other = _store(srv, dicom_factory.bytes(rows=256, columns=256))
        assert srv.http.get(f"/instances/{other}/preview").status_code == 200
    assert cache.frames.size <= cache.frames.capacity
    assert len(cache.frames) == 8  # 8 × 128 KB fit in 1 MB


def test_a_modified_file_is_decoded_again(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=4, columns=4)
    instance = _store(srv, dicom_factory.encode(ds))
    before = srv.http.get(f"/instances/{instance}/image-uint16").content
    srv.http.delete(f"/instances/{instance}")
    ds.PixelData = np.full((4, 4), 77, dtype="<u2").tobytes()
    assert _store(srv, dicom_factory.encode(ds)) == instance
    after = _png(srv.http.get(f"/instances/{instance}/image-uint16"))
    assert srv.http.get(f"/instances/{instance}/image-uint16").content != before
    assert (after == 77).all()
