"""Pose-estimator keypoint files -> trial (pixels, image y-down, confidence 0-1).

Formats (registered by :func:`register_keypoint_formats`):

- ``gaitlab_pose``: JSON with ``"schema": "gaitlab.pose/v1"``, ``fps``, optional
  ``width``/``height``/``view``/``source``, ``keypoint_names`` and ``frames`` (one list
  per frame of ``[x_px, y_px, score]`` per keypoint; ``null`` when missing), optional
  ``timestamps`` (s).
- ``mediapipe_json``: MediaPipe Pose landmarks. An object with ``fps`` (or
  ``sampling_rate_hz``), ``image_width`` and ``image_height`` (or ``width``/``height``,
  pixels) and ``frames``; each frame is an object with ``landmarks`` (33 landmarks,
  empty or ``null`` when no pose was found), optional ``world_landmarks`` (33, metres)
  and optional ``time_s`` (or ``timestamp_ms``), or just the list of landmarks. A
  landmark is ``{"x", "y", "z", "visibility", "presence"}`` (only x and y required) or
  a list in that order. x and y are normalised to [0, 1] of the image, so the image
  size is required; a bare list of frames needs :func:`read_mediapipe_json` with
  ``sampling_rate_hz`` and ``image_size_px``.
- ``keypoints_csv``: optional leading ``# key=value`` lines (``sampling_rate_hz`` or
  ``fps``; ``space_unit`` = ``px`` (default), ``m`` or ``normalized``;
  ``image_width``/``image_height`` for normalised values; ``coordinate_frame``, needed
  for metres), then a header and one row per frame: ``time`` (s) and/or ``frame``,
  then ``<name>_x, <name>_y[, <name>_z][, <name>_visibility]`` per keypoint
  (``_score``, ``_confidence``, ``_likelihood`` also mean confidence, ``_presence``
  is kept). Without a stated rate, a regular ``time`` column gives it (warned).

Pose-model z values in image units (MediaPipe's relative depth) are kept as
``image_z(time, keypoint)``, MediaPipe presence as ``presence(time, keypoint)`` and
world landmarks as ``world_position(time, world_space, keypoint)`` in metres
(MediaPipe world axes: origin mid-hips, +x image-right, +y down, +z away from camera).
Scores above 1 (RTMPose's SimCC scores reach ~1.2) are clipped to 1, with a warning.

Names are mapped onto the vocabulary by :func:`keypoint_vocabulary_name`, ignoring
case, ``_``, ``.``, ``-`` and spaces; a label it does not know is kept verbatim
(the original label is always in ``keypoint_source_name``). ``x`` is ``l``/``left``
or ``r``/``right``:

- ``xHip``, ``x_hip``, ``x Hip`` -> ``<side>_hip``; likewise knee, ankle, heel,
  shoulder, elbow, wrist, eye, eye_inner, eye_outer, ear, pinky, index, thumb;
- ``xBigToe``, ``x_big_toe``, ``x_foot_index`` -> ``<side>_foot_index`` (big toe);
- ``xSmallToe``, ``x_small_toe`` -> ``<side>_small_toe``;
- ``Nose`` -> ``nose``; ``Neck`` -> ``neck``; ``Head`` (Halpe top of head) ->
  ``head_top``; ``Hip`` (Halpe/Pose2Sim root), ``MidHip`` -> ``mid_hip``;
- OpenCap augmenter markers: ``r.ASIS_study`` -> ``right_asis``, ``r.PSIS_study`` ->
  ``right_psis``, ``r_knee_study``/``r_mknee_study`` -> ``right_knee_lateral``/
  ``right_knee_medial``, ``r_ankle_study``/``r_mankle_study`` ->
  ``right_ankle_lateral``/``right_ankle_medial``, ``r_calc_study`` -> ``right_heel``,
  ``r_toe_study`` -> ``right_toe``, ``r_5meta_study`` -> ``right_fifth_metatarsal``,
  ``r_shoulder_study`` -> ``right_acromion``, ``RHJC_study`` -> ``right_hip``,
  ``C7_study`` -> ``c7`` (``L``/``l`` for the left side);
- anything else goes through :func:`stridescope.model.skeleton.vocabulary_name`
  (marker sets: ``LASI`` -> ``left_asis``, ``RKNE`` -> ``right_knee_lateral``, ...).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.io._keypoint_common import (
    IMAGE_Z,
    PRESENCE,
    WORLD_POSITION,
    WORLD_SPACE,
    KeypointTrcLayout,
    describe_keypoint_trc,
    frame_array,
    keypoint_names_from_labels,
    keypoint_vocabulary_name,
    load_json,
    positive,
    trial_with_log,
    unit_confidence,
)
from stridescope.io._keypoints_csv import read_keypoints_csv, sniff_keypoints_csv
from stridescope.io._registry import FormatSpec, register
from stridescope.model import schema as s
from stridescope.model.skeleton import BLAZEPOSE_33

__all__ = [
    "KeypointTrcLayout",
    "describe_keypoint_trc",
    "keypoint_names_from_labels",
    "keypoint_vocabulary_name",
    "read_gaitlab_pose",
    "read_keypoints_csv",
    "read_mediapipe_json",
    "register_keypoint_formats",
    "sniff_gaitlab_pose",
    "sniff_keypoints_csv",
    "sniff_mediapipe_json",
]

GAITLAB_SCHEMA: Final = "gaitlab.pose/v1"


# --- gaitlab.pose/v1 ---------------------------------------------------------------


def sniff_gaitlab_pose(head: bytes) -> bool:
    """Return True for a ``gaitlab.pose/v1`` JSON document."""
    return re.search(rb'"schema"\s*:\s*"gaitlab\.pose/v1"', head) is not None


def _gaitlab_problems(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return [f"expected a JSON object, but got {type(doc).__name__}."]
    problems = []
    if doc.get("schema") != GAITLAB_SCHEMA:
        problems.append(
            f"expected schema {GAITLAB_SCHEMA!r}, got {doc.get('schema')!r}."
        )
    if positive(doc.get("fps")) is None:
        problems.append(f"expected a positive 'fps', but got {doc.get('fps')!r}.")
    names = doc.get("keypoint_names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append("expected 'keypoint_names' to be a list of strings.")
    frames = doc.get("frames")
    if not isinstance(frames, list) or len(frames) < 2:
        problems.append("expected 'frames' to be a list of at least 2 frames.")
    stamps = doc.get("timestamps")
    if stamps is not None and (
        not isinstance(stamps, list)
        or not isinstance(frames, list)
        or len(stamps) != len(frames)
    ):
        problems.append("expected one 'timestamps' entry (s) per frame.")
    return problems


def read_gaitlab_pose(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a ``gaitlab.pose/v1`` keypoint file (pixels, score per keypoint).

    Parameters
    ----------
    path
        The ``.json`` file.

    Returns
    -------
    xarray.Dataset
        A pixel trial (``image_y_down``); attrs ``image_width_px``,
        ``image_height_px``, ``source_view`` and ``pose_model`` when the file has them.

    Raises
    ------
    InputError
        For malformed JSON or a document that breaks the layout; the message starts
        with the file name.
    """
    p = Path(path)
    doc = load_json(p)
    problems = _gaitlab_problems(doc)
    if problems:
        raise InputError(
            f"{p.name}: not a valid gaitlab.pose/v1 file: " + " ".join(problems)
        )
    labels = [str(n) for n in doc["keypoint_names"]]
    data = frame_array(p, doc["frames"], n_points=len(labels), n_values=3)
    conf, n_clipped = unit_confidence(data[:, :, 2], p)
    names, _ = keypoint_names_from_labels(labels)
    attrs = {
        "image_width_px": positive(doc.get("width")),
        "image_height_px": positive(doc.get("height")),
        "source_view": doc.get("view") if isinstance(doc.get("view"), str) else None,
        "pose_model": doc.get("source") if isinstance(doc.get("source"), str) else None,
    }
    return trial_with_log(
        p,
        {"format": "gaitlab_pose", "confidence_clipped": n_clipped},
        sampling_rate_hz=float(doc["fps"]),
        position=data[:, :, :2].transpose(0, 2, 1),
        keypoint_names=names,
        keypoint_source_names=labels,
        confidence=conf,
        space_unit="px",
        coordinate_frame="image_y_down",
        time_s=doc.get("timestamps"),
        source_format="gaitlab_pose",
        attrs={k: v for k, v in attrs.items() if v is not None},
    )


