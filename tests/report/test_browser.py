"""The HTML report in a real browser: offline, no errors, pictures shown, phone-ready.

Headless Chromium from Debian (``apt-get install chromium``) driven by Playwright for
Python (``pip install playwright``; its wheel ships the driver, so ``playwright
install`` is never needed). Skipped, with the reason, when either is missing.
Screenshots go to ``tmp_path``; set ``STRIDESCOPE_SCREENSHOTS`` to a folder to keep
them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stridescope.errors import StridescopeWarning
from stridescope.model.trial import Event
from stridescope.report.html import FigureItem, render_html
from stridescope.report.keyframes import (
    choose_keyframe_times,
    crop_to_runner,
    draw_skeleton,
    image_to_data_uri,
)
from tests.report.test_html import (
    ALL_NO,
    analyse_synthetic_runner,
    build_context,
    standard_figures,
)

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright for Python is not installed (pip install playwright)",
)
av = pytest.importorskip("av", reason="PyAV (the video extra) is not installed")

CHROMIUM = Path(os.environ.get("STRIDESCOPE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS_PX = (390, 1280)
FPS = 30

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason=f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)",
)


def runner_pose(t: float) -> dict[str, tuple[float, float]]:
    """A stick runner in a 360 x 640 frame whose legs swing at one stride per 0.7 s."""
    swing = 40 * np.sin(2 * np.pi * t / 0.7)
    pose = {
        "nose": (175.0, 150.0),
        "left_shoulder": (178.0, 200.0),
        "right_shoulder": (186.0, 200.0),
        "left_elbow": (160.0 - swing / 2, 260.0),
        "right_elbow": (200.0 + swing / 2, 260.0),
        "left_hip": (180.0, 340.0),
        "right_hip": (188.0, 340.0),
        "left_knee": (180.0 - swing, 430.0),
        "right_knee": (188.0 + swing, 430.0),
        "left_ankle": (190.0 - swing, 520.0),
        "right_ankle": (198.0 + swing, 520.0),
    }
    return {k: (float(x), float(y)) for k, (x, y) in pose.items()}


def make_clip(path: Path, seconds: float = 1.5) -> Path:
    """A real H.264 clip of the stick runner (pictures drawn, then encoded)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 360, 640, "yuv420p"
        for i in range(round(seconds * FPS)):
            image = np.full((640, 360, 3), (215, 222, 228), np.uint8)
            image[560:, :] = (90, 90, 96)  # the ground
            for x, y in runner_pose(i / FPS).values():
                image[round(y) - 6 : round(y) + 6, round(x) - 6 : round(x) + 6] = 40
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, "rgb24")))
        container.mux(stream.encode())
    return path


def clip_keyframes(clip: Path) -> list[FigureItem]:
    """Keyframes decoded from the clip, with the skeleton drawn over them."""
    from stridescope.video.keyframes import extract_keyframes

    events = [
        Event(t, side, kind, "file")
        for side, start in (("left", 0.2), ("right", 0.55))
        for t, kind in ((start, "foot_strike"), (start + 0.25, "toe_off"))
    ] + [Event(0.9, "left", "foot_strike", "file")]
    chosen = choose_keyframe_times(events)
    stills = extract_keyframes(clip, [k.time_s for k in chosen])
    items = []
    for key, (time_s, image) in zip(chosen, stills, strict=True):
        crop, points = crop_to_runner(image, runner_pose(time_s))
        drawn = draw_skeleton(crop, points, angles={f"{key.side}_knee_flexion": 20.0})
        items.append(
            (key.label.capitalize(), image_to_data_uri(drawn), f"{time_s:.2f} s")
        )
    return items


@pytest.fixture(scope="module")
def report_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The clear and the emergency variants of a full report, written to disk."""
    folder = tmp_path_factory.mktemp("browser")
    report, analysis = analyse_synthetic_runner(folder)
    figures = standard_figures(analysis, report)
    frames = clip_keyframes(make_clip(folder / "run.mp4"))
    out = {}
    for name, answers in (("clear", ALL_NO), ("emergency", {"saddle_numbness": True})):
        ctx = build_context(report, figures=figures, keyframes=frames, answers=answers)
        out[name] = folder / f"report-{name}.html"
        out[name].write_text(render_html(ctx), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def open_page(browser: Any, path: Path, width: int) -> tuple[Any, list[str], list[str]]:
    """Load ``path``; return the page, the URLs it requested and its errors."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return page, requests, errors


