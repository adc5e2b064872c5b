"""Gait events (foot strike, toe-off) from the 2D keypoints of one camera (memo B.2).

Pose models often exchange the two legs' labels in a side view, and edited clips
change speed, so the rhythm is found first, from a signal blind to the labels:

1. **Steps**: the distance between the feet (mean of ``heel`` and ``foot_index``),
   along image x in a side view, image y in a rear or front view (the leading foot
   is farther from the camera), peaks once per step. The local step period is the
   first peak, reaching ``ACF_PEAK_FRACTION`` of the highest, of its windowed
   autocorrelation (each lag over ``TEMPO_WINDOW_LAGS`` lags around the frame;
   lags ``MIN_STEP_S``-``MAX_STEP_S`` of *video* time, so a slow-motion clip is
   measured as it is and judged by the caller). Maxima standing out by
   ``MIN_PEAK_PROMINENCE`` of the range are kept, highest first, at least
   ``MIN_PEAK_DISTANCE`` local periods apart, and cut into runs of regular steps
   (``STEP_RATIO_RANGE`` of the run's recent median); runs under ``MIN_RUN_STEPS``
   are dropped (stepping onto a treadmill, a pause).
2. **Sides**: steps alternate feet; in each run the foot ahead at each step votes
   for the phase, so frames with exchanged labels do not exchange events.
3. **Side view, running** (Zeni et al. 2008, Gait Posture 27:710-714, on
   body-relative keypoints: treadmill, crossing runner and panning camera alike):
   the strike is the first moment the leading heel or ``foot_index`` (Handsaker et
   al. 2016, J Biomech 49:4128) comes within ``LANDING_FRACTION`` of the leg length
   of its lowest image position, around the heel's forward extreme
   (``STRIKE_WINDOW_S``, or ``STRIKE_WINDOW_STEPS`` of a slow step); a landing that
   is not seen gives no strike. Toe-off is the trailing leg's peak knee extension
   (Fellin et al. 2010, J Sci Med Sport 13:646-650) within ``TOE_OFF_WINDOW``
   strides of its ``foot_index``'s backward extreme (without knees, the
   ``foot_index`` rising ``TOE_LIFT_FRACTION`` of the leg). Needs a level camera.
4. **Side view, walking**: Zeni's rule as published for walking: the leading heel's
   forward and the trailing ``foot_index``'s backward extremes.
5. **Rear or front, running** (labels are reliable there), per foot with the stride
   from step 1: toe-off is the lowest image point of the ``foot_index`` relative to
   the mid-hip; the strike the first moment, after the swing's fastest descent,
   that the heel stops moving down relative to the mid-hip. **Walking**: the strike
   is the feet's widest split in depth (Zeni along the camera axis), the trailing
   toe-off its lowest point within ``WALK_TOE_OFF_WINDOW`` steps.

``activity="auto"`` takes steps longer than ``WALKING_MIN_STEP_S`` as walking. The
person is assumed to move the way they face
(:func:`~stridescope.processing.view.detect_direction_changes` finds where not). An
event is dropped when the lower of its foot's heel and ``foot_index`` visibilities
is below ``MIN_VISIBILITY`` (memo E). Timing is limited to about one frame (33 ms at
30 fps against 150-300 ms contacts: contact time needs >= 120 fps, memo B.2).
Errors measured on virtual-camera and real clips: ``docs/video-validation.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, InsufficientDataError, MissingDataError
from stridescope.gait._rules import finite_peaks, parabolic, up_crossings
from stridescope.kinematics.planar import compute_planar_angles, leg_length
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial

__all__ = ["EVENT_VIEWS", "STEP_RATIO_RANGE", "detect_keypoint_events"]

FloatArray = NDArray[np.float64]

EVENT_VIEWS: Final = ("side-left", "side-right", "rear", "front")
ACTIVITIES: Final = ("auto", "running", "walking")
#: Step periods searched, in seconds of video (400 to 24 steps/min) [S].
MIN_STEP_S: Final = 0.15
MAX_STEP_S: Final = 2.5
#: The first autocorrelation peak this close to the highest one is the period [S].
ACF_PEAK_FRACTION: Final = 0.6
#: Steps are at least this fraction of the step period apart, and their maxima stand
#: out by this fraction of the step signal's range (as for markers, gait._rules) [S].
MIN_PEAK_DISTANCE: Final = 0.6
MIN_PEAK_PROMINENCE: Final = 0.2
#: A step is regular within this range of the median of its run's last
#: ``RUN_MEDIAN_STEPS`` steps (methods memo B.4 uses 0.7-1.3 for strides) [S].
STEP_RATIO_RANGE: Final = (0.6, 1.6)
RUN_MEDIAN_STEPS: Final = 4
#: Runs with fewer steps are dropped: alternation cannot be checked on them [S].
MIN_RUN_STEPS: Final = 3
#: The local autocorrelation at lag L spans this many lags around each frame, and
#: its peaks count above this correlation; the period is then smoothed over
#: ``TEMPO_SMOOTHING_S`` either side [S].
TEMPO_WINDOW_LAGS: Final = 3.0
MIN_TEMPO_CORRELATION: Final = 0.3
TEMPO_SMOOTHING_S: Final = 0.5
#: The heel's forward (and the foot_index's backward) extreme is looked for this
#: fraction of a step around the step signal's maximum [S].
ANCHOR_SPAN: Final = 0.4
#: Foot-strike window around the heel's forward extreme, seconds before and after,
#: or these fractions of a step when larger (slow rhythms) [S].
STRIKE_WINDOW_S: Final = (0.08, 0.15)
STRIKE_WINDOW_STEPS: Final = (0.25, 0.45)
#: A foot has landed within this fraction of the leg length of its stance level [S]
#: (1 % of 0.9 m is 9 mm; tuned on virtual-camera trials, docs/video-validation.md).
LANDING_FRACTION: Final = 0.01
#: The stance level is the lowest image position up to this fraction of a stride
#: after the heel's forward extreme [S].
LEVEL_SPAN: Final = 0.4
#: Toe-off window, in strides before and after the foot_index's backward extreme [S].
TOE_OFF_WINDOW: Final = (0.35, 0.1)
#: Fallback toe-off: the foot_index rises this fraction of the leg length [S].
TOE_LIFT_FRACTION: Final = 0.02
#: Rear/front views with ``activity="auto"``: steps longer than this (below 140
#: steps/min of video) are taken as walking [S]. Walking foot strikes are the
#: widest split of the feet in depth (Zeni's rule along the camera axis), toe-off
#: the trailing foot_index's lowest image point within these fractions of a step
#: before and after the strike [S].
WALKING_MIN_STEP_S: Final = 60.0 / 140.0
WALK_TOE_OFF_WINDOW: Final = (0.25, 0.5)
#: Events are dropped below this foot visibility (methods memo E) [D].
MIN_VISIBILITY: Final = 0.5

_TRAVEL_X: Final = {"side-left": -1.0, "side-right": 1.0}
#: Sign that makes the step signal positive when the left foot leads.
_LEAD_SIGN: Final = {"side-left": -1.0, "side-right": 1.0, "rear": -1.0, "front": 1.0}
_OTHER: Final = {"left": "right", "right": "left"}


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

    def foot(self, side: str) -> FloatArray:
        """Mean of heel and foot_index (NaN unless both are seen)."""
        return 0.5 * (self.points[f"{side}_heel"] + self.points[f"{side}_foot_index"])


@dataclass(frozen=True)
class _Step:
    """One step: frame of the feet's widest split, foot ahead, sides, period."""

    frame: int
    lead: str
    side: str
    period: float


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


