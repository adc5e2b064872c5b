"""Types shared by the analysis paths: options, per-input results, progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd
import xarray as xr

from stridescope.model.trial import Event

EventsChoice = Literal["auto", "force_plate", "file", "detected"]


class ProgressReporter(Protocol):
    """Receives progress from long steps (the CLI turns it into a progress bar)."""

    def stage(self, message: str) -> None:
        """A new step starts."""

    def advance(self, done: int, total: int | None) -> None:
        """``done`` of ``total`` units (e.g. video frames) of the step are done."""


@dataclass(frozen=True)
class AnalysisOptions:
    """Options of :func:`analyze`.

    Parameters
    ----------
    events
        Which events to analyse with: ``"auto"`` takes force-plate events when a force
        file is given, else the file's own events, else detects them from the feet.
    activity
        ``"auto"``, ``"running"`` or ``"walking"`` for event detection.
    view
        Camera view of a video or keypoint input (``side-left``, ``side-right``,
        ``rear``, ``front``); default: detected from the keypoints.
    person
        Rank of the person to analyse in a video (default: the runner, chosen
        automatically).
    pose_model
        BlazePose model for video input.
    height_m
        The runner's standing height in metres; video distances given as % of leg
        length are then also reported in metres.
    """

    events: EventsChoice = "auto"
    activity: Literal["auto", "running", "walking"] = "auto"
    view: str | None = None
    person: int | None = None
    pose_model: Literal["lite", "full", "heavy"] = "full"
    height_m: float | None = None


@dataclass(frozen=True)
class InputAnalysis:
    """Everything computed for one motion input."""

    path: Path
    format: str
    trial: xr.Dataset
    angles: xr.DataArray | None
    angle_sources: dict[str, str]
    unavailable: dict[str, str]
    events: list[Event]
    events_source: str
    strides: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)
    view: str = "3d"
    details: dict[str, Any] = field(default_factory=dict)
