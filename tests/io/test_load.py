"""Tests of load(): format detection by content and suffix, and clear refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import stridescope.io
from stridescope.errors import InputError, UnsupportedFormatError
from stridescope.io import _registry, detect_format, load
from tests.fixtures.mocap_synthetic import (
    COMMITTED,
    COMMITTED_BVH,
    write_committed_files,
)


def test_public_names() -> None:
    assert "read_force_plates" in stridescope.io.__all__
    assert callable(stridescope.io.read_force_plates)
    assert {"trc", "c3d", "mot", "grf", "bvh", "netcdf"} <= set(_registry.formats())


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("synthetic_walk.c3d", "c3d"),
        ("synthetic_walk.trc", "trc"),
        ("synthetic_angles.mot", "mot"),
    ],
)
def test_auto_detection(test_data: Path, name: str, fmt: str) -> None:
    assert detect_format(test_data / name) == fmt
    assert load(test_data / name).attrs["source_format"] == fmt


def test_bvh_and_sto_suffix(test_data: Path, tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="assuming 'cm'"):
        assert load(test_data / COMMITTED_BVH).attrs["source_format"] == "bvh"
    sto = tmp_path / "angles.sto"
    shutil.copy(test_data / "synthetic_angles.mot", sto)
    assert load(sto).attrs["source_format"] == "mot"


def test_content_wins_over_a_wrong_suffix(test_data: Path, tmp_path: Path) -> None:
    trc_as_c3d = tmp_path / "markers.c3d"
    shutil.copy(test_data / "synthetic_walk.trc", trc_as_c3d)
    assert load(trc_as_c3d).attrs["source_format"] == "trc"
    c3d_as_trc = tmp_path / "markers.trc"
    shutil.copy(test_data / "synthetic_walk.c3d", c3d_as_trc)
    assert load(c3d_as_trc).attrs["source_format"] == "c3d"


def test_explicit_format_is_used(test_data: Path) -> None:
    ds = load(test_data / "synthetic_walk.trc", format="trc")
    assert ds.attrs["source_format"] == "trc"
    with pytest.raises(UnsupportedFormatError, match="unknown format 'xyz'"):
        load(test_data / "synthetic_walk.trc", format="xyz")


def test_refusals(tmp_path: Path) -> None:
    empty = tmp_path / "empty.trc"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"^empty\.trc: the file is empty"):
        load(empty)
    unknown = tmp_path / "notes.xyz"
    unknown.write_text("hello\n")
    with pytest.raises(UnsupportedFormatError, match="cannot infer the format"):
        load(unknown)
    bad_mot = tmp_path / "broken.mot"
    bad_mot.write_text("time\tpelvis_tilt\n0\t1\n")  # no endheader
    with pytest.raises(UnsupportedFormatError, match="expected mot content"):
        load(bad_mot)
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "missing.c3d")


def test_force_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    grf = tmp_path / "run_grf.mot"
    grf.write_text("version=1\nendheader\ntime\tground_force_vy\n0\t1\n0.01\t2\n")
    assert detect_format(grf) == "grf"
    with pytest.raises(InputError, match="read_force_plates"):
        load(grf)


def test_committed_files_are_reproducible(test_data: Path, tmp_path: Path) -> None:
    """The files in tests/data are exactly what the generator writes."""
    written = write_committed_files(tmp_path)
    assert [p.name for p in written] == [*COMMITTED, COMMITTED_BVH]
    for path in written:
        assert path.read_bytes() == (test_data / path.name).read_bytes(), path.name
