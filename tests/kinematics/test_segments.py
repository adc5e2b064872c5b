"""Segment frames, hip and knee centres, progression frame (kinematics.segments)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from stridescope.errors import InputError
from stridescope.kinematics.rotations import axis_rotation
from stridescope.kinematics.segments import (
    Keypoints,
    chord_knee_centre,
    davis_hip_centre_offset,
    femur_frame,
    harrington_hip_centre_offset,
    hip_centres,
    pelvis_frame,
    pelvis_frame_from_hips,
    pelvis_width_depth,
    progression_direction,
    progression_frame,
    thorax_frame,
)
from stridescope.model.trial import from_arrays

#: ISB axes (x anterior, y up, z right) of a subject facing lab +x, lab z up.
ISB_IN_LAB = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def _lab(points_isb: list[list[float]]) -> np.ndarray:
    """ISB-frame points (metres) -> lab coordinates, one frame each."""
    return np.asarray(points_isb, dtype=float) @ ISB_IN_LAB.T


def test_pelvis_frame_of_a_neutral_pelvis_is_the_isb_frame() -> None:
    lasi, rasi, lpsi, rpsi = _lab(
        [[0, 0, -0.12], [0, 0, 0.12], [-0.16, 0.05, -0.04], [-0.16, 0.05, 0.04]]
    )
    frame = pelvis_frame(lasi[None], rasi[None], 0.5 * (lpsi + rpsi)[None])
    # PSIS 5 cm higher than ASIS: the anterior axis points down (anterior tilt).
    tilt = axis_rotation("z", -np.degrees(np.arctan2(0.05, 0.16)))
    np.testing.assert_allclose(frame[0], ISB_IN_LAB @ tilt, atol=1e-12)


def test_pelvis_frame_from_hips_uses_hip_line_and_trunk_point() -> None:
    lhip, rhip, top = _lab([[0, 0, -0.09], [0, 0, 0.09], [0.05, 0.5, 0.0]])
    frame = pelvis_frame_from_hips(lhip[None], rhip[None], top[None])
    np.testing.assert_allclose(frame[0][:, 2], ISB_IN_LAB[:, 2], atol=1e-12)
    assert frame[0][2, 1] > 0.99  # y points up the trunk


def test_pelvis_width_depth_are_medians_and_nan_safe() -> None:
    lasi = np.array([[0, 0.12, 0], [0, 0.13, 0], [np.nan] * 3])
    rasi = np.array([[0, -0.12, 0], [0, -0.12, 0], [0, -0.12, 0]])
    back = np.array([[-0.16, 0, 0]] * 3)
    width, depth = pelvis_width_depth(lasi, rasi, back)
    assert width == pytest.approx(0.245)
    assert depth == pytest.approx(np.median([0.16, np.hypot(0.16, 0.005)]))
    assert np.isnan(pelvis_width_depth(lasi[2:], rasi[2:], back[2:])[0])


def test_harrington_offsets_follow_the_regression_and_sides() -> None:
    right = harrington_hip_centre_offset(0.24, 0.16, "right")
    left = harrington_hip_centre_offset(0.24, 0.16, "left")
    np.testing.assert_allclose(right * 1000, [-48.3, -82.9, 86.5], atol=0.01)
    np.testing.assert_allclose(left, right * [1, 1, -1])


def test_davis_offset_matches_plug_in_gait_hip_centre() -> None:
    # PiG_Motion-FlatFoot-Full subject; Vicon's HJC recovered from its segment axes
    # is (-38.64, -83.32, ±63.18) mm from mid-ASIS.
    offset = davis_hip_centre_offset(
        pelvis_width_m=0.1999,
        leg_length_m=0.800,
        asis_trochanter_distance_m=0.05448,
        marker_diameter_m=0.016,
        side="left",
    )
    np.testing.assert_allclose(offset * 1000, [-38.64, -83.32, -63.18], atol=0.5)


def test_hip_centres_rotate_with_the_pelvis() -> None:
    pelvis = (ISB_IN_LAB @ axis_rotation("y", 30.0))[None]
    origin = np.array([[1.0, 2.0, 0.9]])
    offset = np.array([0.0, 0.0, 0.1])
    hips = hip_centres(pelvis, origin, {"right": offset})
    np.testing.assert_allclose(hips["right"][0], origin[0] + pelvis[0][:, 2] * 0.1)


def test_chord_knee_centre_recovers_the_knee_centre() -> None:
    # Right thigh, flexed 40° and abducted 10°: knee centre at the femur origin.
    femur = ISB_IN_LAB @ axis_rotation("z", 40.0) @ axis_rotation("x", -10.0)
    knee = np.array([0.3, -0.1, 0.5])
    hip = knee + femur @ [0, 0.42, 0]
    lateral = knee + femur @ [0, 0, 0.055]
    wand = knee + femur @ [0.0, 0.2, 0.09]
    out = chord_knee_centre(
        hip[None], lateral[None], (wand - lateral)[None], offset_m=0.055
    )
    np.testing.assert_allclose(out[0], knee, atol=1e-12)


@pytest.mark.parametrize("side", ["left", "right"])
def test_femur_frame_z_points_right_on_both_sides(side: str) -> None:
    sign = 1.0 if side == "right" else -1.0
    hip, knee, lateral = _lab(
        [[0, 0.9, 0.09 * sign], [0, 0.5, 0.09 * sign], [0, 0, 0.05 * sign]]
    )
    frame = femur_frame(hip[None], knee[None], lateral[None], side=side)  # type: ignore[arg-type]
    np.testing.assert_allclose(frame[0], ISB_IN_LAB, atol=1e-12)


def test_thorax_frame_follows_wu_2005() -> None:
    c7, t8, ij, px = _lab(
        [[-0.1, 0.05, 0], [-0.1, -0.2, 0], [0.06, 0.05, 0], [0.06, -0.2, 0]]
    )
    frame = thorax_frame(c7[None], t8[None], ij[None], xiphoid=px[None])
    np.testing.assert_allclose(frame[0], ISB_IN_LAB, atol=1e-12)
    no_px = thorax_frame(c7[None], t8[None], ij[None])
    assert no_px[0][:, 1] @ ISB_IN_LAB[:, 0] > 0.1  # y leans forward without PX
    np.testing.assert_allclose(no_px[0][:, 2], ISB_IN_LAB[:, 2], atol=1e-12)


def _walk(velocity: list[float], n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    time_s = np.arange(n) / 100.0
    origin = np.outer(time_s, velocity) + np.array([0.0, 0.0, 0.9])
    return origin, time_s


def test_progression_follows_mean_pelvis_velocity() -> None:
    origin, time_s = _walk([1.0, 1.0, 0.0])
    direction, rule = progression_direction(origin, time_s)
    np.testing.assert_allclose(direction, [2**-0.5, 2**-0.5, 0.0])
    assert rule == "pelvis_velocity"
    tilted, time_s = _walk([1.0, 0.4, 0.0])
    snapped, rule = progression_direction(tilted, time_s, snap_to_lab_axis=True)
    assert rule == "pelvis_velocity+lab_axis"
    np.testing.assert_allclose(snapped, [1.0, 0.0, 0.0])


def test_progression_on_a_treadmill_snaps_the_feet_direction_to_a_lab_axis() -> None:
    origin, time_s = _walk([0.01, 0.0, 0.0])
    toe_out = [np.tile([-np.cos(0.3), np.sin(0.3), 0.0], (50, 1))]
    direction, rule = progression_direction(origin, time_s, foot_vectors=toe_out)
    np.testing.assert_allclose(direction, [-1.0, 0.0, 0.0])
    assert rule == "heel_to_toe+lab_axis"
    heading = np.tile([0.1, -1.0, 0.0], (50, 1))
    direction, rule = progression_direction(origin, time_s, pelvis_forward=heading)
    np.testing.assert_allclose(direction, [0.0, -1.0, 0.0])
    assert rule == "pelvis_heading+lab_axis"
    with pytest.raises(ValueError, match="direction of progression"):
        progression_direction(origin, time_s)


def test_progression_frame_is_forward_up_right() -> None:
    frame = progression_frame(np.array([0.0, 1.0, 0.0]), 3)
    assert frame.shape == (3, 3, 3)
    np.testing.assert_allclose(frame[0], [[0, 0, 1], [1, 0, 0], [0, 1, 0]], atol=1e-12)


def _trial(**kwargs: object) -> xr.Dataset:
    pos = np.zeros((4, 3, 2))
    pos[:, 1, 1] = 1.0
    return from_arrays(
        sampling_rate_hz=100.0,
        position=pos,
        keypoint_names=["a", "b"],
        **kwargs,  # type: ignore[arg-type]
    )


def test_keypoints_convert_opensim_axes_and_drop_unseen_points() -> None:
    ds = _trial(coordinate_frame="opensim_y_up")
    ds["position"].loc[{"keypoint": "a"}] = np.nan
    kp = Keypoints.from_trial(ds)
    assert kp.get("a") is None
    np.testing.assert_allclose(kp.get("b")[0], [0.0, 0.0, 1.0])  # type: ignore[index]
    assert kp.first("a", "b")[0] == "b"  # type: ignore[index]


@pytest.mark.parametrize(
    "kwargs",
    [{"space_unit": "px"}, {"coordinate_frame": "image_y_down"}],
)
def test_keypoints_refuse_pixels_and_images(kwargs: dict[str, str]) -> None:
    with pytest.raises(InputError, match="Expected 3D positions in metres"):
        Keypoints.from_trial(_trial(**kwargs))
