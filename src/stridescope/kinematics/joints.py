"""Joint angles between segment frames (degrees), one sign convention for both sides.

Hip and lumbar angles use the joint coordinate system of Grood & Suntay (1983) as
adopted by ISB (Wu et al. 2002): flexion about the proximal z axis, ab/adduction
about the floating axis, axial rotation about the distal y axis, which is the Cardan
sequence ``"zxy"`` of the distal frame relative to the proximal one (methods A.4).
For the left hip, adduction and internal rotation are negated so that + means the
same anatomical motion on both sides (as Plug-in Gait and OpenSim report them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.kinematics import pelvis as pel
from stridescope.kinematics import segments as seg
from stridescope.kinematics._femur import (
    FemurSegment,
    ankle_centre,
    build_femur,
    knee_flexion,
)
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
from stridescope.processing.filtering import lowpass_positions

__all__ = [
    "ALL_ANGLES",
    "DEFAULT_CUTOFF_HZ",
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

_HIP_SIGNS: dict[str, FloatArray] = {
    "right": np.array([1.0, 1.0, 1.0]),
    "left": np.array([1.0, -1.0, -1.0]),
}
#: Default low-pass cut-off (Hz) for marker positions (methods E, running: 6-12 Hz).
DEFAULT_CUTOFF_HZ = 10.0
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
            f"needs both {side} epicondyle markers, a {side} thigh wand, a lateral "
            "knee marker beside the knee centre, or a thigh cluster with a patella "
            f"marker to fix the thigh's axial rotation; the femur was built from: "
            f"{femur.method}"
        )
    ankle = ankle_centre(kp, side, femur.knee_centre_m)
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


def _check_options(
    pelvis_order: str, pelvis_axes: str, hip_centre: str, cutoff_hz: float | None
) -> None:
    problems = []
    if cutoff_hz is not None and not (np.isfinite(cutoff_hz) and cutoff_hz > 0):
        problems.append(
            f"Expected cutoff_hz > 0 (Hz) or None (no filter), but got {cutoff_hz!r}."
        )
    if pelvis_order not in ("baker", "vicon"):
        problems.append(
            f"Expected pelvis_order 'baker' or 'vicon', but got {pelvis_order!r}."
        )
    if pelvis_axes not in ("anterior_axis", "asis_line"):
        problems.append(
            "Expected pelvis_axes 'anterior_axis' or 'asis_line', but got "
            f"{pelvis_axes!r}."
        )
    if hip_centre not in ("harrington", "davis"):
        problems.append(
            f"Expected hip_centre 'harrington' or 'davis', but got {hip_centre!r}."
        )
    if problems:
        raise InputError(" ".join(problems))


def _filtered(ds: xr.Dataset, cutoff_hz: float | None) -> tuple[xr.Dataset, str]:
    """The trial with low-pass filtered positions, and what was done (methods E)."""
    if cutoff_hz is None:
        return ds, "none (cutoff_hz=None)"
    earlier = [
        entry
        for entry in json.loads(str(ds.attrs.get(s.ATTR_LOG, "[]")))
        if entry.get("operation") == "lowpass_positions"
    ]
    if earlier:
        return ds, (
            "none: the positions were already low-pass filtered at "
            f"{earlier[-1].get('cutoff_hz')} Hz (trial log)"
        )
    nyquist_hz = 0.5 * float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    if cutoff_hz >= nyquist_hz:
        return ds, (
            f"none: {cutoff_hz:g} Hz is not below the Nyquist frequency "
            f"({nyquist_hz:g} Hz), so the positions hold nothing to remove"
        )
    text = (
        f"4th-order zero-lag Butterworth low-pass at {cutoff_hz:g} Hz on the "
        "positions; each run between NaN gaps filtered on its own, gaps kept"
    )
    return lowpass_positions(ds, cutoff_hz=cutoff_hz), text


def compute_angles(
    ds: xr.Dataset,
    *,
    pelvis_order: pel.PelvisOrder = "baker",
    pelvis_axes: seg.PelvisAxes = "anterior_axis",
    hip_centre: pel.HipCentreMethod = "harrington",
    cutoff_hz: float | None = DEFAULT_CUTOFF_HZ,
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
    pelvis_axes
        Which direction of a marker-built pelvis is exact: ``"anterior_axis"``
        (default; mid-ASIS minus mid-PSIS/sacrum, so the antisymmetric fore-aft
        slide of the skin over the two ASIS does not turn the pelvis) or
        ``"asis_line"`` (ISB and Plug-in Gait: LASI to RASI; use it with
        ``pelvis_order="vicon"`` to reproduce Vicon's ``PelvisAngles``). See
        docs/kinematics.md, "Pelvis axes".
    hip_centre
        ``"harrington"`` (default, from the markers alone) or ``"davis"`` (needs
        attrs ``left_leg_length_m`` / ``right_leg_length_m``; optional
        ``inter_asis_distance_m``, ``<side>_asis_trochanter_distance_m``,
        ``marker_diameter_m``). Ignored when the trial carries hip centres.
    cutoff_hz
        Cut-off (Hz) of the 4th-order zero-lag Butterworth low-pass applied to the
        positions before any frame is built (methods E: 10 Hz for running; Winter
        2009). ``None`` uses the positions as given (e.g. to reproduce software
        that computed from the same markers). Not applied when the trial's log shows
        an earlier ``lowpass_positions``, or when the cut-off is not below the
        Nyquist frequency (nothing to remove). NaN gaps stay NaN: each visible run
        is filtered on its own. ``methods["filter"]`` says what was done.

    Returns
    -------
    AngleResult
        Angles in degrees (``time``, ``joint``), the reason for each angle not
        computed, and how each segment was built.

    Raises
    ------
    InputError
        When the trial is invalid, its positions are not 3D metres in a lab frame,
        an option is unknown, ``cutoff_hz`` is not positive, or
        ``hip_centre="davis"`` lacks the leg lengths.
    """
    validate_trial(ds, require=(s.POSITION,))
    _check_options(pelvis_order, pelvis_axes, hip_centre, cutoff_hz)
    filtered, filter_text = _filtered(ds, cutoff_hz)
    kp = seg.Keypoints.from_trial(filtered)
    pelvis = pel.build_pelvis(kp, hip_centre=hip_centre, axes=pelvis_axes)
    if isinstance(pelvis, str):
        reasons = dict.fromkeys(ALL_ANGLES, f"no pelvis: {pelvis}")
        return _result(ds, {}, reasons, methods={"filter": filter_text})
    progression, rule = pel.progression_for(pelvis, kp, snap=pelvis_order == "vicon")
    angles, missing = pel.pelvis_results(pelvis, progression, pelvis_order)
    methods = {"filter": filter_text, "pelvis": pelvis.method, "progression": rule}
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
