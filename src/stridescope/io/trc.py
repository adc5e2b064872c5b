"""TRC marker files (OpenSim, Motion Analysis) -> trial, and the TRC writer.

A TRC file is tab separated, with five header lines and one row per frame::

    PathFileType  4  (X/Y/Z)  run.trc
    DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  ...
    100  100  216  42  mm  100  ...
    Frame#  Time  LASI  <blank>  <blank>  RASI  ...
    <blank>  <blank>  X1  Y1  Z1  X2  Y2  Z2  ...
    1  0.00  x  y  z  x  y  z  ...

Blank cells are missing samples and become NaN. Positions are scaled to metres and
rotated from OpenSim's y-up ground frame to the lab z-up frame; both steps are logged.
When the markers show another vertical axis, the markers win and a
:class:`~stridescope.errors.StridescopeWarning` says so.

The module also holds the marker helpers shared by the other motion-capture readers:
vocabulary names with the duplicate rule, vertical-axis detection and the rotation to
the lab frame.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.model import schema as s
from stridescope.model.skeleton import vocabulary_name
from stridescope.model.trial import append_log, from_arrays, validate_trial
from stridescope.processing.frames import metres_per_unit

__all__ = ["read_trc", "sniff_trc", "write_trc"]

_HEADER_LINES = 5
_AXES = "xyz"
#: Keypoints that sit well above / below the pelvis-to-feet midline in any upright
#: posture; used to find the vertical axis from the data.
_UPPER = frozenset(
    {"c7", "t7", "t8", "t10", "jugular_notch", "xiphoid", "sacrum", "head", "neck"}
    | {f"{side}_{n}" for side in s.SIDES for n in ("acromion", "asis", "psis")}
    | {f"{side}_shoulder" for side in s.SIDES}
)
_FOOT = ("heel", "toe", "ankle_lateral", "ankle_medial", "ankle", "first_metatarsal")
_LOWER = frozenset(
    f"{side}_{n}" for side in s.SIDES for n in (*_FOOT, "fifth_metatarsal")
)
#: The vertical axis must separate upper from lower keypoints by at least this much,
#: and by twice as much as any other axis, to be trusted.
_MIN_UP_SEPARATION_M = 0.3


def sniff_trc(head: bytes) -> bool:
    """Return True when the first line starts with ``PathFileType``."""
    return head.removeprefix(b"\xef\xbb\xbf").startswith(b"PathFileType")


def read_text_file(path: Path) -> str:
    """Return the text of ``path``; raise :class:`InputError` if empty or unreadable."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror}).") from e
    if not raw.strip():
        raise InputError(f"{path.name}: the file is empty; expected text content.")
    return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")


def trial_from_arrays(file_name: str, **kwargs: Any) -> xr.Dataset:
    """Call :func:`~stridescope.model.trial.from_arrays`, naming the file in errors."""
    try:
        return from_arrays(**kwargs)
    except InputError as e:
        raise type(e)(f"{file_name}: {e}") from e


def vocabulary_keypoints(labels: list[str]) -> tuple[list[str], list[str]]:
    """Map marker labels to vocabulary names; the second of two clashing labels stays.

    Returns
    -------
    tuple of list of str
        The keypoint names, and the labels kept verbatim because their vocabulary name
        was already taken by an earlier label.
    """
    names: list[str] = []
    clashes: list[str] = []
    for label in labels:
        name = vocabulary_name(label)
        if name in names:
            clashes.append(label)
            name = label.strip()
        names.append(name)
    return names, clashes


def detect_up_axis(ds: xr.Dataset) -> tuple[int, int, float] | None:
    """Return ``(axis, sign, separation_m)`` of the vertical axis shown by the markers.

    Upper-body and pelvis keypoints (C7, acromia, ASIS, head ...) must sit above
    foot keypoints (heel, toe, malleoli ...) on average. Returns None when the trial
    lacks such keypoints or the evidence is not clear-cut. Positions must be in metres.
    """
    names = [str(n) for n in ds[s.KEYPOINT].values]
    upper = [i for i, n in enumerate(names) if n in _UPPER]
    lower = [i for i, n in enumerate(names) if n in _LOWER]
    if not upper or not lower:
        return None
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    diff = _nanmean_xyz(pos[:, :, upper]) - _nanmean_xyz(pos[:, :, lower])
    if not np.all(np.isfinite(diff)):
        return None
    axis = int(np.argmax(np.abs(diff)))
    size = float(abs(diff[axis]))
    if size < _MIN_UP_SEPARATION_M or size < 2 * np.delete(np.abs(diff), axis).max():
        return None
    return axis, int(np.sign(diff[axis])), float(diff[axis])


