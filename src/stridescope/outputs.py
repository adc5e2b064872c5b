"""Write a session's files: report.json, strides.csv, OpenSim exports, lesson audio.

Everything is written into a staging folder beside the target first and moved into
place only when all files are complete, so a failed run leaves no half-written output
(a folder this module created is removed again).
"""

from __future__ import annotations

import csv
import io as _io
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from stridescope._analysis import InputAnalysis
from stridescope.errors import InputError, StridescopeError
from stridescope.gait.strides import STRIDE_COLUMNS as _STRIDE_TABLE_COLUMNS
from stridescope.io.mot import write_mot
from stridescope.io.trc import write_trc
from stridescope.lessons.audio import (
    AudioEngineError,
    encode_mp3,
    render_lesson_audio,
)
from stridescope.model import schema as s
from stridescope.model.trial import from_arrays
from stridescope.report.json import render_json
from stridescope.session import Session

__all__ = ["STRIDE_COLUMNS", "render_strides_csv", "write_session"]

STRIDE_COLUMNS = ("input", "stride_id", *_STRIDE_TABLE_COLUMNS)

#: Travel direction of a side/rear/front view in MediaPipe world axes (x right, y down,
#: z away from the camera).
_TRAVEL_WORLD = {
    "side-left": (-1.0, 0.0, 0.0),
    "side-right": (1.0, 0.0, 0.0),
    "rear": (0.0, 0.0, 1.0),
    "front": (0.0, 0.0, -1.0),
}


def render_strides_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Return the stride table as CSV text (one row per stride, units in headers)."""
    buffer = _io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=STRIDE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "" if row.get(k) is None else row.get(k) for k in STRIDE_COLUMNS}
        )
    return buffer.getvalue()


def _world_trial(analysis: InputAnalysis) -> xr.Dataset | None:
    """Video world landmarks as a lab z-up trial (x along travel, z up), or None."""
    trial = analysis.trial
    travel = _TRAVEL_WORLD.get(analysis.view)
    if "world_position" not in trial or travel is None:
        return None
    world = trial["world_position"].transpose(s.TIME, ..., s.KEYPOINT).values
    x_axis = np.array(travel)
    z_axis = np.array([0.0, -1.0, 0.0])
    y_axis = np.cross(z_axis, x_axis)
    basis = np.stack([x_axis, y_axis, z_axis])
    lab = np.einsum("ij,tjk->tik", basis, world)
    return from_arrays(
        position=lab,
        keypoint_names=[str(k) for k in trial[s.KEYPOINT].values],
        sampling_rate_hz=float(trial.attrs[s.ATTR_SAMPLING_RATE_HZ]),
        time_s=trial[s.TIME].values,
        space_unit="m",
        coordinate_frame="lab_z_up",
        source_format="video_world_landmarks",
        source_file=str(trial.attrs.get(s.ATTR_SOURCE_FILE, "")),
    )


def _export_positions(analysis: InputAnalysis, folder: Path) -> list[Path]:
    trial = analysis.trial
    if trial.attrs.get(s.ATTR_SPACE_UNIT) == "m" and trial.sizes.get(s.SPACE) == 3:
        target = folder / f"{analysis.path.stem}_markers.trc"
        write_trc(trial, target)
        return [target]
    world = _world_trial(analysis)
    if world is None:
        return []
    target = folder / f"{analysis.path.stem}_keypoints_world.trc"
    write_trc(world, target)
    return [target]


def _export_angles(analysis: InputAnalysis, folder: Path) -> list[Path]:
    if analysis.angles is None:
        return []
    angles = analysis.angles.drop_vars(
        [c for c in analysis.angles.coords if c not in (s.TIME, s.JOINT)]
    )
    trial = from_arrays(
        angle=angles.transpose(s.TIME, s.JOINT).values,
        joint_names=[str(j) for j in angles[s.JOINT].values],
        sampling_rate_hz=float(analysis.trial.attrs[s.ATTR_SAMPLING_RATE_HZ]),
        time_s=angles[s.TIME].values,
        angle_source="stridescope",
    )
    target = folder / f"{analysis.path.stem}_angles.mot"
    write_mot(trial, target)
    return [target]


def _render_audio(
    session: Session, folder: Path
) -> tuple[dict[str, list[str]], list[str]]:
    """Render the plan's lessons; return lesson id -> file names, and problems."""
    if session.plan is None:
        return {}, []
    (folder / "lessons").mkdir()
    files: dict[str, list[str]] = {}
    problems: list[str] = []
    for item in session.plan.lessons:
        target = folder / "lessons" / f"{item.lesson.id}.wav"
        try:
            render_lesson_audio(item.lesson, target, fmt="wav")
            encode_mp3(target, target.with_suffix(".mp3"))
        except AudioEngineError as e:
            problems.append(f"lesson audio: {e}")
        written = [p for p in (target, target.with_suffix(".mp3")) if p.exists()]
        if written:
            files[item.lesson.id] = [f"lessons/{p.name}" for p in sorted(written)]
    return files, problems


