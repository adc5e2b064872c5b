"""Running metrics from one camera view: planar angles, events and keypoints (memo C).

:func:`compute_planar_metrics` returns the metrics the view supports and, for every
other name of :data:`PLANAR_METRICS`, a plain reason. Values are per stride (or per
stance, or per step), then summarised as mean, SD and count (:class:`StrideStat`),
per side and for the trial, over the **valid** strides only (memo B.4). Angles are
the planar angles of :func:`stridescope.kinematics.planar.compute_planar_angles`.

- Side views: ``thigh_flexion_peak_deg`` (max thigh angle per stride),
  ``thigh_extension_peak_deg`` (``-min``: degrees behind vertical, positive),
  ``thigh_sagittal_rom_deg``, ``knee_flexion_at_strike_deg``,
  ``knee_flexion_peak_stance_deg``, ``trunk_forward_lean_mean_deg``,
  ``overstride_pct`` (heel ahead of the mid-hip along travel at foot strike, % leg
  length; Souza 2016) and ``vertical_oscillation_pct`` (mid-hip vertical excursion per
  stride, % leg length).
- Rear/front views: ``pelvis_obliquity_rom_deg``,
  ``contralateral_pelvic_drop_peak_deg`` (per stance side: obliquity with the swing
  side down, positive, peak during that side's stance), ``hip_adduction_proxy_peak_deg``
  (peak in stance), ``trunk_lateral_lean_mean_deg``, ``trunk_lateral_lean_peak_deg``
  (peak lean toward the stance side during its stance, + toward it),
  ``shoulder_obliquity_mean_deg`` and ``step_width_pct`` (lateral distance between the
  feet at consecutive foot strikes, right foot minus left foot toward the runner's
  right, % leg length; negative = crossover).
- World landmarks: ``pelvis_rotation_rom_deg``, ``shoulder_rotation_rom_deg``.
- Any view with events: ``cadence_spm`` and ``contact_time_s``; both are "low"
  confidence with a note when the cadence is outside ``PLAUSIBLE_CADENCE_SPM``
  (times are video times; a slow-motion clip gives a cadence no person has).

Non-sided metrics use the strides of the side with more valid strides. Video metrics
are never ``"high"`` confidence: ``"moderate"``, or ``"low"`` where the 2D evidence is
weak (hip adduction, step width, rotations; memo A.7) or the frame rate is below
``MIN_CONTACT_RATE_HZ`` for contact time (memo B.2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Final

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.gait._curves import valid_strides
from stridescope.gait.metrics import (
    Metric,
    compute_gait_metrics,
    stride_stat,
    value_extension,
    value_peak,
    value_range,
)
from stridescope.gait.strides import step_table
from stridescope.kinematics.planar import FRONTAL_VIEWS, SIDE_VIEWS, leg_length
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial

__all__ = [
    "MIN_CONTACT_RATE_HZ",
    "PLANAR_METRICS",
    "PLAUSIBLE_CADENCE_SPM",
    "compute_planar_metrics",
]

FloatArray = NDArray[np.float64]
Reducer = Callable[[FloatArray], float]

#: Contact time is reported with "moderate" confidence only from this rate (B.2).
MIN_CONTACT_RATE_HZ: Final = 120.0
#: Cadences (steps/min) a person can walk or run at: from a slow stroll to a sprint
#: (elite sprinters reach ~4.5-5 steps/s) [S]. Outside it, video time is not real
#: time (slow motion, or a sped-up clip) and the timing metrics are "low".
PLAUSIBLE_CADENCE_SPM: Final = (60.0, 300.0)
_TRAVEL_X: Final = {"side-left": -1.0, "side-right": 1.0, "rear": 0.0, "front": 0.0}
_RIGHT_X: Final = {"rear": 1.0, "front": -1.0}
_SIDE_SIGN: Final = {"left": -1.0, "right": 1.0}


def _mean(x: FloatArray) -> float:
    return float(np.mean(x))


@dataclass(frozen=True)
class _Spec:
    """One angle metric: joint (``{side}`` filled in), reducer, window, labels.

    ``phase`` is ``stride`` (foot strike to next), ``stance`` (foot strike to
    toe-off) or ``strike`` (value at foot strike). ``signed`` multiplies a non-sided
    angle by +1 for the right side and -1 for the left. ``sided`` False means one
    value per stride of the reference side.
    """

    joint: str
    reduce: Reducer
    phase: str
    plane: str
    label: str
    sided: bool = True
    signed: bool = False
    confidence: str = "moderate"
    note: str = ""


_THIGH_NOTE: Final = (
    "thigh (hip-knee keypoints) angle to the vertical in the image, not hip "
    "flexion: video cannot see the pelvis's tilt"
)
_ANGLE_SPECS: Final = {
    "thigh_flexion_peak_deg": _Spec(
        "{side}_thigh_angle", value_peak, "stride", "side", "thigh flexion",
        note=_THIGH_NOTE,
    ),
    "thigh_extension_peak_deg": _Spec(
        "{side}_thigh_angle", value_extension, "stride", "side", "thigh extension",
        note="degrees of thigh behind the vertical, positive; " + _THIGH_NOTE,
    ),
    "thigh_sagittal_rom_deg": _Spec(
        "{side}_thigh_angle", value_range, "stride", "side", "thigh range",
        note=_THIGH_NOTE,
    ),
    "knee_flexion_at_strike_deg": _Spec(
        "{side}_knee_flexion", value_peak, "strike", "side", "knee flexion at strike"
    ),
    "knee_flexion_peak_stance_deg": _Spec(
        "{side}_knee_flexion", value_peak, "stance", "side", "knee flexion in stance"
    ),
    "trunk_forward_lean_mean_deg": _Spec(
        "trunk_forward_lean", _mean, "stride", "side", "forward trunk lean",
        sided=False,
    ),
    "pelvis_obliquity_rom_deg": _Spec(
        "pelvis_obliquity", value_range, "stride", "frontal", "pelvic obliquity",
        sided=False, note="hip keypoint line, not ASIS/PSIS: smaller than 3D",
    ),
    "contralateral_pelvic_drop_peak_deg": _Spec(
        "pelvis_obliquity", value_peak, "stance", "frontal",
        "contralateral pelvic drop",
        signed=True, note="per stance side: swing side down, positive; hip keypoints",
    ),
    "hip_adduction_proxy_peak_deg": _Spec(
        "{side}_hip_adduction_proxy", value_peak, "stance", "frontal", "hip adduction",
        confidence="low", note="2D proxy: thigh vs the hip line's perpendicular",
    ),
    "trunk_lateral_lean_mean_deg": _Spec(
        "trunk_lateral_lean", _mean, "stride", "frontal", "lateral trunk lean",
        sided=False, note="+ toward the runner's right",
    ),
    "trunk_lateral_lean_peak_deg": _Spec(
        "trunk_lateral_lean", value_peak, "stance", "frontal", "lateral trunk lean",
        signed=True, note="peak lean toward the stance side during its stance",
    ),
    "shoulder_obliquity_mean_deg": _Spec(
        "shoulder_obliquity", _mean, "stride", "frontal", "shoulder obliquity",
        sided=False, note="+ right shoulder higher",
    ),
    "pelvis_rotation_rom_deg": _Spec(
        "pelvis_rotation", value_range, "stride", "world", "pelvis rotation",
        sided=False,
        confidence="low", note="world landmarks: monocular depth",
    ),
    "shoulder_rotation_rom_deg": _Spec(
        "shoulder_rotation", value_range, "stride", "world", "shoulder rotation",
        sided=False, confidence="low", note="world landmarks: monocular depth",
    ),
}  # fmt: skip
_KEYPOINT_PLANES: Final = {
    "overstride_pct": ("side", "overstride"),
    "vertical_oscillation_pct": ("side", "vertical oscillation"),
    "step_width_pct": ("frontal", "step width"),
}
#: Every metric name :func:`compute_planar_metrics` knows.
PLANAR_METRICS: Final[tuple[str, ...]] = (
    *_ANGLE_SPECS,
    *_KEYPOINT_PLANES,
    "cadence_spm",
    "contact_time_s",
)


@dataclass(frozen=True)
class _Context:
    """What every metric needs: series on one time axis, strides, leg length."""

    time_s: FloatArray
    angles: dict[str, FloatArray]
    valid: pd.DataFrame
    reference: str
    points: dict[str, FloatArray]
    leg_px: float
    view: str

    def rows(self, side: str) -> pd.DataFrame:
        return self.valid[self.valid["side"] == side]


def _windows(rows: pd.DataFrame, phase: str) -> list[tuple[float, float]]:
    starts = rows["foot_strike_s"].to_numpy(dtype=float)
    column = {"stance": "toe_off_s", "stride": "next_foot_strike_s"}.get(phase)
    stops = starts if column is None else rows[column].to_numpy(dtype=float)
    return [(a, b) for a, b in zip(starts, stops, strict=True) if np.isfinite(b)]


def _values(
    time_s: FloatArray, series: FloatArray, windows: list[tuple[float, float]],
    reduce: Reducer,
) -> list[float]:  # fmt: skip
    """``reduce`` over each window with complete data; the value at an instant."""
    out = []
    for start, stop in windows:
        if start == stop:
            out.append(float(np.interp(start, time_s, series, np.nan, np.nan)))
            continue
        seg = series[(time_s >= start) & (time_s <= stop)]
        if seg.size >= 2 and np.isfinite(seg).all():
            out.append(reduce(seg))
    return [v for v in out if np.isfinite(v)]


def _metric(
    name: str, unit: str, confidence: str, note: str, per_side: dict[str, list[float]]
) -> Metric:
    pooled = [v for values in per_side.values() for v in values]
    left, right = (stride_stat(per_side.get(side, [])) for side in s.SIDES)
    return Metric(name, unit, confidence, left, right, stride_stat(pooled), note)


def _plane_reason(plane: str, label: str, view: str) -> str | None:
    if plane == "side" and view not in SIDE_VIEWS:
        return f"{label} needs a side view; this clip is {view}"
    if plane == "frontal" and view not in FRONTAL_VIEWS:
        return f"{label} needs a rear or front view; this clip is {view}"
    if plane == "world" and view not in (*SIDE_VIEWS, *FRONTAL_VIEWS):
        return f"{label} needs a side, rear or front view; this clip is {view}"
    return None


def _angle_metric(ctx: _Context, name: str, spec: _Spec) -> Metric | str:
    sides = list(s.SIDES) if spec.sided else [ctx.reference]
    per_side: dict[str, list[float]] = {}
    for side in sides:
        joint = spec.joint.format(side=side)
        if joint not in ctx.angles:
            continue
        rows = ctx.rows(side)
        sign = _SIDE_SIGN[side] if spec.signed else 1.0
        windows = _windows(rows, spec.phase)
        per_side[side] = _values(
            ctx.time_s, sign * ctx.angles[joint], windows, spec.reduce
        )
    if not per_side and spec.plane == "world":
        return (
            f"{spec.label} needs 3D world landmarks ('world_position') and a side, "
            "rear or front view"
        )
    if not per_side:
        joint = spec.joint.format(side="left/right")
        return f"{spec.label} needs the {joint} angle, which this trial lacks"
    if not any(per_side.values()):
        return f"{spec.label}: no valid stride has complete {spec.joint} data"
    if spec.sided:
        return _metric(name, "deg", spec.confidence, spec.note, per_side)
    note = "; ".join(x for x in (spec.note, f"over the {ctx.reference} strides") if x)
    values = per_side[ctx.reference]
    return Metric(name, "deg", spec.confidence, None, None, stride_stat(values), note)


def _mid_hip(points: dict[str, FloatArray]) -> FloatArray | None:
    if "left_hip" in points and "right_hip" in points:
        return 0.5 * (points["left_hip"] + points["right_hip"])
    return points.get("mid_hip")


def _foot(points: dict[str, FloatArray], side: str) -> FloatArray | None:
    return points.get(f"{side}_heel", points.get(f"{side}_ankle"))


def _percent_note(what: str, leg_px: float) -> str:
    return f"{what}, % of leg length ({leg_px:.0f} px, hip-knee-ankle keypoints)"


def _overstride(ctx: _Context, mid: FloatArray) -> Metric | str:
    per_side = {}
    for side in s.SIDES:
        foot = _foot(ctx.points, side)
        if foot is not None:
            ahead = 100.0 * (foot[:, 0] - mid[:, 0]) * _TRAVEL_X[ctx.view] / ctx.leg_px
            at_strike = _windows(ctx.rows(side), "strike")
            per_side[side] = _values(ctx.time_s, ahead, at_strike, value_peak)
    if not any(per_side.values()):
        return "overstride needs heel (or ankle) keypoints at the foot strikes"
    note = _percent_note("heel ahead of the mid-hip at foot strike", ctx.leg_px)
    return _metric("overstride_pct", "%", "moderate", note, per_side)


def _oscillation(ctx: _Context, mid: FloatArray) -> Metric | str:
    height = 100.0 * mid[:, 1] / ctx.leg_px
    windows = _windows(ctx.rows(ctx.reference), "stride")
    values = _values(ctx.time_s, height, windows, value_range)
    if not values:
        return "vertical oscillation: no valid stride has complete hip keypoints"
    what = f"mid-hip vertical excursion per stride (over the {ctx.reference} strides)"
    note = _percent_note(what, ctx.leg_px)
    return Metric(
        "vertical_oscillation_pct",
        "%",
        "moderate",
        None,
        None,
        stride_stat(values),
        note,
    )


def _step_width(ctx: _Context, mid: FloatArray, events: list[Event]) -> Metric | str:
    lateral = {}
    for side in s.SIDES:
        foot = _foot(ctx.points, side)
        if foot is not None:
            lateral[side] = (foot[:, 0] - mid[:, 0]) * _RIGHT_X[ctx.view] / ctx.leg_px
    steps = step_table(events)
    steps = steps[steps["valid"] & (steps["side"] != steps["next_side"])]
    per_side: dict[str, list[float]] = {side: [] for side in s.SIDES}
    for first, t0, second, t1 in zip(
        steps["side"], steps["foot_strike_s"], steps["next_side"],
        steps["next_foot_strike_s"], strict=True,
    ):  # fmt: skip
        at = {str(first): float(t0), str(second): float(t1)}
        if set(lateral) == set(at):
            right, left = (
                float(np.interp(at[side], ctx.time_s, lateral[side]))
                for side in ("right", "left")
            )
            per_side[str(second)] += [100.0 * (right - left)]
    per_side = {k: [v for v in vs if np.isfinite(v)] for k, vs in per_side.items()}
    if not any(per_side.values()):
        return "step width needs heel (or ankle) keypoints and alternating strikes"
    what = "right minus left foot at consecutive strikes (negative = crossover)"
    note = _percent_note(what, ctx.leg_px) + "; per landing foot"
    return _metric("step_width_pct", "%", "low", note, per_side)


def _temporal(
    events: list[Event], strides: pd.DataFrame, rate_hz: float
) -> dict[str, Metric]:
    gait = compute_gait_metrics(events, strides, confidence="moderate")
    cadence = gait["cadence_spm"]
    contact = gait["contact_time_s"]
    if rate_hz < MIN_CONTACT_RATE_HZ:
        note = (
            f"{rate_hz:g} fps: one frame is {1000 / rate_hz:.0f} ms of a ~200-300 ms "
            f"contact; needs >= {MIN_CONTACT_RATE_HZ:g} fps (methods B.2)"
        )
        contact = replace(contact, confidence="low", note=note)
    value = cadence.value.mean if cadence.value is not None else float("nan")
    lo, hi = PLAUSIBLE_CADENCE_SPM
    if np.isfinite(value) and not lo <= value <= hi:
        slower = "slowed down (slow motion)" if value < lo else "sped up"
        note = (
            f"{value:.0f} steps/min of video time is outside any human gait "
            f"({lo:g}-{hi:g}): the clip is probably {slower}; multiply by the "
            "playback speed factor (capture fps / playback fps for slow motion) for "
            "the real cadence; every time in this analysis is video time"
        )
        cadence = replace(cadence, confidence="low", note=note)
        contact = replace(contact, confidence="low", note=note)
    return {"cadence_spm": cadence, "contact_time_s": contact}


def _reference_side(valid: pd.DataFrame) -> str:
    def key(side: str) -> tuple[int, float]:
        rows = valid[valid["side"] == side]
        return (-len(rows), float(rows["foot_strike_s"].min()) if len(rows) else 0.0)

    return min(s.SIDES, key=key)


def _context(
    ds: xr.Dataset, angles: xr.DataArray, strides: pd.DataFrame, view: str,
    leg_length_px: float | None,
) -> _Context:  # fmt: skip
    if not isinstance(angles, xr.DataArray) or set(angles.dims) != {s.TIME, s.JOINT}:
        raise InputError(
            "Expected planar angles with dims (time, joint), but got "
            f"{getattr(angles, 'dims', type(angles).__name__)}."
        )
    time_s = np.asarray(ds[s.TIME].values, dtype=float)
    if not np.array_equal(np.asarray(angles[s.TIME].values, float), time_s):
        raise InputError(
            "Expected the angles on the trial's time axis, but their times differ; "
            "compute them with compute_planar_angles(ds, view=...)."
        )
    valid = valid_strides(strides)
    values = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    points = {str(n): values[:, :, k] for k, n in enumerate(ds[s.KEYPOINT].values)}
    return _Context(
        time_s=time_s,
        angles={
            str(j): angles.sel({s.JOINT: j}).values for j in angles[s.JOINT].values
        },
        valid=valid,
        reference=_reference_side(valid),
        points=points,
        leg_px=float(leg_length(ds) if leg_length_px is None else leg_length_px),
        view=view,
    )


def _keypoint_metrics(
    ctx: _Context, events: list[Event]
) -> tuple[dict[str, Metric], dict[str, str]]:
    mid = _mid_hip(ctx.points)
    found: dict[str, Metric | str] = {}
    for name, (plane, label) in _KEYPOINT_PLANES.items():
        reason = _plane_reason(plane, label, ctx.view)
        if reason is None and mid is None:
            reason = f"{label} needs left/right hip (or mid_hip) keypoints"
        if reason is not None or mid is None:
            found[name] = reason or ""
        elif name == "overstride_pct":
            found[name] = _overstride(ctx, mid)
        elif name == "vertical_oscillation_pct":
            found[name] = _oscillation(ctx, mid)
        else:
            found[name] = _step_width(ctx, mid, events)
    metrics = {k: v for k, v in found.items() if isinstance(v, Metric)}
    return metrics, {k: v for k, v in found.items() if isinstance(v, str)}


def compute_planar_metrics(
    ds: xr.Dataset,
    angles: xr.DataArray,
    events: Iterable[Event],
    strides: pd.DataFrame,
    *,
    view: str,
    leg_length_px: float | None = None,
) -> tuple[dict[str, Metric], dict[str, str]]:
    """Compute the running metrics one camera view supports (module docstring).

    Parameters
    ----------
    ds
        The (cleaned) video trial: 2D ``position`` in pixels.
    angles
        ``angle(time, joint)`` from
        :func:`~stridescope.kinematics.planar.compute_planar_angles` on ``ds``.
    events
        Foot strikes and toe-offs, e.g. from
        :func:`~stridescope.gait.keypoint_events.detect_keypoint_events`.
    strides
        Stride table of ``events`` (:func:`~stridescope.gait.strides.segment_strides`).
    view
        ``"side-left"``, ``"side-right"``, ``"rear"``, ``"front"`` or ``"oblique"``.
    leg_length_px
        Leg length in pixels for the % metrics; default: hip->knee->ankle keypoint
        lengths, median over the clip
        (:func:`~stridescope.kinematics.planar.leg_length`).

    Returns
    -------
    tuple
        ``(metrics, unavailable)``: metric name -> :class:`Metric`, and metric name
        -> plain reason for every other name of :data:`PLANAR_METRICS`.

    Raises
    ------
    InputError
        For an invalid trial, unknown view, or angles not on the trial's time axis.
    InsufficientDataError
        Without a valid stride.
    """
    validate_trial(ds, require=(s.POSITION,))
    if view not in _TRAVEL_X and view != "oblique":
        raise InputError(
            f"Expected view in {(*_TRAVEL_X, 'oblique')}, but got {view!r}."
        )
    events = list(events)
    ctx = _context(ds, angles, strides, view, leg_length_px)
    metrics, unavailable = _keypoint_metrics(ctx, events)
    for name, spec in _ANGLE_SPECS.items():
        result = _plane_reason(spec.plane, spec.label, view) or _angle_metric(
            ctx, name, spec
        )
        if isinstance(result, Metric):
            metrics[name] = result
        else:
            unavailable[name] = result
    metrics |= _temporal(events, strides, float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ]))
    order = {name: k for k, name in enumerate(PLANAR_METRICS)}
    return (
        dict(sorted(metrics.items(), key=lambda kv: order[kv[0]])),
        dict(sorted(unavailable.items(), key=lambda kv: order[kv[0]])),
    )
