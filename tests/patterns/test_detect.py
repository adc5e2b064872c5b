"""assess(): public surface, report form, lesson plans, video inputs and merging."""

from __future__ import annotations

import json

import pytest

import stridescope.patterns as patterns
from stridescope.errors import InputError
from stridescope.gait.metrics import Metric, StrideStat
from stridescope.lessons import build_plan
from stridescope.patterns import (
    PATTERN_CODES,
    Assessment,
    assess,
    findings_to_dicts,
)
from stridescope.pipeline import InputAnalysis
from tests.fixtures import alterations as alt

PUBLIC = {
    "CONFIDENCES",
    "DETECTORS",
    "PATTERN_CODES",
    "SEVERITIES",
    "AnalysisLike",
    "Assessment",
    "Band",
    "Evidence",
    "Finding",
    "NotAssessed",
    "Reference",
    "ReferenceDataError",
    "SideDifference",
    "StrideSignals",
    "Threshold",
    "assess",
    "compute_stride_signals",
    "findings_to_dicts",
    "load_references",
    "load_thresholds",
    "reference_band",
    "side_difference",
}


def test_public_surface() -> None:
    assert set(patterns.__all__) == PUBLIC
    assert all(hasattr(patterns, name) for name in PUBLIC)
    assert list(patterns.DETECTORS) == list(PATTERN_CODES)


def test_no_input_is_an_error() -> None:
    with pytest.raises(InputError, match="at least one analysed input"):
        assess([])


def _pattern_set(result: Assessment) -> set[tuple[str, str | None]]:
    return {(f.pattern, f.side) for f in result.findings}


@pytest.mark.shared_data
def test_every_pattern_is_accounted_for(real: InputAnalysis) -> None:
    result = assess([real])
    seen = {f.pattern for f in result.findings + result.clear}
    seen |= {n.pattern for n in result.not_assessed}
    assert seen == set(PATTERN_CODES)
    assert result.not_assessed == ()  # 3D trials show all five
    assert "running_speed_m_s" in result.merged_metrics_sources


@pytest.mark.shared_data
def test_report_form_is_plain_json(hamner: InputAnalysis) -> None:
    result = assess([alt.limit_hip_sagittal(hamner)])
    findings, missing = findings_to_dicts(result)
    assert missing == []
    text = json.dumps(findings, allow_nan=False)
    back = json.loads(text)
    assert [f["pattern"] for f in back] == [f.pattern for f in result.findings]
    first = back[0]
    assert set(first) == {
        "pattern",
        "side",
        "severity",
        "confidence",
        "directions",
        "metrics",
        "message_runner",
        "message_practitioner",
        "caveats",
        "evidence",
    }
    assert {"metric", "unit", "interval", "limit", "reference", "source", "met"} <= set(
        first["evidence"][0]
    )
    with_clear, _ = findings_to_dicts(result, include_clear=True)
    assert len(with_clear) == len(result.findings) + len(result.clear)


@pytest.mark.shared_data
def test_messages_describe_movement_not_diagnosis(hamner: InputAnalysis) -> None:
    result = assess([alt.limit_hip_sagittal(hamner)])
    banned = ("pain", "injur", "diagnos", "tight", "weak", "caus")
    for f in result.findings:
        assert f.message_runner
        assert not any(b in f.message_runner.lower() for b in banned)
        assert "not a diagnosis" in f.message_practitioner
        assert f.severity in ("mild", "moderate", "marked")


@pytest.mark.shared_data
def test_findings_feed_the_lesson_plan(ja1: InputAnalysis) -> None:
    result = assess([alt.limit_hip_sagittal(ja1)])
    plan = build_plan(result.findings)
    assert not plan.general
    served = {ref.pattern for lesson in plan.lessons for ref in lesson.serves}
    assert "limited_hip_motion" in served


# --- video inputs (2D angle names, as kinematics.planar gives them) ---------------


@pytest.mark.shared_data
def test_side_video_uses_the_thigh_with_caveat(hamner: InputAnalysis) -> None:
    """A side clip of a runner whose left hip and thigh swing 40 % less."""
    cut = alt.limit_hip_sagittal(hamner, pelvis_compensates=False)
    result = assess([alt.video_like(cut, view="side-left")])
    keys = _pattern_set(result)
    assert ("limited_hip_motion", "left") in keys
    assert ("hip_asymmetry", "left") in keys
    for f in result.findings + result.clear:
        assert f.confidence in ("moderate", "low")
    limited = next(f for f in result.findings if f.pattern == "limited_hip_motion")
    assert any("thigh's angle to the vertical" in c for c in limited.caveats)
    assert {e.metric for e in limited.evidence if e.met} == {"thigh_sagittal_rom_deg"}
    missing = {n.pattern: n for n in result.not_assessed}
    assert "pelvis_dragged_by_leg" in missing
    assert "3D motion capture" in missing["pelvis_dragged_by_leg"].needs


