"""Camera view of a video trial, from keypoint geometry alone.

:func:`detect_view` returns ``side-left`` (runner facing image-left), ``side-right``,
``rear``, ``front`` or ``oblique`` for image trials, and ``3d`` for lab-frame trials.
Every feature is a median over frames, using keypoints whose confidence reaches
``MIN_CONFIDENCE`` (NaN confidence counts as usable). Lengths are divided by the
torso length (mid-shoulders, else ``neck``, to mid-hips, else ``mid_hip``), so the
rules do not depend on image size, distance or units.

1. **Width.** ``width_ratio`` is the mean horizontal distance between the left and
   right shoulders and between the left and right hips, over the torso length:
   about 0.6 facing or backing the camera, near 0.2 in profile (0.21 on a real side
   clip). Below ``SIDE_MAX_WIDTH_RATIO`` the view is a side view; above
   ``FRONTAL_MIN_WIDTH_RATIO`` it is front or rear; in between, oblique.
2. **Facing (side views).** The toes point forward: ``toe_direction`` is the median
   x component of the unit heel -> foot_index vector (both feet). The nose is ahead
   of the ears (else the neck or mid-shoulders): ``head_direction`` is that x offset
   over ``HEAD_OFFSET_FULL_SCALE`` torso lengths, clipped to [-1, 1].
   ``facing_score`` is their mean; negative means facing image-left.
3. **Front or rear.** In a rear view the person's left is on the image's left, in a
   front view on its right: ``left_right_order`` is the median of
   sum(right_x - left_x) / sum(abs(right_x - left_x)) over shoulders and hips (+1
   rear, -1 front). The foot on the ground also points away from a camera behind
   the runner, so up the image: ``foot_pitch`` is minus the median y component of
   the unit heel -> foot_index vector of the lower foot in each frame (the stance
   foot; a swinging foot points down) (+ rear). A low camera sees the heel keypoint
   above the toe whichever way the foot points, so the pitch only breaks ties:
   ``frontal_score`` is the order when ``abs(order) >= ORDER_DECISIVE``, else the
   order and the pitch weighted ``ORDER_WEIGHT`` : ``1 - ORDER_WEIGHT``; positive
   means rear.

``confidence`` multiplies how clearly the width rule holds (distance from its
threshold over ``WIDTH_MARGIN``, capped at 1) by the size of the direction score that
picked the label (how much the cues agree); for ``oblique`` it is the distance from
the nearer threshold over half the oblique band. For front and rear the width
clarity uses the larger of ``width_ratio`` and ``shoulder_width_ratio``: the hip
keypoints are joint centres well inside the body outline (0.3-0.36 of the torso
from behind, against 0.6 for the shoulders), so the shoulders show best how square
the view is. The thresholds are heuristics [S] from body proportions, the real
side and rear clips and virtual-camera trials; check them on new footage.

:func:`detect_direction_changes` follows a side-view clip frame by frame: which way
the person faces (toes and nose, as above) and which way the mid-hip moves across
the image, so a clip where the person turns, or walks backward, can be cut into
spans of one direction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, InsufficientDataError, MissingDataError
from stridescope.model import schema as s
from stridescope.model.trial import validate_trial

__all__ = ["DirectionSpan", "ViewResult", "detect_direction_changes", "detect_view"]

MIN_CONFIDENCE: Final = 0.5
SIDE_MAX_WIDTH_RATIO: Final = 0.35
FRONTAL_MIN_WIDTH_RATIO: Final = 0.45
WIDTH_MARGIN: Final = 0.1
HEAD_OFFSET_FULL_SCALE: Final = 0.15
ORDER_WEIGHT: Final = 2.0 / 3.0
ORDER_DECISIVE: Final = 0.5
#: Direction spans: facing and travel are medians over this window; the mid-hip
#: moves across the image (forward or backward) faster than this many torso
#: lengths per second (1 torso ~ 0.5 m: 0.5 m/s, slower than walking, faster than
#: a runner drifting on a treadmill belt); spans shorter than this join their
#: neighbours [S].
DIRECTION_WINDOW_S: Final = 1.0
MIN_TRAVEL_TORSOS_PER_S: Final = 1.0
MIN_SPAN_S: Final = 0.5
MIN_USABLE_FRAMES: Final = 3

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DirectionSpan:
    """A span of a side-view clip with one direction.

    Parameters
    ----------
    start_s, end_s
        First and last frame of the span, seconds.
    facing
        ``"left"`` or ``"right"``: the image direction the person faces.
    travel
        ``"forward"`` (the mid-hip moves across the image the way the person
        faces), ``"backward"``, or ``"in place"`` (a treadmill, or a camera that
        follows the person).
    """

    start_s: float
    end_s: float
    facing: str
    travel: str


@dataclass(frozen=True)
class ViewResult:
    """The detected view.

    Parameters
    ----------
    view
        ``side-left``, ``side-right``, ``rear``, ``front``, ``oblique`` or ``3d``.
    confidence
        In [0, 1] (see the module docstring).
    evidence
        The features the rules used (dimensionless, NaN when unavailable) and
        ``usable_frames``.
    """

    view: str
    confidence: float
    evidence: dict[str, float]


def _points(ds: xr.Dataset) -> dict[str, FloatArray]:
    """Image (x, y) per keypoint, shape (time, 2), NaN where unusable."""
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values[:, :2]
    conf = ds[s.CONFIDENCE].transpose(s.TIME, s.KEYPOINT).values
    usable = np.where((conf < MIN_CONFIDENCE)[:, None, :], np.nan, pos)
    return {str(k): usable[:, :, i] for i, k in enumerate(ds[s.KEYPOINT].values)}


def _get(pts: dict[str, FloatArray], *names: str) -> FloatArray:
    """Mean of the named points (NaN unless all exist); first name group that does."""
    n_frames = len(next(iter(pts.values())))
    if all(name in pts for name in names):
        return np.asarray(np.mean([pts[name] for name in names], axis=0), dtype=float)
    return np.full((n_frames, 2), np.nan)


def _first(*candidates: FloatArray) -> FloatArray:
    """Per frame, the first candidate that is finite there."""
    out = candidates[-1].copy()
    for candidate in reversed(candidates[:-1]):
        ok = np.isfinite(candidate).all(axis=1)
        out[ok] = candidate[ok]
    return out


def _median(values: FloatArray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN -> NaN
        return float(np.nanmedian(values))


def _torso(pts: dict[str, FloatArray]) -> FloatArray:
    top = _first(_get(pts, "left_shoulder", "right_shoulder"), _get(pts, "neck"))
    bottom = _first(_get(pts, "left_hip", "right_hip"), _get(pts, "mid_hip"))
    length = np.linalg.norm(top - bottom, axis=1)
    return np.where(length > 0, length, np.nan)


def _widths(pts: dict[str, FloatArray], torso: FloatArray) -> dict[str, float]:
    ratios = {}
    for part in ("shoulder", "hip"):
        gap = _get(pts, f"right_{part}")[:, 0] - _get(pts, f"left_{part}")[:, 0]
        ratios[f"{part}_width_ratio"] = np.abs(gap) / torso
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(np.stack(list(ratios.values())), axis=0)
    return {
        "width_ratio": _median(mean),
        **{name: _median(r) for name, r in ratios.items()},
    }


def _foot_directions(pts: dict[str, FloatArray]) -> FloatArray:
    """Unit heel -> foot_index vectors of both feet, shape (2 * time, 2)."""
    vectors = np.concatenate(
        [
            _get(pts, f"{side}_foot_index") - _get(pts, f"{side}_heel")
            for side in s.SIDES
        ]
    )
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(length > 0, length, np.nan))


def _direction_cues(pts: dict[str, FloatArray], torso: FloatArray) -> dict[str, float]:
    foot = _foot_directions(pts)
    back_of_head = _first(
        _get(pts, "left_ear", "right_ear"),
        _get(pts, "left_ear"),
        _get(pts, "right_ear"),
        _get(pts, "neck"),
        _get(pts, "left_shoulder", "right_shoulder"),
    )
    head = np.clip(
        _median((_get(pts, "nose") - back_of_head)[:, 0] / torso)
        / HEAD_OFFSET_FULL_SCALE,
        -1.0,
        1.0,
    )
    gaps = np.stack(
        [
            _get(pts, f"right_{part}")[:, 0] - _get(pts, f"left_{part}")[:, 0]
            for part in ("shoulder", "hip")
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        order = np.nansum(gaps, axis=0) / np.nansum(np.abs(gaps), axis=0)
    return {
        "toe_direction": _median(foot[:, 0]),
        "head_direction": float(head),
        "left_right_order": _median(order),
        "foot_pitch": -_median(_stance_foot_direction(pts)[:, 1]),
    }


def _stance_foot_direction(pts: dict[str, FloatArray]) -> FloatArray:
    """Unit heel -> foot_index vector of the lower foot (larger image y) per frame."""
    feet = {
        side: (_get(pts, f"{side}_heel"), _get(pts, f"{side}_foot_index"))
        for side in s.SIDES
    }
    left_low = (feet["left"][0][:, 1] + feet["left"][1][:, 1]) >= (
        feet["right"][0][:, 1] + feet["right"][1][:, 1]
    )
    heel = np.where(left_low[:, None], feet["left"][0], feet["right"][0])
    toe = np.where(left_low[:, None], feet["left"][1], feet["right"][1])
    vectors = toe - heel
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(length > 0, length, np.nan))


def _scores(cues: dict[str, float]) -> dict[str, float]:
    facing = [cues["toe_direction"], cues["head_direction"]]
    facing_score = float(np.mean([c for c in facing if np.isfinite(c)] or [np.nan]))
    order, pitch = cues["left_right_order"], cues["foot_pitch"]
    if np.isfinite(order) and (abs(order) >= ORDER_DECISIVE or not np.isfinite(pitch)):
        frontal = order
    elif np.isfinite(order):
        frontal = ORDER_WEIGHT * order + (1 - ORDER_WEIGHT) * pitch
    else:
        frontal = order if np.isfinite(order) else pitch
    return {"facing_score": facing_score, "frontal_score": float(frontal)}


def _decide(evidence: dict[str, float]) -> tuple[str, float]:
    width = evidence["width_ratio"]
    if width < SIDE_MAX_WIDTH_RATIO:
        score = evidence["facing_score"]
        clarity = (SIDE_MAX_WIDTH_RATIO - width) / WIDTH_MARGIN
        view = "side-left" if score < 0 else "side-right"
    elif width > FRONTAL_MIN_WIDTH_RATIO:
        score = evidence["frontal_score"]
        widest = np.nanmax([width, evidence["shoulder_width_ratio"]])
        clarity = (widest - FRONTAL_MIN_WIDTH_RATIO) / WIDTH_MARGIN
        view = "rear" if score > 0 else "front"
    else:
        half_band = (FRONTAL_MIN_WIDTH_RATIO - SIDE_MAX_WIDTH_RATIO) / 2
        nearer = min(width - SIDE_MAX_WIDTH_RATIO, FRONTAL_MIN_WIDTH_RATIO - width)
        return "oblique", float(nearer / half_band)
    if not np.isfinite(score):
        return "oblique", 0.0
    return view, float(min(clarity, 1.0) * min(abs(score), 1.0))


def detect_view(ds: xr.Dataset) -> ViewResult:
    """Detect the camera view of a video trial from its keypoints.

    Parameters
    ----------
    ds
        A trial with ``position`` in image coordinates (``image_y_down``), e.g.
        BlazePose 33, Halpe 26 or COCO 17 keypoints in vocabulary names.

    Returns
    -------
    ViewResult
        The view, a confidence in [0, 1] and the evidence (module docstring); a trial
        in lab coordinates gives ``3d``.

    Raises
    ------
    MissingDataError
        Without left/right shoulders or hips, or without a torso.
    InsufficientDataError
        With fewer than ``MIN_USABLE_FRAMES`` frames where the width can be measured.
    """
    validate_trial(ds, require=(s.POSITION,))
    if ds.attrs[s.ATTR_COORDINATE_FRAME] != "image_y_down":
        return ViewResult("3d", 1.0, {})
    names = set(ds[s.KEYPOINT].values.tolist())
    pairs = [p for p in ("shoulder", "hip") if {f"left_{p}", f"right_{p}"} <= names]
    if not pairs:
        raise MissingDataError(
            "Expected left and right shoulders or hips to detect the view, but the "
            f"trial has neither (keypoints: {sorted(names)})."
        )
    pts = _points(ds)
    torso = _torso(pts)
    widths = _widths(pts, torso)
    cues = _direction_cues(pts, torso)
    usable = int(np.isfinite(torso).sum())
    if usable < MIN_USABLE_FRAMES or not np.isfinite(widths["width_ratio"]):
        raise InsufficientDataError(
            f"Expected at least {MIN_USABLE_FRAMES} frames with confident shoulders "
            f"and hips to detect the view, but got {usable}."
        )
    evidence = {**widths, **cues, **_scores(cues), "usable_frames": float(usable)}
    view, confidence = _decide(evidence)
    return ViewResult(view, round(confidence, 3), evidence)


def _window_median(x: FloatArray, half: int) -> FloatArray:
    """Median of the finite values within ``half`` frames of each frame."""
    padded = np.pad(x, half, mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    out = np.full(x.size, np.nan)
    some = np.isfinite(windows).any(axis=1)
    out[some] = np.nanmedian(windows[some], axis=1)
    return out


def _frame_labels(ds: xr.Dataset) -> list[tuple[str, str] | None]:
    """(facing, travel) per frame, None where the person is not seen."""
    pts = _points(ds)
    torso = _torso(pts)
    rate = float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    half = max(1, round(DIRECTION_WINDOW_S * rate / 2))
    toe = _foot_directions(pts)[:, 0].reshape(2, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames -> NaN
        facing = _window_median(np.nanmean(toe, axis=0), half)
    hips = _first(_get(pts, "left_hip", "right_hip"), _get(pts, "mid_hip"))[:, 0]
    speed = _window_median(np.gradient(hips) * rate / _median(torso), half)
    labels: list[tuple[str, str] | None] = []
    for face, move in zip(facing, speed, strict=True):
        if not np.isfinite(face):
            labels.append(None)
            continue
        along = move * np.sign(face)
        travel = "in place"
        if abs(along) >= MIN_TRAVEL_TORSOS_PER_S:
            travel = "forward" if along > 0 else "backward"
        labels.append(("right" if face > 0 else "left", travel))
    return labels


def _merge_short(
    spans: list[list[float | str]], min_s: float
) -> list[list[float | str]]:
    """Give spans shorter than ``min_s`` to the span before them (or after)."""
    merged: list[list[float | str]] = []
    for span in spans:
        short = float(span[1]) - float(span[0]) < min_s
        if merged and (short or merged[-1][2:] == span[2:]):
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    if len(merged) > 1 and float(merged[0][1]) - float(merged[0][0]) < min_s:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return merged


def detect_direction_changes(ds: xr.Dataset) -> list[DirectionSpan]:
    """Cut a side-view clip into spans where the person faces and moves one way.

    Per frame, the facing is the median toe direction (heel -> foot_index, both
    feet) and the travel the mid-hip's image velocity, both over
    ``DIRECTION_WINDOW_S``; the travel is ``"forward"`` or ``"backward"`` when the
    mid-hip crosses the image faster than ``MIN_TRAVEL_TORSOS_PER_S`` torso lengths per
    second, else ``"in place"``. Spans shorter than ``MIN_SPAN_S`` join the span
    before them.

    Parameters
    ----------
    ds
        A trial with ``position`` in image coordinates, hips and feet keypoints.

    Returns
    -------
    list of DirectionSpan
        In time order; frames without the person are in no span.

    Raises
    ------
    InputError
        For a trial that is not in image coordinates.
    MissingDataError
        Without hips or shoulders (as :func:`detect_view`).
    """
    validate_trial(ds, require=(s.POSITION,))
    if ds.attrs[s.ATTR_COORDINATE_FRAME] != "image_y_down":
        raise InputError(
            "Expected image keypoints ('image_y_down') to follow the direction, but "
            f"got {ds.attrs[s.ATTR_COORDINATE_FRAME]!r}."
        )
    detect_view(ds)  # same keypoint requirements and errors
    time_s = np.asarray(ds[s.TIME].values, dtype=float)
    spans: list[list[float | str]] = []
    for k, label in enumerate(_frame_labels(ds)):
        if label is None:
            continue
        if spans and spans[-1][2:] == list(label) and k - 1 >= 0:
            spans[-1][1] = time_s[k]
        else:
            spans.append([time_s[k], time_s[k], *label])
    merged = _merge_short(spans, MIN_SPAN_S)
    return [
        DirectionSpan(float(a), float(b), str(face), str(move))
        for a, b, face, move in merged
    ]
