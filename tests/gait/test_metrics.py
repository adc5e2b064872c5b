"""Tests of gait and angle metrics, stride normalisation and curve variability."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError, InsufficientDataError
from stridescope.gait.metrics import (
    Metric,
    StrideStat,
    compute_angle_metrics,
    compute_curve_variability,
    compute_gait_metrics,
    normalise_strides,
)
from stridescope.gait.strides import segment_strides
from stridescope.model.skeleton import swap_side_name
from stridescope.model.trial import Event
from tests.fixtures.synthetic_runner import synthetic_runner

STRIDE_S, CONTACT_S = 0.72, 0.25


@pytest.fixture(scope="module")
def run():
    """Synthetic treadmill runner, 6 s at 200 Hz: 0.72 s strides, 0.25 s contacts."""
    return synthetic_runner()


def _same_stat(a: StrideStat | None, b: StrideStat | None) -> bool:
    if a is None or b is None:
        return a is b
    return (
        math.isclose(a.mean, b.mean, rel_tol=1e-9, abs_tol=1e-9)
        and (
            (math.isnan(a.sd) and math.isnan(b.sd))
            or math.isclose(a.sd, b.sd, abs_tol=1e-9)
        )
        and a.n_strides == b.n_strides
    )


def _same_metric(a: Metric, b: Metric) -> bool:
    return (
        (a.name, a.unit, a.confidence, a.note) == (b.name, b.unit, b.confidence, b.note)
        and _same_stat(a.left, b.left)
        and _same_stat(a.right, b.right)
        and _same_stat(a.value, b.value)
    )


def test_gait_metrics_are_exact_for_the_synthetic_runner(run) -> None:
    strides = segment_strides(run.events)
    metrics = compute_gait_metrics(run.events, strides)
    assert set(metrics) == {
        "cadence_spm",
        "stride_time_s",
        "contact_time_s",
        "swing_time_s",
        "duty_factor",
        "stride_count",
        "stride_time_cv_pct",
        "flight_time_s",
    }
    expected = {
        "cadence_spm": 120 / STRIDE_S,
        "stride_time_s": STRIDE_S,
        "contact_time_s": CONTACT_S,
        "swing_time_s": STRIDE_S - CONTACT_S,
        "duty_factor": CONTACT_S / STRIDE_S,
        "flight_time_s": STRIDE_S / 2 - CONTACT_S,
        "stride_time_cv_pct": 0.0,
    }
    for name, value in expected.items():
        m = metrics[name]
        for stat in (m.left, m.right, m.value):
            assert stat is not None
            assert stat.mean == pytest.approx(value, abs=1e-9)
    assert metrics["cadence_spm"].unit == "steps/min"
    assert metrics["cadence_spm"].confidence == "high"
    assert metrics["stride_time_s"].left.sd == pytest.approx(0.0, abs=1e-12)
    n_left = int((strides["side"] == "left").sum())
    count = metrics["stride_count"]
    assert (count.left.mean, count.left.n_strides) == (n_left, n_left)
    assert math.isnan(count.left.sd)
    assert count.value.n_strides == len(strides)
    assert math.isnan(metrics["stride_time_cv_pct"].value.sd)


def test_walking_has_no_flight_time() -> None:
    walk = synthetic_runner(stride_time_s=1.1, contact_time_s=0.7, duration_s=5.0)
    metrics = compute_gait_metrics(walk.events, segment_strides(walk.events))
    assert "flight_time_s" not in metrics
    assert metrics["duty_factor"].value.mean == pytest.approx(0.7 / 1.1)


def test_confidence_is_passed_through(run) -> None:
    strides = segment_strides(run.events)
    metrics = compute_gait_metrics(run.events, strides, confidence="low")
    assert {m.confidence for m in metrics.values()} == {"low"}


def test_metrics_need_a_valid_stride() -> None:
    events = [
        Event(0.0, "left", "foot_strike", "f"),
        Event(1.0, "left", "foot_strike", "f"),
    ]
    with pytest.raises(InsufficientDataError, match="valid stride"):
        compute_gait_metrics(events, segment_strides(events))


def test_angle_metrics_are_exact(run) -> None:
    strides = segment_strides(run.events)
    metrics = compute_angle_metrics(run.trial["angle"], strides)
    expected_sided = {
        "hip_sagittal_rom_deg": 60.0,
        "hip_frontal_rom_deg": 10.0,
        "hip_transverse_rom_deg": 8.0,
        "hip_flexion_peak_deg": 45.0,
        "hip_extension_peak_deg": 15.0,  # -min(15 + 30 sin) = 15 degrees of extension
    }
    for name, value in expected_sided.items():
        m = metrics[name]
        assert m.value is None
        for stat in (m.left, m.right):
            assert stat.mean == pytest.approx(value, abs=1e-9)
            assert stat.sd == pytest.approx(0.0, abs=1e-9)
    expected_trunk = {
        "pelvis_tilt_rom_deg": 4.0,
        "pelvis_obliquity_rom_deg": 8.0,
        "pelvis_rotation_rom_deg": 10.0,
        "trunk_lateral_lean_mean_deg": 1.5,
    }
    for name, value in expected_trunk.items():
        m = metrics[name]
        assert m.left is None
        assert m.right is None
        assert m.value.mean == pytest.approx(value, abs=1e-9)
        assert m.unit == "deg"


def test_reference_side_has_more_valid_strides(run) -> None:
    strides = segment_strides(run.events)
    right_rows = strides.index[strides["side"] == "right"]
    fewer_right = strides.copy()
    fewer_right.loc[right_rows[:2], "valid"] = False
    metrics = compute_angle_metrics(run.trial["angle"], fewer_right)
    m = metrics["pelvis_obliquity_rom_deg"]
    assert m.note == "over the left strides"
    assert m.value.n_strides == int(
        (fewer_right["valid"] & (fewer_right["side"] == "left")).sum()
    )


def test_only_available_angles_are_reported(run) -> None:
    angles = run.trial["angle"].sel(joint=["left_hip_flexion", "pelvis_rotation"])
    metrics = compute_angle_metrics(
        angles, segment_strides(run.events), confidence="medium"
    )
    assert set(metrics) == {
        "hip_sagittal_rom_deg",
        "hip_flexion_peak_deg",
        "hip_extension_peak_deg",
        "pelvis_rotation_rom_deg",
    }
    assert metrics["hip_sagittal_rom_deg"].right is None
    assert metrics["pelvis_rotation_rom_deg"].confidence == "medium"


def test_strides_with_angle_gaps_are_skipped(run) -> None:
    angles = run.trial["angle"].copy()
    strides = segment_strides(run.events)
    first = strides[strides["side"] == "left"].iloc[0]
    mid = (first["foot_strike_s"] + first["next_foot_strike_s"]) / 2
    angles.loc[{"time": slice(mid, mid + 0.02), "joint": "left_hip_flexion"}] = np.nan
    metrics = compute_angle_metrics(angles, strides)
    n_left = int((strides["side"] == "left").sum())
    assert metrics["hip_sagittal_rom_deg"].left.n_strides == n_left - 1


def test_angle_metrics_reject_wrong_dims(run) -> None:
    with pytest.raises(InputError, match=r"\(time, joint\)"):
        compute_angle_metrics(run.trial["position"], segment_strides(run.events))


def test_normalise_strides_gives_one_curve_per_valid_stride(run) -> None:
    strides = segment_strides(run.events)
    series = run.trial["angle"].sel(joint="right_hip_flexion", drop=True)
    curves = normalise_strides(series, strides[strides["side"] == "right"])
    assert curves.dims == ("stride", "percent")
    assert curves.sizes["percent"] == 101
    np.testing.assert_allclose(curves["percent"], np.arange(101.0))
    assert set(curves["side"].values) == {"right"}
    expected = 15 + 30 * np.sin(2 * np.pi * np.arange(101) / 100)
    np.testing.assert_allclose(
        curves.values, np.broadcast_to(expected, curves.shape), atol=0.05
    )
    assert compute_curve_variability(curves) == pytest.approx(0.0, abs=1e-6)


def test_normalise_strides_keeps_gaps_and_edges(run) -> None:
    strides = segment_strides(run.events)
    series = run.trial["angle"].sel(joint="left_hip_flexion", drop=True)
    first = strides.iloc[0]
    series = series.where(series["time"] < first["foot_strike_s"] + 0.1)
    curves = normalise_strides(series, strides, n_points=11)
    row = curves.sel(stride=strides.index[0]).values
    assert np.isfinite(row[0])
    assert np.all(np.isnan(row[5:]))


def test_curve_variability_is_the_mean_sd_over_the_cycle() -> None:
    curves = xr.DataArray(
        np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 4.0]]),
        dims=("stride", "percent"),
        coords={"percent": [0.0, 50.0, 100.0]},
    )
    sd = np.array([np.sqrt(2.0), 0.0, np.sqrt(8.0)])
    assert compute_curve_variability(curves) == pytest.approx(sd.mean())
    with pytest.raises(InsufficientDataError, match="at least 2 strides"):
        compute_curve_variability(curves.isel(stride=[0]))
    with pytest.raises(InputError, match="dims"):
        normalise_strides(curves, segment_strides([]))


# ---- properties ---------------------------------------------------------------------


def _jittered_events(
    strides_s: list[float], contact: float, offset: float
) -> list[Event]:
    """Right strikes every stride; left strikes half a stride later."""
    events = []
    t = offset
    for stride in strides_s:
        for side, start in (("right", t), ("left", t + stride / 2)):
            events.append(Event(start, side, "foot_strike", "file"))
            events.append(Event(start + contact * stride, side, "toe_off", "file"))
        t += stride
    events.append(Event(t, "right", "foot_strike", "file"))
    events.append(Event(t + strides_s[0] / 2, "left", "foot_strike", "file"))
    return events


_strides = st.lists(st.floats(0.6, 0.8), min_size=3, max_size=8)


@settings(max_examples=25, deadline=None)
@given(strides_s=_strides, contact=st.floats(0.25, 0.65))
def test_swapping_sides_swaps_the_sided_metrics(
    strides_s: list[float], contact: float
) -> None:
    events = _jittered_events(strides_s, contact, 1.0)
    other = {"left": "right", "right": "left"}
    swapped = [Event(e.time_s, other[e.side], e.kind, e.source) for e in events]
    a = compute_gait_metrics(events, segment_strides(events))
    b = compute_gait_metrics(swapped, segment_strides(swapped))
    assert set(a) == set(b)
    for name in a:
        assert _same_stat(a[name].left, b[name].right)
        assert _same_stat(a[name].right, b[name].left)
        assert _same_stat(a[name].value, b[name].value)


@settings(max_examples=25, deadline=None)
@given(
    strides_s=_strides,
    contact=st.floats(0.25, 0.65),
    shift=st.floats(-50.0, 500.0),
)
def test_a_time_shift_leaves_metrics_unchanged(
    strides_s: list[float], contact: float, shift: float
) -> None:
    base = _jittered_events(strides_s, contact, 1.0)
    moved = _jittered_events(strides_s, contact, 1.0 + shift)
    a = compute_gait_metrics(base, segment_strides(base))
    b = compute_gait_metrics(moved, segment_strides(moved))
    assert set(a) == set(b)
    for name in a:
        for x, y in ((a[name].left, b[name].left), (a[name].value, b[name].value)):
            assert x.n_strides == y.n_strides
            assert x.mean == pytest.approx(y.mean, rel=1e-6, abs=1e-6)


def test_swapping_sides_swaps_the_hip_metrics(run) -> None:
    strides = segment_strides(run.events)
    angles = run.trial["angle"]
    mirrored = angles.assign_coords(
        joint=[swap_side_name(j) for j in angles["joint"].values]
    )
    swapped = strides.assign(
        side=strides["side"].map({"left": "right", "right": "left"})
    )
    a = compute_angle_metrics(angles, strides)
    b = compute_angle_metrics(mirrored, swapped)
    for name in ("hip_sagittal_rom_deg", "hip_extension_peak_deg"):
        assert _same_stat(a[name].left, b[name].right)
        assert _same_stat(a[name].right, b[name].left)


def test_a_time_shift_leaves_angle_metrics_unchanged() -> None:
    base = synthetic_runner(duration_s=4.0)
    moved = synthetic_runner(duration_s=4.0, start_s=100.0)
    a = compute_angle_metrics(base.trial["angle"], segment_strides(base.events))
    b = compute_angle_metrics(moved.trial["angle"], segment_strides(moved.events))
    assert set(a) == set(b)
    for name in a:
        assert _same_metric(a[name], b[name])
