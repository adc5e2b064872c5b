"""The femur of a trial: from knee markers per frame, or carried by a thigh cluster.

Per frame (methods A.3), in order of preference: both epicondyles (ISB); a knee joint
centre keypoint; the lateral knee marker with a thigh wand (Plug-in Gait chord
function, Kadaba et al. 1990, J Orthop Res 8:383-392); the lateral knee marker alone
(chord function in the plane of the pelvis's medio-lateral axis).

With a technical thigh cluster (``kinematics._cluster``), that per-frame femur is only
used to calibrate the cluster, as in the CAST protocol (Cappozzo et al. 1995, Clin
Biomech 10:171-178): on frames where the knee is near full extension (knee flexion at
most :data:`CALIBRATION_KNEE_FLEXION_DEG`, or the least-flexed
:data:`CALIBRATION_MIN_FRACTION` of the frames if that is more), where a lateral knee
marker sits over the epicondyle and the chord function's assumptions hold best, the
femur frame and the knee centre are expressed in the cluster frame; their medians
are then carried by the cluster in every frame. The whole femur thus moves rigidly
with the cluster, including at 100°+ of knee flexion where a knee marker slides on
the skin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from stridescope.kinematics import pelvis as pel
from stridescope.kinematics import segments as seg
from stridescope.kinematics._cluster import (
    MIN_CLUSTER_MARKERS,
    ClusterPose,
    median_rotation,
    thigh_cluster_names,
    track_cluster,
)

__all__ = [
    "CALIBRATION_KNEE_FLEXION_DEG",
    "CALIBRATION_MIN_FRACTION",
    "FemurSegment",
    "ankle_centre",
    "build_femur",
    "calibration_frames",
    "knee_flexion",
]

FloatArray = NDArray[np.float64]
Side = Literal["left", "right"]

#: Knee flexion (degrees) up to which a frame counts as near full extension for
#: calibrating a thigh cluster.
CALIBRATION_KNEE_FLEXION_DEG = 20.0
#: At least this fraction of the frames (the least-flexed) calibrates the cluster.
CALIBRATION_MIN_FRACTION = 0.10

_SIDE_SIGN = {"left": -1.0, "right": 1.0}


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


def ankle_centre(
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


def _knee_offset_m(kp: seg.Keypoints, side: Side) -> tuple[float, str]:
    width = kp.length_m(f"{side}_knee_width_m")
    diameter = kp.length_m("marker_diameter_m") or seg.DEFAULT_MARKER_DIAMETER_M
    source = "trial attrs"
    if width is None:
        width, source = seg.DEFAULT_KNEE_WIDTH_M, "default"
    return 0.5 * (width + diameter), f"knee width {width:.3f} m ({source})"


def marker_femur(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: Side
) -> FemurSegment | str:
    """Femur of ``side`` built in every frame from the knee markers (no cluster).

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


def calibration_frames(
    knee_flexion_deg: FloatArray | None, valid: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], str]:
    """Frames that calibrate a thigh cluster, and the rule that chose them.

    Frames near full extension: knee flexion at most
    :data:`CALIBRATION_KNEE_FLEXION_DEG`, or at most the 10th percentile of the
    trial's knee flexion when that is larger (so at least
    :data:`CALIBRATION_MIN_FRACTION` of the frames take part). Without a knee angle
    (no ankle marker) every ``valid`` frame is used.

    Parameters
    ----------
    knee_flexion_deg
        ``(time,)`` knee flexion of the per-frame femur, degrees, or None.
    valid
        ``(time,)`` frames where the cluster and the per-frame femur both exist.
    """
    if knee_flexion_deg is None or not (valid & np.isfinite(knee_flexion_deg)).any():
        return valid, f"all {int(valid.sum())} frames (no knee angle)"
    usable = valid & np.isfinite(knee_flexion_deg)
    flexion = knee_flexion_deg[usable]
    limit = max(
        CALIBRATION_KNEE_FLEXION_DEG,
        float(np.percentile(flexion, 100 * CALIBRATION_MIN_FRACTION)),
    )
    chosen = usable & (np.nan_to_num(knee_flexion_deg, nan=np.inf) <= limit)
    return chosen, f"{int(chosen.sum())} frames with knee flexion <= {limit:.1f}°"


