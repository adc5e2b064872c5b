"""The analysis path for video and image keypoints (one camera view).

Keypoints are cleaned (confidence gating, leg-swap repair, outliers, short gaps,
smoothing), the view is detected unless given, and only what that view can measure
is computed (methods memo A.7): planar angles, events from the feet, strides and the
view's metrics, all with ``moderate`` or ``low`` confidence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import xarray as xr

from stridescope._analysis import AnalysisOptions, InputAnalysis, ProgressReporter
from stridescope.errors import InputError, InsufficientDataError
from stridescope.gait.keypoint_events import detect_keypoint_events
from stridescope.gait.metrics import Metric, StrideStat
from stridescope.gait.planar_metrics import compute_planar_metrics
from stridescope.gait.strides import segment_strides
from stridescope.kinematics.planar import compute_planar_angles
from stridescope.model import schema as s
from stridescope.processing.cleaning import clean_keypoints, data_quality
from stridescope.processing.view import detect_view

MIN_STRIDES = 2

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


def analyze_keypoints(
    trial: xr.Dataset, *, path: Path, fmt: str, options: AnalysisOptions
) -> InputAnalysis:
    """Analyse a 2D keypoint trial (from a video or a keypoint file)."""
    cleaned = clean_keypoints(trial)
    view, view_info = _choose_view(cleaned, options)
    cleaned = cleaned.assign_attrs({s.ATTR_VIEW: view})
    result = compute_planar_angles(cleaned, view=view)
    events = detect_keypoint_events(cleaned, view=view)
    strides = segment_strides(events)
    n_valid = int(strides["valid"].sum()) if len(strides) else 0
    if n_valid < MIN_STRIDES:
        duration = float(cleaned[s.TIME][-1] - cleaned[s.TIME][0])
        raise InsufficientDataError(
            f"{path.name}: expected at least {MIN_STRIDES} complete strides, but "
            f"found {n_valid} in {duration:.2f} s of video ({len(events)} gait events)."
        )
    metrics, unavailable = compute_planar_metrics(
        cleaned, result.angles, events, strides, view=view
    )
    if options.height_m is not None:
        metrics.update(_in_metres(metrics, options.height_m))
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
            "data_quality": json.loads(json.dumps(quality, default=_jsonable)),
            "angle_methods": dict(result.methods),
        },
    )
