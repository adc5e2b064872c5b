"""Foot and pelvis signals for kinematic event detection (private).

Turns a 3D trial into plain arrays: the pelvis centre, the foot markers of each side,
the direction of progression (treadmill or overground), the speed and the stride
period. Everything here is geometry; the event rules live in ``_rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import NDArray
from scipy.signal import find_peaks

from stridescope.errors import InputError, MissingDataError
from stridescope.model import schema as s
from stridescope.processing.filtering import fill_gaps, lowpass
from stridescope.processing.frames import to_lab_z_up

FloatArray = NDArray[np.float64]

#: Gaps up to this long are filled (PCHIP) before filtering (methods memo E: <= 0.1 s).
MAX_GAP_S = 0.1
#: Cut-off for positions used to find windows and the progression (methods memo E).
WINDOW_CUTOFF_HZ = 10.0
#: Below this median horizontal pelvis speed the trial is taken as treadmill [S].
TREADMILL_MAX_PELVIS_SPEED_M_S = 0.5
#: Frames whose heel is in the lowest fifth of its heights count as stance when the
#: belt direction of a treadmill is estimated [S].
STANCE_HEIGHT_QUANTILE = 0.2
#: Shortest and longest stride period searched for, in seconds [S].
MIN_STRIDE_S, MAX_STRIDE_S = 0.3, 2.5
#: An autocorrelation peak this close to the highest one is taken as the period [S].
ACF_PEAK_FRACTION = 0.7

#: Foot markers in the order they are tried: vocabulary suffix -> role.
FOOT_MARKERS = {
    "heel": ("heel",),
    "toe": ("toe", "foot_index"),
    "first_metatarsal": ("first_metatarsal",),
    "fifth_metatarsal": ("fifth_metatarsal",),
}


@dataclass(frozen=True)
class Kinematics:
    """Gap-filled marker arrays of one trial, in metres, lab z-up.

    ``feet[side][role]`` is ``(n_frames, 3)`` for the roles of :data:`FOOT_MARKERS`
    that the trial has; ``progression`` is a horizontal unit vector ``(2,)``.
    """

    time_s: FloatArray
    rate_hz: float
    pelvis: FloatArray
    feet: dict[str, dict[str, FloatArray]]
    progression: FloatArray
    speed_m_s: float
    mode: str


def _marker(ds: xr.Dataset, name: str, rate_hz: float) -> FloatArray | None:
    if name not in ds[s.KEYPOINT].values.tolist():
        return None
    xyz = ds[s.POSITION].sel({s.KEYPOINT: name}).transpose(s.TIME, s.SPACE).values
    arr = np.asarray(xyz, dtype=float)
    if not np.isfinite(arr).any():
        return None
    return fill_gaps(arr, sampling_rate_hz=rate_hz, max_gap_s=MAX_GAP_S)


def _mean_of(arrays: list[FloatArray | None]) -> FloatArray | None:
    present = [a for a in arrays if a is not None]
    if not present:
        return None
    return np.asarray(np.mean(np.stack(present), axis=0), dtype=float)


def pelvis_centre(ds: xr.Dataset, rate_hz: float) -> FloatArray:
    """Mean of the anterior (ASIS) and posterior (PSIS or sacrum) pelvis points.

    Falls back to the mid-point of the hip joint centres (pose keypoints).
    """
    found = {
        n: _marker(ds, n, rate_hz)
        for n in ("left_asis", "right_asis", "left_psis", "right_psis", "sacrum")
    }
    front = _mean_of([found["left_asis"], found["right_asis"]])
    back = _mean_of([found["left_psis"], found["right_psis"]])
    centre = _mean_of([front, back if back is not None else found["sacrum"]])
    if centre is None:
        centre = _mean_of([_marker(ds, f"{side}_hip", rate_hz) for side in s.SIDES])
    if centre is None:
        raise MissingDataError(
            "Expected pelvis markers (left/right_asis, left/right_psis or sacrum) or "
            "hip joint centres (left_hip, right_hip), but the trial has none."
        )
    return centre


def foot_markers(ds: xr.Dataset, side: str, rate_hz: float) -> dict[str, FloatArray]:
    """Return the foot markers of ``side`` that the trial has, by role."""
    out: dict[str, FloatArray] = {}
    for role, suffixes in FOOT_MARKERS.items():
        for suffix in suffixes:
            arr = _marker(ds, f"{side}_{suffix}", rate_hz)
            if arr is not None:
                out[role] = arr
                break
    return out


def _check_trial(ds: xr.Dataset) -> xr.Dataset:
    ds = to_lab_z_up(ds)
    problems = []
    if ds.sizes.get(s.SPACE) != 3:
        problems.append(f"Expected 3D positions, but got {ds.sizes.get(s.SPACE)}D.")
    if ds.attrs.get(s.ATTR_SPACE_UNIT) != "m":
        problems.append(
            "Expected positions in metres, but got "
            f"{ds.attrs.get(s.ATTR_SPACE_UNIT)!r}."
        )
    if problems:
        raise InputError("Cannot detect gait events: " + " ".join(problems))
    return ds


def progression_direction(
    time_s: FloatArray,
    rate_hz: float,
    pelvis: FloatArray,
    heels: list[FloatArray],
) -> tuple[FloatArray, float, str]:
    """Return the horizontal progression unit vector, the speed and the mode.

    Overground, progression follows the median horizontal pelvis velocity. On a
    treadmill (median pelvis speed below 0.5 m/s) the stance foot travels backward
    with the belt, so progression is opposite to the median horizontal heel velocity
    over the frames where the heel is low; the speed is then the belt speed.
    """
    pel = lowpass(pelvis, sampling_rate_hz=rate_hz, cutoff_hz=_cut(rate_hz))
    pel_v = np.gradient(pel[:, :2], time_s, axis=0)
    v = np.nanmedian(pel_v, axis=0)
    if np.linalg.norm(v) >= TREADMILL_MAX_PELVIS_SPEED_M_S:
        speed = float(np.linalg.norm(v))
        return v / speed, speed, "overground"
    stance_v = []
    for heel in heels:
        h = lowpass(heel, sampling_rate_hz=rate_hz, cutoff_hz=_cut(rate_hz))
        low = h[:, 2] <= np.nanquantile(h[:, 2], STANCE_HEIGHT_QUANTILE)
        stance_v.append(np.gradient(h[:, :2], time_s, axis=0)[low])
    belt = np.nanmedian(np.concatenate(stance_v), axis=0)
    speed = float(np.linalg.norm(belt))
    if not np.isfinite(speed) or speed == 0.0:
        raise InputError(
            "Cannot find the direction of progression: neither the pelvis nor the "
            "stance feet move horizontally."
        )
    return -belt / speed, speed, "treadmill"


def _cut(rate_hz: float) -> float:
    return min(WINDOW_CUTOFF_HZ, 0.4 * rate_hz)


def extract(ds: xr.Dataset) -> Kinematics:
    """Collect the arrays event detection needs from a 3D marker trial.

    Raises
    ------
    InputError
        For a 2D or pixel trial.
    MissingDataError
        Without pelvis markers, or without heel and toe markers on both sides.
    """
    ds = _check_trial(ds)
    rate = float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    time_s = np.asarray(ds[s.TIME].values, dtype=float)
    pelvis = pelvis_centre(ds, rate)
    feet = {side: foot_markers(ds, side, rate) for side in s.SIDES}
    missing = [
        f"{side}_{role}"
        for side, markers in feet.items()
        for role in ("heel", "toe")
        if role not in markers
    ]
    if missing:
        raise MissingDataError(
            "Expected heel and toe markers on both feet (e.g. left_heel, left_toe), "
            f"but these are missing: {', '.join(missing)}."
        )
    heels = [feet[side]["heel"] for side in s.SIDES]
    direction, speed, mode = progression_direction(time_s, rate, pelvis, heels)
    return Kinematics(time_s, rate, pelvis, feet, direction, speed, mode)


def along_progression(kin: Kinematics, marker: FloatArray) -> FloatArray:
    """Zeni et al. (2008) signal: marker minus pelvis centre, along progression."""
    rel = (marker[:, :2] - kin.pelvis[:, :2]) @ kin.progression
    return lowpass(rel, sampling_rate_hz=kin.rate_hz, cutoff_hz=_cut(kin.rate_hz))


def stride_period_s(signal: FloatArray, rate_hz: float) -> float:
    """Dominant period of a cyclic signal, from its autocorrelation.

    The period is the first autocorrelation peak (lag 0.3-2.5 s) that reaches 70 % of
    the highest one, so multiples of the period are not mistaken for it.
    """
    x = np.where(np.isfinite(signal), signal - np.nanmean(signal), 0.0)
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    lo = int(MIN_STRIDE_S * rate_hz)
    hi = min(int(MAX_STRIDE_S * rate_hz), n - 1)
    if hi <= lo + 1:
        raise InputError(
            f"Expected a trial of at least {2 * MIN_STRIDE_S:g} s to find strides, but "
            f"got {n / rate_hz:.2f} s."
        )
    lags = np.arange(lo, hi)
    unbiased = acf[lo:hi] / (n - lags)
    peaks, _ = find_peaks(unbiased)
    if peaks.size == 0:
        return float(lags[int(np.argmax(unbiased))] / rate_hz)
    best = unbiased[peaks].max()
    first = peaks[unbiased[peaks] >= ACF_PEAK_FRACTION * best][0]
    return float(lags[first] / rate_hz)
