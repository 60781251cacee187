"""Pytest fixtures for Donjon and its plugins (registered through ``pytest11``).

- ``donjon_server``: a factory, ``donjon_server(config=..., plugins=[...], mode=...)``
  returns a started :class:`~donjon_sdk.testing.DonjonHandle`, stopped at teardown.
- ``dicom_factory``: synthetic DICOM files.
- ``dicom_samples``: pydicom's sample files by name.
- ``dcmtk``: DCMTK's command-line peers.
- ``orthanc_oracle``: a factory starting Debian's Orthanc 1.10.1 for differential tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .testing import Dcmtk, DicomFactory, DonjonHandle, start_server
from .testing.oracle import OrthancOracle, orthanc_binary, start_orthanc


@pytest.fixture
def donjon_server(tmp_path: Path) -> Iterator[Callable[..., DonjonHandle]]:
    handles: list[DonjonHandle] = []
    counter = itertools.count()

    def factory(
        config: dict[str, Any] | None = None,
        *,
        plugins: list[Any] | None = None,
        entry_points: list[str] | None = None,
        mode: str = "inprocess",
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ) -> DonjonHandle:
        handle = start_server(
            tmp_path / f"server{next(counter)}", config, plugins=plugins, entry_points=entry_points, mode=mode, host=host, env=env
        )
        handles.append(handle)
        return handle

    yield factory
    for handle in handles:
        handle.close()


@pytest.fixture
def dicom_factory() -> DicomFactory:
    return DicomFactory()


@pytest.fixture
def dicom_samples() -> Callable[[str], bytes]:
    from pydicom.data import get_testdata_file

    def read(name: str) -> bytes:
        path = get_testdata_file(name)
        if path is None:
            raise FileNotFoundError(f"pydicom has no sample file {name!r}")
        return Path(path).read_bytes()

    return read


@pytest.fixture(scope="session")
def dcmtk() -> Dcmtk:
    return Dcmtk()


@pytest.fixture
def orthanc_oracle(tmp_path: Path) -> Iterator[Callable[..., OrthancOracle]]:
    """``orthanc_oracle(config=None, plugins=None)`` starts Debian's Orthanc; stopped at teardown."""
    if orthanc_binary() is None:
        pytest.skip("Debian's Orthanc is not installed: `make test` installs it (scripts/install-test-deps.sh)")
    oracles: list[OrthancOracle] = []
    counter = itertools.count()

    def factory(config: dict[str, Any] | None = None, *, plugins: list[str] | None = None) -> OrthancOracle:
        oracle = start_orthanc(tmp_path / f"orthanc{next(counter)}", config, plugins=plugins)
        oracles.append(oracle)
        return oracle

    yield factory
    for oracle in oracles:
        oracle.stop()
