"""Quantities of each input, their confidence, and the merge across inputs (private).

Every input (an :class:`~stridescope.pipeline.InputAnalysis`) yields quantities: the
per-stride signals of :mod:`stridescope.patterns.signals`, the pelvis-thorax
coordination, cadence per stride, and any metric of the input that the angles do not
give (e.g. a video's ``overstride_pct``), as per-side summaries.

Rank of a quantity (which input measures it best):
3 = 3D motion capture (markers, IK angles, BVH);
2 = video in its own plane (side view: sagittal; rear/front view: frontal; timing from
any view);
1 = video outside those (oblique view, world-landmark rotations);
0 = not measurable from that input (e.g. frontal angles from a side view): ignored.
Confidence starts at high / moderate / low for ranks 3 / 2 / 1 (video is never above
moderate) and drops one level for each data-quality issue: fewer than
``MIN_STRIDES_PER_SIDE`` strides, or hip angles from a femur without a knee axis. It
is never above the input's own rating of the metric of the same name (a video's 2D
hip adduction proxy is ``"low"`` in :mod:`stridescope.gait.planar_metrics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from stridescope.gait.metrics import Metric, StrideStat
from stridescope.model import schema as s
from stridescope.patterns._planes import PLANES, SAGITTAL, rank
from stridescope.patterns.finding import CONFIDENCES
from stridescope.patterns.signals import (
    Coordination,
    StrideSignals,
    angles_used,
    compute_stride_signals,
    estimate_speed_m_s,
    thorax_rotation,
    transverse_coordination,
)

FloatArray = NDArray[np.float64]
MIN_STRIDES_PER_SIDE = 5
"""Fewer strides than this on a side lowers confidence one level [own default];
methods B.4 recommends at least 10 per side."""

_HIP_BASED = ("hip_", "pelvic_contribution", "pelvis_thigh_coupling", "thigh_sag")


@dataclass(frozen=True)
class Quantity:
    """One quantity of one input: per-stride values (or per-side summaries)."""

    name: str
    unit: str
    left: FloatArray | None
    right: FloatArray | None
    value: FloatArray | None
    source: str
    input_index: int
    rank: int
    confidence: str
    notes: tuple[str, ...] = ()
    summary: Mapping[str, StrideStat] = field(default_factory=dict)

    @property
    def sided(self) -> bool:
        """Whether the quantity has a value per side."""
        return self.left is not None or "left" in self.summary

    def n_strides(self) -> dict[str, int]:
        """Strides used, per side or ``value``."""
        out = {k: int(np.isfinite(v).sum()) for k, v in self._arrays().items()}
        out.update({k: st.n_strides for k, st in self.summary.items()})
        return out

    def mean(self, key: str) -> float | None:
        """Mean of ``left``, ``right`` or ``value`` (None when absent)."""
        arr = self._arrays().get(key)
        if arr is not None and np.isfinite(arr).any():
            return float(np.nanmean(arr))
        stat = self.summary.get(key)
        return None if stat is None else stat.mean

    def _arrays(self) -> dict[str, FloatArray]:
        pairs = (("left", self.left), ("right", self.right), ("value", self.value))
        return {k: v for k, v in pairs if v is not None}


@dataclass(frozen=True)
class InputContext:
    """What the detectors need to know about one input besides its quantities."""

    index: int
    label: str
    kind: str
    view: str
    speed_m_s: float | None
    speed_how: str
    sex: str | None
    quantities: Mapping[str, Quantity]


def unit_of(name: str) -> str:
    """Unit of a quantity from its name's suffix."""
    for suffix, unit in (("_deg", "deg"), ("_pct", "%"), ("_spm", "steps/min")):
        if name.endswith(suffix):
            return unit
    return "s" if name.endswith("_s") else "1"


def lower(confidence: str, steps: int = 1) -> str:
    """``confidence`` lowered by ``steps`` levels (never below ``"low"``)."""
    return CONFIDENCES[max(0, CONFIDENCES.index(confidence) - steps)]


def _femur_without_knee_axis(analysis: Any) -> bool:
    return any(
        f"{side}_hip_internal_rotation" in analysis.unavailable
        and str(analysis.angle_sources.get(f"{side}_hip_flexion", "")).startswith(
            "computed"
        )
        for side in ("left", "right")
    )


def _label(analysis: Any, index: int, view: str) -> str:
    what = "3D motion capture" if view == "3d" else f"video, {view} view"
    return f"input {index} ({analysis.path.name}, {what})"


