"""Left-right statistics: pooled SD, symmetry angle, seeded bootstrap, zero-centring."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InsufficientDataError
from stridescope.gait.metrics import StrideStat
from stridescope.patterns import assess
from stridescope.patterns.signals import compute_stride_signals
from stridescope.patterns.stats import (
    bootstrap_interval,
    mean_interval,
    pooled_sd,
    side_difference,
    side_difference_from_summary,
    symmetry_angle_pct,
)
from tests.fixtures.alterations import analysis_from_trial
from tests.fixtures.synthetic_runner import synthetic_runner

values = st.lists(
    st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=2, max_size=12
)


def test_pooled_sd_and_symmetry_angle() -> None:
    assert pooled_sd([1.0, 3.0], [5.0, 7.0]) == pytest.approx(math.sqrt(2.0))
    assert math.isnan(pooled_sd([1.0], [2.0]))
    assert symmetry_angle_pct(10.0, 10.0) == 0.0
    assert symmetry_angle_pct(10.0, 20.0) > 0  # right larger: positive
    assert symmetry_angle_pct(-1.0, 2.0) is None


def test_bootstrap_is_seeded_and_needs_two_strides() -> None:
    left, right = [1.0, 2.0, 3.0, 2.5], [4.0, 5.0, 4.5]
    assert bootstrap_interval(left, right) == bootstrap_interval(left, right)
    assert bootstrap_interval(left, right, seed=1) != bootstrap_interval(left, right)
    with pytest.raises(InsufficientDataError, match="at least 2 strides"):
        bootstrap_interval([1.0], right)
    with pytest.raises(InsufficientDataError, match="at least 2 strides"):
        mean_interval([1.0])


@settings(max_examples=40, deadline=None)
@given(left=values, right=values)
def test_swapping_sides_negates_difference_and_interval(
    left: list[float], right: list[float]
) -> None:
    d = side_difference(left, right)
    m = side_difference(right, left)
    assert m.right_minus_left == pytest.approx(-d.right_minus_left, abs=1e-9)
    assert d.interval is not None
    assert m.interval is not None
    assert m.interval[0] == pytest.approx(-d.interval[1], abs=1e-9)
    assert m.interval[1] == pytest.approx(-d.interval[0], abs=1e-9)
    assert m.pooled_sd == pytest.approx(d.pooled_sd)


@settings(max_examples=40, deadline=None)
@given(left=values)
def test_identical_sides_are_zero_centred(left: list[float]) -> None:
    d = side_difference(left, left)
    assert d.right_minus_left == 0.0
    assert d.interval == (0.0, 0.0) or d.interval[0] <= 0.0 <= d.interval[1]  # type: ignore[index]


def test_symmetric_noise_is_zero_centred_with_nominal_coverage() -> None:
    """Same distribution both sides: differences centre on 0, ~95 % intervals hold 0."""
    rng = np.random.default_rng(7)
    diffs, covered = [], 0
    for _ in range(200):
        left, right = rng.normal(10, 1.5, 8), rng.normal(10, 1.5, 8)
        d = side_difference(left, right, n_resamples=400)
        diffs.append(d.right_minus_left)
        covered += d.interval[0] <= 0 <= d.interval[1]  # type: ignore[index]
    se = np.std(diffs) / np.sqrt(len(diffs))
    assert abs(np.mean(diffs)) < 3 * se
    assert 0.88 <= covered / 200 <= 0.99


def test_summary_interval_matches_welch() -> None:
    d = side_difference_from_summary(StrideStat(10.0, 2.0, 6), StrideStat(13.0, 2.0, 6))
    assert d.right_minus_left == 3.0
    assert d.interval is not None
    assert d.interval[0] == pytest.approx(
        3.0 - 2.228 * 2.0 * math.sqrt(2 / 6), abs=1e-3
    )
    flat = side_difference_from_summary(StrideStat(1, 0, 3), StrideStat(2, 0, 3))
    assert flat.interval == (1.0, 1.0)
    none = side_difference_from_summary(StrideStat(1, math.nan, 1), StrideStat(2, 1, 3))
    assert none.interval is None


def test_symmetric_synthetic_runner_is_zero_centred(tmp_path: Path) -> None:
    """The analytic runner moves both legs identically: every L/R difference is 0."""
    run = synthetic_runner(duration_s=8.0)
    analysis = analysis_from_trial(run.trial, run.events, tmp_path / "synthetic.nc")
    table = compute_stride_signals(analysis.angles, analysis.strides).table  # type: ignore[arg-type]
    sided = [
        c
        for c in table.columns
        if c.startswith(("hip_", "thigh_", "pelvis_thigh", "contralateral"))
        and table[c].notna().all()
    ]
    assert "hip_sagittal_rom_deg" in sided
    for column in sided:
        left = table.loc[table["side"] == "left", column]
        right = table.loc[table["side"] == "right", column]
        d = side_difference(left, right)
        assert d.right_minus_left == pytest.approx(0.0, abs=1e-6), column
        assert d.interval is not None
        assert d.interval[0] <= 1e-6, column
        assert d.interval[1] >= -1e-6, column
    result = assess([analysis])
    assert "hip_asymmetry" not in {f.pattern for f in result.findings}
