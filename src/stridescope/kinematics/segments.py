"""Segment frames from markers or joint centres (pure numpy, lab z-up, metres).

Every frame is a stack ``(time, 3, 3)`` of rotation matrices whose columns are the
segment's ISB axes (x anterior, y superior, z right; Wu et al. 2002, J Biomech
35:543-548) in lab coordinates. Positions are ``(time, 3)`` arrays in metres; NaN in
any input gives NaN in the output for that frame.

The constructions follow ``docs/kinematics.md`` ("Joint angles and frames") and the
methods memo, sections A.1-A.6:

- pelvis from the ASIS pair and the PSIS midpoint or a sacral marker (A.1), or from
  the two hip joint centres and a trunk point when only joint centres exist;
- hip joint centre by Harrington et al. (2007, J Biomech 40:595-602), with the pelvic
  width and depth taken as **trial medians** (A.2), or by Davis et al. (1991, Hum Mov
  Sci 10:575-587) from subject measurements;
- knee joint centre as the midpoint of the epicondyles, or by the Plug-in Gait
  "chord function" (Kadaba et al. 1990, J Orthop Res 8:383-392) from a lateral knee
  marker, a reference direction and half the knee width plus the marker radius (A.3);
- femur from the hip and knee centres and a lateral direction (A.3);
- thorax after Wu et al. (2005, J Biomech 38:981-992) (A.6);
- progression frame: x along the direction of travel, y up, z to the right (A.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.kinematics.rotations import frame_from_axes, unit
from stridescope.model import schema as s
from stridescope.processing.frames import to_lab_z_up

__all__ = [
    "DEFAULT_ANKLE_WIDTH_M",
    "DEFAULT_KNEE_WIDTH_M",
    "DEFAULT_MARKER_DIAMETER_M",
    "MIN_PROGRESSION_SPEED_M_S",
    "Keypoints",
    "PelvisAxes",
    "chord_knee_centre",
    "davis_hip_centre_offset",
    "femur_frame",
    "harrington_hip_centre_offset",
    "hip_centres",
    "pelvis_frame",
    "pelvis_frame_from_hips",
    "pelvis_width_depth",
    "progression_direction",
    "progression_frame",
    "thorax_frame",
]

FloatArray = NDArray[np.float64]
Side = Literal["left", "right"]
#: Which pelvis direction is taken exactly from the markers (:func:`pelvis_frame`).
PelvisAxes = Literal["asis_line", "anterior_axis"]

#: Knee width (m) used by the chord function when the trial carries none: a typical
#: adult value (the two Plug-in Gait subjects in the validation data have 0.102 and
#: 0.105 m). An error of 1 cm moves the knee centre by 5 mm.
DEFAULT_KNEE_WIDTH_M = 0.100
#: Ankle width (m) for the ankle chord function (tibia wand) when the trial carries
#: none; the two Plug-in Gait subjects have 0.055 and 0.070 m.
DEFAULT_ANKLE_WIDTH_M = 0.065
#: Marker diameter (m) when the trial carries none (Vicon's common 14 mm marker).
DEFAULT_MARKER_DIAMETER_M = 0.014
#: Below this mean horizontal pelvis speed (m/s) the trial counts as stationary
#: (treadmill) and the direction of travel comes from the feet or the pelvis heading.
MIN_PROGRESSION_SPEED_M_S = 0.2

_UP = np.array([0.0, 0.0, 1.0])
_SIDE_SIGN: dict[str, float] = {"left": -1.0, "right": 1.0}


@dataclass(frozen=True)
class Keypoints:
    """3D keypoint positions of a trial in metres, lab z-up, by vocabulary name.

    Attributes
    ----------
    positions_m
        Name -> ``(time, 3)`` positions; keypoints that are NaN in every frame are
        left out.
    time_s
        ``(time,)`` seconds.
    attrs
        The trial's attributes (subject measurements may be read from them).
    """

    positions_m: Mapping[str, FloatArray]
    time_s: FloatArray
    attrs: Mapping[str, Any]

    @classmethod
    def from_trial(cls, ds: xr.Dataset) -> Keypoints:
        """Collect the positions of a validated trial, converted to lab z-up.

        Raises
        ------
        InputError
            When positions are 2D, in pixels, or in image coordinates.
        """
        frame = ds.attrs.get(s.ATTR_COORDINATE_FRAME)
        unit_name = ds.attrs.get(s.ATTR_SPACE_UNIT)
        if ds.sizes.get(s.SPACE) != 3 or unit_name != "m" or frame == "image_y_down":
            raise InputError(
                "Expected 3D positions in metres in a lab frame, but got "
                f"{ds.sizes.get(s.SPACE)}D positions in {unit_name!r} "
                f"({frame!r}). 3D angles need motion capture, a BVH skeleton or "
                "3D world keypoints."
            )
        lab = to_lab_z_up(ds)
        pos = lab[s.POSITION].transpose(s.TIME, s.KEYPOINT, s.SPACE).values
        names = [str(n) for n in lab[s.KEYPOINT].values]
        positions = {
            name: np.asarray(pos[:, k, :], dtype=float)
            for k, name in enumerate(names)
            if np.isfinite(pos[:, k, :]).any()
        }
        return cls(positions, np.asarray(lab[s.TIME].values, float), dict(ds.attrs))

    def get(self, name: str) -> FloatArray | None:
        """Positions of ``name`` (metres), or None when absent or never seen."""
        return self.positions_m.get(name)

    def first(self, *names: str) -> tuple[str, FloatArray] | None:
        """The first of ``names`` that is present, with its positions."""
        for name in names:
            found = self.get(name)
            if found is not None:
                return name, found
        return None

    def midpoint(self, left: str, right: str) -> FloatArray | None:
        """Midpoint of two keypoints, or None when either is absent."""
        a, b = self.get(left), self.get(right)
        return None if a is None or b is None else 0.5 * (a + b)

    def length_m(self, key: str) -> float | None:
        """A positive finite length attribute (metres), or None."""
        value = self.attrs.get(key)
        if isinstance(value, int | float) and np.isfinite(value) and value > 0:
            return float(value)
        return None


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return np.asarray(np.sum(a * b, axis=-1, keepdims=True), dtype=float)


def pelvis_frame(
    left_asis: FloatArray,
    right_asis: FloatArray,
    posterior: FloatArray,
    *,
    primary: PelvisAxes = "asis_line",
) -> FloatArray:
    """Pelvis frame from the ASIS markers and the PSIS midpoint (or sacrum).

    Axes as ISB (methods A.1, Wu et al. 2002): z toward the right ASIS, x anterior,
    y = z x x. Which direction is kept exactly depends on ``primary``:

    - ``"asis_line"`` (ISB, Plug-in Gait): z = unit(RASI - LASI); x = mid-ASIS minus
      ``posterior``, made orthogonal to z.
    - ``"anterior_axis"``: x = unit(mid-ASIS - ``posterior``); z = the ASIS line,
      made orthogonal to x. Skin over the ASIS slides fore and aft with hip flexion,
      one side against the other while running; the ASIS midpoint cancels that
      antisymmetric slide, so the heading (pelvis rotation) does not follow it.
      See docs/kinematics.md ("Pelvis axes").

    Parameters
    ----------
    left_asis, right_asis
        ``(time, 3)`` marker positions in metres.
    posterior
        ``(time, 3)``: mid-PSIS or the sacral marker, metres.
    primary
        The axis taken exactly from the markers (above).
    """
    mid_asis = 0.5 * (left_asis + right_asis)
    line, forward = right_asis - left_asis, mid_asis - posterior
    if primary == "anterior_axis":
        return frame_from_axes(forward, line, primary_axis="x", secondary_axis="z")
    if primary != "asis_line":
        raise ValueError(
            f"Expected primary 'asis_line' or 'anterior_axis', but got {primary!r}."
        )
    return frame_from_axes(line, forward, primary_axis="z", secondary_axis="x")


def pelvis_frame_from_hips(
    left_hip: FloatArray, right_hip: FloatArray, trunk_point: FloatArray
) -> FloatArray:
    """Pelvis frame from the two hip joint centres and a point on the trunk.

    z = unit(right hip - left hip); y = trunk point minus mid-hips, made orthogonal
    to z. Without ASIS/PSIS the sagittal orientation (tilt) of this frame follows the
    trunk, not the pelvis: only z (the hip line) is anatomical.
    """
    mid_hips = 0.5 * (left_hip + right_hip)
    return frame_from_axes(
        right_hip - left_hip,
        trunk_point - mid_hips,
        primary_axis="z",
        secondary_axis="y",
    )


def pelvis_width_depth(
    left_asis: FloatArray, right_asis: FloatArray, posterior: FloatArray
) -> tuple[float, float]:
    """Median inter-ASIS distance and pelvic depth over the trial, metres.

    Pelvic depth is the distance from mid-ASIS to ``posterior`` (mid-PSIS or sacrum).
    Medians over the frames where the markers exist are used because these are
    bony dimensions: per-frame values would only add soft-tissue noise to the hip
    centre.
    """
    width = np.linalg.norm(right_asis - left_asis, axis=-1)
    depth = np.linalg.norm(0.5 * (left_asis + right_asis) - posterior, axis=-1)
    seen = np.isfinite(width) & np.isfinite(depth)
    if not seen.any():
        return float("nan"), float("nan")
    return float(np.median(width[seen])), float(np.median(depth[seen]))


def harrington_hip_centre_offset(
    pelvis_width_m: float, pelvis_depth_m: float, side: Side
) -> FloatArray:
    """Hip centre in the pelvis frame from mid-ASIS, by Harrington et al. (2007).

    x = -0.24 PD - 9.9 mm, y = -0.30 PW - 10.9 mm, z = ±(0.33 PW + 7.3) mm
    (+ right), with PW the inter-ASIS distance and PD the pelvic depth.

    Returns
    -------
    numpy.ndarray
        ``(3,)`` offset in metres (ISB axes).

    Examples
    --------
    >>> (harrington_hip_centre_offset(0.25, 0.16, "left") * 1000).round(1).tolist()
    [-48.3, -85.9, -89.8]
    """
    return np.array(
        [
            -0.24 * pelvis_depth_m - 0.0099,
            -0.30 * pelvis_width_m - 0.0109,
            _SIDE_SIGN[side] * (0.33 * pelvis_width_m + 0.0073),
        ]
    )


def davis_hip_centre_offset(
    *,
    pelvis_width_m: float,
    leg_length_m: float,
    asis_trochanter_distance_m: float | None,
    marker_diameter_m: float,
    side: Side,
) -> FloatArray:
    """Hip centre in the pelvis frame from mid-ASIS, by Davis et al. (1991).

    The Plug-in Gait / CGM1 regression (methods A.2): C = 0.115 LL - 15.3 mm,
    theta = 28.4°, beta = 18°; AP = C cos(theta) sin(beta) - (xdis + r) cos(beta),
    vertical = -(xdis + r) sin(beta) - C cos(theta) cos(beta), ML = ±(PW/2 - C
    sin(theta)). When the ASIS-trochanter distance ``xdis`` is unknown it is
    estimated as 0.1288 LL - 48.56 mm (Plug-in Gait's rule).

    Returns
    -------
    numpy.ndarray
        ``(3,)`` offset in metres (ISB axes).
    """
    leg_mm = leg_length_m * 1000.0
    xdis = (
        0.1288 * leg_mm - 48.56
        if asis_trochanter_distance_m is None
        else asis_trochanter_distance_m * 1000.0
    )
    c = 0.115 * leg_mm - 15.3
    theta, beta = np.radians(28.4), np.radians(18.0)
    xr = xdis + 0.5 * marker_diameter_m * 1000.0
    offset_mm = [
        c * np.cos(theta) * np.sin(beta) - xr * np.cos(beta),
        -xr * np.sin(beta) - c * np.cos(theta) * np.cos(beta),
        _SIDE_SIGN[side] * (0.5 * pelvis_width_m * 1000.0 - c * np.sin(theta)),
    ]
    return np.array(offset_mm) / 1000.0


def hip_centres(
    pelvis: FloatArray, mid_asis: FloatArray, offsets: dict[str, FloatArray]
) -> dict[str, FloatArray]:
    """Place hip-centre offsets (pelvis frame, from mid-ASIS) in the lab, metres.

    Parameters
    ----------
    pelvis
        ``(time, 3, 3)`` pelvis frames.
    mid_asis
        ``(time, 3)`` mid-ASIS positions, metres.
    offsets
        Side name -> ``(3,)`` offset in metres.
    """
    return {
        side: mid_asis + np.einsum("tij,j->ti", pelvis, off)
        for side, off in offsets.items()
    }


def chord_knee_centre(
    hip_centre: FloatArray,
    knee_lateral: FloatArray,
    lateral_reference: FloatArray,
    *,
    offset_m: float,
) -> FloatArray:
    """Knee centre by the chord function (Plug-in Gait; Kadaba et al. 1990).

    The knee centre K lies at ``offset_m`` (half the knee width plus the marker
    radius) from the lateral knee marker, medially, such that hip-K is perpendicular
    to K-marker, in the plane holding the hip centre, the marker and
    ``lateral_reference`` (a direction from the knee marker toward the lateral side:
    the thigh wand minus the knee marker in Plug-in Gait).

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` knee centres, metres.
    """
    to_hip = hip_centre - knee_lateral
    u = unit(to_hip)
    dist = np.linalg.norm(to_hip, axis=-1, keepdims=True)
    medial = -unit(lateral_reference - _dot(lateral_reference, u) * u)
    cos_phi = np.clip(offset_m / dist, -1.0, 1.0)
    sin_phi = np.sqrt(1.0 - cos_phi**2)
    return np.asarray(
        knee_lateral + offset_m * (cos_phi * u + sin_phi * medial), dtype=float
    )


def femur_frame(
    hip_centre: FloatArray,
    knee_centre: FloatArray,
    lateral_direction: FloatArray,
    *,
    side: Side,
) -> FloatArray:
    """Femur frame: y from knee to hip centre, z to the right (methods A.3).

    ``lateral_direction`` points from medial to lateral at the knee (lateral minus
    medial epicondyle, or the lateral knee marker minus the knee centre); it is made
    orthogonal to y and turned to point right on both sides; x = y x z.
    """
    right = _SIDE_SIGN[side] * lateral_direction
    return frame_from_axes(
        hip_centre - knee_centre, right, primary_axis="y", secondary_axis="z"
    )


def thorax_frame(
    c7: FloatArray,
    thoracic: FloatArray,
    jugular_notch: FloatArray,
    *,
    xiphoid: FloatArray | None = None,
) -> FloatArray:
    """Thorax frame after Wu et al. (2005): y from mid(PX, T8) to mid(IJ, C7).

    z is normal to the plane through IJ, C7 and mid(PX, T8), pointing right;
    x = y x z (anterior). ``thoracic`` is T8 or the nearest spinous marker (T7, T10).
    Without a xiphoid marker the lower point is ``thoracic`` alone, which tilts y
    forward by a constant (documented) amount; rotation is unaffected.
    """
    lower = thoracic if xiphoid is None else 0.5 * (thoracic + xiphoid)
    upper = 0.5 * (c7 + jugular_notch)
    superior = upper - lower
    right = np.cross(jugular_notch - c7, superior)
    return frame_from_axes(superior, right, primary_axis="y", secondary_axis="z")


def _mean_velocity(origin: FloatArray, time_s: FloatArray) -> FloatArray | None:
    valid = np.flatnonzero(np.all(np.isfinite(origin), axis=-1))
    if valid.size < 2 or time_s[valid[-1]] <= time_s[valid[0]]:
        return None
    delta = origin[valid[-1]] - origin[valid[0]]
    return np.asarray(delta / (time_s[valid[-1]] - time_s[valid[0]]), dtype=float)


def _horizontal(vector: FloatArray) -> FloatArray | None:
    flat = np.array([vector[0], vector[1], 0.0])
    norm = float(np.linalg.norm(flat))
    return flat / norm if np.isfinite(norm) and norm > 1e-9 else None


def _mean_direction(vectors: list[FloatArray]) -> FloatArray | None:
    units = np.concatenate(
        [unit(v * np.array([1.0, 1.0, 0.0])) for v in vectors] or [np.empty((0, 3))]
    )
    units = units[np.all(np.isfinite(units), axis=-1)]
    if not units.size:
        return None
    return _horizontal(units.mean(axis=0))


def _snap(direction: FloatArray) -> FloatArray:
    axis = int(np.argmax(np.abs(direction[:2])))
    snapped = np.zeros(3)
    snapped[axis] = np.sign(direction[axis])
    return snapped


def progression_direction(
    pelvis_origin: FloatArray,
    time_s: FloatArray,
    *,
    foot_vectors: list[FloatArray] | None = None,
    pelvis_forward: FloatArray | None = None,
    snap_to_lab_axis: bool = False,
) -> tuple[FloatArray, str]:
    """Unit horizontal direction of travel and the rule that gave it.

    Rules, first that applies:

    1. ``"pelvis_velocity"``: the horizontal mean velocity of the pelvis origin over
       the trial (last minus first valid position over the elapsed time), when its
       speed is at least :data:`MIN_PROGRESSION_SPEED_M_S` (overground);
    2. otherwise the trial is stationary (treadmill, running in place): the lab
       horizontal axis (±x or ±y) closest to the mean heel-to-toe direction of the
       feet in ``foot_vectors`` (``"heel_to_toe+lab_axis"``), else closest to the
       mean anterior axis of the pelvis (``"pelvis_heading+lab_axis"``). Treadmills
       are set up along a lab axis, so the axis is exact while the feet (toe-out,
       marker placement: 9° off on the Hamner treadmill run) or the pelvis (its
       mean rotation would become zero by construction) only pick the axis and
       its sign; the lab x axis alone is not used because its sign is unknown.

    With ``snap_to_lab_axis`` the overground direction is also replaced by the
    nearest lab horizontal axis, which is how Vicon Plug-in Gait aligns the frame of
    its ``PelvisAngles`` (verified on the BTK Plug-in Gait walks, RMSE < 0.001°).

    Parameters
    ----------
    pelvis_origin
        ``(time, 3)`` pelvis origin in metres (lab, z up).
    time_s
        ``(time,)`` seconds.
    foot_vectors
        ``(time, 3)`` heel-to-toe vectors, one per foot available.
    pelvis_forward
        ``(time, 3)`` pelvis anterior axis.
    snap_to_lab_axis
        Snap an overground direction to the nearest lab axis (Vicon's rule).

    Returns
    -------
    tuple
        ``(3,)`` unit vector, and the name of the rule used.

    Raises
    ------
    ValueError
        When the pelvis does not travel and neither feet nor a pelvis heading exist.
    """
    velocity = _mean_velocity(pelvis_origin, time_s)
    if velocity is not None and np.hypot(*velocity[:2]) >= MIN_PROGRESSION_SPEED_M_S:
        direction = _horizontal(velocity)
        if direction is not None:
            if snap_to_lab_axis:
                return _snap(direction), "pelvis_velocity+lab_axis"
            return direction, "pelvis_velocity"
    heading = _mean_direction(foot_vectors or [])
    rule = "heel_to_toe+lab_axis"
    if heading is None and pelvis_forward is not None:
        heading, rule = _mean_direction([pelvis_forward]), "pelvis_heading+lab_axis"
    if heading is None:
        raise ValueError(
            "Expected the pelvis to travel, or heel/toe markers, or a pelvis heading "
            "to set the direction of progression, but found none."
        )
    return _snap(heading), rule


def progression_frame(direction: FloatArray, n_frames: int) -> FloatArray:
    """Progression frame: x along ``direction``, y up (lab z), z = x x y (right).

    Returns
    -------
    numpy.ndarray
        ``(n_frames, 3, 3)``, the same frame repeated.
    """
    frame = frame_from_axes(_UP, direction, primary_axis="y", secondary_axis="x")
    return np.broadcast_to(frame, (n_frames, 3, 3)).copy()