# --- MediaPipe JSON ---------------------------------------------------------------


def sniff_mediapipe_json(head: bytes) -> bool:
    """Return True for JSON holding MediaPipe-style landmarks."""
    text = head.lstrip()
    return (
        text[:1] in (b"{", b"[")
        and (b'"landmarks"' in head or b'"visibility"' in head)
        and not sniff_gaitlab_pose(head)
    )


def _landmark(point: Any) -> list[Any]:
    if isinstance(point, dict):
        return [point.get(key) for key in ("x", "y", "z", "visibility", "presence")]
    if isinstance(point, list | tuple):
        return (list(point) + [None] * 5)[:5]
    return [None] * 6  # wrong length: reported by _frame_array


def _mediapipe_frames(
    path: Path, frames: list[Any]
) -> tuple[list[Any], list[Any], list[Any]]:
    """Split frames into image landmarks, world landmarks and time stamps (s)."""
    image, world, times = [], [], []
    for frame in frames:
        entry = frame if isinstance(frame, dict) else {"landmarks": frame}
        image.append([_landmark(p) for p in entry.get("landmarks") or []])
        world.append([_landmark(p)[:4] for p in entry.get("world_landmarks") or []])
        stamp_ms = entry.get("timestamp_ms")
        times.append(entry.get("time_s", None if stamp_ms is None else stamp_ms / 1000))
    return image, world, times


