"""Gait events (foot strike, toe-off) from foot kinematics or from force plates.

Kinematic rules, by activity and sampling rate (``method="auto"``):

=========  =============  ==========================================  ==============
activity   rate           foot strike                                 toe-off
=========  =============  ==========================================  ==============
running    >= 100 Hz      ``handsaker``: vertical-acceleration peak   ``toe_height``
                          of heel / 1st / 5th metatarsal at landing,
                          whichever first (Handsaker et al. 2016)
running    < 100 Hz       ``fellin``: heel (or forefoot) vertical     ``toe_height``
                          velocity turns upward near the floor
walking    >= 100 Hz      ``hreljac``: heel vertical-acceleration     ``zeni``
                          peak at landing (Hreljac & Marshall 2000)
walking    < 100 Hz       ``fellin``                                  ``zeni``
=========  =============  ==========================================  ==============

``toe_height``: the toe marker rises 10 mm above its stance minimum (a hallux
vertical-position rule in the spirit of Leitch et al. 2011). ``zeni``: extrema of foot
minus pelvis centre along progression (Zeni et al. 2008), which also opens the search
windows of every other rule. ``method="handsaker"`` uses Handsaker's toe vertical-jerk
peak for toe-off, and ``method="zeni"`` the coordinate method for both events. The
choice of rules and the figures measured on real recordings are in ``docs/gait.md``.
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.gait import _foot, _rules
from stridescope.gait._forces import contact_events
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial

__all__ = ["classify_activity", "detect_force_plate_events", "detect_gait_events"]

ACTIVITIES = ("auto", "running", "walking")
METHODS = ("auto", "zeni", "handsaker")

#: Acceleration-peak rules need at least this rate; validated at 100 Hz [S].
MIN_RATE_ACCELERATION_HZ = 100.0
#: Handsaker et al. (2016) validated their rules with kinematics at >= 200 Hz [M].
MIN_RATE_HANDSAKER_HZ = 200.0
#: "auto" activity: running when both feet are off the ground (every foot marker
#: more than 20 mm above its floor level) in at least 5 % of the frames [S] ...
AIRBORNE_CLEARANCE_M = 0.02
MIN_AIRBORNE_FRACTION = 0.05
#: ... or when the speed is above any usual walking speed (the preferred walk-run
#: transition is about 2.0 m/s; Hreljac 1993, J Biomech 26:1479) [S].
MIN_RUNNING_SPEED_M_S = 2.5


def _airborne_fraction(kin: _foot.Kinematics) -> float:
    window = int(2 * _foot.MAX_STRIDE_S * kin.rate_hz) + 1
    clearances = []
    for markers in kin.feet.values():
        heights = []
        for xyz in markers.values():
            z = _rules.vertical(kin, xyz, 0)
            heights.append(z - _rules.local_floor(z, window))
        clearances.append(np.nanmin(np.stack(heights), axis=0))
    both = np.stack(clearances)
    valid = np.all(np.isfinite(both), axis=0)
    if not valid.any():
        return 0.0
    airborne = np.all(both[:, valid] > AIRBORNE_CLEARANCE_M, axis=0)
    return float(airborne.mean())


def _classify(kin: _foot.Kinematics) -> str:
    if kin.speed_m_s >= MIN_RUNNING_SPEED_M_S:
        return "running"
    return "running" if _airborne_fraction(kin) >= MIN_AIRBORNE_FRACTION else "walking"


def classify_activity(ds: xr.Dataset) -> str:
    """Decide whether a marker trial shows running or walking.

    Running when the speed (pelvis speed overground, belt speed on a treadmill) is
    at least 2.5 m/s, or when both feet are off the ground -- every foot marker more
    than 20 mm above its floor level (its lowest height within 2.5 s) -- in at least
    5 % of the frames (flight phases). Walking otherwise (double support, no flight).

    Parameters
    ----------
    ds
        A 3D trial in metres with pelvis, heel and toe markers.

    Returns
    -------
    str
        ``"running"`` or ``"walking"``.

    Raises
    ------
    InputError
        For an invalid, 2D or pixel trial.
    MissingDataError
        Without pelvis, heel or toe markers.
    """
    validate_trial(ds, require=(s.POSITION,))
    return _classify(_foot.extract(ds))


def _plan(activity: str, method: str, rate_hz: float) -> tuple[str, str, str, str]:
    """Return (strike rule, strike source, toe-off rule, toe-off source)."""
    fast = rate_hz >= MIN_RATE_ACCELERATION_HZ
    if method == "zeni":
        return "zeni", "zeni", "zeni", "zeni"
    if method == "handsaker":
        if rate_hz < MIN_RATE_HANDSAKER_HZ:
            warnings.warn(
                f"Handsaker's rules were validated at >= {MIN_RATE_HANDSAKER_HZ:g} Hz, "
                f"but this trial is sampled at {rate_hz:g} Hz; events may be late or "
                "missing.",
                StridescopeWarning,
                stacklevel=3,
            )
        return "impact", "handsaker", "jerk", "handsaker"
    if activity == "running":
        strike = ("impact", "handsaker") if fast else ("landing", "fellin")
        return (*strike, "toe_height", "toe_height")
    strike = ("impact", "hreljac") if fast else ("landing", "fellin")
    return (*strike, "zeni", "zeni")


def _strike_markers(
    kin: _foot.Kinematics, side: str, *, activity: str, rule: str
) -> tuple[str, ...]:
    if activity == "walking" and rule == "impact":
        return ("heel",)
    forefoot = tuple(
        r for r in ("first_metatarsal", "fifth_metatarsal") if r in kin.feet[side]
    )
    return ("heel", *(forefoot or ("toe",)))


def _check_options(activity: str, method: str) -> None:
    problems = []
    if activity not in ACTIVITIES:
        problems.append(f"Expected activity in {ACTIVITIES}, but got {activity!r}.")
    if method not in METHODS:
        problems.append(f"Expected method in {METHODS}, but got {method!r}.")
    if problems:
        raise InputError(" ".join(problems))


def detect_gait_events(
    ds: xr.Dataset, *, activity: str = "auto", method: str = "auto"
) -> list[Event]:
    """Detect foot strikes and toe-offs of both feet from foot and pelvis markers.

    Works on treadmill and overground trials: progression follows the pelvis
    overground, and is opposite to the stance feet (the belt) on a treadmill. The
    rules per activity and sampling rate are listed in the module docstring;
    positions are smoothed with :func:`stridescope.processing.filtering.lowpass`
    (10 Hz for search windows, 25 Hz for acceleration and jerk, methods memo E).

    Parameters
    ----------
    ds
        A 3D trial in metres with pelvis markers (ASIS/PSIS/sacrum, or hip centres)
        and ``{side}_heel`` and ``{side}_toe`` on both feet; metatarsal markers are
        used when present.
    activity
        ``"running"``, ``"walking"`` or ``"auto"`` (see :func:`classify_activity`).
    method
        ``"auto"`` (the table above), ``"zeni"`` or ``"handsaker"``.

    Returns
    -------
    list of Event
        In time order, with source ``"detected:<rule>"``.

    Raises
    ------
    InputError
        For an invalid trial or option.
    MissingDataError
        When the required markers are absent.
    """
    validate_trial(ds, require=(s.POSITION,))
    _check_options(activity, method)
    kin = _foot.extract(ds)
    act = _classify(kin) if activity == "auto" else activity
    strike_rule, strike_src, toe_rule, toe_src = _plan(act, method, kin.rate_hz)
    period = float(
        np.median(
            [
                _foot.stride_period_s(
                    _foot.along_progression(kin, kin.feet[side]["heel"]), kin.rate_hz
                )
                for side in s.SIDES
            ]
        )
    )
    frames = np.arange(kin.time_s.size, dtype=float)
    events = []
    for side in s.SIDES:
        markers = _strike_markers(kin, side, activity=act, rule=strike_rule)
        strikes = _rules.foot_strikes(
            kin, side, markers=markers, rule=strike_rule, period_s=period
        )
        offs = _rules.toe_offs(kin, side, rule=toe_rule, period_s=period)
        if not strikes:
            warnings.warn(
                f"No {side} foot strike was found; check the {side} heel marker.",
                StridescopeWarning,
                stacklevel=2,
            )
        for kind, found, src in (
            ("foot_strike", strikes, strike_src),
            ("toe_off", offs, toe_src),
        ):
            times = np.interp(found, frames, kin.time_s)
            events += [Event(float(t), side, kind, f"detected:{src}") for t in times]
    return sorted(events, key=lambda e: (e.time_s, e.side, e.kind))


def _check_forces(forces: xr.Dataset) -> None:
    problems = []
    if not isinstance(forces, xr.Dataset):
        raise InputError(
            f"Expected an xarray.Dataset of forces, but got {type(forces).__name__}."
        )
    if "vertical_force_n" not in forces:
        problems.append(
            "Expected a 'vertical_force_n(time, plate)' variable, but got none."
        )
    elif set(forces["vertical_force_n"].dims) != {s.TIME, "plate"}:
        problems.append(
            "Expected 'vertical_force_n' with dims (time, plate), but got "
            f"{forces['vertical_force_n'].dims}."
        )
    if problems:
        raise InputError("Invalid force data: " + " ".join(problems))


def detect_force_plate_events(
    forces: xr.Dataset,
    *,
    threshold_n: float = 50.0,
    min_contact_s: float = 0.05,
    trial: xr.Dataset | None = None,
) -> list[Event]:
    """Foot strikes and toe-offs where the vertical force crosses ``threshold_n``.

    A contact is a run of samples above the threshold lasting at least
    ``min_contact_s``; its crossing times are interpolated linearly between samples.
    A contact already under way at the first sample gives no foot strike, and one
    still under way at the last sample gives no toe-off. The side comes from the
    coord ``plate_side`` when it is ``"left"`` or ``"right"``; otherwise (overground
    plates) from the foot whose heel/toe/metatarsal marker is nearest, horizontally,
    to the centre of pressure early in the contact, which needs ``trial`` (positions
    in the same lab frame and time base as ``cop``). Contacts of one foot that
    overlap (a foot across two plates) are merged.

    Parameters
    ----------
    forces
        Dataset with ``vertical_force_n(time, plate)`` in newtons, optionally
        ``cop(time, space, plate)`` in metres and coord ``plate_side``.
    threshold_n
        Vertical force threshold in newtons.
    min_contact_s
        Shortest contact kept, in seconds.
    trial
        Marker trial used to assign a side to plates without one.

    Returns
    -------
    list of Event
        In time order, with source ``"force_plate"``.

    Raises
    ------
    InputError
        For malformed force data.
    MissingDataError
        When a plate has no side and no ``trial``/``cop`` is given to assign one.
    """
    _check_forces(forces)
    if threshold_n <= 0 or min_contact_s < 0:
        raise InputError(
            "Expected threshold_n > 0 N and min_contact_s >= 0 s, but got "
            f"{threshold_n} N and {min_contact_s} s."
        )
    sides = (
        [str(v) for v in forces["plate_side"].values]
        if "plate_side" in forces.coords
        else [""] * forces.sizes["plate"]
    )
    if any(side not in s.SIDES for side in sides) and (
        trial is None or "cop" not in forces
    ):
        raise MissingDataError(
            "Expected 'plate_side' for every plate, or a trial and 'cop' to assign "
            "sides from the feet, but some plates have no side."
        )
    events = contact_events(
        forces, sides, threshold_n=threshold_n, min_contact_s=min_contact_s, trial=trial
    )
    return sorted(events, key=lambda e: (e.time_s, e.side, e.kind))
