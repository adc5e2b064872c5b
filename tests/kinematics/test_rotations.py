"""Rotation matrices, frames and Cardan decompositions (kinematics.rotations)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.kinematics.rotations import (
    axis_rotation,
    compose,
    decompose,
    frame_from_axes,
    relative_rotation,
    unit,
)

outer = st.floats(-179.0, 179.0)
middle = st.floats(-89.0, 89.0)


def test_unit_scales_and_turns_zero_length_into_nan() -> None:
    out = unit([[3.0, 0.0, 4.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(out[0], [0.6, 0.0, 0.8])
    assert np.isnan(out[1]).all()


@pytest.mark.parametrize(
    ("axis", "start", "end"),
    [
        ("x", [0, 1, 0], [0, 0, 1]),
        ("y", [0, 0, 1], [1, 0, 0]),
        ("z", [1, 0, 0], [0, 1, 0]),
    ],
)
def test_axis_rotation_is_right_handed(axis: str, start: list, end: list) -> None:
    np.testing.assert_allclose(axis_rotation(axis, 90.0) @ start, end, atol=1e-12)  # type: ignore[arg-type]


@pytest.mark.parametrize("sequence", ["zxy", "yxz"])
@given(a=outer, b=middle, c=outer)
@settings(max_examples=50, deadline=None)
def test_decompose_inverts_compose(sequence: str, a: float, b: float, c: float) -> None:
    angles = np.array([a, b, c])
    out = decompose(sequence, compose(sequence, angles))  # type: ignore[arg-type]
    np.testing.assert_allclose(out, angles, atol=1e-7)


def test_compose_order_is_intrinsic_first_axis_outermost() -> None:
    expected = axis_rotation("z", 10) @ axis_rotation("x", 20) @ axis_rotation("y", 30)
    np.testing.assert_allclose(compose("zxy", [10, 20, 30]), expected)
    expected = axis_rotation("y", 10) @ axis_rotation("x", 20) @ axis_rotation("z", 30)
    np.testing.assert_allclose(compose("yxz", [10, 20, 30]), expected)


def test_single_plane_rotations_agree_between_orders() -> None:
    for angles in ([15.0, 0.0, 0.0], [0.0, 15.0, 0.0]):
        zxy = compose("zxy", angles)
        np.testing.assert_allclose(decompose("yxz", zxy), [0.0, angles[1], angles[0]])


def test_decompose_propagates_nan_and_rejects_unknown_order() -> None:
    rot = np.stack([np.eye(3), np.full((3, 3), np.nan)])
    out = decompose("zxy", rot)
    np.testing.assert_allclose(out[0], 0.0)
    assert np.isnan(out[1]).all()
    with pytest.raises(ValueError, match="Expected sequence"):
        decompose("xyz", np.eye(3))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("first", "second"),
    [("x", "y"), ("y", "z"), ("z", "x"), ("y", "x"), ("z", "y"), ("x", "z")],
)
def test_frame_from_axes_is_right_handed_and_keeps_primary(
    first: str, second: str
) -> None:
    rng = np.random.default_rng(0)
    p, q = rng.normal(size=(2, 5, 3))
    frames = frame_from_axes(p, q, primary_axis=first, secondary_axis=second)  # type: ignore[arg-type]
    i = "xyz".index(first)
    np.testing.assert_allclose(frames[:, :, i], unit(p), atol=1e-12)
    np.testing.assert_allclose(
        np.swapaxes(frames, 1, 2) @ frames,
        np.broadcast_to(np.eye(3), (5, 3, 3)),
        atol=1e-12,
    )
    np.testing.assert_allclose(np.linalg.det(frames), 1.0)
    j = "xyz".index(second)
    assert np.all(np.sum(frames[:, :, j] * q, axis=-1) > 0)


def test_frame_from_axes_gives_nan_for_parallel_or_missing_vectors() -> None:
    frames = frame_from_axes(
        [[1.0, 0, 0], [np.nan, 0, 0]],
        [[2.0, 0, 0], [0, 1.0, 0]],
        primary_axis="x",
        secondary_axis="y",
    )
    assert np.isnan(frames).all()
    with pytest.raises(ValueError, match="two different axes"):
        frame_from_axes([1, 0, 0], [0, 1, 0], primary_axis="x", secondary_axis="x")


def test_relative_rotation_expresses_distal_in_proximal() -> None:
    proximal = axis_rotation("y", 30.0)
    distal = proximal @ axis_rotation("z", 12.0)
    np.testing.assert_allclose(
        relative_rotation(proximal, distal), axis_rotation("z", 12.0), atol=1e-12
    )
