"""What the pattern detectors return: findings, evidence and patterns not assessed.

A :class:`Finding` is a movement feature seen in the data, never a cause or a
diagnosis. It names one of the five pattern codes, the side it concerns, how marked it
is, how far the input supports it, the numbers it rests on (:class:`Evidence`) and two
plain-language sentences, one for the runner and one for a practitioner.
:func:`findings_to_dicts` gives the ``report.json`` form (``docs/findings.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CONFIDENCES",
    "PATTERN_CODES",
    "SEVERITIES",
    "Assessment",
    "Evidence",
    "Finding",
    "NotAssessed",
    "findings_to_dicts",
]

PATTERN_CODES: tuple[str, ...] = (
    "limited_hip_motion",
    "hip_asymmetry",
    "pelvis_dragged_by_leg",
    "upper_body_asymmetry",
    "excessive_pelvic_stability",
)
"""The five pattern codes, in display order (the same as the lesson library's)."""

SEVERITIES: tuple[str, ...] = ("none", "mild", "moderate", "marked")
"""Severity grades; ``"none"`` only on patterns checked and found within limits."""

CONFIDENCES: tuple[str, ...] = ("low", "moderate", "high")
"""Confidence levels, lowest first."""


@dataclass(frozen=True)
class Evidence:
    """One number a finding rests on, with its limit, reference and provenance.

    Attributes
    ----------
    metric
        Quantity name, unit suffix included (``hip_sagittal_rom_deg``).
    unit
        ``"deg"``, ``"1"`` (a ratio), ``"%"`` or ``"steps/min"``.
    left, right
        Per-side means over strides (sided quantities), else None.
    value
        The tested value: the mean of a non-sided quantity, right - left for an
        asymmetry, or the symmetry angle (%) for an excursion asymmetry.
    interval
        95 % interval of ``value`` (bootstrap over strides) or None.
    limit
        The limit in force, after applying stride SD, speed and reference rules.
    rule
        The rule in words, e.g. ``"below 40 deg"``.
    threshold
        Key of the threshold in ``thresholds.toml``; empty for reported-only numbers.
    reference
        The reference band with its source, or ``"no reference"``.
    n_strides
        Strides used, per side (``left``/``right``) or ``value``.
    source
        Which input and which angles the number comes from.
    met
        Whether the rule is met.
    grade
        ``"none"`` unless met; else ``"mild"``, ``"moderate"`` or ``"marked"``.
    note
        Anything the reader should know (unknown speed, few strides, ...).
    """

    metric: str
    unit: str
    left: float | None
    right: float | None
    value: float | None
    interval: tuple[float, float] | None
    limit: float | None
    rule: str
    threshold: str
    reference: str
    n_strides: Mapping[str, int]
    source: str
    met: bool
    grade: str = "none"
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A movement pattern seen in the data (see the module docstring).

    ``pattern``, ``side``, ``severity``, ``confidence`` and ``directions`` are what
    :func:`stridescope.lessons.build_plan` reads; keep those names.
    """

    pattern: str
    side: str | None
    severity: str
    confidence: str
    evidence: tuple[Evidence, ...]
    message_runner: str
    message_practitioner: str
    metrics: tuple[str, ...]
    directions: tuple[str, ...] = ()
    caveats: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class NotAssessed:
    """A pattern the inputs cannot show, why, and what input would show it."""

    pattern: str
    reason: str
    needs: str


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`stridescope.patterns.assess`.

    Attributes
    ----------
    findings
        Flagged patterns (severity mild or above), in pattern order; pass these to
        :func:`stridescope.lessons.build_plan`.
    not_assessed
        Patterns the inputs could not show.
    merged_metrics_sources
        Quantity name -> the input it was taken from and how it was measured.
    clear
        Patterns checked and found within limits (severity ``"none"``), with the
        evidence that was checked.
    """

    findings: tuple[Finding, ...]
    not_assessed: tuple[NotAssessed, ...]
    merged_metrics_sources: Mapping[str, str]
    clear: tuple[Finding, ...] = ()


def _number(x: float | None, digits: int = 3) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def evidence_to_dict(evidence: Evidence) -> dict[str, Any]:
    """Return the JSON form of one :class:`Evidence` (numbers rounded, NaN as null)."""
    interval = evidence.interval
    return {
        "metric": evidence.metric,
        "unit": evidence.unit,
        "left": _number(evidence.left),
        "right": _number(evidence.right),
        "value": _number(evidence.value),
        "interval": None
        if interval is None
        else [_number(interval[0]), _number(interval[1])],
        "limit": _number(evidence.limit),
        "rule": evidence.rule,
        "threshold": evidence.threshold,
        "reference": evidence.reference,
        "n_strides": dict(evidence.n_strides),
        "source": evidence.source,
        "met": evidence.met,
        "grade": evidence.grade,
        "note": evidence.note,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """Return the JSON form of one :class:`Finding`."""
    return {
        "pattern": finding.pattern,
        "side": finding.side,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "directions": list(finding.directions),
        "metrics": list(finding.metrics),
        "message_runner": finding.message_runner,
        "message_practitioner": finding.message_practitioner,
        "caveats": list(finding.caveats),
        "evidence": [evidence_to_dict(e) for e in finding.evidence],
    }


def findings_to_dicts(
    assessment: Assessment, *, include_clear: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return the ``report.json`` forms of ``findings`` and ``patterns_not_assessed``.

    Parameters
    ----------
    assessment
        The result of :func:`stridescope.patterns.assess`.
    include_clear
        Also list the patterns checked and found within limits (severity ``"none"``)
        after the flagged findings.

    Returns
    -------
    tuple of (list of dict, list of dict)
        The findings (shape in ``docs/findings.md``) and the patterns not assessed
        (``{"pattern", "reason", "needs"}``). Plain JSON types only.

    Examples
    --------
    >>> empty = Assessment((), (NotAssessed("hip_asymmetry", "why", "what"),), {})
    >>> findings_to_dicts(empty)
    ([], [{'pattern': 'hip_asymmetry', 'reason': 'why', 'needs': 'what'}])
    """
    shown = assessment.findings + (assessment.clear if include_clear else ())
    findings = [finding_to_dict(f) for f in shown]
    missing = [
        {"pattern": n.pattern, "reason": n.reason, "needs": n.needs}
        for n in assessment.not_assessed
    ]
    return findings, missing
