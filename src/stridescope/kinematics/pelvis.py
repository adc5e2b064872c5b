"""Pelvis and trunk angles relative to the progression frame (degrees).

Two rotation orders are offered:

- ``"baker"`` (default): rotation about the vertical, then obliquity, then tilt
  (Baker 2001, Gait Posture 13:1-6): Cardan ``"yxz"`` with ISB labels. Obliquity and
  rotation then depend only on the pelvis's medio-lateral axis, so they stay exact
  when only the two hip centres are known.
- ``"vicon"``: tilt, then obliquity, then rotation, i.e. Cardan ``"zxy"`` with ISB
  labels (``Y-X-Z`` in Vicon's own X anterior / Y left / Z up labels). This is the
  order of Vicon Plug-in Gait's ``PelvisAngles`` (and of OpenSim's ``ground_pelvis``
  joint); with the progression frame snapped to the nearest lab axis it reproduces
  Vicon's output to < 0.001° on the BTK Plug-in Gait walks.

Signs (stridescope convention, ``ANGLE_MEANINGS``): anterior tilt +, obliquity + when
the right side is higher, rotation + when the right side is forward; trunk forward
lean +, lateral lean + toward the right, rotation + with the right shoulder forward.
Plug-in Gait's ``RPelvisAngles`` use the same signs; ``LPelvisAngles`` negate obliquity
and rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError
from stridescope.kinematics import segments as seg
from stridescope.kinematics.rotations import decompose, relative_rotation

__all__ = [
    "HipCentreMethod",
    "PelvisOrder",
    "PelvisSegment",
    "build_pelvis",
    "pelvis_angles",
    "trunk_angles",
    "trunk_lean_from_axis",
]

FloatArray = NDArray[np.float64]
PelvisOrder = Literal["baker", "vicon"]
HipCentreMethod = Literal["harrington", "davis"]

# Sign of each Cardan angle, in output order (tilt/lean, obliquity/lateral, rotation).
# Positive ISB tilt about z raises the anterior axis (posterior tilt / leaning back);
# positive rotation about x lowers the right side (= leaning right); positive rotation
# about y turns the anterior axis to the left (right side forward).
_UP = np.array([0.0, 0.0, 1.0])
_PELVIS_SIGNS = np.array([-1.0, -1.0, 1.0])
_TRUNK_SIGNS = np.array([-1.0, 1.0, 1.0])
_AXES_TEXT = {
    "asis_line": "ASIS line exact",
    "anterior_axis": "anterior axis exact: mid-ASIS minus the posterior point",
}


def _segment_angles(
    segment: FloatArray, progression: FloatArray, order: PelvisOrder
) -> FloatArray:
    rel = relative_rotation(progression, segment)
    if order == "baker":
        rotation, middle, tilt = np.moveaxis(decompose("yxz", rel), -1, 0)
    elif order == "vicon":
        tilt, middle, rotation = np.moveaxis(decompose("zxy", rel), -1, 0)
    else:
        raise ValueError(f"Expected order 'baker' or 'vicon', but got {order!r}.")
    return np.stack([tilt, middle, rotation], axis=-1)


def pelvis_angles(
    pelvis: FloatArray, progression: FloatArray, *, order: PelvisOrder = "baker"
) -> FloatArray:
    """Pelvis angles relative to the progression frame.

    Parameters
    ----------
    pelvis, progression
        ``(time, 3, 3)`` frames (columns = ISB x, y, z in the lab).
    order
        ``"baker"`` (rotation, obliquity, tilt) or ``"vicon"`` (tilt, obliquity,
        rotation; Plug-in Gait's ``PelvisAngles``).

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` degrees: anterior tilt, obliquity (right side up +), rotation
        (right side forward +).

    Examples
    --------
    >>> from stridescope.kinematics.rotations import axis_rotation
    >>> lab = np.eye(3)[None]
    >>> tipped = axis_rotation("z", -10.0)[None]  # anterior axis tipped down
    >>> pelvis_angles(tipped, lab).round(6).tolist()
    [[10.0, 0.0, 0.0]]
    """
    return np.asarray(
        _segment_angles(pelvis, progression, order) * _PELVIS_SIGNS, dtype=float
    )


def trunk_angles(
    thorax: FloatArray, progression: FloatArray, *, order: PelvisOrder = "baker"
) -> FloatArray:
    """Thorax angles relative to the progression frame (same orders as the pelvis).

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` degrees: forward lean, lateral lean (toward the right +),
        rotation (right shoulder forward +).
    """
    return np.asarray(
        _segment_angles(thorax, progression, order) * _TRUNK_SIGNS, dtype=float
    )


def trunk_lean_from_axis(trunk_axis: FloatArray, progression: FloatArray) -> FloatArray:
    """Forward and lateral lean of a trunk long axis (no rotation available).

    The axis (pelvis centre to C7 or to mid-shoulders) is expressed in the
    progression frame; forward lean is its tilt in the sagittal plane and lateral
    lean the angle it makes with that plane toward the right. These are the first two
    angles of a ``"zxy"`` decomposition, which depend on the long axis only.

    Parameters
    ----------
    trunk_axis
        ``(time, 3)`` vectors pointing up the trunk.
    progression
        ``(time, 3, 3)`` progression frames.

    Returns
    -------
    numpy.ndarray
        ``(time, 2)`` degrees: forward lean, lateral lean (toward the right +).
    """
    local = np.einsum("tji,tj->ti", progression, trunk_axis)
    norm = np.linalg.norm(local, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        lateral = np.degrees(np.arcsin(np.clip(local[:, 2] / norm, -1.0, 1.0)))
    forward = np.degrees(np.arctan2(local[:, 0], local[:, 1]))
    return np.stack([forward, lateral], axis=-1)


@dataclass(frozen=True)
class PelvisSegment:
    """The pelvis of a trial and what was used to build it.

    Attributes
    ----------
    frame
        ``(time, 3, 3)`` pelvis frames.
    origin_m
        ``(time, 3)``: centroid of the pelvis markers, or mid-hips.
    hip_centres_m
        Side -> ``(time, 3)`` hip joint centres, metres.
    from_markers
        True when built from ASIS/PSIS (or sacrum) markers, so tilt is observable.
    method
        Plain-language description of the construction.
    """

    frame: FloatArray
    origin_m: FloatArray
    hip_centres_m: dict[str, FloatArray]
    from_markers: bool
    method: str


def _hip_offsets(
    kp: seg.Keypoints, width_m: float, depth_m: float, *, method: HipCentreMethod
) -> tuple[dict[str, FloatArray], str]:
    if method == "harrington":
        text = (
            f"Harrington 2007 (trial medians: inter-ASIS {width_m * 1000:.1f} mm, "
            f"pelvic depth {depth_m * 1000:.1f} mm)"
        )
        return {
            side: seg.harrington_hip_centre_offset(width_m, depth_m, side)
            for side in ("left", "right")
        }, text
    diameter = kp.length_m("marker_diameter_m") or seg.DEFAULT_MARKER_DIAMETER_M
    offsets = {}
    for side in ("left", "right"):
        leg = kp.length_m(f"{side}_leg_length_m")
        if leg is None:
            raise InputError(
                f"Expected attr '{side}_leg_length_m' for the Davis hip centre, but "
                "the trial has none; use hip_centre='harrington'."
            )
        offsets[side] = seg.davis_hip_centre_offset(
            pelvis_width_m=kp.length_m("inter_asis_distance_m") or width_m,
            leg_length_m=leg,
            asis_trochanter_distance_m=kp.length_m(
                f"{side}_asis_trochanter_distance_m"
            ),
            marker_diameter_m=diameter,
            side=side,
        )
    return offsets, f"Davis 1991 (leg length from attrs, marker {diameter} m)"


def _pelvis_from_markers(
    kp: seg.Keypoints, method: HipCentreMethod, axes: seg.PelvisAxes
) -> PelvisSegment | None:
    lasi, rasi = kp.get("left_asis"), kp.get("right_asis")
    mid_psis = kp.midpoint("left_psis", "right_psis")
    posterior = mid_psis if mid_psis is not None else kp.get("sacrum")
    if lasi is None or rasi is None or posterior is None:
        return None
    frame = seg.pelvis_frame(lasi, rasi, posterior, primary=axes)
    mid_asis = 0.5 * (lasi + rasi)
    given = {side: kp.get(f"{side}_hip") for side in ("left", "right")}
    if given["left"] is not None and given["right"] is not None:
        hips = {side: p for side, p in given.items() if p is not None}
        hjc_text = "hip centres from the trial's left_hip/right_hip keypoints"
    else:
        width, depth = seg.pelvis_width_depth(lasi, rasi, posterior)
        offsets, hjc_text = _hip_offsets(kp, width, depth, method=method)
        hips = seg.hip_centres(frame, mid_asis, offsets)
    back = "mid-PSIS" if mid_psis is not None else "sacrum"
    return PelvisSegment(
        frame=frame,
        origin_m=0.5 * (mid_asis + posterior),
        hip_centres_m=hips,
        from_markers=True,
        method=f"ASIS pair + {back} (ISB axes, {_AXES_TEXT[axes]}); hip centres: "
        f"{hjc_text}",
    )


def _trunk_top(kp: seg.Keypoints) -> tuple[str, FloatArray] | None:
    """Mid-shoulders, mid-acromions, a neck joint centre or C7, first found."""
    pairs = (("left_shoulder", "right_shoulder"), ("left_acromion", "right_acromion"))
    for left, right in pairs:
        mid = kp.midpoint(left, right)
        if mid is not None:
            return f"mid({left}, {right})", mid
    return kp.first("neck", "c7")


def build_pelvis(
    kp: seg.Keypoints,
    *,
    hip_centre: HipCentreMethod = "harrington",
    axes: seg.PelvisAxes = "anterior_axis",
) -> PelvisSegment | str:
    """Build the pelvis from markers, else from hip joint centres.

    ``axes`` picks which marker direction the frame keeps exactly
    (:func:`stridescope.kinematics.segments.pelvis_frame`); it does not apply to a
    pelvis built from hip joint centres.

    Returns
    -------
    PelvisSegment or str
        The pelvis, or a plain-language reason why it cannot be built.
    """
    from_markers = _pelvis_from_markers(kp, hip_centre, axes)
    if from_markers is not None:
        return from_markers
    lhip, rhip = kp.get("left_hip"), kp.get("right_hip")
    if lhip is None or rhip is None:
        return (
            "needs left/right ASIS with both PSIS or a sacrum marker, or left and "
            "right hip joint centres; none found"
        )
    mid_hips = 0.5 * (lhip + rhip)
    top = _trunk_top(kp)
    trunk_name, trunk_point = top if top else ("vertical", mid_hips + _UP)
    return PelvisSegment(
        frame=seg.pelvis_frame_from_hips(lhip, rhip, trunk_point),
        origin_m=mid_hips,
        hip_centres_m={"left": lhip, "right": rhip},
        from_markers=False,
        method=(
            f"hip joint centres + {trunk_name}: only the hip line is anatomical; the "
            "sagittal orientation follows the trunk, so hip flexion is a "
            "trunk-thigh angle"
        ),
    )


def progression_for(
    pelvis: PelvisSegment, kp: seg.Keypoints, *, snap: bool
) -> tuple[FloatArray, str]:
    """Progression frame ``(time, 3, 3)`` of a trial and the rule that set it.

    Raises
    ------
    MissingDataError
        When no pelvis frame is complete in any frame and no feet are tracked.
    """
    feet = []
    for side in ("left", "right"):
        heel = kp.first(f"{side}_heel", f"{side}_ankle")
        toe = kp.first(f"{side}_toe", f"{side}_foot_index")
        if heel is not None and toe is not None:
            feet.append(toe[1] - heel[1])
    try:
        direction, rule = seg.progression_direction(
            pelvis.origin_m,
            kp.time_s,
            foot_vectors=feet,
            pelvis_forward=pelvis.frame[:, :, 0],
            snap_to_lab_axis=snap,
        )
    except ValueError as e:
        raise MissingDataError(f"Cannot set the progression frame: {e}") from e
    frame = seg.progression_frame(direction, kp.time_s.size)
    return frame, f"{rule}: x = ({direction[0]:.3f}, {direction[1]:.3f}, 0) in the lab"


Partial = tuple[dict[str, FloatArray], dict[str, str]]
"""Angles computed (name -> ``(time,)`` degrees) and angles unavailable (reasons)."""


def pelvis_results(
    pelvis: PelvisSegment, progression: FloatArray, order: PelvisOrder
) -> Partial:
    """Pelvis angles of a trial, or the reasons they are unavailable."""
    values = pelvis_angles(pelvis.frame, progression, order=order)
    names = ("pelvis_anterior_tilt", "pelvis_obliquity", "pelvis_rotation")
    angles = {name: values[:, k] for k, name in enumerate(names)}
    missing: dict[str, str] = {}
    if not pelvis.from_markers:
        missing["pelvis_anterior_tilt"] = (
            "joint centres give no ASIS/PSIS, so pelvic tilt is not observable"
        )
        if order == "vicon":
            reason = (
                "Vicon's order applies tilt first, so this angle depends on the pelvic "
                "tilt, which joint centres cannot give (use pelvis_order='baker')"
            )
            missing["pelvis_obliquity"] = missing["pelvis_rotation"] = reason
    return {k: v for k, v in angles.items() if k not in missing}, missing


def build_thorax(kp: seg.Keypoints) -> tuple[FloatArray, str] | None:
    """Thorax frame from C7, a thoracic spinous marker and the jugular notch.

    Returns None when C7, T8/T10/T7 or the jugular notch is missing.
    """
    c7, jugular = kp.get("c7"), kp.get("jugular_notch")
    thoracic = kp.first("t8", "t10", "t7")
    if c7 is None or jugular is None or thoracic is None:
        return None
    xiphoid = kp.get("xiphoid")
    frame = seg.thorax_frame(c7, thoracic[1], jugular, xiphoid=xiphoid)
    lower = thoracic[0] if xiphoid is None else f"mid(xiphoid, {thoracic[0]})"
    note = "" if xiphoid is not None else " (no xiphoid: lean offset by a constant)"
    return frame, f"ISB thorax: {lower} to mid(c7, jugular_notch){note}"


def trunk_results(
    kp: seg.Keypoints,
    pelvis: PelvisSegment,
    progression: FloatArray,
    *,
    order: PelvisOrder,
) -> tuple[dict[str, FloatArray], dict[str, str], str]:
    """Trunk angles vs the progression frame, reasons for the missing ones, method."""
    names = ("trunk_forward_lean", "trunk_lateral_lean", "trunk_rotation")
    thorax = build_thorax(kp)
    if thorax is not None:
        values = trunk_angles(thorax[0], progression, order=order)
        return {n: values[:, k] for k, n in enumerate(names)}, {}, thorax[1]
    top = kp.first("c7") or _trunk_top(kp)
    if top is None:
        reason = (
            "needs thorax markers (c7, t8/t10/t7, jugular_notch), or C7, acromion, "
            "shoulder or neck keypoints for trunk lean; none found"
        )
        return {}, dict.fromkeys(names, reason), ""
    lean = trunk_lean_from_axis(top[1] - pelvis.origin_m, progression)
    reason = (
        "needs thorax markers (c7, t8/t10/t7, jugular_notch) to fix the thorax's "
        f"axial rotation; only {top[0]} found (trunk lean only)"
    )
    angles = {names[0]: lean[:, 0], names[1]: lean[:, 1]}
    return angles, {names[2]: reason}, f"trunk axis: pelvis origin to {top[0]}"
