"""Render the report as one self-contained HTML page (formatting only).

Everything is computed before: the report.json dict, the findings, figures already
turned into SVG text or PNG data URIs (:mod:`stridescope.report.plots`), keyframe
pictures (:mod:`stridescope.report.keyframes`), the screening result and the lesson
plan. :func:`render_html` only arranges them into ``templates/report.html``: a file
of ``string.Template`` snippets between ``<!--#def name-->`` and ``<!--#end-->``
(no Jinja2). Every value is HTML-escaped when it is put into a snippet, unless it
is markup this module made itself.

The page has inline CSS, no script, and loads nothing: every picture is inline SVG
or a ``data:`` URI, and the only links are in-page anchors and the lesson audio
files next to the report. Section order: screening banner (with the questions when
some are unanswered), summary, findings, plots, keyframes, strides, data quality,
lessons (only when the screening allows advice), and the method note with the
disclaimer, a glossary and the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Final

from stridescope.errors import InputError
from stridescope.lessons.plan import PATTERN_LABELS, LessonPlan, PlannedLesson
from stridescope.processing.cleaning import DataQuality
from stridescope.report.build import report_to_dict
from stridescope.report.keyframes import choose_keyframe_times, keyframe_pictures
from stridescope.report.plots import figure_to_svg, standard_figures
from stridescope.screening.rules import (
    GROUP_TITLES,
    Question,
    ScreeningResult,
    load_questions,
)

__all__ = [
    "FigureItem",
    "HtmlContext",
    "format_value",
    "metric_label",
    "render_html",
    "render_session_html",
]

#: ``(title, inline SVG text or data:image URI, caption)``.
FigureItem = tuple[str, str, str]

_UNITS: Final = {"deg": "°", "%": " %", "1": ""}
#: Unit of a key by its suffix (house convention: names end in their unit).
_SUFFIX_UNITS: Final = {"_s": "s", "_deg": "deg", "_hz": "Hz", "_pct": "%", "_m": "m"}
_DIGITS: Final = {"steps/min": 0, "deg": 1, "%": 1, "Hz": 0}
_ALERT: Final = ("emergency", "medical", "out_of_scope")
_GAIT_STATS: Final = (
    ("cadence", "steps/min", "cadence"),
    ("stride_time_s", "s", "stride time"),
    ("contact_time_s", "s", "contact time (foot on the ground)"),
    ("flight_time_s", "s", "flight time (both feet in the air)"),
)
_VIEW_WORDS: Final = {
    "3d": "3D motion capture",
    "side-left": "video from the side",
    "side-right": "video from the side",
    "rear": "video from behind",
    "front": "video from the front",
    "oblique": "video from an angle",
}
_CHECKLIST_FIRST: Final = (
    "Please answer the safety questions at the top of this page before you try "
    "these lessons."
)


@dataclass(frozen=True)
class HtmlContext:
    """Everything the page shows, already computed and rendered to text.

    Attributes
    ----------
    report
        The report.json document (``report_to_dict``).
    screening
        The safety screen: it decides the banner and whether lessons are shown.
    figures
        Plot group title (e.g. ``"Hips"``) to its figures: ``(title, SVG text or
        data:image URI, caption)``.
    keyframes
        ``(title, data:image URI, caption)`` of each keyframe picture.
    findings, not_assessed
        Finding dicts and ``{pattern, reason, needs}`` dicts (report.json form).
    checklist
        The questions shown at the top when ``screening.show_checklist``.
    lesson_plan, audio_links
        The plan (shown only when advice is allowed) and lesson id to its audio
        file's path relative to the report (e.g. ``"audio/knee-floats-up.mp3"``).
    data_quality
        The keypoint cleaning summary of a video input, or None.
    method_notes, citations
        Paragraphs and sources added to the standard method note (which already
        cites Harrington 2007, Baker 2001, Zeni 2008, Handsaker 2016, Seay 2011).
    title
        The page title.
    """

    report: Mapping[str, Any]
    screening: ScreeningResult
    figures: Mapping[str, Sequence[FigureItem]] = field(default_factory=dict)
    keyframes: Sequence[FigureItem] = ()
    findings: Sequence[Mapping[str, Any]] = ()
    not_assessed: Sequence[Mapping[str, Any]] = ()
    checklist: Sequence[Question] = ()
    lesson_plan: LessonPlan | None = None
    audio_links: Mapping[str, str] = field(default_factory=dict)
    data_quality: DataQuality | None = None
    method_notes: Sequence[str] = ()
    citations: Sequence[str] = ()
    title: str = "Your running movement screen"


class _Html(str):
    """Markup made here: put into snippets as it is (everything else is escaped)."""

    __slots__ = ()


@cache
def _snippets() -> dict[str, Template]:
    page = resources.files("stridescope.report").joinpath("templates", "report.html")
    text = page.read_text(encoding="utf-8")
    found = re.finditer(r"<!--#def ([\w-]+)-->\n(.*?)<!--#end-->", text, re.S)
    return {m[1]: Template(m[2]) for m in found}


@cache
def _metric_labels() -> dict[str, str]:
    lines = _snippets()["metric-labels"].template.strip().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def _cells(row: Mapping[str, Any]) -> dict[str, object]:
    """A row's values, numbers formatted with the unit their key ends in."""
    out: dict[str, object] = {}
    for key, value in row.items():
        unit = next((u for s, u in _SUFFIX_UNITS.items() if key.endswith(s)), "")
        is_number = isinstance(value, float) or (unit and value is None)
        out[key] = format_value(value, unit) if is_number else value
    return out


