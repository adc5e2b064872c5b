"""Technical clusters: label patterns and rigid least-squares fits (_cluster)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.kinematics._cluster import (
    fit_rigid,
    median_rotation,
    reference_shape,
    thigh_cluster_names,
    track_cluster,
)
from stridescope.kinematics.rotations import axis_rotation, compose

SHAPE = np.array(
    [[0.06, -0.20, 0.07], [0.05, -0.30, 0.08], [0.08, -0.22, 0.02], [0.07, -0.32, 0.03]]
)


def _moving(n_frames: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A cluster turned and shifted differently in every frame: (rot, origin, pts)."""
    angles = np.column_stack([np.linspace(0, 80, n_frames), [5.0] * n_frames,
                              np.linspace(-20, 20, n_frames)])  # fmt: skip
    rot = compose("zxy", angles)
    origin = np.column_stack([np.linspace(0, 1, n_frames), [0.2] * n_frames,
                              [0.9] * n_frames])  # fmt: skip
    pts = np.einsum("tij,nj->tni", rot, SHAPE) + origin[:, None]
    return rot, origin, pts


@pytest.mark.parametrize(
    ("label", "side"),
    [("LTHLP", "left"), ("RTHAD", "right"), ("LTH1", "left"), ("r_th2", "right")],
)
def test_thigh_cluster_labels_match(label: str, side: str) -> None:
    assert thigh_cluster_names([label], side) == [label]  # type: ignore[arg-type]
    other = "right" if side == "left" else "left"
    assert thigh_cluster_names([label], other) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "label", ["RTHUMB", "left_thigh_wand", "LTIAP", "LTB1", "LFEO", "PELO", "TH1"]
)
def test_other_labels_are_not_thigh_clusters(label: str) -> None:
    assert thigh_cluster_names([label], "left") == []
    assert thigh_cluster_names([label], "right") == []


def test_fit_recovers_the_pose_with_a_marker_missing() -> None:
    rot, origin, pts = _moving()
    reference = reference_shape(pts)
    assert reference is not None
    pts[2, 1] = np.nan  # one marker hidden: three still fix the pose
    pts[4, :2] = np.nan  # two hidden: no pose
    fitted_rot, fitted_origin, residual = fit_rigid(reference, pts)
    lab = np.einsum("tij,nj->tni", fitted_rot, reference) + fitted_origin[:, None]
    keep = [0, 1, 2, 3, 5]
    expected = np.einsum("tij,nj->tni", rot, SHAPE) + origin[:, None]
    np.testing.assert_allclose(lab[keep], expected[keep], atol=1e-12)
    np.testing.assert_allclose(residual[keep], 0.0, atol=1e-12)
    assert np.isnan(fitted_rot[4]).all()
    assert np.isnan(residual[4])
    dets = np.linalg.det(fitted_rot[keep])
    np.testing.assert_allclose(dets, 1.0)  # rotations, never reflections


@given(noise=st.floats(0.0, 0.004), seed=st.integers(0, 2**16))
@settings(max_examples=20, deadline=None)
def test_fit_is_the_least_squares_pose(noise: float, seed: int) -> None:
    rot, origin, pts = _moving(3)
    rng = np.random.default_rng(seed)
    noisy = pts + rng.normal(0.0, noise, pts.shape)
    fitted_rot, fitted_origin, residual = fit_rigid(SHAPE, noisy)
    fitted = np.einsum("tij,nj->tni", fitted_rot, SHAPE) + fitted_origin[:, None]
    best = np.sqrt(np.mean(np.sum((fitted - noisy) ** 2, -1), -1))
    truth = np.einsum("tij,nj->tni", rot, SHAPE) + origin[:, None]
    at_truth = np.sqrt(np.mean(np.sum((truth - noisy) ** 2, -1), -1))
    np.testing.assert_allclose(residual, best, atol=1e-12)
    assert np.all(best <= at_truth + 1e-12)


def test_median_rotation_ignores_an_outlier() -> None:
    frames = np.stack([axis_rotation("z", a) for a in (9.0, 10.0, 11.0, 10.0, 60.0)])
    np.testing.assert_allclose(median_rotation(frames), axis_rotation("z", 10.0))


def test_track_cluster_drops_a_marker_never_seen_with_the_others() -> None:
    _, _, pts = _moving()
    names = ["A", "B", "C", "D"]
    positions = {n: pts[:, k].copy() for k, n in enumerate(names)}
    positions["D"][::2] = np.nan
    positions["C"][1::2] = np.nan
    pose = track_cluster(positions, names)
    assert not isinstance(pose, str)
    assert pose.names == ("A", "B", "C")  # D dropped; C hidden on odd frames
    carried = pose.to_lab(pose.to_local(positions["A"])[0])
    np.testing.assert_allclose(carried[::2], positions["A"][::2], atol=1e-12)
    assert np.isnan(carried[1::2]).all()  # A and B alone do not fix a pose


def test_track_cluster_refuses_markers_that_do_not_move_rigidly() -> None:
    _, _, pts = _moving()
    pts[:, 0] += np.linspace(0.0, 0.2, pts.shape[0])[:, None]  # slides 20 cm
    reason = track_cluster({str(k): pts[:, k] for k in range(4)}, list("0123"))
    assert isinstance(reason, str)
    assert "do not move as one rigid cluster" in reason
    hidden = {str(k): np.full((6, 3), np.nan) for k in range(4)}
    assert "never seen three at a time" in str(track_cluster(hidden, list("0123")))
