"""Rotation matrices and Cardan decompositions, vectorised over time (pure numpy).

Conventions
-----------
- Segment frames are stacks of 3x3 rotation matrices ``(..., 3, 3)`` whose **columns**
  are the segment's x, y and z axes expressed in the parent (lab) frame.
- Axis labels follow ISB (Wu et al. 2002, J Biomech 35:543-548): x anterior,
  y superior, z right.
- Composition acts on column vectors: ``compose("zxy", (a, b, c))`` is
  ``Rz(a) @ Rx(b) @ Ry(c)``, i.e. the intrinsic sequence z, then the rotated x, then
  the twice-rotated y.
- Angles are in degrees. Every function propagates NaN: a frame with a missing
  input gives NaN angles, never a silent zero.

Sequences used in stridescope
-----------------------------
- ``"zxy"``: joint coordinate system of Grood & Suntay (1983) as adopted by ISB for
  the hip and the spine (flexion about the proximal z, ab/adduction about the floating
  axis, rotation about the distal y). It is also the order of Vicon Plug-in Gait's
  ``PelvisAngles`` (tilt, then obliquity, then rotation; "Y-X-Z" in Vicon's own axis
  labels X anterior, Y left, Z up) and of OpenSim's ``ground_pelvis`` joint.
- ``"yxz"``: Baker (2001, Gait Posture 13:1-6) pelvis order: rotation about the
  vertical, then obliquity, then tilt.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Sequence",
    "axis_rotation",
    "compose",
    "decompose",
    "frame_from_axes",
    "relative_rotation",
    "unit",
]

Sequence = Literal["zxy", "yxz"]
Axis = Literal["x", "y", "z"]
_AXIS_INDEX: dict[str, int] = {"x": 0, "y": 1, "z": 2}
_SEQUENCE_AXES: dict[str, tuple[Axis, Axis, Axis]] = {
    "zxy": ("z", "x", "y"),
    "yxz": ("y", "x", "z"),
}
FloatArray = NDArray[np.float64]


def unit(vectors: ArrayLike) -> FloatArray:
    """Return ``vectors`` scaled to unit length along the last axis.

    Zero-length or non-finite vectors become NaN rather than raising.

    Examples
    --------
    >>> unit([3.0, 0.0, 4.0]).tolist()
    [0.6, 0.0, 0.8]
    """
    v = np.asarray(vectors, dtype=float)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = v / np.where(norm > 1e-12, norm, np.nan)
    return np.asarray(out, dtype=float)


def frame_from_axes(
    primary: ArrayLike,
    secondary: ArrayLike,
    *,
    primary_axis: Axis,
    secondary_axis: Axis,
) -> FloatArray:
    """Build right-handed orthonormal frames from two direction vectors.

    ``primary`` sets its axis exactly; ``secondary`` is made orthogonal to it
    (Gram-Schmidt); the third axis completes a right-handed frame.

    Parameters
    ----------
    primary, secondary
        Direction vectors ``(..., 3)`` in the parent frame (any length, metres or
        unitless).
    primary_axis, secondary_axis
        Which segment axes they define (``"x"``, ``"y"`` or ``"z"``; must differ).

    Returns
    -------
    numpy.ndarray
        Rotation matrices ``(..., 3, 3)``, columns = segment x, y, z axes; NaN where
        an input is NaN or the two vectors are parallel.

    Examples
    --------
    >>> frame_from_axes([0, 0, 1], [1, 0, 0], primary_axis="z",
    ...                 secondary_axis="x").round(6).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if primary_axis == secondary_axis:
        raise ValueError(
            f"Expected two different axes, but got {primary_axis!r} twice."
        )
    p = unit(primary)
    s = np.asarray(secondary, dtype=float)
    s = unit(s - np.sum(s * p, axis=-1, keepdims=True) * p)
    i, j = _AXIS_INDEX[primary_axis], _AXIS_INDEX[secondary_axis]
    k = 3 - i - j
    axes: list[FloatArray] = [p, p, p]
    axes[i], axes[j] = p, s
    # Cyclic order (i, j, k) gives k = i x j; anti-cyclic gives k = j x i.
    axes[k] = np.cross(p, s) if (j - i) % 3 == 1 else np.cross(s, p)
    frames = np.stack(np.broadcast_arrays(*axes), axis=-1)
    incomplete = ~np.isfinite(frames).all(axis=(-2, -1))
    frames[incomplete] = np.nan
    return frames


