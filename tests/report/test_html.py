"""The HTML report: self-contained, sections in order, screening decides what shows.

The helpers at the top build a real report (synthetic runner saved as netCDF and run
through ``pipeline.analyze``); ``test_browser.py`` reuses them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stridescope import io
from stridescope.errors import InputError
from stridescope.gait.metrics import normalise_strides
from stridescope.lessons import FindingRef, build_plan
from stridescope.model import schema as s
from stridescope.pipeline import InputAnalysis, analyze, analyze_input
from stridescope.processing.cleaning import DataQuality
from stridescope.report import plots
from stridescope.report.build import report_to_dict
from stridescope.report.html import (
    FigureItem,
    HtmlContext,
    format_value,
    metric_label,
    render_html,
)
from stridescope.report.keyframes import draw_skeleton, image_to_data_uri
from stridescope.screening import OUTCOME_MESSAGES, load_questions, screen
from tests.fixtures.synthetic_runner import synthetic_runner

SECTION_ORDER = [
    "screening",
    "summary",
    "findings",
    "plots",
    "keyframes",
    "strides",
    "data-quality",
    "lessons",
    "method",
]
SYMMETRY_METRICS = (
    "hip_sagittal_rom_deg",
    "hip_frontal_rom_deg",
    "hip_flexion_peak_deg",
    "hip_extension_peak_deg",
)


def analyse_synthetic_runner(folder: Path) -> tuple[dict[str, Any], InputAnalysis]:
    """report.json dict (via ``pipeline.analyze``) and the analysis of the runner."""
    path = folder / "runner.nc"
    io.save(synthetic_runner(duration_s=6.0).trial, path)
    return report_to_dict(analyze([path])), analyze_input(path, "netcdf")


def standard_figures(
    analysis: InputAnalysis, report: Mapping[str, Any]
) -> dict[str, list[FigureItem]]:
    """The report's plots, rendered to inline SVG (angles as the file gives them)."""
    angles, strides = analysis.trial[s.ANGLE], analysis.strides
    valid = strides[strides["valid"]]
    toe_off = {
        side: float((100 * rows.contact_time_s / rows.stride_time_s).mean())
        for side, rows in valid.groupby("side")
    }
    right = valid[valid["side"] == "right"]

    def sided(joint: str) -> dict[str, Any]:
        return {
            side: normalise_strides(
                angles.sel(joint=f"{side}_{joint}", drop=True),
                valid[valid["side"] == side],
            )
            for side in ("left", "right")
        }

    def over_right(joint: str) -> Any:
        return normalise_strides(angles.sel(joint=joint, drop=True), right)

    pelvis = {j: over_right(j) for j in ("pelvis_anterior_tilt", "pelvis_obliquity")}
    hip = plots.plot_angle_curves(
        sided("hip_flexion"),
        title="Hip flexion (+ thigh in front)",
        normative=(-15.0, 50.0),
        toe_off_pct=toe_off,
    )
    symmetry = plots.plot_symmetry(
        {k: report["metrics"][k] for k in SYMMETRY_METRICS},
        thresholds={"hip_sagittal_rom_deg": 5.0, "hip_extension_peak_deg": 5.0},
        labels={k: metric_label(k).split(" (")[0] for k in SYMMETRY_METRICS},
    )
    coordination = plots.plot_coordination(
        pelvis["pelvis_obliquity"],
        over_right("trunk_lateral_lean"),
        toe_off_pct=toe_off["right"],
        labels=("pelvis obliquity", "trunk side lean"),
    )
    svg = plots.figure_to_svg
    return {
        "Hips": [
            (
                "Hip flexion over the stride",
                svg(hip, title="Hip flexion over the stride"),
                "Each line is the average stride of one side, the pale band ± 1 SD; "
                "the grey band is the range usually seen in runners; the dotted "
                "lines mark toe-off.",
            ),
            (
                "Left and right compared",
                svg(symmetry, title="Left and right compared"),
                "Grey bars are as wide as a difference that counts: when both "
                "points sit on the bar, the sides move alike.",
            ),
        ],
        "Pelvis and trunk": [
            (
                "Pelvis movement",
                svg(plots.plot_pelvis_excursions(pelvis, toe_off_pct=toe_off)),
                "How far the pelvis tips and tilts over the right stride.",
            ),
            (
                "Pelvis and trunk together",
                svg(coordination),
                "Along the dashed diagonal the two lean the same way together.",
            ),
        ],
        "Timing": [
            (
                "Timing of each stride",
                plots.figure_to_png_data_uri(plots.plot_stride_timing(strides)),
                "Each point is one stride; a steady runner makes flat lines.",
            )
        ],
    }


