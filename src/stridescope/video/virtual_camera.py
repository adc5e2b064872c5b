"""A virtual camera: turn a 3D motion-capture trial into a synthetic video trial.

:func:`project_trial` builds BlazePose-named joint centres from the markers of a real
motion-capture trial, resamples them to a video frame rate and projects them through
a pinhole camera, so that the planar (video) path can be validated against the
markers it came from; :func:`reference_angles` gives the matching 3D truth. The
method and every figure measured with it are in ``docs/video-validation.md``.

Joint centres (lab z-up, metres), first rule that applies:

- hips: Harrington et al. (2007, J Biomech 40:595-602) from the ASIS/PSIS markers
  (:func:`stridescope.kinematics.pelvis.build_pelvis`), or the trial's hip centres;
- knees: as :func:`stridescope.kinematics.joints.build_femur` places them (knee
  keypoint, mid-epicondyles, chord function from a lateral knee marker); else the
  functional centre (SCoRE, Ehrig et al. 2006, J Biomech 39:2798-2809) of the thigh
  and shank marker clusters (labels ``<L|R>TH*`` and ``<L|R>TB*``/``<L|R>TI*``);
- ankles: an ankle keypoint, mid-malleoli, the lateral malleolus moved medially by
  half the default ankle width plus a marker radius, else the functional centre of
  the shank cluster and the foot markers;
- heel; ``foot_index`` = the toe marker (else the first metatarsal); shoulders = the
  acromion markers; ears and nose only when the four head markers (``LFHD``,
  ``RFHD``, ``LBHD``, ``RBHD``) exist, else omitted.

Camera: a pinhole (``focal_px``, principal point at the image centre, no lens
distortion) at the mean mid-hip height, looking horizontally. ``side-left`` looks at
the runner's left side, so the runner faces image-left; ``side-right`` the mirror;
``rear`` looks along the direction of travel from behind (the runner's right is
image-right). Overground, ``follow="track"`` (default) moves the camera parallel to
the path at the runner's mean speed (a straight-line fit of the mid-hip), like a
tracking shot or a treadmill: the view stays square-on. ``follow="pan"`` keeps the
camera still at ``distance_m`` from the middle of the path and turns it (yaw only)
to keep the fitted mid-hip centred, as a phone on a tripod panned by hand would; the
runner is then seen obliquely away from the middle of the clip.

Nothing is occluded: the far leg is as visible as the near one, unlike real video.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError
from stridescope.kinematics import compute_angles
from stridescope.kinematics import joints as jnt
from stridescope.kinematics import pelvis as pel
from stridescope.kinematics import segments as seg
from stridescope.kinematics.rotations import frame_from_axes, unit
from stridescope.model import schema as s
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.model.trial import append_log, from_arrays, validate_trial

__all__ = [
    "CAMERAS",
    "JointCentres",
    "joint_centres",
    "project_trial",
    "reference_angles",
]

FloatArray = NDArray[np.float64]
Camera = Literal["side-left", "side-right", "rear"]
Follow = Literal["track", "pan"]

CAMERAS: Final = ("side-left", "side-right", "rear")
WORLD_SPACE: Final = "world_space"
_UP: Final = np.array([0.0, 0.0, 1.0])
_SIDE_SIGN: Final = {"left": -1.0, "right": 1.0}
_HEAD: Final = ("LFHD", "RFHD", "LBHD", "RBHD")
#: Nose below the mid-forehead markers, metres [S].
_NOSE_DROP_M: Final = 0.08
#: Ridge weight per frame of the SCoRE least squares: picks the point of a hinge
#: axis nearest the two cluster centroids.
_SCORE_RIDGE: Final = 1e-3


@dataclass(frozen=True)
class JointCentres:
    """Joint centres of a 3D trial.

    Attributes
    ----------
    positions_m
        BlazePose name -> ``(time, 3)`` positions, metres, lab z-up.
    time_s
        ``(time,)`` seconds.
    progression
        ``(3,)`` horizontal unit vector of the direction of travel.
    methods
        Joint (or ``progression``) -> how it was obtained.
    """

    positions_m: dict[str, FloatArray]
    time_s: FloatArray
    progression: FloatArray
    methods: dict[str, str]

    def resampled(self, fps: float) -> JointCentres:
        """Linearly interpolated at ``fps`` frames per second from the first time."""
        t = self.time_s
        grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fps + 1e-9)) + 1) / fps
        moved = {
            name: np.stack([np.interp(grid, t, p[:, k]) for k in range(3)], axis=-1)
            for name, p in self.positions_m.items()
        }
        return JointCentres(moved, grid, self.progression, self.methods)


def _cluster(kp: seg.Keypoints, prefixes: tuple[str, ...]) -> list[FloatArray]:
    names = sorted(n for n in kp.positions_m if n.upper().startswith(prefixes))
    return [kp.positions_m[n] for n in names[:3]]


def _cluster_frame(points: list[FloatArray]) -> tuple[FloatArray, FloatArray]:
    frame = frame_from_axes(
        points[1] - points[0],
        points[2] - points[0],
        primary_axis="x",
        secondary_axis="y",
    )
    return frame, np.mean(points, axis=0)


def functional_centre(a: list[FloatArray], b: list[FloatArray]) -> FloatArray:
    """Joint centre between two marker clusters by SCoRE (Ehrig et al. 2006).

    Finds the point fixed in both cluster frames (least squares over all frames);
    a small ridge term picks, on a hinge axis, the point nearest both centroids.

    Parameters
    ----------
    a, b
        Three ``(time, 3)`` marker trajectories (metres) on each segment.

    Returns
    -------
    numpy.ndarray
        ``(time, 3)`` centre, the mean of its positions in the two frames.
    """
    (ra, oa), (rb, ob) = _cluster_frame(a), _cluster_frame(b)
    ok = np.isfinite(ra).all(axis=(1, 2)) & np.isfinite(rb).all(axis=(1, 2))
    ok &= np.isfinite(oa).all(axis=1) & np.isfinite(ob).all(axis=1)
    lhs = np.concatenate([ra[ok], -rb[ok]], axis=2).reshape(-1, 6)
    rhs = (ob[ok] - oa[ok]).reshape(-1)
    ridge = np.sqrt(_SCORE_RIDGE * ok.sum()) * np.eye(6)
    x = np.linalg.lstsq(np.vstack([lhs, ridge]), np.r_[rhs, np.zeros(6)], rcond=None)
    local = x[0]
    in_a = oa + np.einsum("tij,j->ti", ra, local[:3])
    in_b = ob + np.einsum("tij,j->ti", rb, local[3:])
    return np.asarray(0.5 * (in_a + in_b), dtype=float)


def _letter(side: str) -> str:
    return side[0].upper()


def _knee(
    kp: seg.Keypoints, pelvis: pel.PelvisSegment, side: jnt.Side
) -> tuple[FloatArray, FloatArray | None, str]:
    """Knee centre, femur medio-lateral axis (None if functional), method."""
    femur = jnt.build_femur(kp, pelvis, side)
    if not isinstance(femur, str):
        return femur.knee_centre_m, femur.frame[:, :, 2], femur.method
    thigh = _cluster(kp, (f"{_letter(side)}TH",))
    shank = _cluster(kp, (f"{_letter(side)}TB", f"{_letter(side)}TI"))
    if len(thigh) < 3 or len(shank) < 3:
        raise MissingDataError(
            f"Expected a {side} knee marker, knee centre, or thigh and shank marker "
            f"clusters (3 markers each) to place the {side} knee, but found none."
        )
    return functional_centre(thigh, shank), None, "functional (SCoRE): thigh/shank"


def _ankle(
    kp: seg.Keypoints, side: jnt.Side, lateral_axis: FloatArray | None
) -> tuple[FloatArray, str]:
    centre = kp.get(f"{side}_ankle")
    lateral, medial = kp.get(f"{side}_ankle_lateral"), kp.get(f"{side}_ankle_medial")
    if centre is not None:
        return centre, "ankle keypoint"
    if lateral is not None and medial is not None:
        return 0.5 * (lateral + medial), "mid-malleoli"
    if lateral is not None and lateral_axis is not None:
        offset = 0.5 * (seg.DEFAULT_ANKLE_WIDTH_M + seg.DEFAULT_MARKER_DIAMETER_M)
        moved = lateral - _SIDE_SIGN[side] * offset * lateral_axis
        return moved, f"lateral malleolus moved {offset * 1000:.0f} mm medially"
    shank = _cluster(kp, (f"{_letter(side)}TB", f"{_letter(side)}TI"))
    foot = [
        p
        for n in ("heel", "toe", "fifth_metatarsal", "first_metatarsal")
        if (p := kp.get(f"{side}_{n}")) is not None
    ]
    if len(shank) < 3 or len(foot) < 3:
        raise MissingDataError(
            f"Expected {side} malleolus markers, an ankle centre, or shank and foot "
            f"marker clusters to place the {side} ankle, but found none."
        )
    return functional_centre(shank, foot[:3]), "functional (SCoRE): shank/foot"


def _feet_and_top(kp: seg.Keypoints) -> dict[str, FloatArray]:
    out: dict[str, FloatArray] = {}
    for side in s.SIDES:
        heel = kp.get(f"{side}_heel")
        toe = kp.first(*(f"{side}_{n}" for n in ("foot_index", "toe")))
        toe = toe or kp.first(f"{side}_first_metatarsal")
        shoulder = kp.first(f"{side}_shoulder", f"{side}_acromion")
        if heel is None or toe is None or shoulder is None:
            raise MissingDataError(
                f"Expected {side} heel, toe and acromion (or shoulder) markers, but "
                "at least one is missing."
            )
        out |= {f"{side}_heel": heel, f"{side}_foot_index": toe[1]}
        out[f"{side}_shoulder"] = shoulder[1]
    head = [kp.get(n) for n in _HEAD]
    if all(h is not None for h in head):
        lf, rf, lb, rb = (np.asarray(h) for h in head)
        out |= {"left_ear": 0.5 * (lf + lb), "right_ear": 0.5 * (rf + rb)}
        out["nose"] = 0.5 * (lf + rf) - _NOSE_DROP_M * _UP
    return out


def joint_centres(ds3d: xr.Dataset) -> JointCentres:
    """Joint centres (BlazePose names) of a 3D marker trial (module docstring).

    Parameters
    ----------
    ds3d
        A trial with 3D ``position`` in metres (``lab_z_up`` or ``opensim_y_up``).

    Returns
    -------
    JointCentres
        Positions on the trial's own time axis, and how each was obtained.

    Raises
    ------
    InputError
        For a trial that is not 3D metres in a lab frame.
    MissingDataError
        When the pelvis, a knee, an ankle, a foot or a shoulder cannot be placed.
    """
    validate_trial(ds3d, require=(s.POSITION,))
    kp = seg.Keypoints.from_trial(ds3d)
    pelvis = pel.build_pelvis(kp)
    if isinstance(pelvis, str):
        raise MissingDataError(f"Cannot place the hip centres: the pelvis {pelvis}.")
    frame, rule = pel.progression_for(pelvis, kp, snap=False)
    positions = {f"{side}_hip": pelvis.hip_centres_m[side] for side in s.SIDES}
    methods = {"hip": pelvis.method, "progression": rule}
    for side in s.SIDES:
        knee, axis, methods[f"{side}_knee"] = _knee(kp, pelvis, side)
        ankle, methods[f"{side}_ankle"] = _ankle(kp, side, axis)
        positions |= {f"{side}_knee": knee, f"{side}_ankle": ankle}
    positions |= _feet_and_top(kp)
    return JointCentres(positions, kp.time_s, frame[0, :, 0].copy(), methods)


@dataclass(frozen=True)
class _Setup:
    """The options of :func:`project_trial`."""

    camera: str
    fps: float
    distance_m: float
    focal_px: float
    image_size_px: tuple[int, int]
    noise_leg_fraction: float
    dropout_fraction: float
    seed: int
    follow: str

    def check(self) -> None:
        problems = []
        if self.camera not in CAMERAS:
            problems.append(f"Expected camera in {CAMERAS}, but got {self.camera!r}.")
        if self.follow not in ("track", "pan"):
            problems.append(f"Expected follow 'track' or 'pan', got {self.follow!r}.")
        for key in ("fps", "distance_m", "focal_px"):
            if not (np.isfinite(getattr(self, key)) and getattr(self, key) > 0):
                problems.append(
                    f"Expected a positive {key}, but got {getattr(self, key)}."
                )
        if (
            not 0 <= self.noise_leg_fraction < np.inf
            or not 0 <= self.dropout_fraction < 1
        ):
            problems.append(
                "Expected noise_leg_fraction >= 0 and dropout_fraction in [0, 1), but "
                f"got {self.noise_leg_fraction} and {self.dropout_fraction}."
            )
        if problems:
            raise InputError("Cannot project the trial: " + " ".join(problems))


def _track(
    mid_hip: FloatArray, time_s: FloatArray, direction: FloatArray
) -> FloatArray:
    """Mid-hip path of a constant-speed camera: straight-line fit along travel."""
    ok = np.isfinite(mid_hip).all(axis=1)
    along = (mid_hip - mid_hip[ok][0]) @ direction
    slope, intercept = np.polyfit(time_s[ok], along[ok], 1)
    base = np.mean(mid_hip[ok] - along[ok, None] * direction, axis=0)
    return np.asarray(base + np.outer(slope * time_s + intercept, direction), float)


def _camera_path(
    track: FloatArray, forward: FloatArray, setup: _Setup
) -> tuple[FloatArray, FloatArray]:
    """Camera centres ``(time, 3)`` and axes ``(time, 3, 3)`` (rows: image right,
    image down, optical axis) in the lab."""
    if setup.follow == "track":
        centre = track - setup.distance_m * forward
        optical = np.broadcast_to(forward, track.shape)
    else:
        still = track.mean(axis=0) - setup.distance_m * forward
        centre = np.broadcast_to(still, track.shape)
        optical = unit((track - centre) * np.array([1.0, 1.0, 0.0]))
    down = np.broadcast_to(-_UP, optical.shape)
    axes = np.stack([np.cross(optical, _UP), down, optical], axis=1)
    return np.asarray(centre, float), axes


def _leg_length(points: FloatArray, names: list[str]) -> float:
    """Mean over sides of the median hip-knee + knee-ankle length (``(t, n, k)``)."""
    lengths = []
    for side in s.SIDES:
        hip, knee, ankle = (
            points[:, :, names.index(f"{side}_{j}")] for j in ("hip", "knee", "ankle")
        )
        leg = np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1)
        lengths.append(float(np.nanmedian(leg)))
    return float(np.mean(lengths))


@dataclass(frozen=True)
class _Shot:
    names: list[str]
    pixels: FloatArray  # (time, 2, keypoint)
    world_m: FloatArray  # (time, 3, keypoint), camera axes, origin mid-hips
    leg_length_px: float
    leg_length_m: float
    camera_height_m: float


def _shoot(centres: JointCentres, setup: _Setup) -> _Shot:
    rank = {name: k for k, name in enumerate(BLAZEPOSE_33)}
    names = sorted(centres.positions_m, key=lambda n: rank.get(n, len(rank)))
    xyz = np.stack([centres.positions_m[n] for n in names], axis=2)
    mid = 0.5 * (centres.positions_m["left_hip"] + centres.positions_m["right_hip"])
    p = centres.progression
    track = _track(mid, centres.time_s, p)
    runner_right = np.cross(p, _UP)
    forward = {"side-left": runner_right, "side-right": -runner_right, "rear": p}
    centre, axes = _camera_path(track, forward[setup.camera], setup)
    cam = np.einsum("tij,tjk->tik", axes, xyz - centre[:, :, None])
    if not np.all(cam[:, 2][np.isfinite(cam[:, 2])] > 0.1):
        raise InputError(
            "Expected every joint in front of the camera, but some are within 0.1 m "
            f"of it or behind it at distance_m={setup.distance_m}; increase it."
        )
    half = np.array(setup.image_size_px, dtype=float)[None, :, None] / 2
    pixels = half + setup.focal_px * cam[:, :2] / cam[:, 2:3]
    world = np.einsum("tij,tjk->tik", axes, xyz - mid[:, :, None])
    return _Shot(
        names, pixels, world, _leg_length(pixels, names), _leg_length(xyz, names),
        float(np.mean(track[:, 2])),
    )  # fmt: skip


def _degrade(shot: _Shot, setup: _Setup) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Noisy pixels, noisy world positions and confidence (0 where lost, else 1)."""
    rng = np.random.default_rng(setup.seed)
    sd_px = setup.noise_leg_fraction * shot.leg_length_px
    sd_m = setup.noise_leg_fraction * shot.leg_length_m
    pixels = shot.pixels + rng.normal(0.0, sd_px, shot.pixels.shape)
    world = shot.world_m + rng.normal(0.0, sd_m, shot.world_m.shape)
    dropped = rng.random(pixels[:, 0].shape) < setup.dropout_fraction
    size = np.array(setup.image_size_px, dtype=float)[None, :, None]
    outside = np.any((pixels < 0) | (pixels >= size), axis=1)
    lost = dropped | outside | ~np.isfinite(pixels).all(axis=1)
    pixels[np.broadcast_to(lost[:, None, :], pixels.shape)] = np.nan
    world[np.broadcast_to(dropped[:, None, :], world.shape)] = np.nan
    return pixels, world, np.where(lost, 0.0, 1.0)


