"""Tests of view detection from keypoint geometry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InsufficientDataError, MissingDataError
from stridescope.model.trial import from_arrays
from stridescope.processing.view import (
    ViewResult,
    detect_direction_changes,
    detect_view,
)

#: Body points in metres: (forward, left, up) for the left side; the right side
#: mirrors ``left``. Unsided points have left = 0.
SIDED = {
    "shoulder": (0.0, 0.19, 1.45),
    "elbow": (-0.05, 0.22, 1.15),
    "wrist": (0.1, 0.2, 0.95),
    "hip": (0.0, 0.10, 0.95),
    "knee": (0.03, 0.10, 0.52),
    "ankle": (0.0, 0.10, 0.09),
    "heel": (-0.06, 0.10, 0.03),
    "foot_index": (0.18, 0.11, 0.0),
    "eye": (0.08, 0.035, 1.67),
    "ear": (-0.01, 0.075, 1.63),
}
UNSIDED = {"nose": (0.1, 0.0, 1.63), "neck": (0.0, 0.0, 1.5), "mid_hip": (0, 0, 0.95)}
COCO_17 = [
    "nose",
    *(f"{side}_{p}" for p in ("eye", "ear") for side in ("left", "right")),
    *(
        f"{side}_{p}"
        for p in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
        for side in ("left", "right")
    ),
]


def filmed_runner(
    yaw_deg: float,
    *,
    n_frames: int = 30,
    tilt_deg: float = 10.0,
    names: list[str] | None = None,
) -> xr.Dataset:
    """A runner filmed by a camera tilted down by ``tilt_deg`` (orthographic, px).

    ``yaw_deg`` is the direction the runner faces in the camera's ground plane:
    0 image-right, 90 away from the camera, 180 image-left, 270 toward the camera.
    """
    yaw, tilt = np.deg2rad(yaw_deg), np.deg2rad(tilt_deg)
    forward = np.array(
        [np.cos(yaw), 0.0, np.sin(yaw)]
    )  # camera x right, y down, z away
    up = np.array([0.0, -1.0, 0.0])
    left = -np.cross(forward, up)
    swing = 0.25 * np.sin(2 * np.pi * 1.4 * np.arange(n_frames) / 30.0)
    points: dict[str, np.ndarray] = {}
    for part, (a, b, c) in SIDED.items():
        for side, sign in (("left", 1.0), ("right", -1.0)):
            moving = part in ("knee", "ankle", "heel", "foot_index")
            a_t = a + (sign * swing if moving else 0 * swing)
            points[f"{side}_{part}"] = a_t[:, None] * forward + sign * b * left + c * up
    for name, (a, _, c) in UNSIDED.items():
        points[name] = np.tile(a * forward + c * up, (n_frames, 1))
    keep = names or list(points)
    xyz = np.stack([points[name] for name in keep], axis=2)  # (time, 3, keypoint)
    image_x = xyz[:, 0]
    image_y = xyz[:, 1] * np.cos(tilt) - xyz[:, 2] * np.sin(tilt)
    pos = np.stack([image_x, image_y], axis=1) * 400.0 + np.array([[360], [900]])
    return from_arrays(
        sampling_rate_hz=30.0,
        position=pos,
        keypoint_names=keep,
        confidence=np.full((n_frames, len(keep)), 0.9),
        space_unit="px",
        coordinate_frame="image_y_down",
    )


def mirrored(ds: xr.Dataset, width_px: float) -> xr.Dataset:
    out = ds.copy()
    out["position"] = ds.position * xr.DataArray([-1.0, 1.0], dims="space") + (
        xr.DataArray([width_px, 0.0], dims="space")
    )
    return out


@pytest.mark.parametrize(
    ("yaw_deg", "view"),
    [
        (180.0, "side-left"),
        (0.0, "side-right"),
        (90.0, "rear"),
        (270.0, "front"),
        (225.0, "oblique"),
        (160.0, "side-left"),
        (20.0, "side-right"),
        (100.0, "rear"),
        (290.0, "front"),
    ],
)
def test_views_of_a_filmed_runner(yaw_deg: float, view: str) -> None:
    result = detect_view(filmed_runner(yaw_deg))
    assert isinstance(result, ViewResult)
    assert result.view == view
    assert 0.0 <= result.confidence <= 1.0
    if view != "oblique":
        assert result.confidence > 0.5


def test_clean_side_view_has_full_confidence_and_named_evidence() -> None:
    result = detect_view(filmed_runner(180.0))
    assert result.confidence == pytest.approx(1.0, abs=0.05)
    for key in ("width_ratio", "toe_direction", "head_direction", "facing_score"):
        assert key in result.evidence
    assert result.evidence["width_ratio"] < 0.05
    assert result.evidence["usable_frames"] == 30


def test_coco_keypoints_without_feet_still_give_the_facing_side() -> None:
    result = detect_view(filmed_runner(180.0, names=COCO_17))
    assert result.view == "side-left"
    assert np.isnan(result.evidence["toe_direction"])


def test_low_confidence_keypoints_are_not_used() -> None:
    ds = filmed_runner(180.0)
    conf = ds.confidence.copy()
    conf.loc[{"keypoint": ["left_shoulder", "left_hip"]}] = 0.1
    with pytest.raises(InsufficientDataError, match="confident shoulders"):
        detect_view(ds.assign(confidence=conf))


def test_a_trial_without_shoulders_or_hips_is_refused() -> None:
    with pytest.raises(MissingDataError, match="shoulders or hips"):
        detect_view(filmed_runner(180.0, names=["nose", "left_knee", "right_knee"]))


def test_lab_trials_are_3d() -> None:
    ds = from_arrays(
        sampling_rate_hz=100.0,
        position=np.zeros((4, 3, 1)),
        keypoint_names=["left_asis"],
    )
    assert detect_view(ds).view == "3d"


@settings(max_examples=25, deadline=None)
@given(
    yaw_deg=st.floats(150.0, 210.0),
    width_px=st.floats(200.0, 4000.0),
    shift_px=st.floats(-500.0, 500.0),
)
def test_a_mirror_flip_turns_side_left_into_side_right(
    yaw_deg: float, width_px: float, shift_px: float
) -> None:
    ds = filmed_runner(yaw_deg, n_frames=10)
    ds = ds.assign(position=ds.position + shift_px)
    left = detect_view(ds)
    right = detect_view(mirrored(ds, width_px))
    assert left.view == "side-left"
    assert right.view == "side-right"
    assert right.confidence == pytest.approx(left.confidence, abs=1e-6)


@pytest.mark.shared_data
def test_real_side_view_file_is_side_left(shared_data: Path) -> None:
    from stridescope.errors import StridescopeWarning
    from stridescope.io.keypoints import read_gaitlab_pose

    path = shared_data / "treadmill-run-side-male" / "male_side.pose.json"
    with pytest.warns(StridescopeWarning, match="clipped"):
        ds = read_gaitlab_pose(path)
    result = detect_view(ds)
    assert result.view == "side-left" == ds.attrs["source_view"]
    assert result.confidence > 0.8
    assert 0.1 < result.evidence["width_ratio"] < 0.3
    assert result.evidence["toe_direction"] < -0.7
    assert detect_view(mirrored(ds, 720.0)).view == "side-right"


@pytest.mark.parametrize(("yaw_deg", "view"), [(90.0, "rear"), (270.0, "front")])
def test_a_level_camera_still_tells_rear_from_front_clearly(yaw_deg, view) -> None:
    """A level camera sees the heel keypoint above the toe: the pitch only ties."""
    result = detect_view(filmed_runner(yaw_deg, tilt_deg=0.0))
    assert result.view == view
    assert result.evidence["foot_pitch"] < -0.9  # points down the image
    assert result.confidence > 0.9


def test_walking_backward_and_turning_are_separate_spans() -> None:
    """Facing image-left: 3 s forward (to the left), 3 s backward, then turned."""
    fps, speed = 30.0, 300.0  # px/s, 1.5 torso lengths per second
    t = np.arange(270) / fps
    x_px = np.where(t < 3.0, -speed * t, -speed * 3.0 + speed * (t - 3.0))
    left, right = filmed_runner(180.0, n_frames=180), filmed_runner(0.0, n_frames=90)
    position = np.concatenate([left.position.values, right.position.values])
    position[:, 0, :] += x_px[:, None]
    walker = from_arrays(
        sampling_rate_hz=fps,
        position=position,
        keypoint_names=left.keypoint.values.tolist(),
        confidence=np.full((t.size, left.sizes["keypoint"]), 0.9),
        space_unit="px",
        coordinate_frame="image_y_down",
    )
    spans = detect_direction_changes(walker)
    found = [(round(g.start_s), round(g.end_s), g.facing, g.travel) for g in spans]
    assert found == [
        (0, 3, "left", "forward"),
        (3, 6, "left", "backward"),
        (6, 9, "right", "forward"),
    ]


def test_a_treadmill_runner_is_one_span_in_place() -> None:
    spans = detect_direction_changes(filmed_runner(180.0, n_frames=90))
    assert [(g.facing, g.travel) for g in spans] == [("left", "in place")]
