"""Build the report (pure data) from analysed inputs; renderers only format it.

The JSON contract is documented in ``docs/report-schema.md`` and checked against
``report/report.schema.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stridescope._version import __version__
from stridescope.model.trial import Event

REPORT_SCHEMA_VERSION = "1.0"

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class InputSummary:
    """What one input file was and how it was read."""

    file: str
    format: str
    view: str
    sampling_rate_hz: float
    duration_s: float
    n_frames: int
    events_source: str
    angle_sources: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs, already computed."""

    inputs: tuple[InputSummary, ...]
    gait: JsonDict
    events: tuple[JsonDict, ...]
    metrics: JsonDict
    unavailable: Mapping[str, str]
    strides: tuple[JsonDict, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    sections: Mapping[str, Any] = field(default_factory=dict)


def _finite_or_none(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _stat_dict(stat: Any) -> JsonDict | None:
    if stat is None:
        return None
    return {
        "mean": _finite_or_none(float(stat.mean)),
        "sd": _finite_or_none(float(stat.sd)),
        "n_strides": int(stat.n_strides),
    }


def metric_to_dict(metric: Any, *, source: str = "", pooled: bool = False) -> JsonDict:
    """Convert a ``gait.metrics.Metric`` into its report.json form.

    A metric with per-side values is reported per side (``left``/``right``) unless
    ``pooled`` is set (timing metrics such as cadence, which are reported for both
    feet together as ``value``); a metric without sides is reported as ``value``.
    """
    out: JsonDict = {"unit": metric.unit, "confidence": metric.confidence}
    sides = {
        side: getattr(metric, side)
        for side in ("left", "right")
        if getattr(metric, side) is not None
    }
    if sides and not pooled:
        out.update({side: _stat_dict(stat) for side, stat in sides.items()})
    elif metric.value is not None:
        out["value"] = _stat_dict(metric.value)
    if source:
        out["source"] = source
    if metric.note:
        out["note"] = metric.note
    return out


def event_to_dict(event: Event, *, input_index: int = 0) -> JsonDict:
    """Convert an :class:`Event` into its report.json form (times rounded to µs)."""
    return {
        "side": event.side,
        "kind": event.kind,
        "time_s": round(float(event.time_s), 6),
        "source": event.source,
        "input": input_index,
    }


def build_report(
    inputs: Sequence[InputSummary],
    *,
    gait: JsonDict,
    events: Sequence[JsonDict],
    metrics: JsonDict,
    unavailable: Mapping[str, str],
    strides: Sequence[JsonDict] = (),
    warnings: Sequence[str] = (),
) -> Report:
    """Assemble a :class:`Report` from already computed parts."""
    return Report(
        inputs=tuple(inputs),
        gait=dict(gait),
        events=tuple(events),
        metrics=dict(metrics),
        unavailable=dict(unavailable),
        strides=tuple(strides),
        warnings=tuple(warnings),
    )


def report_to_dict(report: Report) -> JsonDict:
    """Return the report.json document for ``report``."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "generator": {"name": "stridescope", "version": __version__},
        "inputs": [
            {
                "file": i.file,
                "format": i.format,
                "view": i.view,
                "sampling_rate_hz": i.sampling_rate_hz,
                "duration_s": round(i.duration_s, 6),
                "n_frames": i.n_frames,
                "events_source": i.events_source,
                "angle_sources": list(i.angle_sources),
                **dict(i.details),
            }
            for i in report.inputs
        ],
        "gait": report.gait,
        "events": list(report.events),
        "metrics": report.metrics,
        "unavailable": dict(report.unavailable),
        "strides": list(report.strides),
        "warnings": list(report.warnings),
        **dict(report.sections),
    }
