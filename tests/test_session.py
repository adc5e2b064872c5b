"""A whole session: screening decides whether lessons are offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from stridescope import io
from stridescope.screening import load_questions
from stridescope.session import run_session
from tests.fixtures.synthetic_runner import synthetic_runner


@pytest.fixture(scope="module")
def runner_nc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5 s synthetic treadmill runner saved as .nc."""
    path = tmp_path_factory.mktemp("session") / "runner.nc"
    io.save(synthetic_runner(duration_s=5.0).trial, path)
    return path


def _all_no() -> dict[str, bool]:
    return {q.id: False for q in load_questions()}


def test_cauda_equina_answer_gives_emergency_and_no_lessons(runner_nc: Path) -> None:
    session = run_session([runner_nc], answers={**_all_no(), "saddle_numbness": True})
    sections = session.report.sections
    assert session.screening.status == "emergency"
    assert sections["screening"]["headline"] == "Please seek emergency medical care now"
    assert sections["lesson_plan"]["offered"] is False
    assert session.plan is None
    # The measurements are still there.
    assert session.report.gait["cadence_spm"] > 0


def test_radiating_leg_pain_is_out_of_scope(runner_nc: Path) -> None:
    session = run_session(
        [runner_nc], answers={**_all_no(), "leg_pain_below_knee": True}
    )
    assert session.screening.status == "out_of_scope"
    assert "not made for this kind of back pain" in session.screening.headline
    assert session.plan is None


def test_clear_intake_gives_lessons(runner_nc: Path) -> None:
    session = run_session([runner_nc], answers=_all_no())
    plan = session.report.sections["lesson_plan"]
    assert session.screening.status == "clear"
    assert plan["offered"] is True
    assert 2 <= len(plan["lessons"]) <= 4
    assert all(lesson["rationale"] for lesson in plan["lessons"])


def test_no_answers_shows_checklist_and_still_offers_lessons(runner_nc: Path) -> None:
    session = run_session([runner_nc])
    screening = session.report.sections["screening"]
    assert screening["status"] == "not_answered"
    assert screening["show_checklist"] is True
    assert session.report.sections["lesson_plan"]["offered"] is True


def test_findings_sections_are_in_the_report(runner_nc: Path) -> None:
    sections = run_session([runner_nc], answers=_all_no()).report.sections
    assert isinstance(sections["findings"], list)
    assert isinstance(sections["patterns_not_assessed"], list)
    codes = {p["pattern"] for p in sections["patterns_not_assessed"]} | {
        f["pattern"] for f in sections["findings"]
    }
    assert codes  # every pattern is either assessed (maybe clear) or listed here
