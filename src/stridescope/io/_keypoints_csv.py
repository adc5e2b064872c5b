"""Reader of one-row-per-frame keypoint CSV files (layout: :mod:`.keypoints`)."""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeWarning
from stridescope.io._keypoint_common import (
    IMAGE_Z,
    PRESENCE,
    keypoint_names_from_labels,
    positive,
    trial_with_log,
    unit_confidence,
)
from stridescope.model import schema as s

_CSV_COLUMN = re.compile(
    r"^(.+)_(x|y|z|visibility|score|confidence|likelihood|presence)$", re.IGNORECASE
)
_TIME_COLUMNS: Final = ("time", "time_s", "timestamp_s", "t")
_FRAME_COLUMNS: Final = ("frame", "frame_index", "frame#")
_CONFIDENCE_SUFFIXES: Final = ("visibility", "score", "confidence", "likelihood")
#: Largest spread of frame intervals, relative to their median, to derive a rate.
MAX_INTERVAL_SPREAD: Final = 0.01


def sniff_keypoints_csv(head: bytes) -> bool:
    """Return True for a CSV whose header has ``<name>_x`` and ``<name>_y`` columns."""
    lines = head.decode("utf-8", errors="ignore").splitlines()
    header = next((ln for ln in lines if ln.strip() and not ln.startswith("#")), "")
    columns = [c.strip().lower() for c in header.split(",")]
    xs = {c[:-2] for c in columns if c.endswith("_x")}
    return len(xs & {c[:-2] for c in columns if c.endswith("_y")}) >= 2


def _csv_metadata(lines: list[str]) -> tuple[dict[str, str], int]:
    meta: dict[str, str] = {}
    n = 0
    while n < len(lines) and lines[n].startswith("#"):
        for item in re.split(r"[,;]", lines[n][1:]):
            key, sep, value = item.replace(":", "=", 1).partition("=")
            if sep:
                meta[key.strip().lower()] = value.strip()
        n += 1
    return meta, n


def _csv_table(path: Path, text: str, skip: int) -> pd.DataFrame:
    try:
        table = pd.read_csv(io.StringIO(text), skiprows=skip, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError) as e:
        raise InputError(f"{path.name}: not a readable CSV table ({e}).") from e
    numeric = table.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & table.notna()
    if bad.to_numpy().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(
            f"{path.name}: expected numbers, but line {skip + 2 + row} column "
            f"{table.columns[col]!r} holds {str(table.iat[row, col])[:30]!r}."
        )
    return pd.DataFrame(numeric.astype(float))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _csv_keypoints(path: Path, columns: list[str]) -> dict[str, dict[str, str]]:
    """Map each keypoint label to its columns by suffix (``x``, ``y``, ...)."""
    groups: dict[str, dict[str, str]] = {}
    ignored = []
    for column in columns:
        m = _CSV_COLUMN.match(column)
        if m:
            groups.setdefault(m.group(1), {})[m.group(2).lower()] = column
        elif column.lower() not in _TIME_COLUMNS + _FRAME_COLUMNS:
            ignored.append(column)
    incomplete = [k for k, cols in groups.items() if not {"x", "y"} <= cols.keys()]
    if incomplete or not groups:
        raise InputError(
            f"{path.name}: expected '<name>_x' and '<name>_y' columns for every "
            f"keypoint, but {incomplete or 'none'} lack them."
        )
    if ignored:
        warnings.warn(
            f"{path.name}: columns {ignored} are not keypoint columns; ignored.",
            StridescopeWarning,
            stacklevel=4,
        )
    return groups


def _csv_rate(
    path: Path, meta: dict[str, str], times: NDArray[np.float64] | None
) -> tuple[float, str]:
    for key in ("sampling_rate_hz", "fps"):
        if key in meta:
            rate = positive(_number(meta[key]))
            if rate is None:
                raise InputError(
                    f"{path.name}: expected a positive {key}, got {meta[key]!r}."
                )
            return rate, "file"
    if times is not None and times.size > 2:
        steps = np.diff(times)
        median = float(np.median(steps))
        if median > 0 and np.ptp(steps) <= MAX_INTERVAL_SPREAD * median:
            warnings.warn(
                f"{path.name}: no sampling rate stated; derived {1 / median:.4g} Hz "
                "from the regular 'time' column.",
                StridescopeWarning,
                stacklevel=4,
            )
            return 1 / median, "time_column"
    raise InputError(
        f"{path.name}: the sampling rate is unknown: expected a '# sampling_rate_hz=' "
        "line, a regular 'time' column, or read_keypoints_csv(path, "
        "sampling_rate_hz=...)."
    )


