"""The packaged lesson library: TOML files validated against ``lesson.schema.json``.

Each file in ``stridescope/lessons/data`` holds one original movement lesson in the
Awareness Through Movement style. :func:`load_library` reads them with
:mod:`importlib.resources` (so it works from a wheel or a zip), validates every file
against the JSON Schema, and returns frozen :class:`Lesson` objects sorted by id.
Every problem in every file is collected into one :class:`LessonDataError`.
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, cast

import jsonschema  # type: ignore[import-untyped, unused-ignore]

from stridescope.errors import InputError, StridescopeError

__all__ = [
    "DEFAULT_REPETITION_S",
    "HIP_DIRECTIONS",
    "PATTERN_CODES",
    "Lesson",
    "LessonDataError",
    "LessonStep",
    "get_lesson",
    "lesson_schema",
    "lessons_for",
    "load_library",
]

PATTERN_CODES: tuple[str, ...] = (
    "limited_hip_motion",
    "hip_asymmetry",
    "pelvis_dragged_by_leg",
    "upper_body_asymmetry",
    "excessive_pelvic_stability",
)
"""Stable codes of the findings that lessons serve (order = display order)."""

HIP_DIRECTIONS: tuple[str, ...] = (
    "flexion",
    "extension",
    "abduction",
    "adduction",
    "internal_rotation",
    "external_rotation",
)
"""The six directions a hip joint moves in."""

DEFAULT_REPETITION_S = 6.0
"""Seconds one slow repetition takes when a lesson does not say otherwise."""

Position = Literal["lying", "sitting", "standing", "side-lying"]
StepKind = Literal["settle", "movement", "rest", "closing"]


class LessonDataError(StridescopeError):
    """A lesson file is missing, unreadable or does not match the lesson schema."""


@dataclass(frozen=True)
class LessonStep:
    """One numbered step of a lesson.

    Attributes
    ----------
    number
        1-based position in the lesson.
    kind
        ``settle``, ``movement``, ``rest`` or ``closing``.
    text
        What to do and what to notice, as it is spoken.
    repetitions
        How many slow repetitions, or ``None`` when the step is timed.
    duration_s
        How long the step lasts in seconds, or ``None`` when it is counted.
    pause_s
        The rest after the step, in seconds.
    repetition_s
        Seconds one repetition takes (used with ``repetitions``).
    """

    number: int
    kind: StepKind
    text: str
    repetitions: int | None
    duration_s: float | None
    pause_s: float
    repetition_s: float = DEFAULT_REPETITION_S

    @property
    def activity_s(self) -> float:
        """Seconds of the step itself, without the rest after it."""
        if self.duration_s is not None:
            return self.duration_s
        return (self.repetitions or 0) * self.repetition_s

    @property
    def total_duration_s(self) -> float:
        """Seconds of the step plus the rest after it."""
        return self.activity_s + self.pause_s


@dataclass(frozen=True)
class Lesson:
    """One voice-guided movement lesson (see ``docs/lessons.md``)."""

    id: str
    title: str
    duration_min: float
    position: Position
    serves: tuple[str, ...]
    hip_directions: tuple[str, ...]
    tags: tuple[str, ...]
    intent: str
    safety: str
    steps: tuple[LessonStep, ...]

    @property
    def total_duration_s(self) -> float:
        """Sum of the steps' durations and rests, in seconds (speech not included)."""
        return sum(step.total_duration_s for step in self.steps)


@functools.cache
def lesson_schema() -> dict[str, Any]:
    """Return the lesson JSON Schema (``lesson.schema.json``) as a dict."""
    text = (
        resources.files("stridescope.lessons")
        .joinpath("lesson.schema.json")
        .read_text("utf-8")
    )
    return cast("dict[str, Any]", json.loads(text))


