"""The analysis path for video and image keypoints (one camera view).

Keypoints are cleaned (confidence gating, leg-swap repair, outliers, short gaps,
smoothing), the view is detected unless given, and only what that view can measure
is computed (methods memo A.7): planar angles, events from the feet, strides and the
view's metrics, all with ``moderate`` or ``low`` confidence.

One clip may hold more than one gait: the person turns or walks backward (a side
view is then cut with :func:`~stridescope.processing.view.detect_direction_changes`
and the longest span of one facing, not moving backward, is kept), or the step
rhythm changes (a pause, a change of pace, slow-motion parts of an edited clip).
Only the longest span of regular, alternating steps
(:func:`~stridescope.gait.keypoint_events.steady_segments`) is analysed; what was
left out, and why, is in the analysis ``details``. Times are video times: a cadence
that no human gait has (outside ``PLAUSIBLE_CADENCE_SPM``) is flagged as a probable
slow-motion or sped-up clip.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from stridescope._analysis import AnalysisOptions, InputAnalysis, ProgressReporter
from stridescope.errors import InputError, InsufficientDataError
from stridescope.gait.keypoint_events import STEP_RATIO_RANGE, detect_keypoint_events
from stridescope.gait.metrics import Metric, StrideStat
from stridescope.gait.planar_metrics import (
    PLAUSIBLE_CADENCE_SPM,
    compute_planar_metrics,
)
from stridescope.gait.strides import segment_strides
from stridescope.kinematics.planar import SIDE_VIEWS, compute_planar_angles
from stridescope.model import schema as s
from stridescope.model.trial import Event
from stridescope.processing.cleaning import clean_keypoints, data_quality
from stridescope.processing.view import (
    DirectionSpan,
    detect_direction_changes,
    detect_view,
)

MIN_STRIDES = 2
#: A span of steady steps compares each step with the median of its last steps.
RECENT_STEPS = 4


@dataclass(frozen=True)
class StepSegment:
    """A span of regular foot strikes that alternate feet (times in seconds).

    ``step_time_s`` is the mean step time (span duration over steps).
    """

    start_s: float
    end_s: float
    n_steps: int
    step_time_s: float


def steady_segments(events: list[Event]) -> list[StepSegment]:
    """Split the foot strikes into spans of regular steps that alternate feet.

    A span ends where the next strike is of the same foot, or where a step time is
    outside ``STEP_RATIO_RANGE`` (0.6-1.6) times the median of the span's last
    ``RECENT_STEPS`` steps: a missed step, a pause, a change of pace or of playback
    speed. Spans of fewer than two steps are left out.

    Examples
    --------
    >>> ev = [Event(0.35 * k, ("left", "right")[k % 2], "foot_strike", "x")
    ...       for k in range(6)]
    >>> [(g.n_steps, round(g.step_time_s, 2)) for g in steady_segments(ev)]
    [(5, 0.35)]
    """
    strikes = sorted((e.time_s, e.side) for e in events if e.kind == "foot_strike")
    spans: list[list[tuple[float, str]]] = []
    for time_s, side in strikes:
        span = spans[-1] if spans else []
        recent = np.diff([t for t, _ in span[-RECENT_STEPS - 1 :]])
        lo, hi = (
            (r * float(np.median(recent)) for r in STEP_RATIO_RANGE)
            if len(recent)
            else (0.0, np.inf)
        )
        if span and side != span[-1][1] and lo <= time_s - span[-1][0] <= hi:
            span.append((time_s, side))
        else:
            spans.append([(time_s, side)])
    return [
        StepSegment(
            span[0][0],
            span[-1][0],
            len(span) - 1,
            (span[-1][0] - span[0][0]) / (len(span) - 1),
        )
        for span in spans
        if len(span) >= 3
    ]


#: Hip-to-ankle length as a fraction of standing height: thigh 0.245 + leg 0.246
#: (Winter 2009, Biomechanics and Motor Control of Human Movement, segment lengths).
LEG_LENGTH_PER_HEIGHT = 0.491
_PCT_OF_LEG = ("overstride_pct", "vertical_oscillation_pct", "step_width_pct")

#: Motion-capture metrics a single video cannot give, with the plain reason.
_VIDEO_CANNOT: dict[str, str] = {
    "hip_sagittal_rom_deg": (
        "hip flexion/extension needs the pelvis' tilt, which video keypoints cannot "
        "see (no ASIS/PSIS landmarks); the thigh_* metrics give the thigh's motion"
    ),
    "hip_flexion_peak_deg": (
        "hip flexion needs the pelvis' tilt, which video keypoints cannot see; see "
        "thigh_flexion_peak_deg"
    ),
    "hip_extension_peak_deg": (
        "hip extension needs the pelvis' tilt, which video keypoints cannot see; see "
        "thigh_extension_peak_deg"
    ),
    "hip_frontal_rom_deg": (
        "3D hip adduction needs motion capture; a rear or front view gives the "
        "hip_adduction_proxy_peak_deg proxy"
    ),
    "hip_transverse_rom_deg": (
        "hip rotation cannot be measured from a single video (methods memo A.7)"
    ),
    "pelvis_tilt_rom_deg": (
        "pelvic tilt is not observable from video keypoints (the hip keypoints carry "
        "no ASIS/PSIS)"
    ),
}
MEASURABLE_VIEWS = ("side-left", "side-right", "rear", "front")


def load_video(
    path: Path, *, options: AnalysisOptions, progress: ProgressReporter | None
) -> xr.Dataset:
    """Run pose extraction on a video file with the options' model and person."""
    from stridescope.video import extract_pose

    if progress:
        progress.stage(f"finding the runner in {path.name}")
    return extract_pose(
        path,
        model=options.pose_model,
        person=options.person,
        progress=progress.advance if progress else None,
    )


