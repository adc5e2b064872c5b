"""Tests of kinematic and force-plate event detection on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from stridescope import gait
from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.gait import (
    classify_activity,
    detect_force_plate_events,
    detect_gait_events,
)
from stridescope.model.trial import Event, from_arrays
from tests.fixtures.synthetic_runner import SyntheticRun, synthetic_runner

EDGE_S = 0.1  # events this close to either end of a trial may be missed


def _errors_s(run: SyntheticRun, detected: list[Event], kind: str) -> list[float]:
    t0, t1 = float(run.trial.time[0]), float(run.trial.time[-1])
    out = []
    for true in run.events:
        if true.kind != kind or not t0 + EDGE_S < true.time_s < t1 - EDGE_S:
            continue
        near = [
            d.time_s - true.time_s
            for d in detected
            if d.side == true.side and d.kind == kind
        ]
        out.append(min(near, key=abs) if near else np.inf)
    return out


def test_public_surface() -> None:
    assert gait.__all__ == [
        "Metric",
        "StrideStat",
        "classify_activity",
        "compute_angle_metrics",
        "compute_curve_variability",
        "compute_gait_metrics",
        "detect_force_plate_events",
        "detect_gait_events",
        "normalise_strides",
        "segment_strides",
        "step_table",
    ]


@pytest.mark.parametrize(
    ("options", "frame_s"),
    [
        ({"treadmill": True}, 1 / 200),
        ({"treadmill": False}, 1 / 200),
        ({"treadmill": False, "heading_deg": 135.0}, 1 / 200),
        ({"treadmill": True, "rate_hz": 100.0}, 1 / 100),
    ],
)
def test_running_events_match_the_truth(options: dict, frame_s: float) -> None:
    run = synthetic_runner(**options)
    events = detect_gait_events(run.trial)
    strikes = _errors_s(run, events, "foot_strike")
    offs = _errors_s(run, events, "toe_off")
    assert len(strikes) >= 12
    assert max(abs(e) for e in strikes) <= frame_s
    # the toe leaves at 1.5 m/s, so it is 10 mm up 6.7 ms after toe-off
    assert max(abs(e - 0.0067) for e in offs) <= frame_s
    assert {e.source for e in events} == {"detected:handsaker", "detected:toe_height"}
    for found in events:  # no false detections
        assert any(
            abs(found.time_s - e.time_s) < 0.02
            and (found.side, found.kind) == (e.side, e.kind)
            for e in run.events
        )


def test_events_are_sorted_and_well_formed() -> None:
    events = detect_gait_events(synthetic_runner(duration_s=3.0).trial)
    assert events == sorted(events, key=lambda e: (e.time_s, e.side, e.kind))
    assert {e.side for e in events} == {"left", "right"}
    assert {e.kind for e in events} == {"foot_strike", "toe_off"}


def test_time_shift_moves_every_event_by_the_shift() -> None:
    base = detect_gait_events(synthetic_runner(duration_s=3.0).trial)
    moved = detect_gait_events(synthetic_runner(duration_s=3.0, start_s=12.5).trial)
    assert [(e.side, e.kind) for e in base] == [(e.side, e.kind) for e in moved]
    np.testing.assert_allclose(
        [e.time_s + 12.5 for e in base], [e.time_s for e in moved], atol=1e-6
    )


def test_classify_activity_running_and_walking() -> None:
    assert classify_activity(synthetic_runner(duration_s=3.0).trial) == "running"
    walk = synthetic_runner(
        duration_s=4.0,
        stride_time_s=1.1,
        contact_time_s=0.7,
        speed_m_s=1.3,
        treadmill=False,
    )
    assert classify_activity(walk.trial) == "walking"
    events = detect_gait_events(walk.trial)
    assert {e.source for e in events} == {"detected:hreljac", "detected:zeni"}
    assert max(abs(e) for e in _errors_s(walk, events, "foot_strike")) <= 0.005


def test_methods_and_their_sources() -> None:
    trial = synthetic_runner(duration_s=3.0).trial
    zeni = detect_gait_events(trial, method="zeni")
    assert {e.source for e in zeni} == {"detected:zeni"}
    handsaker = detect_gait_events(trial, method="handsaker", activity="running")
    assert {e.source for e in handsaker} == {"detected:handsaker"}


def test_handsaker_below_200_hz_warns() -> None:
    trial = synthetic_runner(duration_s=3.0, rate_hz=100.0).trial
    with pytest.warns(StridescopeWarning, match="validated at >= 200 Hz"):
        detect_gait_events(trial, method="handsaker")


def test_low_rate_falls_back_to_the_landing_rule() -> None:
    run = synthetic_runner(rate_hz=50.0, stride_time_s=0.72, contact_time_s=0.26)
    events = detect_gait_events(run.trial, activity="running")
    assert {e.source for e in events} == {"detected:fellin", "detected:toe_height"}
    assert max(abs(e) for e in _errors_s(run, events, "foot_strike")) <= 0.03


def test_opensim_y_up_trial_is_rotated_first() -> None:
    run = synthetic_runner(duration_s=3.0)
    pos = run.trial["position"].values
    y_up = np.stack([pos[:, 0], pos[:, 2], -pos[:, 1]], axis=1)
    trial = from_arrays(
        position=y_up,
        keypoint_names=run.trial["keypoint"].values.tolist(),
        sampling_rate_hz=200.0,
        coordinate_frame="opensim_y_up",
    )
    assert detect_gait_events(trial) == detect_gait_events(run.trial)


@pytest.mark.parametrize(
    ("options", "match"),
    [({"activity": "jogging"}, "activity"), ({"method": "magic"}, "method")],
)
def test_bad_options_are_rejected(options: dict, match: str) -> None:
    trial = synthetic_runner(duration_s=2.0).trial
    with pytest.raises(InputError, match=match):
        detect_gait_events(trial, **options)


def test_missing_markers_are_named() -> None:
    trial = synthetic_runner(duration_s=2.0).trial
    without = trial.sel(keypoint=[k for k in trial.keypoint.values if k != "left_toe"])
    with pytest.raises(MissingDataError, match="left_toe"):
        detect_gait_events(without)
    no_pelvis = trial.sel(keypoint=["left_heel", "left_toe", "right_heel", "right_toe"])
    with pytest.raises(MissingDataError, match="pelvis markers"):
        detect_gait_events(no_pelvis)


def test_two_dimensional_trials_are_rejected() -> None:
    trial = from_arrays(
        position=np.zeros((50, 2, 1)),
        keypoint_names=["left_heel"],
        sampling_rate_hz=30.0,
        space_unit="px",
        coordinate_frame="image_y_down",
    )
    with pytest.raises(InputError, match="3D lab coordinates"):
        detect_gait_events(trial)


# ---- force plates -------------------------------------------------------------------


def _forces(
    fz: np.ndarray, *, rate_hz: float = 1000.0, sides: list[str] | None = None
) -> xr.Dataset:
    n, n_plates = fz.shape
    coords: dict = {
        "time": np.arange(n) / rate_hz,
        "plate": [str(i) for i in range(n_plates)],
    }
    if sides is not None:
        coords["plate_side"] = ("plate", sides)
    return xr.Dataset({"vertical_force_n": (("time", "plate"), fz)}, coords=coords)


def _contact(n: int, on: int, off: int, peak_n: float = 1000.0) -> np.ndarray:
    f = np.zeros(n)
    f[on:off] = peak_n * np.sin(np.pi * np.arange(off - on) / (off - on))
    return f


def test_force_plate_events_with_sides_and_interpolated_crossings() -> None:
    f = np.zeros((1000, 2))
    f[100:400, 0] = np.linspace(0.0, 1000.0, 300)  # crosses 50 N between samples
    f[400:700, 0] = np.linspace(1000.0, 0.0, 300)
    f[500:800, 1] = _contact(300, 0, 300)
    events = detect_force_plate_events(_forces(f, sides=["right", "left"]))
    kinds = [(e.side, e.kind) for e in events]
    assert kinds == [
        ("right", "foot_strike"),
        ("left", "foot_strike"),
        ("right", "toe_off"),
        ("left", "toe_off"),
    ]
    step = 1000.0 / 299
    assert events[0].time_s == pytest.approx((100 + 50.0 / step) / 1000.0)
    assert events[2].time_s == pytest.approx((400 + (1000.0 - 50.0) / step) / 1000.0)
    assert {e.source for e in events} == {"force_plate"}


def test_force_plate_contacts_at_the_edges_and_short_blips() -> None:
    f = np.zeros((1000, 1))
    f[:200, 0] = 800.0  # already in contact at the start: toe-off only
    f[500:520, 0] = 800.0  # 20 ms blip: ignored
    f[900:, 0] = 800.0  # still in contact at the end: foot strike only
    f[600, 0] = np.nan
    events = detect_force_plate_events(_forces(f, sides=["left"]))
    assert [e.kind for e in events] == ["toe_off", "foot_strike"]


def _overground_forces(run: SyntheticRun) -> xr.Dataset:
    """Two unsided plates under the first right and left contacts, with COP."""
    rate = 1000.0
    t = np.arange(round(float(run.trial.time[-1]) * rate)) / rate
    fz = np.zeros((t.size, 2))
    cop = np.full((t.size, 3, 2), np.nan)
    strikes = [e for e in run.events if e.kind == "foot_strike"][:2]
    for plate, strike in enumerate(strikes):
        on = round(strike.time_s * rate)
        off = on + round(run.contact_time_s * rate)
        fz[on:off, plate] = _contact(t.size, on, off)[on:off]
        heel = run.trial["position"].sel(keypoint=f"{strike.side}_heel")
        at = heel.interp(time=strike.time_s).values
        cop[on:off, :, plate] = at + np.array([0.05, 0.0, -at[2]])
    return xr.Dataset(
        {
            "vertical_force_n": (("time", "plate"), fz),
            "cop": (("time", "space", "plate"), cop),
        },
        coords={"time": t, "space": ["x", "y", "z"], "plate": ["1", "2"]},
    )


def test_unsided_plates_take_the_side_of_the_nearest_foot() -> None:
    run = synthetic_runner(duration_s=2.0, treadmill=False)
    forces = _overground_forces(run)
    events = detect_force_plate_events(forces, trial=run.trial)
    strikes = [e for e in run.events if e.kind == "foot_strike"][:2]
    found = [e for e in events if e.kind == "foot_strike"]
    assert [e.side for e in found] == [e.side for e in strikes]
    # a half-sine of 1000 N crosses 50 N 4 ms into a 250 ms contact
    np.testing.assert_allclose(
        [e.time_s for e in found], [e.time_s + 0.004 for e in strikes], atol=5e-4
    )
    with pytest.raises(MissingDataError, match="plate_side"):
        detect_force_plate_events(forces)


def test_overlapping_contacts_of_one_foot_are_merged() -> None:
    f = np.zeros((1000, 2))
    f[100:400, 0] = 600.0
    f[350:600, 1] = 600.0
    events = detect_force_plate_events(_forces(f, sides=["left", "left"]))
    assert [e.kind for e in events] == ["foot_strike", "toe_off"]
    assert events[0].time_s == pytest.approx((99 + 50 / 600) / 1000)
    assert events[1].time_s == pytest.approx((599 + 550 / 600) / 1000)


def test_malformed_force_data_is_rejected() -> None:
    with pytest.raises(InputError, match="vertical_force_n"):
        detect_force_plate_events(xr.Dataset())
    f = _forces(np.zeros((10, 1)), sides=["left"])
    with pytest.raises(InputError, match="threshold_n > 0"):
        detect_force_plate_events(f, threshold_n=0.0)