def _attrs(setup: _Setup, shot: _Shot, centres: JointCentres) -> dict[str, object]:
    return {
        s.ATTR_VIEW: setup.camera,
        "camera": setup.camera,
        "camera_follow": setup.follow,
        "camera_distance_m": float(setup.distance_m),
        "camera_focal_px": float(setup.focal_px),
        "camera_height_m": round(shot.camera_height_m, 4),
        "image_width_px": float(setup.image_size_px[0]),
        "image_height_px": float(setup.image_size_px[1]),
        "leg_length_px": round(shot.leg_length_px, 2),
        "leg_length_m": round(shot.leg_length_m, 4),
        "noise_leg_fraction": float(setup.noise_leg_fraction),
        "noise_sd_px": round(setup.noise_leg_fraction * shot.leg_length_px, 3),
        "dropout_fraction": float(setup.dropout_fraction),
        "seed": int(setup.seed),
        "progression_direction": json.dumps(centres.progression.round(4).tolist()),
        "joint_centre_methods": json.dumps(centres.methods),
    }


def project_trial(
    ds3d: xr.Dataset,
    *,
    camera: Camera,
    fps: float = 60.0,
    distance_m: float = 5.0,
    focal_px: float = 1400.0,
    image_size_px: tuple[int, int] = (1920, 1080),
    noise_leg_fraction: float = 0.0,
    dropout_fraction: float = 0.0,
    seed: int = 0,
    follow: Follow = "track",
) -> xr.Dataset:
    """Film a 3D motion-capture trial with a virtual camera (module docstring).

    Parameters
    ----------
    ds3d
        A marker trial, 3D metres in a lab frame (pelvis, knee or thigh/shank
        cluster, ankle or shank/foot cluster, heel, toe and acromion markers).
    camera
        ``"side-left"`` (runner faces image-left), ``"side-right"`` or ``"rear"``.
    fps
        Frame rate of the virtual video, frames per second.
    distance_m
        Distance from the camera to the runner's path, metres.
    focal_px
        Focal length in pixels (1400 px for a 1920 px wide image is a phone's
        main camera, about 69° horizontal field of view).
    image_size_px
        Image width and height in pixels; points outside are lost.
    noise_leg_fraction
        SD of the Gaussian noise added to each pixel coordinate, as a fraction of
        the leg length in pixels (the same fraction of the leg length in metres is
        added to ``world_position``).
    dropout_fraction
        Share of keypoint-frames dropped at random (NaN, confidence 0).
    seed
        Seed of the random generator (noise and dropouts).
    follow
        ``"track"`` (camera moves with the runner) or ``"pan"`` (camera turns).

    Returns
    -------
    xarray.Dataset
        A video-like trial: ``position`` (px, ``image_y_down``), ``confidence``
        (1, or 0 where lost), ``world_position(time, world_space, keypoint)`` in
        metres (origin mid-hips, x image-right, y down, z away from the camera),
        ``source_format="virtual_camera"`` and ``camera_*`` attrs. No events.

    Raises
    ------
    InputError
        For a bad option, a trial that is not 3D, or a camera too close.
    MissingDataError
        When a joint centre cannot be placed (see :func:`joint_centres`).
    """
    setup = _Setup(
        camera, float(fps), float(distance_m), float(focal_px), image_size_px,
        float(noise_leg_fraction), float(dropout_fraction), int(seed), follow,
    )  # fmt: skip
    setup.check()
    centres = joint_centres(ds3d).resampled(setup.fps)
    shot = _shoot(centres, setup)
    pixels, world, confidence = _degrade(shot, setup)
    ds = from_arrays(
        sampling_rate_hz=setup.fps,
        position=pixels,
        keypoint_names=shot.names,
        confidence=confidence,
        space_unit="px",
        coordinate_frame="image_y_down",
        time_s=centres.time_s,
        source_format="virtual_camera",
        source_file=str(ds3d.attrs.get(s.ATTR_SOURCE_FILE, "")),
        attrs=_attrs(setup, shot, centres),
    )
    ds = ds.assign(
        world_position=((s.TIME, WORLD_SPACE, s.KEYPOINT), world, {"units": "m"})
    ).assign_coords({WORLD_SPACE: list(s.SPACE_3D)})
    return append_log(ds, "project_trial", camera=camera, follow=follow, fps=fps)


