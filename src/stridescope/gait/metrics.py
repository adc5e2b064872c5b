"""Spatiotemporal and angle metrics over the strides of a trial.

Every metric is computed per stride, then summarised as mean, SD (ddof=1; NaN with
fewer than 2 strides or where a spread does not apply) and the number of strides, per
side and for both sides together (methods memo B.4). Only valid strides count.

Angle metrics use the angles of stridescope's convention (``docs/conventions.md``):
the range of motion (ROM) of a stride is max - min of the angle from its foot strike
to the next foot strike of the same foot. Peak hip extension is reported as a
positive number of degrees of extension, ``-min(hip_flexion)``; a negative value means
the hip stays flexed. Pelvis and trunk metrics (not sided) use the strides of one
*reference side*: the side with more valid strides (on a tie, the side whose first
valid stride starts earlier), so that each stride-level value covers one full cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.gait._curves import (
    compute_curve_variability,
    normalise_strides,
    valid_strides,
)
from stridescope.gait.strides import step_table
from stridescope.model import schema as s
from stridescope.model.trial import Event

__all__ = [
    "Metric",
    "StrideStat",
    "compute_angle_metrics",
    "compute_curve_variability",
    "compute_gait_metrics",
    "normalise_strides",
    "stride_stat",
    "value_extension",
    "value_peak",
    "value_range",
]

FloatArray = NDArray[np.float64]
Reducer = Callable[[FloatArray], float]


@dataclass(frozen=True)
class StrideStat:
    """Mean, standard deviation (ddof=1) and number of strides of one quantity."""

    mean: float
    sd: float
    n_strides: int


@dataclass(frozen=True)
class Metric:
    """One metric: per side (``left``/``right``) and/or for the trial (``value``).

    ``confidence`` says how far the input supports the figure (``"high"`` for marker
    based 3D input); ``note`` explains any restriction.
    """

    name: str
    unit: str
    confidence: str
    left: StrideStat | None
    right: StrideStat | None
    value: StrideStat | None
    note: str = ""


def stride_stat(values: Iterable[float]) -> StrideStat | None:
    """Mean, SD (ddof 1; NaN for one value) and count of finite per-stride values."""
    arr = np.asarray([v for v in values if np.isfinite(v)], dtype=float)
    if arr.size == 0:
        return None
    sd = float(np.std(arr, ddof=1)) if arr.size > 1 else float("nan")
    return StrideStat(float(np.mean(arr)), sd, int(arr.size))


def _sided(
    name: str, unit: str, *, confidence: str, values: pd.DataFrame, column: str
) -> Metric:
    by_side = {
        side: stride_stat(values.loc[values["side"] == side, column])
        for side in s.SIDES
    }
    return Metric(
        name,
        unit,
        confidence,
        by_side["left"],
        by_side["right"],
        stride_stat(values[column]),
    )


def _cv_pct(values: pd.Series) -> StrideStat | None:
    stat = stride_stat(values)
    if stat is None or stat.n_strides < 2:
        return None
    return StrideStat(100.0 * stat.sd / stat.mean, float("nan"), stat.n_strides)


def _count_metrics(valid: pd.DataFrame, confidence: str) -> dict[str, Metric]:
    counts = {side: int((valid["side"] == side).sum()) for side in s.SIDES}
    stat = {
        side: StrideStat(float(n), float("nan"), n) if n else None
        for side, n in counts.items()
    }
    total = StrideStat(float(len(valid)), float("nan"), len(valid))
    cv = {
        side: _cv_pct(valid.loc[valid["side"] == side, "stride_time_s"])
        for side in s.SIDES
    }
    note = "stride-to-stride variability: 100 x SD / mean of stride time"
    return {
        "stride_count": Metric(
            "stride_count", "1", confidence, stat["left"], stat["right"], total
        ),
        "stride_time_cv_pct": Metric(
            "stride_time_cv_pct",
            "%",
            confidence,
            cv["left"],
            cv["right"],
            _cv_pct(valid["stride_time_s"]),
            note,
        ),
    }


def _flight_metric(events: Iterable[Event], confidence: str) -> Metric | None:
    steps = step_table(events)
    steps = steps[steps["valid"]]
    if steps.empty or float(np.median(steps["flight_time_s"])) <= 0:
        return None  # no flight phase: walking
    metric = _sided(
        "flight_time_s",
        "s",
        confidence=confidence,
        values=steps,
        column="flight_time_s",
    )
    note = "per step; a step is attributed to the stance foot that starts it"
    return replace(metric, note=note)


def compute_gait_metrics(
    events: Iterable[Event], strides: pd.DataFrame, *, confidence: str = "high"
) -> dict[str, Metric]:
    """Compute the spatiotemporal metrics of a trial.

    ``cadence_spm`` (120 / stride time, steps per minute), ``stride_time_s``,
    ``contact_time_s``, ``swing_time_s``, ``duty_factor``, ``stride_count``,
    ``stride_time_cv_pct`` (stride-to-stride variability: CV of stride time, %) and,
    when the median step has a flight phase (running), ``flight_time_s``.

    Parameters
    ----------
    events
        The events the strides were built from (used for steps and flight time).
    strides
        Stride table from :func:`stridescope.gait.strides.segment_strides`.
    confidence
        Confidence label stored with every metric (``"high"`` for 3D markers).

    Returns
    -------
    dict of str to Metric
        Keyed by metric name.

    Raises
    ------
    InsufficientDataError
        Without a valid stride.
    """
    events = list(events)
    valid = valid_strides(strides).assign(
        cadence_spm=lambda d: 120.0 / d["stride_time_s"]
    )
    metrics = {
        name: _sided(name, unit, confidence=confidence, values=valid, column=name)
        for name, unit in (
            ("cadence_spm", "steps/min"),
            ("stride_time_s", "s"),
            ("contact_time_s", "s"),
            ("swing_time_s", "s"),
            ("duty_factor", "1"),
        )
    }
    metrics.update(_count_metrics(valid, confidence))
    flight = _flight_metric(events, confidence)
    if flight is not None:
        metrics["flight_time_s"] = flight
    return metrics


def _reference_side(valid: pd.DataFrame) -> str:
    def key(side: str) -> tuple[int, float]:
        rows = valid[valid["side"] == side]
        first = float(rows["foot_strike_s"].min()) if len(rows) else np.inf
        return (-len(rows), first)

    return min(s.SIDES, key=key)


def _per_stride(
    angles: xr.DataArray, joint: str, *, rows: pd.DataFrame, reduce: Reducer
) -> list[float]:
    """Reduce the angle of ``joint`` over each stride; strides with gaps are skipped."""
    time = np.asarray(angles[s.TIME].values, dtype=float)
    values = np.asarray(angles.sel({s.JOINT: joint}).values, dtype=float)
    out = []
    for start, stop in zip(
        rows["foot_strike_s"], rows["next_foot_strike_s"], strict=True
    ):
        inside = (time >= start) & (time <= stop)
        seg = values[inside]
        if seg.size >= 2 and np.all(np.isfinite(seg)):
            out.append(reduce(seg))
    return out


def value_range(x: FloatArray) -> float:
    """Max minus min of one stride's values (a range of motion)."""
    return float(np.max(x) - np.min(x))