def _choose_view(
    trial: xr.Dataset, options: AnalysisOptions
) -> tuple[str, dict[str, Any]]:
    detected = detect_view(trial)
    info = {
        "detected": detected.view,
        "confidence": round(float(detected.confidence), 3),
        "evidence": {k: _jsonable(v) for k, v in detected.evidence.items()},
    }
    view = options.view or detected.view
    if view not in MEASURABLE_VIEWS:
        name = trial.attrs.get(s.ATTR_SOURCE_FILE, "input")
        raise InputError(
            f"{name}: the camera view looks {view} (neither side-on nor from behind "
            "or in front), so no angle can be measured reliably; film the runner from "
            "the side or from behind, or give the view with --view."
        )
    info["used"] = view
    info["given"] = options.view is not None
    return view, info


def _jsonable(value: Any) -> Any:
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _scaled(stat: StrideStat | None, factor: float) -> StrideStat | None:
    if stat is None:
        return None
    return StrideStat(stat.mean * factor, stat.sd * factor, stat.n_strides)


def _in_metres(metrics: dict[str, Metric], height_m: float) -> dict[str, Metric]:
    """Metric versions (``_m``) of the leg-length-relative distances."""
    if not 0.5 <= height_m <= 2.5:
        raise InputError(f"--height-m: expected 0.5 to 2.5 m, got {height_m}.")
    leg_m = LEG_LENGTH_PER_HEIGHT * height_m
    out = {}
    for name in _PCT_OF_LEG:
        if name not in metrics:
            continue
        m = metrics[name]
        new = name.removesuffix("_pct") + "_m"
        out[new] = replace(
            m,
            name=new,
            unit="m",
            left=_scaled(m.left, leg_m / 100),
            right=_scaled(m.right, leg_m / 100),
            value=_scaled(m.value, leg_m / 100),
            note=f"from % of leg length with leg length {leg_m:.3f} m "
            f"(= {LEG_LENGTH_PER_HEIGHT} x height {height_m} m, Winter 2009)",
        )
    return out


def _direction(
    trial: xr.Dataset, view: str, options: AnalysisOptions
) -> tuple[xr.Dataset, str, dict[str, Any]]:
    """The longest span of one facing, not moving backward (side views only)."""
    if options.view is not None or view not in SIDE_VIEWS:
        return trial, view, {}
    spans = detect_direction_changes(trial)
    groups: list[list[DirectionSpan]] = []
    for span in spans:
        if span.travel == "backward":
            groups.append([])
        elif groups and groups[-1] and groups[-1][-1].facing == span.facing:
            groups[-1].append(span)
        else:
            groups.append([span])
    info: dict[str, Any] = {"spans": [_rounded(asdict(span)) for span in spans]}
    groups = [g for g in groups if g]
    if not groups:
        raise InsufficientDataError(
            f"{_name(trial)}: the person moves backward (against the way they face) "
            "through the whole clip; film walking or running forward."
        )
    best = max(groups, key=lambda g: g[-1].end_s - g[0].start_s)
    start_s, end_s = best[0].start_s, best[-1].end_s
    info["analysed_s"] = [round(start_s, 3), round(end_s, 3)]
    if len(best) == len(spans):
        return trial, view, info
    info["reason"] = "; ".join(
        _left_out(span) for span in spans if not start_s <= span.start_s <= end_s
    )
    part = trial.sel({s.TIME: slice(start_s, end_s)})
    return part, f"side-{best[0].facing}", info


def _left_out(span: DirectionSpan) -> str:
    what = (
        "walks backward" if span.travel == "backward" else f"faces image-{span.facing}"
    )
    return f"{span.start_s:.1f}-{span.end_s:.1f} s left out: the person {what}"


def _rounded(record: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in record.items()}


def _name(trial: xr.Dataset) -> str:
    return str(trial.attrs.get(s.ATTR_SOURCE_FILE, "input"))


def _segment_info(segment: StepSegment) -> dict[str, Any]:
    return {
        "start_s": round(segment.start_s, 3),
        "end_s": round(segment.end_s, 3),
        "steps": segment.n_steps,
        "cadence_spm": round(60.0 / segment.step_time_s, 1),
    }


