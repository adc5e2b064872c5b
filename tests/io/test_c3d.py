"""Tests of the C3D reader (ezc3d): markers, Plug-in Gait angles, events, frames."""

from __future__ import annotations

import json
from pathlib import Path

import ezc3d
import numpy as np
import pytest

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io.c3d import read_c3d, read_c3d_force_plates, sniff_c3d
from stridescope.model.trial import events_of
from tests.fixtures.mocap_synthetic import (
    C3D_FIRST_FRAME,
    C3D_GAP_FRAMES,
    C3D_ZERO_FRAME,
    known_angles_deg,
    marker_positions_m,
    write_c3d,
)


def _log(ds) -> dict[str, dict]:
    return {e["operation"]: e for e in json.loads(ds.attrs["log"])}


def _events(ds) -> list[tuple[float, str, str]]:
    return [(round(e.time_s, 3), e.side, e.kind) for e in events_of(ds)]


def test_sniff_c3d(test_data: Path) -> None:
    assert sniff_c3d((test_data / "synthetic_walk.c3d").read_bytes()[:512])
    assert not sniff_c3d(b"PathFileType\t4")
    assert not sniff_c3d(b"\x02")


def test_committed_c3d_markers_in_metres_with_gaps(test_data: Path) -> None:
    ds = read_c3d(test_data / "synthetic_walk.c3d")
    assert ds.attrs["sampling_rate_hz"] == 100.0
    assert int(ds.frame[0]) == C3D_FIRST_FRAME
    assert float(ds.time[0]) == pytest.approx((C3D_FIRST_FRAME - 1) / 100.0)
    pos = ds.position.transpose("time", "space", "keypoint").values
    expected = marker_positions_m()
    heel = ds.keypoint.values.tolist().index("left_heel")
    toe = ds.keypoint.values.tolist().index("right_toe")
    expected[list(C3D_GAP_FRAMES), :, heel] = np.nan
    expected[C3D_ZERO_FRAME, :, toe] = np.nan
    np.testing.assert_allclose(pos, expected, atol=1e-6)  # float32 in the file
    assert _log(ds)["scale_to_metres"]["from_unit"] == "mm"
    assert _log(ds)["vertical_axis"]["method"] == "markers"
    assert ds.attrs["coordinate_frame"] == "lab_z_up"


def test_committed_c3d_plugin_gait_angles(test_data: Path) -> None:
    ds = read_c3d(test_data / "synthetic_walk.c3d")
    angles = known_angles_deg()
    assert ds.attrs["angle_source"] == "file:plugin_gait"
    for name in ("left_hip_flexion", "right_knee_flexion", "pelvis_obliquity"):
        np.testing.assert_allclose(ds.angle.sel(joint=name), angles[name], atol=1e-4)
    assert float(ds.angle.sel(joint="left_hip_adduction")[0]) == pytest.approx(2.0)
    assert float(ds.angle.sel(joint="right_hip_internal_rotation")[0]) == 4.0
    np.testing.assert_allclose(  # L pelvis kept verbatim (mirrored signs)
        ds.angle.sel(joint="LPelvisAngles_y"), -angles["pelvis_obliquity"], atol=1e-4
    )
    assert ds.joint_source_name.sel(joint="left_hip_flexion") == "LHipAngles_x"
    assert "LKneeAngles_z" in ds.joint.values
    assert json.loads(ds.attrs["dropped_points"]) == ["LHipPower"]


def test_committed_c3d_events(test_data: Path) -> None:
    ds = read_c3d(test_data / "synthetic_walk.c3d")
    assert _events(ds) == [
        (1.05, "right", "foot_strike"),
        (1.2, "left", "toe_off"),
        (1.55, "left", "foot_strike"),
        (1.7, "right", "toe_off"),
    ]
    assert _log(ds)["events_ignored"]["events"] == ["General Event at 1.300 s"]


def test_y_up_c3d_is_rotated_by_the_markers(tmp_path: Path) -> None:
    write_c3d(tmp_path / "yup.c3d", y_up=True)
    with pytest.warns(StridescopeWarning, match=r"markers show \+y is up"):
        ds = read_c3d(tmp_path / "yup.c3d")
    expected = marker_positions_m()[:, :, 0]  # LASI, no gap
    np.testing.assert_allclose(
        ds.position.sel(keypoint="left_asis").values, expected, atol=1e-6
    )
    assert _log(ds)["to_lab_z_up"]["from_frame"] == "opensim_y_up"


