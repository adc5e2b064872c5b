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

from stridescope.errors import InputError, InsufficientDataError, MissingDataError
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


SWAPPED_S = (2.0, 3.0)


def _swap_legs(ds, start_s: float, stop_s: float):
    """Exchange the left and right leg labels in ``[start_s, stop_s)``."""
    out = ds.copy(deep=True)
    inside = (ds["time"].values >= start_s) & (ds["time"].values < stop_s)
    for part in ("hip", "knee", "ankle", "heel", "foot_index"):
        left, right = f"left_{part}", f"right_{part}"
        pos = out["position"]
        a = pos.sel(keypoint=left).values.copy()
        b = pos.sel(keypoint=right).values.copy()
        a[inside], b[inside] = b[inside], a[inside].copy()
        pos.loc[{"keypoint": left}] = a
        pos.loc[{"keypoint": right}] = b
    return out


def test_a_second_of_exchanged_leg_labels_does_not_exchange_events():
    """Pose models relabel the legs in side views; events follow the feet."""
    ds = _swap_legs(_trial("side-left"), *SWAPPED_S)
    events = detect_keypoint_events(ds, view="side-left")
    for side in ("left", "right"):
        errors = _errors_frames(events, "foot_strike", side)
        assert errors.size >= 5
        assert np.max(np.abs(errors)) <= 1.0, (side, errors)


def _warped(view: str, slow_factor: float, switch_s: float):
    """The analytic runner, played ``slow_factor`` times slower after ``switch_s``."""
    pts, time = _runner(view)
    n = round((switch_s + (DURATION_S - switch_s) * slow_factor) * RATE_HZ)
    video_s = np.arange(n) / RATE_HZ
    body_s = np.where(
        video_s < switch_s, video_s, switch_s + (video_s - switch_s) / slow_factor
    )
    names = list(pts)
    position = np.stack(
        [
            np.stack([np.interp(body_s, time, pts[k][:, i]) for i in (0, 1)], 1)
            for k in names
        ],
        axis=2,
    )
    return from_arrays(
        sampling_rate_hz=RATE_HZ,
        position=position,
        keypoint_names=names,
        confidence=np.ones((n, len(names))),
        space_unit="px",
        coordinate_frame="image_y_down",
    )


def test_a_slow_motion_part_keeps_its_own_rhythm():
    """4x slow motion after 2.5 s: both rhythms are found, each step regular."""
    from stridescope._video_path import steady_segments

    events = detect_keypoint_events(_warped("side-left", 4.0, 2.5), view="side-left")
    spans = steady_segments(events)
    cadences = sorted(60.0 / g.step_time_s for g in spans if g.n_steps >= 3)
    real_time = 120.0 / STRIDE_S
    assert cadences[0] == pytest.approx(real_time / 4, rel=0.03)
    assert cadences[-1] == pytest.approx(real_time, rel=0.03)


def test_walking_rule_takes_the_feet_extremes():
    """Zeni (2008) for walking: heel forward extreme, toe backward extreme.

    The analytic foot's extremes are corners (flat end and start of swing, linear
    stance), so their sub-frame interpolation is up to 1.2 frames early.
    """
    events = detect_keypoint_events(
        _trial("side-left"), view="side-left", activity="walking"
    )
    for side in ("left", "right"):
        for kind in ("foot_strike", "toe_off"):
            errors = _errors_frames(events, kind, side)
            assert errors.size >= 5
            assert np.max(np.abs(errors)) <= 1.2, (side, kind, errors)


def test_standing_still_or_an_unknown_activity_is_refused():
    ds = _trial("side-left")
    still = ds.copy(deep=True)
    still["position"].values[:] = ds["position"].values[:1]
    with pytest.raises(InsufficientDataError, match="regular steps"):
        detect_keypoint_events(still, view="side-left")
    with pytest.raises(InputError, match="activity"):
        detect_keypoint_events(ds, view="side-left", activity="hopping")


def test_steady_segments_end_at_a_repeated_foot_or_a_new_pace():
    from stridescope._video_path import steady_segments

    sides = ("left", "right")
    times = [0.35 * k for k in range(8)]  # 8 strikes at 0.35 s
    strikes = [Event(t, sides[k % 2], "foot_strike", "x") for k, t in enumerate(times)]
    slow = [Event(times[-1] + 1.4 * k, sides[k % 2], "foot_strike", "x")
            for k in range(1, 5)]  # fmt: skip
    repeated = [Event(times[-1] + 0.35, "right", "foot_strike", "x")]
    spans = steady_segments(strikes + slow)
    assert [(g.n_steps, round(g.step_time_s, 2)) for g in spans] == [
        (7, 0.35),
        (3, 1.4),
    ]
    after_repeat = steady_segments(strikes + repeated)
    assert [g.n_steps for g in after_repeat] == [7]
