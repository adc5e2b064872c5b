"""Tests of gait events from video keypoints, on analytic 2D runners and real data.

The analytic runner (:func:`_runner`) has exact events: each foot lands at a known
time with a fast descent, stays on the ground (drifting down the image in a rear
view, as a stance foot coming toward the camera does) and leaves at a known time,
when the 2D knee is most extended.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError, MissingDataError
from stridescope.gait.keypoint_events import detect_keypoint_events
from stridescope.model.trial import Event, from_arrays

RATE_HZ = 60.0
STRIDE_S = 0.72
CONTACT_S = 0.25
FIRST_STRIKE_S = {"right": 0.3, "left": 0.3 + STRIDE_S / 2}
DURATION_S = 5.0
HIP = np.array([960.0, 500.0])


def _phase(time_s: np.ndarray, side: str) -> np.ndarray:
    """Time since the side's last foot strike, seconds."""
    return np.mod(time_s - FIRST_STRIKE_S[side], STRIDE_S)


def _foot(u: np.ndarray, *, frontal: bool) -> tuple[np.ndarray, np.ndarray]:
    """Heel (forward offset from the hip in px, image y) over a stride."""
    s = np.clip((u - CONTACT_S) / (STRIDE_S - CONTACT_S), 0.0, 1.0)
    stance = u < CONTACT_S
    ahead = np.where(
        stance,
        60.0 - 160.0 * u / CONTACT_S,
        -100.0 + 160.0 * (10 * s**3 - 15 * s**4 + 6 * s**5),
    )
    drift = 40.0 if frontal else 0.0  # a rear view's stance foot comes closer
    y_stance = 900.0 + drift * u / CONTACT_S
    y_swing = 900.0 + drift * (1 - s) - 320.0 * s * (1 - s)
    return ahead, np.where(stance, y_stance, y_swing)


