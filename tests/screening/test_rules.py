"""Tests of the questionnaire data and the outcome rules of the safety screen."""

from __future__ import annotations

import doctest
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stridescope.errors import InputError
from stridescope.screening import (
    GROUP_SEVERITY,
    OUTCOME_MESSAGES,
    SOURCES,
    load_questions,
    rules,
    screen,
)
from stridescope.screening.rules import _parse_questions
from tests.fixtures.scripts import load_script

QUESTIONS = load_questions()
IDS = [q.id for q in QUESTIONS]
REPO_ROOT = Path(__file__).resolve().parents[2]


def _ids(severity: str) -> list[str]:
    return [q.id for q in QUESTIONS if q.severity == severity]


def _all_no(**overrides: bool) -> dict[str, bool]:
    return {**dict.fromkeys(IDS, False), **overrides}


# --- the questionnaire ---------------------------------------------------------------


def test_ids_are_unique_snake_case() -> None:
    assert len(IDS) == len(set(IDS))
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) for i in IDS)


def test_every_question_has_a_why_and_a_known_source() -> None:
    for q in QUESTIONS:
        assert q.why.rstrip().endswith("."), q.id
        assert q.question.rstrip().endswith("?"), q.id
        assert q.source.strip(), q.id
        assert set(q.sources) <= set(SOURCES), q.id


def test_every_group_is_covered_with_its_severity() -> None:
    assert {q.group for q in QUESTIONS} == set(GROUP_SEVERITY)
    assert all(q.severity == GROUP_SEVERITY[q.group] for q in QUESTIONS)


@pytest.mark.parametrize(
    ("pattern", "group"),
    [
        ("passing urine", "cauda_equina"),
        ("bladder or bowels", "cauda_equina"),
        ("saddle", "cauda_equina"),
        ("sexual function", "cauda_equina"),
        ("both legs", "cauda_equina"),
        ("weaker", "cauda_equina"),
        ("had cancer", "cancer"),
        ("lost weight", "cancer"),
        ("turned 50", "cancer"),
        ("at night", "cancer"),
        ("a month or more", "cancer"),
        ("several other places", "cancer"),
        ("upper or middle back", "cancer"),
        ("fever", "infection"),
        ("generally unwell", "infection"),
        ("immune system", "infection"),
        ("inject drugs", "infection"),
        ("bacterial infection", "infection"),
        ("wound", "infection"),
        ("big fall", "fracture"),
        ("osteoporosis", "fracture"),
        ("shape of your back", "fracture"),
        ("eased only by lying down", "fracture"),
        ("stiff for more than 30 minutes", "inflammatory"),
        ("before you were 45", "inflammatory"),
        ("inflammatory condition", "inflammatory"),
        ("noticeably weak", "neurological"),
        ("gone numb", "neurological"),
        ("below the knee", "out_of_scope"),
        ("pins and needles", "out_of_scope"),
        ("stenosis", "out_of_scope"),
        ("spondylolisthesis", "out_of_scope"),
        ("disc", "out_of_scope"),
        ("operation on your spine", "out_of_scope"),
        ("pregnant", "out_of_scope"),
        ("any other specific condition", "out_of_scope"),
        ("7 or more", "out_of_scope"),
        ("getting steadily worse", "out_of_scope"),
    ],
)
def test_methods_f_item_is_asked(pattern: str, group: str) -> None:
    matches = [q for q in QUESTIONS if pattern in q.question]
    assert [q.group for q in matches] == [group]


def test_emergency_items_come_first() -> None:
    severities = [q.severity for q in QUESTIONS]
    n = severities.count("emergency")
    assert severities[:n] == ["emergency"] * n


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"group": "other"}, "expected a group in"),
        ({"severity": "medical"}, "expected severity 'emergency' for cauda_equina"),
        ({"source": "Wikipedia"}, "expected sources from"),
        ({"why": ""}, "expected a non-empty string for 'why'"),
        ({"id": "Bad-Id"}, "expected a snake_case id, got 'Bad-Id'"),
        ({"extra": "x"}, r"got \['extra'\]"),
    ],
)
def test_malformed_questionnaire_is_rejected(
    change: dict[str, str], expected: str
) -> None:
    good = {
        "id": "a",
        "group": "cauda_equina",
        "severity": "emergency",
        "question": "Q?",
        "why": "W.",
        "source": "NHS pathways",
    }
    with pytest.raises(InputError, match=rf"^q\.toml: question 1 .*{expected}"):
        _parse_questions({"question": [{**good, **change}]}, name="q.toml")


def test_duplicate_ids_are_rejected() -> None:
    item = {
        "id": "a",
        "group": "cancer",
        "severity": "medical",
        "question": "Q?",
        "why": "W.",
        "source": "NICE NG59; [own wording]",
    }
    with pytest.raises(InputError, match=r"duplicates \['a'\]"):
        _parse_questions({"question": [item, item]}, name="q.toml")


# --- the outcome rules ---------------------------------------------------------------