def _fill(name: str, data: Mapping[str, Any] | None = None, **values: object) -> _Html:
    """Fill snippet ``name`` from ``data`` and ``values`` (which win), escaped."""
    merged = {**(data or {}), **values}
    safe = {k: v if isinstance(v, _Html) else escape(str(v)) for k, v in merged.items()}
    try:
        return _Html(_snippets()[name].substitute(safe))
    except KeyError as e:
        raise InputError(f"Expected a value for {e} in the {name!r} part.") from e


def _join(parts: Iterable[_Html]) -> _Html:
    return _Html("".join(parts))


def _tag(tag: str, text: object, css: str = "") -> _Html:
    attr = f' class="{escape(css)}"' if css else ""
    body = text if isinstance(text, _Html) else escape(str(text))
    return _Html(f"<{tag}{attr}>{body}</{tag}>")


def format_value(value: float | None, unit: str, digits: int | None = None) -> str:
    """Format a number with its unit, e.g. ``format_value(42.04, "deg")`` -> ``42.0°``.

    Seconds get 3 decimals below 1 s, steps/min none, degrees and % one; ``None``
    is ``"not measured"``.
    """
    if value is None:
        return "not measured"
    if digits is None:
        digits = 3 if unit == "s" and abs(value) < 1 else _DIGITS.get(unit, 2)
    text = f"{value:.{digits}f}{_UNITS.get(unit, f' {unit}')}"
    return text.replace("-", "\N{MINUS SIGN}")


def metric_label(name: str) -> str:
    """Plain label of a metric name, e.g. ``"Cadence"`` for ``cadence_spm``."""
    plain = re.sub(r"_(deg|s|m|pct|spm|ratio)$", "", name).replace("_", " ")
    return _metric_labels().get(name, plain[:1].upper() + plain[1:])


def _pattern(code: object) -> str:
    label = PATTERN_LABELS.get(str(code), str(code).replace("_", " "))
    return label.removeprefix("a ").removeprefix("the ").capitalize()


def _side(finding: Mapping[str, Any]) -> str:
    side = finding.get("side")
    return "both sides" if side in (None, "both") else f"{side} side"


def _banner(ctx: HtmlContext) -> _Html:
    result = ctx.screening
    details = _Html("")
    if result.flagged:
        items = _join(_tag("li", q.question) for q in result.flagged)
        details = _fill("flagged", items=items)
    elif result.show_checklist:
        groups: dict[str, list[_Html]] = {}
        for q in ctx.checklist:
            line = _fill("question", question=q.question, why=q.why)
            groups.setdefault(q.group, []).append(line)
        details = _join(
            _fill("checklist-group", title=GROUP_TITLES.get(g, g), items=_join(items))
            for g, items in groups.items()
        )
    return _fill(
        "banner",
        status=result.status,
        role="alert" if result.status in _ALERT else "region",
        headline=result.headline,
        message=result.message,
        details=details,
    )


def _input_words(report: Mapping[str, Any]) -> str:
    words = []
    for item in report.get("inputs", []):
        view = str(item.get("view", ""))
        kind = _VIEW_WORDS.get(view, f"video, {view} view")
        words.append(f"{item.get('file')} ({kind})")
    return ", ".join(words) or "no input"


def _mean(metric: object) -> float | None:
    value = metric.get("value") if isinstance(metric, Mapping) else None
    return value.get("mean") if isinstance(value, Mapping) else None


def _confidence_words(findings: Sequence[Mapping[str, Any]]) -> str:
    levels = ", ".join(sorted({str(f.get("confidence")) for f in findings}))
    if not levels:
        return "Each number carries the confidence of the input it comes from."
    return (
        f"Confidence of the findings: {levels} (high: 3D motion capture; moderate "
        "or low: a single phone camera)."
    )


