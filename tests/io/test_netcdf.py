"""Lossless native save/load of the trial."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stridescope import io
from stridescope.errors import InputError
from stridescope.model.trial import Event, append_log, from_arrays


def _roundtrip(ds: xr.Dataset, folder: Path) -> xr.Dataset:
    path = folder / "trial.nc"
    io.save(ds, path, overwrite=True)
    return io.load(path)


def test_save_load_is_identity_with_events_angles_and_log(tmp_path: Path) -> None:
    ds = from_arrays(
        sampling_rate_hz=250.0,
        position=np.arange(24, dtype=float).reshape(4, 3, 2),
        keypoint_names=["left_asis", "LTH1"],
        keypoint_source_names=["LASI", "LTH1"],
        angle=np.ones((4, 1)),
        joint_names=["left_hip_flexion"],
        events=[Event(0.004, "left", "foot_strike", "file")],
        first_frame=7,
        source_format="c3d",
        source_file="walk.c3d",
    )
    ds = append_log(ds, "scale_to_metres", from_unit="mm")
    back = _roundtrip(ds, tmp_path)
    xr.testing.assert_identical(back, ds)


def test_trial_without_events_round_trips(tmp_path: Path) -> None:
    ds = from_arrays(sampling_rate_hz=100.0, angle=np.zeros((3, 1)), joint_names=["a"])
    xr.testing.assert_identical(_roundtrip(ds, tmp_path), ds)


def test_save_refuses_to_overwrite(tmp_path: Path) -> None:
    ds = from_arrays(sampling_rate_hz=100.0, angle=np.zeros((3, 1)), joint_names=["a"])
    io.save(ds, tmp_path / "t.nc")
    with pytest.raises(InputError, match="already exists"):
        io.save(ds, tmp_path / "t.nc")


def test_save_needs_nc_suffix(tmp_path: Path) -> None:
    ds = from_arrays(sampling_rate_hz=100.0, angle=np.zeros((3, 1)), joint_names=["a"])
    with pytest.raises(InputError, match="expected a '.nc' file name"):
        io.save(ds, tmp_path / "t.h5")


def test_foreign_netcdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.nc"
    xr.Dataset({"v": ("x", [1.0, 2.0])}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(InputError, match="other.nc: expected a stridescope trial"):
        io.load(path)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    values=hnp.arrays(
        float,
        (5, 3, 2),
        elements=st.floats(allow_nan=True, allow_infinity=False, width=64),
    )
)
def test_any_positions_round_trip(tmp_path: Path, values: np.ndarray) -> None:
    ds = from_arrays(sampling_rate_hz=100.0, position=values, keypoint_names=["a", "b"])
    xr.testing.assert_identical(_roundtrip(ds, tmp_path), ds)