def value_peak(x: FloatArray) -> float:
    """Largest value of one stride."""
    return float(np.max(x))


def value_extension(x: FloatArray) -> float:
    """Minus the smallest value of one stride (extension as a positive number)."""
    return float(-np.min(x))


#: name -> (joint suffix, reducer); sided hip metrics.
_HIP_METRICS: dict[str, tuple[str, Reducer]] = {
    "hip_sagittal_rom_deg": ("hip_flexion", value_range),
    "hip_frontal_rom_deg": ("hip_adduction", value_range),
    "hip_transverse_rom_deg": ("hip_internal_rotation", value_range),
    "hip_flexion_peak_deg": ("hip_flexion", value_peak),
    "hip_extension_peak_deg": ("hip_flexion", value_extension),
}
#: name -> (joint, reducer); metrics over the reference side's strides.
_TRUNK_METRICS: dict[str, tuple[str, Reducer]] = {
    "pelvis_tilt_rom_deg": ("pelvis_anterior_tilt", value_range),
    "pelvis_obliquity_rom_deg": ("pelvis_obliquity", value_range),
    "pelvis_rotation_rom_deg": ("pelvis_rotation", value_range),
    "trunk_lateral_lean_mean_deg": ("trunk_lateral_lean", lambda x: float(x.mean())),
}


def _check_angles(angles: xr.DataArray) -> list[str]:
    if not isinstance(angles, xr.DataArray) or set(angles.dims) != {s.TIME, s.JOINT}:
        dims = getattr(angles, "dims", type(angles).__name__)
        raise InputError(
            f"Expected an angle DataArray with dims (time, joint), but got {dims}."
        )
    return [str(j) for j in angles[s.JOINT].values]


def compute_angle_metrics(
    angles: xr.DataArray, strides: pd.DataFrame, *, confidence: str = "high"
) -> dict[str, Metric]:
    """Compute hip, pelvis and trunk angle metrics per stride (module docstring).

    Sided (``left``/``right``, from ``{side}_hip_flexion``, ``_hip_adduction`` and
    ``_hip_internal_rotation`` over that side's strides): ``hip_sagittal_rom_deg``,
    ``hip_frontal_rom_deg``, ``hip_transverse_rom_deg``, ``hip_flexion_peak_deg``,
    ``hip_extension_peak_deg`` (= -min hip flexion). Not sided (``value``, over the
    reference side's strides): ``pelvis_tilt_rom_deg``, ``pelvis_obliquity_rom_deg``,
    ``pelvis_rotation_rom_deg``, ``trunk_lateral_lean_mean_deg`` (mean lean within a
    stride, averaged over strides). Metrics whose angles are absent are left out.

    Parameters
    ----------
    angles
        ``angle(time, joint)`` in degrees, on the same time axis as the strides.
    strides
        Stride table from :func:`stridescope.gait.strides.segment_strides`.
    confidence
        Confidence label stored with every metric (``"high"`` for 3D markers).

    Returns
    -------
    dict of str to Metric
        Keyed by metric name.

    Raises
    ------
    InputError
        For angles that are not ``(time, joint)``.
    InsufficientDataError
        Without a valid stride.
    """
    joints = _check_angles(angles)
    valid = valid_strides(strides)
    out: dict[str, Metric] = {}
    for name, (suffix, reduce) in _HIP_METRICS.items():
        by_side = {
            side: stride_stat(
                _per_stride(
                    angles,
                    f"{side}_{suffix}",
                    rows=valid[valid["side"] == side],
                    reduce=reduce,
                )
            )
            if f"{side}_{suffix}" in joints
            else None
            for side in s.SIDES
        }
        if any(v is not None for v in by_side.values()):
            out[name] = Metric(
                name, "deg", confidence, by_side["left"], by_side["right"], None
            )
    ref = _reference_side(valid)
    ref_rows = valid[valid["side"] == ref]
    for name, (joint, reduce) in _TRUNK_METRICS.items():
        if joint in joints:
            stat = stride_stat(_per_stride(angles, joint, rows=ref_rows, reduce=reduce))
            out[name] = Metric(
                name, "deg", confidence, None, None, stat, f"over the {ref} strides"
            )
    return out
