"""Tests of the virtual camera: geometry on an analytic leg, and the acceptance
figures of docs/video-validation.md on real motion capture (../shared/data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from stridescope.errors import InputError, MissingDataError
from stridescope.kinematics.planar import compute_planar_angles
from stridescope.kinematics.rotations import axis_rotation
from stridescope.kinematics.segments import harrington_hip_centre_offset
from stridescope.model.trial import Event, from_arrays
from stridescope.video.virtual_camera import (
    functional_centre,
    joint_centres,
    project_trial,
    reference_angles,
)

RATE_HZ = 200.0
STRIDE_S = 0.7
THIGH_M, SHANK_M = 0.42, 0.40


def _thigh_deg(time: np.ndarray, side: str) -> np.ndarray:
    shift = 0.0 if side == "right" else np.pi
    return 30.0 * np.sin(2 * np.pi * time / STRIDE_S + shift)


def _leg_trial(speed_m_s: float = 0.0, duration_s: float = 2.0) -> xr.Dataset:
    """Pelvis (level, moving along +x) and legs swinging with known thigh angles."""
    time = np.arange(round(duration_s * RATE_HZ)) / RATE_HZ
    origin = np.stack([speed_m_s * time, 0 * time, 1.0 + 0 * time], axis=1)
    pts = {}
    for side, y in (("left", 0.12), ("right", -0.12)):
        pts[f"{side}_asis"] = origin + np.array([0.05, y, 0.0])
        pts[f"{side}_psis"] = origin + np.array([-0.10, y / 2.4, 0.0])
    offsets = {
        s: harrington_hip_centre_offset(0.24, 0.15, s) for s in ("left", "right")
    }
    for side, lateral in (("left", 1.0), ("right", -1.0)):
        off = offsets[side]
        hip = origin + np.array([0.05 + off[0], -off[2], off[1]])
        th = np.radians(_thigh_deg(time, side))
        knee = hip + THIGH_M * np.stack([np.sin(th), 0 * th, -np.cos(th)], axis=1)
        sh = th - np.radians(35.0 + 25.0 * np.sin(2 * np.pi * time / STRIDE_S))
        ankle = knee + SHANK_M * np.stack([np.sin(sh), 0 * sh, -np.cos(sh)], axis=1)
        for joint, centre, half in (("knee", knee, 0.05), ("ankle", ankle, 0.035)):
            out = np.array([0.0, lateral * half, 0.0])
            pts[f"{side}_{joint}_lateral"] = centre + out
            pts[f"{side}_{joint}_medial"] = centre - out
        pts[f"{side}_heel"] = ankle + np.array([-0.05, 0.0, -0.04])
        pts[f"{side}_toe"] = ankle + np.array([0.15, 0.0, -0.06])
        pts[f"{side}_acromion"] = origin + np.array([0.0, lateral * 0.19, 0.45])
    names = list(pts)
    return from_arrays(
        sampling_rate_hz=RATE_HZ,
        position=np.stack([pts[n] for n in names], axis=2),
        keypoint_names=names,
        source_file="synthetic.trc",
    )


def _kp(ds: xr.Dataset, name: str) -> np.ndarray:
    return ds["position"].sel(keypoint=name).values


def test_joint_centres_use_the_best_markers():
    methods = joint_centres(_leg_trial()).methods
    assert methods["hip"].startswith("ASIS pair + mid-PSIS")
    assert "Harrington" in methods["hip"]
    assert methods["left_knee"] == "ISB: hip centre and both epicondyles"
    assert methods["right_ankle"] == "mid-malleoli"


@pytest.mark.parametrize("camera", ["side-left", "side-right"])
def test_side_projection_keeps_the_thigh_angle(camera: str):
    trial = _leg_trial()
    video = project_trial(trial, camera=camera)
    assert video.attrs["source_format"] == "virtual_camera"
    assert video.attrs["view"] == camera
    assert video.attrs["sampling_rate_hz"] == 60.0
    angles = compute_planar_angles(video, view=camera).angles
    time = video["time"].values
    for side in ("left", "right"):
        error = angles.sel(joint=f"{side}_thigh_angle").values - _thigh_deg(time, side)
        assert np.max(np.abs(error)) < 0.05
    reference = reference_angles(trial, fps=60.0)
    np.testing.assert_allclose(
        reference.sel(joint="left_thigh_angle").values,
        _thigh_deg(time, "left"),
        atol=0.01,  # linear resampling of 200 Hz positions to 60 fps
    )


def test_side_left_faces_image_left_with_the_left_side_nearer():
    video = project_trial(_leg_trial(), camera="side-left")
    toe, heel = _kp(video, "left_foot_index"), _kp(video, "left_heel")
    assert np.all(toe[:, 0] < heel[:, 0])
    world = video["world_position"]
    assert world.dims == ("time", "world_space", "keypoint")
    depth = world.sel(world_space="z")
    assert np.all(depth.sel(keypoint="left_hip") < depth.sel(keypoint="right_hip"))
    mirrored = project_trial(_leg_trial(), camera="side-right")
    np.testing.assert_allclose(
        _kp(mirrored, "left_knee")[:, 1], _kp(video, "right_knee")[:, 1], atol=0.5
    )


def test_rear_view_puts_the_right_side_image_right():
    video = project_trial(_leg_trial(), camera="rear")
    assert np.all(_kp(video, "right_hip")[:, 0] > _kp(video, "left_hip")[:, 0])
    assert np.all(
        _kp(video, "right_shoulder")[:, 0] > _kp(video, "left_shoulder")[:, 0]
    )
    keypoints = video["keypoint"].values.tolist()
    assert keypoints[:2] == ["left_shoulder", "right_shoulder"]  # BlazePose order


@pytest.mark.parametrize("follow", ["track", "pan"])
def test_overground_runner_stays_in_the_picture(follow: str):
    video = project_trial(_leg_trial(speed_m_s=3.0), camera="side-right", follow=follow)
    hips_x = _kp(video, "left_hip")[:, 0]
    assert np.all(np.abs(hips_x - 960.0) < 60.0)
    assert video.attrs["camera_follow"] == follow


def test_noise_and_dropouts_are_as_asked():
    clean = project_trial(_leg_trial(), camera="side-left")
    noisy = project_trial(
        _leg_trial(), camera="side-left", noise_leg_fraction=0.01, dropout_fraction=0.1
    )
    diff = (noisy["position"] - clean["position"]).values
    sd_px = 0.01 * noisy.attrs["leg_length_px"]
    assert np.nanstd(diff) == pytest.approx(sd_px, rel=0.1)
    lost = noisy["confidence"].values == 0
    assert lost.mean() == pytest.approx(0.1, abs=0.02)
    assert np.isnan(noisy["position"].values.transpose(0, 2, 1)[lost]).all()
    assert np.all(noisy["confidence"].values[~lost] == 1.0)
    assert noisy.attrs["leg_length_px"] == pytest.approx(
        (THIGH_M + SHANK_M) * 1400 / 5.0, rel=0.02
    )


def test_functional_centre_finds_a_ball_joint():
    time = np.linspace(0, 2, 200)
    centre = np.array([0.1, 0.2, 0.5])
    local_a = [np.array(p) for p in ((0, 0, 0.2), (0.05, 0, 0.25), (0, 0.05, 0.3))]
    local_b = [np.array(p) for p in ((0, 0, -0.2), (0.05, 0, -0.25), (0, 0.06, -0.3))]
    swing = axis_rotation("x", 20 * np.sin(3 * time)) @ axis_rotation(
        "y", 30 * np.sin(2 * time)
    )
    a = [np.broadcast_to(centre + p, (time.size, 3)) for p in local_a]
    b = [centre + np.einsum("tij,j->ti", swing, p) for p in local_b]
    found = functional_centre(a, b)
    np.testing.assert_allclose(found, np.broadcast_to(centre, found.shape), atol=1e-3)


def test_bad_options_and_inputs_are_errors():
    trial = _leg_trial()
    with pytest.raises(InputError, match="Expected camera in"):
        project_trial(trial, camera="top")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="positive distance_m"):
        project_trial(trial, camera="rear", distance_m=0.0)
    with pytest.raises(InputError, match="dropout_fraction in"):
        project_trial(trial, camera="rear", dropout_fraction=1.0)
    no_knees = trial.drop_sel(keypoint=["left_knee_lateral", "left_knee_medial"])
    with pytest.raises(MissingDataError, match="left knee"):
        project_trial(no_knees, camera="rear")
    image = project_trial(trial, camera="rear")
    with pytest.raises(InputError, match="3D positions in metres"):
        project_trial(image.drop_vars("world_position"), camera="rear")


# --- acceptance on real motion capture (docs/video-validation.md) -----------------

FPS = 60.0


def _real(shared_data: Path, name: str) -> tuple[xr.Dataset, list[Event]]:
    from stridescope.gait import detect_force_plate_events, detect_gait_events
    from stridescope.io import load, read_force_plates
    from stridescope.model.trial import events_of

    if name == "hamner":
        folder = shared_data / "mocap-hamner2013-s01-run3ms"
        trial = load(folder / "ikTrackingData.sto")
        forces = read_force_plates(folder / "Run_3_grf.mot")
        return trial, detect_force_plate_events(forces, trial=trial)
    if name == "ja1":
        trial = load(shared_data / "mocap-ja1-run350-opensim" / "run0350cms.trc")
        return trial, detect_gait_events(trial)
    trial = load(shared_data / "mocap-ja1-sprint-c3d-opensim" / "original.c3d")
    return trial, events_of(trial)


#: Reference strikes this close to the clip's ends are not compared: the first
#: Hamner strike (0.11 s in) has no Zeni window before it.
EDGE_S = 0.15


def _strike_errors_frames(detected: list[Event], reference: list[Event], video):
    """|detected - reference| per reference strike, frames; NaN when none is near."""
    t0, t1 = float(video.time[0]) + EDGE_S, float(video.time[-1]) - EDGE_S
    errors = []
    for ref in reference:
        if ref.kind != "foot_strike" or not t0 < ref.time_s < t1:
            continue
        same = [e.time_s for e in detected if (e.side, e.kind) == (ref.side, ref.kind)]
        nearest = min(same, key=lambda t: abs(t - ref.time_s))
        close = abs(nearest - ref.time_s) < 0.1
        errors.append(abs(nearest - ref.time_s) * FPS if close else np.nan)
    return np.array(errors)


def _per_stride_rom(time, values, strides) -> np.ndarray:
    out = []
    for a, b in zip(
        strides["foot_strike_s"], strides["next_foot_strike_s"], strict=True
    ):
        seg = values[(time >= a) & (time <= b)]
        out.append(seg.max() - seg.min())
    return np.array(out)


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "noise", "cutoff_hz"),
    [
        ("hamner", 0.0, None),
        ("hamner", 0.01, None),
        ("ja1", 0.0, None),
        ("ja1", 0.01, None),
        ("sprint", 0.0, 12.0),  # 9.5 m/s: the default 6 Hz smoothing costs 2.9°
    ],
)
def test_side_camera_acceptance(shared_data: Path, name: str, noise: float, cutoff_hz):
    """(a) thigh angle RMSE < 2° vs 3D; (c) strikes median <= 1, max <= 3 frames."""
    from stridescope.gait.keypoint_events import detect_keypoint_events
    from stridescope.processing.cleaning import clean_keypoints

    trial, reference = _real(shared_data, name)
    video = project_trial(trial, camera="side-left", noise_leg_fraction=noise)
    video = clean_keypoints(video, cutoff_hz=cutoff_hz)
    angles = compute_planar_angles(video, view="side-left").angles
    truth = reference_angles(trial, fps=FPS)
    for side in ("left", "right"):
        joint = f"{side}_thigh_angle"
        error = angles.sel(joint=joint).values - truth.sel(joint=joint).values
        assert np.sqrt(np.nanmean(error**2)) < 2.0
    errors = _strike_errors_frames(
        detect_keypoint_events(video, view="side-left"), reference, video
    )
    assert errors.size >= 4
    assert not np.isnan(errors).any()
    assert np.median(errors) <= 1.0
    assert errors.max() <= 3.0


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["hamner", "ja1", "sprint"])
def test_rear_camera_pelvic_obliquity_range(shared_data: Path, name: str):
    """(d) 2D pelvic obliquity range per stride within 2° of the 3D markers'."""
    from stridescope.gait import segment_strides
    from stridescope.processing.cleaning import clean_keypoints

    trial, reference = _real(shared_data, name)
    video = clean_keypoints(project_trial(trial, camera="rear"))
    strides = segment_strides(reference)
    strides = strides[strides["valid"]]
    time = video["time"].values
    flat = compute_planar_angles(video, view="rear").angles.sel(
        joint="pelvis_obliquity"
    )
    truth = reference_angles(trial, fps=FPS).sel(joint="pelvis_obliquity")
    rom_2d = _per_stride_rom(time, flat.values, strides)
    rom_3d = _per_stride_rom(time, truth.values, strides)
    assert abs(rom_2d.mean() - rom_3d.mean()) < 2.0
