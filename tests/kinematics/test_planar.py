"""Tests of planar (2D) angles from image keypoints: signs per view, symmetry."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError, MissingDataError
from stridescope.kinematics.planar import (
    FRONTAL_ANGLES,
    PLANAR_ANGLES,
    SIDE_ANGLES,
    WORLD_ANGLES,
    compute_planar_angles,
    leg_length,
)
from stridescope.model.trial import from_arrays

N = 4
HIP = np.array([500.0, 400.0])


def _polar(angle_deg: float, length: float, forward: float) -> np.ndarray:
    """Image vector at ``angle_deg`` from straight down, toward ``forward`` (x sign)."""
    a = np.radians(angle_deg)
    return length * np.array([forward * np.sin(a), np.cos(a)])


def _trial(points: dict[str, np.ndarray], world: dict[str, np.ndarray] | None = None):
    names = list(points)
    pos = np.stack([np.broadcast_to(points[n], (N, 2)) for n in names], axis=2)
    ds = from_arrays(
        sampling_rate_hz=30.0,
        position=pos,
        keypoint_names=names,
        confidence=np.ones((N, len(names))),
        space_unit="px",
        coordinate_frame="image_y_down",
    )
    if world is not None:
        xyz = np.stack([np.broadcast_to(world[n], (N, 3)) for n in names], axis=2)
        ds = ds.assign(
            world_position=(("time", "world_space", "keypoint"), xyz)
        ).assign_coords(world_space=["x", "y", "z"])
    return ds


def _side_runner(forward: float, thigh: float = 30.0, knee: float = 40.0):
    """A runner travelling toward image x sign ``forward`` with known angles."""
    pts = {"left_hip": HIP, "right_hip": HIP + np.array([2.0, 0.0])}
    for side, extra in (("left", 0.0), ("right", -10.0)):
        hip = pts[f"{side}_hip"]
        k = hip + _polar(thigh + extra, 200.0, forward)
        pts[f"{side}_knee"] = k
        pts[f"{side}_ankle"] = k + _polar(thigh + extra - knee, 180.0, forward)
    # Shoulders 8° ahead of the hips.
    top = HIP + np.array([1.0, 0.0]) - _polar(-8.0, 250.0, forward)
    pts |= {"left_shoulder": top, "right_shoulder": top + np.array([2.0, 0.0])}
    return pts


def _angle(result, joint: str) -> float:
    return float(result.angles.sel(joint=joint)[0])


@pytest.mark.parametrize(
    ("view", "forward"), [("side-left", -1.0), ("side-right", 1.0)]
)
def test_side_view_angles_have_exact_values_and_signs(view: str, forward: float):
    result = compute_planar_angles(_trial(_side_runner(forward)), view=view)
    assert _angle(result, "left_thigh_angle") == pytest.approx(30.0)
    assert _angle(result, "right_thigh_angle") == pytest.approx(20.0)
    assert _angle(result, "left_knee_flexion") == pytest.approx(40.0)
    assert _angle(result, "trunk_forward_lean") == pytest.approx(8.0, abs=0.5)
    assert set(result.unavailable) == set(FRONTAL_ANGLES) | set(WORLD_ANGLES)
    assert result.unavailable["pelvis_obliquity"] == (
        f"needs a rear or front view; this clip is {view}"
    )


def test_thigh_behind_the_hip_is_negative_extension():
    pts = _side_runner(-1.0, thigh=-15.0, knee=10.0)
    result = compute_planar_angles(_trial(pts), view="side-left")
    assert _angle(result, "left_thigh_angle") == pytest.approx(-15.0)
    assert _angle(result, "left_knee_flexion") == pytest.approx(10.0)


def test_side_views_are_mirror_images():
    pts = _side_runner(-1.0)
    mirrored = {k: np.array([1000.0 - v[0], v[1]]) for k, v in pts.items()}
    left = compute_planar_angles(_trial(pts), view="side-left").angles
    right = compute_planar_angles(_trial(mirrored), view="side-right").angles
    np.testing.assert_allclose(left.values, right.values, atol=1e-9)
    wrong = compute_planar_angles(_trial(mirrored), view="side-left").angles
    assert float(wrong.sel(joint="left_thigh_angle")[0]) == pytest.approx(-30.0)


def _frontal_runner(right_x: float) -> dict[str, np.ndarray]:
    """Runner's right hip 4 px higher, trunk leaning to the right, right knee in."""
    right = np.array([right_x, 0.0])
    pts = {
        "left_hip": HIP - 50 * right + [0.0, 2.0],
        "right_hip": HIP + 50 * right - [0.0, 2.0],
        "left_shoulder": HIP - 80 * right + [0.0, -300.0],
        "right_shoulder": HIP + 80 * right + [0.0, -303.0],
    }
    lean = np.radians(5.0)
    for side in ("left_shoulder", "right_shoulder"):
        pts[side] = pts[side] + 300 * np.tan(lean) * right
    pts["left_knee"] = pts["left_hip"] + [0.0, 200.0]
    pts["right_knee"] = pts["right_hip"] + 200 * np.array(
        [-right_x * np.sin(np.radians(10)), np.cos(np.radians(10))]
    )
    return pts