def _stat_label(gait: Mapping[str, Any], key: str, label: str) -> str:
    """The tile's label, saying so when the figure is only low confidence."""
    entry = gait.get("cadence" if key == "cadence_spm" else key)
    if isinstance(entry, Mapping) and entry.get("confidence") == "low":
        return f"{label} — low confidence: {entry.get('note') or 'see the method note'}"
    return label


def _summary(ctx: HtmlContext) -> _Html:
    gait = ctx.report.get("gait", {})
    counts = gait.get("stride_count", {})
    found = _join(
        _fill("summary-item", f, pattern=_pattern(f["pattern"]), side=_side(f))
        for f in ctx.findings
        if f.get("severity") != "none"
    )
    missing = _join(
        _fill(
            "missing-item",
            pattern=_pattern(n["pattern"]),
            reason=str(n["reason"]).rstrip("."),
            needs=str(n["needs"]).rstrip("."),
        )
        for n in ctx.not_assessed
    )
    stats = _join(
        _fill(
            "stat", value=format_value(mean, unit), label=_stat_label(gait, key, label)
        )
        for key, unit, label in _GAIT_STATS
        if (mean := _mean(gait.get(key))) is not None
    )
    return _fill(
        "summary",
        stats=stats,
        strides=sum(int(v) for v in counts.values()),
        left=counts.get("left", 0),
        right=counts.get("right", 0),
        found=_tag("ul", found, "plain") if found else _tag("p", "None flagged."),
        inputs=_input_words(ctx.report),
        confidence=_confidence_words(ctx.findings),
        missing=_tag("ul", missing, "plain") if missing else _tag("p", "Nothing."),
    )


def _measured(ev: Mapping[str, Any]) -> _Html:
    unit = str(ev.get("unit", ""))
    parts = [
        _tag("span", f"{side} {format_value(ev[side], unit)}", f"badge side-{side}")
        for side in ("left", "right")
        if ev.get(side) is not None
    ]
    if ev.get("value") is not None:
        parts.append(_tag("span", format_value(ev["value"], unit)))
    if ev.get("interval"):
        low, high = (format_value(v, unit) for v in ev["interval"])
        parts.append(_tag("span", f" (95 % interval {low} to {high})"))
    return _join(parts) if parts else _Html("not measured")


def _evidence_row(ev: Mapping[str, Any]) -> _Html:
    unit = str(ev.get("unit", ""))
    limit = ev.get("limit")
    rule = str(ev.get("rule", ""))
    strides = ", ".join(f"{k} {v}" for k, v in ev.get("n_strides", {}).items())
    return _fill(
        "evidence",
        metric=metric_label(str(ev.get("metric", ""))),
        note=_tag("small", f" ({ev['note']})") if ev.get("note") else _Html(""),
        measured=_measured(ev),
        rule=rule if limit is None else f"{rule} (limit {format_value(limit, unit)})",
        met=_Html(" — <b>beyond it</b>") if ev.get("met") else _Html(""),
        reference=ev.get("reference", ""),
        strides=strides,
    )


def _finding_card(finding: Mapping[str, Any]) -> _Html:
    severity = str(finding.get("severity", "none"))
    caveats = _join(_tag("li", c) for c in finding.get("caveats") or ())
    return _fill(
        "finding",
        finding,
        title=_pattern(finding["pattern"]),
        severity_words="within limits" if severity == "none" else severity,
        side=_side(finding),
        rows=_join(_evidence_row(ev) for ev in finding.get("evidence", [])),
        limits=_fill("limits", items=caveats) if caveats else _Html(""),
    )


def _findings(ctx: HtmlContext) -> _Html:
    if not ctx.findings:
        return _tag("p", "No movement pattern crossed its limit in this recording.")
    return _join(_finding_card(f) for f in ctx.findings)


def _media(content: str, title: str) -> _Html:
    if content.lstrip().startswith("<svg"):
        return _Html(content)
    if content.startswith("data:image/"):
        return _Html(f'<img src="{escape(content)}" alt="{escape(title)}">')
    raise InputError(
        f"Figure '{title}': expected inline SVG text or a data:image URI, but got "
        f"{content[:40]!r}; render figures with figure_to_svg or a data URI."
    )


def _figures(items: Sequence[FigureItem]) -> _Html:
    return _join(
        _fill("figure", media=_media(content, title), title=title, caption=caption)
        for title, content, caption in items
    )


