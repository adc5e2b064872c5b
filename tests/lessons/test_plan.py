"""Tests of the lesson plan builder: choice, order, rationale, general plan."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stridescope.errors import InputError, StridescopeWarning
from stridescope.lessons import (
    HIP_DIRECTIONS,
    PATTERN_CODES,
    FindingRef,
    LessonPlan,
    build_plan,
    load_library,
)
from stridescope.lessons.plan import PATTERN_LABELS

SIDES = ("left", "right", "both", None)


def _check_invariants(plan: LessonPlan, *, max_lessons: int = 4) -> None:
    ids = [planned.lesson.id for planned in plan.lessons]
    assert 2 <= len(ids) <= max_lessons
    assert len(ids) == len(set(ids))
    ends = (plan.lessons[0].lesson, plan.lessons[-1].lesson)
    assert any("gentle" in lesson.tags for lesson in ends)
    assert all(planned.rationale.endswith(".") for planned in plan.lessons)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("pattern", PATTERN_CODES)
def test_each_pattern_alone(pattern: str, side: str | None) -> None:
    plan = build_plan([FindingRef(pattern, side=side, severity="moderate")])
    _check_invariants(plan)
    assert not plan.general
    assert pattern in plan.lessons[0].lesson.serves
    serving = [p for p in plan.lessons if pattern in p.lesson.serves]
    assert len(serving) >= 2
    for planned in serving:
        assert PATTERN_LABELS[pattern] in planned.rationale
        assert "(moderate, moderate confidence)" in planned.rationale
        if side in ("left", "right"):
            assert f"flagged on the {side}" in planned.rationale
        if side == "both":
            assert "flagged on both sides" in planned.rationale


@pytest.mark.parametrize("direction", HIP_DIRECTIONS)
def test_a_hip_direction_gets_a_lesson_exploring_it_first(direction: str) -> None:
    finding = FindingRef("limited_hip_motion", "left", "marked", "high", (direction,))
    plan = build_plan([finding])
    _check_invariants(plan)
    first = plan.lessons[0]
    assert direction in first.lesson.hip_directions
    assert len(first.lesson.hip_directions) <= 2  # focused, not the six-way survey
    assert direction.replace("_", " ") in first.rationale
    assert first.serves == (finding,)


def test_no_findings_gives_the_general_plan() -> None:
    plan = build_plan([])
    _check_invariants(plan)
    assert plan.general
    assert plan.lessons[0].lesson.id == "loosening-up-before-a-run"
    assert len(plan.lessons) == 3
    assert all("general" in p.lesson.tags for p in plan.lessons)
    for planned in plan.lessons:
        assert "No movement pattern was flagged" in planned.rationale
        assert planned.serves == ()
    assert "general plan" in plan.summary


def test_general_plan_respects_max_lessons() -> None:
    plan = build_plan([], max_lessons=2)
    _check_invariants(plan, max_lessons=2)
    assert plan.lessons[0].lesson.id == "loosening-up-before-a-run"


def test_all_five_patterns_together_are_all_served() -> None:
    findings = [
        FindingRef("limited_hip_motion", "left", "marked", "high", ("extension",)),
        FindingRef("hip_asymmetry", "left", "moderate", "high"),
        FindingRef("pelvis_dragged_by_leg", "left", "moderate", "moderate"),
        FindingRef("upper_body_asymmetry", "right", "mild", "moderate"),
        FindingRef("excessive_pelvic_stability", None, "mild", "low"),
    ]
    plan = build_plan(findings)
    _check_invariants(plan)
    served = {f for p in plan.lessons for f in p.serves}
    assert served == set(findings)
    assert "Not covered" not in plan.summary
    assert plan.lessons[0].lesson.id == "thigh-lengthens-behind"


def test_the_heavier_finding_comes_first() -> None:
    light = FindingRef("upper_body_asymmetry", "right", "mild", "low")
    heavy = FindingRef("pelvis_dragged_by_leg", "left", "marked", "high")
    plan = build_plan([light, heavy])
    _check_invariants(plan)
    assert plan.lessons[0].serves[0] == heavy
    assert any(light in p.serves for p in plan.lessons)


def test_findings_left_out_by_max_lessons_are_named() -> None:
    findings = [
        FindingRef("limited_hip_motion", "left", "marked", "high", ("extension",)),
        FindingRef(
            "limited_hip_motion", "left", "mild", "high", ("internal_rotation",)
        ),
        FindingRef("pelvis_dragged_by_leg", "left", "moderate", "high"),
        FindingRef("upper_body_asymmetry", "right", "moderate", "high"),
    ]  # no two lessons serve all four
    plan = build_plan(findings, max_lessons=2)
    _check_invariants(plan, max_lessons=2)
    assert "Not covered within max_lessons" in plan.summary


def test_duplicate_findings_count_once() -> None:
    finding = FindingRef("hip_asymmetry", "right", "moderate", "high")
    assert build_plan([finding, finding]) == build_plan([finding])


def test_unknown_pattern_is_warned_about_and_left_out() -> None:
    with pytest.warns(
        StridescopeWarning, match="no lessons serve pattern 'overstride'"
    ):
        plan = build_plan([FindingRef("overstride", severity="marked")])
    assert plan.general


@pytest.mark.parametrize(
    ("finding", "match"),
    [
        (FindingRef("hip_asymmetry", side="L"), "side expected left/right/both/None"),
        (FindingRef("hip_asymmetry", severity="severe"), "severity expected"),
        (FindingRef("hip_asymmetry", confidence="certain"), "confidence expected"),
        (
            FindingRef("limited_hip_motion", directions=("sideways",)),
            "unknown hip direction 'sideways'",
        ),
    ],
)
def test_invalid_findings_are_rejected(finding: FindingRef, match: str) -> None:
    with pytest.raises(InputError, match=match):
        build_plan([finding])


def test_max_lessons_below_two_is_rejected() -> None:
    with pytest.raises(InputError, match="max_lessons >= 2"):
        build_plan([], max_lessons=1)


def test_a_too_small_library_is_rejected() -> None:
    with pytest.raises(InputError, match="at least 2 lessons"):
        build_plan([], library=load_library()[:1])


@dataclass(frozen=True)
class _DetectorFinding:
    """Stands in for the detector's Finding: extra fields, a single direction."""

    pattern: str
    side: str | None
    severity: str
    confidence: str
    direction: str
    evidence: str = "peak hip extension -4 deg"


