"""C3D files (markers, Plug-in Gait angle outputs, gait events) -> trial, via ezc3d.

- POINTs are split by the ``POINT:ANGLES``/``FORCES``/``MOMENTS``/``POWERS``/``SCALARS``
  groups (or, when absent, by name: ``...Angles``, ``...Force`` ...). Positions (markers
  and virtual points such as ``PELO`` or ``CentreOfMass``) become keypoints, in metres;
  a sample flagged by a negative residual, or exactly 0, 0, 0, is NaN.
- Plug-in Gait angles (X, Y, Z = sagittal, frontal, transverse) map onto stridescope's
  names: ``{L,R}HipAngles`` -> ``{side}_hip_flexion/_adduction/_internal_rotation``,
  ``{L,R}KneeAngles`` X -> ``{side}_knee_flexion``, ``RPelvisAngles`` ->
  ``pelvis_anterior_tilt/_obliquity/_rotation``; other components stay verbatim as
  ``<label>_x/_y/_z``. A trailing ``V`` (``LHipAnglesV``) is accepted.
- Forces, moments, powers and scalars are not positions: their names are listed in the
  attr ``dropped_points`` (JSON) and the log.
- The vertical axis is read from the markers (upper body above the feet), else from
  ``POINT:Y_SCREEN``, else z-up is assumed with a warning; positions are rotated to
  the lab z-up frame when needed.
- Time: ``time = (frame_number - 1) / rate`` with frame numbers starting at the file's
  first frame, so the absolute ``EVENT:TIMES`` are on the same axis.
- Plug-in Gait subject measurements in the ``PROCESSING`` group (millimetres, Vicon
  Nexus / CGM convention: ``InterAsisDistance``, ``{L,R}LegLength``,
  ``{L,R}AsisTrocanterDistance``, ``{L,R}KneeWidth``, ``{L,R}AnkleWidth``,
  ``MarkerDiameter``) become attrs in metres (:data:`PROCESSING_ATTRS`), the names
  :func:`stridescope.kinematics.compute_angles` reads; zero or missing values (Plug-in
  Gait's "not measured") are left out, and the conversion is logged.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io.mot import force_plate_dataset
from stridescope.io.trc import (
    detect_up_axis,
    orient_to_lab,
    rotate_points,
    rotation_to_z_up,
    trial_from_arrays,
    vocabulary_keypoints,
)
from stridescope.model import schema as s
from stridescope.model.trial import Event, append_log
from stridescope.processing.frames import metres_per_unit

__all__ = ["PROCESSING_ATTRS", "read_c3d", "read_c3d_force_plates", "sniff_c3d"]

#: Plug-in Gait ``PROCESSING`` parameter (millimetres) -> trial attr (metres).
PROCESSING_ATTRS: dict[str, str] = {
    "InterAsisDistance": "inter_asis_distance_m",
    "LLegLength": "left_leg_length_m",
    "RLegLength": "right_leg_length_m",
    "LAsisTrocanterDistance": "left_asis_trochanter_distance_m",
    "RAsisTrocanterDistance": "right_asis_trochanter_distance_m",
    "LKneeWidth": "left_knee_width_m",
    "RKneeWidth": "right_knee_width_m",
    "LAnkleWidth": "left_ankle_width_m",
    "RAnkleWidth": "right_ankle_width_m",
    "MarkerDiameter": "marker_diameter_m",
}

_NON_POSITION_GROUPS = ("FORCES", "MOMENTS", "POWERS", "SCALARS")
_ANGLE_NAME = re.compile(r"Angles?V?$")
_NON_POSITION_NAME = re.compile(r"(Force|Moment|Power|GRF)V?$")
_PIG_ANGLE = re.compile(r"^(?P<side>[LR])(?P<joint>[A-Z][A-Za-z]*?)Angles?V?$")
_PIG_SIDED = {
    "Hip": ("hip_flexion", "hip_adduction", "hip_internal_rotation"),
    "Knee": ("knee_flexion", None, None),
}
_PIG_PELVIS = ("pelvis_anterior_tilt", "pelvis_obliquity", "pelvis_rotation")
_EVENT_KINDS = {"foot strike": "foot_strike", "foot off": "toe_off"}
_SCREEN_UP = {
    f"{sg}{ax}": (i, 1 if sg == "+" else -1)
    for i, ax in enumerate("XYZ")
    for sg in "+-"
}
_EZC3D_ERRORS = (OSError, RuntimeError, ValueError, IndexError, MemoryError)


def sniff_c3d(head: bytes) -> bool:
    """Return True for a C3D header (second byte 0x50)."""
    return len(head) >= 2 and head[1] == 0x50 and head[0] > 0


def _open(path: Path, *, force_plates: bool = False) -> dict[str, Any]:
    if not path.is_file() or path.stat().st_size == 0:
        raise InputError(f"{path.name}: the file is missing or empty (0 bytes).")
    import ezc3d

    try:
        return ezc3d.c3d(str(path), extract_forceplat_data=force_plates)  # type: ignore[no-any-return]
    except _EZC3D_ERRORS as e:
        reason = " ".join(str(e).split())[:120]
        raise InputError(
            f"{path.name}: cannot be read as a C3D file; it may be truncated or not a "
            f"C3D ({type(e).__name__}: {reason})."
        ) from e


def _header_frame_count(path: Path) -> int | None:
    """Frames promised by the raw C3D header (ezc3d trims it to what it could read)."""
    with path.open("rb") as fh:
        header = fh.read(512)
        fh.seek(max(header[0] - 1, 0) * 512 + 3)
        processor = fh.read(1)
    if len(header) < 12 or not processor:
        return None
    order = ">" if processor[0] == 86 else "<"  # 86: MIPS (big-endian)
    first, last = np.frombuffer(header[6:10], dtype=f"{order}u2")
    return None if last == 0xFFFF else int(last) - int(first) + 1


def _check_complete(path: Path, c3d: dict[str, Any]) -> None:
    promised = _header_frame_count(path)
    found = int(c3d["data"]["points"].shape[2])
    if promised is not None and promised > found:
        raise InputError(
            f"{path.name}: expected {promised} frames (C3D header), but the file "
            f"holds {found}; it is truncated."
        )


def _param(
    params: dict[str, Any], group: str, name: str, *, default: Any = None
) -> Any:
    try:
        return params[group][name]["value"]
    except KeyError:
        return default


def _labels(params: dict[str, Any], n_points: int) -> list[str]:
    labels = [str(x) for x in _param(params, "POINT", "LABELS", default=[])]
    k = 2
    while len(labels) < n_points and _param(params, "POINT", f"LABELS{k}"):
        labels += [str(x) for x in _param(params, "POINT", f"LABELS{k}")]
        k += 1
    labels = [x.strip() or f"point_{i + 1}" for i, x in enumerate(labels[:n_points])]
    return labels + [f"point_{i + 1}" for i in range(len(labels), n_points)]


def _point_kinds(params: dict[str, Any], labels: list[str]) -> list[str]:
    """Return ``"angle"``, ``"other"`` (force, moment ...) or ``"position"``."""
    angles = {str(x).strip() for x in _param(params, "POINT", "ANGLES", default=[])}
    others = {
        str(x).strip()
        for group in _NON_POSITION_GROUPS
        for x in _param(params, "POINT", group, default=[])
    }
    kinds = []
    for label in labels:
        if label in angles:
            kinds.append("angle")
        elif label in others or _NON_POSITION_NAME.search(label):
            kinds.append("other")
        else:
            kinds.append("angle" if _ANGLE_NAME.search(label) else "position")
    return kinds


def _missing(
    block: NDArray[np.float64], residuals: NDArray[np.float64]
) -> NDArray[Any]:
    """Samples flagged by a negative residual or exactly 0, 0, 0; (time, points)."""
    return np.asarray((residuals.T < 0) | np.all(block == 0, axis=1))


def _pig_names(label: str) -> list[str]:
    verbatim = [f"{label}_{a}" for a in "xyz"]
    match = _PIG_ANGLE.match(label)
    if match is None:
        return verbatim
    if match["joint"] == "Pelvis":
        return list(_PIG_PELVIS) if match["side"] == "R" else verbatim
    mapped = _PIG_SIDED.get(match["joint"])
    if mapped is None:
        return verbatim
    side = "left" if match["side"] == "L" else "right"
    return [f"{side}_{n}" if n else v for n, v in zip(mapped, verbatim, strict=True)]


def _angles(
    c3d: dict[str, Any], labels: list[str], idx: list[int]
) -> tuple[NDArray[np.float64], list[str], list[str], list[str]]:
    points = c3d["data"]["points"][:3, idx, :].transpose(2, 0, 1).astype(float)
    resid = c3d["data"]["meta_points"]["residuals"][0, idx, :]
    points[np.broadcast_to(_missing(points, resid)[:, None, :], points.shape)] = np.nan
    unit = str((_param(c3d["parameters"], "POINT", "ANGLE_UNITS") or ["deg"])[0])
    if unit.strip().lower().startswith("rad"):
        points = np.degrees(points)
    names: list[str] = []
    sources: list[str] = []
    clashes: list[str] = []
    for i in idx:
        for name, source in zip(
            _pig_names(labels[i]), [f"{labels[i]}_{a}" for a in "xyz"], strict=True
        ):
            if name in names:
                clashes.append(source)
                name = source
            names.append(name)
            sources.append(source)
    return (
        points.transpose(0, 2, 1).reshape(points.shape[0], -1),
        names,
        sources,
        clashes,
    )


def _positions(
    c3d: dict[str, Any], idx: list[int], factor: float
) -> NDArray[np.float64]:
    block = c3d["data"]["points"][:3, idx, :].transpose(2, 0, 1).astype(float)
    resid = c3d["data"]["meta_points"]["residuals"][0, idx, :]
    block[np.broadcast_to(_missing(block, resid)[:, None, :], block.shape)] = np.nan
    return np.asarray(block * factor, dtype=np.float64)


def _events(params: dict[str, Any]) -> tuple[list[Event], list[str]]:
    times = _param(params, "EVENT", "TIMES")
    if times is None or np.size(times) == 0:
        return [], []
    arr = np.asarray(times, dtype=float)
    arr = arr.reshape(-1, 2).T if arr.ndim == 1 else arr
    seconds = arr[0] * 60.0 + arr[1]
    contexts = [str(x).strip() for x in _param(params, "EVENT", "CONTEXTS", default=[])]
    labels = [str(x).strip() for x in _param(params, "EVENT", "LABELS", default=[])]
    used = np.ravel(_param(params, "EVENT", "USED", default=[len(seconds)]))
    n = min(len(seconds), len(contexts), len(labels), int(used[0]) if used.size else 0)
    events, ignored = [], []
    for t, ctx, label in zip(seconds[:n], contexts[:n], labels[:n], strict=True):
        kind = _EVENT_KINDS.get(label.lower())
        if kind is None or ctx.lower() not in s.SIDES:
            ignored.append(f"{ctx} {label} at {t:.3f} s")
        else:
            events.append(Event(float(t), ctx.lower(), kind, "file"))
    return events, ignored


def _subject_measurements(params: dict[str, Any]) -> dict[str, float]:
    """Positive ``PROCESSING`` lengths (mm) as attrs in metres; others left out.

    Plug-in Gait writes 0 for a measurement that was not entered, so only positive
    finite values are kept (the kinematics then use its defaults or regressions).
    """
    found = {}
    for key, attr in PROCESSING_ATTRS.items():
        value = np.ravel(_param(params, "PROCESSING", key, default=[]))
        if value.size and np.issubdtype(value.dtype, np.number):
            mm = float(value[0])
            if np.isfinite(mm) and mm > 0:
                found[attr] = round(mm / 1000.0, 9)  # float32 in the file
    return found


def _measurements_log(subject: dict[str, float]) -> dict[str, Any]:
    return {
        "operation": "subject_measurements",
        "source": "PROCESSING",
        "from_unit": "mm",
        "attrs_m": dict(sorted(subject.items())),
    }


def _screen_up(params: dict[str, Any]) -> tuple[int, int] | None:
    value = _param(params, "POINT", "Y_SCREEN")
    return _SCREEN_UP.get(str(value[0]).strip().upper()) if value else None


def _point_unit_factor(name: str, params: dict[str, Any]) -> tuple[str, float]:
    unit = _param(params, "POINT", "UNITS")
    if not unit or not str(unit[0]).strip():
        warnings.warn(
            f"{name}: no POINT:UNITS parameter; assuming millimetres (C3D default).",
            StridescopeWarning,
            stacklevel=4,
        )
        return "mm", 1e-3
    try:
        return str(unit[0]).strip(), metres_per_unit(str(unit[0]))
    except InputError as e:
        raise InputError(f"{name}: {e}") from e


def _trial_arrays(
    p: Path, c3d: dict[str, Any], labels: list[str], *, kinds: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    pick = {
        k: [i for i, x in enumerate(kinds) if x == k] for k in ("position", "angle")
    }
    if not pick["position"] and not pick["angle"]:
        raise MissingDataError(
            f"{p.name}: expected marker or angle POINTs, but found "
            f"{len(labels)} POINTs and none usable."
        )
    kwargs: dict[str, Any] = {}
    log: list[dict[str, Any]] = []
    if pick["position"]:
        unit, factor = _point_unit_factor(p.name, c3d["parameters"])
        source = [labels[i] for i in pick["position"]]
        names, clashes = vocabulary_keypoints(source)
        kwargs |= {"position": _positions(c3d, pick["position"], factor)}
        kwargs |= {"keypoint_names": names, "keypoint_source_names": source}
        if factor != 1.0:
            log.append(
                {"operation": "scale_to_metres", "from_unit": unit, "factor": factor}
            )
        if clashes:
            log.append(
                {"operation": "duplicate_names_kept_verbatim", "labels": clashes}
            )
    if pick["angle"]:
        angle, names, sources, clashes = _angles(c3d, labels, pick["angle"])
        kwargs |= {"angle": angle, "joint_names": names, "joint_source_names": sources}
        kwargs |= {"angle_source": "file:plugin_gait"}
        if clashes:
            log.append(
                {"operation": "duplicate_angles_kept_verbatim", "labels": clashes}
            )
    return kwargs, log


def read_c3d(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a C3D file into a trial: markers (metres, lab z-up), PiG angles, events.

    Parameters
    ----------
    path
        The ``.c3d`` file.

    Returns
    -------
    xarray.Dataset
        The trial. ``time`` is ``(frame_number - 1) / rate`` with the file's first
        frame number, so ``EVENT:TIMES`` keep their values; ``frame`` holds the frame
        numbers. Angles (if any) have ``angle_source="file:plugin_gait"``.

    Raises
    ------
    InputError
        For an empty, truncated or non-C3D file, or one without markers or angles.
    """
    p = Path(path)
    c3d = _open(p)
    _check_complete(p, c3d)
    params = c3d["parameters"]
    n_points, n_frames = c3d["data"]["points"].shape[1:]
    labels = _labels(params, n_points)
    kinds = _point_kinds(params, labels)
    kwargs, log = _trial_arrays(p, c3d, labels, kinds=kinds)
    rate = float(c3d["header"]["points"]["frame_rate"])
    first = int(c3d["header"]["points"]["first_frame"]) + 1
    events, ignored = _events(params)
    dropped = [x for x, k in zip(labels, kinds, strict=True) if k == "other"]
    subject = _subject_measurements(params)
    ds = trial_from_arrays(
        p.name,
        sampling_rate_hz=rate,
        time_s=(first - 1 + np.arange(n_frames)) / rate,
        first_frame=first,
        events=events,
        source_format="c3d",
        source_file=p.name,
        attrs={"dropped_points": json.dumps(dropped), **subject},
        **kwargs,
    )
    log += [{"operation": "dropped_points", "labels": dropped}] if dropped else []
    log += [_measurements_log(subject)] if subject else []
    log += [{"operation": "events_ignored", "events": ignored}] if ignored else []
    for entry in log:
        ds = append_log(ds, entry.pop("operation"), **entry)
    _check_event_range(ds, p.name)
    return _orient(ds, p.name, params) if "position" in kwargs else ds


