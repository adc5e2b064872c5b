"""OpenSim ``.mot``/``.sto`` files: coordinates -> trial angles; forces -> plates.

Both header styles are read: the old one (``name``, ``datacolumns``, ``datarows``,
``range``) and the new one (``version=1``, ``nRows=``, ``inDegrees=``), each ending in a
line ``endheader``, then a line of column names and whitespace-separated rows.

Coordinates map onto stridescope's named angles with OpenSim's signs converted (see
``docs/conventions.md``); every other rotational coordinate is kept under its own name,
in degrees. A ``NAME_tx/_ty/_tz`` triple is a marker in metres unless ``NAME`` also has
rotational coordinates (``pelvis_tx`` beside ``pelvis_tilt``): then it is the model's
root translation, kept as the keypoint ``opensim_<NAME>_origin``. Positions are rotated
from OpenSim's y-up ground frame to the lab z-up frame. Other columns (``.../speed``
states, lone translations) are dropped and listed in the log.

Ground-reaction-force files (a column containing ``ground_force``) are not trials:
:func:`read_force_plates` reads them into their own Dataset.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io.trc import (
    cells_to_float,
    orient_to_lab,
    read_text_file,
    rotate_points,
    rotation_to_z_up,
    trial_from_arrays,
    vocabulary_keypoints,
)
from stridescope.model import schema as s
from stridescope.model.trial import append_log, validate_trial

__all__ = [
    "is_force_file",
    "read_force_plates",
    "read_mot",
    "reject_force_file",
    "sniff_grf",
    "sniff_mot",
    "write_mot",
]

#: OpenSim coordinate -> (stridescope angle, sign applied to the OpenSim value).
OPENSIM_ANGLES: dict[str, tuple[str, float]] = {
    "pelvis_tilt": ("pelvis_anterior_tilt", -1.0),
    "pelvis_list": ("pelvis_obliquity", -1.0),
    "pelvis_rotation": ("pelvis_rotation", 1.0),
    "lumbar_extension": ("lumbar_flexion", -1.0),
    "lumbar_bending": ("lumbar_lateral_bending", 1.0),
    "lumbar_rotation": ("lumbar_rotation", 1.0),
    **{
        f"{coord}_{side[0]}": (f"{side}_{name}", 1.0)
        for side in s.SIDES
        for coord, name in (
            ("hip_flexion", "hip_flexion"),
            ("hip_adduction", "hip_adduction"),
            ("hip_rotation", "hip_internal_rotation"),
        )
    },
}
#: Knee coordinates; their flexion sign differs between models and is read from data.
KNEE_COORDINATES = {
    "knee_angle_r": "right_knee_flexion",
    "knee_angle_l": "left_knee_flexion",
}
_TRANSLATION = ("_tx", "_ty", "_tz")
_RADIANS_MAX = 2 * np.pi + 0.1
_KNEE_EVIDENCE_DEG = 20.0
_FORCE_RE = re.compile(
    r"^(?P<pre>.*?)ground_force(?P<post>.*?)_(?P<kind>[vp])(?P<ax>[xyz])$"
)


@dataclass(frozen=True)
class _Table:
    header: dict[str, str]
    columns: list[str]
    time: NDArray[np.float64]
    data: NDArray[np.float64]  # rows x columns (time excluded)


@dataclass
class _Columns:
    angles: dict[str, int] = field(default_factory=dict)  # coordinate -> column
    triples: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def sniff_mot(head: bytes) -> bool:
    """Return True for an OpenSim motion/storage file that is not a force file."""
    text = head.decode("utf-8", errors="replace").lower()
    return "endheader" in text and "ground_force" not in text


def sniff_grf(head: bytes) -> bool:
    """Return True for an OpenSim ground-reaction-force ``.mot`` file."""
    text = head.decode("utf-8", errors="replace").lower()
    return "endheader" in text and "ground_force" in text


def is_force_file(columns: list[str]) -> bool:
    """Return True when a column name contains ``ground_force``."""
    return any("ground_force" in c.lower() for c in columns)


def _parse_header(path: Path, lines: list[str]) -> tuple[dict[str, str], int]:
    header: dict[str, str] = {}
    for i, line in enumerate(lines):
        text = line.strip()
        if text.lower() == "endheader":
            return header, i + 1
        key, sep, value = text.partition("=")
        if not sep:
            key, _, value = text.partition(" ")
        header[key.strip().lower()] = value.strip()
    raise InputError(
        f"{path.name}: expected a header ending in a line 'endheader', but found none."
    )


def _read_table(path: Path) -> _Table:
    lines = read_text_file(path).splitlines()
    header, start = _parse_header(path, lines)
    rows = [(i + 1, ln) for i, ln in enumerate(lines[start:], start) if ln.strip()]
    if not rows:
        raise MissingDataError(f"{path.name}: expected column names after 'endheader'.")
    names_line = rows[0][1]
    splitter = "\t" if "\t" in names_line else None
    columns = [c.strip() for c in names_line.split(splitter) if c.strip()]
    if not columns or columns[0].lower() != "time":
        raise MissingDataError(
            f"{path.name}: expected 'time' as the first column, but got "
            f"{columns[:1] or 'no columns'}."
        )
    data = _parse_rows(path, rows[1:], len(columns))
    promised = header.get("nrows") or header.get("datarows") or ""
    if promised.isdigit() and int(promised) != data.shape[0]:
        warnings.warn(
            f"{path.name}: expected {promised} rows (header), but read "
            f"{data.shape[0]}; keeping the rows read.",
            StridescopeWarning,
            stacklevel=3,
        )
    return _Table(header, columns[1:], data[:, 0], data[:, 1:])


def _parse_rows(
    path: Path, rows: list[tuple[int, str]], n_cols: int
) -> NDArray[np.float64]:
    if not rows:
        raise MissingDataError(f"{path.name}: expected data rows, but found none.")
    tokens = [ln.split() for _, ln in rows]
    for (line_no, _), row in zip(rows, tokens, strict=True):
        if len(row) != n_cols:
            raise InputError(
                f"{path.name}: expected {n_cols} values per row (one per column "
                f"name), but line {line_no} has {len(row)}."
            )
    return cells_to_float(path, np.array(tokens), [i for i, _ in rows])


def _coordinate_name(column: str) -> str | None:
    """Map ``/jointset/<joint>/<coord>/value`` to ``<coord>``; other paths to None."""
    if not column.startswith("/"):
        return column
    parts = column.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "jointset" and parts[-1] == "value":
        return parts[-2]
    return None


def _classify(columns: list[str]) -> _Columns:
    coords: dict[str, int] = {}
    out = _Columns()
    for i, column in enumerate(columns):
        name = _coordinate_name(column)
        if name is None or name in coords:
            out.dropped.append(column)
        else:
            coords[name] = i
    stems = dict.fromkeys(n[:-3] for n in coords if n.endswith(_TRANSLATION))
    for stem in stems:
        if all(stem + x in coords for x in _TRANSLATION):
            ix, iy, iz = (coords.pop(stem + x) for x in _TRANSLATION)
            out.triples[stem] = (ix, iy, iz)
    for name in [n for n in coords if n.endswith(_TRANSLATION)]:
        out.dropped.append(columns[coords.pop(name)])
    out.angles = coords
    return out


def _in_degrees(path: Path, table: _Table, cols: list[int]) -> tuple[bool, str]:
    flag = table.header.get("indegrees", "").lower()
    if flag in ("yes", "no"):
        return flag == "yes", "header inDegrees"
    values = np.abs(table.data[:, cols])
    peak = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
    if peak > _RADIANS_MAX:
        warnings.warn(
            f"{path.name}: no 'inDegrees' header line; reading angles as degrees "
            f"because values reach {peak:.1f}, beyond 2*pi.",
            StridescopeWarning,
            stacklevel=4,
        )
        return True, f"inferred: max |value| {peak:.1f} > 2*pi"
    raise InputError(
        f"{path.name}: expected an 'inDegrees=yes' or 'inDegrees=no' header line; "
        f"without it the angles (max |value| {peak:.2f}) could be degrees or "
        "radians. Add the line to the header."
    )


def _knee_sign(path: Path, knees: NDArray[np.float64]) -> tuple[float, str]:
    """+1 if the file's knee angle is positive in flexion, -1 if negative (gait2392)."""
    finite = knees[np.isfinite(knees)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    evidence = f"knee_angle range {lo:.1f}..{hi:.1f} deg"
    if hi >= _KNEE_EVIDENCE_DEG and lo > -_KNEE_EVIDENCE_DEG:
        return 1.0, evidence
    if lo <= -_KNEE_EVIDENCE_DEG and hi < _KNEE_EVIDENCE_DEG:
        return -1.0, evidence
    warnings.warn(
        f"{path.name}: cannot tell the sign of knee flexion from the {evidence}; "
        "keeping the file's sign (flexion assumed positive).",
        StridescopeWarning,
        stacklevel=4,
    )
    return 1.0, evidence + " (ambiguous; assumed positive)"


def _angles(
    path: Path, table: _Table, angles: dict[str, int]
) -> tuple[NDArray[np.float64], list[str], list[dict[str, object]]]:
    cols = list(angles.values())
    degrees, unit_reason = _in_degrees(path, table, cols)
    values = table.data[:, cols] * (1.0 if degrees else 180.0 / np.pi)
    log: list[dict[str, object]] = [
        {"operation": "angle_unit", "in_degrees": degrees, "reason": unit_reason}
    ]
    names = list(angles)
    signs = np.array([OPENSIM_ANGLES.get(n, ("", 1.0))[1] for n in names])
    knees = [i for i, n in enumerate(names) if n in KNEE_COORDINATES]
    if knees:
        sign, evidence = _knee_sign(path, values[:, knees])
        signs[knees] = sign
        log.append(
            {"operation": "knee_flexion_sign", "sign": sign, "evidence": evidence}
        )
    vocab = [OPENSIM_ANGLES.get(n, (KNEE_COORDINATES.get(n, n), 1.0))[0] for n in names]
    return values * signs, vocab, log


def _positions(
    table: _Table, cols: _Columns
) -> tuple[NDArray[np.float64], list[str], list[str]] | None:
    if not cols.triples:
        return None
    roots = {n.split("_", 1)[0] for n in cols.angles if "_" in n}
    labels = list(cols.triples)
    names, _ = vocabulary_keypoints(labels)
    names = [
        f"opensim_{x}_origin" if x in roots else n
        for x, n in zip(labels, names, strict=True)
    ]
    idx = np.array([cols.triples[x] for x in labels])  # (k, 3)
    pos = table.data[:, idx].transpose(0, 2, 1)  # (time, 3, k)
    return pos, names, [f"{x}_tx/_ty/_tz" for x in labels]


def read_mot(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read an OpenSim coordinates file (``.mot``/``.sto``) into a trial.

    Parameters
    ----------
    path
        The file. Radians or degrees come from the header's ``inDegrees``; without it,
        values beyond 2*pi mean degrees (with a warning), otherwise it is an error.

    Returns
    -------
    xarray.Dataset
        The trial: ``angle`` in degrees with stridescope names and signs
        (``angle_source="file:opensim"``), ``position`` for markers and the root
        translation (metres, lab z-up) when present.

    Raises
    ------
    InputError
        For an empty file, no ``endheader``, a row shorter or longer than the column
        names, non-numeric cells, a force file, or no angle or marker columns.
    """
    p = Path(path)
    table = _read_table(p)
    if is_force_file(table.columns):
        reject_force_file(p)
    cols = _classify(table.columns)
    if not cols.angles and not cols.triples:
        raise MissingDataError(
            f"{p.name}: expected coordinate or marker (_tx/_ty/_tz) columns, but "
            f"found only {['time', *table.columns][:6]}."
        )
    return _build_trial(p, table, cols)


def _build_trial(p: Path, table: _Table, cols: _Columns) -> xr.Dataset:
    kwargs: dict[str, object] = {}
    log: list[dict[str, object]] = []
    if cols.angles:
        angle, vocab, log = _angles(p, table, cols.angles)
        sources = [table.columns[i] for i in cols.angles.values()]
        kwargs |= {"angle": angle, "joint_names": vocab, "joint_source_names": sources}
    found = _positions(table, cols)
    if found is not None:
        kwargs |= dict(
            zip(
                ("position", "keypoint_names", "keypoint_source_names"),
                found,
                strict=True,
            )
        )
    ds = trial_from_arrays(
        p.name,
        sampling_rate_hz=_rate_hz(p, table.time, log),
        time_s=table.time,
        angle_source="file:opensim" if cols.angles else "",
        source_format="mot",
        source_file=p.name,
        **kwargs,
    )
    for entry in log:
        ds = append_log(ds, str(entry.pop("operation")), **entry)
    if cols.dropped:
        ds = append_log(ds, "dropped_columns", columns=cols.dropped)
    if found is None:
        return ds
    return orient_to_lab(
        ds, p.name, assumed_up=(1, 1), reason="OpenSim ground frame is y-up"
    )


def _rate_hz(
    path: Path, time: NDArray[np.float64], log: list[dict[str, object]]
) -> float:
    steps = np.diff(time)
    if steps.size == 0 or not np.all(steps > 0):
        raise InputError(f"{path.name}: expected strictly increasing times.")
    step = float(np.median(steps))
    spread = float(steps.max() - steps.min()) / step
    log.append(
        {
            "operation": "sampling_rate_from_time_column",
            "median_step_s": step,
            "relative_step_spread": round(spread, 6),
        }
    )
    if spread > 0.01:
        warnings.warn(
            f"{path.name}: time steps vary by {spread:.1%}; sampling_rate_hz is "
            "the median step's rate.",
            StridescopeWarning,
            stacklevel=4,
        )
    return round(1.0 / step, 6)


def reject_force_file(path: Path) -> xr.Dataset:
    """Refuse a ground-reaction-force file as a trial (the ``grf`` format's reader).

    Raises
    ------
    InputError
        Always: the message says to read it with :func:`read_force_plates` beside a
        motion file.
    """
    raise InputError(
        f"{Path(path).name}: this is a ground-reaction-force file, not a motion "
        "trial; give it alongside a motion file (read it with "
        "stridescope.io.read_force_plates)."
    )


def _plates(columns: list[str]) -> dict[str, dict[str, int]]:
    plates: dict[str, dict[str, int]] = {}
    for i, column in enumerate(columns):
        match = _FORCE_RE.match(column)
        if match is None:
            continue
        ident = "_".join(
            x for x in (match["pre"].strip("_"), match["post"].strip("_")) if x
        )
        plates.setdefault(ident or "1", {})[match["kind"] + match["ax"]] = i
    return {k: v for k, v in plates.items() if all(f"v{a}" in v for a in "xyz")}


def _plate_side(ident: str) -> str:
    tokens = set(re.split(r"[_\W]+", ident.lower()))
    if tokens & {"r", "right"}:
        return "right"
    return "left" if tokens & {"l", "left"} else ""


def read_force_plates(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read an OpenSim ground-reaction-force ``.mot`` file (a motion file's companion).

    Parameters
    ----------
    path
        A file with ``<plate>ground_force_v[xyz]`` (N) and ``..._p[xyz]`` (centre of
        pressure, m) columns, e.g. ``R_ground_force_vx`` or ``ground_force_1_vx``.

    Returns
    -------
    xarray.Dataset
        Dims ``(time, plate)``: ``vertical_force_n(time, plate)`` (OpenSim vy),
        ``force_n(time, space, plate)`` and ``cop(time, space, plate)`` (metres, NaN
        where the file has 0, 0, 0) in the lab z-up frame; coord ``plate_side``
        (``"left"``, ``"right"`` or ``""``); attr ``sampling_rate_hz`` from the median
        time step (logged).

    Raises
    ------
    InputError
        For a malformed file or one without ``ground_force`` columns.
    """
    p = Path(path)
    table = _read_table(p)
    plates = _plates(table.columns)
    if not plates:
        raise MissingDataError(
            f"{p.name}: expected ground_force_vx/vy/vz columns, but found none."
        )
    force = np.stack([_lab(table.data, c, "v") for c in plates.values()], axis=-1)
    cop = np.stack([_lab(table.data, c, "p") for c in plates.values()], axis=-1)
    log: list[dict[str, object]] = []
    rate = _rate_hz(p, table.time, log)
    used = {i for c in plates.values() for i in c.values()}
    dropped = [c for i, c in enumerate(table.columns) if i not in used]
    log += [{"operation": "dropped_columns", "columns": dropped}]
    log += [{"operation": "cop_zero_to_nan", "note": "0,0,0 centre of pressure"}]
    return force_plate_dataset(
        table.time,
        force,
        cop,
        plates=list(plates),
        sides=[_plate_side(k) for k in plates],
        attrs={
            s.ATTR_SOURCE_FORMAT: "grf",
            s.ATTR_SOURCE_FILE: p.name,
            s.ATTR_SAMPLING_RATE_HZ: rate,
            s.ATTR_LOG: json.dumps(log),
        },
    )


def force_plate_dataset(
    time_s: NDArray[np.float64],
    force_n: NDArray[np.float64],
    cop_m: NDArray[np.float64],
    *,
    plates: list[str],
    sides: list[str],
    attrs: dict[str, object],
) -> xr.Dataset:
    """Assemble the force-plate Dataset (arrays ``(time, space, plate)``, lab z-up)."""
    return xr.Dataset(
        {
            "vertical_force_n": ((s.TIME, "plate"), force_n[:, 2]),
            "force_n": ((s.TIME, s.SPACE, "plate"), force_n),
            "cop": ((s.TIME, s.SPACE, "plate"), cop_m),
        },
        coords={
            s.TIME: time_s,
            s.SPACE: list(s.SPACE_3D),
            "plate": plates,
            "plate_side": ("plate", sides),
        },
        attrs={s.ATTR_COORDINATE_FRAME: "lab_z_up", s.ATTR_SPACE_UNIT: "m", **attrs},
    )


def _lab(
    data: NDArray[np.float64], cols: dict[str, int], kind: str
) -> NDArray[np.float64]:
    """Vector ``kind`` (v: force, p: COP) of one plate, OpenSim y-up -> lab z-up."""
    if not all(f"{kind}{a}" in cols for a in "xyz"):
        return np.full((data.shape[0], 3), np.nan)
    vec = data[:, [cols[f"{kind}{a}"] for a in "xyz"]][:, :, None]
    lab = rotate_points(rotation_to_z_up(1, 1), vec)[:, :, 0]
    if kind == "p":
        lab[np.all(lab == 0, axis=1)] = np.nan
    return lab


def write_mot(
    ds: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    knee_flexion_sign: int = 1,
    overwrite: bool = False,
) -> None:
    """Write the trial's angles as an OpenSim coordinates file (degrees).

    Stridescope angles get their OpenSim names and signs back (``pelvis_anterior_tilt``
    -> ``pelvis_tilt`` = -value, ...); other angles keep their names. A keypoint
    ``opensim_<NAME>_origin`` becomes ``NAME_tx/_ty/_tz`` (metres, y-up).

    Parameters
    ----------
    ds
        A trial with ``angle``.
    path
        The ``.mot`` file to write.
    knee_flexion_sign
        ``1`` when the target model's ``knee_angle`` is positive in flexion
        (Rajagopal 2015), ``-1`` for gait2392-type models (Hamner 2010).
    overwrite
        Replace an existing file.

    Raises
    ------
    InputError
        If ``path`` exists and ``overwrite`` is False, or ``knee_flexion_sign`` is not
        1 or -1.
    """
    validate_trial(ds, require=(s.ANGLE,))
    p = Path(path)
    if p.exists() and not overwrite:
        raise InputError(f"{p}: already exists; pass overwrite=True to replace it.")
    if knee_flexion_sign not in (1, -1):
        raise InputError(
            f"Expected knee_flexion_sign 1 or -1, but got {knee_flexion_sign!r}."
        )
    table = _opensim_table(ds, float(knee_flexion_sign))
    head = [p.stem, "version=1", f"nRows={len(table)}"]
    head += [f"nColumns={table.shape[1]}", "inDegrees=yes", "endheader"]
    body = table.to_csv(sep="\t", index=False, na_rep="NaN", lineterminator="\n")
    p.write_text("\n".join(head) + "\n" + body, encoding="utf-8", newline="\n")


def _opensim_table(ds: xr.Dataset, knee_sign: float) -> pd.DataFrame:
    inverse = {vocab: (coord, sign) for coord, (vocab, sign) in OPENSIM_ANGLES.items()}
    inverse |= {vocab: (coord, knee_sign) for coord, vocab in KNEE_COORDINATES.items()}
    angle = ds[s.ANGLE].transpose(s.TIME, s.JOINT).values
    table = pd.DataFrame({"time": ds[s.TIME].values.astype(float)})
    for j, joint in enumerate(ds[s.JOINT].values.tolist()):
        coord, sign = inverse.get(str(joint), (str(joint), 1.0))
        table[coord] = angle[:, j] * sign
    if s.POSITION not in ds:
        return table
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    if ds.attrs[s.ATTR_COORDINATE_FRAME] == "lab_z_up":
        pos = rotate_points(rotation_to_z_up(1, 1).T, pos)
    for k, name in enumerate(ds[s.KEYPOINT].values.tolist()):
        match = re.fullmatch(r"opensim_(.+)_origin", str(name))
        if match and ds[s.SPACE].size == 3:
            for a, suffix in enumerate(_TRANSLATION):
                table[match[1] + suffix] = pos[:, a, k]
    return table