def test_other_finding_types_with_a_single_direction_are_accepted() -> None:
    finding = _DetectorFinding(
        "limited_hip_motion", "right", "moderate", "high", "flexion"
    )
    plan = build_plan([finding])
    assert plan.lessons[0].lesson.id == "knee-floats-up"
    assert plan.lessons[0].serves[0].directions == ("flexion",)


_findings = st.lists(
    st.builds(
        FindingRef,
        pattern=st.sampled_from(PATTERN_CODES),
        side=st.sampled_from(SIDES),
        severity=st.sampled_from(("mild", "moderate", "marked")),
        confidence=st.sampled_from(("low", "moderate", "high")),
        directions=st.lists(
            st.sampled_from(HIP_DIRECTIONS), max_size=2, unique=True
        ).map(tuple),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(findings=_findings, max_lessons=st.integers(2, 5), data=st.data())
def test_plan_invariants(
    findings: list[FindingRef], max_lessons: int, data: st.DataObject
) -> None:
    plan = build_plan(findings, max_lessons=max_lessons)
    _check_invariants(plan, max_lessons=max_lessons)
    shuffled = data.draw(st.permutations(findings))
    assert build_plan(shuffled, max_lessons=max_lessons) == plan
    for planned in plan.lessons:
        for finding in planned.serves:
            assert finding.pattern in planned.lesson.serves
            assert PATTERN_LABELS[finding.pattern] in planned.rationale
