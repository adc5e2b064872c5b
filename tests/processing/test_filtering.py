"""Tests of the zero-lag low-pass filter, PCHIP gap filling and the trial wrapper."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError
from stridescope.model.trial import from_arrays
from stridescope.processing import filtering
from stridescope.processing.filtering import fill_gaps, lowpass, lowpass_positions

RATE_HZ = 200.0


def _sine(freq_hz: float, n: int = 2000) -> np.ndarray:
    t = np.arange(n) / RATE_HZ
    return np.sin(2 * np.pi * freq_hz * t)


def test_public_surface() -> None:
    assert filtering.__all__ == ["fill_gaps", "lowpass", "lowpass_positions"]


def test_lowpass_passes_slow_and_removes_fast_components() -> None:
    slow, fast = _sine(2.0), _sine(60.0)
    out = lowpass(slow + fast, sampling_rate_hz=RATE_HZ, cutoff_hz=10.0)
    core = slice(200, -200)  # away from the edges
    assert np.max(np.abs(out[core] - slow[core])) < 0.01


def test_lowpass_has_zero_lag() -> None:
    t = np.arange(1000) / RATE_HZ
    pulse = np.exp(-(((t - 2.0) / 0.05) ** 2))
    out = lowpass(pulse, sampling_rate_hz=RATE_HZ, cutoff_hz=8.0)
    assert np.argmax(out) == np.argmax(pulse)


def test_lowpass_filters_each_finite_run_and_keeps_gaps() -> None:
    x = _sine(1.0, 600)
    x[200:260] = np.nan
    out = lowpass(x, sampling_rate_hz=RATE_HZ, cutoff_hz=10.0)
    assert np.all(np.isnan(out[200:260]))
    assert np.all(np.isfinite(out[:200]))
    assert np.all(np.isfinite(out[260:]))
    alone = lowpass(x[260:], sampling_rate_hz=RATE_HZ, cutoff_hz=10.0)
    np.testing.assert_allclose(out[260:], alone)


def test_lowpass_keeps_shape_of_multidimensional_input() -> None:
    x = np.stack([_sine(1.0, 300), _sine(3.0, 300)], axis=1)[:, :, None]
    x[10, 1, 0] = np.nan
    out = lowpass(x, sampling_rate_hz=RATE_HZ, cutoff_hz=20.0)
    assert out.shape == x.shape
    np.testing.assert_allclose(
        out[:, 0, 0], lowpass(x[:, 0, 0], sampling_rate_hz=RATE_HZ, cutoff_hz=20.0)
    )
    assert np.isnan(out[10, 1, 0])


def test_lowpass_leaves_a_single_sample_run_unchanged() -> None:
    x = np.array([np.nan, 3.0, np.nan, 1.0, 1.0, 1.0, 1.0])
    out = lowpass(x, sampling_rate_hz=RATE_HZ, cutoff_hz=10.0)
    assert out[1] == 3.0
    np.testing.assert_allclose(out[3:], 1.0)


@pytest.mark.parametrize(
    ("cutoff_hz", "order", "match"),
    [
        (100.0, 4, "Nyquist"),
        (0.0, 4, "Nyquist"),
        (10.0, 3, "even filter order"),
    ],
)
def test_lowpass_rejects_bad_settings(cutoff_hz: float, order: int, match: str) -> None:
    with pytest.raises(InputError, match=match):
        lowpass(
            np.zeros(10), sampling_rate_hz=RATE_HZ, cutoff_hz=cutoff_hz, order=order
        )


@settings(max_examples=30, deadline=None)
@given(
    value=st.floats(-1e3, 1e3),
    n=st.integers(2, 200),
    cutoff=st.floats(1.0, 90.0),
)
def test_lowpass_of_a_constant_is_the_constant(
    value: float, n: int, cutoff: float
) -> None:
    out = lowpass(np.full(n, value), sampling_rate_hz=RATE_HZ, cutoff_hz=cutoff)
    np.testing.assert_allclose(out, value, atol=1e-9 * max(1.0, abs(value)))


def test_fill_gaps_fills_short_interior_gaps_exactly_on_a_line() -> None:
    x = np.arange(20, dtype=float)
    x[5:8] = np.nan
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.03)
    np.testing.assert_allclose(out, np.arange(20.0))


def test_fill_gaps_leaves_long_and_edge_gaps() -> None:
    x = np.arange(30, dtype=float)
    x[:2] = np.nan
    x[10:15] = np.nan
    x[-1] = np.nan
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.04)
    assert np.all(np.isnan(out[:2]))
    assert np.isnan(out[-1])
    assert np.all(np.isnan(out[10:15]))
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.05)
    np.testing.assert_allclose(out[10:15], np.arange(10.0, 15.0))


def test_fill_gaps_works_per_column_and_keeps_input() -> None:
    x = np.column_stack([np.arange(10.0), np.arange(10.0) ** 2])
    x[4, 0] = np.nan
    x[6, 1] = np.nan
    before = x.copy()
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.01)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(np.isnan(x), np.isnan(before))


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-10, 10, allow_subnormal=False), min_size=6, max_size=40),
    start=st.integers(1, 3),
    length=st.integers(1, 2),
)
def test_fill_gaps_never_overshoots_monotone_data(
    values: list[float], start: int, length: int
) -> None:
    x = np.sort(np.asarray(values))
    x[start : start + length] = np.nan
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.02)
    filled = out[start : start + length]
    assert np.all(filled >= x[start - 1] - 1e-12)
    assert np.all(filled <= x[start + length] + 1e-12)
    assert np.all(np.diff(out) >= -1e-12)


def test_fill_gaps_with_the_smallest_normal_float() -> None:
    # Found by hypothesis in CI: SciPy's PCHIP slopes overflowed (a warning).
    tiny = np.finfo(float).tiny
    x = np.array([0.0, 0.0, np.nan, np.nan, 0.0, tiny])
    out = fill_gaps(x, sampling_rate_hz=100.0, max_gap_s=0.02)
    np.testing.assert_array_equal(out[2:4], 0.0)


def test_fill_gaps_rejects_bad_settings() -> None:
    with pytest.raises(InputError, match="max_gap_s >= 0"):
        fill_gaps(np.zeros(4), sampling_rate_hz=100.0, max_gap_s=-1.0)


def _trial() -> object:
    t = np.arange(400) / RATE_HZ
    pos = np.zeros((400, 3, 2))
    pos[:, 0, 0] = np.sin(2 * np.pi * 1.0 * t) + 0.1 * np.sin(2 * np.pi * 50.0 * t)
    pos[:, 2, 1] = 1.0
    pos[100:110, 1, 1] = np.nan
    return from_arrays(
        position=pos,
        keypoint_names=["left_heel", "sacrum"],
        sampling_rate_hz=RATE_HZ,
    )


def test_lowpass_positions_returns_a_new_logged_trial() -> None:
    ds = _trial()
    before = ds["position"].values.copy()
    out = lowpass_positions(ds, cutoff_hz=10.0)
    np.testing.assert_array_equal(ds["position"].values, before)
    assert out["position"].dims == ds["position"].dims
    core = slice(100, 300)
    smooth = np.sin(2 * np.pi * np.arange(400) / RATE_HZ)[core]
    assert np.max(np.abs(out["position"].values[core, 0, 0] - smooth)) < 0.01
    assert np.all(np.isnan(out["position"].values[100:110, 1, 1]))
    log = json.loads(out.attrs["log"])
    assert log[-1] == {"operation": "lowpass_positions", "cutoff_hz": 10.0, "order": 4}


def test_lowpass_positions_needs_positions() -> None:
    ds = from_arrays(
        angle=np.zeros((10, 1)),
        joint_names=["left_hip_flexion"],
        sampling_rate_hz=100.0,
    )
    with pytest.raises(InputError, match="'position'"):
        lowpass_positions(ds, cutoff_hz=10.0)
