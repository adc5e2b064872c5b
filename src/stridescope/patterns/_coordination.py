"""Pelvis-thorax coordination: continuous relative phase and vector coding (private).

Methods memo C.5 (formulas [D]):

- CRP (Hilbert; Lamb & Stöckl 2014): each angle series is centred on its mean over
  the analysed span, mirror-padded by half its length (to tame the transform's edge
  effects), and its phase is ``atan2(H{x}, x)``; CRP = wrap(phase of the thorax -
  phase of the pelvis). Per stride (0-100 %, circular interpolation), MARP is the
  mean |CRP| (0 = in-phase, 180 deg = anti-phase) and DP the mean over the cycle of
  the circular SD across strides, ``sqrt(-2 ln R)``.
- Vector coding (Chang et al. 2008; Needham et al. 2014): coupling angle
  ``atan2(d thorax, d pelvis)`` on the angle-angle plot of each normalised stride,
  circular mean and Batschelet angular deviation ``sqrt(2 (1 - r))`` across strides,
  and the share of the cycle in the in-phase and anti-phase bins ([U] bin edges).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.signal import hilbert

FloatArray = NDArray[np.float64]
N_POINTS = 101
IN_PHASE_BINS = ((22.5, 67.5), (202.5, 247.5))
ANTI_PHASE_BINS = ((112.5, 157.5), (292.5, 337.5))


@dataclass(frozen=True)
class Coordination:
    """Pelvis-thorax transverse coordination over the strides of one side.

    Attributes
    ----------
    marp_deg
        Mean absolute relative phase of each stride (deg).
    dp_deg
        Deviation phase: mean over the cycle of the circular SD of CRP across
        strides (deg).
    in_phase_pct, anti_phase_pct
        Vector coding: % of the cycle whose mean coupling angle is in the in-phase /
        anti-phase bins.
    coupling_variability_deg
        Vector coding: mean angular deviation of the coupling angle across strides.
    n_strides
        Strides used.
    """

    marp_deg: FloatArray
    dp_deg: float
    in_phase_pct: float
    anti_phase_pct: float
    coupling_variability_deg: float
    n_strides: int


def hilbert_phase(x: FloatArray) -> FloatArray:
    """Phase (rad) of a centred, mirror-padded series by the Hilbert transform."""
    centred = x - np.mean(x)
    pad = min(centred.size - 1, centred.size // 2)
    padded = np.pad(centred, pad, mode="reflect")
    phase = np.angle(hilbert(padded))
    return np.asarray(phase[pad : pad + centred.size], dtype=float)


def _wrap(angle: FloatArray) -> FloatArray:
    return np.asarray(np.angle(np.exp(1j * angle)), dtype=float)


def _curves(
    values: FloatArray, time: FloatArray, rows: pd.DataFrame, *, circular: bool
) -> FloatArray:
    fraction = np.linspace(0.0, 1.0, N_POINTS)
    out = np.empty((len(rows), N_POINTS))
    for i, (start, stop) in enumerate(
        zip(rows["foot_strike_s"], rows["next_foot_strike_s"], strict=True)
    ):
        at = start + fraction * (stop - start)
        if circular:
            c = np.interp(at, time, np.cos(values))
            s = np.interp(at, time, np.sin(values))
            out[i] = np.arctan2(s, c)
        else:
            out[i] = np.interp(at, time, values)
    return out


def _vector_coding(
    pelvis: FloatArray, thorax: FloatArray
) -> tuple[float, float, float]:
    gamma = np.arctan2(np.diff(thorax, axis=1), np.diff(pelvis, axis=1))
    mean_c, mean_s = np.cos(gamma).mean(axis=0), np.sin(gamma).mean(axis=0)
    r = np.clip(np.hypot(mean_c, mean_s), 0.0, 1.0)
    mean_deg = np.degrees(np.arctan2(mean_s, mean_c)) % 360.0

    def share(bins: tuple[tuple[float, float], ...]) -> float:
        inside = np.zeros(mean_deg.shape, dtype=bool)
        for lo, hi in bins:
            inside |= (mean_deg >= lo) & (mean_deg < hi)
        return float(100.0 * inside.mean())

    variability = float(np.degrees(np.mean(np.sqrt(2.0 * (1.0 - r)))))
    return share(IN_PHASE_BINS), share(ANTI_PHASE_BINS), variability


def transverse_coordination(
    pelvis: FloatArray,
    thorax: FloatArray,
    *,
    time_s: FloatArray,
    strides: pd.DataFrame,
) -> Coordination | None:
    """CRP and vector coding of the pelvis (proximal) and thorax (distal) rotation.

    Parameters
    ----------
    pelvis, thorax
        Rotation vs the lab (deg) on ``time`` (s).
    time_s
        Sample times in seconds.
    strides
        The stride rows to use (foot strike to next foot strike of one side).

    Returns
    -------
    Coordination or None
        None with fewer than 2 strides or a gap in either series over the strides.
    """
    time = time_s
    if len(strides) < 2:
        return None
    first = max(int(np.searchsorted(time, strides["foot_strike_s"].min())) - 1, 0)
    last = int(np.searchsorted(time, strides["next_foot_strike_s"].max())) + 1
    span = slice(first, min(last, time.size))  # one sample beyond each end
    p, t = pelvis[span], thorax[span]
    if p.size < 8 or not (np.all(np.isfinite(p)) and np.all(np.isfinite(t))):
        return None
    crp = _wrap(hilbert_phase(np.radians(t)) - hilbert_phase(np.radians(p)))
    curves = _curves(crp, time[span], strides, circular=True)
    marp = np.degrees(np.mean(np.abs(curves), axis=1))
    resultant = np.abs(np.mean(np.exp(1j * curves), axis=0))
    dp = float(
        np.degrees(np.mean(np.sqrt(-2.0 * np.log(np.clip(resultant, 1e-12, 1.0)))))
    )
    in_phase, anti_phase, variability = _vector_coding(
        _curves(p, time[span], strides, circular=False),
        _curves(t, time[span], strides, circular=False),
    )
    return Coordination(marp, dp, in_phase, anti_phase, variability, len(strides))
