"""Contacts from vertical ground reaction force (private helpers of ``events``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.gait import _foot
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial
from stridescope.processing.frames import to_lab_z_up

FloatArray = NDArray[np.float64]

#: The centre of pressure is averaged over this early part of a contact [S].
COP_WINDOW_S = 0.03


@dataclass(frozen=True)
class Contact:
    """One foot contact on one plate; ``None`` where it runs past the record."""

    on_s: float | None
    off_s: float | None
    first: int
    last: int
    side: str


def _crossing(t: FloatArray, f: FloatArray, k: int, *, threshold: float) -> float:
    """Time between samples ``k`` and ``k + 1`` where ``f`` crosses ``threshold``."""
    df = f[k + 1] - f[k]
    frac = 0.0 if df == 0 else (threshold - f[k]) / df
    return float(t[k] + frac * (t[k + 1] - t[k]))


def _plate_contacts(
    t: FloatArray, f: FloatArray, *, threshold: float, min_contact_s: float
) -> list[tuple[float | None, float | None, int, int]]:
    above = np.nan_to_num(f, nan=-np.inf) > threshold
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(np.int8), [0]))))
    out = []
    for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if t[stop - 1] - t[start] < min_contact_s:
            continue
        on = _crossing(t, f, start - 1, threshold=threshold) if start > 0 else None
        off = _crossing(t, f, stop - 1, threshold=threshold) if stop < t.size else None
        out.append((on, off, start, stop - 1))
    return out


def _nearest_side(
    forces: xr.Dataset, plate: int, *, first: int, last: int, trial: xr.Dataset
) -> str:
    """Side whose foot marker is nearest the early centre of pressure."""
    t = np.asarray(forces[s.TIME].values, dtype=float)
    cop = forces["cop"].isel(plate=plate).transpose(s.TIME, s.SPACE)
    early = (t >= t[first]) & (t <= min(t[last], t[first] + COP_WINDOW_S))
    centre = np.nanmedian(np.asarray(cop.values, dtype=float)[early][:, :2], axis=0)
    rate = float(trial.attrs[s.ATTR_SAMPLING_RATE_HZ])
    trial_t = np.asarray(trial[s.TIME].values, dtype=float)
    best, best_side = np.inf, ""
    for side in s.SIDES:
        for xyz in _foot.foot_markers(trial, side, rate).values():
            at = [np.interp(t[first], trial_t, xyz[:, k]) for k in range(2)]
            dist = float(np.hypot(at[0] - centre[0], at[1] - centre[1]))
            if dist < best:
                best, best_side = dist, side
    return best_side


def _merge(contacts: list[Contact]) -> list[Contact]:
    """Merge overlapping contacts of the same side (a foot across two plates)."""
    merged: list[Contact] = []
    for c in sorted(
        contacts, key=lambda c: (c.side, -np.inf if c.on_s is None else c.on_s)
    ):
        prev = merged[-1] if merged else None
        prev_end = np.inf if prev is None or prev.off_s is None else prev.off_s
        start = -np.inf if c.on_s is None else c.on_s
        if prev is not None and prev.side == c.side and start <= prev_end:
            end = (
                None
                if prev.off_s is None or c.off_s is None
                else max(prev.off_s, c.off_s)
            )
            merged[-1] = Contact(
                prev.on_s, end, prev.first, max(prev.last, c.last), c.side
            )
        else:
            merged.append(c)
    return merged


def contact_events(
    forces: xr.Dataset,
    sides: list[str],
    *,
    threshold_n: float,
    min_contact_s: float,
    trial: xr.Dataset | None,
) -> list[Event]:
    """Foot strike and toe-off events of every contact on every plate."""
    t = np.asarray(forces[s.TIME].values, dtype=float)
    fz = forces["vertical_force_n"].transpose(s.TIME, "plate").values
    if trial is not None:
        validate_trial(trial, require=(s.POSITION,))
        trial = to_lab_z_up(trial)
    contacts = []
    for plate, side in enumerate(sides):
        for on, off, first, last in _plate_contacts(
            t,
            np.asarray(fz[:, plate], dtype=float),
            threshold=threshold_n,
            min_contact_s=min_contact_s,
        ):
            foot = side
            if foot not in s.SIDES and trial is not None:
                foot = _nearest_side(forces, plate, first=first, last=last, trial=trial)
            contacts.append(Contact(on, off, first, last, foot))
    events = []
    for c in _merge(contacts):
        if c.on_s is not None:
            events.append(Event(c.on_s, c.side, "foot_strike", "force_plate"))
        if c.off_s is not None:
            events.append(Event(c.off_s, c.side, "toe_off", "force_plate"))
    return events