@pytest.mark.shared_data
def test_side_video_cannot_see_a_pelvis_that_makes_up_the_thigh(
    hamner: InputAnalysis,
) -> None:
    """Case a seen from the side: the thigh keeps its path, so video shows no limit."""
    video = alt.video_like(alt.limit_hip_sagittal(hamner), view="side-right")
    result = assess([video])
    assert "limited_hip_motion" not in {f.pattern for f in result.findings}


@pytest.mark.shared_data
def test_rear_video_sees_the_side_bend(ja1: InputAnalysis) -> None:
    video = alt.video_like(alt.side_bend(ja1), view="rear")
    result = assess([video])
    upper = [f for f in result.findings if f.pattern == "upper_body_asymmetry"]
    assert [f.side for f in upper] == ["right"]
    assert upper[0].confidence in ("moderate", "low")
    missing = {n.pattern for n in result.not_assessed}
    assert {"limited_hip_motion", "pelvis_dragged_by_leg"} <= missing


@pytest.mark.shared_data
def test_merge_takes_each_quantity_from_its_best_input(hamner: InputAnalysis) -> None:
    side = alt.video_like(hamner, view="side-left")
    rear = alt.video_like(hamner, view="rear")
    sources = assess([side, rear]).merged_metrics_sources
    assert sources["thigh_sagittal_rom_deg"].startswith("input 0")
    assert sources["trunk_lateral_lean_mean_deg"].startswith("input 1")
    assert "hip_sagittal_rom_deg" not in sources
    with_mocap = assess([side, hamner]).merged_metrics_sources
    assert with_mocap["thigh_sagittal_rom_deg"].startswith("input 1")
    assert "3D motion capture" in with_mocap["hip_sagittal_rom_deg"]


@pytest.mark.shared_data
def test_video_metrics_without_angles_feed_the_detectors(ja1: InputAnalysis) -> None:
    overstride = Metric(
        "overstride_pct",
        "%",
        "moderate",
        StrideStat(22.0, 2.0, 3),
        StrideStat(21.0, 2.0, 4),
        StrideStat(21.5, 2.0, 7),
        "heel ahead of mid-hip at contact, % leg length",
    )
    side = alt.video_like(
        alt.stiffen_pelvis(ja1),
        view="side-left",
        extra_metrics={"overstride_pct": overstride},
    )
    result = assess([side])
    assert "overstride_pct" in result.merged_metrics_sources
    stable = [
        f
        for f in result.findings + result.clear
        if f.pattern == "excessive_pelvic_stability"
    ]
    assert stable
    evidence = {e.threshold: e for e in stable[0].evidence}
    assert evidence["overstride_high"].value == pytest.approx(21.5)
    assert stable[0].confidence == "low"  # world-landmark rotations


@pytest.mark.shared_data
def test_data_quality_lowers_confidence(hamner: InputAnalysis) -> None:
    """Hip angles from a femur without a knee axis: hip evidence one level lower."""
    from dataclasses import replace

    no_axis = replace(
        hamner,
        angle_sources={**hamner.angle_sources, "left_hip_flexion": "computed:markers"},
        unavailable={"left_hip_internal_rotation": "no knee axis"},
    )
    result = assess([alt.limit_hip_sagittal(no_axis)])
    limited = next(f for f in result.findings if f.pattern == "limited_hip_motion")
    assert limited.confidence == "moderate"
    assert any("knee axis" in e.note for e in limited.evidence)
    stable = next(
        f for f in result.findings + result.clear if f.pattern == "upper_body_asymmetry"
    )
    assert stable.confidence == "high"  # trunk quantities are not hip-based


@pytest.mark.shared_data
def test_speed_rules_say_when_speed_is_unknown(
    hamner: InputAnalysis, ja1: InputAnalysis
) -> None:
    treadmill = assess([alt.limit_hip_sagittal(hamner)])
    assert treadmill.merged_metrics_sources["running_speed_m_s"].startswith("unknown")
    ext = [
        e
        for f in treadmill.findings
        for e in f.evidence
        if e.threshold == "hip_extension_below_neutral"
    ]
    assert ext
    assert all("speed unknown" in e.note for e in ext)
    overground = assess([ja1]).merged_metrics_sources["running_speed_m_s"]
    assert overground.startswith("3.5")
