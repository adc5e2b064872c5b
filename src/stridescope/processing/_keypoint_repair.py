"""Array kernels of keypoint cleaning: leg-swap tracking and the Hampel mask.

The rules and their constants are documented in :mod:`stridescope.processing.cleaning`.
Arrays have axes (time, space, keypoint).
"""

from __future__ import annotations

import warnings
from typing import Final

import numpy as np
from numpy.typing import NDArray

#: Scale factor from MAD to the standard deviation of a normal distribution.
MAD_TO_SD: Final = 1.4826
#: Fewest finite values in a Hampel window needed to judge its centre.
HAMPEL_MIN_POINTS: Final = 4

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def predict_linear(track: FloatArray, t: int, lookback: int) -> FloatArray:
    """Predict ``track[t]`` (space, n) from its last two finite frames (linear)."""
    start = max(0, t - lookback)
    window = track[start:t]
    valid = np.asarray(np.isfinite(window).all(axis=1), dtype=bool)
    prediction = np.full(track.shape[1:], np.nan)
    for k in range(track.shape[2]):
        seen = np.flatnonzero(valid[:, k])
        if seen.size == 0:
            continue
        last = window[seen[-1], :, k]
        prediction[:, k] = last
        if seen.size >= 2:
            step = (last - window[seen[-2], :, k]) / (seen[-1] - seen[-2])
            prediction[:, k] = last + step * (t - start - seen[-1])
    return prediction


def swap_costs(
    obs: tuple[FloatArray, FloatArray], pred: tuple[FloatArray, FloatArray]
) -> tuple[float, float]:
    """Summed distances to the predictions when keeping and when swapping labels."""
    usable = np.isfinite(pred[0]).all(axis=0) & np.isfinite(pred[1]).all(axis=0)
    keep = swap = 0.0
    for mine, other, point in ((pred[0], pred[1], obs[0]), (pred[1], pred[0], obs[1])):
        seen = usable & np.isfinite(point).all(axis=0)
        keep += float(np.linalg.norm(point - mine, axis=0)[seen].sum())
        swap += float(np.linalg.norm(point - other, axis=0)[seen].sum())
    return keep, swap


def swapped_frames(
    pos: FloatArray,
    legs: tuple[list[int], list[int]],
    *,
    lookback: int,
    cost_ratio: float,
) -> BoolArray:
    """Frames (bool per frame) whose leg labels are swapped in ``pos``."""
    left, right = pos[:, :, legs[0]].copy(), pos[:, :, legs[1]].copy()
    state = np.zeros(len(pos), dtype=bool)
    for t in range(1, len(pos)):
        pred = (predict_linear(left, t, lookback), predict_linear(right, t, lookback))
        keep, swap = swap_costs((left[t], right[t]), pred)
        if swap < cost_ratio * keep:
            state[t] = True
            left[t], right[t] = right[t].copy(), left[t].copy()
    has_data = np.isfinite(pos[:, :, legs[0] + legs[1]]).any(axis=(1, 2))
    if state.sum() > has_data.sum() / 2:
        state = has_data & ~state
    return state


def count_runs(mask: BoolArray) -> int:
    return int(np.count_nonzero(np.diff(mask.astype(int), prepend=0) == 1))


def hampel_mask(values: FloatArray, *, window_frames: int, n_mad: float) -> BoolArray:
    """Keypoint-frames (time, keypoint) where any coordinate is a Hampel outlier."""
    half = window_frames // 2
    padded = np.pad(values, ((half, half), (0, 0), (0, 0)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window_frames, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows
        median = np.nanmedian(windows, axis=-1)
        mad = np.nanmedian(np.abs(windows - median[..., None]), axis=-1)
        floor = np.nanmedian(np.abs(np.diff(values, axis=0)), axis=0)
    scale = np.fmax(MAD_TO_SD * mad, floor)
    enough = np.isfinite(windows).sum(axis=-1) >= HAMPEL_MIN_POINTS
    flagged = enough & (np.abs(values - median) > n_mad * scale)
    return np.asarray(np.any(flagged, axis=1), dtype=bool)