def _csv_units(
    path: Path, meta: dict[str, str]
) -> tuple[str, str, NDArray[np.float64]]:
    """Return space unit, coordinate frame and the (x, y) scale to that unit."""
    unit = meta.get("space_unit", "px").lower()
    if unit in ("normalized", "normalised"):
        size = [
            positive(_number(meta.get(k, ""))) for k in ("image_width", "image_height")
        ]
        if None in size:
            raise InputError(
                f"{path.name}: normalised coordinates need the image size: expected "
                "'# image_width=' and '# image_height=' lines (pixels)."
            )
        return "px", "image_y_down", np.array(size, dtype=float)
    if unit not in s.SPACE_UNITS:
        raise InputError(
            f"{path.name}: expected space_unit px, m or normalized, but got {unit!r}."
        )
    frame = meta.get("coordinate_frame", "image_y_down" if unit == "px" else "")
    if frame not in s.COORDINATE_FRAMES:
        raise InputError(
            f"{path.name}: expected '# coordinate_frame=' in {s.COORDINATE_FRAMES} "
            f"for {unit!r} coordinates, but got {frame!r}."
        )
    return unit, frame, np.ones(2)


def read_keypoints_csv(
    path: str | os.PathLike[str], *, sampling_rate_hz: float | None = None
) -> xr.Dataset:
    """Read a one-row-per-frame keypoint CSV (layout in the module docstring).

    Parameters
    ----------
    path
        The ``.csv`` file.
    sampling_rate_hz
        Frame rate in Hz, overriding the file's ``# sampling_rate_hz=`` line.

    Returns
    -------
    xarray.Dataset
        The trial; 3D positions when the unit is metres and every keypoint has ``_z``.

    Raises
    ------
    InputError
        For a missing rate, unknown unit, incomplete or non-numeric columns; the
        message starts with the file name and gives the line when known.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{p.name}: cannot be read as UTF-8 text ({e}).") from e
    meta, skip = _csv_metadata(text.splitlines())
    table = _csv_table(p, text, skip)
    lower = {c.lower(): c for c in table.columns}
    time_col = next((lower[c] for c in _TIME_COLUMNS if c in lower), None)
    times = None if time_col is None else table[time_col].to_numpy()
    rate, rate_source = (
        (float(sampling_rate_hz), "argument")
        if sampling_rate_hz
        else _csv_rate(p, meta, times)
    )
    unit, frame, scale = _csv_units(p, meta)
    groups = _csv_keypoints(p, [str(c) for c in table.columns])
    return _csv_trial(
        p,
        table,
        groups=groups,
        rate=(rate, rate_source),
        units=(unit, frame, scale),
        times=times,
    )


def _columns(
    table: pd.DataFrame, groups: dict[str, dict[str, str]], keys: Sequence[str]
) -> NDArray[np.float64]:
    """(time, keypoint) values of the first of ``keys`` each keypoint has, else NaN."""
    out = np.full((len(table), len(groups)), np.nan)
    for i, cols in enumerate(groups.values()):
        col = next((cols[k] for k in keys if k in cols), None)
        if col is not None:
            out[:, i] = table[col].to_numpy()
    return out


def _csv_trial(
    p: Path,
    table: pd.DataFrame,
    *,
    groups: dict[str, dict[str, str]],
    rate: tuple[float, str],
    units: tuple[str, str, NDArray[np.float64]],
    times: NDArray[np.float64] | None,
) -> xr.Dataset:
    labels = list(groups)
    has_z = all("z" in cols for cols in groups.values())
    axes = ("x", "y", "z") if units[0] == "m" and has_z else ("x", "y")
    pos = np.stack([_columns(table, groups, [a]) for a in axes], axis=1)
    pos[:, :2] *= units[2][None, :, None]
    conf, n_clipped = unit_confidence(_columns(table, groups, _CONFIDENCE_SUFFIXES), p)
    log = {"format": "keypoints_csv", "sampling_rate_from": rate[1]}
    ds = trial_with_log(
        p,
        {**log, "confidence_clipped": n_clipped},
        sampling_rate_hz=rate[0],
        position=pos,
        keypoint_names=keypoint_names_from_labels(labels)[0],
        keypoint_source_names=labels,
        confidence=conf,
        space_unit=units[0],
        coordinate_frame=units[1],
        time_s=times,
        source_format="keypoints_csv",
    )
    extra = {PRESENCE: _columns(table, groups, ["presence"])}
    if len(axes) == 2:
        extra[IMAGE_Z] = _columns(table, groups, ["z"])
    dims = (s.TIME, s.KEYPOINT)
    return ds.assign({k: (dims, v) for k, v in extra.items() if np.isfinite(v).any()})
