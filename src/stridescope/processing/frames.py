"""Explicit unit scaling and axis conventions, each recorded in the trial's log."""

from __future__ import annotations

import numpy as np
import xarray as xr

from stridescope.errors import InputError
from stridescope.model import schema as s
from stridescope.model.trial import append_log, validate_trial

_TO_METRES = {"mm": 1e-3, "cm": 1e-2, "m": 1.0}

# OpenSim ground (x forward, y up, z right) -> lab z-up (x forward, y left, z up).
_OPENSIM_TO_LAB = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def metres_per_unit(unit: str) -> float:
    """Return the factor converting ``unit`` (``mm``, ``cm``, ``m``) to metres.

    Raises
    ------
    InputError
        For an unknown length unit.
    """
    key = unit.strip().lower()
    if key in ("millimeters", "millimetres"):
        key = "mm"
    if key in ("meters", "metres"):
        key = "m"
    if key not in _TO_METRES:
        raise InputError(
            f"Expected a length unit in {sorted(_TO_METRES)}, but got {unit!r}."
        )
    return _TO_METRES[key]


def to_lab_z_up(ds: xr.Dataset) -> xr.Dataset:
    """Return ``ds`` with positions in the lab z-up frame (x forward, z up).

    OpenSim's y-up ground frame is rotated (x kept, y -> z, z -> -y); a trial already
    in ``lab_z_up`` is returned unchanged. Image frames cannot be converted.

    Raises
    ------
    InputError
        For a trial in image coordinates.
    """
    validate_trial(ds)
    frame = ds.attrs[s.ATTR_COORDINATE_FRAME]
    if frame == "lab_z_up" or s.POSITION not in ds:
        return ds
    if frame != "opensim_y_up":
        raise InputError(
            f"Expected 3D lab coordinates, but the trial is in {frame!r} coordinates."
        )
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    rotated = np.einsum("ij,tjk->tik", _OPENSIM_TO_LAB, pos)
    out = ds.copy()
    out[s.POSITION] = ((s.TIME, s.SPACE, s.KEYPOINT), rotated)
    out.attrs = {**ds.attrs, s.ATTR_COORDINATE_FRAME: "lab_z_up"}
    return append_log(out, "to_lab_z_up", from_frame=frame)