def axis_rotation(axis: Axis, angle_deg: ArrayLike) -> FloatArray:
    """Return the elementary rotation matrices about ``axis`` by ``angle_deg``.

    Examples
    --------
    >>> (axis_rotation("z", 90.0) @ [1.0, 0.0, 0.0]).round(6).tolist()
    [0.0, 1.0, 0.0]
    """
    a = np.radians(np.asarray(angle_deg, dtype=float))
    c, s = np.cos(a), np.sin(a)
    one, zero = np.ones_like(a), np.zeros_like(a)
    rows = {
        "x": ((one, zero, zero), (zero, c, -s), (zero, s, c)),
        "y": ((c, zero, s), (zero, one, zero), (-s, zero, c)),
        "z": ((c, -s, zero), (s, c, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2)


def compose(sequence: Sequence, angles_deg: ArrayLike) -> FloatArray:
    """Compose Cardan angles into rotation matrices.

    Parameters
    ----------
    sequence
        ``"zxy"`` or ``"yxz"`` (intrinsic order, see the module docstring).
    angles_deg
        ``(..., 3)`` angles in degrees, in the order of ``sequence``.

    Returns
    -------
    numpy.ndarray
        ``(..., 3, 3)`` rotation matrices.
    """
    a = np.asarray(angles_deg, dtype=float)
    axes = _SEQUENCE_AXES[sequence]
    first, second, third = (axis_rotation(ax, a[..., n]) for n, ax in enumerate(axes))
    return np.asarray(first @ second @ third, dtype=float)


def decompose(sequence: Sequence, rotation: ArrayLike) -> FloatArray:
    """Decompose rotation matrices into Cardan angles (degrees).

    The middle angle lies in [-90, 90]; the outer two in (-180, 180]. At the gimbal
    lock (middle angle ±90) the split between the outer angles is arbitrary.

    Parameters
    ----------
    sequence
        ``"zxy"`` or ``"yxz"``.
    rotation
        ``(..., 3, 3)`` rotation matrices.

    Returns
    -------
    numpy.ndarray
        ``(..., 3)`` angles in degrees, in the order of ``sequence``.

    Examples
    --------
    >>> decompose("zxy", compose("zxy", [10.0, -20.0, 30.0])).round(6).tolist()
    [10.0, -20.0, 30.0]
    """
    r = np.asarray(rotation, dtype=float)
    if sequence == "zxy":
        # Rz(a) Rx(b) Ry(c): R[2,1] = sin b, R[0,1] = -sin a cos b,
        # R[1,1] = cos a cos b, R[2,0] = -cos b sin c, R[2,2] = cos b cos c.
        middle = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
        first = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
        third = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    elif sequence == "yxz":
        # Ry(a) Rx(b) Rz(c): R[1,2] = -sin b, R[0,2] = sin a cos b,
        # R[2,2] = cos a cos b, R[1,0] = cos b sin c, R[1,1] = cos b cos c.
        middle = np.arcsin(np.clip(-r[..., 1, 2], -1.0, 1.0))
        first = np.arctan2(r[..., 0, 2], r[..., 2, 2])
        third = np.arctan2(r[..., 1, 0], r[..., 1, 1])
    else:
        raise ValueError(f"Expected sequence 'zxy' or 'yxz', but got {sequence!r}.")
    return np.asarray(np.degrees(np.stack([first, middle, third], axis=-1)), float)


def relative_rotation(proximal: ArrayLike, distal: ArrayLike) -> FloatArray:
    """Return the distal frame expressed in the proximal frame, ``Rpᵀ · Rd``.

    Both inputs are ``(..., 3, 3)`` rotation matrices in a common parent frame.
    """
    p = np.asarray(proximal, dtype=float)
    d = np.asarray(distal, dtype=float)
    return np.asarray(np.swapaxes(p, -1, -2) @ d, dtype=float)
