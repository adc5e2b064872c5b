"""Detect the five movement patterns in one or more analysed inputs.

:func:`assess` takes the per-input analyses of :mod:`stridescope.pipeline` (one
motion file, or several of the same runner: a side and a rear clip, mocap and video),
derives per-stride signals from each, takes every quantity from the input that
measures it best (3D motion capture > video in its own plane > world landmarks; see
:mod:`stridescope.patterns._measures`), and runs one detector per pattern:

============================  ==========================================================
pattern                       rules (``thresholds.toml``)
============================  ==========================================================
``limited_hip_motion``        hip (video: thigh) sagittal arc below the reference;
                              peak hip extension below 0 deg at >= 3 m/s; pelvic
                              contribution ratio above 0.5 (per side)
``hip_asymmetry``             right - left of hip peaks beyond max(3 deg, 2 SD), of
                              excursions beyond a 5 % symmetry angle; 95 % bootstrap
                              interval excluding zero (side = the side moving less)
``pelvis_dragged_by_leg``     pelvic contribution ratio above 0.5, or above the other
                              side's beyond max(0.2, 2 SD) (side = the dragged side)
``upper_body_asymmetry``      |mean lean| > 3 deg; lean or upper-trunk rotation peaks
                              asymmetric; |mean shoulder obliquity| > 3 deg
``excessive_pelvic_stability`` pelvis-thorax transverse MARP < 20 deg and DP < 10 deg;
                              graded by low pelvic excursion, cadence, overstride
============================  ==========================================================

Computation only: nothing is read or written here (the thresholds and references are
package data, read once by :mod:`stridescope.patterns.reference`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pandas as pd
import xarray as xr

from stridescope.errors import InputError
from stridescope.patterns._detectors import (
    Outcome,
    hip_asymmetry,
    limited_hip_motion,
    pelvis_dragged_by_leg,
)
from stridescope.patterns._evaluate import Runner
from stridescope.patterns._measures import InputContext, Quantity, input_context, merge
from stridescope.patterns._trunk import excessive_pelvic_stability, upper_body_asymmetry
from stridescope.patterns.finding import PATTERN_CODES, Assessment, Finding

__all__ = ["DETECTORS", "AnalysisLike", "assess"]


class AnalysisLike(Protocol):
    """What :func:`assess` reads from :class:`stridescope.pipeline.InputAnalysis`."""

    @property
    def path(self) -> Any:
        """The input file (only its ``name`` is used)."""
        ...

    @property
    def trial(self) -> xr.Dataset:
        """The trial (attrs ``view``, ``speed_m_s``, ``sex`` are read when present)."""
        ...

    @property
    def angles(self) -> xr.DataArray | None:
        """``angle(time, joint)`` in degrees."""
        ...

    @property
    def angle_sources(self) -> Mapping[str, str]:
        """Angle name -> where it came from."""
        ...

    @property
    def unavailable(self) -> Mapping[str, str]:
        """Angle name -> why it is missing."""
        ...

    @property
    def strides(self) -> pd.DataFrame:
        """The stride table."""
        ...

    @property
    def metrics(self) -> Mapping[str, Any]:
        """Metric name -> :class:`stridescope.gait.metrics.Metric`."""
        ...


Detector = Callable[[Mapping[str, Quantity], Runner], Outcome]

DETECTORS: dict[str, Detector] = {
    "limited_hip_motion": limited_hip_motion,
    "hip_asymmetry": hip_asymmetry,
    "pelvis_dragged_by_leg": pelvis_dragged_by_leg,
    "upper_body_asymmetry": upper_body_asymmetry,
    "excessive_pelvic_stability": excessive_pelvic_stability,
}
"""Pattern code -> detector, in display order."""


def _runner(contexts: Sequence[InputContext]) -> tuple[Runner, str]:
    """Speed and sex from the first input that knows them (3D inputs first)."""
    ordered = sorted(contexts, key=lambda c: (c.kind != "3d", c.index))
    speed = next((c for c in ordered if c.speed_m_s is not None), None)
    sex = next((c.sex for c in ordered if c.sex is not None), None)
    if speed is None:
        how = "unknown: " + "; ".join(sorted({c.speed_how for c in contexts}))
        return Runner(None, how, sex), how
    how = f"{speed.speed_how}, {speed.label}"
    return Runner(speed.speed_m_s, how, sex), f"{speed.speed_m_s:.2f} m/s ({how})"


def _order(f: Finding) -> tuple[int, str]:
    return PATTERN_CODES.index(f.pattern), f.side or ""


def assess(analyses: Sequence[AnalysisLike]) -> Assessment:
    """Detect the five patterns in the analyses of one runner's inputs.

    Parameters
    ----------
    analyses
        One or more :class:`stridescope.pipeline.InputAnalysis` of the same runner
        (e.g. a side and a rear video, or motion capture and video).

    Returns
    -------
    Assessment
        Flagged findings (pattern order, then side), patterns not assessed with what
        input would show them, the source of every quantity used (and of the running
        speed), and the patterns checked and clear.

    Raises
    ------
    InputError
        Without any analysis.
    """
    if not analyses:
        raise InputError("Expected at least one analysed input, but got none.")
    contexts = [input_context(a, i) for i, a in enumerate(analyses)]
    merged = merge(contexts)
    runner, speed_text = _runner(contexts)
    outcomes = [detect(merged, runner) for detect in DETECTORS.values()]
    findings = [f for o in outcomes for f in o.findings]
    sources = {name: q.source for name, q in sorted(merged.items())}
    sources["running_speed_m_s"] = speed_text
    return Assessment(
        findings=tuple(
            sorted((f for f in findings if f.severity != "none"), key=_order)
        ),
        not_assessed=tuple(n for o in outcomes for n in o.not_assessed),
        merged_metrics_sources=sources,
        clear=tuple(sorted((f for f in findings if f.severity == "none"), key=_order)),
    )
