"""Tests of the TRC reader/writer and the shared marker helpers."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io.trc import (
    detect_up_axis,
    read_trc,
    rotation_to_z_up,
    sniff_trc,
    write_trc,
)
from stridescope.model.trial import from_arrays
from stridescope.processing import frames
from tests.fixtures.mocap_synthetic import MARKERS_M, marker_positions_m, marker_trial


def _ops(ds) -> list[str]:
    return [entry["operation"] for entry in json.loads(ds.attrs["log"])]


def _trc_text(rows: list[str], *, units: str = "mm", labels=("LASI", "RHEE")) -> str:
    names = "\t".join(f"{x}\t\t" for x in labels)
    xyz = "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(labels) + 1))
    head = [
        "PathFileType\t4\t(X/Y/Z)\tsmall.trc",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits",
        f"100\t100\t{len(rows)}\t{len(labels)}\t{units}",
        f"Frame#\tTime\t{names}",
        f"\t\t{xyz}",
        "",
    ]
    return "\n".join(head + rows) + "\n"


SMALL_ROWS = [
    "1\t0.00\t10\t950\t-120\t-50\t50\t100",
    "2\t0.01\t20\t951\t-120\t\t\t",
    "3\t0.02\t30\t952\t-120\t-40\t50\t100",
]


def test_sniff_trc() -> None:
    assert sniff_trc(b"PathFileType\t4\t(X/Y/Z)\tx.trc\n")
    assert not sniff_trc(b"HIERARCHY\nROOT Hips")
    assert not sniff_trc(b"")


def test_committed_trc_holds_the_synthetic_walker(test_data: Path) -> None:
    ds = read_trc(test_data / "synthetic_walk.trc")
    assert ds.attrs["coordinate_frame"] == "lab_z_up"
    assert ds.attrs["sampling_rate_hz"] == 100.0
    assert ds.keypoint_source_name.values.tolist() == list(MARKERS_M)
    assert ds.keypoint.values.tolist()[:5] == [
        "left_asis",
        "right_asis",
        "left_psis",
        "right_psis",
        "c7",
    ]
    assert "LTH1" in ds.keypoint.values  # unknown labels kept verbatim
    expected = marker_positions_m()
    np.testing.assert_allclose(
        ds.position.transpose("time", "space", "keypoint").values, expected
    )
    assert int(ds.frame[0]) == 1
    assert _ops(ds)[-2:] == ["vertical_axis", "to_lab_z_up"]


def test_mm_is_scaled_to_metres_and_blank_cells_are_nan(tmp_path: Path) -> None:
    path = tmp_path / "small.trc"
    path.write_text(_trc_text(SMALL_ROWS))
    ds = read_trc(path)
    lasi = ds.position.sel(keypoint="left_asis")
    # file (x, y, z) = (10, 950, -120) mm, y up -> lab (0.010, 0.120, 0.950) m
    np.testing.assert_allclose(lasi.isel(time=0).values, [0.010, 0.120, 0.950])
    assert np.isnan(ds.position.sel(keypoint="right_heel").isel(time=1)).all()
    log = json.loads(ds.attrs["log"])
    assert {"operation": "scale_to_metres", "from_unit": "mm", "factor": 0.001} in log


def test_write_then_read_is_the_identity(tmp_path: Path, test_data: Path) -> None:
    first = read_trc(test_data / "synthetic_walk.trc")
    write_trc(first, tmp_path / "again.trc")
    second = read_trc(tmp_path / "again.trc")
    np.testing.assert_array_equal(second.position.values, first.position.values)
    np.testing.assert_array_equal(second.time.values, first.time.values)
    assert second.keypoint.values.tolist() == first.keypoint.values.tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pos=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 6), st.just(3), st.integers(1, 4)),
        elements=st.one_of(
            st.floats(-10, 10, allow_nan=False, width=64), st.just(np.nan)
        ),
    )
)
def test_round_trip_property(pos: np.ndarray, tmp_path_factory) -> None:
    names = [f"M{i}" for i in range(pos.shape[2])]  # unknown: no vertical evidence
    ds = from_arrays(sampling_rate_hz=50.0, position=pos, keypoint_names=names)
    path = tmp_path_factory.mktemp("trc") / "p.trc"
    write_trc(ds, path)
    back = read_trc(path)
    np.testing.assert_array_equal(back.position.values, ds.position.values)
    np.testing.assert_allclose(back.time.values, ds.time.values)


def test_z_up_file_is_detected_from_markers(tmp_path: Path) -> None:
    ds = marker_trial()
    ds.attrs["coordinate_frame"] = "opensim_y_up"  # so the writer keeps z up as is
    write_trc(ds, tmp_path / "zup.trc")
    with pytest.warns(StridescopeWarning, match=r"markers show \+z is up"):
        back = read_trc(tmp_path / "zup.trc")
    np.testing.assert_allclose(back.position.values, ds.position.values)


def test_duplicate_vocabulary_names_keep_the_second_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "dup.trc"
    rows = ["1\t0\t1\t2\t3\t4\t5\t6", "2\t0.01\t1\t2\t3\t4\t5\t6"]
    path.write_text(_trc_text(rows, units="m", labels=("LASI", "LASIS")))
    ds = read_trc(path)
    assert ds.keypoint.values.tolist() == ["left_asis", "LASIS"]
    assert "duplicate_vocabulary_names_kept_verbatim" in _ops(ds)


def test_frame_count_mismatch_warns(tmp_path: Path) -> None:
    text = _trc_text(SMALL_ROWS).replace("100\t100\t3\t", "100\t100\t5\t")
    (tmp_path / "short.trc").write_text(text)
    with pytest.warns(StridescopeWarning, match="expected 5 frames"):
        ds = read_trc(tmp_path / "short.trc")
    assert ds.sizes["time"] == 3


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("", InputError, "empty"),
        ("\n".join(SMALL_ROWS), InputError, "PathFileType"),
        (_trc_text(SMALL_ROWS).replace("0.01\t20", "0.01\tabc"), InputError, "line 8"),
        (
            _trc_text([*SMALL_ROWS, "4\t0.03\t1\t2\t3\t4\t5\t6\t7"]),
            InputError,
            "at most",
        ),
        (_trc_text([]), MissingDataError, "expected data rows"),
        (_trc_text(SMALL_ROWS).replace("\tUnits", "\tX"), InputError, "Units"),
        (_trc_text(SMALL_ROWS).replace("mm", "furlong"), InputError, "furlong"),
    ],
)
def test_bad_files_raise_one_line_errors(
    tmp_path: Path, text: str, error: type[Exception], match: str
) -> None:
    path = tmp_path / "bad.trc"
    path.write_text(text)
    with pytest.raises(error, match=match) as info:
        read_trc(path)
    assert "\n" not in str(info.value)


def test_non_increasing_time_names_the_file(tmp_path: Path) -> None:
    rows = [r.replace("0.02", "0.00") for r in SMALL_ROWS]
    (tmp_path / "t.trc").write_text(_trc_text(rows))
    with pytest.raises(InputError, match=r"^t\.trc: .*increasing"):
        read_trc(tmp_path / "t.trc")


def test_writer_refuses_overwrite_and_pixels(tmp_path: Path) -> None:
    path = tmp_path / "w.trc"
    write_trc(marker_trial(), path)
    with pytest.raises(InputError, match="overwrite=True"):
        write_trc(marker_trial(), path)
    pixels = from_arrays(
        sampling_rate_hz=30.0,
        position=np.zeros((3, 2, 1)),
        keypoint_names=["nose"],
        space_unit="px",
        coordinate_frame="image_y_down",
    )
    with pytest.raises(InputError, match="metres"):
        write_trc(pixels, tmp_path / "px.trc")


def test_ten_seconds_of_forty_markers_reads_fast(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pos = rng.normal(size=(1000, 3, 40))
    ds = from_arrays(
        sampling_rate_hz=100.0,
        position=pos,
        keypoint_names=[f"M{i}" for i in range(40)],
    )
    write_trc(ds, tmp_path / "big.trc")
    start = time.perf_counter()
    read_trc(tmp_path / "big.trc")
    assert time.perf_counter() - start < 0.5


def test_rotations_are_proper_and_y_up_matches_processing_frames() -> None:
    np.testing.assert_array_equal(rotation_to_z_up(1, 1), frames._OPENSIM_TO_LAB)
    for axis in range(3):
        for sign in (1, -1):
            rot = rotation_to_z_up(axis, sign)
            assert np.linalg.det(rot) == pytest.approx(1.0)
            up = np.zeros(3)
            up[axis] = sign
            np.testing.assert_array_equal(rot @ up, [0, 0, 1])


def test_detect_up_axis_needs_clear_evidence() -> None:
    assert detect_up_axis(marker_trial())[:2] == (2, 1)
    flat = from_arrays(
        sampling_rate_hz=10.0,
        position=np.zeros((3, 3, 2)),
        keypoint_names=["c7", "left_heel"],
    )
    assert detect_up_axis(flat) is None
    positions = marker_positions_m()
    assert positions.shape == (120, 3, len(MARKERS_M))


# --- real recordings -------------------------------------------------------------


def test_hamner_run300_trc(shared_data: Path) -> None:
    ds = read_trc(shared_data / "mocap-hamner2013-run300-addbio" / "run300.trc")
    assert ds.sizes["time"] == 216
    assert ds.sizes["keypoint"] == 42
    assert ds.attrs["sampling_rate_hz"] == 100.0
    assert float(ds.time[0]) == pytest.approx(0.52)
    # file RASI at frame 1: (0.988818, 1.08414, -0.224021) m, y up
    rasi = ds.position.sel(keypoint="right_asis").isel(time=0).values
    np.testing.assert_allclose(rasi, [0.988818, 0.224021, 1.08414])
    assert {"LLEL", "RMEL"} <= set(ds.keypoint.values.tolist())  # elbow: verbatim


def test_ja1_run350_trc_in_mm(shared_data: Path) -> None:
    ds = read_trc(shared_data / "mocap-ja1-run350-opensim" / "run0350cms.trc")
    assert (ds.sizes["time"], ds.sizes["keypoint"]) == (836, 53)
    assert ds.attrs["sampling_rate_hz"] == 250.0
    assert "scale_to_metres" in _ops(ds)
    rasi = ds.position.sel(keypoint="right_asis").isel(time=0).values
    np.testing.assert_allclose(rasi, [-5.370828125, -0.329121582, 1.117955444])
    assert {"x52", "right_first_metatarsal", "sacrum"} <= set(ds.keypoint.values)


def test_ja1_sprint_trc_has_a_nan_gap(shared_data: Path) -> None:
    ds = read_trc(shared_data / "mocap-ja1-sprint-c3d-opensim" / "JA1Gait35.trc")
    assert ds.sizes["time"] == 322
    assert np.isnan(ds.position.isel(time=-1)).any()
    assert float(ds.time[-1]) == pytest.approx(1.284)
