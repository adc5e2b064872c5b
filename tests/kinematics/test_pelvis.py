"""Pelvis and trunk angles vs the progression frame (kinematics.pelvis)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError
from stridescope.io import load
from stridescope.kinematics import (
    compute_angles,
    pelvis_angles,
    trunk_angles,
    trunk_lean_from_axis,
)
from stridescope.kinematics.rotations import axis_rotation, compose
from stridescope.model.skeleton import vocabulary_name
from stridescope.model.trial import from_arrays

ISB_IN_LAB = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
PROGRESSION = ISB_IN_LAB[None]
ORDERS = ["baker", "vicon"]
AXES = ["asis_line", "anterior_axis"]


def _pelvis(rotation_isb: np.ndarray) -> np.ndarray:
    """A pelvis turned by ``rotation_isb`` (ISB axes) from neutral, facing lab +x."""
    return (ISB_IN_LAB @ rotation_isb)[None]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(
    ("axis", "angle_deg", "column", "meaning"),
    [
        ("z", -10.0, 0, "anterior axis tipped down: anterior tilt +"),
        ("x", -10.0, 1, "right ASIS raised: obliquity +"),
        ("y", 10.0, 2, "right side forward: rotation +"),
    ],
)
def test_pelvis_signs(
    order: str, axis: str, angle_deg: float, column: int, meaning: str
) -> None:
    out = pelvis_angles(
        _pelvis(axis_rotation(axis, angle_deg)), PROGRESSION, order=order
    )  # type: ignore[arg-type]
    expected = np.zeros(3)
    expected[column] = 10.0
    np.testing.assert_allclose(out[0], expected, atol=1e-12, err_msg=meaning)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(
    ("axis", "angle_deg", "column", "meaning"),
    [
        ("z", -10.0, 0, "trunk tipped forward: forward lean +"),
        ("x", 10.0, 1, "trunk leaning to the right: lateral lean +"),
        ("y", 10.0, 2, "right shoulder forward: rotation +"),
    ],
)
def test_trunk_signs(
    order: str, axis: str, angle_deg: float, column: int, meaning: str
) -> None:
    out = trunk_angles(
        _pelvis(axis_rotation(axis, angle_deg)), PROGRESSION, order=order
    )  # type: ignore[arg-type]
    expected = np.zeros(3)
    expected[column] = 10.0
    np.testing.assert_allclose(out[0], expected, atol=1e-12, err_msg=meaning)


def test_trunk_lean_from_axis_signs() -> None:
    forward = ISB_IN_LAB @ [np.sin(np.radians(10)), np.cos(np.radians(10)), 0.0]
    right = ISB_IN_LAB @ [0.0, np.cos(np.radians(5)), np.sin(np.radians(5))]
    out = trunk_lean_from_axis(
        np.stack([forward, right]), np.repeat(PROGRESSION, 2, axis=0)
    )
    np.testing.assert_allclose(out, [[10.0, 0.0], [0.0, 5.0]], atol=1e-12)


@given(
    tilt=st.floats(-30, 30), obliquity=st.floats(-20, 20), rotation=st.floats(-30, 30)
)
@settings(max_examples=40, deadline=None)
def test_each_order_inverts_its_own_sequence(
    tilt: float, obliquity: float, rotation: float
) -> None:
    baker = _pelvis(compose("yxz", [rotation, -obliquity, -tilt]))
    vicon = _pelvis(compose("zxy", [-tilt, -obliquity, rotation]))
    expected = [tilt, obliquity, rotation]
    np.testing.assert_allclose(
        pelvis_angles(baker, PROGRESSION)[0], expected, atol=1e-9
    )
    np.testing.assert_allclose(
        pelvis_angles(vicon, PROGRESSION, order="vicon")[0], expected, atol=1e-9
    )


def test_baker_obliquity_and_rotation_ignore_tilt_but_vicon_order_does_not() -> None:
    # Baker (2001): with large tilt and rotation the tilt-first sequence reports an
    # obliquity although the hips are level.
    level_hips = _pelvis(compose("yxz", [25.0, 0.0, -20.0]))
    baker = pelvis_angles(level_hips, PROGRESSION)[0]
    vicon = pelvis_angles(level_hips, PROGRESSION, order="vicon")[0]
    np.testing.assert_allclose(baker, [20.0, 0.0, 25.0], atol=1e-9)
    assert abs(vicon[1]) > 5.0


def test_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="Expected order"):
        pelvis_angles(PROGRESSION, PROGRESSION, order="isb")  # type: ignore[arg-type]


def _pelvis_trial(frames: np.ndarray, velocity: list[float]) -> xr.Dataset:
    n = len(frames)
    origin = np.outer(np.arange(n) / 100.0, velocity) + np.array([0.0, 0.0, 0.95])
    local = {
        "left_asis": [0, 0, -0.12], "right_asis": [0, 0, 0.12],
        "left_psis": [-0.16, 0.0, -0.045], "right_psis": [-0.16, 0.0, 0.045],
    }  # fmt: skip
    pos = np.stack(
        [origin + np.einsum("tij,j->ti", frames, p) for p in local.values()], axis=-1
    )
    return from_arrays(sampling_rate_hz=100.0, position=pos, keypoint_names=list(local))


def test_compute_angles_pelvis_only_trial() -> None:
    frames = np.repeat(_pelvis(compose("yxz", [7.0, -3.0, -12.0])), 6, axis=0)
    result = compute_angles(_pelvis_trial(frames, [1.3, 0.0, 0.0]))
    names = ["pelvis_anterior_tilt", "pelvis_obliquity", "pelvis_rotation"]
    np.testing.assert_allclose(
        result.angles.sel(joint=names).values, [[12.0, 3.0, 7.0]] * 6
    )
    assert "needs a left knee marker" in result.unavailable["left_hip_flexion"]
    assert "trunk_forward_lean" in result.unavailable


@pytest.mark.parametrize("axes", AXES)
@pytest.mark.parametrize("order", ORDERS)
def test_marker_moves_give_the_documented_signs(order: str, axes: str) -> None:
    frames = np.repeat(_pelvis(np.eye(3)), 6, axis=0)
    neutral = _pelvis_trial(frames, [1.2, 0.0, 0.0])
    up = np.array([0.0, 0.0, 0.02])
    raised = neutral.copy(deep=True)
    raised["position"].loc[{"keypoint": "right_asis"}] += up
    tipped = neutral.copy(deep=True)
    for asis in ("left_asis", "right_asis"):
        tipped["position"].loc[{"keypoint": asis}] -= up
    options = {"pelvis_order": order, "pelvis_axes": axes}
    oblique = compute_angles(raised, **options).angles  # type: ignore[arg-type]
    tilted = compute_angles(tipped, **options).angles  # type: ignore[arg-type]
    expected_obliquity = np.degrees(np.arctan2(0.02, 0.24))  # right ASIS raised 2 cm
    expected_tilt = np.degrees(np.arctan2(0.02, 0.16))  # both ASIS lowered 2 cm
    # Vicon's tilt-first order couples the 1 cm rise of mid-ASIS into obliquity, and
    # so does an exact anterior axis (the ASIS line is then made orthogonal to it).
    atol = 1e-9 if (order, axes) == ("baker", "asis_line") else 0.02
    np.testing.assert_allclose(
        oblique.sel(joint="pelvis_obliquity"), expected_obliquity, atol=atol
    )
    np.testing.assert_allclose(tilted.sel(joint="pelvis_anterior_tilt"), expected_tilt)


@pytest.mark.parametrize("order", ORDERS)
def test_anterior_axis_ignores_an_antisymmetric_asis_slide(order: str) -> None:
    # Skin over the ASIS sliding 1 cm forward on the left and 1 cm back on the right
    # (as with hip flexion in running) turns the ASIS line by atan(2/24) = 4.76°; the
    # ASIS midpoint, and so the anterior axis, does not move.
    frames = np.repeat(_pelvis(np.eye(3)), 6, axis=0)
    slid = _pelvis_trial(frames, [1.2, 0.0, 0.0])
    forward = np.array([0.01, 0.0, 0.0])
    slid["position"].loc[{"keypoint": "left_asis"}] += forward
    slid["position"].loc[{"keypoint": "right_asis"}] -= forward
    rotation = {
        axes: compute_angles(slid, pelvis_order=order, pelvis_axes=axes)  # type: ignore[arg-type]
        .angles.sel(joint="pelvis_rotation")
        .values
        for axes in AXES
    }
    np.testing.assert_allclose(rotation["anterior_axis"], 0.0, atol=1e-9)
    right_back = -np.degrees(np.arctan2(0.02, 0.24))  # rotation + is right forward
    np.testing.assert_allclose(rotation["asis_line"], right_back, atol=1e-9)


def test_unknown_pelvis_axes_are_refused() -> None:
    frames = np.repeat(_pelvis(np.eye(3)), 6, axis=0)
    with pytest.raises(InputError, match="Expected pelvis_axes 'anterior_axis'"):
        compute_angles(_pelvis_trial(frames, [1.2, 0.0, 0.0]), pelvis_axes="isb")  # type: ignore[arg-type]


def test_treadmill_pelvis_rotation_keeps_a_constant_turn() -> None:
    # Stationary pelvis turned 8° to the left: the lab axis nearest its heading is
    # the progression direction, so the 8° rotation is kept (not zeroed).
    frames = np.repeat(_pelvis(axis_rotation("y", 8.0)), 6, axis=0)
    result = compute_angles(_pelvis_trial(frames, [0.0, 0.0, 0.0]))
    np.testing.assert_allclose(result.angles.sel(joint="pelvis_rotation"), 8.0)
    assert result.methods["progression"].startswith("pelvis_heading+lab_axis")


# --- real data vs OpenSim inverse kinematics (lab-frame Z-X-Y = our "vicon") ------


def _read_storage(path: Path) -> dict[str, np.ndarray]:
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "endheader") + 1
    header = lines[start].split("\t")
    data = np.loadtxt(lines[start + 1 :])
    return {name.strip(): data[:, k] for k, name in enumerate(header)}


def _cuts(right_hip_flexion: np.ndarray, rate_hz: float) -> np.ndarray:
    from scipy.signal import find_peaks

    peaks, _ = find_peaks(right_hip_flexion, distance=int(0.4 * rate_hz), prominence=10)
    return peaks


def _compare(
    ours: np.ndarray, ref: np.ndarray, cuts: np.ndarray
) -> tuple[float, float]:
    r = float(np.corrcoef(ours, ref)[0, 1])
    rom = [np.ptp(ours[a:b]) - np.ptp(ref[a:b]) for a, b in itertools.pairwise(cuts)]
    return r, float(np.max(np.abs(rom)))


@pytest.fixture(scope="module")
def hamner(shared_data: Path) -> tuple[xr.Dataset, dict[str, np.ndarray]]:
    """Hamner 2013 treadmill run: LASI/RASI/LPSI/RPSI... and IK coordinates (deg)."""
    sto = _read_storage(
        shared_data / "mocap-hamner2013-s01-run3ms" / "ikTrackingData.sto"
    )
    labels = sorted(c[:-3] for c in sto if c.endswith("_tx") and not c.startswith("/"))
    pos = np.stack(
        [np.stack([sto[f"{m}_t{a}"] for a in "xyz"], -1) for m in labels], -1
    )
    ds = from_arrays(
        sampling_rate_hz=100.0, position=pos, keypoint_source_names=labels,
        keypoint_names=[vocabulary_name(m) for m in labels],
        coordinate_frame="opensim_y_up", time_s=sto["time"],
    )  # fmt: skip
    ik = {
        c.split("/")[-2]: np.degrees(v) for c, v in sto.items() if c.endswith("/value")
    }
    return ds, ik


# (our angle, IK coordinate, sign to our convention, min r, max |ROM diff| deg).
# Target r >= 0.9, ROM within 5°; obliquity misses it (soft tissue on the ASIS/PSIS
# markers; the dataset README expects r ~ 0.5) and holds the measured level.
HAMNER_ROWS = [
    ("pelvis_anterior_tilt", "pelvis_tilt", -1.0, 0.9, 5.0),
    ("pelvis_rotation", "pelvis_rotation", 1.0, 0.9, 5.0),
    ("pelvis_obliquity", "pelvis_list", -1.0, 0.45, 8.0),
]


@pytest.mark.parametrize(("ours", "ref", "sign", "min_r", "max_rom"), HAMNER_ROWS)
def test_hamner_pelvis_follows_opensim_ik(
    hamner: tuple[xr.Dataset, dict[str, np.ndarray]],
    ours: str, ref: str, sign: float, min_r: float, max_rom: float,
) -> None:  # fmt: skip
    ds, ik = hamner
    result = compute_angles(ds, pelvis_order="vicon")
    r, rom = _compare(
        result.angles.sel(joint=ours).values,
        sign * ik[ref],
        _cuts(ik["hip_flexion_r"], 100.0),
    )
    assert r >= min_r
    assert rom <= max_rom


def test_hamner_treadmill_progression_and_unavailable(
    hamner: tuple[xr.Dataset, dict[str, np.ndarray]],
) -> None:
    result = compute_angles(hamner[0])
    assert result.methods["progression"].startswith(
        "heel_to_toe+lab_axis: x = (1.000, 0.000"
    )
    # No knee markers in the file: the thigh cluster cannot be calibrated.
    assert result.unavailable["right_hip_flexion"].endswith(
        "(thigh cluster RTH1, RTH2, RTH3 found, but calibrating it needs a knee marker)"
    )
    assert "trunk_rotation" in result.unavailable  # C7 but no T8/T10 or jugular notch
    assert "trunk_forward_lean" in result.angles.joint


@pytest.fixture(scope="module")
def ja1(shared_data: Path) -> tuple[xr.Dataset, dict[str, np.ndarray]]:
    """JA1 overground run: AIS markers (TRC, mm, y-up) and IK coordinates (deg)."""
    path = shared_data / "mocap-ja1-run350-opensim" / "run0350cms.trc"
    ds = load(path)
    return ds, _read_storage(path.with_suffix(".mot"))


# JA1 pelvis with the default anterior axis: tilt r 0.955, ROM +2.0..+2.2; rotation
# r 0.879, ROM +0.2..+2.4, just short of the r >= 0.9 target. With the ASIS line as
# the exact axis, rotation falls to r 0.252: the LASI-RASI-SACR triangle deforms in
# step with the hips, which turns the ASIS line by ~6° per stride against IK's 4.5°
# rotation wave (see the diagnostic test below and docs/kinematics.md).
JA1_ROWS = [
    ("pelvis_anterior_tilt", "pelvis_tilt", -1.0, 0.9, 5.0),
    ("pelvis_rotation", "pelvis_rotation", 1.0, 0.85, 5.0),
]


@pytest.mark.parametrize(("ours", "ref", "sign", "min_r", "max_rom"), JA1_ROWS)
def test_ja1_pelvis_follows_opensim_ik(
    ja1: tuple[xr.Dataset, dict[str, np.ndarray]],
    ours: str, ref: str, sign: float, min_r: float, max_rom: float,
) -> None:  # fmt: skip
    ds, mot = ja1
    result = compute_angles(ds, pelvis_order="vicon")
    r, rom = _compare(
        result.angles.sel(joint=ours).values,
        sign * mot[ref],
        _cuts(mot["hip_flexion_r"], 250.0),
    )
    assert r >= min_r
    assert rom <= max_rom


def test_ja1_rotation_miss_follows_the_asis_sacrum_deformation(
    ja1: tuple[xr.Dataset, dict[str, np.ndarray]],
) -> None:
    # Diagnostic behind the xfail below: distances between markers on one rigid
    # pelvis change by 13-14 mm per stride, in step with hip flexion; their
    # antisymmetric part, as a yaw of the ASIS line, explains our - IK rotation.
    ds, mot = ja1
    pos = {k: ds.position.sel(keypoint=k).values for k in ("left_asis", "right_asis")}
    sacrum = ds.position.sel(keypoint="sacrum").values
    to_sacrum = {k: np.linalg.norm(p - sacrum, axis=1) for k, p in pos.items()}
    width = float(
        np.median(np.linalg.norm(pos["left_asis"] - pos["right_asis"], axis=1))
    )
    for side, other in (("left", "right"), ("right", "left")):
        distance = to_sacrum[f"{side}_asis"]
        assert np.ptp(distance) > 0.012  # measured 13.3 mm (left), 14.3 mm (right)
        assert np.corrcoef(distance, mot[f"hip_flexion_{other[0]}"])[0, 1] > 0.85
    yaw = np.degrees(
        np.arcsin((to_sacrum["left_asis"] - to_sacrum["right_asis"]) / width)
    )
    rotation = {
        axes: compute_angles(ds, pelvis_order="vicon", pelvis_axes=axes)  # type: ignore[arg-type]
        .angles.sel(joint="pelvis_rotation")
        .values
        for axes in AXES
    }
    miss = rotation["asis_line"] - mot["pelvis_rotation"]
    assert np.corrcoef(miss, yaw)[0, 1] < -0.9  # measured -0.93
    # The anterior axis cancels the antisymmetric slide: the miss no longer follows it.
    miss = rotation["anterior_axis"] - mot["pelvis_rotation"]
    assert abs(np.corrcoef(miss, yaw)[0, 1]) < 0.4  # measured -0.21


@pytest.mark.xfail(
    strict=True, reason="pelvis obliquity (Hamner) / rotation (JA1) vs IK"
)
def test_pelvis_meets_the_issue_target_on_both_runs(
    hamner: tuple[xr.Dataset, dict[str, np.ndarray]],
    ja1: tuple[xr.Dataset, dict[str, np.ndarray]],
) -> None:
    for (ds, ref), rows, rate in ((hamner, HAMNER_ROWS, 100.0), (ja1, JA1_ROWS, 250.0)):
        angles = compute_angles(ds, pelvis_order="vicon").angles
        for ours, col, sign, _, _ in rows:
            r, rom = _compare(
                angles.sel(joint=ours).values,
                sign * ref[col],
                _cuts(ref["hip_flexion_r"], rate),
            )
            assert r >= 0.9
            assert rom <= 5.0
