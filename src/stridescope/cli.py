"""Command line: argument parsing, progress display and exit codes only.

Exit status: 0 success; 2 bad input (one line on stderr naming the file and the
problem); 1 internal error (a traceback; ``--debug`` shows tracebacks always).
"""

from __future__ import annotations

import logging
import sys
import traceback
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from stridescope._version import __version__
from stridescope.errors import StridescopeError

app = typer.Typer(
    name="stridescope",
    help=(
        "Movement screen of a runner's hip, pelvis and trunk from phone video or "
        "motion capture.\n\n"
        "Examples:\n\n"
        "  stridescope demo --out demo/\n\n"
        "  stridescope analyze side.mp4 --out results/\n\n"
        "  stridescope analyze Run_3.sto Run_3_grf.mot --out results/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
VIEWS = ("side-left", "side-right", "rear", "front")
EVENT_CHOICES = ("auto", "force_plate", "file", "detected")
MODELS = ("lite", "full", "heavy")


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
            self._task = self._progress.add_task("frames", total=total)
        self._progress.update(self._task, completed=done, total=total)


def _check_choice(value: str | None, choices: tuple[str, ...], flag: str) -> None:
    if value is not None and value not in choices:
        _fail(
            f"{flag}: expected one of {', '.join(choices)}, got {value!r}.", debug=False
        )


def _run_analysis(files: list[Path], out: Path, options: Any, *, debug: bool) -> None:
    from stridescope.pipeline import analyze, write_outputs

    interactive = sys.stderr.isatty()
    try:
        if interactive:
            with _TerminalProgress() as progress:
                report = analyze(files, options=options, progress=progress)
        else:
            report = analyze(files, options=options)
        written = write_outputs(report, out)
    except StridescopeError as e:
        _fail(str(e), debug=debug)
        return
    for message in report.warnings:
        typer.echo(f"stridescope: warning: {message}", err=True)
    _print_summary(report, written)


def _print_summary(report: Any, written: list[Path]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    gait = report.gait
    table = Table(title="stridescope summary", show_header=True)
    table.add_column("input")
    table.add_column("view")
    table.add_column("cadence")
    table.add_column("strides L/R")
    for item in report.inputs:
        cadence = gait.get("cadence_spm")
        counts = gait.get("stride_count", {})
        table.add_row(
            item.file,
            item.view,
            f"{cadence:.1f} steps/min" if cadence else "n/a",
            f"{counts.get('left', 0)}/{counts.get('right', 0)}",
        )
    console.print(table)
    for path in written:
        console.print(f"wrote {path}")


Options = dict[str, Any]


@app.command()
def analyze(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Video (.mp4, .mov), keypoint files, or motion capture (.c3d, .trc, "
            ".mot/.sto, .bvh, .nc), plus optionally one force-plate .mot for a single "
            "motion-capture file.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs.")
    ] = Path("stridescope-report"),
    view: Annotated[
        str | None,
        typer.Option(
            help="Camera view of a video: side-left, side-right, rear, front."
        ),
    ] = None,
    person: Annotated[
        int | None,
        typer.Option(
            help="Analyse this person (rank in the report) instead of the "
            "automatically chosen runner."
        ),
    ] = None,
    model: Annotated[str, typer.Option(help="Pose model: lite, full, heavy.")] = "full",
    events: Annotated[
        str,
        typer.Option(
            help="Events to use: auto (force plates, else the file's, else "
            "detected), force_plate, file or detected."
        ),
    ] = "auto",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Analyse FILES and write the report into OUT.

    Example: stridescope analyze side.mp4 --out results/
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)
    from stridescope.pipeline import AnalysisOptions

    _check_choice(events, EVENT_CHOICES, "--events")
    _check_choice(view, VIEWS, "--view")
    _check_choice(model, MODELS, "--model")
    options = AnalysisOptions(
        events=events,  # type: ignore[arg-type]
        view=view,
        person=person,
        pose_model=model,  # type: ignore[arg-type]
    )
    _run_analysis(files, out, options, debug=debug)


def bundled_sample() -> Path:
    """Path of the bundled sample clip (``male_side.mp4``)."""
    return Path(str(resources.files("stridescope.data").joinpath("male_side.mp4")))


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the outputs.")
    ] = Path("stridescope-demo"),
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Analyse the bundled sample clip (a real side-view treadmill run).

    Example: stridescope demo --out demo/
    """
    from stridescope.pipeline import AnalysisOptions

    _run_analysis([bundled_sample()], out, AnalysisOptions(), debug=debug)


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
