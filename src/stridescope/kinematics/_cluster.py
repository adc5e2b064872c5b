"""Technical marker clusters: which markers form one, and their rigid-body pose.

A technical cluster is a set of three or more markers on one segment (a thigh plate
or four loose thigh markers) that carries no anatomical meaning itself. Its pose is
fitted per frame by least squares (Söderkvist & Wedin 1993, J Biomech 26:1473-1477:
centroids, then the SVD of the cross-covariance matrix with a reflection guard), so a
frame with one cluster marker missing still has a pose. Anatomical landmarks are then
carried by the cluster as in the CAST protocol (Cappozzo et al. 1995, Clin Biomech
10:171-178): see ``kinematics._femur``.

Cluster markers are found by label (the trial keeps unknown marker labels verbatim):

- thigh: ``{L,R}TH*`` with an optional ``_`` after the side letter (JA1's
  ``LTHLP``, ``LTHLD``, ``LTHAP``, ``LTHAD``; Hamner's ``LTH1``-``LTH3``), except
  ``{L,R}THUMB``; Plug-in Gait's thigh wand ``LTHI`` is already named
  ``left_thigh_wand`` and so never matches.

Shank clusters (``{L,R}TB*``, ``{L,R}TI*``) are not used: the knee angle takes the
malleolus, which sits on bone, and ``{L,R}TI*`` would also match Plug-in Gait's
virtual tibia points (``LTIO``, ``LTIA``, ``LTIL``, ``LTIP``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from stridescope.kinematics.rotations import frame_from_axes

__all__ = [
    "MAX_CLUSTER_RESIDUAL_M",
    "MIN_CLUSTER_MARKERS",
    "THIGH_CLUSTER_PATTERN",
    "ClusterPose",
    "fit_rigid",
    "median_rotation",
    "reference_shape",
    "thigh_cluster_names",
    "track_cluster",
]

FloatArray = NDArray[np.float64]
Side = Literal["left", "right"]

#: Thigh cluster labels: side letter, optional ``_``, ``TH``, anything but ``UMB``.
THIGH_CLUSTER_PATTERN = re.compile(r"^(?P<side>[LR])_?TH(?!UMB)\w*$", re.IGNORECASE)
#: Fewest markers that fix a rigid-body pose.
MIN_CLUSTER_MARKERS = 3
#: Largest median RMS distance (m) between the fitted and the measured cluster
#: markers for them to count as one rigid cluster (JA1's thigh clusters: 2 mm).
MAX_CLUSTER_RESIDUAL_M = 0.010


def thigh_cluster_names(names: Iterable[str], side: Side) -> list[str]:
    """Labels among ``names`` that match the thigh-cluster pattern for ``side``."""
    letter = side[0]
    return [
        name
        for name in names
        if (match := THIGH_CLUSTER_PATTERN.match(name))
        and match["side"].lower() == letter
    ]


def reference_shape(points: FloatArray) -> FloatArray | None:
    """The cluster's shape: median marker coordinates in a per-frame marker frame.

    Each frame with every marker visible gets a technical frame (origin at the
    centroid; x toward marker 2 from marker 1; y in the plane of markers 1-3); the
    median of the markers' coordinates in it over those frames is the reference.

    Parameters
    ----------
    points
        ``(time, marker, 3)`` positions, metres.

    Returns
    -------
    numpy.ndarray or None
        ``(marker, 3)`` metres, or None when no frame shows every marker.
    """
    full = np.isfinite(points).all(axis=(1, 2))
    if not full.any():
        return None
    seen = points[full]
    centred = seen - seen.mean(axis=1, keepdims=True)
    tech = frame_from_axes(
        seen[:, 1] - seen[:, 0],
        seen[:, 2] - seen[:, 0],
        primary_axis="x",
        secondary_axis="y",
    )
    usable = np.isfinite(tech).all(axis=(1, 2))  # not three collinear markers
    if not usable.any():
        return None
    local = np.einsum("tji,tnj->tni", tech[usable], centred[usable])
    return np.asarray(np.median(local, axis=0), dtype=float)


def fit_rigid(
    reference: FloatArray, points: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Least-squares rigid pose of a marker cluster in every frame.

    Söderkvist & Wedin (1993): with ``a`` the reference and ``b`` the measured
    markers, both centred on their centroids, and ``U S Vᵀ`` the SVD of ``Σ a bᵀ``,
    the rotation is ``V diag(1, 1, det(V Uᵀ)) Uᵀ``. Missing markers are left out of
    a frame's fit; frames with fewer than three markers are NaN.

    Parameters
    ----------
    reference
        ``(marker, 3)`` cluster shape (any frame), metres.
    points
        ``(time, marker, 3)`` measured positions, metres, NaN where missing.

    Returns
    -------
    tuple of numpy.ndarray
        Rotations ``(time, 3, 3)`` and origins ``(time, 3)`` mapping reference
        coordinates to the lab (``lab = R @ ref + origin``), and the RMS residual
        ``(time,)`` in metres.
    """
    seen: NDArray[np.bool_] = np.asarray(np.isfinite(points).all(axis=-1))
    weight = seen[..., None].astype(float)
    count = np.maximum(seen.sum(axis=1), 1)[:, None]
    measured = np.where(weight > 0, points, 0.0)
    ref_centre = np.einsum("tn,nj->tj", seen.astype(float), reference) / count
    lab_centre = measured.sum(axis=1) / count
    a = (reference[None] - ref_centre[:, None]) * weight
    b = (measured - lab_centre[:, None]) * weight
    u, _, vt = np.linalg.svd(np.einsum("tni,tnj->tij", a, b))
    v = np.swapaxes(vt, -1, -2)
    flip = np.sign(np.linalg.det(v @ np.swapaxes(u, -1, -2)))
    v[:, :, 2] *= flip[:, None]
    rotation = v @ np.swapaxes(u, -1, -2)
    origin = lab_centre - np.einsum("tij,tj->ti", rotation, ref_centre)
    fitted = np.einsum("tij,nj->tni", rotation, reference) + origin[:, None]
    squared = np.where(seen, np.sum((fitted - points) ** 2, axis=-1), 0.0)
    residual = np.sqrt(squared.sum(axis=1) / count[:, 0])
    few = seen.sum(axis=1) < MIN_CLUSTER_MARKERS
    rotation[few], origin[few], residual[few] = np.nan, np.nan, np.nan
    return rotation, origin, residual