def _with_audio(
    session: Session, audio: dict[str, list[str]], problems: list[str]
) -> Session:
    sections = dict(session.report.sections)
    plan = dict(sections.get("lesson_plan", {}))
    plan["lessons"] = [
        {**lesson, "audio": audio.get(lesson["id"], [])}
        for lesson in plan.get("lessons", [])
    ]
    sections["lesson_plan"] = plan
    report = replace(
        session.report,
        sections=sections,
        warnings=(*session.report.warnings, *problems),
    )
    return replace(session, report=report)


HtmlRenderer = Callable[[Session, Path], str]


def _write_overlays(session: Session, folder: Path) -> None:
    """Annotated copies of the video inputs (skeleton, angles, events)."""
    from stridescope.video.overlay import write_overlay

    for analysis in session.analyses:
        if analysis.format != "video":
            continue
        write_overlay(
            analysis.path,
            analysis.trial,
            angles=analysis.angles,
            events=analysis.events,
            out_path=folder / f"{analysis.path.stem}_overlay.mp4",
            overwrite=True,
        )


def _stage(
    session: Session,
    folder: Path,
    *,
    audio: bool,
    html: HtmlRenderer | None,
    overlay: bool = False,
) -> Session:
    if audio:
        session = _with_audio(session, *_render_audio(session, folder))
    if overlay:
        _write_overlays(session, folder)
    for analysis in session.analyses:
        _export_positions(analysis, folder)
        _export_angles(analysis, folder)
    (folder / "strides.csv").write_text(
        render_strides_csv(session.report.strides), encoding="utf-8"
    )
    if html is not None:
        (folder / "report.html").write_text(html(session, folder), encoding="utf-8")
    (folder / "report.json").write_text(render_json(session.report), encoding="utf-8")
    return session


def write_session(
    session: Session,
    out_dir: str | Path,
    *,
    audio: bool = True,
    html: HtmlRenderer | None = None,
    overlay: bool = False,
) -> list[Path]:
    """Write all outputs of ``session`` into ``out_dir``; return the written paths.

    ``audio`` renders the plan's lessons, ``html`` (a renderer such as
    :func:`stridescope.report.html.render_session_html`) writes ``report.html`` and
    ``overlay`` writes an annotated copy of each video input.

    Raises
    ------
    InputError
        If the folder cannot be written (nothing is left half-written).
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        _stage(session, staging, audio=audio, html=html, overlay=overlay)
        _usual_permissions(staging)
        return _move_into_place(staging, out)
    except OSError as e:
        raise InputError(f"{out}: cannot write the outputs ({e.strerror}).") from e
    except StridescopeError:
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _usual_permissions(folder: Path) -> None:
    """Give staged files and folders the modes the user's umask asks for.

    Temporary files and folders are created private (0600/0700); the outputs are
    ordinary files the user may share, like anything else they create.
    """
    umask = os.umask(0)
    os.umask(umask)
    folder.chmod(0o777 & ~umask)
    for item in folder.rglob("*"):
        item.chmod((0o777 if item.is_dir() else 0o666) & ~umask)


def _move_into_place(staging: Path, out: Path) -> list[Path]:
    if not out.exists():
        staging.rename(out)
        return sorted(p for p in out.rglob("*") if p.is_file())
    written = []
    for item in sorted(staging.rglob("*")):
        if item.is_file():
            target = out / item.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            item.replace(target)
            written.append(target)
    return written
