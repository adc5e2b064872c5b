"""Planar (2D) angles from the image keypoints of one camera view (degrees).

A single camera sees one plane square-on, so what can be measured depends on the
view (methods memo A.7; :func:`stridescope.processing.view.detect_view`):

========================  =====================================================
view                      angles
========================  =====================================================
``side-left/-right``      ``{side}_thigh_angle``, ``{side}_knee_flexion``,
                          ``trunk_forward_lean``
``rear`` / ``front``      ``pelvis_obliquity``, ``shoulder_obliquity``,
                          ``trunk_lateral_lean``, ``{side}_hip_adduction_proxy``
any but ``oblique``       ``pelvis_rotation``, ``shoulder_rotation`` from 3D world
                          landmarks (``world_position``), low confidence
========================  =====================================================

Image coordinates have y down. In a ``side-left`` view the runner travels toward
image-left, in ``side-right`` toward image-right; in a ``rear`` view the runner's
right is image-right, in a ``front`` view image-left. Signs (the same for both sides
and every view):

- ``{side}_thigh_angle``: hip->knee line from the image vertical, + when the knee is
  ahead of the hip in the direction of travel (flexion), - behind (extension). It is
  the thigh's angle to the vertical, not hip flexion: the pelvis is not seen
  (Franz et al. 2009, Gait Posture 29:494-498);
- ``{side}_knee_flexion``: thigh angle minus shank (knee->ankle) angle, + flexed;
- ``trunk_forward_lean``: mid-hip->mid-shoulder line from the vertical, + forward;
- ``pelvis_obliquity`` / ``shoulder_obliquity``: left->right hip (shoulder) line from
  the horizontal, + when the runner's right side is higher. Keypoint hips are not
  ASIS/PSIS markers, so amplitudes are smaller than 3D pelvis obliquity;
- ``trunk_lateral_lean``: mid-hip->mid-shoulder line from the vertical, + toward the
  runner's right;
- ``{side}_hip_adduction_proxy``: hip->knee line from the perpendicular to the hip
  line (so it is relative to the pelvis, like 3D hip adduction), + toward the
  midline (adduction). A 2D proxy that mixes in hip flexion and rotation;
- ``pelvis_rotation`` / ``shoulder_rotation``: yaw of the world-landmark hip
  (shoulder) line about the vertical, + when the right side is forward. Monocular
  depth is the least accurate coordinate (ML Kit docs; methods memo A.7).

Pass keypoints cleaned by :func:`stridescope.processing.cleaning.clean_keypoints`
(confidence gating, swaps, outliers, gaps, 6 Hz smoothing; methods memo E); angles
are NaN wherever a keypoint they need is NaN.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError
from stridescope.kinematics.joints import AngleResult
from stridescope.model import schema as s
from stridescope.model.trial import validate_trial

__all__ = [
    "FRONTAL_ANGLES",
    "PLANAR_ANGLES",
    "SIDE_ANGLES",
    "WORLD_ANGLES",
    "compute_planar_angles",
    "leg_length",
]

FloatArray = NDArray[np.float64]
Points = dict[str, FloatArray]

SIDE_VIEWS: Final = ("side-left", "side-right")
FRONTAL_VIEWS: Final = ("rear", "front")
PLANAR_VIEWS: Final = (*SIDE_VIEWS, *FRONTAL_VIEWS, "oblique")
SIDE_ANGLES: Final = (
    "left_thigh_angle",
    "right_thigh_angle",
    "left_knee_flexion",
    "right_knee_flexion",
    "trunk_forward_lean",
)
FRONTAL_ANGLES: Final = (
    "pelvis_obliquity",
    "trunk_lateral_lean",
    "shoulder_obliquity",
    "left_hip_adduction_proxy",
    "right_hip_adduction_proxy",
)
WORLD_ANGLES: Final = ("pelvis_rotation", "shoulder_rotation")
#: Every angle :func:`compute_planar_angles` knows, in output order.
PLANAR_ANGLES: Final[tuple[str, ...]] = (*SIDE_ANGLES, *FRONTAL_ANGLES, *WORLD_ANGLES)
WORLD_POSITION: Final = "world_position"

#: Image x direction of travel (side views) and of the runner's right (frontal).
_TRAVEL_X: Final = {"side-left": -1.0, "side-right": 1.0}
_RIGHT_X: Final = {"rear": 1.0, "front": -1.0}
#: World landmark axes (x image-right, y down, z away from the camera): the
#: runner's forward and right directions in each view.
_WORLD_AXES: Final = {
    "side-left": ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    "side-right": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "rear": ((0.0, 0.0, 1.0), (1.0, 0.0, 0.0)),
    "front": ((0.0, 0.0, -1.0), (-1.0, 0.0, 0.0)),
}
_DOWN: Final = np.array([0.0, 1.0])
_UP: Final = np.array([0.0, -1.0])


def _angle_deg(
    vector: FloatArray, zero: FloatArray, positive: FloatArray
) -> FloatArray:
    """Angle of ``vector`` from the ``zero`` axis toward the ``positive`` axis."""
    along = np.sum(vector * zero, axis=-1)
    across = np.sum(vector * positive, axis=-1)
    return np.asarray(np.degrees(np.arctan2(across, along)), dtype=float)


def _wrap_deg(angle: FloatArray) -> FloatArray:
    return np.asarray((angle + 180.0) % 360.0 - 180.0, dtype=float)


def _points(ds: xr.Dataset, variable: str) -> Points:
    values = ds[variable].transpose(s.TIME, ..., s.KEYPOINT).values
    return {
        str(name): np.asarray(values[:, :, k], dtype=float)
        for k, name in enumerate(ds[s.KEYPOINT].values)
    }


def _mid(pts: Points, left: str, right: str, fallback: str) -> FloatArray | None:
    if left in pts and right in pts:
        return 0.5 * (pts[left] + pts[right])
    return pts.get(fallback)


def _need(*names: str) -> str:
    return f"needs the {', '.join(names)} keypoints; the trial lacks at least one"


Partial = tuple[dict[str, FloatArray], dict[str, str]]


def _side_angles(pts: Points, travel_x: float) -> Partial:
    forward = np.array([travel_x, 0.0])
    angles: dict[str, FloatArray] = {}
    missing: dict[str, str] = {}
    for side in s.SIDES:
        hip, knee, ankle = (f"{side}_{j}" for j in ("hip", "knee", "ankle"))
        if hip not in pts or knee not in pts:
            missing[f"{side}_thigh_angle"] = _need(hip, knee)
            missing[f"{side}_knee_flexion"] = _need(hip, knee, ankle)
            continue
        thigh = _angle_deg(pts[knee] - pts[hip], _DOWN, forward)
        angles[f"{side}_thigh_angle"] = thigh
        if ankle not in pts:
            missing[f"{side}_knee_flexion"] = _need(hip, knee, ankle)
            continue
        shank = _angle_deg(pts[ankle] - pts[knee], _DOWN, forward)
        angles[f"{side}_knee_flexion"] = _wrap_deg(thigh - shank)
    mid_hip = _mid(pts, "left_hip", "right_hip", "mid_hip")
    top = _mid(pts, "left_shoulder", "right_shoulder", "neck")
    if mid_hip is None or top is None:
        missing["trunk_forward_lean"] = _need("left/right_hip", "left/right_shoulder")
    else:
        angles["trunk_forward_lean"] = _angle_deg(top - mid_hip, _UP, forward)
    return angles, missing


def _line_angles(pts: Points, right_x: float) -> Partial:
    """Obliquity of the hip and shoulder lines and the trunk's lateral lean."""
    right = np.array([right_x, 0.0])
    angles: dict[str, FloatArray] = {}
    missing: dict[str, str] = {}
    for part, name in (("hip", "pelvis_obliquity"), ("shoulder", "shoulder_obliquity")):
        left_name, right_name = f"left_{part}", f"right_{part}"
        if left_name in pts and right_name in pts:
            line = pts[right_name] - pts[left_name]
            angles[name] = _angle_deg(line, right, _UP)
        else:
            missing[name] = _need(left_name, right_name)
    mid_hip = _mid(pts, "left_hip", "right_hip", "mid_hip")
    top = _mid(pts, "left_shoulder", "right_shoulder", "neck")
    if mid_hip is None or top is None:
        missing["trunk_lateral_lean"] = _need("left/right_hip", "left/right_shoulder")
    else:
        angles["trunk_lateral_lean"] = _angle_deg(top - mid_hip, _UP, right)
    return angles, missing


