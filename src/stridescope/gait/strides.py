"""Strides and steps from gait events (methods memo B.4).

A stride runs from a foot strike to the next foot strike of the same foot; a step
from a foot strike to the next foot strike of the other foot. Stance (contact) runs
from foot strike to toe-off, swing from toe-off to the next foot strike, and flight
is step time minus the contact time of the foot that started the step.

A stride is excluded (``valid`` False, with the reason) when its toe-off is missing or
ambiguous, or when its stride time lies outside 0.7-1.3 times the median stride time
of its side (methods memo B.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from stridescope.errors import InputError
from stridescope.model import schema as s
from stridescope.model.trial import Event

__all__ = ["STEP_COLUMNS", "STRIDE_COLUMNS", "segment_strides", "step_table"]

#: Accepted stride (and step) times, as fractions of the side's median (B.4).
TIME_RATIO_RANGE = (0.7, 1.3)

STRIDE_COLUMNS = (
    "side",
    "foot_strike_s",
    "toe_off_s",
    "next_foot_strike_s",
    "stride_time_s",
    "contact_time_s",
    "swing_time_s",
    "duty_factor",
    "valid",
    "exclusion_reason",
)
STEP_COLUMNS = (
    "side",
    "foot_strike_s",
    "toe_off_s",
    "next_foot_strike_s",
    "next_side",
    "step_time_s",
    "contact_time_s",
    "flight_time_s",
    "valid",
    "exclusion_reason",
)


def _check_events(events: Iterable[Event]) -> list[Event]:
    out = list(events)
    bad = [
        e
        for e in out
        if e.side not in s.SIDES
        or e.kind not in s.EVENT_KINDS
        or not np.isfinite(e.time_s)
    ]
    if bad:
        raise InputError(
            f"Expected events with side in {s.SIDES}, kind in {s.EVENT_KINDS} and a "
            f"finite time, but got {len(bad)} that are not, e.g. {bad[0]!r}."
        )
    return sorted(out, key=lambda e: (e.time_s, e.side, e.kind))


def _times(events: Sequence[Event], side: str, kind: str) -> list[float]:
    return [e.time_s for e in events if e.side == side and e.kind == kind]


def _toe_off_between(
    toe_offs: list[float], start: float, stop: float
) -> tuple[float, str]:
    inside = [t for t in toe_offs if start < t < stop]
    if not inside:
        return float("nan"), "missing toe_off"
    if len(inside) > 1:
        return float("nan"), "more than one toe_off"
    return inside[0], ""


def _side_strides(events: Sequence[Event], side: str) -> list[dict[str, Any]]:
    strikes = _times(events, side, "foot_strike")
    toe_offs = _times(events, side, "toe_off")
    rows: list[dict[str, Any]] = []
    for start, stop in pairwise(strikes):
        toe_off, reason = _toe_off_between(toe_offs, start, stop)
        stride = stop - start
        rows.append(
            {
                "side": side,
                "foot_strike_s": start,
                "toe_off_s": toe_off,
                "next_foot_strike_s": stop,
                "stride_time_s": stride,
                "contact_time_s": toe_off - start,
                "swing_time_s": stop - toe_off,
                "duty_factor": (toe_off - start) / stride,
                "valid": not reason,
                "exclusion_reason": reason,
            }
        )
    return rows


def _exclude_outliers(rows: list[dict[str, Any]], time_key: str) -> None:
    """Mark rows whose ``time_key`` is outside 0.7-1.3 x the median (in place)."""
    times = np.array([float(r[time_key]) for r in rows])
    if times.size == 0:
        return
    median = float(np.median(times))
    lo, hi = TIME_RATIO_RANGE[0] * median, TIME_RATIO_RANGE[1] * median
    for row, value in zip(rows, times, strict=True):
        if not lo <= value <= hi:
            lo_ratio, hi_ratio = TIME_RATIO_RANGE
            reason = f"{time_key} outside {lo_ratio}-{hi_ratio} x median"
            row["valid"] = False
            row["exclusion_reason"] = "; ".join(
                r for r in (str(row["exclusion_reason"]), reason) if r
            )


def _frame(
    rows: list[dict[str, Any]], columns: Sequence[str], index: str
) -> pd.DataFrame:
    rows = sorted(rows, key=lambda r: (float(r["foot_strike_s"]), str(r["side"])))
    df = pd.DataFrame(rows, columns=list(columns))
    df.index = pd.RangeIndex(len(df), name=index)
    df["valid"] = df["valid"].astype(bool)
    df["side"] = df["side"].astype(str)
    df["exclusion_reason"] = df["exclusion_reason"].astype(str)
    return df


def segment_strides(
    events: Iterable[Event], *, side: str | None = None
) -> pd.DataFrame:
    """Build the stride table: one row per stride, foot strike to foot strike.

    Parameters
    ----------
    events
        Foot strikes and toe-offs (any order, one source).
    side
        ``"left"`` or ``"right"`` for one foot only; ``None`` for both.

    Returns
    -------
    pandas.DataFrame
        Index ``stride_id`` (0, 1, ... in time order); columns :data:`STRIDE_COLUMNS`
        (times in seconds; ``duty_factor`` = contact time / stride time). Invalid
        strides stay in the table with ``valid`` False and an ``exclusion_reason``.

    Raises
    ------
    InputError
        For an unknown side or malformed events.

    Examples
    --------
    >>> from stridescope.model.trial import Event
    >>> ev = [Event(0.0, "left", "foot_strike", "file"),
    ...       Event(0.3, "left", "toe_off", "file"),
    ...       Event(1.0, "left", "foot_strike", "file")]
    >>> float(segment_strides(ev)["duty_factor"].iloc[0])
    0.3
    """
    if side is not None and side not in s.SIDES:
        raise InputError(f"Expected side in {s.SIDES} or None, but got {side!r}.")
    ordered = _check_events(events)
    rows: list[dict[str, Any]] = []
    for foot in [side] if side else list(s.SIDES):
        foot_rows = _side_strides(ordered, foot)
        _exclude_outliers(foot_rows, "stride_time_s")
        rows += foot_rows
    return _frame(rows, STRIDE_COLUMNS, "stride_id")


def _step_row(events: Sequence[Event], start: Event, stop: Event) -> dict[str, Any]:
    toe_off, reason = _toe_off_between(
        _times(events, start.side, "toe_off"),
        start.time_s,
        start.time_s + 2 * (stop.time_s - start.time_s),
    )
    if stop.side == start.side:
        reason = "next foot strike is of the same foot"
    step = stop.time_s - start.time_s
    return {
        "side": start.side,
        "foot_strike_s": start.time_s,
        "toe_off_s": toe_off,
        "next_foot_strike_s": stop.time_s,
        "next_side": stop.side,
        "step_time_s": step,
        "contact_time_s": toe_off - start.time_s,
        "flight_time_s": step - (toe_off - start.time_s),
        "valid": not reason,
        "exclusion_reason": reason,
    }


def step_table(events: Iterable[Event]) -> pd.DataFrame:
    """Build the step table: one row per step, foot strike to the next foot strike.

    ``side`` is the foot whose strike starts the step (the stance foot) and
    ``contact_time_s`` its contact; ``flight_time_s`` = step time - contact time is
    the flight of running (negative in walking: the double support). Steps are
    excluded when the next strike is of the same foot (a missed event), the toe-off
    is missing, or the step time is outside 0.7-1.3 x the median step time.

    Parameters
    ----------
    events
        Foot strikes and toe-offs of both feet.

    Returns
    -------
    pandas.DataFrame
        Index ``step_id``; columns :data:`STEP_COLUMNS` (times in seconds).

    Raises
    ------
    InputError
        For malformed events.
    """
    ordered = _check_events(events)
    strikes = [e for e in ordered if e.kind == "foot_strike"]
    rows = [_step_row(ordered, a, b) for a, b in pairwise(strikes)]
    _exclude_outliers(rows, "step_time_s")
    return _frame(rows, STEP_COLUMNS, "step_id")