@pytest.mark.parametrize(("view", "right_x"), [("rear", 1.0), ("front", -1.0)])
def test_frontal_angles_follow_the_runner_not_the_image(view: str, right_x: float):
    result = compute_planar_angles(_trial(_frontal_runner(right_x)), view=view)
    obliquity = np.degrees(np.arctan2(4.0, 100.0))
    assert _angle(result, "pelvis_obliquity") == pytest.approx(obliquity)
    assert _angle(result, "shoulder_obliquity") == pytest.approx(
        np.degrees(np.arctan2(3.0, 160.0))
    )
    assert _angle(result, "trunk_lateral_lean") == pytest.approx(5.0, abs=0.5)
    # Thigh vs the hip line's perpendicular: with the left side dropped, the
    # right hip adducts and the left abducts by the obliquity (pelvic drop).
    assert _angle(result, "right_hip_adduction_proxy") == pytest.approx(
        10.0 + obliquity, abs=1e-6
    )
    assert _angle(result, "left_hip_adduction_proxy") == pytest.approx(
        -obliquity, abs=1e-6
    )
    assert set(result.unavailable) == set(SIDE_ANGLES) | set(WORLD_ANGLES)
    assert result.unavailable["left_thigh_angle"] == (
        f"needs a side view; this clip is {view}"
    )


def test_rear_and_front_are_mirror_images():
    pts = _frontal_runner(1.0)
    mirrored = {k: np.array([1000.0 - v[0], v[1]]) for k, v in pts.items()}
    rear = compute_planar_angles(_trial(pts), view="rear").angles
    front = compute_planar_angles(_trial(mirrored), view="front").angles
    np.testing.assert_allclose(rear.values, front.values, atol=1e-9)


@pytest.mark.parametrize(
    ("view", "forward"),
    [
        ("rear", (0.0, 0.0, 1.0)),
        ("front", (0.0, 0.0, -1.0)),
        ("side-left", (-1.0, 0.0, 0.0)),
        ("side-right", (1.0, 0.0, 0.0)),
    ],
)
def test_rotations_are_positive_with_the_right_side_forward(view, forward):
    forward = np.array(forward)
    right = np.cross(forward, [0.0, -1.0, 0.0])  # forward x up, y is down
    hips = {"left_hip": -0.1 * right, "right_hip": 0.1 * right + 0.02 * forward}
    shoulders = {
        "left_shoulder": -0.2 * right + 0.05 * forward,
        "right_shoulder": 0.2 * right - 0.05 * forward,
    }
    world = hips | shoulders
    image = {k: np.array([500.0 + 10 * i, 400.0]) for i, k in enumerate(world)}
    result = compute_planar_angles(_trial(image, world), view=view)
    assert _angle(result, "pelvis_rotation") == pytest.approx(
        np.degrees(np.arctan2(0.02, 0.2))
    )
    assert _angle(result, "shoulder_rotation") == pytest.approx(
        np.degrees(np.arctan2(-0.1, 0.4))
    )
    assert result.methods["rotation"].startswith("yaw")


def test_oblique_view_gives_reasons_for_everything():
    result = compute_planar_angles(_trial(_side_runner(1.0)), view="oblique")
    assert result.angles.sizes["joint"] == 0
    assert set(result.unavailable) == set(PLANAR_ANGLES)
    assert "oblique" in result.unavailable["left_thigh_angle"]
    assert "world_position" in result.unavailable["pelvis_rotation"]


def test_missing_keypoints_are_named():
    pts = {k: v for k, v in _side_runner(1.0).items() if "shoulder" not in k}
    result = compute_planar_angles(_trial(pts), view="side-right")
    assert "left/right_shoulder" in result.unavailable["trunk_forward_lean"]
    assert "left_thigh_angle" in result.angles["joint"].values.tolist()


def test_nan_keypoints_give_nan_angles_not_zero():
    ds = _trial(_side_runner(1.0))
    pos = ds["position"].values.copy()
    pos[1, :, ds.indexes["keypoint"].get_loc("left_knee")] = np.nan
    ds = ds.assign(position=(ds["position"].dims, pos))
    thigh = compute_planar_angles(ds, view="side-right").angles.sel(
        joint="left_thigh_angle"
    )
    assert np.isnan(thigh[1])
    assert np.isfinite(thigh[0])


def test_errors_for_3d_trials_and_unknown_views():
    with pytest.raises(InputError, match="Expected view in"):
        compute_planar_angles(_trial(_side_runner(1.0)), view="top")
    ds3d = from_arrays(
        sampling_rate_hz=100.0,
        position=np.zeros((3, 3, 1)),
        keypoint_names=["left_hip"],
    )
    with pytest.raises(InputError, match="Expected 2D image keypoints"):
        compute_planar_angles(ds3d, view="side-left")


def test_leg_length_takes_the_longer_side():
    pts = _side_runner(1.0)
    assert leg_length(_trial(pts)) == pytest.approx(380.0)
    no_ankles = {k: v for k, v in pts.items() if "ankle" not in k}
    with pytest.raises(MissingDataError, match="hip, knee and ankle"):
        leg_length(_trial(no_ankles))


def _transformed(ds: xr.Dataset, scale: float, dx: float, dy: float) -> xr.Dataset:
    shift = np.array([dx, dy])[None, :, None]
    return ds.assign(
        position=(ds["position"].dims, scale * ds["position"].values + shift)
    )


@settings(max_examples=25, deadline=None)
@given(
    scale=st.floats(0.05, 20.0),
    dx=st.floats(-5000.0, 5000.0),
    dy=st.floats(-5000.0, 5000.0),
    view=st.sampled_from(["side-left", "side-right", "rear", "front"]),
)
def test_angles_do_not_change_under_translation_or_scaling(scale, dx, dy, view):
    pts = _side_runner(1.0) | {
        k: v for k, v in _frontal_runner(1.0).items() if "knee" not in k
    }
    ds = _trial(pts)
    before = compute_planar_angles(ds, view=view).angles
    after = compute_planar_angles(_transformed(ds, scale, dx, dy), view=view).angles
    np.testing.assert_allclose(after.values, before.values, atol=1e-6)
