"""Gait events (foot strike, toe-off) from the 2D keypoints of one camera (memo B.2).

Side views (``source="detected:keypoints-side"``), per foot:

1. **Windows** (Zeni et al. 2008, Gait Posture 27:710-714, applied to keypoints):
   ``d = (heel_x - midhip_x)`` along the direction of travel (image-left in a
   ``side-left`` view). Its maxima (foot furthest ahead of the hips) open the foot
   strike windows, from ``STRIKE_WINDOW_S[0]`` before to ``STRIKE_WINDOW_S[1]`` after;
   the same signal of the ``foot_index`` has its minima shortly after toe-off. Only
   body-relative horizontal positions are used, so a treadmill, a runner crossing
   the frame and a panning camera are handled alike.
2. **Foot strike**: the first moment the heel or the ``foot_index``, whichever first
   (Handsaker et al. 2016, J Biomech 49:4128), comes within ``LANDING_FRACTION`` of
   the leg length of its lowest image position in that stance (a landing-height rule
   like Fellin et al. 2010's heel minimum, which smoothing would otherwise delay).
   The vertical rule needs a level camera (yaw and tracking are fine; tilting the
   phone during the clip is not).
3. **Toe-off**: peak knee extension (minimum 2D knee flexion; Fellin et al. 2010,
   J Sci Med Sport 13:646-650) between ``TOE_OFF_WINDOW`` strides before and after
   the ``foot_index`` minimum of step 1; without an ankle, the ``foot_index`` rising
   ``TOE_LIFT_FRACTION`` of the leg length above its stance level.

Rear and front views (``"detected:keypoints-rear"`` / ``"-front"``), per foot:
toe-off is the lowest image position of the ``foot_index`` (the stance foot is the
lowest, and it is lowest just before it leaves); foot strike is the first moment,
after the swing's fastest descent, that the heel stops moving down relative to the
mid-hip (heel_y - midhip_y stops growing), which also holds for a camera that
follows or recedes.

An event is dropped when the lower of its foot's ``heel`` and ``foot_index``
visibilities (``confidence``) is below ``MIN_VISIBILITY`` (0.5, memo E) at its frame.
Timing is limited to about one frame: 17 ms at 60 fps, 33 ms at 30 fps, against
contact times of 150-300 ms, so report contact time only at >= 120 fps (memo B.2).
Measured errors against force plates and marker events are in
``docs/video-validation.md``; pass keypoints cleaned by
:func:`~stridescope.processing.cleaning.clean_keypoints`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError
from stridescope.gait._foot import stride_period_s
from stridescope.gait._rules import finite_peaks, parabolic, up_crossings
from stridescope.kinematics.planar import compute_planar_angles, leg_length
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial

__all__ = ["EVENT_VIEWS", "detect_keypoint_events"]

FloatArray = NDArray[np.float64]

EVENT_VIEWS: Final = ("side-left", "side-right", "rear", "front")
#: Foot-strike window around each Zeni maximum: seconds before, seconds after [S].
STRIKE_WINDOW_S: Final = (0.08, 0.15)
#: A foot has landed within this fraction of the leg length of its stance level [S]
#: (1 % of 0.9 m is 9 mm; tuned on virtual-camera trials, docs/video-validation.md).
LANDING_FRACTION: Final = 0.01
#: The stance level is the lowest image position up to this fraction of a stride
#: after the Zeni maximum [S].
LEVEL_SPAN: Final = 0.4
#: Toe-off window, in strides before and after the foot_index Zeni minimum [S].
TOE_OFF_WINDOW: Final = (0.35, 0.1)
#: Fallback toe-off: the foot_index rises this fraction of the leg length [S].
TOE_LIFT_FRACTION: Final = 0.02
#: Extrema of the same foot are at least this fraction of a stride apart, and stand
#: out by this fraction of the signal's range (as for markers, gait._rules) [S].
MIN_PEAK_DISTANCE: Final = 0.6
MIN_PEAK_PROMINENCE: Final = 0.2
#: Events are dropped below this foot visibility (methods memo E) [D].
MIN_VISIBILITY: Final = 0.5

_TRAVEL_X: Final = {"side-left": -1.0, "side-right": 1.0}


@dataclass(frozen=True)
class _Signals:
    """Keypoint arrays of one trial: name -> ``(time, 2)`` image (x, y)."""

    points: dict[str, FloatArray]
    rate_hz: float
    leg_px: float
    n_frames: int

    def get(self, name: str) -> FloatArray:
        return self.points[name]

    def mid_hip(self) -> FloatArray:
        if "left_hip" in self.points and "right_hip" in self.points:
            return 0.5 * (self.points["left_hip"] + self.points["right_hip"])
        return self.points["mid_hip"]


def _signals(ds: xr.Dataset) -> _Signals:
    values = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    names = [str(k) for k in ds[s.KEYPOINT].values]
    points = {n: np.asarray(values[:, :, k], float) for k, n in enumerate(names)}
    needed = [f"{side}_{j}" for side in s.SIDES for j in ("heel", "foot_index")]
    missing = [n for n in needed if n not in points]
    if not ({"left_hip", "right_hip"} <= points.keys() or "mid_hip" in points):
        missing.append("left_hip/right_hip (or mid_hip)")
    if missing:
        raise MissingDataError(
            "Expected heel, foot_index and hip keypoints to detect gait events, but "
            f"these are missing: {', '.join(missing)}."
        )
    rate = float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    return _Signals(points, rate, leg_length(ds), len(ds[s.TIME]))


def _extrema(signal: FloatArray, period_frames: float) -> list[int]:
    """Maxima of ``signal`` one stride apart that stand out (Zeni-like)."""
    if not np.isfinite(signal).any():
        return []
    spread = float(np.nanmax(signal) - np.nanmin(signal))
    peaks = finite_peaks(
        signal,
        distance=int(MIN_PEAK_DISTANCE * period_frames),
        prominence=MIN_PEAK_PROMINENCE * spread,
    )
    return [int(k) for k in peaks]


def _period_frames(signal: FloatArray, rate_hz: float) -> float:
    if np.isfinite(signal).sum() < 3:
        raise MissingDataError(
            "Expected the feet to be seen in at least 3 frames to find the stride "
            "period, but they are missing (low visibility) in nearly every frame."
        )
    return stride_period_s(signal, rate_hz) * rate_hz


def _side_strikes(sig: _Signals, side: str, forward: float) -> list[float]:
    ahead = (sig.get(f"{side}_heel")[:, 0] - sig.mid_hip()[:, 0]) * forward
    period = _period_frames(ahead, sig.rate_hz)
    found = []
    for anchor in _extrema(ahead, period):
        lo = max(0, int(anchor - STRIKE_WINDOW_S[0] * sig.rate_hz))
        hi = min(sig.n_frames, int(np.ceil(anchor + STRIKE_WINDOW_S[1] * sig.rate_hz)))
        span = slice(lo, min(sig.n_frames, int(anchor + LEVEL_SPAN * period) + 1))
        landings = []
        for part in ("heel", "foot_index"):
            y = sig.get(f"{side}_{part}")[:, 1]
            if not np.isfinite(y[span]).any():
                continue
            level = float(np.nanmax(y[span])) - LANDING_FRACTION * sig.leg_px
            landings += up_crossings(y, level, lo=lo, hi=hi + 1)[:1]
        if landings:
            found.append(min(landings))
    return found


def _toe_lift(y: FloatArray, lo: int, hi: int, lift_px: float) -> list[float]:
    """The foot_index rises ``lift_px`` above its lowest point in ``[lo, hi)``."""
    if not np.isfinite(y[lo:hi]).any():
        return []
    bottom = lo + int(np.nanargmax(y[lo:hi]))
    return up_crossings(-y, -(y[bottom] - lift_px), lo=bottom, hi=hi)[:1]


def _side_toe_offs(
    sig: _Signals, side: str, forward: float, knee: FloatArray | None
) -> list[float]:
    toe = sig.get(f"{side}_foot_index")
    behind = -(toe[:, 0] - sig.mid_hip()[:, 0]) * forward
    period = _period_frames(behind, sig.rate_hz)
    found: list[float] = []
    for anchor in _extrema(behind, period):
        lo = max(0, int(anchor - TOE_OFF_WINDOW[0] * period))
        hi = min(sig.n_frames, int(anchor + TOE_OFF_WINDOW[1] * period) + 1)
        if knee is not None and np.isfinite(knee[lo:hi]).any():
            found.append(parabolic(knee, lo + int(np.nanargmin(knee[lo:hi]))))
        else:
            found += _toe_lift(toe[:, 1], lo, hi, TOE_LIFT_FRACTION * sig.leg_px)
    return found


def _knee_flexion(ds: xr.Dataset, view: str, side: str) -> FloatArray | None:
    angles = compute_planar_angles(ds, view=view).angles
    name = f"{side}_knee_flexion"
    if name not in angles[s.JOINT].values:
        return None
    return np.asarray(angles.sel({s.JOINT: name}).values, dtype=float)


def _frontal_events(sig: _Signals, side: str) -> tuple[list[float], list[float]]:
    """(foot strikes, toe-offs) in fractional frames, rear or front view."""
    toe_y = sig.get(f"{side}_foot_index")[:, 1]
    heel_below_hip = sig.get(f"{side}_heel")[:, 1] - sig.mid_hip()[:, 1]
    speed = np.gradient(heel_below_hip)
    period = _period_frames(toe_y, sig.rate_hz)
    strikes, offs = [], []
    for k in _extrema(toe_y, period):
        offs.append(parabolic(toe_y, k))
        lo = max(0, int(k - period))
        if k - lo < 3 or not np.isfinite(heel_below_hip[lo:k]).any():
            continue
        apex = lo + int(np.nanargmin(heel_below_hip[lo:k]))
        if k - apex < 3 or not np.isfinite(speed[apex:k]).any():
            continue
        steepest = apex + int(np.nanargmax(speed[apex:k]))
        strikes += up_crossings(-speed, 0.0, lo=steepest, hi=k + 1)[:1]
    return strikes, offs


def _visible(ds: xr.Dataset, side: str, frames: list[float]) -> list[float]:
    """Frames at which the lower of heel/foot_index visibility reaches 0.5."""
    conf = ds[s.CONFIDENCE].sel({s.KEYPOINT: [f"{side}_heel", f"{side}_foot_index"]})
    values = conf.transpose(s.TIME, s.KEYPOINT).values
    lowest = np.fmin(values[:, 0], values[:, 1])
    last = len(lowest) - 1
    return [
        f
        for f in frames
        if not lowest[min(last, max(0, round(f)))] < MIN_VISIBILITY  # NaN passes
    ]


def _check(ds: xr.Dataset, view: str) -> None:
    validate_trial(ds, require=(s.POSITION,))
    problems = []
    if ds.attrs[s.ATTR_COORDINATE_FRAME] != "image_y_down" or ds.sizes[s.SPACE] != 2:
        problems.append(
            "Expected 2D image keypoints ('image_y_down'), but got "
            f"{ds.sizes[s.SPACE]}D positions in "
            f"{ds.attrs[s.ATTR_COORDINATE_FRAME]!r}; use "
            "stridescope.gait.detect_gait_events for 3D markers."
        )
    if view not in EVENT_VIEWS:
        problems.append(
            f"Expected view in {EVENT_VIEWS}, but got {view!r}; an oblique clip "
            "sees neither the sagittal nor the frontal plane square-on."
        )
    if problems:
        raise InputError(" ".join(problems))


def detect_keypoint_events(ds: xr.Dataset, *, view: str) -> list[Event]:
    """Detect foot strikes and toe-offs of both feet from video keypoints.

    Parameters
    ----------
    ds
        A video trial with 2D ``position`` (pixels, ``image_y_down``) holding
        ``{side}_heel``, ``{side}_foot_index`` and hips (knees and ankles for the
        side-view toe-off rule), cleaned by
        :func:`~stridescope.processing.cleaning.clean_keypoints`.
    view
        ``"side-left"``, ``"side-right"``, ``"rear"`` or ``"front"``
        (:func:`~stridescope.processing.view.detect_view`).

    Returns
    -------
    list of Event
        In time order, with source ``"detected:keypoints-<side|rear|front>"``;
        events whose foot is not visible (module docstring) are left out.

    Raises
    ------
    InputError
        For an invalid or 3D trial, a view other than side, rear or front, or a
        clip shorter than 0.6 s (two of the shortest strides searched).
    MissingDataError
        Without heel, foot_index or hip keypoints.
    """
    _check(ds, view)
    sig = _signals(ds)
    frontal = view not in _TRAVEL_X
    source = "detected:keypoints-" + (view if frontal else "side")
    time_s = np.asarray(ds[s.TIME].values, dtype=float)
    frames = np.arange(sig.n_frames, dtype=float)
    events = []
    for side in s.SIDES:
        if frontal:
            strikes, offs = _frontal_events(sig, side)
        else:
            forward = _TRAVEL_X[view]
            knee = _knee_flexion(ds, view, side)
            strikes = _side_strikes(sig, side, forward)
            offs = _side_toe_offs(sig, side, forward, knee)
        for kind, found in (("foot_strike", strikes), ("toe_off", offs)):
            times = np.interp(_visible(ds, side, found), frames, time_s)
            events += [Event(float(t), side, kind, source) for t in times]
    return sorted(events, key=lambda e: (e.time_s, e.side, e.kind))
