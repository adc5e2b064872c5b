"""Kinematic gait-event rules on plain arrays (private).

Every rule returns fractional frame indices (sub-frame timing from linear
interpolation of threshold crossings and parabolic interpolation of peaks). The
candidate windows come from the Zeni et al. (2008) coordinate signal (foot minus
pelvis centre along progression) or, for toe-off, from the toe's stance minimum.

References
----------
Zeni JA, Richards JG, Higginson JS (2008) Gait Posture 27:710-714.
Handsaker JC, Forrester SE, Folland JP, Black MI, Allen SJ (2016) J Biomech 49:4128.
Hreljac A, Marshall RN (2000) J Biomech 33:783-786.
Fellin RE, Rose WC, Royer TD, Davis IS (2010) J Sci Med Sport 13:646-650.
Leitch J, Stebbins J, Paolini G, Zavatsky AB (2011) Gait Posture 33:130-132.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import minimum_filter1d
from scipy.signal import find_peaks

from stridescope.gait._foot import FloatArray, Kinematics, along_progression
from stridescope.processing.filtering import lowpass

#: Cut-off for acceleration and jerk signals (methods memo E: 20-30 Hz) [S].
EVENT_CUTOFF_HZ = 25.0
#: Zeni windows for foot strike: from 15 % of a stride before the heel's most
#: forward point to 40 % after it [S].
STRIKE_WINDOW = (0.15, 0.40)
#: A marker has landed when its vertical velocity turns upward within this height
#: of its lowest point in the stride [S].
LANDING_GATE_M = 0.005
#: The impact acceleration peak is searched this long before/after landing [S].
IMPACT_BEFORE_S, IMPACT_AFTER_S = 0.06, 0.02
#: Toe-off when the toe has risen this much above its stance minimum [S]; in the
#: spirit of Leitch et al. (2011), who used the hallux vertical position.
TOE_LIFT_M = 0.010
#: A toe minimum counts as stance when it is at least this far (and this fraction
#: of the toe's height range) below the neighbouring peaks [S].
STANCE_TOE_GATE_M = 0.02
STANCE_TOE_PROMINENCE = 0.25
#: The toe counts as still (in stance) below this vertical speed [S].
STILL_TOE_SPEED_M_S = 0.25
#: Peaks of the same side are at least this fraction of a stride apart [S].
MIN_PEAK_DISTANCE = 0.6
#: Zeni extrema must stand out by this fraction of the signal's range [S].
MIN_PEAK_PROMINENCE = 0.2


def _index_array(n: int) -> FloatArray:
    return np.arange(n, dtype=float)


def finite_peaks(
    x: FloatArray, *, distance: int, prominence: float
) -> NDArray[np.intp]:
    """Indices of the local maxima of ``x``, found in each finite run separately."""
    finite = np.isfinite(x)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(int), [0]))))
    found: list[NDArray[np.intp]] = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        peaks, _ = find_peaks(
            x[start:stop], distance=max(1, distance), prominence=prominence
        )
        found.append(peaks + start)
    return np.concatenate(found) if found else np.array([], dtype=np.intp)


def parabolic(y: FloatArray, k: int) -> float:
    """Sub-sample position of the extremum at ``k`` (parabola through 3 samples)."""
    if 0 < k < y.size - 1 and np.all(np.isfinite(y[k - 1 : k + 2])):
        a, b, c = y[k - 1], y[k], y[k + 1]
        curvature = a - 2.0 * b + c
        if curvature != 0.0:
            return float(k + 0.5 * (a - c) / curvature)
    return float(k)


def up_crossings(y: FloatArray, level: float, *, lo: int, hi: int) -> list[float]:
    """Fractional indices in ``[lo, hi)`` where ``y`` rises through ``level``."""
    seg = y[lo:hi] - level
    ks = np.flatnonzero((seg[:-1] <= 0) & (seg[1:] > 0))
    return [lo + k + float(-seg[k] / (seg[k + 1] - seg[k])) for k in ks]


def vertical(kin: Kinematics, marker: FloatArray, derivative: int) -> FloatArray:
    """Vertical position (0), velocity (1), acceleration (2) or jerk (3)."""
    cutoff = min(EVENT_CUTOFF_HZ, 0.4 * kin.rate_hz)
    z = lowpass(marker[:, 2], sampling_rate_hz=kin.rate_hz, cutoff_hz=cutoff)
    for _ in range(derivative):
        z = np.gradient(z, kin.time_s)
    return z


def zeni_extrema(
    kin: Kinematics, marker: FloatArray, *, period_s: float, sign: float
) -> list[float]:
    """Maxima (``sign=1``) or minima (``sign=-1``) of the Zeni coordinate signal."""
    d = sign * along_progression(kin, marker)
    rng = float(np.nanmax(d) - np.nanmin(d))
    peaks = finite_peaks(
        d,
        distance=int(MIN_PEAK_DISTANCE * period_s * kin.rate_hz),
        prominence=MIN_PEAK_PROMINENCE * rng,
    )
    return [parabolic(d, int(k)) for k in peaks]


def _landing(
    z: FloatArray, vz: FloatArray, *, lo: int, hi: int, floor: float
) -> float | None:
    """Fellin et al. (2010): the marker's vertical velocity turns from down to up."""
    idx = _index_array(z.size)
    for k in up_crossings(vz, 0.0, lo=lo, hi=hi):
        if float(np.interp(k, idx, z)) <= floor + LANDING_GATE_M:
            return k
    return None