def _arrays(table: pd.DataFrame, column: str) -> dict[str, FloatArray]:
    side = table["side"].to_numpy(dtype=str)
    values = table[column].to_numpy(dtype=float)
    return {k: values[side == k] for k in ("left", "right")}


@dataclass(frozen=True)
class _Builder:
    index: int
    label: str
    kind: str
    view: str
    femur_issue: bool

    def confidence(self, name: str, rank: int, n_min: int) -> tuple[str, list[str]]:
        conf = {3: "high", 2: "moderate"}.get(rank, "low")
        notes = []
        if n_min < MIN_STRIDES_PER_SIDE:
            conf = lower(conf)
            notes.append(f"only {n_min} strides on a side (10 or more recommended)")
        if self.femur_issue and name.startswith(_HIP_BASED):
            conf = lower(conf)
            notes.append(
                "hip angles from a femur without a knee axis (no medial knee marker or "
                "thigh wand): their left-right agreement is limited"
            )
        return conf, notes

    def make(self, name: str, how: str, **values: Any) -> Quantity | None:
        rank_ = rank(self.kind, self.view, PLANES.get(name, SAGITTAL))
        if rank_ == 0:
            return None
        summary: Mapping[str, StrideStat] = values.pop("summary", {})
        cap = values.pop("cap", None)
        counts = [int(np.isfinite(v).sum()) for v in values.values() if v is not None]
        counts += [st.n_strides for st in summary.values()]
        if not any(counts):
            return None
        conf, notes = self.confidence(name, rank_, min(counts) if counts else 0)
        if cap in CONFIDENCES and CONFIDENCES.index(cap) < CONFIDENCES.index(conf):
            conf = cap
            notes.append(f"{cap} confidence: the input's own rating of {name}")
        return Quantity(
            name=name,
            unit=unit_of(name),
            source=f"{self.label}: {how}",
            input_index=self.index,
            rank=rank_,
            confidence=conf,
            notes=tuple(notes),
            summary=summary,
            left=values.get("left"),
            right=values.get("right"),
            value=values.get("value"),
        )


_SIDED_UTR = {
    "left": "upper_trunk_rotation_left_peak_deg",
    "right": "upper_trunk_rotation_right_peak_deg",
}


def _stride_quantities(
    b: _Builder, sig: StrideSignals, caps: Mapping[str, str]
) -> dict[str, Quantity]:
    """Per-stride quantities, capped at ``caps`` (the input's metric ratings)."""
    table = sig.table
    if table.empty:
        return {}
    ref_side = sig.reference_side
    ref = table[table["side"] == ref_side]
    out: dict[str, Quantity] = {}
    for column in table.columns:
        if column == "side" or column in _SIDED_UTR.values():
            continue
        how = f"per stride from {angles_used(column, sig.derivations)}"
        if column in _CYCLE:
            values = {"value": ref[column].to_numpy(dtype=float)}
            how += f", {ref_side} strides"
        else:
            values = _arrays(table, column)
        q = b.make(column, how, cap=caps.get(column), **values)
        if q is not None:
            out[column] = q
    if all(c in table.columns for c in _SIDED_UTR.values()):
        utr = {k: ref[c].to_numpy(dtype=float) for k, c in _SIDED_UTR.items()}
        used = sig.derivations.get("upper_trunk_rotation", "")
        how = f"peak turn to each side per stride from {used}"
        q = b.make("upper_trunk_rotation_peak_deg", how, **utr)
        if q is not None:
            out[q.name] = q
    return out


_CYCLE = {
    "pelvis_tilt_rom_deg",
    "pelvis_obliquity_rom_deg",
    "pelvis_rotation_rom_deg",
    "shoulder_rotation_rom_deg",
    "trunk_lateral_lean_mean_deg",
    "shoulder_obliquity_mean_deg",
    "lumbar_lateral_bending_mean_deg",
    "trunk_forward_lean_mean_deg",
    "upper_trunk_rotation_offset_deg",
}


def _coordination_quantities(
    b: _Builder, analysis: Any, ref_side: str
) -> dict[str, Quantity]:
    angles = analysis.angles
    thorax = thorax_rotation(angles)
    if thorax is None or "pelvis_rotation" not in angles[s.JOINT].values:
        return {}
    strides = analysis.strides
    rows = strides[strides["valid"].astype(bool) & (strides["side"] == ref_side)]
    pelvis = np.asarray(angles.sel({s.JOINT: "pelvis_rotation"}).values, dtype=float)
    time = np.asarray(angles[s.TIME].values, dtype=float)
    coord = transverse_coordination(pelvis, thorax[0], time_s=time, strides=rows)
    if coord is None:
        return {}
    return _from_coordination(
        b, coord, f"pelvis_rotation vs {thorax[1]}, {ref_side} strides"
    )


