"""Low-pass filtering and gap filling of time series, NaN-aware.

Methods memo section E: markers are smoothed with a zero-lag Butterworth low-pass (a
2nd-order filter run forward and backward, i.e. 4th order overall; Winter 2009), and
short gaps are filled by PCHIP interpolation; longer gaps stay NaN ("nothing lost").

All functions work along the first axis (time) and never modify their input.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import PchipInterpolator
from scipy.signal import butter, sosfiltfilt

from stridescope.errors import InputError
from stridescope.model import schema as s
from stridescope.model.trial import append_log, validate_trial

__all__ = ["fill_gaps", "lowpass", "lowpass_positions"]


def _check_filter(sampling_rate_hz: float, cutoff_hz: float, order: int) -> list[str]:
    problems = []
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0:
        problems.append(
            f"Expected a positive sampling_rate_hz, but got {sampling_rate_hz}."
        )
    elif not 0 < cutoff_hz < sampling_rate_hz / 2:
        problems.append(
            f"Expected 0 < cutoff_hz < {sampling_rate_hz / 2:g} Hz (the Nyquist "
            f"frequency), but got {cutoff_hz}."
        )
    if order < 2 or order % 2:
        problems.append(
            f"Expected an even filter order >= 2 (forward + backward passes), but got "
            f"{order}."
        )
    return problems


def _finite_runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Return ``(start, stop)`` of every run of True values in ``mask``."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _filter_column(
    column: NDArray[np.float64], sos: NDArray[np.float64]
) -> NDArray[np.float64]:
    out = column.copy()
    for start, stop in _finite_runs(np.isfinite(column)):
        if stop - start < 2:
            continue  # a single sample cannot be filtered; keep it as measured
        pad = min(3 * (2 * len(sos) + 1), stop - start - 1)
        out[start:stop] = sosfiltfilt(sos, column[start:stop], padlen=pad)
    return out


def lowpass(
    values: ArrayLike,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float,
    order: int = 4,
) -> NDArray[np.float64]:
    """Zero-lag Butterworth low-pass filter along the first axis, NaN-aware.

    A Butterworth filter of order ``order // 2`` is run forward and backward
    (``filtfilt``), which gives zero phase lag and an overall order of ``order``
    (Winter 2009, *Biomechanics and Motor Control of Human Movement*, ch. 2).
    ``cutoff_hz`` is the design cut-off of each pass (no double-pass correction).
    Each run of finite samples is filtered on its own; NaN gaps stay NaN.

    Parameters
    ----------
    values
        Samples, time along the first axis (any further axes are independent series).
    sampling_rate_hz
        Sampling rate in Hz.
    cutoff_hz
        Cut-off frequency in Hz, below the Nyquist frequency.
    order
        Overall (even) order of the zero-lag filter; 4 by default.

    Returns
    -------
    numpy.ndarray
        Filtered copy of ``values`` (float64, same shape).

    Raises
    ------
    InputError
        For a cut-off at or above Nyquist, a non-positive rate or an odd order.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones(50)
    >>> np.allclose(lowpass(x, sampling_rate_hz=100.0, cutoff_hz=10.0), 1.0)
    True
    """
    problems = _check_filter(sampling_rate_hz, cutoff_hz, order)
    if problems:
        raise InputError("Cannot low-pass filter: " + " ".join(problems))
    arr = np.asarray(values, dtype=float)
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr[:, None]
    sos = np.asarray(
        butter(order // 2, cutoff_hz, fs=sampling_rate_hz, output="sos"), dtype=float
    )
    out = np.empty_like(flat)
    complete = np.all(np.isfinite(flat), axis=0)
    if complete.any() and flat.shape[0] > 1:
        pad = min(3 * (2 * len(sos) + 1), flat.shape[0] - 1)
        out[:, complete] = sosfiltfilt(sos, flat[:, complete], axis=0, padlen=pad)
    else:
        out[:, complete] = flat[:, complete]
    for j in np.flatnonzero(~complete):
        out[:, j] = _filter_column(flat[:, j], sos)
    return out.reshape(arr.shape)


def _fill_column(
    column: NDArray[np.float64], max_gap_frames: int
) -> NDArray[np.float64]:
    finite = np.isfinite(column)
    out = column.copy()
    if finite.sum() < 2 or finite.all():
        return out
    idx = np.arange(column.size)
    # Slopes between values near the smallest normal float overflow in SciPy's
    # harmonic mean; the infinite term then gives a zero derivative, as it should.
    with np.errstate(over="ignore"):
        interpolant = PchipInterpolator(idx[finite], column[finite], extrapolate=False)
    for start, stop in _finite_runs(~finite):
        interior = start > 0 and stop < column.size
        if interior and stop - start <= max_gap_frames:
            out[start:stop] = interpolant(idx[start:stop])
    return out


def fill_gaps(
    values: ArrayLike, *, sampling_rate_hz: float, max_gap_s: float
) -> NDArray[np.float64]:
    """Fill interior NaN gaps of at most ``max_gap_s`` by PCHIP interpolation.

    PCHIP (shape-preserving piecewise cubic Hermite) does not overshoot, so a filled
    marker never leaves the range of its neighbours. A gap's duration is its number
    of missing samples divided by the sampling rate. Longer gaps and gaps at either
    end of the series stay NaN (methods memo E: cubic/PCHIP for short gaps only).

    Parameters
    ----------
    values
        Samples, time along the first axis.
    sampling_rate_hz
        Sampling rate in Hz.
    max_gap_s
        Longest gap to fill, in seconds.

    Returns
    -------
    numpy.ndarray
        Copy of ``values`` (float64) with the short gaps filled.

    Raises
    ------
    InputError
        For a non-positive sampling rate or a negative ``max_gap_s``.

    Examples
    --------
    >>> import numpy as np
    >>> fill_gaps([0.0, np.nan, 2.0], sampling_rate_hz=100.0, max_gap_s=0.05)
    array([0., 1., 2.])
    """
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0 or max_gap_s < 0:
        raise InputError(
            "Expected a positive sampling_rate_hz and max_gap_s >= 0, but got "
            f"{sampling_rate_hz} Hz and {max_gap_s} s."
        )
    arr = np.asarray(values, dtype=float)
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr[:, None]
    max_frames = int(np.floor(max_gap_s * sampling_rate_hz + 1e-9))
    out = np.column_stack(
        [_fill_column(flat[:, j], max_frames) for j in range(flat.shape[1])]
    )
    return out.reshape(arr.shape)


def lowpass_positions(
    ds: xr.Dataset, *, cutoff_hz: float, order: int = 4
) -> xr.Dataset:
    """Return a copy of the trial with ``position`` low-pass filtered (zero lag).

    See :func:`lowpass`; the operation is recorded in the trial's ``log``.

    Parameters
    ----------
    ds
        A trial with a ``position`` variable.
    cutoff_hz
        Cut-off frequency in Hz (methods memo E: 6-12 Hz for running markers).
    order
        Overall (even) order of the zero-lag filter.

    Returns
    -------
    xarray.Dataset
        A new trial; the input is unchanged.

    Raises
    ------
    InputError
        If the trial is invalid, has no positions, or the cut-off is not usable.
    """
    validate_trial(ds, require=(s.POSITION,))
    rate = float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    da = ds[s.POSITION]
    filtered = lowpass(
        da.transpose(s.TIME, ...).values,
        sampling_rate_hz=rate,
        cutoff_hz=cutoff_hz,
        order=order,
    )
    out = ds.copy()
    out[s.POSITION] = da.transpose(s.TIME, ...).copy(data=filtered).transpose(*da.dims)
    return append_log(out, "lowpass_positions", cutoff_hz=float(cutoff_hz), order=order)
