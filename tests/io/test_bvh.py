"""Tests of the BVH reader: parsing, forward kinematics, names, units, axes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from stridescope.errors import InputError, StridescopeWarning
from stridescope.io.bvh import read_bvh, sniff_bvh
from tests.fixtures.bvh_synthetic import bvh_text, gait_like_motion, motion_row

HIP = np.array([0.1, 0.0, 0.0])  # LeftUpLeg offset from Hips (file frame, y up)
SHANK = np.array([0.0, -0.45, 0.0])  # LeftLeg offset
FOOT = np.array([0.0, -0.42, 0.0])  # LeftFoot offset


def _lab(v: np.ndarray) -> np.ndarray:
    """File (x, y, z) with y up -> lab (x, -z, y)."""
    return np.array([v[0], -v[2], v[1]])


def _read(tmp_path: Path, rows: np.ndarray, **kwargs) -> object:
    path = tmp_path / "leg.bvh"
    path.write_text(bvh_text(rows, **kwargs))
    return read_bvh(path, length_unit="m")


def _joint(ds, name: str) -> np.ndarray:
    return ds.position.sel(keypoint=name).transpose("time", "space").values


def test_sniff_bvh() -> None:
    assert sniff_bvh(b"HIERARCHY\nROOT Hips\n{")
    assert sniff_bvh(b"\xef\xbb\xbf  HIERARCHY\n")
    assert not sniff_bvh(b"PathFileType")


def test_rest_pose_is_the_sum_of_offsets(tmp_path: Path) -> None:
    ds = _read(tmp_path, motion_row(Hips_Yposition=0.92)[None, :].repeat(2, 0))
    root = np.array([0.0, 0.92, 0.0])
    np.testing.assert_allclose(_joint(ds, "left_hip")[0], _lab(root + HIP))
    np.testing.assert_allclose(
        _joint(ds, "LeftFoot_end")[0],
        _lab(root + HIP + SHANK + FOOT + np.array([0.0, -0.05, 0.15])),
    )
    np.testing.assert_allclose(
        _joint(ds, "head")[0], _lab(root + np.array([0.0, 0.75, 0.0]))
    )


def test_knee_rotation_by_hand(tmp_path: Path) -> None:
    # Rx(90) turns the shank (0, -0.42, 0) into (0, 0, -0.42).
    rows = motion_row(LeftLeg_Xrotation=90.0)[None, :].repeat(2, 0)
    ds = _read(tmp_path, rows)
    knee = HIP + SHANK
    np.testing.assert_allclose(_joint(ds, "left_knee")[0], _lab(knee), atol=1e-12)
    np.testing.assert_allclose(
        _joint(ds, "left_ankle")[0],
        _lab(knee + np.array([0.0, 0.0, -0.42])),
        atol=1e-12,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_channel_orders_match_independent_rotations(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hip_zxy, knee_zyx, root_zxy = rng.uniform(-60, 60, size=(3, 3))
    rows = motion_row(
        Hips_Xposition=0.3,
        Hips_Zrotation=root_zxy[0],
        Hips_Xrotation=root_zxy[1],
        Hips_Yrotation=root_zxy[2],
        LeftUpLeg_Zrotation=hip_zxy[0],
        LeftUpLeg_Xrotation=hip_zxy[1],
        LeftUpLeg_Yrotation=hip_zxy[2],
        LeftLeg_Zrotation=knee_zyx[0],
        LeftLeg_Yrotation=knee_zyx[1],
        LeftLeg_Xrotation=knee_zyx[2],
    )[None, :].repeat(2, 0)
    ds = _read(tmp_path, rows)
    # Intrinsic upper-case sequences in scipy: "ZXY" -> Rz @ Rx @ Ry (column vectors).
    r_root = Rotation.from_euler("ZXY", root_zxy, degrees=True).as_matrix()
    r_hip = Rotation.from_euler("ZXY", hip_zxy, degrees=True).as_matrix()
    r_knee = Rotation.from_euler("ZYX", knee_zyx, degrees=True).as_matrix()
    root = np.array([0.3, 0.0, 0.0])
    hip = root + r_root @ HIP
    knee = hip + r_root @ r_hip @ SHANK
    ankle = knee + r_root @ r_hip @ r_knee @ FOOT
    np.testing.assert_allclose(_joint(ds, "left_hip")[0], _lab(hip), atol=1e-5)
    np.testing.assert_allclose(_joint(ds, "left_knee")[0], _lab(knee), atol=1e-5)
    np.testing.assert_allclose(_joint(ds, "left_ankle")[0], _lab(ankle), atol=1e-5)
    wrong = (
        knee
        + r_root
        @ r_hip
        @ Rotation.from_euler("ZXY", knee_zyx, degrees=True).as_matrix()
        @ FOOT
    )
    assert not np.allclose(_joint(ds, "left_ankle")[0], _lab(wrong), atol=1e-3)


def test_names_rate_and_channels(tmp_path: Path) -> None:
    ds = _read(tmp_path, gait_like_motion(20), frame_time_s=0.008333)
    assert ds.keypoint.values.tolist() == [
        "pelvis_origin",
        "left_hip",
        "left_knee",
        "left_ankle",
        "LeftFoot_end",
        "lumbar",
        "head",
        "Head_end",
    ]
    assert ds.keypoint_source_name.values.tolist()[:2] == ["Hips", "LeftUpLeg"]
    assert ds.attrs["sampling_rate_hz"] == pytest.approx(120.0048, abs=1e-3)
    assert float(ds.time[1]) == pytest.approx(0.008333)
    assert "LeftLeg_Yrotation" in ds.joint.values
    np.testing.assert_allclose(
        ds.angle.sel(joint="LeftLeg_Xrotation").values,
        gait_like_motion(20)[:, 9 + 2],  # Hips 6 + LeftUpLeg 3, then Z Y X
        atol=1e-6,
    )
    assert ds.attrs["coordinate_frame"] == "lab_z_up"


@pytest.mark.parametrize(
    ("scale", "unit"), [(1.0, "m"), (100.0, "cm"), (1 / 0.0254, "in")]
)
def test_length_unit_inferred_from_height(
    tmp_path: Path, scale: float, unit: str
) -> None:
    path = tmp_path / "u.bvh"
    rows = gait_like_motion(5)
    path.write_text(bvh_text(rows, scale=scale))
    with pytest.warns(StridescopeWarning, match=f"assuming '{unit}'"):
        ds = read_bvh(path)
    reference = _read(tmp_path, rows)
    np.testing.assert_allclose(ds.position.values, reference.position.values, atol=1e-5)
    log = {e["operation"]: e for e in json.loads(ds.attrs["log"])}
    assert log["length_unit"]["method"] == "inferred"
    assert (unit == "m") != ("scale_to_metres" in log)


def test_length_unit_override_and_bad_height(tmp_path: Path) -> None:
    path = tmp_path / "small.bvh"
    path.write_text(bvh_text(gait_like_motion(3), scale=10.0))  # 18.2: fits nothing
    with pytest.raises(InputError, match="length_unit"):
        read_bvh(path)
    ds = read_bvh(path, length_unit="mm")  # given: no warning
    assert float(ds.position.sel(keypoint="left_hip").isel(time=0).sel(space="z")) < 0.1
    with pytest.raises(InputError, match="furlong"):
        read_bvh(path, length_unit="furlong")


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda t: t.replace("MOTION", "MOTON"), "sections is missing|section"),
        (lambda t: t.rsplit(" ", 1)[0] + "\n", "partial row"),
        (lambda t: t.replace("CHANNELS 3", "CHANNELS x", 1), "malformed HIERARCHY"),
        (lambda t: t.replace("OFFSET", "OFSET", 1), "malformed HIERARCHY"),
        (lambda t: t.replace("Frame Time", "Frame Tim"), "Frame Time"),
        (lambda t: t[: t.rindex("\n", 0, -1)] + "\n1.0 abc\n", "numbers|partial"),
        (lambda t: "", "empty"),
    ],
)
def test_bad_files(tmp_path: Path, edit, match: str) -> None:
    path = tmp_path / "bad.bvh"
    path.write_text(edit(bvh_text(gait_like_motion(3))))
    with pytest.raises(InputError, match=f"^bad.bvh: .*({match})"):
        read_bvh(path, length_unit="m")


def test_frame_count_mismatch_warns(tmp_path: Path) -> None:
    path = tmp_path / "f.bvh"
    path.write_text(bvh_text(gait_like_motion(4)).replace("Frames: 4", "Frames: 6"))
    with pytest.warns(StridescopeWarning, match="expected 6 frames"):
        ds = read_bvh(path, length_unit="m")
    assert ds.sizes["time"] == 4


def test_committed_bvh_is_in_centimetres(test_data: Path) -> None:
    with pytest.warns(StridescopeWarning, match="assuming 'cm'"):
        ds = read_bvh(test_data / "synthetic_leg.bvh")
    pelvis = ds.position.sel(keypoint="pelvis_origin")
    # root moves 0.02 m per frame along file +z -> lab -y; height 0.92 m
    np.testing.assert_allclose(pelvis.sel(space="z"), 0.92, atol=1e-6)
    np.testing.assert_allclose(pelvis.sel(space="y").diff("time"), -0.02, atol=1e-6)