def _sagittal_deg(
    vector: FloatArray, forward: FloatArray, up: FloatArray
) -> FloatArray:
    """Angle of ``vector`` from ``-up`` toward ``forward`` in their plane, degrees."""
    return np.asarray(np.degrees(np.arctan2(vector @ forward, -(vector @ up))), float)


def _interpolated(angles: xr.DataArray, time_s: FloatArray) -> dict[str, FloatArray]:
    t = np.asarray(angles[s.TIME].values, dtype=float)
    return {
        str(j): np.interp(time_s, t, angles.sel({s.JOINT: j}).values, np.nan, np.nan)
        for j in angles[s.JOINT].values
    }


def reference_angles(ds3d: xr.Dataset, *, fps: float | None = None) -> xr.DataArray:
    """The 3D truth that a virtual camera's planar angles are compared with.

    ``{side}_thigh_angle`` (hip->knee), ``{side}_knee_flexion`` (thigh minus shank
    angle) and ``trunk_forward_lean`` (mid-hip->mid-shoulder) are projected onto the
    progression-vertical plane, with the signs of the planar angles; the pelvis,
    hip and trunk angles are those of :func:`stridescope.kinematics.compute_angles`
    (markers, Baker order) that it can compute: ``pelvis_obliquity``,
    ``pelvis_rotation``, ``{side}_hip_flexion``, ``trunk_lateral_lean``, ... (its
    thorax-based ``trunk_forward_lean`` is replaced by the projected one).

    Parameters
    ----------
    ds3d
        The marker trial given to :func:`project_trial`.
    fps
        Resample to this rate, as :func:`project_trial` does; None keeps the
        trial's own time axis.

    Returns
    -------
    xarray.DataArray
        ``angle(time, joint)`` in degrees.
    """
    centres = joint_centres(ds3d)
    centres = centres if fps is None else centres.resampled(fps)
    pos, p = centres.positions_m, centres.progression
    out: dict[str, FloatArray] = {}
    for side in s.SIDES:
        hip, knee, ankle = (pos[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
        out[f"{side}_thigh_angle"] = _sagittal_deg(knee - hip, p, _UP)
        shank = _sagittal_deg(ankle - knee, p, _UP)
        out[f"{side}_knee_flexion"] = out[f"{side}_thigh_angle"] - shank
    mid_hip = 0.5 * (pos["left_hip"] + pos["right_hip"])
    mid_top = 0.5 * (pos["left_shoulder"] + pos["right_shoulder"])
    out["trunk_forward_lean"] = _sagittal_deg(mid_hip - mid_top, -p, _UP)
    computed = _interpolated(compute_angles(ds3d).angles, centres.time_s)
    out |= {name: v for name, v in computed.items() if name not in out}
    return xr.DataArray(
        np.stack(list(out.values()), axis=-1),
        dims=(s.TIME, s.JOINT),
        coords={s.TIME: centres.time_s, s.JOINT: list(out)},
        name=s.ANGLE,
        attrs={"units": s.ANGLE_UNIT, "methods": json.dumps(centres.methods)},
    )
