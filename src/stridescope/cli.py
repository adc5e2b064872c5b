"""Command line: argument parsing, progress display and exit codes only.

Exit status: 0 success; 2 bad input (one line on stderr naming the file and the
problem); 1 internal error (a traceback; ``--debug`` shows tracebacks always).
Options of ``analyze`` can also come from a TOML file (``--config``), whose
``[analyze]`` table uses the option names (``view = "rear"``, ``height_m = 1.78``);
options given on the command line win.
"""

from __future__ import annotations

import logging
import sys
import tomllib
import traceback
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from stridescope._version import __version__
from stridescope.errors import InputError, StridescopeError

app = typer.Typer(
    name="stridescope",
    help=(
        "Movement screen of a runner's hip, pelvis and trunk from phone video or "
        "motion capture.\n\n"
        "Examples:\n\n"
        "  stridescope demo --out demo/\n\n"
        "  stridescope analyze side.mp4 --out results/ --intake intake.toml\n\n"
        "  stridescope analyze side.mp4 rear.mp4 --out results/\n\n"
        "  stridescope analyze Run_3.sto Run_3_grf.mot --out results/\n\n"
        "  stridescope lessons --for limited_hip_motion"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
CHOICES = {
    "view": ("side-left", "side-right", "rear", "front"),
    "events": ("auto", "force_plate", "file", "detected"),
    "model": ("lite", "full", "heavy"),
}
DEFAULTS: dict[str, Any] = {
    "out": "stridescope-report",
    "view": None,
    "person": None,
    "model": "full",
    "events": "auto",
    "intake": None,
    "height_m": None,
    "audio": True,
    "video_overlay": False,
}


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"stridescope {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show version."
        ),
    ] = False,
) -> None:
    """Movement screen of a runner from phone video or motion capture."""