@pytest.mark.parametrize("question_id", _ids("emergency"))
def test_any_cauda_equina_yes_is_an_emergency_without_advice(question_id: str) -> None:
    result = screen(_all_no(**{question_id: True}))
    assert result.status == "emergency"
    assert not result.advice_allowed
    assert [q.id for q in result.flagged] == [question_id]
    assert "emergency" in result.headline.lower()
    assert "emergency department now" in result.message


@pytest.mark.parametrize("question_id", _ids("medical"))
def test_any_medical_red_flag_needs_a_clinician(question_id: str) -> None:
    result = screen(_all_no(**{question_id: True}))
    assert (result.status, result.advice_allowed) == ("medical", False)
    assert "doctor or physiotherapist" in result.headline


def test_one_cancer_item_is_medical() -> None:
    result = screen({"history_of_cancer": True})
    assert result.status == "medical"
    assert result.flagged[0].group == "cancer"


@pytest.mark.parametrize("question_id", _ids("out_of_scope"))
def test_any_exclusion_is_out_of_scope(question_id: str) -> None:
    result = screen(_all_no(**{question_id: True}))
    assert (result.status, result.advice_allowed) == ("out_of_scope", False)
    assert "for information only" in result.message


def test_radiating_leg_pain_is_out_of_scope() -> None:
    assert screen(_all_no(leg_pain_below_knee=True)).status == "out_of_scope"


def test_all_no_is_clear_with_advice() -> None:
    result = screen(_all_no())
    assert result.status == "clear"
    assert result.advice_allowed
    assert not result.show_checklist
    assert result.flagged == ()
    assert result.unanswered == ()


@pytest.mark.parametrize("answers", [None, {}])
def test_no_answers_shows_the_checklist(answers: dict[str, bool] | None) -> None:
    result = screen(answers)
    assert result.status == "not_answered"
    assert not result.advice_allowed
    assert result.show_checklist
    assert list(result.unanswered) == IDS


def test_partly_answered_is_incomplete_and_holds_advice_back() -> None:
    answers = dict.fromkeys(IDS[:5], False)
    result = screen(answers)
    assert result.status == "incomplete"
    assert not result.advice_allowed
    assert result.show_checklist
    assert list(result.unanswered) == IDS[5:]


def test_one_unanswered_question_is_enough_to_hold_advice_back() -> None:
    answers = _all_no()
    del answers["saddle_numbness"]
    result = screen(answers)
    assert (result.status, result.unanswered) == ("incomplete", ("saddle_numbness",))


@pytest.mark.parametrize(
    ("yes", "expected"),
    [
        (["pregnant", "fever_or_chills", "saddle_numbness"], "emergency"),
        (["severe_pain", "major_trauma"], "medical"),
        (["leg_pain_below_knee", "diagnosed_spinal_stenosis"], "out_of_scope"),
    ],
)
def test_precedence_with_mixed_answers(yes: list[str], expected: str) -> None:
    result = screen(_all_no(**dict.fromkeys(yes, True)))
    assert result.status == expected
    assert {q.id for q in result.flagged} == set(yes)


@pytest.mark.parametrize(
    ("yes", "expected"),
    [("legs_getting_weaker", "emergency"), ("pregnant", "out_of_scope")],
)
def test_a_flag_wins_over_unanswered_questions(yes: str, expected: str) -> None:
    result = screen({yes: True, "history_of_cancer": False})
    assert result.status == expected
    assert len(result.unanswered) == len(IDS) - 2


@given(st.dictionaries(st.sampled_from(IDS), st.booleans()))
def test_advice_only_when_every_question_is_answered_no(
    answers: dict[str, bool],
) -> None:
    result = screen(answers)
    all_no = len(answers) == len(IDS) and not any(answers.values())
    assert result.advice_allowed is all_no
    assert (result.status == "clear") is all_no
    assert (result.headline, result.message) == OUTCOME_MESSAGES[result.status]


def test_unknown_ids_and_non_boolean_answers_are_rejected() -> None:
    answers: dict[str, Any] = {"saddle_numbnes": True, "pregnant": "no"}
    with pytest.raises(InputError, match=r"did you mean 'saddle_numbness'") as info:
        screen(answers)
    message = str(info.value)
    assert "\n" not in message
    assert "expected true or false for 'pregnant', got 'no'" in message


def test_every_status_has_a_headline_and_message() -> None:
    statuses = {"clear", "emergency", "medical", "out_of_scope"}
    assert set(OUTCOME_MESSAGES) == statuses | {"not_answered", "incomplete"}
    for headline, message in OUTCOME_MESSAGES.values():
        assert headline
        assert message
        assert "\n" not in message


def test_docstring_examples() -> None:
    assert doctest.testmod(rules).failed == 0


# --- docs/screening.md ---------------------------------------------------------------


def _script() -> ModuleType:
    return load_script("screening_table")


def test_docs_table_equals_the_script_output() -> None:
    doc = (REPO_ROOT / "docs" / "screening.md").read_text(encoding="utf-8")
    script = _script()
    assert script.update(doc) == doc, "run: python scripts/screening_table.py --write"
    for block in script.render_blocks().values():
        assert block in doc
    assert all(f"`{i}`" in doc for i in IDS)
