"""The one orchestration entry point: files in, report (pure data) out.

``analyze(paths)`` reads each input, computes angles, gait events, strides and
metrics, and assembles a :class:`~stridescope.report.build.Report`. It never writes
files; :func:`write_outputs` does, atomically.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from stridescope import io
from stridescope._analysis import AnalysisOptions, InputAnalysis, ProgressReporter
from stridescope._video_path import analyze_keypoints, load_video
from stridescope.errors import (
    InputError,
    InsufficientDataError,
    MissingDataError,
    StridescopeError,
    StridescopeWarning,
)
from stridescope.gait.events import detect_force_plate_events, detect_gait_events
from stridescope.gait.metrics import compute_angle_metrics, compute_gait_metrics
from stridescope.gait.strides import segment_strides
from stridescope.kinematics import compute_angles
from stridescope.model import schema as s
from stridescope.model.trial import Event, events_of
from stridescope.report.build import (
    InputSummary,
    Report,
    build_report,
    event_to_dict,
    metric_to_dict,
)
from stridescope.report.json import render_json, write_text_atomic
from stridescope.video.audio import cadence_check, footfall_cadence, read_audio

__all__ = [
    "AnalysisOptions",
    "InputAnalysis",
    "analyze",
    "analyze_inputs",
    "build_measurement_report",
    "write_outputs",
]

logger = logging.getLogger(__name__)

MIN_STRIDES = 2


def _split_inputs(paths: Sequence[Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    motion: list[tuple[Path, str]] = []
    forces: list[Path] = []
    for path in paths:
        fmt = io.detect_format(path)
        if fmt == "grf":
            forces.append(path)
        else:
            motion.append((path, fmt))
    if not motion:
        raise InputError(
            f"{paths[0].name}: expected at least one motion file (markers, angles or "
            "video), but got only force-plate files."
        )
    if forces and len(motion) != 1:
        raise InputError(
            f"{forces[0].name}: a force file can only be paired with exactly one "
            f"motion file, but got {len(motion)} motion files."
        )
    return motion, forces


def _merge_angles(
    trial: xr.Dataset,
) -> tuple[xr.DataArray | None, dict[str, str], dict[str, str]]:
    """Angles from markers first; the file's own angles fill what markers cannot."""
    computed: xr.DataArray | None = None
    unavailable: dict[str, str] = {}
    if s.POSITION in trial and trial.attrs.get(s.ATTR_SPACE_UNIT) == "m":
        try:
            result = compute_angles(trial)
        except MissingDataError as e:
            if s.ANGLE not in trial:
                raise
            logger.info("no angles from markers: %s", e)
        else:
            computed, unavailable = result.angles, dict(result.unavailable)
    names = [] if computed is None else [str(j) for j in computed[s.JOINT].values]
    sources = dict.fromkeys(names, "computed:markers")
    if s.ANGLE not in trial:
        return computed, sources, unavailable
    file_angles = trial[s.ANGLE]
    file_source = str(trial.attrs.get(s.ATTR_ANGLE_SOURCE) or "file")
    missing = [str(j) for j in file_angles[s.JOINT].values if str(j) not in sources]
    if not missing:
        return computed, sources, unavailable
    extra = file_angles.sel({s.JOINT: missing}).drop_vars(
        [s.JOINT_SOURCE_NAME], errors="ignore"
    )
    merged = extra if computed is None else xr.concat([computed, extra], dim=s.JOINT)
    for name in missing:
        sources[name] = file_source
        unavailable.pop(name, None)
    return merged, sources, unavailable


def _has_feet(trial: xr.Dataset) -> bool:
    if s.POSITION not in trial:
        return False
    names = {str(k) for k in trial[s.KEYPOINT].values}
    return any(f"{side}_heel" in names for side in ("left", "right"))


