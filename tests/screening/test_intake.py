"""Tests of intake files, the intake template and the interactive walk-through."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from stridescope.errors import InputError
from stridescope.screening import (
    Intake,
    Runner,
    ask_interactively,
    intake_template,
    load_questions,
    read_intake,
    screen,
)

IDS = [q.id for q in load_questions()]
ANSWER_LINE = re.compile(r"^# ([a-z0-9_]+) =$", re.MULTILINE)


def _write(tmp_path: Path, text: str, name: str = "intake.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _filled_template(answer: str = "false") -> str:
    return ANSWER_LINE.sub(rf"\1 = {answer}", intake_template())


# --- the template --------------------------------------------------------------------


def test_template_lists_every_question_once() -> None:
    template = intake_template()
    assert ANSWER_LINE.findall(template) == IDS
    assert template.count("Why we ask:") == len(IDS)
    assert "EMERGENCY" in template
    assert all(len(line) <= 88 for line in template.splitlines())


def test_untouched_template_reads_as_not_answered(tmp_path: Path) -> None:
    intake = read_intake(_write(tmp_path, intake_template()))
    assert intake == Intake(answers={}, runner=Runner())
    assert screen(intake.answers).status == "not_answered"


def test_template_filled_with_all_no_round_trips_to_clear(tmp_path: Path) -> None:
    intake = read_intake(_write(tmp_path, _filled_template("false")))
    assert dict(intake.answers) == dict.fromkeys(IDS, False)
    result = screen(intake.answers)
    assert (result.status, result.advice_allowed) == ("clear", True)


def test_template_filled_with_yes_is_an_emergency(tmp_path: Path) -> None:
    intake = read_intake(_write(tmp_path, _filled_template("true")))
    assert screen(intake.answers).status == "emergency"


def test_template_runner_example_fills_in(tmp_path: Path) -> None:
    text = re.sub(r"^# (\w+ = \S+)", r"\1", intake_template(), flags=re.MULTILINE)
    intake = read_intake(_write(tmp_path, text))
    assert intake.runner == Runner("Alex", 35.0, "female", 1.70, 30.0, 3.0)
    assert isinstance(intake.runner.age_years, float)


# --- reading intake files ------------------------------------------------------------


def test_answers_and_runner_are_read(tmp_path: Path) -> None:
    text = (
        '[runner]\nname = "Sam"\nage_years = 52\nheight_m = 1.81\n'
        "[screening]\nhistory_of_cancer = true\npregnant = false\n"
    )
    intake = read_intake(_write(tmp_path, text))
    assert dict(intake.answers) == {"history_of_cancer": True, "pregnant": False}
    assert intake.runner == Runner(name="Sam", age_years=52.0, height_m=1.81)
    assert screen(intake.answers).status == "medical"


def test_answers_are_read_only(tmp_path: Path) -> None:
    intake = read_intake(_write(tmp_path, "[screening]\npregnant = false\n"))
    with pytest.raises(TypeError, match="does not support item assignment"):
        intake.answers["pregnant"] = True  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[screening\npregnant = false\n", r"expected valid TOML, got .*line 1"),
        ("[screening]\npregnant = \n", r"expected valid TOML, got .*line 2"),
        ("[screening]\npregnant = 'no'\n", r"expected true or false for 'pregnant'"),
        (
            "[screening]\npregnant = 0\n",
            r"expected true or false for 'pregnant', got 0",
        ),
        (
            "[screening]\nbladder = true\n",
            r"\[screening\] expected a known question id, got 'bladder'",
        ),
        ("screening = 3\n", r"expected \[screening\] to be a table, got 3"),
        ("[answers]\npregnant = false\n", r"expected tables .*, got 'answers'"),
        ("[runner]\nage = 30\n", r"\[runner\] expected a key in .*, got 'age'"),
        ("[runner]\nheight_m = 178\n", r"'height_m' between 0.5 and 2.6, got 178"),
        ("[runner]\npain_now_0_10 = true\n", r"expected a number for 'pain_now_0_10'"),
        ("[runner]\nname = 7\n", r"expected text for 'name', got 7"),
    ],
)
def test_bad_files_give_one_line_naming_the_file(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, text, name="runner one.toml")
    with pytest.raises(InputError, match=rf"^runner one\.toml: .*{expected}") as info:
        read_intake(path)
    assert "\n" not in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = "[runner]\nweekly_km = -5\n[screening]\npregnant = 1\nsaddle = true\n"
    with pytest.raises(InputError, match=r"^intake\.toml: ") as info:
        read_intake(_write(tmp_path, text))
    message = str(info.value)
    assert "'pregnant'" in message
    assert "'saddle' (did you mean 'saddle_numbness'?)" in message
    assert "'weekly_km' between 0 and 1000, got -5" in message


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"nope\.toml: no such file; .*intake-template"
    ):
        read_intake(tmp_path / "nope.toml")


def test_non_utf8_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes("[runner]\nname = 'Jos\xe9'\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"^latin1\.toml: expected UTF-8 text"):
        read_intake(path)


def test_parsed_template_is_valid_toml() -> None:
    assert tomllib.loads(intake_template()) == {"runner": {}, "screening": {}}


# --- the interactive walk-through ----------------------------------------------------


def test_walk_through_all_no_is_clear() -> None:
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return False

    answers = ask_interactively(ask)
    assert list(answers) == IDS
    assert len(asked) == len(IDS)
    assert screen(answers).status == "clear"


def test_walk_through_stops_at_the_first_emergency_yes() -> None:
    asked: list[str] = []

    def ask(question: str) -> bool:
        asked.append(question)
        return "genitals (the area" in question

    answers = ask_interactively(ask)
    assert list(answers)[-1] == "saddle_numbness"
    assert len(asked) == IDS.index("saddle_numbness") + 1
    result = screen(answers)
    assert (result.status, result.advice_allowed) == ("emergency", False)


def test_walk_through_goes_on_after_a_medical_yes() -> None:
    answers = ask_interactively(lambda q: "cancer" in q)
    assert len(answers) == len(IDS)
    assert screen(answers).status == "medical"


def test_walk_through_needs_a_bool() -> None:
    with pytest.raises(TypeError, match=r"expected ask\(\) to return True or False"):
        ask_interactively(lambda q: "no")  # type: ignore[arg-type,return-value]
