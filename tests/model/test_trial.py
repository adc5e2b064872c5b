"""Tests of the trial data model: the validated constructor and its checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stridescope.errors import InputError
from stridescope.model.trial import (
    Event,
    append_log,
    events_of,
    from_arrays,
    validate_trial,
    with_events,
)


def _trial(**kwargs: object) -> object:
    defaults: dict[str, object] = {
        "sampling_rate_hz": 100.0,
        "position": np.zeros((4, 3, 2)),
        "keypoint_names": ["left_heel", "right_heel"],
    }
    defaults.update(kwargs)
    return from_arrays(**defaults)  # type: ignore[arg-type]


def test_time_axis_from_rate_and_first_frame() -> None:
    ds = from_arrays(
        sampling_rate_hz=250.0,
        angle=np.zeros((3, 1)),
        joint_names=["x"],
        first_frame=10,
    )
    np.testing.assert_allclose(ds.time.values, [0.04, 0.044, 0.048])
    assert ds.frame.values.tolist() == [10, 11, 12]


def test_events_are_sorted_and_round_trip() -> None:
    events = [
        Event(0.3, "right", "toe_off", "file"),
        Event(0.1, "left", "foot_strike", "file"),
    ]
    ds = _trial(events=events)
    assert [e.time_s for e in events_of(ds)] == [0.1, 0.3]
    replaced = with_events(ds, [Event(0.2, "left", "toe_off", "detected:zeni")])
    assert events_of(replaced) == [Event(0.2, "left", "toe_off", "detected:zeni")]
    assert replaced.attrs == ds.attrs


def test_source_file_is_reduced_to_its_basename() -> None:
    ds = _trial(source_file="/data/lab/session 1/trial.c3d")
    assert ds.attrs["source_file"] == "trial.c3d"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError, match="space_unit.*coordinate_frame"):
        _trial(space_unit="inch", coordinate_frame="sideways")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"position": np.zeros((4, 4, 2))}, "Expected 'position' of shape"),
        ({"keypoint_names": ["a"]}, "Expected 2 keypoint names, but got 1"),
        ({"time_s": [0.0, 0.1, 0.1, 0.2]}, "strictly increasing"),
        ({"confidence": np.full((4, 2), 2.0)}, "within \\[0, 1\\]"),
        ({"keypoint_names": ["a", "a"]}, "unique 'keypoint'"),
        ({"sampling_rate_hz": 0.0}, "positive 'sampling_rate_hz'"),
        ({"events": [Event(0.1, "L", "foot_strike", "file")]}, "event sides"),
        ({"events": [Event(0.1, "left", "heel_rise", "file")]}, "event kinds"),
    ],
)
def test_invalid_inputs_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        _trial(**kwargs)


def test_neither_position_nor_angle_is_rejected() -> None:
    with pytest.raises(InputError, match="'position' or 'angle'"):
        from_arrays(sampling_rate_hz=100.0)


def test_angle_frames_must_match_position_frames() -> None:
    with pytest.raises(InputError, match="Expected 'angle' to have 4 frames"):
        _trial(angle=np.zeros((5, 1)), joint_names=["left_hip_flexion"])


def test_validate_trial_checks_required_variables() -> None:
    ds = from_arrays(sampling_rate_hz=100.0, angle=np.zeros((3, 1)), joint_names=["a"])
    with pytest.raises(InputError, match="Expected a 'position' variable"):
        validate_trial(ds, require=("position",))


def test_validate_trial_rejects_other_objects() -> None:
    with pytest.raises(InputError, match="Expected an xarray.Dataset"):
        validate_trial({"position": []})  # type: ignore[arg-type]


def test_append_log_does_not_mutate_input() -> None:
    ds = _trial()
    logged = append_log(ds, "scale_to_metres", from_unit="mm")
    assert json.loads(ds.attrs["log"]) == []
    assert json.loads(logged.attrs["log"]) == [
        {"operation": "scale_to_metres", "from_unit": "mm"}
    ]


@given(
    rate=st.floats(min_value=1.0, max_value=2000.0),
    n=st.integers(min_value=2, max_value=50),
)
def test_time_matches_frames_over_rate(rate: float, n: int) -> None:
    ds = from_arrays(sampling_rate_hz=rate, angle=np.zeros((n, 1)), joint_names=["a"])
    np.testing.assert_allclose(ds.time.values * rate, np.arange(n), atol=1e-9)