def _choose_events(
    trial: xr.Dataset,
    forces: xr.Dataset | None,
    options: AnalysisOptions,
) -> tuple[list[Event], str]:
    choice = options.events
    file_events = events_of(trial)
    if choice in ("auto", "force_plate") and forces is not None:
        events = detect_force_plate_events(forces, trial=trial)
        if any(e.side not in ("left", "right") for e in events):
            raise InputError(
                "the force plates carry no left/right label (overground plates) and "
                "the motion file has no foot markers to tell which foot struck them; "
                "give the marker file (.trc or .c3d) with the force file instead."
            )
        return events, "force_plate"
    if choice == "force_plate":
        raise InputError(
            f"{trial.attrs.get(s.ATTR_SOURCE_FILE)}: force-plate events were asked "
            "for, but no force file was given."
        )
    if choice in ("auto", "file") and file_events:
        return file_events, "file"
    if choice == "file":
        raise InputError(
            f"{trial.attrs.get(s.ATTR_SOURCE_FILE)}: the file's own events were asked "
            "for, but the file has none."
        )
    if not _has_feet(trial):
        raise InputError(
            f"{trial.attrs.get(s.ATTR_SOURCE_FILE)}: expected foot markers or "
            "keypoints (heel and toe) to detect gait events, but the file has none; "
            "give its force-plate file alongside it (stridescope analyze run.mot "
            "run_grf.mot)."
        )
    try:
        events = detect_gait_events(trial, activity=options.activity)
    except MissingDataError as e:
        raise MissingDataError(
            f"cannot detect gait events from the feet ({e}); give the force-plate "
            "file alongside it, or a file with foot markers."
        ) from e
    return events, "detected"


def _load(
    path: Path, fmt: str, options: AnalysisOptions, progress: ProgressReporter | None
) -> xr.Dataset:
    if fmt == "video":
        return load_video(path, options=options, progress=progress)
    return io.load(path, format=fmt)


def analyze_input(
    path: Path,
    fmt: str,
    *,
    forces_path: Path | None = None,
    options: AnalysisOptions | None = None,
    progress: ProgressReporter | None = None,
) -> InputAnalysis:
    """Analyse one motion file (optionally with its force-plate companion)."""
    options = options or AnalysisOptions()
    trial = _load(path, fmt, options, progress)
    if trial.attrs.get(s.ATTR_SPACE_UNIT) == "px":
        if forces_path is not None:
            raise InputError(
                f"{forces_path.name}: force plates can only be paired with motion "
                "capture, not with video or image keypoints."
            )
        analysis = analyze_keypoints(trial, path=path, fmt=fmt, options=options)
        return _with_audio_check(analysis) if fmt == "video" else analysis
    forces = io.read_force_plates(forces_path) if forces_path else None
    angles, sources, unavailable = _merge_angles(trial)
    events, events_source = _choose_events(trial, forces, options)
    strides = segment_strides(events)
    n_valid = int(strides["valid"].sum()) if len(strides) else 0
    if n_valid < MIN_STRIDES:
        duration = float(trial[s.TIME][-1] - trial[s.TIME][0])
        raise InsufficientDataError(
            f"{path.name}: expected at least {MIN_STRIDES} complete strides, but "
            f"found {n_valid} in {duration:.2f} s ({len(events)} gait events)."
        )
    metrics = dict(compute_gait_metrics(events, strides))
    if angles is not None:
        metrics.update(compute_angle_metrics(angles, strides))
    return InputAnalysis(
        path=path,
        format=fmt,
        trial=trial,
        angles=angles,
        angle_sources=sources,
        unavailable=unavailable,
        events=events,
        events_source=events_source,
        strides=strides,
        metrics=metrics,
    )


