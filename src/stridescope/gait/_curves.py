"""Valid strides, stride-normalised curves and their variability (private).

Re-exported by :mod:`stridescope.gait.metrics`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from stridescope.errors import InputError, InsufficientDataError
from stridescope.model import schema as s


def valid_strides(strides: pd.DataFrame) -> pd.DataFrame:
    """Return the valid rows of a stride table; raise when there are none."""
    missing = {"side", "foot_strike_s", "next_foot_strike_s", "valid"} - set(
        strides.columns
    )
    if missing:
        raise InputError(
            "Expected a stride table from segment_strides, but columns "
            f"{sorted(missing)} are missing."
        )
    valid = strides[strides["valid"].astype(bool)]
    if valid.empty:
        raise InsufficientDataError(
            "Expected at least one valid stride, but the stride table has none; check "
            "the events (see the 'exclusion_reason' column)."
        )
    return valid


def normalise_strides(
    series: xr.DataArray, strides: pd.DataFrame, *, n_points: int = 101
) -> xr.DataArray:
    """Time-normalise a signal to 0-100 % of each valid stride (linear interpolation).

    Parameters
    ----------
    series
        A signal with the single dimension ``time`` (seconds), e.g. one joint angle.
    strides
        Stride table; each valid row gives one curve.
    n_points
        Samples per curve (101 gives 0, 1, ..., 100 %).

    Returns
    -------
    xarray.DataArray
        Dims ``(stride, percent)``; coords ``stride`` (the ``stride_id``), ``side``
        and ``percent``. Points in a gap of ``series`` or outside its time range are
        NaN.

    Raises
    ------
    InputError
        For a series that is not 1-D in time, or ``n_points`` < 2.
    InsufficientDataError
        Without a valid stride.
    """
    if not isinstance(series, xr.DataArray) or series.dims != (s.TIME,) or n_points < 2:
        raise InputError(
            "Expected a DataArray with the single dim 'time' and n_points >= 2, but "
            f"got dims {getattr(series, 'dims', None)} and n_points={n_points}."
        )
    valid = valid_strides(strides)
    time = np.asarray(series[s.TIME].values, dtype=float)
    values = np.asarray(series.values, dtype=float)
    fraction = np.linspace(0.0, 1.0, n_points)
    curves = np.full((len(valid), n_points), np.nan)
    for i, (start, stop) in enumerate(
        zip(valid["foot_strike_s"], valid["next_foot_strike_s"], strict=True)
    ):
        at = start + fraction * (stop - start)
        inside = (at >= time[0]) & (at <= time[-1])
        curves[i, inside] = np.interp(at[inside], time, values)
    return xr.DataArray(
        curves,
        dims=("stride", "percent"),
        coords={
            "stride": valid.index.to_numpy(),
            "side": ("stride", valid["side"].to_numpy(dtype=str)),
            "percent": 100.0 * fraction,
        },
        name=series.name,
        attrs=dict(series.attrs),
    )


def compute_curve_variability(curves: xr.DataArray) -> float:
    """Stride-to-stride variability of normalised curves: mean SD across the cycle.

    The SD (ddof=1) across strides is taken at every percent of the cycle and then
    averaged over the cycle; the unit is that of the curves (degrees for angles).

    Parameters
    ----------
    curves
        Output of :func:`normalise_strides`, dims ``(stride, percent)``.

    Returns
    -------
    float
        Mean SD across the cycle.

    Raises
    ------
    InputError
        For an array without dims ``(stride, percent)``.
    InsufficientDataError
        With fewer than 2 strides.
    """
    if not isinstance(curves, xr.DataArray) or set(curves.dims) != {
        "stride",
        "percent",
    }:
        raise InputError(
            "Expected curves with dims (stride, percent) from normalise_strides, but "
            f"got {getattr(curves, 'dims', None)}."
        )
    if curves.sizes["stride"] < 2:
        raise InsufficientDataError(
            "Expected at least 2 strides to measure variability, but got "
            f"{curves.sizes['stride']}."
        )
    sd = curves.std(dim="stride", ddof=1, skipna=True)
    return float(sd.mean(skipna=True))