def _adduction_proxies(pts: Points, right_x: float) -> Partial:
    names = [f"{side}_hip_adduction_proxy" for side in s.SIDES]
    needed = ("left_hip", "right_hip", "left_knee", "right_knee")
    if not all(n in pts for n in needed):
        return {}, dict.fromkeys(names, _need(*needed))
    line = pts["right_hip"] - pts["left_hip"]
    norm = np.linalg.norm(line, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        toward_right = line / np.where(norm > 0, norm, np.nan)
    # Perpendicular of the hip line pointing down the image (toward the feet).
    below = right_x * np.stack([-toward_right[:, 1], toward_right[:, 0]], axis=-1)
    angles = {}
    for side, name in zip(s.SIDES, names, strict=True):
        medial = toward_right if side == "left" else -toward_right
        thigh = pts[f"{side}_knee"] - pts[f"{side}_hip"]
        angles[name] = _angle_deg(thigh, below, medial)
    return angles, {}


def _world_rotations(ds: xr.Dataset, view: str) -> Partial:
    if WORLD_POSITION not in ds:
        reason = (
            "needs 3D world landmarks ('world_position', e.g. from MediaPipe); this "
            "trial has none"
        )
        return {}, dict.fromkeys(WORLD_ANGLES, reason)
    if view not in _WORLD_AXES:
        reason = (
            "needs a known direction of travel (side, rear or front view); this "
            f"clip is {view}"
        )
        return {}, dict.fromkeys(WORLD_ANGLES, reason)
    forward, right = (np.asarray(a) for a in _WORLD_AXES[view])
    pts = _points(ds, WORLD_POSITION)
    angles: dict[str, FloatArray] = {}
    missing: dict[str, str] = {}
    for part, name in (("hip", "pelvis_rotation"), ("shoulder", "shoulder_rotation")):
        left_name, right_name = f"left_{part}", f"right_{part}"
        if left_name in pts and right_name in pts:
            line = pts[right_name] - pts[left_name]
            angles[name] = _angle_deg(line, right, forward)
        else:
            missing[name] = _need(left_name, right_name)
    return angles, missing


def _plane_angles(pts: Points, view: str) -> Partial:
    if view in SIDE_VIEWS:
        angles, missing = _side_angles(pts, _TRAVEL_X[view])
        reason = f"needs a rear or front view; this clip is {view}"
        return angles, {**missing, **dict.fromkeys(FRONTAL_ANGLES, reason)}
    if view in FRONTAL_VIEWS:
        angles, missing = _line_angles(pts, _RIGHT_X[view])
        extra, extra_missing = _adduction_proxies(pts, _RIGHT_X[view])
        reason = f"needs a side view; this clip is {view}"
        missing |= extra_missing | dict.fromkeys(SIDE_ANGLES, reason)
        return angles | extra, missing
    reason = (
        "needs a side, rear or front view; this clip is oblique, so neither the "
        "sagittal nor the frontal plane is seen square-on"
    )
    return {}, dict.fromkeys((*SIDE_ANGLES, *FRONTAL_ANGLES), reason)


def _methods(view: str, world: bool) -> dict[str, str]:
    methods = {"view": view}
    if view in SIDE_VIEWS:
        way = "left" if _TRAVEL_X[view] < 0 else "right"
        methods["plane"] = f"sagittal: the runner travels toward image-{way}"
    elif view in FRONTAL_VIEWS:
        way = "right" if _RIGHT_X[view] > 0 else "left"
        methods["plane"] = f"frontal: the runner's right is image-{way}"
        methods["pelvis"] = "hip keypoint line (hip joint centres, not ASIS/PSIS)"
    if world and view in _WORLD_AXES:
        methods["rotation"] = "yaw of world-landmark lines (monocular depth)"
    return methods


def compute_planar_angles(ds: xr.Dataset, *, view: str) -> AngleResult:
    """Compute the planar angles a camera view supports (module docstring).

    Parameters
    ----------
    ds
        A video trial: 2D ``position`` in ``image_y_down`` coordinates (pixels),
        cleaned by :func:`~stridescope.processing.cleaning.clean_keypoints`;
        optionally ``world_position(time, world_space, keypoint)`` in metres.
    view
        ``"side-left"``, ``"side-right"``, ``"rear"``, ``"front"`` or
        ``"oblique"`` (e.g. from :func:`~stridescope.processing.view.detect_view`).

    Returns
    -------
    AngleResult
        ``angles`` (``time``, ``joint``) in degrees, ``unavailable`` (angle name ->
        plain reason) for every name of :data:`PLANAR_ANGLES` not computed, and
        ``methods``.

    Raises
    ------
    InputError
        For an invalid trial, one not in image coordinates, or an unknown view.

    Examples
    --------
    >>> from stridescope.model.trial import from_arrays
    >>> xy = np.array([[[100.0, 200.0], [100.0, 300.0]]] * 2)  # x, y of hip, knee
    >>> ds = from_arrays(sampling_rate_hz=30.0, position=xy,
    ...                  keypoint_names=["left_hip", "left_knee"],
    ...                  space_unit="px", coordinate_frame="image_y_down")
    >>> result = compute_planar_angles(ds, view="side-right")
    >>> round(float(result.angles.sel(joint="left_thigh_angle")[0]), 2)
    26.57
    """
    validate_trial(ds, require=(s.POSITION,))
    if ds.attrs[s.ATTR_COORDINATE_FRAME] != "image_y_down" or ds.sizes[s.SPACE] != 2:
        raise InputError(
            "Expected 2D image keypoints ('image_y_down'), but got "
            f"{ds.sizes[s.SPACE]}D positions in {ds.attrs[s.ATTR_COORDINATE_FRAME]!r}; "
            "use stridescope.kinematics.compute_angles for 3D data."
        )
    if view not in PLANAR_VIEWS:
        raise InputError(f"Expected view in {PLANAR_VIEWS}, but got {view!r}.")
    angles, missing = _plane_angles(_points(ds, s.POSITION), view)
    rotations, rotations_missing = _world_rotations(ds, view)
    angles |= rotations
    missing |= rotations_missing
    return _result(ds, angles, missing, _methods(view, WORLD_POSITION in ds))


def _result(
    ds: xr.Dataset,
    angles: dict[str, FloatArray],
    missing: dict[str, str],
    methods: dict[str, str],
) -> AngleResult:
    names = [n for n in PLANAR_ANGLES if n in angles]
    data = (
        np.stack([angles[n] for n in names], axis=-1)
        if names
        else np.empty((ds.sizes[s.TIME], 0))
    )
    array = xr.DataArray(
        data,
        dims=(s.TIME, s.JOINT),
        coords={
            s.TIME: ds[s.TIME].values,
            s.FRAME: (s.TIME, ds[s.FRAME].values),
            s.JOINT: names,
        },
        name=s.ANGLE,
        attrs={"units": s.ANGLE_UNIT, "view": methods["view"]},
    )
    unavailable = {n: missing[n] for n in PLANAR_ANGLES if n in missing}
    return AngleResult(array, unavailable, methods)


def leg_length(ds: xr.Dataset) -> float:
    """Leg length in the trial's units: hip->knee plus knee->ankle keypoint lengths.

    The median over the clip for each side, then the longer side (a leg seen
    foreshortened, or partly hidden, only looks shorter).

    Parameters
    ----------
    ds
        A trial with ``{side}_hip``, ``{side}_knee`` and ``{side}_ankle`` positions.

    Returns
    -------
    float
        The leg length (pixels for a video trial).

    Raises
    ------
    MissingDataError
        When no side has hip, knee and ankle positions in any frame.
    """
    validate_trial(ds, require=(s.POSITION,))
    pts = _points(ds, s.POSITION)
    lengths = []
    for side in s.SIDES:
        hip, knee, ankle = (pts.get(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        if hip is None or knee is None or ankle is None:
            continue
        leg = np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(
            knee - ankle, axis=-1
        )
        if np.isfinite(leg).any():
            lengths.append(float(np.nanmedian(leg)))
    if not lengths:
        raise MissingDataError(
            "Expected hip, knee and ankle keypoints of at least one side to measure "
            "the leg length, but found none with positions."
        )
    return max(lengths)