def findings_and_gaps() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Findings in their report.json shape (patterns module contract)."""
    evidence = {
        "metric": "hip_extension_peak_deg",
        "unit": "deg",
        "left": 15.0,
        "right": 2.1,
        "value": None,
        "interval": [0.8, 3.4],
        "limit": 5.0,
        "rule": "below 5 deg",
        "threshold": "hip_extension_below_neutral",
        "reference": "5-20 deg in runners at 3 m/s",
        "n_strides": {"left": 7, "right": 7},
        "source": "runner.nc, file angles",
        "met": True,
        "grade": "moderate",
        "note": "running speed taken as 3 m/s",
    }
    finding = {
        "pattern": "limited_hip_motion",
        "side": "right",
        "severity": "moderate",
        "confidence": "high",
        "directions": ["extension"],
        "metrics": ["hip_extension_peak_deg"],
        "message_runner": "Your right thigh does not move far behind you.",
        "message_practitioner": "Peak right hip extension 2.1 deg (limit 5 deg).",
        "caveats": ["Running range only: the passive range was not tested."],
        "evidence": [evidence],
    }
    gap = {
        "pattern": "upper_body_asymmetry",
        "reason": "The recording has no shoulder or thorax markers.",
        "needs": "a video from behind, or thorax markers.",
    }
    return [finding], [gap]


def skeleton_keyframes() -> list[FigureItem]:
    """Two small keyframe pictures drawn over a plain background."""
    pose = {
        "left_hip": (40.0, 50.0),
        "left_knee": (30.0, 75.0),
        "left_ankle": (32.0, 100.0),
        "right_hip": (44.0, 50.0),
        "right_knee": (55.0, 74.0),
        "right_ankle": (62.0, 96.0),
    }
    image = np.full((120, 90, 3), 200, np.uint8)
    drawn = draw_skeleton(image, pose, angles={"left_knee_flexion": 20.0})
    uri = image_to_data_uri(drawn)
    return [("Left foot strike", uri, "at 2.07 s"), ("Left toe-off", uri, "at 2.31 s")]


def build_context(
    report: Mapping[str, Any],
    *,
    figures: Mapping[str, Sequence[FigureItem]],
    keyframes: Sequence[FigureItem],
    answers: Mapping[str, bool] | None,
    data_quality: DataQuality | None = None,
) -> HtmlContext:
    """The page context for the given screening answers."""
    findings, gaps = findings_and_gaps()
    result = screen(answers)
    # Always planned here: the page itself must hold lessons back after a referral.
    refs = [
        FindingRef("limited_hip_motion", "right", "moderate", "high", ("extension",))
    ]
    plan = build_plan(refs)
    links = {p.lesson.id: f"audio/{p.lesson.id}.mp3" for p in plan.lessons}
    return HtmlContext(
        report=report,
        screening=result,
        figures=figures,
        keyframes=keyframes,
        findings=findings,
        not_assessed=gaps,
        checklist=[q for q in load_questions() if q.id in result.unanswered],
        lesson_plan=plan,
        audio_links=links,
        data_quality=data_quality,
    )


ALL_NO = {q.id: False for q in load_questions()}
ANSWERS: dict[str, dict[str, bool] | None] = {
    "clear": ALL_NO,
    "emergency": {**ALL_NO, "saddle_numbness": True},
    "out_of_scope": {**ALL_NO, "leg_pain_below_knee": True},
    "not_answered": None,
    "incomplete": {"saddle_numbness": False},
}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Any]:
    report, analysis = analyse_synthetic_runner(tmp_path_factory.mktemp("html"))
    return report, standard_figures(analysis, report), skeleton_keyframes()


@pytest.fixture(scope="module")
def pages(analysed: tuple[Any, Any, Any]) -> dict[str, str]:
    report, figures, frames = analysed
    quality = DataQuality(
        360, {"left_knee": 0.9}, {"left_knee": 0.95}, 3, 1, (5,), 2, 4, 0
    )
    return {
        status: render_html(
            build_context(
                report,
                figures=figures,
                keyframes=frames,
                answers=answers,
                data_quality=quality,
            )
        )
        for status, answers in ANSWERS.items()
    }


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([\w-]+)"', page)


@pytest.mark.parametrize("status", list(ANSWERS))
def test_page_is_self_contained(pages: dict[str, str], status: str) -> None:
    page = pages[status]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page
    assert "@font-face" not in page
    assert not re.search(r"url\(\s*['\"]?(?:https?:|//)", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc", page, re.I)
    assert all(
        src.startswith("data:image/") for src in re.findall(r'src="([^"]+)"', page)
    )
    for href in re.findall(r'href="([^"]+)"', page):
        assert href.startswith(("#", "data:image/")) or re.fullmatch(
            r"audio/[\w-]+\.mp3", href
        )


def test_sections_in_order_with_everything_shown(pages: dict[str, str]) -> None:
    page = pages["clear"]
    assert section_ids(page) == SECTION_ORDER
    assert page.count("<svg") == 4
    assert page.count('src="data:image/png') == 1
    assert page.count('src="data:image/jpeg') == 2
    assert "Hip flexion over the stride" in page
    assert "Limited hip movement" in page
    assert "confidence: high" in page
    assert "95 % interval 0.8° to 3.4°" in page
    assert "limit 5.0°" in page
    assert "Upper-body" in page or "One-sided upper-body habit" in page
    assert "steps/min" in page
    assert "0.720 s" in page
    assert "never diagnoses" in page
    for source in ("Harrington", "Baker", "Handsaker", "Zeni", "Seay"):
        assert re.search(rf"<li>{source}\b", page)
    assert "ROM</dt><dd>Range of motion: how far a joint moves" in page


def test_clear_screening_shows_the_lessons(pages: dict[str, str]) -> None:
    page = pages["clear"]
    assert 'class="banner clear"' in page
    assert "answer the safety questions at the top" not in page
    lessons = page[page.index('id="lessons"') : page.index('id="method"')]
    assert lessons.count('class="card lesson"') >= 2
    assert 'href="audio/' in lessons
    assert "about 12 min" in lessons


def test_emergency_comes_first_and_no_lessons(pages: dict[str, str]) -> None:
    page = pages["emergency"]
    headline, _message = OUTCOME_MESSAGES["emergency"]
    banner = page.index('class="banner emergency" role="alert"')
    assert banner < page.index('id="summary"')
    assert page.index(headline) < page.index('id="summary"')
    assert "the base of the spine" in page[banner : page.index('id="summary"')]
    assert "lessons" not in section_ids(page)
    assert 'class="card lesson"' not in page
    assert 'href="audio/' not in page
    assert "Your answers that led to this" in page


def test_out_of_scope_refers_and_gives_no_lessons(pages: dict[str, str]) -> None:
    page = pages["out_of_scope"]
    headline, _message = OUTCOME_MESSAGES["out_of_scope"]
    assert headline in page
    assert "stridescope steps aside" in page
    assert 'class="banner out_of_scope"' in page
    assert "lessons" not in section_ids(page)


def test_not_answered_puts_the_checklist_first(pages: dict[str, str]) -> None:
    page = pages["not_answered"]
    checklist = page.index('<ol class="checklist">')
    assert checklist < page.index('id="summary"')
    questions = load_questions()
    assert page.count('<span class="why">') == len(questions)
    assert page.index("Nerves at the base of the spine") < page.index('id="summary"')
    lessons = page[page.index('id="lessons"') :]
    assert "answer the safety questions at the top of this page before" in lessons


def test_incomplete_lists_only_the_unanswered(pages: dict[str, str]) -> None:
    page = pages["incomplete"]
    assert page.count('<span class="why">') == len(load_questions()) - 1
    assert "answer the safety questions at the top" in page


def test_text_is_escaped(analysed: tuple[Any, Any, Any]) -> None:
    report, _figures, _frames = analysed
    ctx = build_context(report, figures={}, keyframes=(), answers=None)
    bad = dict(ctx.findings[0], message_runner="<script>alert(1)</script> & co")
    page = render_html(
        HtmlContext(report=report, screening=ctx.screening, findings=[bad])
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "Keyframe pictures need a video" in page
    assert "No plots could be drawn" in page


def test_external_figures_and_links_are_refused(analysed: tuple[Any, Any, Any]) -> None:
    report = analysed[0]
    result = screen(ALL_NO)
    figure = {"Hips": [("Hip", "https://example.org/hip.png", "")]}
    with pytest.raises(InputError, match="expected inline SVG text or a data:image"):
        render_html(HtmlContext(report=report, screening=result, figures=figure))
    for link in ("https://example.org/a.mp3", "/etc/a.mp3", "//host/a.mp3"):
        with pytest.raises(InputError, match="relative to the report"):
            render_html(
                HtmlContext(report=report, screening=result, audio_links={"x": link})
            )


def test_numbers_carry_their_units() -> None:
    assert format_value(42.04, "deg") == "42.0°"
    assert format_value(0.2571, "s") == "0.257 s"
    assert format_value(12.5, "s") == "12.50 s"
    assert format_value(166.7, "steps/min") == "167 steps/min"
    assert format_value(-3.0, "deg") == "\N{MINUS SIGN}3.0°"
    assert format_value(None, "deg") == "not measured"
    assert metric_label("hip_sagittal_rom_deg").startswith("Hip ROM")
    assert metric_label("pelvic_contribution_ratio") == "Pelvic contribution"


def test_a_whole_session_renders(tmp_path: Path) -> None:
    """The CLI's renderer: a session of the synthetic runner, screened clear."""
    session_module = pytest.importorskip("stridescope.session")
    from stridescope.report.html import render_session_html

    path = tmp_path / "runner.nc"
    io.save(synthetic_runner(duration_s=4.0).trial, path)
    session = session_module.run_session([path], answers=ALL_NO)
    page = render_session_html(session, tmp_path)
    assert section_ids(page)[:4] == ["screening", "summary", "findings", "plots"]
    assert page.count("<svg") >= 4
    assert "Keyframe pictures need a video" in page
    assert "runner.nc (3D motion capture)" in page


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            {"cadence_spm": 274.9, "video_cadence_spm": 281.1, "difference_spm": -6.2,
             "tolerance_spm": 11.2, "agrees": True, "span_s": [1.096, 3.464],
             "reason": ""},
            "run.mp4: the footfalls heard in the sound give 274.9 steps/min over "
            "1.096-3.464 s, the video 281.1 steps/min: they agree (difference "
            "-6.2 steps/min, tolerance 11.2 steps/min).",
        ),
        (
            {"cadence_spm": 171.4, "video_cadence_spm": 150.0, "difference_spm": 21.4,
             "tolerance_spm": 3.0, "agrees": False, "span_s": [1.0, 7.0],
             "reason": ""},
            "run.mp4: the footfalls heard in the sound give 171.4 steps/min over "
            "1-7 s, the video 150.0 steps/min: they differ by 21.4 steps/min "
            "(tolerance 3.0 steps/min).",
        ),
        (
            {"cadence_spm": None, "video_cadence_spm": 168.9, "agrees": None,
             "reason": "the clip has no sound track"},
            "run.mp4: no cadence from the sound (the clip has no sound track).",
        ),
    ],
    ids=["agree", "differ", "no-sound"],
)  # fmt: skip
def test_the_cadence_heard_in_the_sound_is_shown(
    analysed: tuple[Any, Any, Any], check: dict[str, Any], expected: str
) -> None:
    report, _figures, _frames = analysed
    ctx = build_context(report, figures={}, keyframes=(), answers=None)
    with_sound = dict(report)
    with_sound["inputs"] = [
        dict(report["inputs"][0], file="run.mp4", audio_cadence=check)
    ]
    page = render_html(HtmlContext(report=with_sound, screening=ctx.screening))
    assert "Cadence cross-check" in page
    assert escape(expected).replace("-", "\N{MINUS SIGN}") in page.replace(
        "-", "\N{MINUS SIGN}"
    )
    assert "Cadence cross-check" not in render_html(
        HtmlContext(report=report, screening=ctx.screening)
    )