def _lead_signal(sig: _Signals, view: str) -> FloatArray:
    """Left foot minus right foot along the view's split axis (+ left ahead)."""
    axis = 0 if view in _TRAVEL_X else 1
    gap = sig.foot("left")[:, axis] - sig.foot("right")[:, axis]
    return np.asarray(_LEAD_SIGN[view] * gap / sig.leg_px, dtype=float)


def _moving_sum(a: FloatArray, half: int) -> FloatArray:
    """Sum of ``a`` over ``[k - half, k + half]`` (clipped at the ends), per k."""
    total = np.concatenate(([0.0], np.cumsum(a)))
    k = np.arange(a.size)
    return np.asarray(
        total[np.minimum(k + half + 1, a.size)] - total[np.maximum(k - half, 0)]
    )


def _lagged_correlation(x: FloatArray, lag: int) -> FloatArray:
    """Pearson r of ``x(t)`` with ``x(t + lag)`` over ``TEMPO_WINDOW_LAGS`` lags.

    Indexed by the pair's centre frame; NaN where too few pairs are finite.
    """
    a, b = x[:-lag], x[lag:]
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = np.where(ok, a, 0.0), np.where(ok, b, 0.0)
    half = round(TEMPO_WINDOW_LAGS * lag / 2)
    count, sa, sb = (_moving_sum(v, half) for v in (ok.astype(float), a, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = _moving_sum(a * b, half) - sa * sb / count
        var = (_moving_sum(a * a, half) - sa**2 / count) * (
            _moving_sum(b * b, half) - sb**2 / count
        )
        r = cov / np.sqrt(var)
    r[~(count >= 0.6 * (2 * half + 1)) | ~(var > 0)] = np.nan
    out = np.full(x.size, np.nan)
    out[lag // 2 : lag // 2 + r.size] = r
    return out


def _local_period(x: FloatArray, rate_hz: float) -> FloatArray:
    """Step period (frames) around each frame (module docstring, step 2)."""
    lags = np.arange(max(2, int(MIN_STEP_S * rate_hz)), int(MAX_STEP_S * rate_hz) + 1)
    lags = lags[lags < x.size // 2]
    if lags.size < 3:
        return np.full(x.size, np.nan)
    r = np.nan_to_num(
        np.stack([_lagged_correlation(x, int(k)) for k in lags]), nan=-1.0
    )
    inner = r[1:-1]
    peak = (inner > r[:-2]) & (inner >= r[2:]) & (inner > MIN_TEMPO_CORRELATION)
    best = np.max(np.where(peak, inner, -1.0), axis=0)
    qualifies = peak & (inner >= ACF_PEAK_FRACTION * best)
    found = qualifies.any(axis=0)
    period = np.where(found, lags[1 + np.argmax(qualifies, axis=0)], np.nan)
    return _running_median(period, round(TEMPO_SMOOTHING_S * rate_hz))


def _running_median(x: FloatArray, half: int) -> FloatArray:
    """Median of the finite values within ``half`` frames; NaN-free if any is."""
    ok = np.flatnonzero(np.isfinite(x))
    if ok.size == 0:
        return x
    filled = np.interp(np.arange(x.size), ok, x[ok])
    padded = np.pad(filled, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.asarray(np.median(windows, axis=1), dtype=float)


def _regular_runs(peaks: list[int], period: FloatArray) -> list[list[int]]:
    """Cut step frames into runs of regular steps (module docstring, step 1)."""
    runs: list[list[int]] = []
    for frame in peaks:
        run = runs[-1] if runs else []
        recent = np.diff(run[-RUN_MEDIAN_STEPS - 1 :])
        reference = float(np.median(recent)) if recent.size else float(period[frame])
        lo, hi = (ratio * reference for ratio in STEP_RATIO_RANGE)
        if run and lo <= frame - run[-1] <= hi:
            run.append(frame)
        else:
            runs.append([frame])
    return [run for run in runs if len(run) >= MIN_RUN_STEPS]


def _step_runs(split: FloatArray, rate_hz: float) -> list[list[int]]:
    """Runs of step frames: the step signal's maxima, one per local period."""
    period = _local_period(split, rate_hz)
    if not np.isfinite(period).any():
        return []
    spread = float(np.nanmax(split) - np.nanmin(split))
    candidates = finite_peaks(
        split,
        distance=max(1, int(MIN_PEAK_DISTANCE * MIN_STEP_S * rate_hz)),
        prominence=MIN_PEAK_PROMINENCE * spread,
    )
    accepted: list[int] = []
    for k in sorted((int(c) for c in candidates), key=lambda c: -split[c]):
        gap = MIN_PEAK_DISTANCE * period[k]
        if all(abs(k - j) >= gap for j in accepted):
            accepted.append(k)
    return _regular_runs(sorted(accepted), period)


def _step_frames(sig: _Signals, view: str) -> list[list[int]]:
    """Runs of step frames (module docstring, steps 1-3)."""
    split = np.abs(_lead_signal(sig, view))
    if np.isfinite(split).sum() < 3:
        raise MissingDataError(
            "Expected both feet (heel and foot_index) to be seen in at least 3 frames "
            "to find the steps, but they are missing (low visibility) in nearly every "
            "frame."
        )
    runs = _step_runs(split, sig.rate_hz)
    if not runs:
        raise InsufficientDataError(
            "Expected regular steps (the feet moving apart and together at least "
            "three times, with a steady rhythm), but found no rhythm in the feet's "
            f"motion over {sig.n_frames / sig.rate_hz:.2f} s; check that the whole "
            "body is in view and the person walks or runs."
        )
    return runs


def _alternate(runs: list[list[int]], lead: FloatArray) -> list[_Step]:
    """Sides alternate within a run; the foot ahead at each step votes (step 4)."""
    steps = []
    for frames in runs:
        period = float(np.median(np.diff(frames)))
        ahead = ["left" if lead[k] > 0 else "right" for k in frames]
        votes = sum((-1) ** i * (1 if a == "left" else -1) for i, a in enumerate(ahead))
        first = "left" if votes >= 0 else "right"
        for i, (frame, foot) in enumerate(zip(frames, ahead, strict=True)):
            side = first if i % 2 == 0 else _OTHER[first]
            steps.append(_Step(frame, foot, side, period))
    return steps


def _local_max(x: FloatArray, centre: int, half: float) -> int:
    lo, hi = max(0, int(centre - half)), min(x.size, int(centre + half) + 1)
    if not np.isfinite(x[lo:hi]).any():
        return centre
    return lo + int(np.nanargmax(x[lo:hi]))


def _side_strike(sig: _Signals, step: _Step, forward: float) -> float | None:
    """Landing of the leading foot (module docstring, step 5)."""
    heel = sig.get(f"{step.lead}_heel")
    ahead = (heel[:, 0] - sig.mid_hip()[:, 0]) * forward
    anchor = _local_max(ahead, step.frame, ANCHOR_SPAN * step.period)
    before, after = (
        max(seconds * sig.rate_hz, steps * step.period)
        for seconds, steps in zip(STRIKE_WINDOW_S, STRIKE_WINDOW_STEPS, strict=True)
    )
    lo = max(0, int(anchor - before))
    hi = min(sig.n_frames, math.ceil(anchor + after))
    span = slice(lo, min(sig.n_frames, int(anchor + LEVEL_SPAN * 2 * step.period) + 1))
    landings = []
    for part in ("heel", "foot_index"):
        y = sig.get(f"{step.lead}_{part}")[:, 1]
        if not np.isfinite(y[span]).any():
            continue
        level = float(np.nanmax(y[span])) - LANDING_FRACTION * sig.leg_px
        landings += up_crossings(y, level, lo=lo, hi=hi + 1)[:1]
    return min(landings) if landings else None


def _toe_lift(y: FloatArray, lo: int, hi: int, lift_px: float) -> list[float]:
    """The foot_index rises ``lift_px`` above its lowest point in ``[lo, hi)``."""
    if not np.isfinite(y[lo:hi]).any():
        return []
    bottom = lo + int(np.nanargmax(y[lo:hi]))
    return up_crossings(-y, -(y[bottom] - lift_px), lo=bottom, hi=hi)[:1]


def _side_toe_off(
    sig: _Signals, step: _Step, forward: float, *, knees: dict[str, FloatArray | None]
) -> float | None:
    """Toe-off of the trailing foot (module docstring, step 5)."""
    trailing = _OTHER[step.lead]
    toe = sig.get(f"{trailing}_foot_index")
    behind = -(toe[:, 0] - sig.mid_hip()[:, 0]) * forward
    anchor = _local_max(behind, step.frame, ANCHOR_SPAN * step.period)
    stride = 2 * step.period
    lo = max(0, int(anchor - TOE_OFF_WINDOW[0] * stride))
    hi = min(sig.n_frames, int(anchor + TOE_OFF_WINDOW[1] * stride) + 1)
    knee = knees[trailing]
    if knee is not None and np.isfinite(knee[lo:hi]).any():
        return parabolic(knee, lo + int(np.nanargmin(knee[lo:hi])))
    lifts = _toe_lift(toe[:, 1], lo, hi, TOE_LIFT_FRACTION * sig.leg_px)
    return lifts[0] if lifts else None


def _knee_flexion(ds: xr.Dataset, view: str) -> dict[str, FloatArray | None]:
    angles = compute_planar_angles(ds, view=view).angles
    names = [str(j) for j in angles[s.JOINT].values]
    return {
        side: np.asarray(angles.sel({s.JOINT: f"{side}_knee_flexion"}).values, float)
        if f"{side}_knee_flexion" in names
        else None
        for side in s.SIDES
    }


def _visible(ds: xr.Dataset, foot: str, frame: float) -> bool:
    """The lower of the foot's heel/foot_index visibility reaches 0.5 (NaN passes)."""
    names = [f"{foot}_heel", f"{foot}_foot_index"]
    conf = ds[s.CONFIDENCE].sel({s.KEYPOINT: names}).transpose(s.TIME, s.KEYPOINT)
    k = min(ds.sizes[s.TIME] - 1, max(0, round(frame)))
    return not float(np.fmin(*conf.values[k])) < MIN_VISIBILITY


def _check(ds: xr.Dataset, view: str, activity: str) -> None:
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
    if activity not in ACTIVITIES:
        problems.append(f"Expected activity in {ACTIVITIES}, but got {activity!r}.")
    if problems:
        raise InputError(" ".join(problems))


def _side_walking(
    sig: _Signals, step: _Step, forward: float
) -> list[tuple[float, str, str, str]]:
    """Zeni et al. (2008) for walking: heel forward, foot_index backward extremes."""
    mid_x = sig.mid_hip()[:, 0]
    found = []
    for foot, part, sign, kind, side in (
        (step.lead, "heel", 1.0, "foot_strike", step.side),
        (_OTHER[step.lead], "foot_index", -1.0, "toe_off", _OTHER[step.side]),
    ):
        signal = sign * (sig.get(f"{foot}_{part}")[:, 0] - mid_x) * forward
        anchor = _local_max(signal, step.frame, ANCHOR_SPAN * step.period)
        if np.isfinite(signal[anchor]):
            found.append((parabolic(signal, anchor), side, kind, foot))
    return found


def _side_view_events(
    ds: xr.Dataset, sig: _Signals, *, view: str, runs: list[list[int]], walking: bool
) -> list[tuple[float, str, str, str]]:
    """(frame, side, kind, foot label) of every event of a side view."""
    forward = _TRAVEL_X[view]
    knees = _knee_flexion(ds, view)
    found = []
    for step in _alternate(runs, _lead_signal(sig, view)):
        if walking:
            found += _side_walking(sig, step, forward)
            continue
        strike = _side_strike(sig, step, forward)
        if strike is not None:
            found.append((strike, step.side, "foot_strike", step.lead))
        off = _side_toe_off(sig, step, forward, knees=knees)
        if off is not None:
            found.append((off, _OTHER[step.side], "toe_off", _OTHER[step.lead]))
    return found


def _frontal_running(
    sig: _Signals, side: str, stride: float
) -> list[tuple[float, str, str, str]]:
    """Events of one foot in a rear or front view of running (step 6)."""
    toe_y = sig.get(f"{side}_foot_index")[:, 1] - sig.mid_hip()[:, 1]
    heel_below_hip = sig.get(f"{side}_heel")[:, 1] - sig.mid_hip()[:, 1]
    speed = np.gradient(heel_below_hip)
    spread = float(np.nanmax(toe_y) - np.nanmin(toe_y))
    toe_offs = finite_peaks(
        toe_y,
        distance=int(MIN_PEAK_DISTANCE * stride),
        prominence=MIN_PEAK_PROMINENCE * spread,
    )
    found = []
    for k in (int(i) for i in toe_offs):
        found.append((parabolic(toe_y, k), side, "toe_off", side))
        lo = max(0, int(k - stride))
        if k - lo < 3 or not np.isfinite(heel_below_hip[lo:k]).any():
            continue
        apex = lo + int(np.nanargmin(heel_below_hip[lo:k]))
        if k - apex < 3 or not np.isfinite(speed[apex:k]).any():
            continue
        steepest = apex + int(np.nanargmax(speed[apex:k]))
        found += [
            (f, side, "foot_strike", side)
            for f in up_crossings(-speed, 0.0, lo=steepest, hi=k + 1)[:1]
        ]
    return found


def _frontal_walking(sig: _Signals, step: _Step) -> list[tuple[float, str, str, str]]:
    """Strike at the widest split, trailing toe-off at its lowest point (step 6)."""
    trailing = _OTHER[step.lead]
    toe = sig.get(f"{trailing}_foot_index")[:, 1] - sig.mid_hip()[:, 1]
    lo = max(0, int(step.frame - WALK_TOE_OFF_WINDOW[0] * step.period))
    hi = min(sig.n_frames, int(step.frame + WALK_TOE_OFF_WINDOW[1] * step.period) + 1)
    found = [(float(step.frame), step.side, "foot_strike", step.lead)]
    if np.isfinite(toe[lo:hi]).any():
        off = parabolic(toe, lo + int(np.nanargmax(toe[lo:hi])))
        found.append((off, _OTHER[step.side], "toe_off", trailing))
    return found


def _frontal_view_events(
    sig: _Signals, *, view: str, runs: list[list[int]], walking: bool
) -> list[tuple[float, str, str, str]]:
    """(frame, side, kind, foot label) of every event of a rear or front view."""
    if not walking:
        stride = 2 * _median_step(runs)
        return [
            event for side in s.SIDES for event in _frontal_running(sig, side, stride)
        ]
    steps = _alternate(runs, _lead_signal(sig, view))
    return [event for step in steps for event in _frontal_walking(sig, step)]


def _median_step(runs: list[list[int]]) -> float:
    return float(np.median(np.concatenate([np.diff(run) for run in runs])))


def _walking(runs: list[list[int]], rate_hz: float, activity: str) -> bool:
    if activity == "auto":
        return _median_step(runs) / rate_hz > WALKING_MIN_STEP_S
    return activity == "walking"


def detect_keypoint_events(
    ds: xr.Dataset, *, view: str, activity: str = "auto"
) -> list[Event]:
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
    activity
        ``"running"``, ``"walking"`` or ``"auto"``; only rear and front views use it
        (module docstring, step 6). ``"auto"`` takes steps longer than
        ``WALKING_MIN_STEP_S`` (of video time) as walking.

    Returns
    -------
    list of Event
        In time order, with source ``"detected:keypoints-<side|rear|front>"``;
        events whose foot is not visible (module docstring) are left out. Times are
        video times: a slow-motion clip gives slow events.

    Raises
    ------
    InputError
        For an invalid or 3D trial, a view other than side, rear or front, or an
        unknown activity.
    MissingDataError
        Without heel, foot_index or hip keypoints.
    InsufficientDataError
        When the feet show no regular stepping (too short, too few frames with
        feet, or no walking or running).
    """
    _check(ds, view, activity)
    sig = _signals(ds)
    frontal = view not in _TRAVEL_X
    source = "detected:keypoints-" + (view if frontal else "side")
    runs = _step_frames(sig, view)
    walking = _walking(runs, sig.rate_hz, activity)
    if frontal:
        found = _frontal_view_events(sig, view=view, runs=runs, walking=walking)
    else:
        found = _side_view_events(ds, sig, view=view, runs=runs, walking=walking)
    time_s = np.asarray(ds[s.TIME].values, dtype=float)
    frames = np.arange(sig.n_frames, dtype=float)
    events = [
        Event(float(np.interp(frame, frames, time_s)), side, kind, source)
        for frame, side, kind, foot in found
        if _visible(ds, foot, frame)
    ]
    return sorted(events, key=lambda e: (e.time_s, e.side, e.kind))