def _from_coordination(
    b: _Builder, coord: Coordination, how: str
) -> dict[str, Quantity]:
    n = coord.n_strides
    values = {
        "pelvis_thorax_transverse_marp_deg": (coord.marp_deg, "Hilbert CRP, MARP"),
        "pelvis_thorax_transverse_dp_deg": (
            np.full(n, coord.dp_deg),
            "Hilbert CRP, DP",
        ),
        "pelvis_thorax_in_phase_pct": (np.full(n, coord.in_phase_pct), "vector coding"),
        "pelvis_thorax_coupling_variability_deg": (
            np.full(n, coord.coupling_variability_deg),
            "vector coding",
        ),
    }
    out = {}
    for name, (arr, method) in values.items():
        q = b.make(name, f"{method}, {how}", value=np.asarray(arr, dtype=float))
        if q is not None:
            out[name] = q
    return out


def _cadence(b: _Builder, strides: pd.DataFrame) -> dict[str, Quantity]:
    valid = strides[strides["valid"].astype(bool)]
    arrays = {
        side: 120.0 / valid.loc[valid["side"] == side, "stride_time_s"].to_numpy(float)
        for side in ("left", "right")
    }
    both = 120.0 / valid["stride_time_s"].to_numpy(float)
    q = b.make("cadence_spm", "120 / stride time, per stride", value=both, **arrays)
    return {} if q is None else {q.name: q}


def _metric_quantities(
    b: _Builder, metrics: Mapping[str, Any], have: Mapping[str, Quantity]
) -> dict[str, Quantity]:
    out = {}
    for name, metric in metrics.items():
        if name in have or not isinstance(metric, Metric) or name not in PLANES:
            continue
        summary = {
            k: st
            for k, st in (
                ("left", metric.left),
                ("right", metric.right),
                ("value", metric.value),
            )
            if st is not None
        }
        how = f"metric {name} ({metric.note or 'per-side summary'})"
        q = b.make(name, how, summary=summary, cap=metric.confidence)
        if q is not None and summary:
            out[name] = q
    return out


def input_context(analysis: Any, index: int) -> InputContext:
    """Collect every quantity of one input with its rank and confidence."""
    view = str(analysis.trial.attrs.get(s.ATTR_VIEW, "3d"))
    kind = "3d" if view == "3d" else "video"
    label = _label(analysis, index, view)
    b = _Builder(index, label, kind, view, _femur_without_knee_axis(analysis))
    quantities: dict[str, Quantity] = {}
    if analysis.angles is not None:
        sig = compute_stride_signals(analysis.angles, analysis.strides)
        caps = {
            name: m.confidence
            for name, m in analysis.metrics.items()
            if isinstance(m, Metric)
        }
        quantities.update(_stride_quantities(b, sig, caps))
        quantities.update(_coordination_quantities(b, analysis, sig.reference_side))
    timing = dict(getattr(analysis, "details", {}) or {}).get("timing", {})
    metrics = dict(analysis.metrics)
    if "note" in timing:
        # A video whose cadence is outside human running and walking is slowed down
        # or sped up: its timing says nothing about the runner (docs/video-validation).
        for name in ("cadence_spm", "contact_time_s"):
            metrics.pop(name, None)
    else:
        quantities.update(_cadence(b, analysis.strides))
    quantities.update(_metric_quantities(b, metrics, quantities))
    speed, how = estimate_speed_m_s(analysis.trial)
    sex = analysis.trial.attrs.get("sex")
    return InputContext(
        index=index,
        label=label,
        kind=kind,
        view=view,
        speed_m_s=speed,
        speed_how=how,
        sex=sex if sex in ("male", "female") else None,
        quantities=quantities,
    )


def merge(contexts: Sequence[InputContext]) -> dict[str, Quantity]:
    """For each quantity, the input that measures it best (rank, strides, order)."""
    best: dict[str, Quantity] = {}
    for ctx in contexts:
        for name, q in ctx.quantities.items():
            old = best.get(name)
            if old is None or _key(q) > _key(old):
                best[name] = q
    return best


def _key(q: Quantity) -> tuple[int, int, int]:
    return (q.rank, min(q.n_strides().values(), default=0), -q.input_index)
