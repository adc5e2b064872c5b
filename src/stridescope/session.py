"""A whole session: measurements, the safety screen, findings and the lesson plan.

:func:`run_session` is what the command line runs. It analyses the inputs
(:mod:`stridescope.pipeline`), screens the answers (:mod:`stridescope.screening`),
turns the kinematics into findings (:mod:`stridescope.patterns`) and, only when the
screen allows advice, picks lessons (:mod:`stridescope.lessons`). Nothing is written
here; :mod:`stridescope.outputs` writes the files.

Screening rules (methods memo F; the issue's wording): a red flag or an exclusion
keeps the measurements but withholds findings-based advice and lessons; with no
answers at all, or only some, the report puts the checklist first and the lessons
after it, asking the reader to answer it before doing them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from stridescope._analysis import AnalysisOptions, InputAnalysis, ProgressReporter
from stridescope.lessons import LessonPlan, build_plan
from stridescope.patterns import Assessment, assess, findings_to_dicts
from stridescope.pipeline import analyze_inputs, build_measurement_report
from stridescope.report.build import Report
from stridescope.screening import Intake, ScreeningResult, screen

__all__ = ["LESSON_STATUSES", "Session", "run_session"]

#: Screening outcomes after which lessons may be offered (the rest withhold them).
LESSON_STATUSES = ("clear", "not_answered", "incomplete")


@dataclass(frozen=True)
class Session:
    """Everything one run computed; renderers and writers only format it."""

    report: Report
    analyses: tuple[InputAnalysis, ...]
    screening: ScreeningResult
    assessment: Assessment
    plan: LessonPlan | None
    intake: Intake | None = None

    @property
    def lessons_allowed(self) -> bool:
        """True when the screen allows lessons (see the module docstring)."""
        return self.screening.status in LESSON_STATUSES


def _screening_section(result: ScreeningResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "headline": result.headline,
        "message": result.message,
        "advice_allowed": result.status in LESSON_STATUSES,
        "show_checklist": result.show_checklist,
        "flagged": [q.id for q in result.flagged],
        "unanswered_count": len(result.unanswered),
    }


def _plan_section(plan: LessonPlan | None, status: str) -> dict[str, Any]:
    if plan is None:
        return {"offered": False, "reason": f"screening status: {status}"}
    return {
        "offered": True,
        "general": plan.general,
        "summary": plan.summary,
        "lessons": [
            {
                "id": item.lesson.id,
                "title": item.lesson.title,
                "position": item.lesson.position,
                "duration_min": item.lesson.duration_min,
                "rationale": item.rationale,
            }
            for item in plan.lessons
        ],
    }


def run_session(
    paths: Sequence[str | Path],
    *,
    options: AnalysisOptions | None = None,
    answers: Mapping[str, bool] | None = None,
    intake: Intake | None = None,
    progress: ProgressReporter | None = None,
) -> Session:
    """Analyse ``paths``, screen, find patterns and plan lessons.

    Parameters
    ----------
    paths
        Input files (see :func:`stridescope.pipeline.analyze`).
    options
        Analysis options.
    answers
        Screening answers (question id -> yes/no); taken from ``intake`` when None.
    intake
        A read intake file (answers and runner details such as sex and height).
    progress
        Receives progress of the long steps.

    Returns
    -------
    Session
        The computed session.
    """
    analyses, warnings = analyze_inputs(paths, options=options, progress=progress)
    if answers is None and intake is not None:
        answers = intake.answers
    screening = screen(answers or None)
    assessment = assess(analyses)
    allowed = screening.status in LESSON_STATUSES
    plan = build_plan(assessment.findings) if allowed else None
    findings, not_assessed = findings_to_dicts(assessment)
    report = replace(
        build_measurement_report(analyses),
        warnings=warnings,
        sections={
            "screening": _screening_section(screening),
            "findings": findings,
            "patterns_not_assessed": not_assessed,
            "lesson_plan": _plan_section(plan, screening.status),
        },
    )
    return Session(report, analyses, screening, assessment, plan, intake)
