"""The two ways to DICOM JSON agree: the raw walker and pydicom's datasets, on every sample file.

(The pydicom path itself is checked against Orthanc in test_oracle_dicomweb.py.)
"""

from __future__ import annotations

import glob
import os
import warnings

import pytest
from donjon_sdk import read_dataset
from pydicom.data import get_testdata_file

from donjon_dicomweb.dicomjson import dataset_to_dicomweb
from donjon_dicomweb.rawfile import file_to_dicomweb

_FOLDER = os.path.dirname(get_testdata_file("CT_small.dcm"))
_FILES = sorted(glob.glob(f"{_FOLDER}/*.dcm")) + sorted(glob.glob(_FOLDER.replace("test_files", "charset_files") + "/*.dcm"))


def _bulk(path: str) -> str:
    return "BASE/" + path


def _pydicom_json(data: bytes):
    # Every element through pydicom's own conversion: no simple charset, no fast path.
    import donjon_dicomweb.dicomjson as dicomjson

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = read_dataset(data)
    original = dicomjson.simple_codec
    dicomjson.simple_codec = lambda ds: None
    try:
        return dataset_to_dicomweb(ds, _bulk)
    finally:
        dicomjson.simple_codec = original


@pytest.mark.parametrize("path", _FILES, ids=os.path.basename)
def test_raw_walker_and_fast_path_give_pydicom_json(path):
    data = open(path, "rb").read()
    try:
        expected = _pydicom_json(data)
    except Exception:
        pytest.skip("pydicom cannot read this sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert dataset_to_dicomweb(read_dataset(data), _bulk) == expected
    raw = file_to_dicomweb(data, _bulk)
    if raw is not None:
        assert raw == expected


def test_raw_walker_reads_the_usual_files():
    used = [p for p in _FILES if file_to_dicomweb(open(p, "rb").read(), _bulk) is not None]
    assert len(used) >= 40  # explicit VR little endian with a simple charset: the common case


def test_raw_walker_leaves_odd_files_to_pydicom(dicom_factory):
    from pydicom.uid import ImplicitVRLittleEndian

    assert file_to_dicomweb(dicom_factory.bytes(transfer_syntax=ImplicitVRLittleEndian), _bulk) is None
    assert file_to_dicomweb(dicom_factory.bytes()[:300], _bulk) is None  # truncated
    assert file_to_dicomweb(b"not dicom", _bulk) is None
