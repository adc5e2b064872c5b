"""Gait events, strides and gait metrics from a trial.

``detect_gait_events`` (foot kinematics) or ``detect_force_plate_events`` give the
events; ``segment_strides`` and ``step_table`` cut them into strides and steps;
``compute_gait_metrics`` and ``compute_angle_metrics`` summarise the strides.
"""

from stridescope.gait.events import (
    classify_activity,
    detect_force_plate_events,
    detect_gait_events,
)
from stridescope.gait.metrics import (
    Metric,
    StrideStat,
    compute_angle_metrics,
    compute_curve_variability,
    compute_gait_metrics,
    normalise_strides,
)
from stridescope.gait.strides import segment_strides, step_table

__all__ = [
    "Metric",
    "StrideStat",
    "classify_activity",
    "compute_angle_metrics",
    "compute_curve_variability",
    "compute_gait_metrics",
    "detect_force_plate_events",
    "detect_gait_events",
    "normalise_strides",
    "segment_strides",
    "step_table",
]
