"""Joint angles between segment frames (degrees), one sign convention for both sides.

Hip and lumbar angles use the joint coordinate system of Grood & Suntay (1983) as
adopted by ISB (Wu et al. 2002): flexion about the proximal z axis, ab/adduction
about the floating axis, axial rotation about the distal y axis, which is the Cardan
sequence ``"zxy"`` of the distal frame relative to the proximal one (methods A.4).
For the left hip, adduction and internal rotation are negated so that + means the
same anatomical motion on both sides (as Plug-in Gait and OpenSim report them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.kinematics import pelvis as pel
from stridescope.kinematics import segments as seg
from stridescope.kinematics.rotations import decompose, relative_rotation
from stridescope.model import schema as s
from stridescope.model.skeleton import (
    LUMBAR_ANGLES,
    PELVIS_ANGLES,
    SIDED_ANGLES,
    TRUNK_ANGLES,
    sided,
)
from stridescope.model.trial import validate_trial

__all__ = [
    "ALL_ANGLES",
    "AngleResult",
    "FemurSegment",
    "build_femur",
    "compute_angles",
    "hip_angles",
    "knee_flexion",
    "lumbar_angles",
]

FloatArray = NDArray[np.float64]
Side = Literal["left", "right"]

_SIDE_SIGN = {"left": -1.0, "right": 1.0}
_HIP_SIGNS: dict[str, FloatArray] = {
    "right": np.array([1.0, 1.0, 1.0]),
    "left": np.array([1.0, -1.0, -1.0]),
}
# Thorax relative to pelvis: + ISB rotation about z tips the thorax back (extension).
_LUMBAR_SIGNS = np.array([-1.0, 1.0, 1.0])


def hip_angles(pelvis: FloatArray, femur: FloatArray, *, side: Side) -> FloatArray:
    """Hip flexion, adduction and internal rotation of the femur vs the pelvis.

    Parameters
    ----------
    pelvis, femur
        ``(time, 3, 3)`` frames (columns = ISB x, y, z in the lab).
    side
        ``"left"`` or ``"right"``; the left side is mirrored.

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` degrees: flexion +, adduction +, internal rotation +.

    Examples
    --------
    >>> from stridescope.kinematics.rotations import axis_rotation
    >>> flexed = axis_rotation("z", 10.0)[None]  # knee swung forward
    >>> hip_angles(np.eye(3)[None], flexed, side="left").round(6).tolist()[0][0]
    10.0
    """
    rel = relative_rotation(pelvis, femur)
    return np.asarray(decompose("zxy", rel) * _HIP_SIGNS[side], dtype=float)


def knee_flexion(
    femur: FloatArray, knee_centre: FloatArray, ankle_centre: FloatArray
) -> FloatArray:
    """Knee flexion: the shank axis's angle from the femur's long axis, sagittally.

    The shank axis (ankle to knee centre) is expressed in the femur frame and its
    angle is measured in the femur's x-y (sagittal) plane: 0 when in line with the
    femur, + when the ankle lies behind it (flexion), - for hyperextension. This is
    the first angle of a ``"zxy"`` decomposition of the shank relative to the femur,
    so it does not need the shank's own medio-lateral axis.

    Parameters
    ----------
    femur
        ``(time, 3, 3)`` femur frames.
    knee_centre, ankle_centre
        ``(time, 3)`` positions, metres.

    Returns
    -------
    numpy.ndarray
        ``(time,)`` degrees.
    """
    shank = np.einsum("tji,tj->ti", femur, knee_centre - ankle_centre)
    return np.asarray(np.degrees(np.arctan2(shank[:, 0], shank[:, 1])), dtype=float)


def lumbar_angles(pelvis: FloatArray, thorax: FloatArray) -> FloatArray:
    """Thorax relative to pelvis: flexion, lateral bending, axial rotation.

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` degrees: flexion + (thorax forward), lateral bending + toward
        the right, rotation + with the right shoulder forward.
    """
    rel = relative_rotation(pelvis, thorax)
    return np.asarray(decompose("zxy", rel) * _LUMBAR_SIGNS, dtype=float)


#: Every angle :func:`compute_angles` knows, in output order.
ALL_ANGLES: tuple[str, ...] = (
    *PELVIS_ANGLES,
    *(sided(name, side) for side in ("left", "right") for name in SIDED_ANGLES),
    *TRUNK_ANGLES,
    *LUMBAR_ANGLES,
)


@dataclass(frozen=True)
class FemurSegment:
    """A femur frame, its knee centre and whether its axial rotation is anatomical.

    Attributes
    ----------
    frame
        ``(time, 3, 3)`` femur frames.
    knee_centre_m
        ``(time, 3)`` knee joint centres, metres.
    rotation_known
        False when only the long axis is anatomical (its medio-lateral axis was
        borrowed from the pelvis), so hip rotation must not be reported.
    method
        Plain-language description of the construction.
    """

    frame: FloatArray
    knee_centre_m: FloatArray
    rotation_known: bool
    method: str


def _knee_offset_m(kp: seg.Keypoints, side: Side) -> tuple[float, str]:
    width = kp.length_m(f"{side}_knee_width_m")
    diameter = kp.length_m("marker_diameter_m") or seg.DEFAULT_MARKER_DIAMETER_M
    source = "trial attrs"
    if width is None:
        width, source = seg.DEFAULT_KNEE_WIDTH_M, "default"
    return 0.5 * (width + diameter), f"knee width {width:.3f} m ({source})"


def build_femur(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: Side
) -> FemurSegment | str:
    """Femur of ``side`` from the best knee information available.

    Order of preference: both epicondyles (ISB); a knee joint centre keypoint (with
    the lateral knee marker for the medio-lateral axis when present); the lateral
    knee marker with a thigh wand (Plug-in Gait chord function); the lateral knee
    marker alone (chord function in the plane of the pelvis's medio-lateral axis).
    Without a medial marker, thigh wand or lateral marker beside a knee centre, the
    medio-lateral axis is borrowed from the pelvis and hip rotation is not reported.

    Returns
    -------
    FemurSegment or str
        The femur, or a plain-language reason why it cannot be built.
    """
    hip = pelvis.hip_centres_m[side]
    lateral, medial = kp.get(f"{side}_knee_lateral"), kp.get(f"{side}_knee_medial")
    centre, wand = kp.get(f"{side}_knee"), kp.get(f"{side}_thigh_wand")
    pelvis_right = _SIDE_SIGN[side] * pelvis.frame[:, :, 2]
    if lateral is not None and medial is not None:
        knee = 0.5 * (lateral + medial)
        return FemurSegment(
            seg.femur_frame(hip, knee, lateral - medial, side=side),
            knee,
            True,
            "ISB: hip centre and both epicondyles",
        )
    if centre is not None:
        ref = pelvis_right if lateral is None else lateral - centre
        frame = seg.femur_frame(hip, centre, ref, side=side)
        text = "knee joint centre" + (
            " + lateral knee marker" if lateral is not None else ""
        )
        return FemurSegment(frame, centre, lateral is not None, text)
    if lateral is None:
        return f"needs a {side} knee marker (KNE/LEPI) or knee joint centre; none found"
    offset_m, width_text = _knee_offset_m(kp, side)
    ref = pelvis_right if wand is None else wand - lateral
    knee = seg.chord_knee_centre(hip, lateral, ref, offset_m=offset_m)
    frame = seg.femur_frame(hip, knee, lateral - knee, side=side)
    using = "thigh wand" if wand is not None else "pelvis medio-lateral axis"
    return FemurSegment(
        frame, knee, wand is not None, f"chord function ({using}, {width_text})"
    )


@dataclass(frozen=True)
class AngleResult:
    """Angles of a trial and why the others could not be computed.

    Attributes
    ----------
    angles
        ``(time, joint)`` degrees, named ``"angle"``; joints use the vocabulary names
        (``left_hip_flexion``, ``pelvis_obliquity``, ...; see ``ANGLE_MEANINGS``).
    unavailable
        Angle name -> plain-language reason it was not computed.
    methods
        Segment (``pelvis``, ``progression``, ``left_femur``, ``thorax``, ...) ->
        how it was built, for reports and provenance.
    """

    angles: xr.DataArray
    unavailable: dict[str, str]
    methods: dict[str, str]


def _ankle_centre(
    kp: seg.Keypoints, side: Side, knee_centre: FloatArray
) -> FloatArray | None:
    """Ankle centre: keypoint, mid-malleoli, chord with a tibia wand, or ANK alone.

    The lateral malleolus alone is used as is: its lateral offset lies along the
    knee's flexion axis, so it barely changes the sagittal knee angle.
    """
    centre = kp.get(f"{side}_ankle")
    lateral = kp.get(f"{side}_ankle_lateral")
    medial, wand = kp.get(f"{side}_ankle_medial"), kp.get(f"{side}_tibia_wand")
    if centre is not None or lateral is None:
        return centre
    if medial is not None:
        return 0.5 * (lateral + medial)
    if wand is None:
        return lateral
    width = kp.length_m(f"{side}_ankle_width_m") or seg.DEFAULT_ANKLE_WIDTH_M
    diameter = kp.length_m("marker_diameter_m") or seg.DEFAULT_MARKER_DIAMETER_M
    offset_m = 0.5 * (width + diameter)
    return seg.chord_knee_centre(
        knee_centre, lateral, wand - lateral, offset_m=offset_m
    )


def _leg_results(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: Side
) -> tuple[pel.Partial, str]:
    name = {n: sided(n, side) for n in SIDED_ANGLES}
    femur = build_femur(kp, pelvis, side)
    if isinstance(femur, str):
        return ({}, dict.fromkeys(name.values(), femur)), ""
    values = hip_angles(pelvis.frame, femur.frame, side=side)
    angles = {name["hip_flexion"]: values[:, 0], name["hip_adduction"]: values[:, 1]}
    missing: dict[str, str] = {}
    if femur.rotation_known:
        angles[name["hip_internal_rotation"]] = values[:, 2]
    else:
        missing[name["hip_internal_rotation"]] = (
            f"needs both {side} epicondyle markers, a {side} thigh wand, or a lateral "
            f"knee marker beside the knee centre to fix the thigh's axial rotation; "
            f"the femur was built from: {femur.method}"
        )
    ankle = _ankle_centre(kp, side, femur.knee_centre_m)
    if ankle is None:
        missing[name["knee_flexion"]] = (
            f"needs a {side} ankle marker (ANK/LMAL) or ankle joint centre; none found"
        )
    else:
        angles[name["knee_flexion"]] = knee_flexion(
            femur.frame, femur.knee_centre_m, ankle
        )
    return (angles, missing), femur.method


def _lumbar_results(kp: seg.Keypoints, pelvis: pel.PelvisSegment) -> pel.Partial:
    thorax = pel.build_thorax(kp)
    if thorax is None:
        reason = "needs thorax markers (c7, t8/t10/t7, jugular_notch); none found"
        return {}, dict.fromkeys(LUMBAR_ANGLES, reason)
    values = lumbar_angles(pelvis.frame, thorax[0])
    angles = {n: values[:, k] for k, n in enumerate(LUMBAR_ANGLES)}
    if pelvis.from_markers:
        return angles, {}
    reason = (
        "joint centres give no ASIS/PSIS, so the pelvis's sagittal orientation "
        "(and the thorax's flexion relative to it) is not observable"
    )
    del angles["lumbar_flexion"]
    return angles, {"lumbar_flexion": reason}


def _result(
    ds: xr.Dataset,
    angles: dict[str, FloatArray],
    unavailable: dict[str, str],
    *,
    methods: dict[str, str],
) -> AngleResult:
    names = [n for n in ALL_ANGLES if n in angles]
    n_frames = ds.sizes[s.TIME]
    data = (
        np.stack([angles[n] for n in names], axis=-1)
        if names
        else np.empty((n_frames, 0))
    )
    coords = {s.TIME: ds[s.TIME].values, s.JOINT: names}
    if s.FRAME in ds.coords:
        coords[s.FRAME] = (s.TIME, ds[s.FRAME].values)
    array = xr.DataArray(
        data,
        dims=(s.TIME, s.JOINT),
        coords=coords,
        name=s.ANGLE,
        attrs={"units": s.ANGLE_UNIT},
    )
    ordered = {n: unavailable[n] for n in ALL_ANGLES if n in unavailable}
    return AngleResult(array, ordered, methods)


def _check_options(pelvis_order: str, hip_centre: str) -> None:
    problems = []
    if pelvis_order not in ("baker", "vicon"):
        problems.append(
            f"Expected pelvis_order 'baker' or 'vicon', but got {pelvis_order!r}."
        )
    if hip_centre not in ("harrington", "davis"):
        problems.append(
            f"Expected hip_centre 'harrington' or 'davis', but got {hip_centre!r}."
        )
    if problems:
        raise InputError(" ".join(problems))


def compute_angles(
    ds: xr.Dataset,
    *,
    pelvis_order: pel.PelvisOrder = "baker",
    hip_centre: pel.HipCentreMethod = "harrington",
) -> AngleResult:
    """Compute 3D hip, knee, pelvis, trunk and lumbar angles from a trial.

    Parameters
    ----------
    ds
        A trial with 3D ``position`` in metres (``lab_z_up`` or ``opensim_y_up``):
        Plug-in Gait / CGM / AIS-type markers or joint centres (``left_hip``,
        ``left_knee``, ``left_ankle``, ``left_shoulder``, ...).
    pelvis_order
        ``"baker"`` (rotation, obliquity, tilt; Baker 2001) or ``"vicon"`` (tilt,
        obliquity, rotation, vs the lab axis nearest the direction of travel, as
        Plug-in Gait's ``PelvisAngles``). Applies to the pelvis and the trunk.
    hip_centre
        ``"harrington"`` (default, from the markers alone) or ``"davis"`` (needs
        attrs ``left_leg_length_m`` / ``right_leg_length_m``; optional
        ``inter_asis_distance_m``, ``<side>_asis_trochanter_distance_m``,
        ``marker_diameter_m``). Ignored when the trial carries hip centres.

    Returns
    -------
    AngleResult
        Angles in degrees (``time``, ``joint``), the reason for each angle not
        computed, and how each segment was built.

    Raises
    ------
    InputError
        When the trial is invalid, its positions are not 3D metres in a lab frame,
        an option is unknown, or ``hip_centre="davis"`` lacks the leg lengths.
    """
    validate_trial(ds, require=(s.POSITION,))
    _check_options(pelvis_order, hip_centre)
    kp = seg.Keypoints.from_trial(ds)
    pelvis = pel.build_pelvis(kp, hip_centre=hip_centre)
    if isinstance(pelvis, str):
        return _result(
            ds, {}, dict.fromkeys(ALL_ANGLES, f"no pelvis: {pelvis}"), methods={}
        )
    progression, rule = pel.progression_for(pelvis, kp, snap=pelvis_order == "vicon")
    angles, missing = pel.pelvis_results(pelvis, progression, pelvis_order)
    methods = {"pelvis": pelvis.method, "progression": rule}
    for side in ("left", "right"):
        (leg, leg_missing), methods[f"{side}_femur"] = _leg_results(kp, pelvis, side)
        angles.update(leg)
        missing.update(leg_missing)
    trunk, trunk_missing, methods["thorax"] = pel.trunk_results(
        kp, pelvis, progression, order=pelvis_order
    )
    lumbar, lumbar_missing = _lumbar_results(kp, pelvis)
    angles.update({**trunk, **lumbar})
    missing.update({**trunk_missing, **lumbar_missing})
    return _result(ds, angles, missing, methods={k: v for k, v in methods.items() if v})