def _schema_problems(data: Mapping[str, Any], source: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(lesson_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    problems = []
    for err in errors:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append(f"{source}: at {where}: {err.message}")
    return problems


def _extra_problems(data: Mapping[str, Any], source: str, stem: str) -> list[str]:
    """Rules the schema cannot state: id = file name, steps numbered 1..n."""
    problems = []
    if data.get("id") != stem:
        problems.append(
            f"{source}: expected id {stem!r} (the file name), got {data.get('id')!r}"
        )
    numbers = [step.get("number") for step in data.get("steps", [])]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(
            f"{source}: expected steps numbered 1..{len(numbers)}, got {numbers}"
        )
    return problems


def _to_lesson(data: Mapping[str, Any]) -> Lesson:
    rep_s = float(data.get("repetition_s", DEFAULT_REPETITION_S))
    steps = tuple(
        LessonStep(
            number=int(s["number"]),
            kind=s["kind"],
            text=" ".join(str(s["text"]).split()),
            repetitions=s.get("repetitions"),
            duration_s=float(s["duration_s"]) if "duration_s" in s else None,
            pause_s=float(s["pause_s"]),
            repetition_s=float(s.get("repetition_s", rep_s)),
        )
        for s in data["steps"]
    )
    return Lesson(
        id=data["id"],
        title=data["title"],
        duration_min=float(data["duration_min"]),
        position=data["position"],
        serves=tuple(data["serves"]),
        hip_directions=tuple(data.get("hip_directions", ())),
        tags=tuple(data.get("tags", ())),
        intent=" ".join(str(data["intent"]).split()),
        safety=" ".join(str(data["safety"]).split()),
        steps=steps,
    )


def _read_all(files: Iterable[Traversable]) -> tuple[Lesson, ...]:
    lessons: list[Lesson] = []
    problems: list[str] = []
    for file in sorted(files, key=lambda f: f.name):
        stem = file.name.removesuffix(".toml")
        try:
            data = tomllib.loads(file.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            problems.append(f"{file.name}: cannot be read as UTF-8 TOML: {e}")
            continue
        found = _schema_problems(data, file.name) + _extra_problems(
            data, file.name, stem
        )
        problems += found
        if not found:
            lessons.append(_to_lesson(data))
    if not lessons and not problems:
        problems.append("expected at least one *.toml lesson file, but found none")
    if problems:
        raise LessonDataError("Invalid lesson library:\n" + "\n".join(problems))
    return tuple(sorted(lessons, key=lambda lesson: lesson.id))


@functools.cache
def _packaged() -> tuple[Lesson, ...]:
    data_dir = resources.files("stridescope.lessons").joinpath("data")
    return _read_all(f for f in data_dir.iterdir() if f.name.endswith(".toml"))


def load_library(directory: Path | None = None) -> tuple[Lesson, ...]:
    """Read and validate every lesson, sorted by id.

    Parameters
    ----------
    directory
        A folder of ``*.toml`` lesson files to read instead of the packaged library
        (for practitioners who write their own); ``None`` reads the packaged one,
        which is cached after the first call.

    Returns
    -------
    tuple of Lesson
        The lessons, sorted by ``id``.

    Raises
    ------
    LessonDataError
        When a file cannot be parsed or breaks the schema; the message lists every
        problem in every file.

    Examples
    --------
    >>> lessons = load_library()
    >>> len(lessons) >= 12
    True
    """
    if directory is None:
        return _packaged()
    if not directory.is_dir():
        raise LessonDataError(
            f"Expected a folder of lesson files, but {directory} is not one."
        )
    return _read_all(sorted(directory.glob("*.toml")))


def get_lesson(lesson_id: str) -> Lesson:
    """Return the packaged lesson with this id.

    Raises
    ------
    InputError
        When no lesson has that id; the message lists the known ids.
    """
    for lesson in load_library():
        if lesson.id == lesson_id:
            return lesson
    known = ", ".join(lesson.id for lesson in load_library())
    raise InputError(f"Unknown lesson id {lesson_id!r}: expected one of {known}.")


def lessons_for(pattern: str, *, direction: str | None = None) -> tuple[Lesson, ...]:
    """Return the packaged lessons that serve a pattern code, sorted by id.

    Parameters
    ----------
    pattern
        One of :data:`PATTERN_CODES`.
    direction
        Optionally one of :data:`HIP_DIRECTIONS`: keep only lessons exploring it.

    Raises
    ------
    InputError
        When the pattern code or the direction is unknown.

    Examples
    --------
    >>> len(lessons_for("hip_asymmetry")) >= 2
    True
    """
    if pattern not in PATTERN_CODES:
        raise InputError(
            f"Unknown pattern code {pattern!r}: expected one of "
            f"{', '.join(PATTERN_CODES)}."
        )
    if direction is not None and direction not in HIP_DIRECTIONS:
        raise InputError(
            f"Unknown hip direction {direction!r}: expected one of "
            f"{', '.join(HIP_DIRECTIONS)}."
        )
    return tuple(
        lesson
        for lesson in load_library()
        if pattern in lesson.serves
        and (direction is None or direction in lesson.hip_directions)
    )
