"""Per-stride signals derived from a trial's angles and strides (methods memo C).

:func:`compute_stride_signals` turns ``angle(time, joint)`` (3D names from
:mod:`stridescope.kinematics`, or the 2D names of video trials) and the stride table
into one row per valid stride: peaks and excursions of the hip (or of the thigh), the
pelvic contribution ratio, pelvis-thigh coupling slopes, pelvic drop, trunk side-bend
and upper-trunk rotation to each side. Pelvis-trunk coordination (CRP, vector coding)
is in :func:`stridescope.patterns.signals.transverse_coordination`.

Derived angles (small-angle, one-plane approximations; conventions in
``docs/conventions.md``):

- thigh vs lab, sagittal (+ forward) = ``hip_flexion - pelvis_anterior_tilt`` (up to
  a constant: the pelvis's standing tilt is unknown), unless ``{side}_thigh_angle``
  is given (video);
- pelvic drop of the swing side, seen from the stance side ``s`` (+ = swing side
  lower) = ``pelvis_obliquity`` for the right stance, ``-pelvis_obliquity`` for the
  left; thigh adduction vs lab = ``hip_adduction - drop`` (or the video
  ``{side}_hip_adduction_proxy - drop``);
- lean toward the stance side = ``trunk_lateral_lean`` (right) or its negative (left);
- upper-trunk rotation vs the pelvis (+ = right shoulder forward, i.e. turned to the
  left) = ``trunk_rotation - pelvis_rotation`` when both are measured vs the lab
  (Baker order: rotation first, unaffected by the thorax's forward-tilt offset),
  else ``lumbar_rotation``, else the video ``shoulder_rotation - pelvis_rotation``.
  Its peaks to each side are taken about the stride's own mean
  (``upper_trunk_rotation_offset_deg``): without a static standing trial the zero
  of a thorax-vs-pelvis angle also holds marker-placement and model offsets
  (methods C.4), so the offset is reported apart from the turn to each side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from stridescope.model import schema as s
from stridescope.patterns._coordination import (
    Coordination,
    transverse_coordination,
)
from stridescope.patterns._speed import estimate_speed_m_s

__all__ = [
    "MIN_THIGH_EXCURSION_DEG",
    "Coordination",
    "StrideSignals",
    "angles_used",
    "compute_stride_signals",
    "estimate_speed_m_s",
    "reference_side",
    "thigh_sagittal_angle",
    "thorax_rotation",
    "transverse_coordination",
    "upper_trunk_rotation",
]

FloatArray = NDArray[np.float64]
N_SAMPLES = 101
MIN_THIGH_EXCURSION_DEG = 5.0
"""Smallest late-stance thigh extension (deg) for which a ratio is formed [own]."""
SIDE_SIGN = {"left": -1.0, "right": 1.0}


@dataclass(frozen=True)
class StrideSignals:
    """Per-stride derived values of one input.

    Attributes
    ----------
    table
        Index ``stride_id`` (valid strides only); column ``side`` plus one column per
        quantity (NaN where the angles do not allow it). Sided quantities belong to
        the stride's side; whole-cycle ones are given for every stride.
    derivations
        Quantity -> the angles it was derived from.
    reference_side
        The side whose strides summarise whole-cycle quantities (more strides; on a
        tie the earlier first stride), as in :mod:`stridescope.gait.metrics`.
    """

    table: pd.DataFrame
    derivations: Mapping[str, str]
    reference_side: str


class _Angles:
    """Name lookup over ``angle(time, joint)`` as plain arrays."""

    def __init__(self, angles: xr.DataArray) -> None:
        self.time = np.asarray(angles[s.TIME].values, dtype=float)
        self._values = np.asarray(angles.transpose(s.TIME, s.JOINT).values, dtype=float)
        self._index = {str(j): i for i, j in enumerate(angles[s.JOINT].values)}

    def get(self, name: str) -> FloatArray | None:
        i = self._index.get(name)
        return None if i is None else self._values[:, i]

    def has(self, *names: str) -> bool:
        return all(n in self._index for n in names)


def thigh_sagittal_angle(
    angles: xr.DataArray, side: str
) -> tuple[FloatArray, str] | None:
    """Thigh vs lab in the sagittal plane (deg, + forward), and how it was obtained.

    Returns None without ``{side}_thigh_angle`` or ``{side}_hip_flexion`` and
    ``pelvis_anterior_tilt``.
    """
    return _thigh(_Angles(angles), side)


def _thigh(a: _Angles, side: str) -> tuple[FloatArray, str] | None:
    direct = a.get(f"{side}_thigh_angle")
    if direct is not None:
        return direct, f"{side}_thigh_angle"
    hip, tilt = a.get(f"{side}_hip_flexion"), a.get("pelvis_anterior_tilt")
    if hip is None or tilt is None:
        return None
    return hip - tilt, f"{side}_hip_flexion - pelvis_anterior_tilt"


def _thorax(a: _Angles) -> tuple[FloatArray, str] | None:
    for name in ("trunk_rotation", "shoulder_rotation"):
        value = a.get(name)
        if value is not None:
            return value, name
    pelvis, lumbar = a.get("pelvis_rotation"), a.get("lumbar_rotation")
    if pelvis is None or lumbar is None:
        return None
    return pelvis + lumbar, "pelvis_rotation + lumbar_rotation"


def thorax_rotation(angles: xr.DataArray) -> tuple[FloatArray, str] | None:
    """Thorax (or shoulder-line) rotation vs the lab (deg, + right side forward)."""
    return _thorax(_Angles(angles))


def _utr(a: _Angles) -> tuple[FloatArray, str] | None:
    pelvis = a.get("pelvis_rotation")
    for name in ("trunk_rotation", "shoulder_rotation"):
        value = a.get(name)
        if value is not None and pelvis is not None:
            return value - pelvis, f"{name} - pelvis_rotation"
    lumbar = a.get("lumbar_rotation")
    return None if lumbar is None else (lumbar, "lumbar_rotation")


def upper_trunk_rotation(angles: xr.DataArray) -> tuple[FloatArray, str] | None:
    """Thorax vs pelvis rotation (deg, + right shoulder forward), and its derivation."""
    return _utr(_Angles(angles))


def _sample(a: _Angles, values: FloatArray, window: tuple[float, float]) -> FloatArray:
    """``values`` resampled at N_SAMPLES times over ``window`` (s); NaN across gaps."""
    start, stop = window
    inside = (a.time >= start) & (a.time <= stop)
    if inside.sum() < 2 or not np.all(np.isfinite(values[inside])):
        return np.full(N_SAMPLES, np.nan)
    at = np.linspace(start, stop, N_SAMPLES)
    return np.asarray(np.interp(at, a.time, values), dtype=float)


def _slope(x: FloatArray, y: FloatArray) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) <= 0:
        return float("nan")
    return float(np.polyfit(x[ok], y[ok], 1)[0])


@dataclass(frozen=True)
class _Stride:
    side: str
    start: float
    toe_off: float
    stop: float

    @property
    def cycle(self) -> tuple[float, float]:
        return self.start, self.stop

    @property
    def stance(self) -> tuple[float, float]:
        return self.start, self.toe_off

    @property
    def late_stance(self) -> tuple[float, float]:
        return self.start + 0.5 * (self.toe_off - self.start), self.toe_off


def _sagittal(a: _Angles, st: _Stride) -> dict[str, float]:
    out: dict[str, float] = {}
    hip = a.get(f"{st.side}_hip_flexion")
    if hip is not None:
        cycle = _sample(a, hip, st.cycle)
        out["hip_flexion_peak_deg"] = float(np.max(cycle))
        out["hip_extension_peak_deg"] = float(-np.min(cycle))
        out["hip_sagittal_rom_deg"] = float(np.ptp(cycle))
    thigh = _thigh(a, st.side)
    if thigh is None:
        return out
    cycle = _sample(a, thigh[0], st.cycle)
    out["thigh_sagittal_rom_deg"] = float(np.ptp(cycle))
    if a.has(f"{st.side}_thigh_angle"):
        out["thigh_flexion_peak_deg"] = float(np.max(cycle))
        out["thigh_extension_peak_deg"] = float(-np.min(cycle))
    tilt = a.get("pelvis_anterior_tilt")
    if tilt is not None:
        out.update(_pelvic_contribution(a, st, thigh=thigh[0], tilt=tilt))
    return out


def _pelvic_contribution(
    a: _Angles, st: _Stride, *, thigh: FloatArray, tilt: FloatArray
) -> dict[str, float]:
    """PCR over 50-100 % stance and the stance slope of tilt on thigh extension."""
    th, ti = _sample(a, thigh, st.late_stance), _sample(a, tilt, st.late_stance)
    extension = th[0] - th[-1]
    pcr = (
        (ti[-1] - ti[0]) / extension if extension >= MIN_THIGH_EXCURSION_DEG else np.nan
    )
    stance_th = _sample(a, thigh, st.stance)
    stance_ti = _sample(a, tilt, st.stance)
    return {
        "pelvic_contribution_ratio": float(pcr),
        "pelvis_thigh_coupling_sagittal": _slope(-stance_th, stance_ti),
    }


def _frontal(a: _Angles, st: _Stride) -> dict[str, float]:
    out: dict[str, float] = {}
    sign = SIDE_SIGN[st.side]
    for name, key in (
        (f"{st.side}_hip_adduction", "hip_adduction_peak_deg"),
        (f"{st.side}_hip_adduction_proxy", "hip_adduction_proxy_peak_deg"),
    ):
        hip = a.get(name)
        if hip is not None:
            out[key] = float(np.max(_sample(a, hip, st.stance)))
            if key == "hip_adduction_peak_deg":
                out["hip_frontal_rom_deg"] = float(np.ptp(_sample(a, hip, st.cycle)))
    obliquity = a.get("pelvis_obliquity")
    if obliquity is not None:
        drop = _sample(a, sign * obliquity, st.stance)
        out["contralateral_pelvic_drop_peak_deg"] = float(np.max(drop))
        hip = a.get(f"{st.side}_hip_adduction")
        if hip is None:
            hip = a.get(f"{st.side}_hip_adduction_proxy")
        if hip is not None:
            thigh = _sample(a, hip, st.stance) - drop
            out["pelvis_thigh_coupling_frontal"] = _slope(thigh, drop)
    lean = a.get("trunk_lateral_lean")
    if lean is not None:
        toward = _sample(a, sign * lean, st.stance)
        out["trunk_lateral_lean_peak_deg"] = float(np.max(toward))
    rotation = a.get(f"{st.side}_hip_internal_rotation")
    if rotation is not None:
        out["hip_transverse_rom_deg"] = float(np.ptp(_sample(a, rotation, st.cycle)))
    return out


_CYCLE_RANGES = {
    "pelvis_tilt_rom_deg": "pelvis_anterior_tilt",
    "pelvis_obliquity_rom_deg": "pelvis_obliquity",
    "pelvis_rotation_rom_deg": "pelvis_rotation",
    "shoulder_rotation_rom_deg": "shoulder_rotation",
}
_CYCLE_MEANS = {
    "trunk_lateral_lean_mean_deg": "trunk_lateral_lean",
    "shoulder_obliquity_mean_deg": "shoulder_obliquity",
    "lumbar_lateral_bending_mean_deg": "lumbar_lateral_bending",
    "trunk_forward_lean_mean_deg": "trunk_forward_lean",
}


def _cycle(a: _Angles, st: _Stride) -> dict[str, float]:
    out: dict[str, float] = {}
    for table, reduce in ((_CYCLE_RANGES, np.ptp), (_CYCLE_MEANS, np.mean)):
        for key, name in table.items():
            values = a.get(name)
            if values is not None:
                out[key] = float(reduce(_sample(a, values, st.cycle)))
    utr = _utr(a)
    if utr is not None:
        cycle = _sample(a, utr[0], st.cycle)
        offset = float(np.mean(cycle))
        out["upper_trunk_rotation_offset_deg"] = offset
        out["upper_trunk_rotation_left_peak_deg"] = float(np.max(cycle - offset))
        out["upper_trunk_rotation_right_peak_deg"] = float(np.max(offset - cycle))
    return out


_FIXED_SOURCES = {
    "hip_flexion_peak_deg": "{side}_hip_flexion",
    "hip_extension_peak_deg": "{side}_hip_flexion",
    "hip_sagittal_rom_deg": "{side}_hip_flexion",
    "hip_adduction_peak_deg": "{side}_hip_adduction (stance)",
    "hip_frontal_rom_deg": "{side}_hip_adduction",
    "hip_adduction_proxy_peak_deg": "{side}_hip_adduction_proxy (stance)",
    "hip_transverse_rom_deg": "{side}_hip_internal_rotation",
    "contralateral_pelvic_drop_peak_deg": "pelvis_obliquity (stance)",
    "pelvis_thigh_coupling_frontal": "pelvis_obliquity vs thigh adduction (stance)",
    "trunk_lateral_lean_peak_deg": "trunk_lateral_lean toward the stance side",
    "upper_trunk_rotation_offset_deg": "thorax vs pelvis rotation, stride mean",
    **_CYCLE_RANGES,
    **_CYCLE_MEANS,
}


def angles_used(quantity: str, derivations: Mapping[str, str]) -> str:
    """The angles a per-stride quantity is computed from, in words."""
    if quantity in _FIXED_SOURCES:
        return _FIXED_SOURCES[quantity].replace("{side}_", "left/right_")
    thigh = derivations.get("left_thigh", "thigh angle").replace("left_", "left/right_")
    if quantity.startswith("thigh_"):
        return thigh
    if quantity in ("pelvic_contribution_ratio", "pelvis_thigh_coupling_sagittal"):
        return f"pelvis_anterior_tilt vs thigh ({thigh}), late stance"
    return "angles"


def _derivations(a: _Angles) -> dict[str, str]:
    out = {}
    for side in ("left", "right"):
        thigh = _thigh(a, side)
        if thigh is not None:
            out[f"{side}_thigh"] = thigh[1]
    utr = _utr(a)
    if utr is not None:
        out["upper_trunk_rotation"] = utr[1]
    thorax = _thorax(a)
    if thorax is not None:
        out["thorax_rotation"] = thorax[1]
    return out


def reference_side(strides: pd.DataFrame) -> str:
    """The side with more valid strides; on a tie, the earlier first stride."""
    valid = strides[strides["valid"].astype(bool)]

    def key(side: str) -> tuple[int, float]:
        rows = valid[valid["side"] == side]
        first = float(rows["foot_strike_s"].min()) if len(rows) else np.inf
        return (-len(rows), first)

    return min(("left", "right"), key=key)


Extractor = Callable[[_Angles, _Stride], dict[str, float]]
_EXTRACTORS: tuple[Extractor, ...] = (_sagittal, _frontal, _cycle)


def compute_stride_signals(
    angles: xr.DataArray, strides: pd.DataFrame
) -> StrideSignals:
    """Compute the per-stride signals of one trial (see the module docstring).

    Parameters
    ----------
    angles
        ``angle(time, joint)`` in degrees, on the strides' time axis.
    strides
        Stride table from :func:`stridescope.gait.strides.segment_strides`; only
        valid strides with a toe-off are used.

    Returns
    -------
    StrideSignals
        One row per valid stride (degrees, ratios dimensionless).
    """
    a = _Angles(angles)
    valid = strides[strides["valid"].astype(bool) & np.isfinite(strides["toe_off_s"])]
    rows = []
    for stride_id, row in valid.iterrows():
        st = _Stride(
            str(row["side"]),
            float(row["foot_strike_s"]),
            float(row["toe_off_s"]),
            float(row["next_foot_strike_s"]),
        )
        values: dict[str, object] = {"stride_id": stride_id, "side": st.side}
        for extract in _EXTRACTORS:
            values.update(extract(a, st))
        rows.append(values)
    table = pd.DataFrame(rows).set_index("stride_id") if rows else pd.DataFrame()
    return StrideSignals(table, _derivations(a), reference_side(strides))
