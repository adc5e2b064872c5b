"""Command line: argument parsing, progress display and exit codes only.

Exit status: 0 success; 2 bad input (one line on stderr naming the file and the
problem); 1 internal error (a traceback; ``--debug`` shows tracebacks always).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from stridescope._version import __version__
from stridescope.errors import StridescopeError

app = typer.Typer(
    name="stridescope",
    help=(
        "Movement screen of a runner's hip, pelvis and trunk from motion capture or "
        "phone video.\n\nExample: stridescope analyze trial.c3d --out results/"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


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
    """Movement screen of a runner from motion capture or phone video."""


def _fail(message: str, *, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    typer.echo(f"stridescope: error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _progress_printer() -> Callable[[str], None] | None:
    """Progress messages on an interactive terminal only (stderr stays one line)."""
    if not sys.stderr.isatty():
        return None
    return lambda message: typer.echo(message, err=True)


@app.command()
def analyze(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Motion files (.c3d, .trc, .mot/.sto, .bvh, .nc) and optionally one "
            "force-plate .mot for a single motion file.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for report.json.")
    ] = Path("stridescope-report"),
    events: Annotated[
        str,
        typer.Option(
            help="Events to use: auto (force plates, else the file's, else "
            "detected), force_plate, file or detected."
        ),
    ] = "auto",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Analyse FILES and write OUT/report.json.

    Example: stridescope analyze Run_3.sto Run_3_grf.mot --out results/
    """
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)
    from stridescope.pipeline import AnalysisOptions, analyze, write_outputs

    if events not in ("auto", "force_plate", "file", "detected"):
        _fail(
            f"--events: expected auto, force_plate, file or detected, got {events!r}.",
            debug=False,
        )
    try:
        options = AnalysisOptions(events=events)  # type: ignore[arg-type]
        report = analyze(files, options=options, progress=_progress_printer())
        written = write_outputs(report, out)
    except StridescopeError as e:
        _fail(str(e), debug=debug)
        return
    for message in report.warnings:
        typer.echo(f"stridescope: warning: {message}", err=True)
    for path in written:
        typer.echo(f"wrote {path}")


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