def _fail(message: str, *, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    typer.echo(f"stridescope: error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


class _TerminalProgress:
    """Progress on an interactive terminal: stage lines and a frame progress bar."""

    def __init__(self) -> None:
        from rich.progress import Progress

        self._progress = Progress(transient=True)
        self._task: Any = None

    def __enter__(self) -> _TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def stage(self, message: str) -> None:
        self._progress.console.print(message, style="dim")
        self._task = None

    def advance(self, done: int, total: int | None) -> None:
        if self._task is None:
            self._task = self._progress.add_task("video frames", total=total)
        self._progress.update(self._task, completed=done, total=total)


def _read_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"{path.name}: cannot read the config file ({e}).") from e
    table = data.get("analyze", {})
    unknown = sorted(set(table) - set(DEFAULTS))
    if unknown:
        raise InputError(
            f"{path.name}: expected [analyze] keys among {sorted(DEFAULTS)}, but got "
            f"{unknown}."
        )
    return dict(table)


def _resolve(given: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    merged = {
        k: given[k] if given.get(k) is not None else config.get(k, v)
        for k, v in DEFAULTS.items()
    }
    for key, allowed in CHOICES.items():
        value = merged[key]
        if value is not None and value not in allowed:
            raise InputError(
                f"--{key}: expected one of {', '.join(allowed)}, got {value!r}."
            )
    return merged


def _ask_terminal(question: str) -> bool:
    return bool(typer.confirm(question, default=False))


def _answers(settings: Mapping[str, Any], *, ask: bool) -> tuple[Any, Any]:
    """Return (intake, answers) from the intake file, the terminal, or neither."""
    from stridescope.screening import ask_interactively, read_intake

    if settings["intake"] is not None:
        return read_intake(Path(settings["intake"])), None
    if ask and sys.stdin.isatty():
        typer.echo("A few safety questions first (answer y or n).", err=True)
        return None, ask_interactively(_ask_terminal)
    return None, None


def _run(
    files: list[Path],
    settings: Mapping[str, Any],
    answers: Any,
    intake: Any,
    *,
    debug: bool,
) -> None:
    from stridescope.outputs import write_session
    from stridescope.pipeline import AnalysisOptions
    from stridescope.report.html import render_session_html
    from stridescope.session import run_session

    options = AnalysisOptions(
        events=settings["events"],
        view=settings["view"],
        person=settings["person"],
        pose_model=settings["model"],
        height_m=settings["height_m"],
    )
    try:
        if sys.stderr.isatty():
            with _TerminalProgress() as progress:
                session = run_session(
                    files,
                    options=options,
                    answers=answers,
                    intake=intake,
                    progress=progress,
                )
        else:
            session = run_session(
                files, options=options, answers=answers, intake=intake
            )
        written = write_session(
            session,
            Path(settings["out"]),
            audio=bool(settings["audio"]),
            html=render_session_html,
            overlay=bool(settings["video_overlay"]),
        )
    except StridescopeError as e:
        _fail(str(e), debug=debug)
        return
    for message in session.report.warnings:
        typer.echo(f"stridescope: warning: {message}", err=True)
    _print_summary(session, Path(settings["out"]), written)


def _print_summary(session: Any, out: Path, written: list[Path]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    report = session.report
    gait = report.gait
    cadence = gait.get("cadence_spm")
    counts = gait.get("stride_count", {})
    detail = gait.get("cadence") or {}
    low = detail.get("confidence") == "low"
    flag = " (low confidence, see the report)" if low else ""
    for item in report.inputs:
        console.print(
            f"{item.file}: view {item.view}, "
            + (f"cadence {cadence:.1f} steps/min{flag}, " if cadence else "")
            + f"strides left/right {counts.get('left', 0)}/{counts.get('right', 0)}"
        )
    console.print(f"screening: {session.screening.headline}")
    table = Table(title="findings", show_header=True)
    for column in ("pattern", "side", "severity", "confidence"):
        table.add_column(column)
    for finding in session.assessment.findings:
        table.add_row(
            finding.pattern.replace("_", " "),
            finding.side or "",
            finding.severity,
            finding.confidence,
        )
    if session.assessment.findings:
        console.print(table)
    else:
        console.print("findings: none flagged")
    html = out / "report.html"
    console.print(
        f"report: {html if html.exists() else out / 'report.json'} "
        f"({len(written)} files in {out})"
    )


@app.command()
def analyze(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Video (.mp4, .mov), keypoint files, or motion capture (.c3d, .trc, "
            ".mot/.sto, .bvh, .nc), plus optionally one force-plate .mot for a single "
            "motion-capture file. A side and a rear clip of the same run can be "
            "given together.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for the outputs [default: stridescope-report]."
        ),
    ] = None,
    view: Annotated[
        str | None,
        typer.Option(
            help="Camera view of a video: side-left, side-right, rear, "
            "front [default: detected]."
        ),
    ] = None,
    person: Annotated[
        int | None,
        typer.Option(
            help="Analyse this person (rank listed in the report) instead "
            "of the automatically chosen runner."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Pose model: lite, full, heavy [default: full].")
    ] = None,
    events: Annotated[
        str | None,
        typer.Option(
            help="Events: auto (force plates, else the file's, else "
            "detected), force_plate, file, detected [default: auto]."
        ),
    ] = None,
    intake: Annotated[
        Path | None,
        typer.Option(
            help="Intake TOML with the safety answers "
            "(stridescope intake-template makes one)."
        ),
    ] = None,
    height_m: Annotated[
        float | None,
        typer.Option(
            "--height-m",
            help="Runner's height in metres: adds metric "
            "distances (e.g. vertical oscillation in m) for video.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="TOML file whose [analyze] table sets these options."),
    ] = None,
    audio: Annotated[
        bool | None,
        typer.Option(
            "--audio/--no-audio", help="Render the lesson audio [default: audio]."
        ),
    ] = None,
    video_overlay: Annotated[
        bool | None,
        typer.Option(
            "--video-overlay/--no-video-overlay",
            help="Also write an "
            "annotated copy of each video (skeleton, angles, events).",
        ),
    ] = None,
    ask: Annotated[
        bool,
        typer.Option(
            "--ask/--no-ask",
            help="Ask the safety questions on the "
            "terminal when no intake file is given.",
        ),
    ] = True,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Analyse FILES and write report.html, report.json, strides.csv and more into OUT.

    Example: stridescope analyze side.mp4 --out results/ --intake intake.toml
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)
    given = {
        "out": out,
        "view": view,
        "person": person,
        "model": model,
        "events": events,
        "intake": intake,
        "height_m": height_m,
        "audio": audio,
    }
    try:
        settings = _resolve(given, _read_config(config))
        intake_data, answers = _answers(settings, ask=ask)
    except StridescopeError as e:
        _fail(str(e), debug=debug)
        return
    _run(files, settings, answers, intake_data, debug=debug)


def bundled_sample() -> Path:
    """Path of the bundled sample clip (``male_side.mp4``)."""
    return Path(str(resources.files("stridescope.data").joinpath("male_side.mp4")))


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs.")
    ] = Path("stridescope-demo"),
    audio: Annotated[
        bool, typer.Option("--audio/--no-audio", help="Render the lesson audio.")
    ] = True,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Analyse the bundled sample clip (a real side-view treadmill run).

    The demo answers every safety question "no" on the sample runner's behalf, so
    the report shows lessons. Example: stridescope demo --out demo/
    """
    from stridescope.screening import load_questions

    settings = {**DEFAULTS, "out": str(out), "audio": audio}
    answers = {q.id: False for q in load_questions()}
    typer.echo("demo: the sample runner's safety answers are all 'no'.", err=True)
    _run([bundled_sample()], settings, answers, None, debug=debug)


@app.command("intake-template")
def intake_template_command() -> None:
    """Print an intake TOML template with every safety question.

    Example: stridescope intake-template > intake.toml
    """
    from stridescope.screening import intake_template

    typer.echo(intake_template(), nl=False)


@app.command()
def lessons(
    for_: Annotated[
        list[str] | None,
        typer.Option(
            "--for",
            help="Pattern code(s) to plan for, e.g. "
            "limited_hip_motion, hip_asymmetry, pelvis_dragged_by_leg, "
            "upper_body_asymmetry, excessive_pelvic_stability.",
        ),
    ] = None,
    show: Annotated[str | None, typer.Option(help="Print one lesson in full.")] = None,
) -> None:
    """List the movement lessons, plan for findings, or print one lesson.

    Example: stridescope lessons --for limited_hip_motion --for hip_asymmetry
    """
    from stridescope.lessons import FindingRef, build_plan, get_lesson, load_library

    try:
        if show:
            _print_lesson(get_lesson(show))
            return
        if for_:
            plan = build_plan([FindingRef(pattern=p) for p in for_])
            typer.echo(plan.summary)
            for item in plan.lessons:
                typer.echo(
                    f"- {item.lesson.id}: {item.lesson.title} "
                    f"({item.lesson.duration_min} min, {item.lesson.position})"
                )
                typer.echo(f"    {item.rationale}")
            return
    except StridescopeError as e:
        _fail(str(e), debug=False)
    for lesson in load_library():
        typer.echo(
            f"{lesson.id}: {lesson.title} ({lesson.duration_min} min, "
            f"{lesson.position}) — serves {', '.join(lesson.serves)}"
        )


def _print_lesson(lesson: Any) -> None:
    typer.echo(f"{lesson.title} ({lesson.duration_min} min, {lesson.position})")
    typer.echo(lesson.intent)
    typer.echo(f"Safety: {lesson.safety}")
    for number, step in enumerate(lesson.steps, start=1):
        typer.echo(f"{number}. {step.text}")


def main() -> None:
    """Console entry point: run the app, mapping unexpected errors to status 1."""
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
