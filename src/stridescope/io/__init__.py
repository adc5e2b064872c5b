"""Read any supported file into a trial, and save/load the native format.

``load(path)`` detects the format (content first, suffix to break ties) and returns a
validated trial Dataset; ``save(ds, path)`` writes the lossless native ``.nc`` file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xarray as xr

from stridescope.errors import InputError, UnsupportedFormatError
from stridescope.io import _registry
from stridescope.io._registry import FormatSpec, detect_format, register
from stridescope.io.bvh import read_bvh, sniff_bvh
from stridescope.io.c3d import read_c3d, sniff_c3d
from stridescope.io.keypoints import register_keypoint_formats
from stridescope.io.mot import (
    read_force_plates,
    read_mot,
    reject_force_file,
    sniff_grf,
    sniff_mot,
)
from stridescope.io.netcdf import read_netcdf, sniff_netcdf, write_netcdf
from stridescope.io.trc import read_trc, sniff_trc
from stridescope.video import register_video_format

__all__ = ["detect_format", "load", "read_force_plates", "save"]

register(FormatSpec("netcdf", (".nc",), sniff_netcdf, read_netcdf))
register(FormatSpec("trc", (".trc",), sniff_trc, read_trc))
register(FormatSpec("c3d", (".c3d",), sniff_c3d, read_c3d))
register(FormatSpec("mot", (".mot", ".sto"), sniff_mot, read_mot))
# Force files are companions of a motion file, not trials: load() refuses them clearly.
register(FormatSpec("grf", (".mot", ".sto"), sniff_grf, reject_force_file))
register(FormatSpec("bvh", (".bvh",), sniff_bvh, read_bvh))
register_keypoint_formats()
register_video_format()


def load(path: str | os.PathLike[str], *, format: str = "auto") -> xr.Dataset:
    """Read ``path`` into a validated trial Dataset.

    Parameters
    ----------
    path
        The input file.
    format
        A registered format name, or ``"auto"`` to detect it.

    Returns
    -------
    xarray.Dataset
        The trial.

    Raises
    ------
    InputError
        If the file is missing, empty, malformed or unsupported; the message names the
        file and the problem.
    """
    p = Path(path)
    name = detect_format(p) if format == "auto" else format
    specs = _registry.formats()
    if name not in specs:
        raise UnsupportedFormatError(
            f"{p.name}: unknown format {name!r}; expected one of {sorted(specs)}."
        )
    if not p.is_file():
        raise InputError(f"{p}: no such file.")
    return specs[name].reader(p)


def save(
    ds: xr.Dataset, path: str | os.PathLike[str], *, overwrite: bool = False
) -> None:
    """Write ``ds`` losslessly to ``path`` (``.nc``), atomically.

    Raises
    ------
    InputError
        If ``path`` exists and ``overwrite`` is False, or the suffix is not ``.nc``.
    """
    p = Path(path)
    if p.suffix.lower() != ".nc":
        raise InputError(f"{p.name}: expected a '.nc' file name, got '{p.suffix}'.")
    if p.exists() and not overwrite:
        raise InputError(f"{p}: already exists; pass overwrite=True to replace it.")
    fd, tmp = tempfile.mkstemp(suffix=".nc", dir=p.parent)
    os.close(fd)
    try:
        write_netcdf(ds, Path(tmp))
        Path(tmp).replace(p)
    finally:
        Path(tmp).unlink(missing_ok=True)