def _impact(acc: FloatArray, landing: float, rate_hz: float) -> float:
    """Peak vertical acceleration around landing (Handsaker 2016; Hreljac 2000)."""
    a0 = max(0, int(np.floor(landing - IMPACT_BEFORE_S * rate_hz)))
    a1 = min(acc.size, int(np.ceil(landing + IMPACT_AFTER_S * rate_hz)) + 1)
    seg = acc[a0:a1]
    if not np.isfinite(seg).any():
        return landing
    return a0 + parabolic(seg, int(np.nanargmax(seg)))


def foot_strikes(
    kin: Kinematics, side: str, *, markers: tuple[str, ...], rule: str, period_s: float
) -> list[float]:
    """Foot strikes of ``side`` by ``rule``: ``impact``, ``landing`` or ``zeni``.

    Windows open around each Zeni heel maximum. With several ``markers`` (heel,
    first/fifth metatarsal) the earliest one wins ("whichever first", Handsaker).
    """
    anchors = zeni_extrema(kin, kin.feet[side]["heel"], period_s=period_s, sign=1.0)
    if rule == "zeni":
        return anchors
    n = kin.time_s.size
    step = period_s * kin.rate_hz
    signals = []
    for role in markers:
        z = vertical(kin, kin.feet[side][role], 0)
        vz = np.gradient(z, kin.time_s)
        signals.append((z, vz, np.gradient(vz, kin.time_s)))
    found = []
    for anchor in anchors:
        lo = max(0, int(anchor - STRIKE_WINDOW[0] * step))
        hi = min(n, int(anchor + STRIKE_WINDOW[1] * step) + 1)
        stride = slice(int(anchor), min(n, int(anchor + step) + 1))
        candidates = []
        for z, vz, acc in signals:
            landing = _landing(z, vz, lo=lo, hi=hi, floor=float(np.nanmin(z[stride])))
            if landing is not None and rule == "impact":
                landing = _impact(acc, landing, kin.rate_hz)
            if landing is not None:
                candidates.append(landing)
        if candidates:
            found.append(min(candidates))
    return found


def local_floor(z: FloatArray, window: int) -> FloatArray:
    """Lowest height within ``window`` frames of each frame (a local floor level)."""
    filled = np.where(np.isfinite(z), z, np.inf)
    return np.asarray(minimum_filter1d(filled, size=max(1, window), mode="nearest"))


def _stance_toe_minima(kin: Kinematics, z: FloatArray, period_s: float) -> list[int]:
    """Toe minima that stand out like stance phases, one per stride.

    A stance minimum must be at least 20 mm, and a quarter of the toe's height range,
    below the neighbouring swing peaks; the small dip of the toe in mid-swing is not.
    Frame 0 counts as a minimum when the toe is still there (a trial starting in
    stance). No absolute floor is used, so a sloped lab floor does no harm.
    """
    spread = float(np.nanquantile(z, 0.95) - np.nanquantile(z, 0.05))
    padded = np.concatenate((z[1:2], z))  # mirror frame 1 so frame 0 can be a minimum
    peaks = finite_peaks(
        -padded,
        distance=int(MIN_PEAK_DISTANCE * period_s * kin.rate_hz),
        prominence=max(STANCE_TOE_GATE_M, STANCE_TOE_PROMINENCE * spread),
    )
    still = abs(float(np.gradient(z[:3], kin.time_s[:3])[0])) <= STILL_TOE_SPEED_M_S
    return [int(k) - 1 for k in peaks if k > 1 or still]


def toe_offs(kin: Kinematics, side: str, *, rule: str, period_s: float) -> list[float]:
    """Toe-offs of ``side`` by ``rule``: ``toe_height``, ``jerk`` or ``zeni``.

    ``toe_height``: the toe rises 10 mm above its stance minimum. ``jerk``: the peak
    vertical jerk of the toe between its stance minimum and a 20 mm rise (Handsaker).
    ``zeni``: minimum of toe minus pelvis centre along progression.
    """
    toe = kin.feet[side]["toe"]
    if rule == "zeni":
        return zeni_extrema(kin, toe, period_s=period_s, sign=-1.0)
    z = vertical(kin, toe, 0)
    jerk = vertical(kin, toe, 3) if rule == "jerk" else z
    limit = int(MIN_PEAK_DISTANCE * period_s * kin.rate_hz)
    found = []
    for k in _stance_toe_minima(kin, z, period_s):
        hi = min(z.size, k + limit)
        lifted = up_crossings(z, z[k] + TOE_LIFT_M, lo=k, hi=hi)
        if not lifted:
            continue
        if rule != "jerk":
            found.append(lifted[0])
            continue
        raised = up_crossings(z, z[k] + 2 * TOE_LIFT_M, lo=k, hi=hi)
        seg = jerk[k : int(np.ceil(raised[0])) + 1 if raised else hi]
        found.append(k + parabolic(seg, int(np.nanargmax(seg))))
    return found
