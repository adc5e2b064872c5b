"""The femur carried by a technical thigh cluster (CAST) (kinematics._femur)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from stridescope.kinematics import compute_angles
from stridescope.kinematics._femur import calibration_frames
from stridescope.kinematics.rotations import axis_rotation, compose
from stridescope.kinematics.segments import harrington_hip_centre_offset
from stridescope.model.trial import from_arrays

ISB_IN_LAB = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
SIGN = {"left": -1.0, "right": 1.0}
RATE_HZ = 100.0
# Thigh cluster in the femur frame (m): four markers on the lateral thigh.
CLUSTER = [[0.06, -0.20, 0.07], [0.05, -0.30, 0.08], [0.08, -0.22, 0.02],
           [0.07, -0.32, 0.03]]  # fmt: skip
# Ten frames near extension (knee 5°, hip rotation 0), then ten in deep flexion.
EXTENDED = {"hip": (10.0, 0.0, 0.0), "knee": 5.0}
FLEXED = {"hip": (35.0, 6.0, 12.0), "knee": 100.0}


def _apply(rot: np.ndarray, local: list[float]) -> np.ndarray:
    return np.einsum("tij,j->ti", rot, np.asarray(local, dtype=float))


def _leg(pelvis: np.ndarray, origin: np.ndarray, side: str) -> dict[str, np.ndarray]:
    s, n = SIGN[side], len(origin)
    poses = [EXTENDED] * (n // 2) + [FLEXED] * (n - n // 2)
    hip_deg = np.array([p["hip"] for p in poses]) * [1.0, s, s]
    femur = pelvis @ compose("zxy", hip_deg)
    hip = origin + _apply(pelvis, harrington_hip_centre_offset(0.24, 0.16, side))
    knee = hip + _apply(femur, [0, -0.42, 0])
    shank = femur @ axis_rotation("z", -np.array([p["knee"] for p in poses]))
    out = {
        f"{side}_knee_lateral": knee + _apply(femur, [0, 0, 0.05 * s]),
        f"{side}_patella": knee + _apply(femur, [0.05, 0.0, 0.0]),
        f"{side}_ankle_lateral": knee + _apply(shank, [0, -0.40, 0.035 * s]),
    }
    for k, (x, y, z) in enumerate(CLUSTER):
        out[f"{side[0].upper()}THC{k + 1}"] = hip + _apply(femur, [x, y, z * s])
    return out


def cluster_trial(drop: tuple[str, ...] = ()) -> xr.Dataset:
    """Pelvis, lateral knee, patella, malleolus and four-marker thigh clusters."""
    n = 20
    pelvis = np.broadcast_to(ISB_IN_LAB, (n, 3, 3))
    origin = np.outer(np.arange(n) / RATE_HZ * 1.2, [1, 0, 0])
    origin[:, 2] = 0.95
    markers = {
        "left_asis": origin + _apply(pelvis, [0, 0, -0.12]),
        "right_asis": origin + _apply(pelvis, [0, 0, 0.12]),
        "left_psis": origin + _apply(pelvis, [-0.16, 0, -0.045]),
        "right_psis": origin + _apply(pelvis, [-0.16, 0, 0.045]),
    }
    for side in SIGN:
        markers |= _leg(pelvis, origin, side)
    names = [m for m in markers if m not in drop]
    return from_arrays(
        sampling_rate_hz=RATE_HZ,
        position=np.stack([markers[m] for m in names], axis=-1),
        keypoint_names=names,
        attrs={"left_knee_width_m": 0.086, "right_knee_width_m": 0.086},
    )


def _flexed(result_angles: xr.DataArray, name: str) -> np.ndarray:
    return np.asarray(result_angles.sel(joint=name).values[10:])


@pytest.mark.parametrize("side", list(SIGN))
def test_cluster_carries_the_femur_into_deep_flexion(side: str) -> None:
    result = compute_angles(cluster_trial(), cutoff_hz=None)
    expected = dict(zip(("flexion", "adduction", "internal_rotation"),
                        FLEXED["hip"], strict=True))  # fmt: skip
    for name, value in expected.items():
        np.testing.assert_allclose(
            _flexed(result.angles, f"{side}_hip_{name}"), value, atol=1e-6
        )
    np.testing.assert_allclose(
        _flexed(result.angles, f"{side}_knee_flexion"), 100.0, atol=1e-6
    )
    method = result.methods[f"{side}_femur"]
    assert method.startswith("CAST thigh cluster")
    assert "calibrated on 10 frames with knee flexion <= 20.0°" in method
    assert "patella" in method


def test_without_the_cluster_the_lateral_marker_misses_deep_flexion() -> None:
    clusters = tuple(f"{s}THC{k}" for s in "LR" for k in range(1, 5))
    result = compute_angles(cluster_trial(drop=clusters), cutoff_hz=None)
    error = _flexed(result.angles, "right_hip_adduction") - FLEXED["hip"][1]
    # The chord plane ignores the 12° hip rotation (error ~ offset x sin(rotation) /
    # thigh length); the cluster-borne femur above is exact.
    assert np.abs(error).min() > 0.1
    assert "right_hip_internal_rotation" in result.unavailable


def test_without_a_patella_hip_rotation_stays_unavailable() -> None:
    result = compute_angles(
        cluster_trial(drop=("left_patella", "right_patella")), cutoff_hz=None
    )
    np.testing.assert_allclose(
        _flexed(result.angles, "left_hip_adduction"), FLEXED["hip"][1], atol=1e-6
    )
    assert (
        "thigh cluster with a patella"
        in result.unavailable["left_hip_internal_rotation"]
    )


def test_a_hidden_cluster_marker_is_bridged_by_the_other_three() -> None:
    ds = cluster_trial()
    hidden = ds.copy(deep=True)
    hidden["position"].loc[{"keypoint": "RTHC2"}][12:15] = np.nan
    hidden["position"].loc[{"keypoint": "RTHC3"}][16] = np.nan
    hidden["position"].loc[{"keypoint": "RTHC4"}][16] = np.nan
    full = compute_angles(ds, cutoff_hz=None).angles
    gappy = compute_angles(hidden, cutoff_hz=None).angles
    hip = gappy.sel(joint="right_hip_flexion").values
    np.testing.assert_allclose(np.delete(hip, 16), np.delete(
        full.sel(joint="right_hip_flexion").values, 16), atol=1e-6)  # fmt: skip
    assert np.isnan(hip[16])  # two of four hidden: no pose in that frame


def test_a_cluster_without_a_knee_marker_is_explained() -> None:
    result = compute_angles(cluster_trial(drop=("right_knee_lateral",)), cutoff_hz=None)
    assert result.unavailable["right_hip_flexion"] == (
        "needs a right knee marker (KNE/LEPI) or knee joint centre; none found "
        "(thigh cluster RTHC1, RTHC2, RTHC3, RTHC4 found, but calibrating it needs "
        "a knee marker)"
    )


def test_a_non_rigid_cluster_is_not_used() -> None:
    ds = cluster_trial()
    ds["position"].loc[{"keypoint": "LTHC1", "space": "x"}] += np.linspace(0, 0.2, 20)
    method = compute_angles(ds, cutoff_hz=None).methods["left_femur"]
    assert method.startswith("chord function")
    assert "thigh cluster not used: markers" in method


def test_calibration_frames_rule() -> None:
    valid = np.ones(20, dtype=bool)
    flexion = np.linspace(0.0, 95.0, 20)
    chosen, rule = calibration_frames(flexion, valid)
    assert chosen.tolist() == [True] * 5 + [False] * 15
    assert rule == "5 frames with knee flexion <= 20.0°"
    bent = flexion + 30.0  # never near extension: the least-flexed 10 %
    chosen, rule = calibration_frames(bent, valid)
    assert chosen.sum() == 2
    assert rule == "2 frames with knee flexion <= 39.5°"
    assert calibration_frames(None, valid)[1] == "all 20 frames (no knee angle)"
