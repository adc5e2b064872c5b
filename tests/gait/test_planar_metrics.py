"""Tests of running metrics from one camera view, on exact synthetic inputs.

The synthetic trial: 60 fps, strides of 0.70 s (42 frames), contact 0.25 s, right
strikes from 0.30 s, left ones half a stride later. Leg length 420 px (hip-knee 220,
knee-ankle 200). Angles are sinusoids of the right foot's phase with known peaks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from stridescope.errors import InputError
from stridescope.gait import segment_strides
from stridescope.gait.planar_metrics import PLANAR_METRICS, compute_planar_metrics
from stridescope.model.trial import Event, from_arrays

STRIDE_S, CONTACT_S = 0.70, 0.25
FIRST = {"right": 0.30, "left": 0.65}
DURATION_S = 4.0
LEG_PX = 420.0


def _events() -> list[Event]:
    out = []
    for side, first in FIRST.items():
        for t in np.arange(first, DURATION_S - 0.1, STRIDE_S):
            out += [
                Event(float(t), side, "foot_strike", "x"),
                Event(float(t + CONTACT_S), side, "toe_off", "x"),
            ]
    return sorted(out, key=lambda e: e.time_s)


def _trial(view: str, rate_hz: float = 60.0, *, crossover: bool = False):
    time = np.arange(round(DURATION_S * rate_hz)) / rate_hz
    u = np.mod(time - FIRST["right"], STRIDE_S)
    bounce = 21.0 * np.cos(4 * np.pi * u / STRIDE_S)  # 42 px = 10 % leg length
    forward = {"side-left": -1.0, "side-right": 1.0}.get(view, 0.0)
    right_x = {"rear": 1.0, "front": -1.0}.get(view, 0.0) * (-1 if crossover else 1)
    pts = {}
    for side, ahead, lateral in (("left", 21.0, -30.0), ("right", 42.0, 30.0)):
        x = 960.0 + lateral * right_x
        for name, y in (("hip", 500.0), ("knee", 720.0), ("ankle", 920.0)):
            pts[f"{side}_{name}"] = np.stack([np.full_like(time, x), y + bounce], 1)
        heel_x = x + forward * ahead  # 5 % (left) and 10 % (right) overstride
        pts[f"{side}_heel"] = np.stack([np.full_like(time, heel_x), 950 + bounce], 1)
    names = list(pts)
    ds = from_arrays(
        sampling_rate_hz=rate_hz,
        position=np.stack([pts[n] for n in names], axis=2),
        keypoint_names=names,
        confidence=np.ones((time.size, len(names))),
        space_unit="px",
        coordinate_frame="image_y_down",
    )
    return ds, u


def _angles(ds: xr.Dataset, u: np.ndarray, view: str) -> xr.DataArray:
    wave = np.sin(2 * np.pi * u / STRIDE_S)
    if view in ("side-left", "side-right"):
        left_wave = np.sin(2 * np.pi * (u - STRIDE_S / 2) / STRIDE_S)
        series = {
            "left_thigh_angle": 5 + 25 * left_wave,
            "right_thigh_angle": 10 + 30 * wave,
            "left_knee_flexion": 30 + 0 * u,
            "right_knee_flexion": 20 + 10 * np.sin(np.pi * u / CONTACT_S),
            "trunk_forward_lean": 6 + 2 * wave,
        }
    else:
        series = {
            "pelvis_obliquity": 1 + 6 * wave,
            "trunk_lateral_lean": 2 + 3 * wave,
            "shoulder_obliquity": -1 + 0 * u,
            "right_hip_adduction_proxy": 8 * wave,
            "pelvis_rotation": 5 * wave,
        }
    return xr.DataArray(
        np.stack(list(series.values()), axis=1),
        dims=("time", "joint"),
        coords={"time": ds["time"].values, "joint": list(series)},
    )


def _compute(view: str, **kwargs):
    ds, u = _trial(view, **{k: v for k, v in kwargs.items() if k != "leg_length_px"})
    events = _events()
    return compute_planar_metrics(
        ds,
        _angles(ds, u, view),
        events,
        segment_strides(events),
        view=view,
        leg_length_px=kwargs.get("leg_length_px"),
    )


@pytest.mark.parametrize("view", ["side-left", "side-right"])
def test_side_view_metrics_have_exact_values(view: str):
    metrics, unavailable = _compute(view)
    flex, ext = metrics["thigh_flexion_peak_deg"], metrics["thigh_extension_peak_deg"]
    assert flex.right.mean == pytest.approx(40.0, abs=0.1)  # peaks fall between frames
    assert ext.right.mean == pytest.approx(20.0, abs=0.1)
    assert ext.left.mean == pytest.approx(20.0, abs=0.1)
    assert metrics["thigh_sagittal_rom_deg"].right.mean == pytest.approx(60.0, abs=0.2)
    knee_strike = metrics["knee_flexion_at_strike_deg"]
    assert knee_strike.right.mean == pytest.approx(20.0, abs=1e-6)
    assert knee_strike.left.mean == pytest.approx(30.0)
    stance_peak = metrics["knee_flexion_peak_stance_deg"].right.mean
    assert stance_peak == pytest.approx(30.0, abs=0.1)
    assert metrics["trunk_forward_lean_mean_deg"].value.mean == pytest.approx(
        6.0, abs=0.1
    )
    overstride = metrics["overstride_pct"]
    assert overstride.right.mean == pytest.approx(10.0)
    assert overstride.left.mean == pytest.approx(5.0)
    assert metrics["vertical_oscillation_pct"].value.mean == pytest.approx(
        10.0, abs=0.1
    )
    assert unavailable["pelvis_obliquity_rom_deg"] == (
        f"pelvic obliquity needs a rear or front view; this clip is {view}"
    )
    assert set(metrics) | set(unavailable) == set(PLANAR_METRICS)


@pytest.mark.parametrize("view", ["rear", "front"])
def test_frontal_metrics_follow_the_stance_side(view: str):
    metrics, unavailable = _compute(view)
    drop = metrics["contralateral_pelvic_drop_peak_deg"]
    assert drop.right.mean == pytest.approx(7.0, abs=0.05)  # +obliquity, right stance
    assert drop.left.mean == pytest.approx(5.0, abs=0.05)  # -obliquity, left stance
    assert metrics["pelvis_obliquity_rom_deg"].value.mean == pytest.approx(12, abs=0.1)
    lean = metrics["trunk_lateral_lean_peak_deg"]
    assert lean.right.mean == pytest.approx(5.0, abs=0.05)
    assert lean.left.mean == pytest.approx(1.0, abs=0.05)
    assert metrics["trunk_lateral_lean_mean_deg"].value.mean == pytest.approx(
        2.0, abs=0.1
    )
    assert metrics["shoulder_obliquity_mean_deg"].value.mean == pytest.approx(-1.0)
    adduction = metrics["hip_adduction_proxy_peak_deg"]
    assert adduction.right.mean == pytest.approx(8.0, abs=0.05)
    assert adduction.left is None
    assert adduction.confidence == "low"
    assert metrics["pelvis_rotation_rom_deg"].confidence == "low"
    assert metrics["step_width_pct"].value.mean == pytest.approx(100 * 60 / LEG_PX)
    assert "shoulder_rotation_rom_deg" in unavailable
    assert unavailable["thigh_flexion_peak_deg"].endswith(f"this clip is {view}")


def test_crossover_gives_a_negative_step_width():
    metrics, _ = _compute("rear", crossover=True)
    assert metrics["step_width_pct"].value.mean == pytest.approx(-100 * 60 / LEG_PX)


def test_leg_length_can_be_given():
    metrics, _ = _compute("side-left", leg_length_px=840.0)
    assert metrics["overstride_pct"].right.mean == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("rate_hz", "confidence"), [(60.0, "low"), (120.0, "moderate")]
)
def test_contact_time_confidence_depends_on_the_frame_rate(rate_hz, confidence):
    metrics, _ = _compute("side-left", rate_hz=rate_hz)
    contact = metrics["contact_time_s"]
    assert contact.confidence == confidence
    assert contact.value.mean == pytest.approx(CONTACT_S)
    assert metrics["cadence_spm"].value.mean == pytest.approx(120 / STRIDE_S)
    assert ("120 fps" in contact.note) == (confidence == "low")


@pytest.mark.parametrize(("slowed", "confidence"), [(1.0, "moderate"), (0.25, "low")])
def test_a_cadence_no_person_has_flags_the_timing(slowed: float, confidence: str):
    """Played 4x fast: 686 steps/min of video, beyond any gait (60-300 steps/min)."""
    ds, u = _trial("side-left", rate_hz=120.0)
    events = [
        Event(e.time_s * slowed, e.side, e.kind, e.source)
        for e in _events()
        if e.time_s * slowed < DURATION_S
    ]
    metrics, _ = compute_planar_metrics(
        ds, _angles(ds, u, "side-left"), events, segment_strides(events),
        view="side-left",
    )  # fmt: skip
    cadence = metrics["cadence_spm"]
    assert cadence.value.mean == pytest.approx(120 / STRIDE_S / slowed)
    assert cadence.confidence == metrics["contact_time_s"].confidence == confidence
    assert ("sped up" in cadence.note) == (confidence == "low")


def test_video_metrics_are_never_high_confidence():
    for view in ("side-left", "rear"):
        metrics, _ = _compute(view)
        assert {m.confidence for m in metrics.values()} <= {"moderate", "low"}


def test_oblique_view_keeps_only_the_timing():
    ds, u = _trial("side-left")
    events = _events()
    metrics, unavailable = compute_planar_metrics(
        ds, _angles(ds, u, "rear"), events, segment_strides(events), view="oblique"
    )
    assert set(metrics) == {"cadence_spm", "contact_time_s"}
    assert "needs a side view; this clip is oblique" in unavailable["overstride_pct"]
    assert "oblique" in unavailable["pelvis_rotation_rom_deg"]


def test_angles_on_another_time_axis_are_rejected():
    ds, u = _trial("side-left")
    angles = _angles(ds, u, "side-left")
    shifted = angles.assign_coords(time=angles["time"].values + 0.5)
    events = _events()
    with pytest.raises(InputError, match="time axis"):
        compute_planar_metrics(
            ds, shifted, events, segment_strides(events), view="side-left"
        )
    with pytest.raises(InputError, match="Expected view"):
        compute_planar_metrics(ds, angles, events, segment_strides(events), view="top")


@pytest.mark.shared_data
def test_real_side_clip_metrics(shared_data: Path):
    """The bundled treadmill clip (RTMPose keypoints, 30 fps) end to end."""
    from stridescope.gait.keypoint_events import detect_keypoint_events
    from stridescope.io import load
    from stridescope.kinematics.planar import compute_planar_angles
    from stridescope.processing.cleaning import clean_keypoints

    path = shared_data / "treadmill-run-side-male" / "male_side.pose.json"
    with pytest.warns(UserWarning, match="confidence scores"):
        trial = clean_keypoints(load(path))
    angles = compute_planar_angles(trial, view="side-left").angles
    events = detect_keypoint_events(trial, view="side-left")
    metrics, unavailable = compute_planar_metrics(
        trial, angles, events, segment_strides(events), view="side-left"
    )
    assert metrics["cadence_spm"].value.mean == pytest.approx(168.9, abs=2.0)
    assert metrics["contact_time_s"].confidence == "low"
    assert 20 < metrics["thigh_sagittal_rom_deg"].value.mean < 70
    assert 0 < metrics["trunk_forward_lean_mean_deg"].value.mean < 20
    assert "step_width_pct" in unavailable