def _check_event_range(ds: xr.Dataset, name: str) -> None:
    times = ds[s.EVENT_TIME].values
    half = 0.5 / float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    lo, hi = float(ds[s.TIME][0]) - half, float(ds[s.TIME][-1]) + half
    outside = times[(times < lo) | (times > hi)]
    if outside.size:
        warnings.warn(
            f"{name}: expected event times within {lo:.3f}..{hi:.3f} s, but "
            f"{outside.size} fall outside (first at {outside[0]:.3f} s).",
            StridescopeWarning,
            stacklevel=3,
        )


def _orient(ds: xr.Dataset, name: str, params: dict[str, Any]) -> xr.Dataset:
    screen = _screen_up(params)
    if screen is None and detect_up_axis(ds) is None:
        warnings.warn(
            f"{name}: cannot tell the vertical axis (no upper-body and foot markers, "
            "no POINT:Y_SCREEN); assuming z is up.",
            StridescopeWarning,
            stacklevel=3,
        )
    reason = "POINT:Y_SCREEN" if screen else "C3D default, no evidence"
    return orient_to_lab(ds, name, assumed_up=screen or (2, 1), reason=reason)


def read_c3d_force_plates(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read the force plates of a C3D file (ezc3d's plate model), in the lab frame.

    Parameters
    ----------
    path
        The ``.c3d`` file, with ``FORCE_PLATFORM`` parameters and analog channels.

    Returns
    -------
    xarray.Dataset
        Same layout as :func:`stridescope.io.read_force_plates`, at the analog rate:
        ``vertical_force_n(time, plate)``, ``force_n`` and ``cop`` (metres) on
        ``(time, space, plate)``, rotated like the markers (see :func:`read_c3d`).

    Raises
    ------
    InputError
        For an unreadable file or one without force plates.
    """
    p = Path(path)
    c3d = _open(p, force_plates=True)
    plates = c3d["data"].get("platform", [])
    if not plates:
        raise MissingDataError(f"{p.name}: expected force plates, but found none.")
    up = _up_of(read_c3d(p))
    rotation = rotation_to_z_up(*up)
    force = np.stack([rotate_points(rotation, pl["force"].T) for pl in plates], -1)
    cop = np.stack([_plate_cop_m(pl, rotation) for pl in plates], -1)
    header = c3d["header"]
    rate = float(header["analogs"]["frame_rate"])
    t0 = int(header["points"]["first_frame"]) / float(header["points"]["frame_rate"])
    return force_plate_dataset(
        t0 + np.arange(force.shape[0]) / rate,
        force,
        cop,
        plates=[str(i + 1) for i in range(len(plates))],
        sides=[""] * len(plates),
        attrs={
            s.ATTR_SOURCE_FORMAT: "c3d",
            s.ATTR_SOURCE_FILE: p.name,
            s.ATTR_SAMPLING_RATE_HZ: rate,
            s.ATTR_LOG: json.dumps([{"operation": "rotate_to_lab_z_up", "up": up}]),
        },
    )


def _plate_cop_m(
    plate: dict[str, Any], rotation: NDArray[np.float64]
) -> NDArray[np.float64]:
    factor = metres_per_unit(str(plate["unit_position"]))
    return rotate_points(rotation, plate["center_of_pressure"].T) * factor


def _up_of(trial: xr.Dataset) -> tuple[int, int]:
    for entry in json.loads(trial.attrs[s.ATTR_LOG]):
        if entry.get("operation") == "vertical_axis":
            axis = str(entry["axis"])
            return "xyz".index(axis[1]), 1 if axis[0] == "+" else -1
    return 2, 1
