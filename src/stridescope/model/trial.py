"""The trial: one validated :class:`xarray.Dataset` that every reader ends in.

Variables (any of ``position`` or ``angle`` must be present):

- ``position(time, space, keypoint)``: float64, metres or pixels (attr ``space_unit``),
  NaN where missing, in the frame named by attr ``coordinate_frame``;
- ``confidence(time, keypoint)``: in [0, 1], NaN when the source has none (mocap);
- ``angle(time, joint)``: degrees, in stridescope's sign convention (attr
  ``angle_source`` says where they came from);
- ``event_time(event)``: seconds, with coords ``event_kind``, ``event_side``,
  ``event_source``.

``time`` is in seconds; the source frame index is kept as the coord ``frame``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from stridescope.errors import InputError
from stridescope.model import schema as s

__all__ = ["Event", "append_log", "events_of", "from_arrays", "validate_trial"]


@dataclass(frozen=True)
class Event:
    """One gait event.

    Parameters
    ----------
    time_s
        Time of the event in seconds, on the trial's time axis.
    side
        ``"left"`` or ``"right"``.
    kind
        ``"foot_strike"`` or ``"toe_off"``.
    source
        ``"file"`` for events stored in the input, ``"force_plate"`` for events from
        ground reaction forces, or ``"detected:<method>"``.
    """

    time_s: float
    side: str
    kind: str
    source: str


def _events_dataset(events: Sequence[Event]) -> xr.Dataset:
    ordered = sorted(events, key=lambda e: (e.time_s, e.side, e.kind))
    return xr.Dataset(
        {s.EVENT_TIME: ((s.EVENT,), np.array([e.time_s for e in ordered], float))},
        coords={
            s.EVENT_KIND: ((s.EVENT,), np.array([e.kind for e in ordered], dtype=str)),
            s.EVENT_SIDE: ((s.EVENT,), np.array([e.side for e in ordered], dtype=str)),
            s.EVENT_SOURCE: (
                (s.EVENT,),
                np.array([e.source for e in ordered], dtype=str),
            ),
        },
    )


def _time_axis(
    n_frames: int,
    sampling_rate_hz: float,
    time_s: ArrayLike | None,
    first_frame: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    frames = np.arange(first_frame, first_frame + n_frames, dtype=np.int64)
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz <= 0:
        raise InputError(
            f"Expected a positive 'sampling_rate_hz', but got {sampling_rate_hz!r}."
        )
    if time_s is None:
        return frames / float(sampling_rate_hz), frames
    times = np.asarray(time_s, dtype=float)
    if times.shape != (n_frames,):
        raise InputError(
            f"Expected one time stamp per frame ({n_frames}), but got shape "
            f"{times.shape}."
        )
    return times, frames


def from_arrays(
    *,
    sampling_rate_hz: float,
    position: ArrayLike | None = None,
    keypoint_names: Sequence[str] | None = None,
    keypoint_source_names: Sequence[str] | None = None,
    confidence: ArrayLike | None = None,
    space_unit: str = "m",
    coordinate_frame: str = "lab_z_up",
    angle: ArrayLike | None = None,
    joint_names: Sequence[str] | None = None,
    joint_source_names: Sequence[str] | None = None,
    angle_source: str = "",
    events: Iterable[Event] = (),
    time_s: ArrayLike | None = None,
    first_frame: int = 0,
    source_format: str = "unknown",
    source_file: str = "",
    attrs: dict[str, Any] | None = None,
) -> xr.Dataset:
    """Build a validated trial Dataset from plain arrays.

    Parameters
    ----------
    sampling_rate_hz
        Nominal sampling rate in Hz, as stated by the source (never guessed).
    position
        Array ``(n_frames, n_space, n_keypoints)``; NaN where missing.
    keypoint_names, keypoint_source_names
        Vocabulary names and original labels, one per keypoint.
    confidence
        Array ``(n_frames, n_keypoints)`` in [0, 1]; NaN (default) when unknown.
    space_unit
        ``"m"`` or ``"px"``.
    coordinate_frame
        ``"lab_z_up"``, ``"opensim_y_up"`` or ``"image_y_down"``.
    angle
        Array ``(n_frames, n_joints)`` in degrees.
    joint_names, joint_source_names
        Vocabulary angle names and original column labels.
    angle_source
        Where the angles come from (e.g. ``"file:opensim_ik"``).
    events
        Gait events stored with the data.
    time_s
        Time stamps in seconds, one per frame; default ``frame / sampling_rate_hz``.
    first_frame
        Index of the first frame in the source.
    source_format, source_file
        Provenance (``source_file`` is stored as a basename).
    attrs
        Extra flat JSON-safe attributes.

    Returns
    -------
    xarray.Dataset
        The validated trial.

    Raises
    ------
    InputError
        Listing every problem found.

    Examples
    --------
    >>> import numpy as np
    >>> ds = from_arrays(sampling_rate_hz=100.0, angle=np.zeros((5, 1)),
    ...                  joint_names=["left_hip_flexion"])
    >>> float(ds.time[-1])
    0.04
    """
    n_frames = _n_frames(position, angle)
    times, frames = _time_axis(n_frames, sampling_rate_hz, time_s, first_frame)
    ds = xr.Dataset(coords={s.TIME: times, s.FRAME: (s.TIME, frames)})
    if position is not None:
        ds = _add_position(
            ds, position, keypoint_names, keypoint_source_names, confidence
        )
    if angle is not None:
        ds = _add_angle(ds, angle, joint_names, joint_source_names)
    ds = ds.merge(_events_dataset(list(events)))
    ds.attrs = {
        s.ATTR_SCHEMA_VERSION: s.SCHEMA_VERSION,
        s.ATTR_SOURCE_FORMAT: source_format,
        s.ATTR_SOURCE_FILE: source_file.replace("\\", "/").rsplit("/", 1)[-1],
        s.ATTR_SAMPLING_RATE_HZ: float(sampling_rate_hz),
        s.ATTR_SPACE_UNIT: space_unit,
        s.ATTR_COORDINATE_FRAME: coordinate_frame,
        s.ATTR_ANGLE_SOURCE: angle_source,
        s.ATTR_SUBJECT_ID: "",
        s.ATTR_TRIAL_ID: "",
        s.ATTR_LOG: "[]",
        **(attrs or {}),
    }
    validate_trial(ds)
    return ds


def _n_frames(position: ArrayLike | None, angle: ArrayLike | None) -> int:
    if position is None and angle is None:
        raise InputError("Expected 'position' or 'angle' data, but got neither.")
    arr = np.asarray(position if position is not None else angle)
    return int(arr.shape[0]) if arr.ndim else 0


def _add_position(
    ds: xr.Dataset,
    position: ArrayLike,
    keypoint_names: Sequence[str] | None,
    keypoint_source_names: Sequence[str] | None,
    confidence: ArrayLike | None,
) -> xr.Dataset:
    pos = np.asarray(position, dtype=float)
    if pos.ndim != 3 or pos.shape[1] not in (2, 3):
        raise InputError(
            "Expected 'position' of shape (time, 2 or 3, keypoint), but got shape "
            f"{pos.shape}."
        )
    names = list(keypoint_names) if keypoint_names is not None else []
    if len(names) != pos.shape[2]:
        raise InputError(
            f"Expected {pos.shape[2]} keypoint names, but got {len(names)}."
        )
    source_names = list(keypoint_source_names or names)
    conf = (
        np.full((pos.shape[0], pos.shape[2]), np.nan)
        if confidence is None
        else np.asarray(confidence, dtype=float)
    )
    space = list(s.SPACE_3D if pos.shape[1] == 3 else s.SPACE_2D)
    return ds.assign(
        {
            s.POSITION: ((s.TIME, s.SPACE, s.KEYPOINT), pos),
            s.CONFIDENCE: ((s.TIME, s.KEYPOINT), conf),
        }
    ).assign_coords(
        {
            s.SPACE: space,
            s.KEYPOINT: names,
            s.KEYPOINT_SOURCE_NAME: (s.KEYPOINT, source_names),
        }
    )


def _add_angle(
    ds: xr.Dataset,
    angle: ArrayLike,
    joint_names: Sequence[str] | None,
    joint_source_names: Sequence[str] | None,
) -> xr.Dataset:
    ang = np.asarray(angle, dtype=float)
    if ang.ndim != 2:
        raise InputError(
            f"Expected 'angle' of shape (time, joint), but got shape {ang.shape}."
        )
    names = list(joint_names) if joint_names is not None else []
    if len(names) != ang.shape[1]:
        raise InputError(f"Expected {ang.shape[1]} joint names, but got {len(names)}.")
    if ang.shape[0] != ds.sizes[s.TIME]:
        raise InputError(
            f"Expected 'angle' to have {ds.sizes[s.TIME]} frames like 'position', "
            f"but got {ang.shape[0]}."
        )
    source_names = list(joint_source_names or names)
    return ds.assign({s.ANGLE: ((s.TIME, s.JOINT), ang)}).assign_coords(
        {s.JOINT: names, s.JOINT_SOURCE_NAME: (s.JOINT, source_names)}
    )


def _check_attrs(ds: xr.Dataset) -> list[str]:
    problems = []
    rate = ds.attrs.get(s.ATTR_SAMPLING_RATE_HZ)
    if not isinstance(rate, float | int) or not np.isfinite(rate) or rate <= 0:
        problems.append(f"Expected a positive 'sampling_rate_hz', but got {rate!r}.")
    unit = ds.attrs.get(s.ATTR_SPACE_UNIT)
    if unit not in s.SPACE_UNITS:
        problems.append(f"Expected 'space_unit' in {s.SPACE_UNITS}, but got {unit!r}.")
    frame = ds.attrs.get(s.ATTR_COORDINATE_FRAME)
    if frame not in s.COORDINATE_FRAMES:
        problems.append(
            f"Expected 'coordinate_frame' in {s.COORDINATE_FRAMES}, but got {frame!r}."
        )
    return problems


def _check_events(ds: xr.Dataset) -> list[str]:
    if s.EVENT_TIME not in ds:
        return ["Expected an 'event_time' variable (possibly empty), but got none."]
    problems = []
    bad_sides = set(ds[s.EVENT_SIDE].values.tolist()) - set(s.SIDES)
    bad_kinds = set(ds[s.EVENT_KIND].values.tolist()) - set(s.EVENT_KINDS)
    if bad_sides:
        problems.append(f"Expected event sides in {s.SIDES}, but got {bad_sides}.")
    if bad_kinds:
        problems.append(
            f"Expected event kinds in {s.EVENT_KINDS}, but got {bad_kinds}."
        )
    if not np.all(np.isfinite(ds[s.EVENT_TIME].values)):
        problems.append("Expected finite event times, but some are NaN or infinite.")
    return problems


def _check_arrays(ds: xr.Dataset) -> list[str]:
    problems = []
    if s.POSITION not in ds and s.ANGLE not in ds:
        problems.append("Expected 'position' or 'angle', but the trial has neither.")
    times = ds[s.TIME].values
    if times.size < 2:
        problems.append(f"Expected at least 2 frames, but got {times.size}.")
    elif not np.all(np.diff(times) > 0):
        problems.append("Expected strictly increasing time stamps, but they are not.")
    if s.CONFIDENCE in ds:
        conf = ds[s.CONFIDENCE].values
        finite = conf[np.isfinite(conf)]
        if finite.size and (finite.min() < 0 or finite.max() > 1):
            problems.append("Expected 'confidence' within [0, 1], but it is not.")
    for name in (s.KEYPOINT, s.JOINT):
        if name in ds.coords:
            labels = ds[name].values.tolist()
            if len(set(labels)) != len(labels):
                problems.append(f"Expected unique '{name}' names, but some repeat.")
    return problems


def validate_trial(ds: xr.Dataset, *, require: Sequence[str] = ()) -> xr.Dataset:
    """Check that ``ds`` is a well-formed trial; raise listing every problem.

    Parameters
    ----------
    ds
        The trial to check.
    require
        Variable names that must be present (e.g. ``("position",)``).

    Returns
    -------
    xarray.Dataset
        ``ds`` itself, so the call can be chained.

    Raises
    ------
    InputError
        With all problems found, joined in one message.
    """
    if not isinstance(ds, xr.Dataset):
        raise InputError(f"Expected an xarray.Dataset, but got {type(ds).__name__}.")
    problems = _check_arrays(ds) + _check_attrs(ds) + _check_events(ds)
    problems += [
        f"Expected a '{name}' variable, but the trial has none."
        for name in require
        if name not in ds
    ]
    if problems:
        raise InputError("Invalid trial: " + " ".join(problems))
    return ds


def events_of(ds: xr.Dataset) -> list[Event]:
    """Return the trial's events as :class:`Event` objects, in time order."""
    return [
        Event(float(t), str(side), str(kind), str(src))
        for t, side, kind, src in zip(
            ds[s.EVENT_TIME].values,
            ds[s.EVENT_SIDE].values,
            ds[s.EVENT_KIND].values,
            ds[s.EVENT_SOURCE].values,
            strict=True,
        )
    ]


def with_events(ds: xr.Dataset, events: Iterable[Event]) -> xr.Dataset:
    """Return a copy of ``ds`` whose events are replaced by ``events``."""
    drop = [s.EVENT_TIME, s.EVENT_KIND, s.EVENT_SIDE, s.EVENT_SOURCE]
    out = ds.drop_vars(drop, errors="ignore").merge(_events_dataset(list(events)))
    out.attrs = dict(ds.attrs)
    return out


def append_log(ds: xr.Dataset, operation: str, **parameters: Any) -> xr.Dataset:
    """Return a copy of ``ds`` with ``operation`` appended to its provenance log."""
    out = ds.copy()
    log = json.loads(str(ds.attrs.get(s.ATTR_LOG, "[]")))
    log.append({"operation": operation, **parameters})
    out.attrs = {**ds.attrs, s.ATTR_LOG: json.dumps(log)}
    return out
