"""Running speed of a trial, when the data show it (private; see signals)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from stridescope.model import schema as s

PELVIS_KEYPOINTS = ("left_asis", "right_asis", "left_psis", "right_psis", "sacrum")
MIN_OVERGROUND_M_S = 0.5


def estimate_speed_m_s(trial: xr.Dataset) -> tuple[float | None, str]:
    """Running speed (m/s) and how it was found; None on a treadmill or in video.

    The trial attr ``speed_m_s`` wins; otherwise the mean horizontal velocity of the
    pelvis markers of a 3D trial in metres (overground only: below 0.5 m/s the
    runner is on a treadmill, whose belt speed the markers cannot show).
    """
    given = trial.attrs.get("speed_m_s")
    if isinstance(given, int | float) and np.isfinite(given) and given > 0:
        return float(given), "trial attribute speed_m_s"
    if s.POSITION not in trial or trial.attrs.get(s.ATTR_SPACE_UNIT) != "m":
        return None, "unknown (no metric positions)"
    names = [k for k in PELVIS_KEYPOINTS if k in trial[s.KEYPOINT].values]
    if not names or trial.sizes.get(s.SPACE) != 3:
        return None, "unknown (no pelvis markers)"
    pelvis = trial[s.POSITION].sel({s.KEYPOINT: names}).mean(s.KEYPOINT).values
    time = np.asarray(trial[s.TIME].values, dtype=float)
    ok = np.flatnonzero(np.all(np.isfinite(pelvis), axis=1))
    if ok.size < 2:
        return None, "unknown (pelvis markers missing)"
    step = pelvis[ok[-1]] - pelvis[ok[0]]
    horizontal = np.delete(step, _vertical_axis(trial))
    speed = float(np.linalg.norm(horizontal) / (time[ok[-1]] - time[ok[0]]))
    if speed < MIN_OVERGROUND_M_S:
        return None, "unknown (treadmill or running in place)"
    return speed, "mean horizontal velocity of the pelvis markers"


def _vertical_axis(trial: xr.Dataset) -> int:
    return 1 if trial.attrs.get(s.ATTR_COORDINATE_FRAME) == "opensim_y_up" else 2
