"""Differential: the same files get the same Orthanc IDs on Donjon and on Orthanc 1.10.1."""

from __future__ import annotations

import pytest

SAMPLES = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "MR_small_bigendian.dcm", "SC_rgb_rle.dcm", "image_dfl.dcm", "waveform_ecg.dcm", "rtstruct.dcm"]


@pytest.mark.oracle
@pytest.mark.parametrize("name", SAMPLES)
def test_same_ids_as_orthanc(name, donjon_server, orthanc_oracle, dicom_samples):
    data = dicom_samples(name)
    ours = donjon_server().http.post("/instances", content=data).json()
    theirs = orthanc_oracle().http.post("/instances", content=data).json()
    assert ours == theirs