def _steady(
    events: list[Event], trial: xr.Dataset
) -> tuple[list[Event], dict[str, Any]]:
    """Keep the events of the longest span of regular, alternating steps."""
    segments = steady_segments(events)
    if not segments:
        duration = float(trial[s.TIME][-1] - trial[s.TIME][0])
        raise InsufficientDataError(
            f"{_name(trial)}: expected at least {MIN_STRIDES} complete strides of "
            f"regular, alternating steps, but found none in {duration:.2f} s of "
            f"video ({len(events)} gait events); film a few seconds of steady "
            "walking or running with the feet in view."
        )
    best = max(segments, key=lambda g: (g.n_steps, g.end_s - g.start_s))
    kept = [e for e in events if best.start_s <= e.time_s <= best.end_s]
    info: dict[str, Any] = {
        "segments": [_segment_info(g) for g in segments],
        "analysed_s": [round(best.start_s, 3), round(best.end_s, 3)],
    }
    changes = [
        g for g in segments if not 1 / 1.5 < g.step_time_s / best.step_time_s < 1.5
    ]
    if changes:
        others = ", ".join(
            f"{60 / g.step_time_s:.0f} over {g.start_s:.1f}-{g.end_s:.1f} s"
            for g in changes
        )
        info["note"] = (
            f"the step rate changes during the clip ({60 / best.step_time_s:.0f} "
            f"steps/min over {best.start_s:.1f}-{best.end_s:.1f} s, {others}): a "
            "change of pace, or slow-motion parts; only the longest steady span is "
            "analysed"
        )
    return kept, info


def _halves(strides: pd.DataFrame, span: list[float]) -> list[float | None]:
    """Cadence (120 / mean stride time) of the valid strides in each half."""
    valid = strides[strides["valid"]]
    middle = 0.5 * (span[0] + span[1])
    first = valid["foot_strike_s"] < middle
    return [
        round(float(120.0 / part["stride_time_s"].mean()), 1) if len(part) else None
        for part in (valid[first], valid[~first])
    ]


def _timing(metrics: dict[str, Any]) -> dict[str, Any]:
    cadence = metrics.get("cadence_spm")
    if cadence is None or cadence.value is None:
        return {}
    value = float(cadence.value.mean)
    lo, hi = PLAUSIBLE_CADENCE_SPM
    info: dict[str, Any] = {"video_cadence_spm": round(value, 1)}
    if not lo <= value <= hi:
        info["note"] = cadence.note
    return info


def _events(trial: xr.Dataset, view: str, options: AnalysisOptions) -> list[Event]:
    try:
        return detect_keypoint_events(trial, view=view, activity=options.activity)
    except InsufficientDataError as e:
        message = str(e)
        raise InsufficientDataError(
            f"{_name(trial)}: {message[:1].lower()}{message[1:]}"
        ) from e


def _strides(events: list[Event], span: list[float], path: Path) -> pd.DataFrame:
    """The stride table, with at least ``MIN_STRIDES`` valid strides."""
    strides = segment_strides(events)
    n_valid = int(strides["valid"].sum()) if len(strides) else 0
    if n_valid < MIN_STRIDES:
        raise InsufficientDataError(
            f"{path.name}: expected at least {MIN_STRIDES} complete strides, but "
            f"found {n_valid} in the steadiest {span[1] - span[0]:.2f} s of video "
            f"({len(events)} gait events there)."
        )
    return strides


def analyze_keypoints(
    trial: xr.Dataset, *, path: Path, fmt: str, options: AnalysisOptions
) -> InputAnalysis:
    """Analyse a 2D keypoint trial (from a video or a keypoint file)."""
    if trial.attrs.get("frames_with_pose") == 0:
        raise InputError(
            f"{path.name}: no person was found in any of its "
            f"{trial.sizes[s.TIME]} frames; film the runner with the whole body "
            "in view."
        )
    cleaned = clean_keypoints(trial)
    view, view_info = _choose_view(cleaned, options)
    part, view, direction = _direction(cleaned, view, options)
    view_info["used"] = view
    cleaned = cleaned.assign_attrs({s.ATTR_VIEW: view})
    result = compute_planar_angles(cleaned, view=view)
    events, steady = _steady(_events(part, view, options), part)
    strides = _strides(events, steady["analysed_s"], path)
    metrics, unavailable = compute_planar_metrics(
        cleaned, result.angles, events, strides, view=view
    )
    if options.height_m is not None:
        metrics.update(_in_metres(metrics, options.height_m))
    steady["cadence_halves_spm"] = _halves(strides, steady["analysed_s"])
    sources = {str(j): "computed:keypoints" for j in result.angles[s.JOINT].values}
    quality = asdict(data_quality(cleaned))
    return InputAnalysis(
        path=path,
        format=fmt,
        trial=cleaned,
        angles=result.angles,
        angle_sources=sources,
        unavailable={
            **{k: v for k, v in _VIDEO_CANNOT.items() if k not in metrics},
            **result.unavailable,
            **unavailable,
        },
        events=events,
        events_source="detected",
        strides=strides,
        metrics=metrics,
        view=view,
        details={
            "view_detection": view_info,
            "direction": direction,
            "steady_steps": steady,
            "timing": _timing(metrics),
            "data_quality": json.loads(json.dumps(quality, default=_jsonable)),
            "angle_methods": dict(result.methods),
        },
    )
