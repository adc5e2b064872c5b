"""Detect the five movement patterns of the domain model (``docs/findings.md``).

:func:`assess` runs on the analyses of :mod:`stridescope.pipeline` and returns an
:class:`Assessment` of :class:`Finding` objects (movement features with their
evidence, never diagnoses) and :class:`NotAssessed` records;
:func:`findings_to_dicts` gives their ``report.json`` form. References and thresholds
are package data (:mod:`stridescope.patterns.reference`); the per-stride signals and
statistics are public for tests and advanced use.
"""

from stridescope.patterns.detect import DETECTORS, AnalysisLike, assess
from stridescope.patterns.finding import (
    CONFIDENCES,
    PATTERN_CODES,
    SEVERITIES,
    Assessment,
    Evidence,
    Finding,
    NotAssessed,
    findings_to_dicts,
)
from stridescope.patterns.reference import (
    Band,
    Reference,
    ReferenceDataError,
    Threshold,
    load_references,
    load_thresholds,
    reference_band,
)
from stridescope.patterns.signals import StrideSignals, compute_stride_signals
from stridescope.patterns.stats import SideDifference, side_difference

__all__ = [
    "CONFIDENCES",
    "DETECTORS",
    "PATTERN_CODES",
    "SEVERITIES",
    "AnalysisLike",
    "Assessment",
    "Band",
    "Evidence",
    "Finding",
    "NotAssessed",
    "Reference",
    "ReferenceDataError",
    "SideDifference",
    "StrideSignals",
    "Threshold",
    "assess",
    "compute_stride_signals",
    "findings_to_dicts",
    "load_references",
    "load_thresholds",
    "reference_band",
    "side_difference",
]