def _plots(ctx: HtmlContext) -> _Html:
    if not any(ctx.figures.values()):
        return _tag("p", "No plots could be drawn from this input.")
    return _join(
        _join((_tag("h3", name), _tag("div", _figures(items), "figs")))
        for name, items in ctx.figures.items()
        if items
    )


def _keyframes(ctx: HtmlContext) -> _Html:
    if not ctx.keyframes:
        return _tag("p", "Keyframe pictures need a video of the run; this has none.")
    return _fill("keyframes", figures=_figures(ctx.keyframes))


def _stride_row(row: Mapping[str, Any]) -> _Html:
    duty = row.get("duty_factor")
    valid = bool(row.get("valid"))
    return _fill(
        "stride",
        _cells(row),
        css="" if valid else "excluded",
        status="used" if valid else f"left out: {row.get('exclusion_reason')}",
        duty_pct=format_value(None if duty is None else 100 * duty, "%", 0),
    )


def _strides(ctx: HtmlContext) -> _Html:
    rows = ctx.report.get("strides", [])
    if not rows:
        return _tag("p", "No strides were found.")
    return _fill("strides", rows=_join(_stride_row(r) for r in rows))


def _cleaning(dq: DataQuality) -> _Html:
    worst = sorted(dq.usable_fraction.items(), key=lambda kv: kv[1])[:4]
    usable = [
        f"{k.replace('_', ' ')} {format_value(100 * v, '%', 0)}" for k, v in worst
    ]
    return _fill("cleaning", asdict(dq), usable=", ".join(usable) or "none")


def _audio_line(entry: Mapping[str, Any]) -> str | None:
    """One sentence on the cadence heard in an input's sound, or None."""
    check = entry.get("audio_cadence")
    if not check:
        return None
    name = entry.get("file", "")
    heard, video = check.get("cadence_spm"), check.get("video_cadence_spm")
    if heard is None:
        return f"{name}: no cadence from the sound ({check.get('reason', '')})."
    start, end = check.get("span_s") or (None, None)
    text = (
        f"{name}: the footfalls heard in the sound give "
        f"{format_value(heard, 'steps/min', 1)} over {start:g}-{end:g} s"
    )
    if video is None:
        return f"{text}."
    difference = format_value(check.get("difference_spm"), "steps/min", 1)
    tolerance = format_value(check.get("tolerance_spm"), "steps/min", 1)
    verdict = (
        f"they agree (difference {difference}, tolerance {tolerance})"
        if check.get("agrees")
        else f"they differ by {difference} (tolerance {tolerance})"
    )
    return f"{text}, the video {format_value(video, 'steps/min', 1)}: {verdict}."


def _quality(ctx: HtmlContext) -> _Html:
    report = ctx.report
    rows = _join(_fill("input", _cells(i)) for i in report.get("inputs", []))
    parts = [_fill("inputs", rows=rows)]
    if ctx.data_quality is not None:
        parts.append(_cleaning(ctx.data_quality))
    unavailable = [
        f"{metric_label(k)}: {v}" for k, v in report.get("unavailable", {}).items()
    ]
    heard = [_audio_line(i) for i in report.get("inputs", [])]
    for title, lines in (
        ("Not measured, and why", unavailable),
        ("Cadence cross-check", [line for line in heard if line]),
        ("Warnings while reading", report.get("warnings", [])),
    ):
        if lines:
            items = _join(_tag("li", line) for line in lines)
            parts.append(_fill("listing", title=title, items=items))
    return _join(parts)


def _lesson_card(number: int, planned: PlannedLesson, link: str | None) -> _Html:
    lesson = planned.lesson
    audio = f'<p><a href="{escape(link)}">Listen (audio file)</a></p>' if link else ""
    return _fill(
        "lesson",
        number=number,
        title=lesson.title,
        position=lesson.position.capitalize(),
        minutes=f"{lesson.duration_min:.0f}",
        rationale=planned.rationale,
        safety=lesson.safety,
        audio=_Html(audio),
    )


def _lessons(ctx: HtmlContext) -> _Html:
    plan = ctx.lesson_plan
    if plan is None or not plan.lessons:
        return _tag("p", "No lessons were chosen for this run.")
    cards = _join(
        _lesson_card(i, p, ctx.audio_links.get(p.lesson.id))
        for i, p in enumerate(plan.lessons, start=1)
    )
    note = _Html("") if ctx.screening.advice_allowed else _tag("p", _CHECKLIST_FIRST)
    return _fill("lessons", summary=plan.summary, items=cards, note=note)


def _check_links(ctx: HtmlContext) -> None:
    bad = [
        link
        for link in ctx.audio_links.values()
        if re.match(r"([a-z][a-z0-9+.-]*:|/)", link, re.IGNORECASE) or "\\" in link
    ]
    if bad:
        raise InputError(
            f"Expected audio links relative to the report (e.g. 'audio/x.mp3'), but "
            f"got {bad}; the page must not point outside its own folder."
        )