def _with_audio_check(analysis: InputAnalysis) -> InputAnalysis:
    """Add the footfall cadence heard in the clip's sound (video.audio) to details."""
    cadence = analysis.metrics.get("cadence_spm")
    stat = cadence.value if cadence is not None else None
    video_spm = float(stat.mean) if stat is not None else None
    standard_error = (
        float(stat.sd) / np.sqrt(stat.n_strides)
        if stat is not None and np.isfinite(stat.sd) and stat.n_strides
        else None
    )
    start, end = analysis.details["steady_steps"]["analysed_s"]
    sound = read_audio(analysis.path, span_s=(start, end))
    heard = (
        sound
        if isinstance(sound, str)
        else footfall_cadence(sound, span_s=(start, end))
    )
    check = cadence_check(heard, video_spm, standard_error)
    if check["agrees"] is False:
        warnings.warn(
            f"{analysis.path.name}: the footfalls heard in the sound give "
            f"{check['cadence_spm']} steps/min, the video {video_spm:.1f} (tolerance "
            f"{check['tolerance_spm']}); check that the steps were found on the "
            "runner, and that the sound is the footfalls, not music or speech "
            "(report: audio_cadence).",
            StridescopeWarning,
            stacklevel=2,
        )
    return replace(analysis, details={**analysis.details, "audio_cadence": check})


def _summary(analysis: InputAnalysis) -> InputSummary:
    trial = analysis.trial
    times = trial[s.TIME].values
    return InputSummary(
        file=analysis.path.name,
        format=analysis.format,
        view=analysis.view,
        sampling_rate_hz=float(trial.attrs[s.ATTR_SAMPLING_RATE_HZ]),
        duration_s=float(times[-1] - times[0]),
        n_frames=int(times.size),
        events_source=analysis.events_source,
        angle_sources=tuple(sorted(set(analysis.angle_sources.values()))),
        details=analysis.details,
    )


_GAIT_KEYS = {
    "cadence_spm",
    "stride_count",
    "swing_time_s",
    "stride_time_s",
    "contact_time_s",
    "flight_time_s",
    "duty_factor",
    "stride_time_cv_pct",
}


def _gait_section(analysis: InputAnalysis) -> dict[str, Any]:
    strides = analysis.strides
    valid = strides[strides["valid"]] if len(strides) else strides
    gait: dict[str, Any] = {
        "cadence_spm": None,
        "stride_count": {
            side: int((valid["side"] == side).sum()) for side in ("left", "right")
        },
        "events_source": analysis.events_source,
    }
    for name, metric in analysis.metrics.items():
        if name not in _GAIT_KEYS:
            continue
        entry = metric_to_dict(metric, pooled=True)
        if name == "stride_count":
            continue
        if name == "cadence_spm":
            gait[name] = (entry.get("value") or {}).get("mean")
            gait["cadence"] = entry
        else:
            gait[name] = entry
    return gait


#: The angle each angle-based metric is computed from (to report its source).
_METRIC_ANGLE = {
    "hip_sagittal_rom_deg": "hip_flexion",
    "hip_flexion_peak_deg": "hip_flexion",
    "hip_extension_peak_deg": "hip_flexion",
    "hip_frontal_rom_deg": "hip_adduction",
    "hip_transverse_rom_deg": "hip_internal_rotation",
    "pelvis_tilt_rom_deg": "pelvis_anterior_tilt",
    "pelvis_obliquity_rom_deg": "pelvis_obliquity",
    "pelvis_rotation_rom_deg": "pelvis_rotation",
    "trunk_lateral_lean_mean_deg": "trunk_lateral_lean",
}


def _metric_source(name: str, analysis: InputAnalysis) -> str:
    stem = _METRIC_ANGLE.get(name)
    if stem is None:
        return ""
    found = {v for k, v in analysis.angle_sources.items() if k.endswith(stem)}
    return ",".join(sorted(found))


