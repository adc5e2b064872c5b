"""Tests of the packaged lesson library: schema, coverage, content rules, loaders."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import stridescope.lessons as lessons_pkg
from stridescope.errors import InputError
from stridescope.lessons import (
    HIP_DIRECTIONS,
    PATTERN_CODES,
    Lesson,
    LessonDataError,
    LessonStep,
    get_lesson,
    lessons_for,
    load_library,
)

DATA = resources.files("stridescope.lessons").joinpath("data")
SCHEMA: dict[str, Any] = json.loads(
    resources.files("stridescope.lessons").joinpath("lesson.schema.json").read_text()
)
LESSON_FILES = sorted(f.name for f in DATA.iterdir() if f.name.endswith(".toml"))
LIBRARY = load_library()
MEDICAL_CLAIMS = re.compile(
    r"\b(cure[sd]?|heal(s|ed|ing)?|treat(s|ed|ment)?|therap\w*|diagnos\w*|"
    r"guarantee\w*|fix(es)? your)\b",
    re.IGNORECASE,
)


def _raw(name: str) -> dict[str, Any]:
    return tomllib.loads(DATA.joinpath(name).read_text("utf-8"))


def test_public_surface() -> None:
    for name in lessons_pkg.__all__:
        assert hasattr(lessons_pkg, name)
    assert {"load_library", "build_plan", "render_lesson_audio"} <= set(
        lessons_pkg.__all__
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", LESSON_FILES)
def test_every_file_validates_against_the_schema(name: str) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(_raw(name))


def test_schema_vocabulary_matches_the_code() -> None:
    assert tuple(SCHEMA["properties"]["serves"]["items"]["enum"]) == PATTERN_CODES
    assert tuple(SCHEMA["properties"]["hip_directions"]["items"]["enum"]) == (
        HIP_DIRECTIONS
    )


def test_at_least_twelve_lessons() -> None:
    assert len(LESSON_FILES) >= 12
    assert len(LIBRARY) == len(LESSON_FILES)


def test_ids_are_unique_and_match_file_names() -> None:
    ids = [lesson.id for lesson in LIBRARY]
    assert len(ids) == len(set(ids))
    assert sorted(f"{i}.toml" for i in ids) == LESSON_FILES
    assert ids == sorted(ids)


@pytest.mark.parametrize("pattern", PATTERN_CODES)
def test_every_pattern_maps_to_at_least_two_lessons(pattern: str) -> None:
    assert len(lessons_for(pattern)) >= 2


@pytest.mark.parametrize("direction", HIP_DIRECTIONS)
def test_every_hip_direction_has_a_focused_lesson(direction: str) -> None:
    focused = [
        lesson
        for lesson in lessons_for("limited_hip_motion", direction=direction)
        if len(lesson.hip_directions) <= 2
    ]
    assert focused, f"no lesson focuses on {direction}"


def test_a_standing_pre_run_lesson_exists() -> None:
    pre_run = [lesson for lesson in LIBRARY if "pre-run" in lesson.tags]
    assert len(pre_run) == 1
    assert pre_run[0].position == "standing"
    assert 8 <= pre_run[0].duration_min <= 10


def test_general_and_gentle_lessons_exist() -> None:
    assert sum("general" in lesson.tags for lesson in LIBRARY) >= 3
    assert sum("gentle" in lesson.tags for lesson in LIBRARY) >= 4


@pytest.mark.parametrize("lesson", LIBRARY, ids=lambda lesson: lesson.id)
def test_step_durations_sum_to_within_40_percent(lesson: Lesson) -> None:
    stated_s = lesson.duration_min * 60
    assert 0.6 * stated_s <= lesson.total_duration_s <= 1.4 * stated_s


@pytest.mark.parametrize("lesson", LIBRARY, ids=lambda lesson: lesson.id)
def test_lesson_shape(lesson: Lesson) -> None:
    kinds = [step.kind for step in lesson.steps]
    assert [step.number for step in lesson.steps] == list(range(1, len(kinds) + 1))
    assert kinds[0] == "settle"
    assert kinds[-1] == "closing"
    assert kinds.count("rest") >= 1
    assert kinds.count("movement") >= 4
    assert all(s.pause_s >= 10 for s in lesson.steps if s.kind == "movement")
    closing = lesson.steps[-1].text.lower()
    assert "walk" in closing
    assert "notice" in closing


@pytest.mark.parametrize("lesson", LIBRARY, ids=lambda lesson: lesson.id)
def test_plain_attentive_language_and_no_medical_claims(lesson: Lesson) -> None:
    text = " ".join([lesson.intent, lesson.safety, *(s.text for s in lesson.steps)])
    assert not MEDICAL_CLAIMS.search(text), MEDICAL_CLAIMS.search(text)
    lowered = text.lower()
    for cue in ("notice", "breath", "slow", "pain"):
        assert cue in lowered, cue
    assert "may" in lesson.intent
    assert "stop" in lesson.safety
    assert "pain" in lesson.safety
    assert 2 <= len(re.findall(r"[.?!](\s|$)", lesson.intent)) <= 3  # sentences


def test_step_total_duration_is_computed() -> None:
    counted = LessonStep(1, "movement", "x" * 30, 8, None, 10.0, repetition_s=5.0)
    timed = LessonStep(2, "rest", "x" * 30, None, 45.0, 0.0)
    assert counted.activity_s == 40.0
    assert counted.total_duration_s == 50.0
    assert timed.total_duration_s == 45.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        counted.pause_s = 1.0  # type: ignore[misc]


def test_get_lesson() -> None:
    assert get_lesson("loosening-up-before-a-run").position == "standing"
    with pytest.raises(InputError, match="Unknown lesson id 'nope'"):
        get_lesson("nope")


def test_lessons_for_filters_and_rejects_unknown_codes() -> None:
    extension = lessons_for("limited_hip_motion", direction="extension")
    assert "thigh-lengthens-behind" in {lesson.id for lesson in extension}
    assert all("extension" in lesson.hip_directions for lesson in extension)
    with pytest.raises(InputError, match="Unknown pattern code 'sciatica'"):
        lessons_for("sciatica")
    with pytest.raises(InputError, match="Unknown hip direction 'sideways'"):
        lessons_for("limited_hip_motion", direction="sideways")


def test_load_library_reads_a_custom_folder(tmp_path: Path) -> None:
    name = "knees-open-and-close.toml"
    (tmp_path / name).write_text(DATA.joinpath(name).read_text("utf-8"), "utf-8")
    (custom,) = load_library(tmp_path)
    assert custom == get_lesson("knees-open-and-close")


def test_load_library_collects_every_problem(tmp_path: Path) -> None:
    good = _raw("knees-open-and-close.toml")
    text = DATA.joinpath("knees-open-and-close.toml").read_text("utf-8")
    (tmp_path / "wrong-name.toml").write_text(text, "utf-8")
    bad = text.replace('position = "lying"', 'position = "upside-down"')
    (tmp_path / "knees-open-and-close.toml").write_text(bad, "utf-8")
    (tmp_path / "broken.toml").write_text("id = [", "utf-8")
    with pytest.raises(LessonDataError) as info:
        load_library(tmp_path)
    message = str(info.value)
    assert "broken.toml: cannot be read" in message
    assert "at position: 'upside-down' is not one of" in message
    assert f"expected id 'wrong-name' (the file name), got {good['id']!r}" in message


def test_load_library_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LessonDataError, match="is not one"):
        load_library(tmp_path / "absent")
    with pytest.raises(LessonDataError, match="found none"):
        load_library(tmp_path)
