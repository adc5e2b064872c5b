"""Per-stride signals and pelvis-thorax coordination on analytic and real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from stridescope.gait.strides import segment_strides
from stridescope.model import schema as s
from stridescope.model.trial import Event
from stridescope.patterns.signals import (
    compute_stride_signals,
    estimate_speed_m_s,
    reference_side,
    thigh_sagittal_angle,
    transverse_coordination,
    upper_trunk_rotation,
)
from stridescope.pipeline import InputAnalysis
from tests.fixtures.synthetic_runner import synthetic_runner

RATE_HZ = 200.0
STRIDE_S = 1.0
CONTACT_S = 0.4


def _events(n_strides: int = 6) -> list[Event]:
    out = []
    for side, first in (("right", 0.0), ("left", 0.5)):
        for k in range(n_strides + 1):
            t = first + k * STRIDE_S
            out.append(Event(t, side, "foot_strike", "file"))
            out.append(Event(t + CONTACT_S, side, "toe_off", "file"))
    return out


def _angles(columns: dict[str, np.ndarray], time: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        np.stack(list(columns.values()), axis=1),
        dims=(s.TIME, s.JOINT),
        coords={s.TIME: time, s.JOINT: list(columns)},
    )


def _time(n_strides: int = 6) -> np.ndarray:
    return np.arange(round((n_strides + 1.5) * STRIDE_S * RATE_HZ)) / RATE_HZ


def _phase(time: np.ndarray, side: str) -> np.ndarray:
    first = 0.0 if side == "right" else 0.5
    return 2 * np.pi * (time - first) / STRIDE_S


@pytest.mark.parametrize("share", [0.0, 0.25, 0.6])
def test_pelvic_contribution_ratio_is_the_pelvis_share(share: float) -> None:
    """The pelvis tilts forward by `share` per degree of thigh extension."""
    time = _time()
    thigh = {side: 20 * np.cos(_phase(time, side)) for side in ("left", "right")}
    tilt = 12 - share * thigh["left"]  # follows the left thigh only
    cols = {f"{side}_hip_flexion": thigh[side] + tilt for side in thigh}
    cols["pelvis_anterior_tilt"] = tilt
    angles = _angles(cols, time)
    strides = segment_strides(_events())
    table = compute_stride_signals(angles, strides).table
    left = table[table["side"] == "left"]
    np.testing.assert_allclose(left["pelvic_contribution_ratio"], share, atol=1e-9)
    np.testing.assert_allclose(left["pelvis_thigh_coupling_sagittal"], share, atol=1e-9)
    np.testing.assert_allclose(left["thigh_sagittal_rom_deg"], 40.0, atol=1e-6)


def test_thigh_angle_prefers_the_video_thigh() -> None:
    time = _time(1)
    angles = _angles(
        {
            "left_thigh_angle": np.ones_like(time),
            "left_hip_flexion": np.full_like(time, 30.0),
            "pelvis_anterior_tilt": np.full_like(time, 10.0),
        },
        time,
    )
    values, how = thigh_sagittal_angle(angles, "left")  # type: ignore[misc]
    assert how == "left_thigh_angle"
    np.testing.assert_array_equal(values, 1.0)
    fallback = angles.drop_sel(joint="left_thigh_angle")
    values, how = thigh_sagittal_angle(fallback, "left")  # type: ignore[misc]
    assert how == "left_hip_flexion - pelvis_anterior_tilt"
    np.testing.assert_array_equal(values, 20.0)
    assert thigh_sagittal_angle(angles, "right") is None


def test_lean_drop_and_upper_trunk_rotation_per_side() -> None:
    time = _time()
    ref = _phase(time, "right")
    angles = _angles(
        {
            "trunk_lateral_lean": 1.0 + 2.0 * np.sin(ref),
            "pelvis_obliquity": 4.0 * np.sin(ref),
            "pelvis_rotation": 5.0 * np.sin(ref),
            "trunk_rotation": 7.0 + -3.0 * np.sin(ref),
        },
        time,
    )
    sig = compute_stride_signals(angles, segment_strides(_events()))
    table = sig.table
    right, left = table[table["side"] == "right"], table[table["side"] == "left"]
    np.testing.assert_allclose(table["trunk_lateral_lean_mean_deg"], 1.0, atol=1e-9)
    assert (
        right["trunk_lateral_lean_peak_deg"].min()
        > left["trunk_lateral_lean_peak_deg"].max()
    )  # a +1 deg bias: leans further over the right foot
    np.testing.assert_allclose(
        right["contralateral_pelvic_drop_peak_deg"], 4.0, atol=1e-3
    )
    # thorax - pelvis = 7 - 8 sin: peaks about its own mean, offset reported apart
    np.testing.assert_allclose(table["upper_trunk_rotation_offset_deg"], 7.0, atol=1e-9)
    np.testing.assert_allclose(
        table["upper_trunk_rotation_left_peak_deg"], 8.0, atol=1e-6
    )
    np.testing.assert_allclose(
        table["upper_trunk_rotation_right_peak_deg"], 8.0, atol=1e-6
    )
    assert sig.derivations["upper_trunk_rotation"] == "trunk_rotation - pelvis_rotation"
    utr = upper_trunk_rotation(angles.drop_sel(joint="trunk_rotation"))
    assert utr is None


def _coordination(thorax_shift_rad: float, noise: float = 0.0):  # type: ignore[no-untyped-def]
    time = _time(8)
    phase = _phase(time, "right")
    rng = np.random.default_rng(1)
    pelvis = 6.0 * np.sin(phase)
    thorax = 10.0 * np.sin(phase + thorax_shift_rad) + noise * rng.standard_normal(
        time.size
    )
    strides = segment_strides(_events(8))
    rows = strides[strides["side"] == "right"]
    return transverse_coordination(pelvis, thorax, time_s=time, strides=rows)


def test_crp_in_phase_anti_phase_and_quadrature() -> None:
    in_phase = _coordination(0.0)
    assert in_phase is not None
    assert float(np.mean(in_phase.marp_deg)) == pytest.approx(0.0, abs=1e-6)
    assert in_phase.dp_deg == pytest.approx(0.0, abs=1e-4)
    assert in_phase.in_phase_pct == pytest.approx(100.0)
    anti = _coordination(np.pi)
    assert anti is not None
    assert float(np.mean(anti.marp_deg)) == pytest.approx(180.0, abs=1e-3)
    assert anti.anti_phase_pct == pytest.approx(100.0)
    quarter = _coordination(np.pi / 2)
    assert quarter is not None
    assert float(np.mean(quarter.marp_deg)) == pytest.approx(90.0, abs=1.0)


def test_crp_variability_grows_with_noise() -> None:
    calm, noisy = _coordination(0.3, noise=0.1), _coordination(0.3, noise=2.0)
    assert calm is not None
    assert noisy is not None
    assert noisy.dp_deg > calm.dp_deg
    assert noisy.coupling_variability_deg > calm.coupling_variability_deg


def test_coordination_needs_two_gap_free_strides() -> None:
    time = _time(2)
    pelvis = np.sin(_phase(time, "right"))
    strides = segment_strides(_events(2))
    rows = strides[strides["side"] == "right"]
    one = rows.iloc[:1]
    assert transverse_coordination(pelvis, pelvis, time_s=time, strides=one) is None
    gappy = pelvis.copy()
    gappy[50] = np.nan
    assert transverse_coordination(gappy, pelvis, time_s=time, strides=rows) is None


def test_speed_from_pelvis_markers_overground_only() -> None:
    over = synthetic_runner(treadmill=False, speed_m_s=3.0, heading_deg=30.0)
    speed, how = estimate_speed_m_s(over.trial)
    assert speed == pytest.approx(3.0, rel=0.02)
    assert "pelvis" in how
    tread = synthetic_runner(treadmill=True)
    assert estimate_speed_m_s(tread.trial)[0] is None
    given = tread.trial.assign_attrs(speed_m_s=3.3)
    assert estimate_speed_m_s(given) == (3.3, "trial attribute speed_m_s")


def test_reference_side_more_strides_then_earlier() -> None:
    strides = pd.DataFrame(
        {
            "side": ["left", "right", "left"],
            "foot_strike_s": [0.5, 0.0, 1.5],
            "valid": [True, True, True],
        }
    )
    assert reference_side(strides) == "left"
    assert reference_side(strides.iloc[:2]) == "right"


@pytest.mark.shared_data
def test_real_trials_give_signals_in_plausible_ranges(real: InputAnalysis) -> None:
    """Both real runners: hip arcs 50-70 deg, small pelvic share, sane lean."""
    sig = compute_stride_signals(real.angles, real.strides)  # type: ignore[arg-type]
    table = sig.table
    assert len(table) == int(real.strides["valid"].sum())
    assert table["hip_sagittal_rom_deg"].between(45, 75).all()
    assert table["pelvic_contribution_ratio"].between(-0.2, 0.45).all()
    assert table["trunk_lateral_lean_mean_deg"].abs().max() < 3.0
    assert sig.reference_side in ("left", "right")