def _mediapipe_meta(
    doc: Any, rate_hz: float | None, size_px: tuple[float, float] | None
) -> tuple[list[Any], float | None, tuple[float | None, float | None]]:
    meta = doc if isinstance(doc, dict) else {}
    frames = meta.get("frames") if isinstance(doc, dict) else doc
    rate = (
        rate_hz or positive(meta.get("fps")) or positive(meta.get("sampling_rate_hz"))
    )
    width = positive(meta.get("image_width", meta.get("width")))
    height = positive(meta.get("image_height", meta.get("height")))
    return (
        (frames if isinstance(frames, list) else []),
        rate,
        size_px or (width, height),
    )


def read_mediapipe_json(
    path: str | os.PathLike[str],
    *,
    sampling_rate_hz: float | None = None,
    image_size_px: tuple[float, float] | None = None,
) -> xr.Dataset:
    """Read MediaPipe Pose landmarks (33, normalised) from JSON into pixels.

    Parameters
    ----------
    path
        The ``.json`` file (layout in the module docstring).
    sampling_rate_hz
        Frame rate in Hz, overriding the file's ``fps``.
    image_size_px
        ``(width, height)`` in pixels, overriding the file's image size.

    Returns
    -------
    xarray.Dataset
        A pixel trial of the 33 BlazePose keypoints, visibility as confidence, plus
        ``image_z``, ``presence`` and ``world_position`` when the file has them.

    Raises
    ------
    InputError
        When the frame rate or image size is unknown or a frame is malformed; the
        message starts with the file name.
    """
    p = Path(path)
    frames, rate, (width, height) = _mediapipe_meta(
        load_json(p), sampling_rate_hz, image_size_px
    )
    problems = []
    if len(frames) < 2:
        problems.append("expected a list of at least 2 frames ('frames').")
    if rate is None:
        problems.append(
            "the frame rate is unknown: expected 'fps' in the file or pass "
            "sampling_rate_hz=."
        )
    if width is None or height is None:
        problems.append(
            "normalised landmarks need the image size: expected 'image_width' and "
            "'image_height' (pixels) in the file, or pass image_size_px=(w, h)."
        )
    if problems:
        raise InputError(f"{p.name}: " + " ".join(problems))
    image, world, times = _mediapipe_frames(p, frames)
    data = frame_array(p, image, n_points=33, n_values=5)
    pos = data[:, :, :2] * np.array([width, height], dtype=float)
    return _mediapipe_trial(
        p, data, pos=pos.transpose(0, 2, 1), rate=rate, world=world, times=times
    )


def _mediapipe_trial(
    p: Path,
    data: NDArray[np.float64],
    *,
    pos: NDArray[np.float64],
    rate: float | None,
    world: list[Any],
    times: list[Any],
) -> xr.Dataset:
    conf, n_clipped = unit_confidence(data[:, :, 3], p)
    ds = trial_with_log(
        p,
        {"format": "mediapipe_json", "confidence_clipped": n_clipped},
        sampling_rate_hz=rate,
        position=pos,
        keypoint_names=list(BLAZEPOSE_33),
        confidence=conf,
        space_unit="px",
        coordinate_frame="image_y_down",
        time_s=None if any(t is None for t in times) else times,
        source_format="mediapipe_json",
    )
    dims: tuple[str, ...] = (s.TIME, s.KEYPOINT)
    extra = {IMAGE_Z: (dims, data[:, :, 2]), PRESENCE: (dims, data[:, :, 4])}
    if any(world):
        xyz = frame_array(p, world, n_points=33, n_values=4)[:, :, :3]
        extra[WORLD_POSITION] = (
            (s.TIME, WORLD_SPACE, s.KEYPOINT),
            xyz.transpose(0, 2, 1),
        )
    kept = {k: v for k, v in extra.items() if np.isfinite(v[1]).any()}
    out = ds.assign(kept)
    if WORLD_POSITION in kept:
        out = out.assign_coords({WORLD_SPACE: list(s.SPACE_3D)})
    return out


def register_keypoint_formats() -> None:
    """Register ``gaitlab_pose``, ``mediapipe_json`` and ``keypoints_csv`` readers."""
    register(
        FormatSpec("gaitlab_pose", (".json",), sniff_gaitlab_pose, read_gaitlab_pose)
    )
    register(
        FormatSpec(
            "mediapipe_json", (".json",), sniff_mediapipe_json, read_mediapipe_json
        )
    )
    register(
        FormatSpec("keypoints_csv", (".csv",), sniff_keypoints_csv, read_keypoints_csv)
    )
