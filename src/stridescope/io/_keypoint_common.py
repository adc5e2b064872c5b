"""Shared pieces of the keypoint readers: vocabulary mapping, TRC layout, helpers.

Public names are re-exported by :mod:`stridescope.io.keypoints`, whose docstring
holds the mapping table.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeWarning
from stridescope.model.skeleton import vocabulary_name
from stridescope.model.trial import append_log, from_arrays

#: A TRC whose labels include this many pose-model names holds keypoints.
MIN_POSE_LABELS: Final = 4
#: Variables besides ``position``/``confidence`` that keypoint readers may add.
WORLD_POSITION: Final = "world_position"
WORLD_SPACE: Final = "world_space"
IMAGE_Z: Final = "image_z"
PRESENCE: Final = "presence"

_SIDED_PARTS: Final[dict[str, tuple[str, ...]]] = {
    "hip": ("hip",),
    "knee": ("knee",),
    "ankle": ("ankle",),
    "heel": ("heel",),
    "foot_index": ("footindex", "bigtoe"),
    "small_toe": ("smalltoe",),
    "shoulder": ("shoulder",),
    "elbow": ("elbow",),
    "wrist": ("wrist",),
    "eye": ("eye",),
    "eye_inner": ("eyeinner",),
    "eye_outer": ("eyeouter",),
    "ear": ("ear",),
    "pinky": ("pinky",),
    "index": ("index",),
    "thumb": ("thumb",),
}
_UNSIDED: Final[dict[str, tuple[str, ...]]] = {
    "nose": ("nose",),
    "neck": ("neck",),
    "head_top": ("head", "headtop"),
    "mid_hip": ("hip", "midhip"),
    "mouth_left": ("mouthleft",),
    "mouth_right": ("mouthright",),
}
_OPENCAP_PARTS: Final = {
    "asis": "asis",
    "psis": "psis",
    "knee": "knee_lateral",
    "mknee": "knee_medial",
    "ankle": "ankle_lateral",
    "mankle": "ankle_medial",
    "calc": "heel",
    "toe": "toe",
    "5meta": "fifth_metatarsal",
    "shoulder": "acromion",
}
_OPENCAP = re.compile(r"^([rl])[._]([a-z0-9]+)_study$", re.IGNORECASE)
_OPENCAP_HJC = re.compile(r"^([rl])hjc_study$", re.IGNORECASE)


def _norm(label: str) -> str:
    return re.sub(r"[^0-9a-z]", "", label.lower())


def _build_aliases() -> dict[str, str]:
    aliases = {sp: name for name, spellings in _UNSIDED.items() for sp in spellings}
    for part, spellings in _SIDED_PARTS.items():
        for side in ("left", "right"):
            for prefix in (side[0], side):
                aliases.update({prefix + sp: f"{side}_{part}" for sp in spellings})
    return aliases


_ALIASES: Final = _build_aliases()


def _opencap_name(label: str) -> str | None:
    side = {"r": "right", "l": "left"}
    if label.strip().lower() == "c7_study":
        return "c7"
    if m := _OPENCAP_HJC.match(label.strip()):
        return f"{side[m.group(1).lower()]}_hip"
    m = _OPENCAP.match(label.strip())
    if m and m.group(2).lower() in _OPENCAP_PARTS:
        return f"{side[m.group(1).lower()]}_{_OPENCAP_PARTS[m.group(2).lower()]}"
    return None


def keypoint_vocabulary_name(label: str) -> str:
    """Map a pose-model, OpenCap or marker label onto the vocabulary, else keep it.

    Examples
    --------
    >>> [keypoint_vocabulary_name(x) for x in ("RBigToe", "l_knee", "Hip", "LASI")]
    ['right_foot_index', 'left_knee', 'mid_hip', 'left_asis']
    """
    return _ALIASES.get(_norm(label)) or _opencap_name(label) or vocabulary_name(label)


def keypoint_names_from_labels(labels: Sequence[str]) -> tuple[list[str], list[str]]:
    """Map labels with :func:`keypoint_vocabulary_name`, keeping names unique.

    Returns
    -------
    tuple of list of str
        The keypoint names, and the labels kept verbatim because their vocabulary
        name was already taken by an earlier label (same contract as
        ``io.trc.vocabulary_keypoints``).
    """
    names: list[str] = []
    clashes: list[str] = []
    for label in labels:
        name = keypoint_vocabulary_name(label)
        if name in names:
            clashes.append(label)
            name = label.strip()
        names.append(name)
    return names, clashes


@dataclass(frozen=True)
class KeypointTrcLayout:
    """How to read a TRC file written by a video pose tool.

    Parameters
    ----------
    keypoint_names, clashes
        As returned by :func:`keypoint_names_from_labels`.
    is_keypoint_file
        True when at least ``MIN_POSE_LABELS`` labels are pose-model names (``RHip``,
        ``LKnee``, ``RBigToe``, ...) rather than marker labels.
    in_pixels
        True for pixel coordinates (image y-down; z is 0 and should be dropped).
    """

    keypoint_names: tuple[str, ...]
    clashes: tuple[str, ...]
    is_keypoint_file: bool
    in_pixels: bool


def describe_keypoint_trc(
    labels: Sequence[str], *, units: str, file_name: str
) -> KeypointTrcLayout:
    """Describe a Sports2D / Pose2Sim / OpenCap keypoint TRC from its header.

    Sports2D writes ``Units m`` even in its pixel files, so a file is in pixels when
    its units say ``px``/``pixels`` or its name carries Sports2D's ``_px`` tag
    (``run_Sports2D_px_person00.trc``, ``run_px.trc``). Other keypoint TRCs (Pose2Sim,
    OpenCap, Sports2D ``_m``) are in the stated length unit, OpenSim y-up.

    Examples
    --------
    >>> labels = ["RHip", "RKnee", "RAnkle", "LHip"]
    >>> layout = describe_keypoint_trc(labels, units="m", file_name="a_px_person00.trc")
    >>> layout.keypoint_names[:2], layout.is_keypoint_file, layout.in_pixels
    (('right_hip', 'right_knee'), True, True)
    """
    names, clashes = keypoint_names_from_labels(labels)
    n_pose = sum(_norm(label) in _ALIASES for label in labels)
    stem = Path(file_name).stem.lower()
    in_pixels = units.strip().lower() in ("px", "pixel", "pixels") or bool(
        re.search(r"(^|_)px(_|$)", stem)
    )
    return KeypointTrcLayout(
        tuple(names), tuple(clashes), n_pose >= MIN_POSE_LABELS, in_pixels
    )


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(
            f"{path.name}: expected JSON, but line {e.lineno} column {e.colno} is "
            f"malformed ({e.msg})."
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path.name}: cannot be read as UTF-8 text ({e}).") from e


def unit_confidence(
    conf: NDArray[np.float64], path: Path
) -> tuple[NDArray[np.float64], int]:
    outside = (conf > 1) | (conf < 0)
    n = int(outside.sum())
    if n:
        warnings.warn(
            f"{path.name}: {n} confidence scores lie outside [0, 1] (from "
            f"{np.nanmin(conf):.3f} to {np.nanmax(conf):.3f}); clipped to [0, 1] "
            "(pose-model scores are not probabilities).",
            StridescopeWarning,
            stacklevel=3,
        )
    return np.clip(conf, 0.0, 1.0), n


def trial_with_log(path: Path, log: dict[str, Any], **kwargs: Any) -> xr.Dataset:
    try:
        ds = from_arrays(source_file=path.name, **kwargs)
    except InputError as e:
        raise InputError(f"{path.name}: {e}") from e
    return append_log(ds, "read_keypoints", **log)


def positive(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if ok and np.isfinite(value) and value > 0 else None


def frame_array(
    path: Path, frames: list[Any], *, n_points: int, n_values: int
) -> NDArray[np.float64]:
    """(frames, points, values) from nested lists; ``null`` frames/points -> NaN."""
    empty = [None] * n_values
    rows = [
        [p if p is not None else empty for p in (f or [empty] * n_points)]
        for f in frames
    ]
    try:
        arr = np.array(rows, dtype=float)
    except (TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape == (len(frames), n_points, n_values):
        return arr
    for i, row in enumerate(rows):
        bad = len(row) != n_points or any(
            not isinstance(p, list | tuple) or len(p) != n_values for p in row
        )
        if bad:
            raise InputError(
                f"{path.name}: expected frame {i} to hold {n_points} points of "
                f"{n_values} numbers, but it holds {str(row)[:80]}."
            )
    raise InputError(f"{path.name}: expected numbers or null in every frame.")