def median_rotation(rotations: FloatArray) -> FloatArray:
    """The rotation nearest the element-wise median of ``(n, 3, 3)`` rotations.

    ``rotations`` must be finite (select the frames first).

    The median matrix is projected onto the rotations by the SVD (orthogonal
    Procrustes), which keeps a few outlying frames from pulling the result.
    """
    u, _, vt = np.linalg.svd(np.median(rotations, axis=0))
    d = np.sign(np.linalg.det(u @ vt))
    return np.asarray(u @ np.diag([1.0, 1.0, d]) @ vt, dtype=float)


@dataclass(frozen=True)
class ClusterPose:
    """Per-frame pose of a technical cluster.

    Attributes
    ----------
    names
        The marker labels used.
    rotation
        ``(time, 3, 3)``: cluster coordinates to lab.
    origin_m
        ``(time, 3)``, metres.
    residual_m
        Median RMS fit residual over the trial, metres.
    """

    names: tuple[str, ...]
    rotation: FloatArray
    origin_m: FloatArray
    residual_m: float

    def to_local(self, points: FloatArray) -> FloatArray:
        """Lab positions ``(time, 3)`` in cluster coordinates."""
        return np.asarray(
            np.einsum("tji,tj->ti", self.rotation, points - self.origin_m), float
        )

    def to_lab(self, local: FloatArray) -> FloatArray:
        """A fixed cluster point ``(3,)`` in the lab, ``(time, 3)``."""
        return np.asarray(
            np.einsum("tij,j->ti", self.rotation, local) + self.origin_m, float
        )


def track_cluster(
    positions: Mapping[str, FloatArray], names: list[str]
) -> ClusterPose | str:
    """Fit the cluster made of ``names`` in every frame.

    When no frame shows every marker, the least-seen marker is dropped until one
    does (keeping at least three).

    Returns
    -------
    ClusterPose or str
        The pose, or why the markers do not form a usable rigid cluster.
    """
    order = sorted(names, key=lambda n: -int(np.isfinite(positions[n]).all(-1).sum()))
    while len(order) >= MIN_CLUSTER_MARKERS:
        points = np.stack([positions[n] for n in order], axis=1)
        reference = reference_shape(points)
        if reference is not None:
            break
        order = order[:-1]
    else:
        return f"markers {', '.join(names)} are never seen three at a time"
    rotation, origin, residual = fit_rigid(reference, points)
    fitted = np.isfinite(residual)
    typical = float(np.median(residual[fitted])) if fitted.any() else np.inf
    if typical > MAX_CLUSTER_RESIDUAL_M:
        return (
            f"markers {', '.join(order)} do not move as one rigid cluster (median "
            f"RMS residual {typical * 1000:.1f} mm > "
            f"{MAX_CLUSTER_RESIDUAL_M * 1000:.0f} mm)"
        )
    return ClusterPose(tuple(order), rotation, origin, typical)