def _metrics_section(analyses: Sequence[InputAnalysis]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for analysis in analyses:
        for name, metric in analysis.metrics.items():
            if name in _GAIT_KEYS or name in out:
                continue
            src = _metric_source(name, analysis)
            out[name] = metric_to_dict(metric, source=src)
    return out


def _stride_rows(analysis: InputAnalysis, index: int) -> list[dict[str, Any]]:
    rows = []
    for stride_id, row in analysis.strides.iterrows():
        item: dict[str, Any] = {"input": index, "stride_id": int(str(stride_id))}
        for key, value in row.items():
            if isinstance(value, float | np.floating):
                item[str(key)] = float(value) if np.isfinite(value) else None
            elif isinstance(value, bool | np.bool_):
                item[str(key)] = bool(value)
            else:
                item[str(key)] = value if isinstance(value, str | int) else str(value)
        rows.append(item)
    return rows


def _name_the_file(error: StridescopeError, path: Path) -> StridescopeError:
    """Return ``error`` with a message that starts with the file name."""
    message = str(error)
    if message.startswith(path.name) or message.startswith(str(path)):
        return error
    return type(error)(f"{path.name}: {message[:1].lower()}{message[1:]}")


def analyze(
    paths: Sequence[str | Path],
    *,
    options: AnalysisOptions | None = None,
    progress: ProgressReporter | None = None,
) -> Report:
    """Analyse the given files and return the report (nothing is written).

    Parameters
    ----------
    paths
        Motion files (markers, angles, keypoints or video) and at most one
        force-plate ``.mot`` companion for a single motion file.
    options
        See :class:`AnalysisOptions`.
    progress
        Called with a short message before each step.

    Returns
    -------
    Report
        The computed report.

    Raises
    ------
    StridescopeError
        For unreadable, unsupported or too short inputs.
    """
    analyses, messages = analyze_inputs(paths, options=options, progress=progress)
    return replace(build_measurement_report(analyses), warnings=messages)


def analyze_inputs(
    paths: Sequence[str | Path],
    *,
    options: AnalysisOptions | None = None,
    progress: ProgressReporter | None = None,
) -> tuple[tuple[InputAnalysis, ...], tuple[str, ...]]:
    """Analyse each motion input; return the analyses and the warnings met.

    Raises
    ------
    StridescopeError
        For unreadable, unsupported or too short inputs (the message names the file).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StridescopeWarning)
        analyses = _analyze_all(
            [Path(p) for p in paths], options or AnalysisOptions(), progress
        )
    messages = [str(w.message) for w in caught if issubclass(w.category, Warning)]
    return analyses, tuple(dict.fromkeys(messages))


def _analyze_all(
    paths: list[Path], options: AnalysisOptions, progress: ProgressReporter | None
) -> tuple[InputAnalysis, ...]:
    motion, forces = _split_inputs(paths)
    analyses = []
    for path, fmt in motion:
        if progress:
            progress.stage(f"analysing {path.name}")
        try:
            analysis = analyze_input(
                path,
                fmt,
                forces_path=forces[0] if forces else None,
                options=options,
                progress=progress,
            )
        except StridescopeError as e:
            raise _name_the_file(e, path) from e
        analyses.append(analysis)
    return tuple(analyses)


def build_measurement_report(analyses: Sequence[InputAnalysis]) -> Report:
    """Assemble the measurement part of the report from analysed inputs."""
    first = analyses[0]
    unavailable: dict[str, str] = {}
    for analysis in analyses:
        for name, reason in analysis.unavailable.items():
            unavailable.setdefault(name, reason)
    return build_report(
        [_summary(a) for a in analyses],
        gait=_gait_section(first),
        events=[
            event_to_dict(e, input_index=i)
            for i, a in enumerate(analyses)
            for e in a.events
        ],
        metrics=_metrics_section(analyses),
        unavailable=unavailable,
        strides=[row for i, a in enumerate(analyses) for row in _stride_rows(a, i)],
    )


def write_outputs(report: Report, out_dir: str | Path) -> list[Path]:
    """Write ``report.json`` into ``out_dir`` atomically; return the written paths.

    A folder created here is removed again if writing fails, so a failed run leaves
    nothing behind.
    """
    out = Path(out_dir)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / "report.json"
        write_text_atomic(render_json(report), target)
    except OSError as e:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise InputError(f"{out}: cannot write the report ({e.strerror}).") from e
    return [target]