def _nanmean_xyz(block: NDArray[np.float64]) -> NDArray[np.float64]:
    finite = np.isfinite(block)
    counts = finite.sum(axis=(0, 2))
    sums = np.where(finite, block, 0.0).sum(axis=(0, 2))
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def rotation_to_z_up(axis: int, sign: int) -> NDArray[np.float64]:
    """Return the proper rotation taking the ``sign``-ed ``axis`` onto +z.

    The other axes are permuted with the least change: x is kept when y or z is
    vertical; for y-up this is OpenSim's ground -> lab (x kept, y -> z, z -> -y).
    """
    rows = {
        (2, 1): [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        (2, -1): [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
        (1, 1): [[1, 0, 0], [0, 0, -1], [0, 1, 0]],
        (1, -1): [[1, 0, 0], [0, 0, 1], [0, -1, 0]],
        (0, 1): [[0, 0, -1], [0, 1, 0], [1, 0, 0]],
        (0, -1): [[0, 0, 1], [0, 1, 0], [-1, 0, 0]],
    }
    return np.array(rows[(axis, sign)], dtype=float)


def rotate_points(
    rotation: NDArray[np.float64], pos: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Apply a signed-permutation ``rotation`` to ``pos`` (time, space, ...) exactly.

    Unlike a matrix product, NaN in one component does not spread to the others.
    """
    out = np.empty_like(pos)
    for row in range(3):
        col = int(np.argmax(np.abs(rotation[row])))
        out[:, row] = rotation[row, col] * pos[:, col]
    return out


def orient_to_lab(
    ds: xr.Dataset, file_name: str, *, assumed_up: tuple[int, int], reason: str
) -> xr.Dataset:
    """Return ``ds`` (3D, metres, file axes) rotated to the lab z-up frame, logged.

    The vertical axis comes from the markers (:func:`detect_up_axis`) when they are
    clear; otherwise ``assumed_up`` (``(axis, sign)``) is used and ``reason`` logged.
    A disagreement between the two is warned about (the markers win).
    """
    found = detect_up_axis(ds)
    if found is None:
        up = assumed_up
        ds = append_log(
            ds, "vertical_axis", axis=_axis_name(up), method="assumed", reason=reason
        )
    else:
        up = (found[0], found[1])
        ds = append_log(
            ds,
            "vertical_axis",
            axis=_axis_name(up),
            method="markers",
            upper_minus_lower_m=round(found[2], 4),
        )
        if up != assumed_up:
            warnings.warn(
                f"{file_name}: expected {_axis_name(assumed_up)} to be vertical "
                f"({reason}), but the markers show {_axis_name(up)} is up; "
                "rotating by the markers.",
                StridescopeWarning,
                stacklevel=3,
            )
    return _rotate_trial(ds, up)


def _axis_name(up: tuple[int, int]) -> str:
    return ("+" if up[1] > 0 else "-") + _AXES[up[0]]


def _rotate_trial(ds: xr.Dataset, up: tuple[int, int]) -> xr.Dataset:
    # Not processing.frames.to_lab_z_up: its matrix product spreads a NaN component
    # to the others; rotate_points applies the same matrix exactly.
    out = ds.copy()
    out.attrs = {**ds.attrs, s.ATTR_COORDINATE_FRAME: "lab_z_up"}
    if up == (2, 1):
        return out
    rotation = rotation_to_z_up(*up)
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    out[s.POSITION] = ((s.TIME, s.SPACE, s.KEYPOINT), rotate_points(rotation, pos))
    return append_log(
        out,
        "to_lab_z_up",
        from_frame="opensim_y_up" if up == (1, 1) else f"{_axis_name(up)}_up",
        matrix=rotation.astype(int).tolist(),
    )


@dataclass(frozen=True)
class _TrcHeader:
    rate_hz: float
    units: str
    n_frames: int
    labels: list[str]


def _parse_header(path: Path, lines: list[str]) -> _TrcHeader:
    first = lines[0] if lines else ""
    if len(lines) < _HEADER_LINES or not first.startswith("PathFileType"):
        raise InputError(
            f"{path.name}: expected a TRC header (line 1 starting with "
            f"'PathFileType', then 4 more header lines), but line 1 is {first[:40]!r}."
        )
    keys = [k.strip() for k in lines[1].split("\t")]
    info = dict(zip(keys, [v.strip() for v in lines[2].split("\t")], strict=False))
    missing = [k for k in ("DataRate", "NumFrames", "Units") if not info.get(k)]
    if missing:
        raise InputError(
            f"{path.name}: expected TRC header fields {missing} on lines 2-3, "
            "but they are absent or blank."
        )
    try:
        rate, n_frames = float(info["DataRate"]), int(float(info["NumFrames"]))
    except ValueError as e:
        raise InputError(
            f"{path.name}: expected numbers for DataRate and NumFrames, but got "
            f"{info['DataRate']!r} and {info['NumFrames']!r}."
        ) from e
    labels = [x.strip() for x in lines[3].split("\t")[2:] if x.strip()]
    if not labels:
        raise MissingDataError(
            f"{path.name}: expected marker names on line 4, but found none."
        )
    return _TrcHeader(rate, info["Units"], n_frames, labels)


def _parse_rows(path: Path, lines: list[str], n_cols: int) -> NDArray[np.float64]:
    numbered = [
        (i + 1, ln) for i, ln in enumerate(lines) if i >= _HEADER_LINES and ln.strip()
    ]
    if not numbered:
        raise MissingDataError(
            f"{path.name}: expected data rows after the 5 header lines, but found none."
        )
    rows = [_fit_row(path, line_no, ln, n_cols=n_cols) for line_no, ln in numbered]
    try:
        table = pd.read_csv(
            io.StringIO("\n".join(rows)), sep="\t", header=None, dtype=np.float64
        )
        return np.asarray(table.to_numpy(), dtype=np.float64)
    except ValueError:  # a non-numeric cell: find and name it (slow path)
        grid = np.array([row.split("\t") for row in rows])
        return cells_to_float(path, grid, [i for i, _ in numbered])


def _fit_row(path: Path, line_no: int, line: str, *, n_cols: int) -> str:
    """Pad a short row with blank cells; drop blank cells beyond ``n_cols``."""
    n_tabs = line.count("\t")
    if n_tabs < n_cols:
        return line + "\t" * (n_cols - 1 - n_tabs)
    cells = line.split("\t")
    if any(x.strip() for x in cells[n_cols:]):
        raise InputError(
            f"{path.name}: expected at most {n_cols} values per row (Frame#, Time "
            f"and 3 per marker), but line {line_no} has {len(cells)}."
        )
    return "\t".join(cells[:n_cols])


def cells_to_float(
    path: Path, grid: NDArray[np.str_], line_numbers: list[int]
) -> NDArray[np.float64]:
    """Convert text cells to floats (blank -> NaN); errors name the first bad cell."""
    text = np.char.strip(grid)
    text[text == ""] = "nan"
    try:
        return text.astype(np.float64)
    except ValueError as e:
        flat = pd.Series(text.ravel())
        bad = pd.to_numeric(flat, errors="coerce").isna() & (flat.str.lower() != "nan")
        row, col = divmod(int(np.argmax(bad.to_numpy())), grid.shape[1])
        raise InputError(
            f"{path.name}: expected numbers, but line {line_numbers[row]} column "
            f"{col + 1} holds {str(grid[row, col])[:30]!r}."
        ) from e


def read_trc(path: str | os.PathLike[str]) -> xr.Dataset:
    """Read a TRC marker file into a trial (metres, lab z-up frame).

    Parameters
    ----------
    path
        The ``.trc`` file.

    Returns
    -------
    xarray.Dataset
        The trial with ``position`` (NaN where a cell is blank); keypoint names from
        the vocabulary where known, original labels in ``keypoint_source_name``.

    Raises
    ------
    InputError
        For an empty file, a missing or malformed header, non-numeric cells or rows
        longer than the header; the message starts with the file name.
    """
    p = Path(path)
    lines = read_text_file(p).splitlines()
    header = _parse_header(p, lines)
    values = _parse_rows(p, lines, 2 + 3 * len(header.labels))
    n = values.shape[0]
    factor = metres_per_unit(header.units)
    pos = values[:, 2:].reshape(n, len(header.labels), 3).transpose(0, 2, 1) * factor
    names, clashes = vocabulary_keypoints(header.labels)
    first = values[0, 0]
    ds = trial_from_arrays(
        p.name,
        sampling_rate_hz=header.rate_hz,
        position=pos,
        keypoint_names=names,
        keypoint_source_names=header.labels,
        time_s=values[:, 1],
        first_frame=int(first) if np.isfinite(first) else 1,
        source_format="trc",
        source_file=p.name,
    )
    ds = _log_trc_reading(ds, p.name, header, factor=factor, clashes=clashes)
    return orient_to_lab(
        ds, p.name, assumed_up=(1, 1), reason="TRC files are y-up by convention"
    )


def _log_trc_reading(
    ds: xr.Dataset,
    name: str,
    header: _TrcHeader,
    *,
    factor: float,
    clashes: list[str],
) -> xr.Dataset:
    if factor != 1.0:
        ds = append_log(ds, "scale_to_metres", from_unit=header.units, factor=factor)
    if clashes:
        ds = append_log(ds, "duplicate_vocabulary_names_kept_verbatim", labels=clashes)
    short = int(np.isnan(ds[s.POSITION].values).any(axis=(1, 2)).sum())
    if short:
        ds = append_log(ds, "missing_samples", frames_with_gaps=short)
    n = ds.sizes[s.TIME]
    if n != header.n_frames:
        warnings.warn(
            f"{name}: expected {header.n_frames} frames (NumFrames), but read {n}; "
            "keeping the rows read.",
            StridescopeWarning,
            stacklevel=3,
        )
        ds = append_log(ds, "frame_count_mismatch", header=header.n_frames, read=n)
    return ds


def write_trc(
    ds: xr.Dataset, path: str | os.PathLike[str], *, overwrite: bool = False
) -> None:
    """Write the trial's positions to a TRC file (metres, OpenSim y-up frame).

    Markers are written under their original labels (``keypoint_source_name``) when
    these are unique, otherwise under the keypoint names; NaN becomes a blank cell.

    Parameters
    ----------
    ds
        A trial with 3D ``position`` in metres, in ``lab_z_up`` or ``opensim_y_up``.
    path
        The ``.trc`` file to write.
    overwrite
        Replace an existing file.

    Raises
    ------
    InputError
        If ``path`` exists and ``overwrite`` is False, or the positions are not 3D
        metres in a lab frame.
    """
    validate_trial(ds, require=(s.POSITION,))
    p = Path(path)
    if p.exists() and not overwrite:
        raise InputError(f"{p}: already exists; pass overwrite=True to replace it.")
    frame = ds.attrs[s.ATTR_COORDINATE_FRAME]
    if (
        ds.attrs[s.ATTR_SPACE_UNIT] != "m"
        or ds.sizes[s.SPACE] != 3
        or frame
        not in (
            "lab_z_up",
            "opensim_y_up",
        )
    ):
        raise InputError(
            f"{p.name}: expected 3D positions in metres in a lab frame, but got "
            f"{ds.sizes[s.SPACE]}D {ds.attrs[s.ATTR_SPACE_UNIT]!r} in {frame!r}."
        )
    pos = ds[s.POSITION].transpose(s.TIME, s.SPACE, s.KEYPOINT).values
    if frame == "lab_z_up":
        pos = rotate_points(rotation_to_z_up(1, 1).T, pos)
    p.write_text(_trc_text(p.name, ds, pos), encoding="utf-8", newline="\n")


def _marker_labels(ds: xr.Dataset) -> list[str]:
    source = [str(x) for x in ds[s.KEYPOINT_SOURCE_NAME].values]
    names = source if len(set(source)) == len(source) else ds[s.KEYPOINT].values
    return [str(n).replace("\t", " ") for n in names]


def _trc_text(file_name: str, ds: xr.Dataset, pos: NDArray[np.float64]) -> str:
    labels = _marker_labels(ds)
    n, m = pos.shape[0], len(labels)
    rate = float(ds.attrs[s.ATTR_SAMPLING_RATE_HZ])
    frames = ds[s.FRAME].values.astype(np.int64)
    head = [
        f"PathFileType\t4\t(X/Y/Z)\t{file_name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames",
        f"{rate!r}\t{rate!r}\t{n}\t{m}\tm\t{rate!r}\t{frames[0]}\t{n}",
        "Frame#\tTime\t" + "\t".join(f"{label}\t\t" for label in labels),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, m + 1)),
        "",
    ]
    table = pd.DataFrame(pos.transpose(0, 2, 1).reshape(n, 3 * m))
    table.insert(0, "time", ds[s.TIME].values.astype(float))
    table.insert(0, "frame", frames)
    body = table.to_csv(sep="\t", header=False, index=False, na_rep="")
    return "\n".join(head) + "\n" + body.replace("\r\n", "\n")
