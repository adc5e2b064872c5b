"""Lossless native save/load of the trial Dataset (netCDF4 via h5netcdf)."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from stridescope.errors import InputError
from stridescope.model.schema import ATTR_SCHEMA_VERSION
from stridescope.model.trial import validate_trial

MAGIC = b"\x89HDF\r\n\x1a\n"


def sniff_netcdf(head: bytes) -> bool:
    """Return True for an HDF5-based netCDF4 file."""
    return head.startswith(MAGIC)


def read_netcdf(path: Path) -> xr.Dataset:
    """Read a trial saved by :func:`write_netcdf`."""
    try:
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            ds = opened.load()
    except (OSError, ValueError) as e:
        raise InputError(f"{path.name}: not a readable stridescope trial ({e}).") from e
    if ATTR_SCHEMA_VERSION not in ds.attrs:
        raise InputError(
            f"{path.name}: expected a stridescope trial (attr 'schema_version'), "
            "but the netCDF file has none."
        )
    for name in ds.variables:
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    return validate_trial(ds)


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` to ``path`` (netCDF4); the caller handles overwrite checks."""
    validate_trial(ds)
    ds.to_netcdf(path, engine="h5netcdf", invalid_netcdf=False)
