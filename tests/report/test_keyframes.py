"""Keyframe pictures: when to show the runner, and the skeleton drawn over a still."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import to_rgb

from stridescope.errors import InputError
from stridescope.model.trial import Event, from_arrays
from stridescope.report.keyframes import (
    KeyframeTime,
    angles_at,
    choose_keyframe_times,
    crop_to_runner,
    draw_skeleton,
    image_to_data_uri,
    keypoints_at,
)
from stridescope.report.plots import SIDE_COLOURS

#: A runner standing in a 300 x 200 image (x right, y down), facing image-left.
POSE = {
    "left_shoulder": (90.0, 60.0),
    "right_shoulder": (120.0, 60.0),
    "left_hip": (90.0, 150.0),
    "right_hip": (120.0, 150.0),
    "left_knee": (80.0, 210.0),
    "right_knee": (120.0, 210.0),
    "left_ankle": (85.0, 270.0),
    "right_ankle": (140.0, 260.0),
}


def events() -> list[Event]:
    """Two stances per side: strikes at 0.1/0.8 (right) and 0.45/1.15 (left)."""
    out = []
    for side, first in (("right", 0.1), ("left", 0.45)):
        for start in (first, first + 0.7):
            out.append(Event(start, side, "foot_strike", "file"))
            out.append(Event(start + 0.25, side, "toe_off", "file"))
    return sorted(out, key=lambda e: e.time_s)


def test_keyframe_times_are_strike_mid_stance_and_toe_off_per_side() -> None:
    chosen = choose_keyframe_times(events())
    # middle of 0.1 .. 1.4 is 0.75: right strikes at 0.8, left at 0.45 (vs 1.15)
    phases = ("foot_strike", "mid_stance", "toe_off")
    assert [(k.side, k.phase) for k in chosen] == [
        (side, phase) for side in ("left", "right") for phase in phases
    ]
    assert [k.time_s for k in chosen] == pytest.approx(
        [0.45, 0.575, 0.7, 0.8, 0.925, 1.05]
    )
    assert all(isinstance(k, KeyframeTime) for k in chosen)
    assert [k.label for k in chosen[:3]] == [
        "left foot strike",
        "left mid-stance",
        "left toe-off",
    ]


def test_keyframe_times_from_report_json_events_and_missing_sides() -> None:
    as_dicts = [
        {"side": e.side, "kind": e.kind, "time_s": e.time_s, "source": "file"}
        for e in events()
        if e.side == "left"
    ]
    chosen = choose_keyframe_times(as_dicts)
    assert {k.side for k in chosen} == {"left"}
    assert choose_keyframe_times([]) == []


def px_trial() -> xr.Dataset:
    names = list(POSE)
    pos = np.array([[POSE[n] for n in names]], dtype=float).transpose(0, 2, 1)
    pos = np.repeat(pos, 3, axis=0)
    pos[1] += 5.0
    pos[2, :, names.index("left_knee")] = np.nan
    angle = np.array([[10.0, 20.0], [11.0, 21.0], [12.0, np.nan]])
    return from_arrays(
        position=pos,
        keypoint_names=names,
        angle=angle,
        joint_names=["left_knee_flexion", "trunk_forward_lean"],
        sampling_rate_hz=30.0,
        space_unit="px",
        coordinate_frame="image_y_down",
    )


def test_keypoints_and_angles_at_the_nearest_sample() -> None:
    trial = px_trial()
    at = keypoints_at(trial, 0.04)  # nearest sample: 1/30 s
    assert at["left_hip"] == (95.0, 155.0)
    last = keypoints_at(trial, 10.0)
    assert "left_knee" not in last
    assert "right_knee" in last
    assert angles_at(trial["angle"], 0.04) == {
        "left_knee_flexion": 11.0,
        "trunk_forward_lean": 21.0,
    }
    assert angles_at(trial["angle"], 1.0) == {"left_knee_flexion": 12.0}


def test_keypoints_need_a_pixel_trial() -> None:
    trial = px_trial().assign_attrs(space_unit="m")
    with pytest.raises(InputError, match="position' in px"):
        keypoints_at(trial, 0.0)


def colour_at(image: np.ndarray, x: float, y: float) -> np.ndarray:
    return image[round(y), round(x)].astype(float) / 255


def test_skeleton_is_drawn_in_the_side_colours_on_a_copy() -> None:
    image = np.zeros((300, 200, 3), np.uint8)
    out = draw_skeleton(image, POSE, angles={})
    assert out.shape == image.shape
    assert out.dtype == np.uint8
    assert not image.any()  # the input is not changed
    mid_left_shank = colour_at(out, 82.5, 240.0)
    mid_right_thigh = colour_at(out, 120.0, 180.0)
    np.testing.assert_allclose(mid_left_shank, to_rgb(SIDE_COLOURS["left"]), atol=0.05)
    np.testing.assert_allclose(
        mid_right_thigh, to_rgb(SIDE_COLOURS["right"]), atol=0.05
    )
    hip_line = colour_at(out, 105.0, 150.0)
    assert hip_line.min() > 0.9  # the midline is white


def test_angles_are_drawn_as_labelled_arcs_or_listed() -> None:
    image = np.full((300, 200, 3), 40, np.uint8)
    plain = draw_skeleton(image, POSE, angles={})
    with_knee = draw_skeleton(image, POSE, angles={"left_knee_flexion": 25.0})
    with_other = draw_skeleton(image, POSE, angles={"pelvis_obliquity": 3.0})
    changed = np.argwhere((with_knee != plain).any(axis=2))
    assert changed.size  # arc and label near the knee
    assert np.hypot(*(changed.mean(axis=0) - (210, 80))) < 60
    corner = (with_other != plain).any(axis=2)[:40, :120]
    assert corner.any()  # undrawable angles are listed top-left


def test_skeleton_needs_an_rgb_image() -> None:
    with pytest.raises(InputError, match="RGB uint8 image"):
        draw_skeleton(np.zeros((10, 10), np.uint8), POSE, angles={})


def test_crop_to_runner_shrinks_and_moves_keypoints() -> None:
    image = np.zeros((2000, 1000, 3), np.uint8)
    points = {k: (x * 2 + 300, y * 3 + 600) for k, (x, y) in POSE.items()}
    crop, moved = crop_to_runner(image, points, max_height_px=400)
    # runner 630 px tall + 2 x 189 px margin = 1008 px, shrunk by 3 to 336 px
    assert crop.shape[0] == 336
    assert crop.dtype == np.uint8
    dy = moved["left_hip"][1] - moved["left_shoulder"][1]
    assert dy == pytest.approx(90 * 3 / 3)
    xs = [x for x, _ in moved.values()]
    ys = [y for _, y in moved.values()]
    assert min(xs) >= 0
    assert max(xs) <= crop.shape[1]
    assert min(ys) >= 0
    assert max(ys) <= crop.shape[0]


def test_image_to_data_uri_is_a_jpeg() -> None:
    uri = image_to_data_uri(np.zeros((8, 8, 3), np.uint8))
    prefix = "data:image/jpeg;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :])[:2] == b"\xff\xd8"
