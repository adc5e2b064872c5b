"""Tests of the stride and step tables (methods memo B.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridescope.errors import InputError
from stridescope.gait.strides import (
    STEP_COLUMNS,
    STRIDE_COLUMNS,
    segment_strides,
    step_table,
)
from stridescope.model.trial import Event
from tests.fixtures.synthetic_runner import synthetic_runner


def _run_events() -> list[Event]:
    return synthetic_runner(duration_s=4.0).events


def test_stride_table_is_exact_for_the_synthetic_runner() -> None:
    strides = segment_strides(_run_events())
    assert list(strides.columns) == list(STRIDE_COLUMNS)
    assert strides.index.name == "stride_id"
    assert list(strides.index) == list(range(len(strides)))
    assert strides["valid"].dtype == bool
    assert strides["valid"].all()
    assert (strides["exclusion_reason"] == "").all()
    np.testing.assert_allclose(strides["stride_time_s"], 0.72)
    np.testing.assert_allclose(strides["contact_time_s"], 0.25)
    np.testing.assert_allclose(strides["swing_time_s"], 0.47)
    np.testing.assert_allclose(strides["duty_factor"], 0.25 / 0.72)
    assert strides["foot_strike_s"].is_monotonic_increasing
    assert set(strides["side"]) == {"left", "right"}


def test_one_side_only() -> None:
    right = segment_strides(_run_events(), side="right")
    assert set(right["side"]) == {"right"}
    both = segment_strides(_run_events())
    assert len(right) == (both["side"] == "right").sum()
    with pytest.raises(InputError, match="side"):
        segment_strides(_run_events(), side="both")


def test_missing_toe_off_marks_the_stride_invalid() -> None:
    events = _run_events()
    dropped = next(e for e in events if e.kind == "toe_off" and e.side == "left")
    strides = segment_strides([e for e in events if e != dropped], side="left")
    bad = strides[~strides["valid"]]
    assert len(bad) == 1
    assert bad["exclusion_reason"].iloc[0] == "missing toe_off"
    assert np.isnan(bad["contact_time_s"].iloc[0])


def test_two_toe_offs_in_a_stride_are_ambiguous() -> None:
    events = [*_run_events(), Event(0.8, "right", "toe_off", "file")]
    strides = segment_strides(events, side="right")
    assert "more than one toe_off" in set(strides["exclusion_reason"])


def test_a_missed_foot_strike_gives_an_outlier_stride() -> None:
    events = _run_events()
    strikes = [e for e in events if e.kind == "foot_strike" and e.side == "right"]
    missing = strikes[2]
    strides = segment_strides([e for e in events if e != missing], side="right")
    bad = strides[~strides["valid"]]
    assert len(bad) == 1
    assert bad["stride_time_s"].iloc[0] == pytest.approx(1.44)
    reasons = bad["exclusion_reason"].iloc[0]
    assert "more than one toe_off" in reasons
    assert "stride_time_s outside 0.7-1.3 x median" in reasons


def test_no_events_give_an_empty_table() -> None:
    strides = segment_strides([])
    assert isinstance(strides, pd.DataFrame)
    assert strides.empty
    assert list(strides.columns) == list(STRIDE_COLUMNS)


def test_malformed_events_are_rejected() -> None:
    with pytest.raises(InputError, match="side in"):
        segment_strides([Event(0.1, "L", "foot_strike", "file")])


def test_step_table_gives_flight_time_for_running() -> None:
    steps = step_table(_run_events())
    assert list(steps.columns) == list(STEP_COLUMNS)
    assert steps.index.name == "step_id"
    assert steps["valid"].all()
    np.testing.assert_allclose(steps["step_time_s"], 0.36)
    np.testing.assert_allclose(steps["contact_time_s"], 0.25)
    np.testing.assert_allclose(steps["flight_time_s"], 0.11)
    assert (steps["side"] != steps["next_side"]).all()


def test_step_table_double_support_is_negative_flight() -> None:
    walk = synthetic_runner(stride_time_s=1.1, contact_time_s=0.7, duration_s=5.0)
    steps = step_table(walk.events)
    valid = steps[steps["valid"]]
    np.testing.assert_allclose(valid["flight_time_s"], 0.55 - 0.7)


def test_step_after_a_missed_strike_is_invalid() -> None:
    events = _run_events()
    left = [e for e in events if e.kind == "foot_strike" and e.side == "left"]
    steps = step_table([e for e in events if e != left[1]])
    reasons = set(steps.loc[~steps["valid"], "exclusion_reason"])
    assert any("same foot" in r for r in reasons)
