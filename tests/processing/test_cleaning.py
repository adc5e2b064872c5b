"""Tests of keypoint cleaning: gating, swap repair, outliers, gaps, smoothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.model.trial import from_arrays
from stridescope.processing.cleaning import (
    DataQuality,
    clean_keypoints,
    data_quality,
    default_cutoff_hz,
    drop_sparse_frames,
    fill_short_gaps,
    gate_confidence,
    reject_outliers,
    repair_leg_swaps,
    smooth_positions,
)

RATE_HZ = 30.0
LEG = ("hip", "knee", "ankle", "heel", "foot_index")


def runner_side_left(n_frames: int = 120, rate_hz: float = RATE_HZ) -> np.ndarray:
    """Positions (time, 2, 33) in px of a runner facing image-left, legs crossing.

    Thighs swing +-30 deg about the hip at 1.4 strides/s, half a cycle apart, so the
    knees, ankles and feet of the two legs cross each other twice per stride. Values
    are on a 1/64-pixel grid so that translations by whole pixels are exact.
    """
    t = np.arange(n_frames) / rate_hz
    pos = np.full((n_frames, 2, 33), np.nan)
    mid_hip = np.stack([360.0 + 0 * t, 640.0 + 6 * np.sin(4 * np.pi * 1.4 * t)])
    for side, phase, dx in (("left", 0.0, -4.0), ("right", np.pi, 4.0)):
        swing = 2 * np.pi * 1.4 * t + phase
        thigh = np.deg2rad(30) * np.sin(swing)  # + = forward (toward image-left)
        shank = thigh - np.deg2rad(45) * (1 + np.sin(swing + 1.2))
        hip = mid_hip + np.array([[dx], [0.0]])
        knee = hip + 180 * np.stack([-np.sin(thigh), np.cos(thigh)])
        ankle = knee + 170 * np.stack([-np.sin(shank), np.cos(shank)])
        heel = ankle + np.array([[8.0], [14.0]])
        toe = ankle + np.array([[-38.0], [16.0]])
        for part, xy in zip(LEG, (hip, knee, ankle, heel, toe), strict=True):
            pos[:, :, BLAZEPOSE_33.index(f"{side}_{part}")] = xy.T
    upper = {
        "nose": (-40, -230),
        "left_eye": (-34, -240),
        "left_ear": (-6, -236),
        "left_shoulder": (-12, -170),
        "right_shoulder": (-4, -172),
        "left_elbow": (-10, -90),
        "right_elbow": (6, -95),
        "left_wrist": (-40, -60),
        "right_wrist": (-30, -70),
    }
    for name, (dx, dy) in upper.items():
        pos[:, :, BLAZEPOSE_33.index(name)] = (mid_hip + np.array([[dx], [dy]])).T
    return np.round(pos * 64) / 64


def trial(pos: np.ndarray, conf: np.ndarray | None = None) -> xr.Dataset:
    """A pixel trial of the 33 BlazePose keypoints (visibility 0.9 by default)."""
    if conf is None:
        conf = np.where(np.isfinite(pos).all(axis=1), 0.9, 0.1)
    return from_arrays(
        sampling_rate_hz=RATE_HZ,
        position=pos.copy(),
        keypoint_names=list(BLAZEPOSE_33),
        confidence=conf,
        space_unit="px",
        coordinate_frame="image_y_down",
        source_format="synthetic",
    )


def k(name: str) -> int:
    return BLAZEPOSE_33.index(name)


def swap_legs(pos: np.ndarray, frames: slice) -> np.ndarray:
    out = pos.copy()
    for part in LEG:
        left, right = k(f"left_{part}"), k(f"right_{part}")
        out[frames, :, [left, right]] = pos[frames, :, [right, left]]
    return out


def log_entry(ds: xr.Dataset, operation: str) -> dict[str, object]:
    entries = [e for e in json.loads(ds.attrs["log"]) if e["operation"] == operation]
    assert len(entries) == 1
    return dict(entries[0])


def test_clean_trial_needs_no_repairs_although_the_legs_cross() -> None:
    pos = runner_side_left()
    left_x = pos[:, 0, k("left_knee")] - pos[:, 0, k("right_knee")]
    assert np.any(np.diff(np.sign(left_x)) != 0), "the knees must cross"
    quality = data_quality(clean_keypoints(trial(pos)))
    assert quality.swaps_repaired == 0
    assert quality.outliers_rejected == 0
    assert quality.points_gated == 0
    assert quality.frames_dropped == 0
    assert quality.usable_fraction["left_knee"] == 1.0


def test_swapped_legs_are_repaired_and_counted() -> None:
    truth = runner_side_left()
    ds = trial(swap_legs(swap_legs(truth, slice(40, 45)), slice(80, 82)))
    repaired = repair_leg_swaps(ds)
    np.testing.assert_array_equal(repaired.position.values, truth)
    entry = log_entry(repaired, "repair_leg_swaps")
    assert entry["swaps_repaired"] == 2
    assert entry["swapped_frames"] == [40, 41, 42, 43, 44, 80, 81]
    quality = data_quality(clean_keypoints(ds))
    assert quality.swaps_repaired == 2
    assert quality.swapped_frames == (40, 41, 42, 43, 44, 80, 81)


def test_swap_repair_moves_confidence_with_the_labels() -> None:
    truth = runner_side_left()
    conf = np.full((120, 33), 0.9)
    conf[:, k("left_ankle")] = 0.8
    swapped_conf = conf.copy()
    swapped_conf[40:45, [k("left_ankle"), k("right_ankle")]] = [0.9, 0.8]
    repaired = repair_leg_swaps(trial(swap_legs(truth, slice(40, 45)), swapped_conf))
    np.testing.assert_array_equal(repaired.confidence.values, conf)


def test_a_mostly_swapped_source_keeps_its_labels_for_the_majority() -> None:
    truth = runner_side_left()
    repaired = repair_leg_swaps(trial(swap_legs(truth, slice(30, 120))))
    assert log_entry(repaired, "repair_leg_swaps")["swapped_frames"] == list(range(30))


def test_low_confidence_points_are_gated_then_filled_when_short() -> None:
    pos = runner_side_left()
    conf = np.full((120, 33), 0.9)
    conf[10:12, k("left_knee")] = 0.2
    conf[50:60, k("left_heel")] = 0.3
    gated = gate_confidence(trial(pos, conf))
    assert np.isnan(gated.position.values[10:12, :, k("left_knee")]).all()
    assert log_entry(gated, "gate_confidence")["points_gated"] == 12
    filled = fill_short_gaps(gated, max_gap_s=0.1)
    assert np.isfinite(filled.position.values[10:12, :, k("left_knee")]).all()
    assert np.isnan(filled.position.values[50:60, :, k("left_heel")]).all()
    assert log_entry(filled, "fill_short_gaps")["gaps_filled"] == 2
    quality = data_quality(clean_keypoints(trial(pos, conf)))
    assert quality.points_gated == 12
    assert quality.gaps_filled == 2
    assert quality.usable_fraction["left_heel"] == pytest.approx(110 / 120)
    assert quality.confident_fraction["left_knee"] == pytest.approx(118 / 120)


def test_spikes_are_rejected_and_bridged() -> None:
    truth = runner_side_left()
    pos = truth.copy()
    pos[72, 0, k("left_ankle")] += 150.0
    pos[20, 1, k("nose")] -= 50.0
    rejected = reject_outliers(trial(pos))
    assert log_entry(rejected, "reject_outliers")["outliers_rejected"] == 2
    assert np.isnan(rejected.position.values[72, :, k("left_ankle")]).all()
    cleaned = clean_keypoints(trial(pos))
    assert data_quality(cleaned).outliers_rejected == 2
    error_px = cleaned.position.values[72, 0, k("left_ankle")] - truth[72, 0, 27]
    assert abs(error_px) < 10


def test_frames_without_enough_leg_keypoints_are_dropped() -> None:
    pos = runner_side_left()
    conf = np.full((120, 33), 0.9)
    legs = [k(f"{side}_{p}") for side in ("left", "right") for p in LEG]
    conf[60:66, legs[:8]] = 0.0
    cleaned = drop_sparse_frames(gate_confidence(trial(pos, conf)))
    assert log_entry(cleaned, "drop_sparse_frames")["frames_dropped"] == 6
    assert np.isnan(cleaned.position.values[60:66][:, :, legs]).all()
    assert np.isfinite(cleaned.position.values[60:66, :, k("nose")]).all()


def test_clean_keeps_the_raw_series_and_does_not_mutate_its_input() -> None:
    pos = runner_side_left()
    pos[5, 0, k("left_knee")] += 60
    ds = trial(pos)
    before = ds.copy(deep=True)
    cleaned = clean_keypoints(ds)
    xr.testing.assert_identical(ds, before)
    np.testing.assert_array_equal(cleaned.position_raw.values, pos)
    assert cleaned.position_raw.dims == cleaned.position.dims
    operations = [e["operation"] for e in json.loads(cleaned.attrs["log"])]
    assert operations == [
        "gate_confidence",
        "repair_leg_swaps",
        "reject_outliers",
        "fill_short_gaps",
        "drop_sparse_frames",
        "smooth_positions",
        "clean_keypoints",
    ]
    assert isinstance(data_quality(cleaned), DataQuality)


def test_smoothing_removes_jitter_but_keeps_the_gait() -> None:
    truth = runner_side_left()
    noisy = truth + np.random.default_rng(1).normal(0, 2.0, truth.shape)
    smoothed = smooth_positions(trial(noisy)).position.values
    inner = slice(10, 110)
    error_before = np.nanstd(noisy[inner] - truth[inner])
    error_after = np.nanstd(smoothed[inner] - truth[inner])
    assert error_after < 0.7 * error_before  # 6 Hz keeps 40 % of the 15 Hz band


@pytest.mark.parametrize(
    ("rate_hz", "cutoff_hz"), [(30.0, 6.0), (60.0, 6.0), (240.0, 6.0), (20.0, 4.0)]
)
def test_default_cutoff_follows_the_frame_rate(
    rate_hz: float, cutoff_hz: float
) -> None:
    assert default_cutoff_hz(rate_hz) == cutoff_hz


def test_bad_options_are_refused() -> None:
    ds = trial(runner_side_left())
    with pytest.raises(InputError, match="Nyquist"):
        smooth_positions(ds, cutoff_hz=15.0)
    with pytest.raises(InputError, match="min_confidence"):
        gate_confidence(ds, min_confidence=1.5)
    with pytest.raises(InputError, match="odd window_frames"):
        reject_outliers(ds, window_frames=6)
    with pytest.raises(InputError, match="already has 'position_raw'"):
        clean_keypoints(clean_keypoints(ds))
    with pytest.raises(InputError, match="run clean_keypoints"):
        data_quality(ds)


def test_a_trial_without_positions_is_refused() -> None:
    ds = from_arrays(
        sampling_rate_hz=30.0, angle=np.zeros((5, 1)), joint_names=["left_hip_flexion"]
    )
    with pytest.raises(InputError, match="'position'"):
        clean_keypoints(ds)


@settings(max_examples=8, deadline=None)
@given(
    dx=st.integers(-2000, 2000),
    dy=st.integers(-2000, 2000),
    spike_frame=st.integers(3, 100),
    swap_start=st.integers(20, 90),
)
def test_cleaning_is_invariant_to_a_pixel_translation(
    dx: int, dy: int, spike_frame: int, swap_start: int
) -> None:
    pos = swap_legs(runner_side_left(), slice(swap_start, swap_start + 3))
    pos[spike_frame, 0, k("right_ankle")] += 70
    conf = np.full((120, 33), 0.9)
    conf[spike_frame + 5, k("left_knee")] = 0.1
    shifted = pos + np.array([dx, dy], dtype=float)[None, :, None]
    a = clean_keypoints(trial(pos, conf))
    b = clean_keypoints(trial(shifted, conf))
    assert data_quality(a) == data_quality(b)
    np.testing.assert_allclose(
        b.position.values - np.array([dx, dy])[None, :, None],
        a.position.values,
        atol=1e-6,
    )


@pytest.mark.shared_data
def test_real_side_view_file_cleans_with_high_usable_fractions(
    shared_data: Path,
) -> None:
    from stridescope.errors import StridescopeWarning
    from stridescope.io.keypoints import read_gaitlab_pose

    path = shared_data / "treadmill-run-side-male" / "male_side.pose.json"
    with pytest.warns(StridescopeWarning, match=r"outside \[0, 1\]"):
        ds = read_gaitlab_pose(path)
    quality = data_quality(clean_keypoints(ds))
    assert quality.n_frames == 360
    for side in ("left", "right"):
        for part in ("hip", "knee", "ankle", "heel", "foot_index"):
            assert quality.usable_fraction[f"{side}_{part}"] >= 0.99
    assert quality.swaps_repaired == 0
    assert quality.frames_dropped == 0
    assert 0 < quality.outliers_rejected < 50
    assert quality.points_gated == 119
