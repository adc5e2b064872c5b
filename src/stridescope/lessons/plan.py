"""Choose a short, ordered lesson plan for the findings of an analysis.

Only call :func:`build_plan` when the screening questionnaire is clear
(``docs/methods.md`` section F): lessons are movement advice, and the tool steps aside
when screening is positive or the problem is out of scope.

How lessons are chosen (deterministic)
--------------------------------------
1. Each finding gets a weight: severity rank (mild 1, moderate 2, marked 3) times
   confidence rank (low 1, moderate 2, high 3).
2. A lesson serves a finding when it lists its pattern, with fit 1. When the finding
   names hip directions, the fit is 1 + shared / explored directions (a focused lesson
   beats a survey), 0.5 for a lesson without hip directions, and a lesson exploring
   only other directions does not serve it. A lesson's main (first) pattern adds 0.25.
3. Greedy cover: take the lesson serving the largest weight of findings not yet
   served; ties go to the better weighted fit, then to the fit over findings served
   already, then to the smaller id. Stop when every servable finding is served and two
   lessons are chosen, or at ``max_lessons`` (the summary names findings left out).
4. The plan must start or end with a lesson tagged ``gentle``: a gentle lesson already
   in the plan moves to the end, otherwise the best gentle lesson is appended (or
   replaces the last lesson when the plan is full).
5. With no finding, the plan is general: the pre-run loosening-up lesson plus up to two
   lessons tagged ``general``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from stridescope.errors import InputError, StridescopeWarning
from stridescope.lessons.library import (
    HIP_DIRECTIONS,
    PATTERN_CODES,
    Lesson,
    load_library,
)

__all__ = [
    "CONFIDENCE_RANK",
    "PATTERN_LABELS",
    "SEVERITY_RANK",
    "FindingLike",
    "FindingRef",
    "LessonPlan",
    "PlannedLesson",
    "build_plan",
]

SEVERITY_RANK = {"mild": 1, "moderate": 2, "marked": 3}
CONFIDENCE_RANK = {"low": 1, "moderate": 2, "high": 3}
SIDES = ("left", "right", "both", None)

PATTERN_LABELS = {
    "limited_hip_motion": "limited hip movement",
    "hip_asymmetry": "a difference between your two hips",
    "pelvis_dragged_by_leg": "the leg pulling the pelvis along",
    "upper_body_asymmetry": "a one-sided upper-body habit",
    "excessive_pelvic_stability": "a pelvis held very still",
}
"""Plain words for each pattern code, used in every rationale."""

_PURPOSE = {
    "limited_hip_motion": "explores that hip movement slowly and within comfort",
    "hip_asymmetry": "works both sides, so you can compare them",
    "pelvis_dragged_by_leg": "contrasts the hip moving by itself with the pelvis "
    "going along",
    "upper_body_asymmetry": "explores bending and turning to both sides",
    "excessive_pelvic_stability": "invites the pelvis to move with the legs again",
}

_DIRECTION_WORDS = {
    "flexion": "flexion (the thigh lifting in front)",
    "extension": "extension (the thigh lengthening behind you)",
    "abduction": "abduction (the thigh moving out to the side)",
    "adduction": "adduction (the thigh moving in across the middle)",
    "internal_rotation": "internal rotation (the thigh turning in)",
    "external_rotation": "external rotation (the thigh turning out)",
}

_NOTHING = "No movement pattern was flagged in this analysis, so this general plan"
_GENERAL_RATIONALE = {  # keyed by "is the pre-run lesson"
    True: f"{_NOTHING} offers it as a loosening-up to do just before you run.",
    False: f"{_NOTHING} offers it as an easy, general exploration for a rest day.",
}

_MIN_LESSONS = 2
_MAX_GENERAL_EXTRA = 2


class FindingLike(Protocol):
    """What :func:`build_plan` reads from a finding.

    A ``directions`` tuple (or a single ``direction``) of hip directions is read when
    the object has one.
    """

    @property
    def pattern(self) -> str:
        """One of :data:`~stridescope.lessons.PATTERN_CODES`."""
        ...

    @property
    def side(self) -> str | None:
        """``"left"``, ``"right"``, ``"both"`` or ``None``."""
        ...

    @property
    def severity(self) -> str:
        """``"mild"``, ``"moderate"`` or ``"marked"``."""
        ...

    @property
    def confidence(self) -> str:
        """``"low"``, ``"moderate"`` or ``"high"``."""
        ...


@dataclass(frozen=True)
class FindingRef:
    """A minimal finding: a pattern code with its side, grade and hip directions."""

    pattern: str
    side: str | None = None
    severity: str = "mild"
    confidence: str = "moderate"
    directions: tuple[str, ...] = ()

    @property
    def weight(self) -> int:
        """Severity rank times confidence rank (1 to 9)."""
        return SEVERITY_RANK[self.severity] * CONFIDENCE_RANK[self.confidence]


@dataclass(frozen=True)
class PlannedLesson:
    """One lesson of a plan, with why it was chosen and the findings it serves."""

    lesson: Lesson
    rationale: str
    serves: tuple[FindingRef, ...]


@dataclass(frozen=True)
class LessonPlan:
    """An ordered lesson plan: most relevant first, starting or ending gently."""

    lessons: tuple[PlannedLesson, ...]
    general: bool
    summary: str


def _directions_of(finding: FindingLike) -> tuple[str, ...]:
    many = getattr(finding, "directions", None)
    if many:
        return tuple(many)
    one = getattr(finding, "direction", None)
    return (one,) if one else ()


def _problems(f: FindingLike, dirs: tuple[str, ...], i: int) -> list[str]:
    out = []
    if f.side not in SIDES:
        out.append(f"finding {i}: side expected left/right/both/None, got {f.side!r}")
    if f.severity not in SEVERITY_RANK:
        out.append(
            f"finding {i}: severity expected {list(SEVERITY_RANK)}, got {f.severity!r}"
        )
    if f.confidence not in CONFIDENCE_RANK:
        out.append(
            f"finding {i}: confidence expected {list(CONFIDENCE_RANK)}, "
            f"got {f.confidence!r}"
        )
    out += [
        f"finding {i}: unknown hip direction {d!r}, "
        f"expected one of {list(HIP_DIRECTIONS)}"
        for d in dirs
        if d not in HIP_DIRECTIONS
    ]
    return out


def _normalise(findings: Iterable[FindingLike]) -> list[FindingRef]:
    refs: list[FindingRef] = []
    problems: list[str] = []
    for i, f in enumerate(findings):
        dirs = _directions_of(f)
        problems += _problems(f, dirs, i)
        if f.pattern not in PATTERN_CODES:
            warnings.warn(
                f"finding {i}: no lessons serve pattern {f.pattern!r}; it is left out "
                f"of the lesson plan (lessons serve {', '.join(PATTERN_CODES)}).",
                StridescopeWarning,
                stacklevel=3,
            )
            continue
        refs.append(FindingRef(f.pattern, f.side, f.severity, f.confidence, dirs))
    if problems:
        raise InputError("Cannot build a lesson plan:\n" + "\n".join(problems))
    refs = list(dict.fromkeys(refs))  # the same finding twice counts once
    return sorted(refs, key=_finding_order)


def _finding_order(f: FindingRef) -> tuple[int, int, int, str, tuple[str, ...]]:
    """Heaviest first; the rest only makes the order independent of input order."""
    pattern = PATTERN_CODES.index(f.pattern)
    return (-f.weight, pattern, -SEVERITY_RANK[f.severity], f.side or "", f.directions)


def _match(lesson: Lesson, f: FindingRef) -> float:
    """How well a lesson serves a finding; 0 when it does not."""
    if f.pattern not in lesson.serves:
        return 0.0
    overlap = set(f.directions) & set(lesson.hip_directions)
    if not f.directions:
        score = 1.0
    elif overlap:  # a focused lesson beats a survey of all six directions
        score = 1.0 + len(overlap) / len(lesson.hip_directions)
    elif lesson.hip_directions:
        return 0.0  # explores other hip directions than the ones flagged
    else:
        score = 0.5
    return score + (0.25 if lesson.serves[0] == f.pattern else 0.0)


def _served(lesson: Lesson, findings: Iterable[FindingRef]) -> list[FindingRef]:
    return [f for f in findings if _match(lesson, f) > 0]


def _rank_key(
    lesson: Lesson, findings: list[FindingRef], chosen: list[Lesson]
) -> tuple[float, float, float, str]:
    """Sort key: weight of new findings served, how well, findings served again, id."""
    new_weight = 0.0
    new_fit = 0.0
    again = 0.0
    for f in _served(lesson, findings):
        if any(_match(c, f) > 0 for c in chosen):
            again += f.weight * _match(lesson, f)
        else:
            new_weight += f.weight
            new_fit += f.weight * _match(lesson, f)
    return (-new_weight, -new_fit, -again, lesson.id)


def _best(
    candidates: Iterable[Lesson], findings: list[FindingRef], chosen: list[Lesson]
) -> Lesson | None:
    ranked = sorted(
        (c for c in candidates if c not in chosen),
        key=lambda c: _rank_key(c, findings, chosen),
    )
    return ranked[0] if ranked else None


def _greedy(
    library: Sequence[Lesson], findings: list[FindingRef], max_lessons: int
) -> list[Lesson]:
    chosen: list[Lesson] = []
    servable = [f for f in findings if any(_match(c, f) > 0 for c in library)]
    while len(chosen) < max_lessons:
        open_ = [f for f in servable if not any(_match(c, f) > 0 for c in chosen)]
        if not open_ and len(chosen) >= _MIN_LESSONS:
            break
        best = _best(library, findings, chosen)
        if best is None:
            break
        chosen.append(best)
    return chosen


def _ensure_gentle(
    chosen: list[Lesson],
    library: Sequence[Lesson],
    findings: list[FindingRef],
    *,
    max_lessons: int,
) -> list[Lesson]:
    if chosen and ("gentle" in chosen[0].tags or "gentle" in chosen[-1].tags):
        return chosen
    gentle_in_plan = [c for c in chosen if "gentle" in c.tags]
    if gentle_in_plan:
        return [c for c in chosen if c is not gentle_in_plan[0]] + [gentle_in_plan[0]]
    keep = chosen if len(chosen) < max_lessons else chosen[:-1]
    extra = _best((c for c in library if "gentle" in c.tags), findings, keep)
    return [*keep, extra] if extra is not None else chosen


def _describe(f: FindingRef) -> str:
    text = PATTERN_LABELS[f.pattern]
    if f.directions:
        text += " in " + " and ".join(_DIRECTION_WORDS[d] for d in f.directions)
    if f.side in ("left", "right"):
        text += f", flagged on the {f.side}"
    elif f.side == "both":
        text += ", flagged on both sides"
    return text + f" ({f.severity}, {f.confidence} confidence)"


def _rationale(lesson: Lesson, served: Sequence[FindingRef]) -> str:
    if not served:
        return (
            "Added as a gentle way into or out of the plan: an easy, unhurried "
            f"{lesson.position} lesson rather than one aimed at a finding."
        )
    descs = [_describe(f) for f in served]
    joined = (
        descs[0] if len(descs) == 1 else ", ".join(descs[:-1]) + " and " + descs[-1]
    )
    return (
        f"Chosen for {joined}: this {lesson.position} lesson "
        f"{_PURPOSE[served[0].pattern]}."
    )


def _general_plan(library: Sequence[Lesson], max_lessons: int) -> LessonPlan:
    pre_run = [c for c in library if "pre-run" in c.tags][:1]
    general = [c for c in library if "general" in c.tags and c not in pre_run]
    others = [c for c in library if c not in pre_run and c not in general]
    picked = (pre_run + general + others)[: min(max_lessons, 1 + _MAX_GENERAL_EXTRA)]
    picked = _ensure_gentle(picked, library, [], max_lessons=len(picked))
    planned = tuple(
        PlannedLesson(lesson, _GENERAL_RATIONALE["pre-run" in lesson.tags], ())
        for lesson in picked
    )
    summary = (
        "No movement pattern was flagged, so this is a general plan: "
        f"{len(planned)} lessons to keep running movement easy and varied."
    )
    return LessonPlan(planned, general=True, summary=summary)


def build_plan(
    findings: Sequence[FindingLike],
    *,
    max_lessons: int = 4,
    library: Sequence[Lesson] | None = None,
) -> LessonPlan:
    """Pick 2 to ``max_lessons`` lessons for the findings, most relevant first.

    Offer the plan only when screening is clear (``docs/methods.md`` section F).

    Parameters
    ----------
    findings
        Findings with ``pattern``, ``side``, ``severity`` and ``confidence``
        (:class:`FindingRef` or the detector's findings); unknown pattern codes are
        left out with a :class:`~stridescope.StridescopeWarning`.
    max_lessons
        Upper bound on the number of lessons (at least 2).
    library
        Lessons to choose from; the packaged library when ``None``.

    Returns
    -------
    LessonPlan
        The ordered lessons with a rationale each; ``general`` is True when no
        finding was given.

    Raises
    ------
    InputError
        When a side, severity, confidence or hip direction is not recognised, or
        ``max_lessons`` is below 2.

    Examples
    --------
    >>> plan = build_plan([FindingRef("hip_asymmetry", side="left")])
    >>> 2 <= len(plan.lessons) <= 4 and not plan.general
    True
    """
    if max_lessons < _MIN_LESSONS:
        raise InputError(f"Expected max_lessons >= {_MIN_LESSONS}, got {max_lessons}.")
    lessons = tuple(library) if library is not None else load_library()
    if len(lessons) < _MIN_LESSONS:
        raise InputError(
            f"Expected a library of at least {_MIN_LESSONS} lessons, "
            f"got {len(lessons)}."
        )
    refs = _normalise(findings)
    if not refs:
        return _general_plan(lessons, max_lessons)
    chosen = _greedy(lessons, refs, max_lessons)
    chosen = _ensure_gentle(chosen, lessons, refs, max_lessons=max_lessons)
    planned = []
    for lesson in chosen:
        served = tuple(_served(lesson, refs))
        planned.append(PlannedLesson(lesson, _rationale(lesson, served), served))
    missed = [f for f in refs if not any(f in p.serves for p in planned)]
    summary = f"{len(planned)} lessons for {len(refs)} finding(s), most relevant first."
    if missed:
        summary += (
            " Not covered within max_lessons: "
            + "; ".join(map(_describe, missed))
            + "."
        )
    return LessonPlan(tuple(planned), general=False, summary=summary)