def _tiny_c3d(
    path: Path,
    labels: tuple[str, ...],
    n_frames: int = 5,
    processing: dict[str, float] | None = None,
) -> None:
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [50.0]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = labels
    c3d["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    c3d["data"]["points"] = np.ones((4, len(labels), n_frames))
    for name, value in (processing or {}).items():
        c3d.add_parameter("PROCESSING", name, [value])
    c3d.write(str(path))


def test_processing_measurements_become_attrs_in_metres(tmp_path: Path) -> None:
    processing = {"LKneeWidth": 105.0, "RKneeWidth": 0.0, "MarkerDiameter": 14.0}
    processing |= {"Bodymass": 70.0, "RLegLength": 912.5}
    _tiny_c3d(tmp_path / "p.c3d", ("M1", "M2"), processing=processing)
    with pytest.warns(StridescopeWarning, match="assuming z is up"):
        ds = read_c3d(tmp_path / "p.c3d")
    expected = {
        "left_knee_width_m": 0.105,
        "marker_diameter_m": 0.014,
        "right_leg_length_m": 0.9125,
    }
    assert {k: v for k, v in ds.attrs.items() if k.endswith("_m")} == expected
    assert _log(ds)["subject_measurements"] == {
        "operation": "subject_measurements",
        "source": "PROCESSING",
        "from_unit": "mm",
        "attrs_m": expected,
    }
    _tiny_c3d(tmp_path / "none.c3d", ("M1",))
    with pytest.warns(StridescopeWarning, match="assuming z is up"):
        bare = read_c3d(tmp_path / "none.c3d")
    assert not any(k.endswith("_m") for k in bare.attrs)
    assert "subject_measurements" not in _log(bare)


def test_unknown_markers_warn_about_the_vertical_axis(tmp_path: Path) -> None:
    _tiny_c3d(tmp_path / "m.c3d", ("M1", "M2"))
    with pytest.warns(StridescopeWarning, match="assuming z is up"):
        ds = read_c3d(tmp_path / "m.c3d")
    assert ds.keypoint.values.tolist() == ["M1", "M2"]
    assert float(ds.time[0]) == 0.0
    assert int(ds.frame[0]) == 1


def test_bad_c3d_files(tmp_path: Path, test_data: Path) -> None:
    whole = (test_data / "synthetic_walk.c3d").read_bytes()
    cases = {
        "truncated.c3d": (whole[: len(whole) // 3], "expected 120 frames .* truncated"),
        "header_only.c3d": (whole[:100], "cannot be read as a C3D"),
        "empty.c3d": (b"", "empty"),
        "text.c3d": (b"PathFileType\t4\t(X/Y/Z)\n", "cannot be read as a C3D"),
    }
    for name, (content, match) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(InputError, match=f"^{name}: .*{match}") as info:
            read_c3d(tmp_path / name)
        assert "\n" not in str(info.value)
    _tiny_c3d(tmp_path / "powers.c3d", ("LHipPower",))
    with pytest.raises(MissingDataError, match="marker or angle"):
        read_c3d(tmp_path / "powers.c3d")


# --- real recordings -------------------------------------------------------------

PIG = "mocap-pig-walk-btk"


def test_pig_full_body_walk(shared_data: Path) -> None:
    ds = read_c3d(shared_data / PIG / "PiG_Motion-FlatFoot-Full.c3d")
    assert ds.sizes["time"] == 315
    assert ds.attrs["sampling_rate_hz"] == 100.0
    assert int(ds.frame[0]) == 148
    assert float(ds.time[0]) == pytest.approx(1.47)
    strikes_r = [1.53, 2.54, 3.57, 4.59]
    expected = (
        [(t, "right", "foot_strike") for t in strikes_r]
        + [(t, "left", "foot_strike") for t in (2.02, 3.05, 4.05)]
        + [(t, "right", "toe_off") for t in (2.12, 3.14, 4.17)]
        + [(t, "left", "toe_off") for t in (2.65, 3.66)]
    )
    assert sorted(_events(ds)) == sorted(expected)
    times = ds.event_time.values
    assert (times > float(ds.time[0])).all()
    assert (times < float(ds.time[-1])).all()
    assert {"CentreOfMass", "PELO", "c7", "left_heel"} <= set(ds.keypoint.values)
    assert "LHipPower" in json.loads(ds.attrs["dropped_points"])
    assert {"LThoraxAngles_x", "RSpineAngles_z"} <= set(ds.joint.values)
    knee = ds.angle.sel(joint="left_knee_flexion")
    assert 50 < float(knee.max()) < 65
    _check_pelvis_signs(ds)
    # PROCESSING (mm): InterAsisDistance 199.902, leg 800, ASIS-trochanter 54.48,
    # knee 105, ankle 55; no MarkerDiameter in this file.
    measured = {k: v for k, v in ds.attrs.items() if k.endswith("_m")}
    per_side = {
        "leg_length_m": 0.8,
        "asis_trochanter_distance_m": 0.05448,
        "knee_width_m": 0.105,
        "ankle_width_m": 0.055,
    }
    expected = {f"{s}_{k}": v for k, v in per_side.items() for s in ("left", "right")}
    expected["inter_asis_distance_m"] = 0.199902
    assert measured == pytest.approx(expected, abs=1e-6)
    assert _log(ds)["subject_measurements"]["from_unit"] == "mm"


def _check_pelvis_signs(ds) -> None:
    pos = ds.position
    asis = pos.sel(keypoint="right_asis") - pos.sel(keypoint="left_asis")
    walk = np.sign(float(pos.sel(keypoint="right_asis", space="x").diff("time").mean()))
    psis_minus_asis = (
        pos.sel(keypoint=["left_psis", "right_psis"]).mean("keypoint")
        - pos.sel(keypoint=["left_asis", "right_asis"]).mean("keypoint")
    ).sel(space="z")

    def corr(name: str, other) -> float:
        return float(np.corrcoef(ds.angle.sel(joint=name), other)[0, 1])

    assert corr("pelvis_obliquity", asis.sel(space="z")) > 0.9  # right side up
    assert corr("pelvis_rotation", walk * asis.sel(space="x")) > 0.9  # right fwd
    assert corr("pelvis_anterior_tilt", psis_minus_asis) > 0.9


def test_pig_lower_body_v_suffix(shared_data: Path) -> None:
    ds = read_c3d(shared_data / PIG / "PiG_Motion3_FF.c3d")
    assert ds.sizes["time"] == 293
    assert int(ds.frame[0]) == 725
    assert {"left_hip_flexion", "pelvis_rotation", "LPelvisAnglesV_y"} <= set(
        ds.joint.values
    )
    assert ds.joint_source_name.sel(joint="right_hip_flexion") == "RHipAnglesV_x"
    left = ds.angle.sel(joint="LPelvisAnglesV_y")
    np.testing.assert_allclose(left, -ds.angle.sel(joint="pelvis_obliquity"), atol=0.5)
    strikes = [t for t, side, kind in _events(ds) if kind == "foot_strike"]
    assert strikes == [7.31, 7.85, 8.38, 8.93, 9.46, 10.01]


def test_ja1_sprint_c3d(shared_data: Path) -> None:
    path = shared_data / "mocap-ja1-sprint-c3d-opensim" / "original.c3d"
    ds = read_c3d(path)
    assert (ds.sizes["time"], ds.sizes["keypoint"]) == (324, 53)
    assert ds.attrs["sampling_rate_hz"] == 250.0
    assert int(ds.frame[0]) == 833
    assert float(ds.time[0]) == pytest.approx(3.328)
    assert _log(ds)["vertical_axis"] == {
        "operation": "vertical_axis",
        "axis": "+z",
        "method": "markers",
        "upper_minus_lower_m": pytest.approx(0.9046, abs=1e-3),
    }
    assert _events(ds) == [
        (3.564, "left", "toe_off"),
        (3.68, "right", "foot_strike"),
        (3.804, "right", "toe_off"),
        (3.908, "left", "foot_strike"),
        (4.032, "left", "toe_off"),
        (4.14, "right", "foot_strike"),
        (4.264, "right", "toe_off"),
        (4.364, "left", "foot_strike"),
        (4.488, "left", "toe_off"),
        (4.6, "right", "foot_strike"),
    ]
    assert "*52" in ds.keypoint.values
    assert np.isnan(ds.position.sel(keypoint="right_toe")).any()  # 0,0,0 -> NaN
    plates = read_c3d_force_plates(path)
    assert plates.sizes["plate"] == 8
    assert plates.attrs["sampling_rate_hz"] == 1500.0
    assert float(plates.vertical_force_n.max()) == pytest.approx(2445.8, abs=1)
    assert float(plates.time[0]) == pytest.approx(3.328)