def _calibration_frame(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: Side, femur: FemurSegment
) -> tuple[FemurSegment, str]:
    """The per-frame femur, with the patella fixing its medio-lateral axis if needed.

    When the per-frame femur borrowed the pelvis's medio-lateral axis, a patella
    marker gives an anatomical one instead: the normal of the plane through the hip
    centre, the knee centre and the patella (the femur's sagittal plane near full
    extension, where the patella sits in the trochlear groove).
    """
    patella = kp.get(f"{side}_patella")
    if femur.rotation_known or patella is None:
        return femur, ""
    hip, knee = pelvis.hip_centres_m[side], femur.knee_centre_m
    lateral = _SIDE_SIGN[side] * np.cross(patella - knee, hip - knee)
    frame = seg.femur_frame(hip, knee, lateral, side=side)
    text = "; medio-lateral axis normal to the plane (hip centre, knee centre, patella)"
    return replace(femur, frame=frame, rotation_known=True), text


def cluster_femur(
    kp: seg.Keypoints,
    pelvis: pel.PelvisSegment,
    side: Side,
    femur: FemurSegment,
    *,
    cluster: ClusterPose,
) -> FemurSegment | str:
    """Carry the per-frame ``femur`` with a thigh ``cluster`` (CAST calibration).

    Returns
    -------
    FemurSegment or str
        The cluster-borne femur, or why the cluster could not be calibrated.
    """
    anatomical, axis_text = _calibration_frame(kp, pelvis, side, femur)
    ankle = ankle_centre(kp, side, femur.knee_centre_m)
    flexion = (
        None if ankle is None else knee_flexion(femur.frame, femur.knee_centre_m, ankle)
    )
    valid: NDArray[np.bool_] = np.asarray(
        np.isfinite(cluster.rotation).all(axis=(1, 2))
        & np.isfinite(anatomical.frame).all(axis=(1, 2))
        & np.isfinite(femur.knee_centre_m).all(axis=1)
    )
    chosen, rule = calibration_frames(flexion, valid)
    if not chosen.any():
        return "the thigh cluster and the knee markers are never seen together"
    in_cluster = np.einsum("tji,tjk->tik", cluster.rotation, anatomical.frame)
    frame = cluster.rotation @ median_rotation(in_cluster[chosen])
    knee_local = np.median(cluster.to_local(femur.knee_centre_m)[chosen], axis=0)
    method = (
        f"CAST thigh cluster ({', '.join(cluster.names)}; rigid fit, median RMS "
        f"residual {cluster.residual_m * 1000:.1f} mm), calibrated on {rule} from: "
        f"{femur.method}{axis_text}"
    )
    return FemurSegment(
        frame, cluster.to_lab(knee_local), anatomical.rotation_known, method
    )


def build_femur(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: Side
) -> FemurSegment | str:
    """Femur of ``side`` from the best knee information available.

    The per-frame femur (:func:`marker_femur`: epicondyles, knee centre keypoint,
    thigh wand, lateral knee marker) is carried by a technical thigh cluster
    (:func:`cluster_femur`) when one with at least three markers moves rigidly;
    otherwise it is used as is. Without a medial marker, thigh wand, lateral marker
    beside a knee centre, or a patella with a cluster, the medio-lateral axis is
    borrowed from the pelvis and hip rotation is not reported.

    Returns
    -------
    FemurSegment or str
        The femur, or a plain-language reason why it cannot be built.
    """
    femur = marker_femur(kp, pelvis, side)
    names = thigh_cluster_names(kp.positions_m, side)
    if len(names) < MIN_CLUSTER_MARKERS:
        return femur
    if isinstance(femur, str):
        return (
            f"{femur} (thigh cluster {', '.join(names)} found, but calibrating it "
            "needs a knee marker)"
        )
    cluster = track_cluster(kp.positions_m, names)
    cast = (
        cluster
        if isinstance(cluster, str)
        else cluster_femur(kp, pelvis, side, femur, cluster=cluster)
    )
    if isinstance(cast, str):
        return replace(femur, method=f"{femur.method}; thigh cluster not used: {cast}")
    return cast