def keep_screenshot(shot: Path) -> None:
    folder = os.environ.get("STRIDESCOPE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


@pytest.mark.slow
@pytest.mark.parametrize("width", WIDTHS_PX)
def test_report_loads_offline_and_shows_every_picture(
    browser: Any, report_files: dict[str, Path], width: int, tmp_path: Path
) -> None:
    path = report_files["clear"]
    page, requests, errors = open_page(browser, path, width)
    assert errors == []
    assert [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
    plots = page.locator("#plots figure svg")
    frames = page.locator("#keyframes figure img")
    assert plots.count() == 4
    assert frames.count() == 6
    for item in [*plots.all(), *frames.all(), page.locator("#plots img").first]:
        item.scroll_into_view_if_needed()
        box = item.bounding_box()
        assert item.is_visible()
        assert box is not None
        assert box["width"] > 50
        assert box["height"] > 50
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width + 0.5
    decoded = page.eval_on_selector_all(
        "img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
    )
    assert decoded == [True] * 7
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot = tmp_path / f"report-{width}px.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep_screenshot(shot)
    page.close()


@pytest.mark.slow
def test_phone_layout_is_one_column(
    browser: Any, report_files: dict[str, Path]
) -> None:
    page, _, _ = open_page(browser, report_files["clear"], 390)
    lefts = {round(f.bounding_box()["x"]) for f in page.locator("figure").all()}
    assert len(lefts) == 1
    page.close()


@pytest.mark.slow
def test_emergency_banner_first_and_no_lessons(
    browser: Any, report_files: dict[str, Path], tmp_path: Path
) -> None:
    path = report_files["emergency"]
    page, requests, errors = open_page(browser, path, 390)
    assert errors == []
    assert [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
    banner = page.locator("#screening.emergency")
    assert banner.is_visible()
    assert banner.bounding_box()["y"] < page.locator("#summary").bounding_box()["y"]
    assert page.locator("#lessons").count() == 0
    shot = tmp_path / "report-emergency-390px.png"
    page.screenshot(path=str(shot))
    keep_screenshot(shot)
    page.close()


@pytest.mark.slow
def test_print_keeps_cards_whole(
    browser: Any, report_files: dict[str, Path], tmp_path: Path
) -> None:
    page, _, _ = open_page(browser, report_files["clear"], 1280)
    page.emulate_media(media="print")
    styles = page.eval_on_selector_all(
        "figure, .card", "els => els.map(e => getComputedStyle(e).breakInside)"
    )
    assert set(styles) == {"avoid"}
    assert page.locator("nav.toc").is_hidden()
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    page.close()


@pytest.mark.slow
@pytest.mark.shared_data
def test_real_treadmill_keyframes_render(
    browser: Any, shared_data: Path, tmp_path: Path
) -> None:
    """Keyframes from the first seconds of the real side-view treadmill clip."""
    from stridescope import io
    from stridescope.pipeline import analyze_input
    from stridescope.report.keyframes import angles_at, keypoints_at
    from stridescope.video.keyframes import extract_keyframes

    folder = shared_data / "treadmill-run-side-male"
    pose = folder / "male_side.pose.json"
    with pytest.warns(StridescopeWarning, match="clipped"):  # RTMPose scores > 1
        analysis = analyze_input(pose, io.detect_format(pose))
    chosen = choose_keyframe_times(e for e in analysis.events if e.time_s < 3.0)
    assert [k.phase for k in chosen] == ["foot_strike", "mid_stance", "toe_off"] * 2
    stills = extract_keyframes(folder / "male_side.mp4", [k.time_s for k in chosen])
    html = []
    for key, (time_s, image) in zip(chosen, stills, strict=True):
        angles = angles_at(analysis.angles, time_s)
        crop, points = crop_to_runner(image, keypoints_at(analysis.trial, time_s))
        uri = image_to_data_uri(draw_skeleton(crop, points, angles=angles))
        html.append(f'<figure><img src="{uri}" alt="{key.label}"></figure>')
    page_file = tmp_path / "frames.html"
    page_file.write_text("<!DOCTYPE html><title>frames</title>" + "".join(html))
    page, requests, errors = open_page(browser, page_file, 390)
    assert errors == []
    assert [u for u in requests if not u.startswith("data:")] == [page_file.as_uri()]
    decoded = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
    assert len(decoded) == 6
    assert min(decoded) > 200
    page.close()