def _runner(view: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    time = np.arange(round(DURATION_S * RATE_HZ)) / RATE_HZ
    frontal = view in ("rear", "front")
    forward = {"side-left": -1.0, "side-right": 1.0}.get(view, 0.0)
    right_x = {"rear": 1.0, "front": -1.0}.get(view, 0.0)
    pts: dict[str, np.ndarray] = {}
    hip_y = HIP[1] + 15.0 * np.cos(
        4 * np.pi * (_phase(time, "right") - CONTACT_S / 2) / STRIDE_S
    )
    for side in ("left", "right"):
        u = _phase(time, side)
        ahead, heel_y = _foot(u, frontal=frontal)
        lateral = (40.0 if side == "right" else -40.0) * right_x
        hip = np.stack([np.full_like(time, HIP[0] + lateral), hip_y], axis=1)
        # Knee flexion 20-60 deg, most extended at toe-off; thigh swings +-25 deg.
        knee_flexion = np.radians(
            40.0 - 20.0 * np.cos(2 * np.pi * (u - CONTACT_S) / STRIDE_S)
        )
        thigh = np.radians(25.0 * np.cos(2 * np.pi * u / STRIDE_S))
        fwd = forward if forward else 0.3
        knee = hip + 220.0 * np.stack([fwd * np.sin(thigh), np.cos(thigh)], axis=1)
        shank = thigh - knee_flexion
        ankle = knee + 200.0 * np.stack([fwd * np.sin(shank), np.cos(shank)], axis=1)
        heel_x = HIP[0] + lateral + forward * ahead
        heel = np.stack([heel_x, heel_y], axis=1)
        toe = heel + np.array([forward * 60.0, 8.0 if not frontal else -6.0])
        pts |= {f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle}
        pts |= {f"{side}_heel": heel, f"{side}_foot_index": toe}
    return pts, time


def _trial(view: str, *, low_visibility: tuple[str, float] | None = None):
    pts, time = _runner(view)
    names = list(pts)
    conf = np.ones((time.size, len(names)))
    if low_visibility is not None:
        side, t = low_visibility
        near = np.abs(time - t) < 0.05
        conf[np.ix_(near, [names.index(f"{side}_heel")])] = 0.3
    return from_arrays(
        sampling_rate_hz=RATE_HZ,
        position=np.stack([pts[n] for n in names], axis=2),
        keypoint_names=names,
        confidence=conf,
        space_unit="px",
        coordinate_frame="image_y_down",
    )


def _truth(kind: str, side: str, time_end: float = DURATION_S) -> np.ndarray:
    start = FIRST_STRIKE_S[side] + (CONTACT_S if kind == "toe_off" else 0.0)
    return np.arange(start, time_end, STRIDE_S)


def _times(events: list[Event], kind: str, side: str) -> np.ndarray:
    return np.array([e.time_s for e in events if e.kind == kind and e.side == side])


def _errors_frames(events: list[Event], kind: str, side: str) -> np.ndarray:
    found = _times(events, kind, side)
    truth = _truth(kind, side)
    truth = truth[(truth > 0.5) & (truth < DURATION_S - 0.5)]
    return np.array(
        [(found[np.argmin(np.abs(found - t))] - t) * RATE_HZ for t in truth]
    )


@pytest.mark.parametrize("view", ["side-left", "side-right"])
def test_side_view_events_within_one_frame(view: str):
    events = detect_keypoint_events(_trial(view), view=view)
    assert {e.source for e in events} == {"detected:keypoints-side"}
    for side in ("left", "right"):
        for kind in ("foot_strike", "toe_off"):
            errors = _errors_frames(events, kind, side)
            assert errors.size >= 5
            assert np.max(np.abs(errors)) <= 1.0, (side, kind, errors)


def test_side_views_mirror_each_other():
    left = detect_keypoint_events(_trial("side-left"), view="side-left")
    right = detect_keypoint_events(_trial("side-right"), view="side-right")
    assert [(e.side, e.kind) for e in left] == [(e.side, e.kind) for e in right]
    np.testing.assert_allclose(
        [e.time_s for e in left], [e.time_s for e in right], atol=1e-9
    )


@pytest.mark.parametrize("view", ["rear", "front"])
def test_frontal_view_events_within_two_frames(view: str):
    events = detect_keypoint_events(_trial(view), view=view)
    assert {e.source for e in events} == {f"detected:keypoints-{view}"}
    for side in ("left", "right"):
        for kind in ("foot_strike", "toe_off"):
            errors = _errors_frames(events, kind, side)
            assert errors.size >= 5
            assert np.max(np.abs(errors)) <= 2.0, (side, kind, errors)


def test_events_of_a_hidden_foot_are_dropped():
    hidden = float(_truth("foot_strike", "left")[3])
    events = detect_keypoint_events(
        _trial("side-left", low_visibility=("left", hidden)), view="side-left"
    )
    strikes = _times(events, "foot_strike", "left")
    assert np.min(np.abs(strikes - hidden)) > 0.1
    assert strikes.size >= 5


def test_no_foot_keypoints_or_bad_view_are_errors():
    ds = _trial("side-left")
    with pytest.raises(InputError, match="oblique clip"):
        detect_keypoint_events(ds, view="oblique")
    no_heels = ds.drop_sel(keypoint=["left_heel", "right_heel"])
    with pytest.raises(MissingDataError, match="left_heel, right_heel"):
        detect_keypoint_events(no_heels, view="side-left")
    unseen = ds.copy(deep=True)
    unseen["position"].loc[{"keypoint": "left_heel"}] = np.nan
    with pytest.raises(MissingDataError, match="at least 3 frames"):
        detect_keypoint_events(unseen, view="side-left")
    ds3d = from_arrays(
        sampling_rate_hz=100.0, position=np.zeros((3, 3, 1)), keypoint_names=["x"]
    )
    with pytest.raises(InputError, match="detect_gait_events"):
        detect_keypoint_events(ds3d, view="rear")


@pytest.mark.shared_data
def test_real_side_clip_gives_the_measured_cadence(shared_data: Path):
    """Real RTMPose keypoints, 30 fps treadmill run: cadence 168.9 ± 0.5 steps/min."""
    from stridescope.gait import compute_gait_metrics, segment_strides
    from stridescope.io import load
    from stridescope.processing.cleaning import clean_keypoints
    from stridescope.processing.view import detect_view

    path = shared_data / "treadmill-run-side-male" / "male_side.pose.json"
    with pytest.warns(UserWarning, match="confidence scores lie outside"):
        trial = clean_keypoints(load(path))
    view = detect_view(trial).view
    assert view == "side-left"
    events = detect_keypoint_events(trial, view=view)
    cadence = compute_gait_metrics(events, segment_strides(events))["cadence_spm"]
    assert cadence.value is not None
    assert cadence.value.mean == pytest.approx(168.9, abs=2.0)
    assert cadence.value.n_strides >= 20
