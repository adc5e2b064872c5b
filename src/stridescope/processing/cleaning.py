"""Keypoint cleaning for pose-estimator output (methods memo, section E).

:func:`clean_keypoints` runs six small public steps in this order; each returns a new
trial and appends one entry (with its counts) to the trial's ``log``:

1. :func:`gate_confidence`: a keypoint whose confidence (visibility) is below
   ``min_confidence`` (default 0.5, MediaPipe's own default) becomes NaN; so does one
   whose ``presence`` is below it, when the trial has a ``presence`` variable. NaN
   confidence (motion capture) never gates.
2. :func:`repair_leg_swaps`: left/right identity swaps of the legs. Each leg (hip,
   knee, ankle, heel, foot_index, small_toe, whichever exist) is tracked as one unit;
   its position in frame ``t`` is predicted from the two previous corrected frames
   (constant velocity, within ``SWAP_LOOKBACK_S``). Frame ``t`` is relabelled when
   swapping the labels reduces the summed distance to the predictions by more than
   ``1 - SWAP_COST_RATIO`` (50 %). Predicting instead of comparing with the last
   frame keeps legs that cross in a side view (knees a few pixels apart) from being
   taken for a swap. If more than half the frames end up relabelled, the labels of
   the source are taken as right and the minority is relabelled instead.
3. :func:`reject_outliers`: Hampel filter on each coordinate (window 7 frames,
   3 scaled MADs); a flagged keypoint becomes NaN (both coordinates). The scale never
   drops below the series' median absolute frame-to-frame change, so a foot resting
   on the ground for a few frames (MAD 0) is not flagged for a pixel of jitter.
4. :func:`fill_short_gaps`: PCHIP over NaN runs up to ``max_gap_s`` (0.1 s).
5. :func:`drop_sparse_frames`: in frames with fewer than 4 of the 6 lower-limb
   keypoints (hips, knees, ankles) the leg keypoints become NaN ("frame dropped");
   the upper body is kept.
6. :func:`smooth_positions`: zero-lag 4th-order Butterworth low-pass; the default
   cutoff is ``min(6 Hz, 0.2 x sampling rate)`` (6 Hz at 30 fps and above).

The steps clean ``position`` and, when present, ``world_position`` (video trials);
swaps are detected on ``position`` and applied to every per-keypoint variable.
:func:`clean_keypoints` keeps the input series as ``position_raw`` (and
``world_position_raw``) and stores a :class:`DataQuality` summary as JSON in the attr
``data_quality``; :func:`data_quality` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.model import schema as s
from stridescope.model.trial import append_log, validate_trial
from stridescope.processing._keypoint_repair import (
    count_runs,
    hampel_mask,
    swapped_frames,
)
from stridescope.processing.filtering import fill_gaps, lowpass

__all__ = [
    "DataQuality",
    "clean_keypoints",
    "data_quality",
    "default_cutoff_hz",
    "drop_sparse_frames",
    "fill_short_gaps",
    "gate_confidence",
    "reject_outliers",
    "repair_leg_swaps",
    "smooth_positions",
]

#: Confidence (visibility/presence) below which a keypoint is discarded (MediaPipe's
#: default thresholds are 0.5).
MIN_CONFIDENCE: Final = 0.5
#: Relabel a frame when swapping left/right costs less than this share of keeping.
SWAP_COST_RATIO: Final = 0.5
#: How far back (s) the swap tracker looks for the frames it predicts from.
SWAP_LOOKBACK_S: Final = 0.1
#: Hampel window (frames, centred) and threshold (scaled MADs).
HAMPEL_WINDOW_FRAMES: Final = 7
HAMPEL_N_MAD: Final = 3.0
#: Longest gap (s) filled by PCHIP.
MAX_GAP_S: Final = 0.1
#: Default low-pass cutoff (Hz), capped at this fraction of the sampling rate.
DEFAULT_CUTOFF_HZ: Final = 6.0
CUTOFF_FRACTION_OF_RATE: Final = 0.2
FILTER_ORDER: Final = 4
#: Leg keypoints (``left_<part>`` / ``right_<part>``) tracked as one unit per side.
LEG_PARTS: Final = ("hip", "knee", "ankle", "heel", "foot_index", "small_toe")
#: Keypoints counted by the frame-rejection rule, and how many must be valid.
LOWER_LIMB_KEYPOINTS: Final = tuple(
    f"{side}_{part}" for part in ("hip", "knee", "ankle") for side in s.SIDES
)
MIN_VALID_LOWER_LIMB: Final = 4
#: Variables cleaned, and the attr holding the quality summary.
POSITION_VARIABLES: Final = (s.POSITION, "world_position")
PRESENCE: Final = "presence"
RAW_SUFFIX: Final = "_raw"
ATTR_DATA_QUALITY: Final = "data_quality"

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class DataQuality:
    """What cleaning found and changed (counts of keypoint-frames unless named).

    ``usable_fraction``: per keypoint, frames with a finite cleaned position;
    ``confident_fraction``: per keypoint, frames whose confidence reached the
    threshold; ``points_gated``: discarded for low confidence; ``swaps_repaired``:
    left/right swap episodes (runs of relabelled frames) and ``swapped_frames`` their
    source frame numbers; ``outliers_rejected``: Hampel outliers; ``gaps_filled``:
    filled by PCHIP; ``frames_dropped``: frames whose leg keypoints were discarded.
    """

    n_frames: int
    usable_fraction: dict[str, float]
    confident_fraction: dict[str, float]
    points_gated: int
    swaps_repaired: int
    swapped_frames: tuple[int, ...]
    outliers_rejected: int
    gaps_filled: int
    frames_dropped: int


def _position_names(ds: xr.Dataset) -> list[str]:
    return [name for name in POSITION_VARIABLES if name in ds]


def _tsk(ds: xr.Dataset, name: str) -> FloatArray:
    """Return a float copy of ``ds[name]`` with axes (time, space, keypoint)."""
    values = ds[name].transpose(s.TIME, ..., s.KEYPOINT).values
    return np.array(values, dtype=float)


def _map_positions(
    ds: xr.Dataset, func: Callable[[str, FloatArray], FloatArray]
) -> xr.Dataset:
    """Return a copy of ``ds`` with each position variable replaced by ``func``."""
    out = ds.copy()
    for name in _position_names(ds):
        ordered = ds[name].transpose(s.TIME, ..., s.KEYPOINT)
        new = ordered.copy(data=func(name, _tsk(ds, name)))
        out[name] = new.transpose(*ds[name].dims)
    return out


def _valid_points(ds: xr.Dataset) -> BoolArray:
    """Keypoint-frames (time, keypoint) whose ``position`` is finite."""
    return np.asarray(np.isfinite(_tsk(ds, s.POSITION)).all(axis=1), dtype=bool)


def _rate_hz(ds: xr.Dataset) -> float:
    return float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])


def _keypoint_index(ds: xr.Dataset, names: tuple[str, ...] | list[str]) -> list[int]:
    labels = ds[s.KEYPOINT].values.tolist()
    return [labels.index(name) for name in names if name in labels]


def gate_confidence(
    ds: xr.Dataset, *, min_confidence: float = MIN_CONFIDENCE
) -> xr.Dataset:
    """Set keypoints whose confidence (or presence) is below a threshold to NaN.

    Parameters
    ----------
    ds
        A trial with ``position`` and ``confidence``.
    min_confidence
        Threshold in [0, 1]; NaN confidence never gates.

    Returns
    -------
    xarray.Dataset
        A new trial; the log entry holds ``points_gated``.
    """
    validate_trial(ds, require=(s.POSITION,))
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(
            f"Expected min_confidence in [0, 1], but got {min_confidence}."
        )
    low = ds[s.CONFIDENCE].transpose(s.TIME, s.KEYPOINT).values < min_confidence
    if PRESENCE in ds:
        low |= ds[PRESENCE].transpose(s.TIME, s.KEYPOINT).values < min_confidence
    gated = int((low & _valid_points(ds)).sum())
    out = _map_positions(ds, lambda _, a: np.where(low[:, None, :], np.nan, a))
    return append_log(
        out, "gate_confidence", min_confidence=min_confidence, points_gated=gated
    )


def _leg_pairs(ds: xr.Dataset) -> tuple[list[int], list[int]]:
    labels = ds[s.KEYPOINT].values.tolist()
    pairs = [
        (labels.index(f"left_{part}"), labels.index(f"right_{part}"))
        for part in LEG_PARTS
        if f"left_{part}" in labels and f"right_{part}" in labels
    ]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _apply_swaps(
    ds: xr.Dataset, swapped: BoolArray, legs: tuple[list[int], list[int]]
) -> xr.Dataset:
    perm = np.arange(ds.sizes[s.KEYPOINT])
    perm[legs[0] + legs[1]] = legs[1] + legs[0]
    out = ds.copy()
    for name, da in ds.data_vars.items():
        if s.KEYPOINT not in da.dims or str(name).endswith(RAW_SUFFIX):
            continue
        ordered = da.transpose(s.TIME, ..., s.KEYPOINT)
        values = np.array(ordered.values)
        values[swapped] = values[swapped][..., perm]
        out[name] = ordered.copy(data=values).transpose(*da.dims)
    return out


def repair_leg_swaps(ds: xr.Dataset) -> xr.Dataset:
    """Swap back the frames whose left and right leg labels were exchanged.

    Parameters
    ----------
    ds
        A trial with ``position``; leg keypoints are ``left_<part>``/``right_<part>``
        for the parts in ``LEG_PARTS``.

    Returns
    -------
    xarray.Dataset
        A new trial in which every per-keypoint variable (position, confidence, ...)
        is relabelled in the swapped frames; the log entry holds ``swaps_repaired``
        (episodes) and ``swapped_frames`` (source frame numbers).
    """
    validate_trial(ds, require=(s.POSITION,))
    legs = _leg_pairs(ds)
    swapped = np.zeros(ds.sizes[s.TIME], dtype=bool)
    if legs[0]:
        lookback = max(2, round(SWAP_LOOKBACK_S * _rate_hz(ds)))
        swapped = swapped_frames(
            _tsk(ds, s.POSITION), legs, lookback=lookback, cost_ratio=SWAP_COST_RATIO
        )
    out = _apply_swaps(ds, swapped, legs) if swapped.any() else ds
    frames = [int(f) for f in ds[s.FRAME].values[swapped]]
    return append_log(
        out,
        "repair_leg_swaps",
        cost_ratio=SWAP_COST_RATIO,
        swaps_repaired=count_runs(swapped),
        swapped_frames=frames,
    )


def reject_outliers(
    ds: xr.Dataset,
    *,
    window_frames: int = HAMPEL_WINDOW_FRAMES,
    n_mad: float = HAMPEL_N_MAD,
) -> xr.Dataset:
    """Set Hampel outliers to NaN (a later gap fill may bridge them).

    Parameters
    ----------
    ds
        A trial with ``position``.
    window_frames
        Odd window length in frames, centred on the sample judged.
    n_mad
        Threshold in scaled median absolute deviations.

    Returns
    -------
    xarray.Dataset
        A new trial; the log entry holds ``outliers_rejected``.
    """
    validate_trial(ds, require=(s.POSITION,))
    if window_frames < 3 or window_frames % 2 == 0 or n_mad <= 0:
        raise InputError(
            "Expected an odd window_frames >= 3 and n_mad > 0, but got "
            f"window_frames={window_frames}, n_mad={n_mad}."
        )
    masks = {
        name: hampel_mask(_tsk(ds, name), window_frames=window_frames, n_mad=n_mad)
        for name in _position_names(ds)
    }
    rejected = int((masks[s.POSITION] & _valid_points(ds)).sum())
    out = _map_positions(ds, lambda n, a: np.where(masks[n][:, None, :], np.nan, a))
    return append_log(
        out,
        "reject_outliers",
        window_frames=window_frames,
        n_mad=n_mad,
        outliers_rejected=rejected,
    )


def fill_short_gaps(ds: xr.Dataset, *, max_gap_s: float = MAX_GAP_S) -> xr.Dataset:
    """Fill interior NaN runs no longer than ``max_gap_s`` (seconds) by PCHIP.

    Returns a new trial; longer gaps stay NaN; the log entry holds ``gaps_filled``.
    """
    validate_trial(ds, require=(s.POSITION,))
    rate = _rate_hz(ds)
    out = _map_positions(
        ds, lambda _, a: fill_gaps(a, sampling_rate_hz=rate, max_gap_s=max_gap_s)
    )
    filled = int((_valid_points(out) & ~_valid_points(ds)).sum())
    return append_log(
        out, "fill_short_gaps", method="pchip", max_gap_s=max_gap_s, gaps_filled=filled
    )


def drop_sparse_frames(
    ds: xr.Dataset, *, min_valid: int = MIN_VALID_LOWER_LIMB
) -> xr.Dataset:
    """Discard the leg keypoints of frames with too few valid lower-limb keypoints.

    Parameters
    ----------
    ds
        A trial with ``position``.
    min_valid
        Fewest valid keypoints among ``LOWER_LIMB_KEYPOINTS`` (hips, knees, ankles)
        a frame needs to keep its leg keypoints.

    Returns
    -------
    xarray.Dataset
        A new trial; the log entry holds ``frames_dropped``. Trials holding fewer
        than ``min_valid`` of those keypoints at all are returned unchanged.
    """
    validate_trial(ds, require=(s.POSITION,))
    counted = _keypoint_index(ds, LOWER_LIMB_KEYPOINTS)
    sparse = np.zeros(ds.sizes[s.TIME], dtype=bool)
    if len(counted) >= min_valid:
        sparse = _valid_points(ds)[:, counted].sum(axis=1) < min_valid
    legs = _leg_pairs(ds)
    leg_index = legs[0] + legs[1]

    def drop(_: str, values: FloatArray) -> FloatArray:
        rows = np.flatnonzero(sparse)[:, None, None]
        values[rows, np.arange(values.shape[1])[:, None], np.array(leg_index)] = np.nan
        return values

    out = _map_positions(ds, drop) if sparse.any() else ds
    return append_log(
        out, "drop_sparse_frames", min_valid=min_valid, frames_dropped=int(sparse.sum())
    )


def default_cutoff_hz(sampling_rate_hz: float) -> float:
    """Return the default low-pass cutoff: ``min(6 Hz, 0.2 x sampling rate)``.

    Examples
    --------
    >>> default_cutoff_hz(30.0), default_cutoff_hz(120.0), default_cutoff_hz(20.0)
    (6.0, 6.0, 4.0)
    """
    return float(min(DEFAULT_CUTOFF_HZ, CUTOFF_FRACTION_OF_RATE * sampling_rate_hz))


def smooth_positions(ds: xr.Dataset, *, cutoff_hz: float | None = None) -> xr.Dataset:
    """Low-pass the positions with a zero-lag Butterworth filter.

    Parameters
    ----------
    ds
        A trial with ``position``.
    cutoff_hz
        Cutoff in Hz; default :func:`default_cutoff_hz` of the sampling rate.

    Returns
    -------
    xarray.Dataset
        A new trial; NaN stays NaN.
    """
    validate_trial(ds, require=(s.POSITION,))
    rate = _rate_hz(ds)
    cutoff = default_cutoff_hz(rate) if cutoff_hz is None else float(cutoff_hz)
    if not 0.0 < cutoff < rate / 2:
        raise InputError(
            f"Expected cutoff_hz between 0 and the Nyquist frequency ({rate / 2} Hz), "
            f"but got {cutoff}."
        )

    def smooth(_: str, values: FloatArray) -> FloatArray:
        return lowpass(
            values, sampling_rate_hz=rate, cutoff_hz=cutoff, order=FILTER_ORDER
        )

    out = _map_positions(ds, smooth)
    return append_log(
        out,
        "smooth_positions",
        method="butterworth_zero_lag",
        cutoff_hz=cutoff,
        order=FILTER_ORDER,
    )


def _last_entry(ds: xr.Dataset) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(str(ds.attrs[s.ATTR_LOG]))[-1]
    return entry


def _fractions(ds: xr.Dataset, mask: BoolArray) -> dict[str, float]:
    names = [str(k) for k in ds[s.KEYPOINT].values]
    return {
        name: round(float(v), 6)
        for name, v in zip(names, mask.mean(axis=0), strict=True)
    }


def clean_keypoints(
    ds: xr.Dataset,
    *,
    min_confidence: float = MIN_CONFIDENCE,
    max_gap_s: float = MAX_GAP_S,
    cutoff_hz: float | None = None,
) -> xr.Dataset:
    """Clean pose-estimator keypoints: gate, unswap, de-spike, fill, drop, smooth.

    Parameters
    ----------
    ds
        A trial with ``position`` (pixels or metres) and ``confidence``.
    min_confidence
        Confidence threshold in [0, 1] (see :func:`gate_confidence`).
    max_gap_s
        Longest gap to fill, in seconds (see :func:`fill_short_gaps`).
    cutoff_hz
        Low-pass cutoff in Hz; default :func:`default_cutoff_hz`.

    Returns
    -------
    xarray.Dataset
        A new trial whose ``position`` is cleaned, with the input kept as
        ``position_raw`` and a :class:`DataQuality` summary in the attr
        ``data_quality`` (read it with :func:`data_quality`).

    Raises
    ------
    InputError
        For an invalid trial, one that was already cleaned, or bad options.
    """
    validate_trial(ds, require=(s.POSITION,))
    if s.POSITION + RAW_SUFFIX in ds:
        raise InputError(
            "Expected a trial that was not cleaned yet, but it already has "
            "'position_raw'; clean the raw trial instead."
        )
    counts: dict[str, Any] = {}
    out = ds
    steps: list[Callable[[xr.Dataset], xr.Dataset]] = [
        lambda d: gate_confidence(d, min_confidence=min_confidence),
        repair_leg_swaps,
        reject_outliers,
        lambda d: fill_short_gaps(d, max_gap_s=max_gap_s),
        drop_sparse_frames,
        lambda d: smooth_positions(d, cutoff_hz=cutoff_hz),
    ]
    for step in steps:
        out = step(out)
        counts.update(_last_entry(out))
    raw = {name + RAW_SUFFIX: ds[name] for name in _position_names(ds)}
    out = out.assign(raw)
    quality = _quality(out, ds, counts=counts, min_confidence=min_confidence)
    out.attrs = {**out.attrs, ATTR_DATA_QUALITY: json.dumps(asdict(quality))}
    return append_log(
        out,
        "clean_keypoints",
        min_confidence=min_confidence,
        max_gap_s=max_gap_s,
        cutoff_hz=counts["cutoff_hz"],
    )


def _quality(
    cleaned: xr.Dataset,
    raw: xr.Dataset,
    *,
    counts: dict[str, Any],
    min_confidence: float,
) -> DataQuality:
    confidence = raw[s.CONFIDENCE].transpose(s.TIME, s.KEYPOINT).values
    confident = ~(confidence < min_confidence) & _valid_points(raw)
    return DataQuality(
        n_frames=int(cleaned.sizes[s.TIME]),
        usable_fraction=_fractions(cleaned, _valid_points(cleaned)),
        confident_fraction=_fractions(raw, confident),
        points_gated=int(counts["points_gated"]),
        swaps_repaired=int(counts["swaps_repaired"]),
        swapped_frames=tuple(int(f) for f in counts["swapped_frames"]),
        outliers_rejected=int(counts["outliers_rejected"]),
        gaps_filled=int(counts["gaps_filled"]),
        frames_dropped=int(counts["frames_dropped"]),
    )


def data_quality(ds: xr.Dataset) -> DataQuality:
    """Return the :class:`DataQuality` summary stored by :func:`clean_keypoints`.

    Raises
    ------
    InputError
        If the trial was not cleaned by :func:`clean_keypoints`.
    """
    validate_trial(ds)
    if ATTR_DATA_QUALITY not in ds.attrs:
        raise InputError(
            "Expected a trial cleaned by clean_keypoints (attr 'data_quality'), but "
            "it has none; run clean_keypoints(ds) first."
        )
    fields = json.loads(str(ds.attrs[ATTR_DATA_QUALITY]))
    fields["swapped_frames"] = tuple(fields["swapped_frames"])
    return DataQuality(**fields)