def render_html(ctx: HtmlContext) -> str:
    """Return the report as one self-contained HTML page.

    Parameters
    ----------
    ctx
        Everything the page shows (see :class:`HtmlContext`).

    Returns
    -------
    str
        The HTML text (write it as UTF-8).

    Raises
    ------
    InputError
        For a figure that is neither inline SVG nor a data:image URI, or an audio
        link that is not relative to the report.
    """
    _check_links(ctx)
    sections = [
        ("summary", "Summary", _summary(ctx)),
        ("findings", "Findings", _findings(ctx)),
        ("plots", "Plots", _plots(ctx)),
        ("keyframes", "Keyframes", _keyframes(ctx)),
        ("strides", "Strides", _strides(ctx)),
        ("data-quality", "Data quality", _quality(ctx)),
    ]
    if ctx.lesson_plan is not None and ctx.screening.status not in _ALERT:
        sections.append(("lessons", "Lessons for you", _lessons(ctx)))
    notes = _join(_tag("p", n) for n in ctx.method_notes)
    sources = _join(_tag("li", c) for c in ctx.citations)
    method = _fill("method", notes=notes, citations=sources)
    sections.append(("method", "How this was measured", method))
    toc = [("screening", "Safety"), *((i, h) for i, h, _ in sections)]
    return _fill(
        "page",
        title=ctx.title,
        subtitle=f"From {_input_words(ctx.report)}",
        toc=_join(_Html(f'<a href="#{i}">{escape(h)}</a>') for i, h in toc),
        body=_join(
            [
                _banner(ctx),
                *(_fill("section", id=i, heading=h, content=c) for i, h, c in sections),
            ]
        ),
        version=ctx.report.get("generator", {}).get("version", ""),
        inputs=_input_words(ctx.report),
    )


def _session_figures(session: Any, metrics: Mapping[str, Any]) -> dict[str, Any]:
    figures: dict[str, list[FigureItem]] = {}
    several = len(session.analyses) > 1
    for analysis in session.analyses:
        labels = {k: metric_label(k).split(" (")[0] for k in metrics}
        groups = standard_figures(
            analysis.angles, analysis.strides, metrics, labels=labels
        )
        for group, items in groups.items():
            name = f"{group} ({analysis.path.name})" if several else group
            figures.setdefault(name, []).extend(
                (title, figure_to_svg(fig, title=title), caption)
                for title, fig, caption in items
            )
    return figures


def _session_keyframes(session: Any) -> list[FigureItem]:
    from stridescope.video.keyframes import extract_keyframes  # PyAV, when needed

    pictures: list[FigureItem] = []
    for analysis in session.analyses:
        if analysis.format != "video":
            continue
        chosen = choose_keyframe_times(analysis.events)
        stills = extract_keyframes(analysis.path, [k.time_s for k in chosen])
        paired = ((k, t, image) for k, (t, image) in zip(chosen, stills, strict=True))
        pictures += keyframe_pictures(analysis.trial, analysis.angles, paired)
    return pictures


def render_session_html(session: Any, folder: Path) -> str:
    """Render a :class:`stridescope.session.Session` as the page (the CLI's renderer).

    Builds the standard figures (:func:`~stridescope.report.plots.standard_figures`)
    and, for video inputs, the keyframe pictures (decoding the stills), then calls
    :func:`render_html`. Audio links are the lesson files the writer recorded in the
    report's ``lesson_plan`` section, relative to ``folder``.
    """
    report = report_to_dict(session.report)
    audio = {
        lesson["id"]: files[-1]
        for lesson in report.get("lesson_plan", {}).get("lessons", [])
        if (files := [f for f in lesson.get("audio", []) if (folder / f).is_file()])
    }
    details = [a.details.get("data_quality") for a in session.analyses]
    quality = next((dict(d) for d in details if d), None)
    if quality is not None:
        quality["swapped_frames"] = tuple(quality.get("swapped_frames", ()))
    unanswered = set(session.screening.unanswered)
    return render_html(
        HtmlContext(
            report=report,
            screening=session.screening,
            figures=_session_figures(session, report.get("metrics", {})),
            keyframes=_session_keyframes(session),
            findings=report.get("findings", []),
            not_assessed=report.get("patterns_not_assessed", []),
            checklist=[q for q in load_questions() if q.id in unanswered],
            lesson_plan=session.plan,
            audio_links=audio,
            data_quality=None if quality is None else DataQuality(**quality),
        )
    )
