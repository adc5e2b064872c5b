"""The command line: exit codes, one-line errors and nothing half-written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stridescope import io
from stridescope.cli import app
from tests.fixtures.synthetic_runner import synthetic_runner

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = _invoke("--version")
    assert code == 0
    assert out.startswith("stridescope ")


def test_analyze_writes_report(tmp_path: Path) -> None:
    trial = tmp_path / "runner.nc"
    io.save(synthetic_runner(duration_s=4.0).trial, trial)
    code, out, err = _invoke("analyze", str(trial), "--out", str(tmp_path / "out"))
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["inputs"][0]["file"] == "runner.nc"
    assert "report.html" in out


def _truncated_c3d(data: Path, folder: Path) -> Path:
    path = folder / "truncated.c3d"
    path.write_bytes((data / "synthetic_walk.c3d").read_bytes()[:20000])
    return path


def _trc_without_header(data: Path, folder: Path) -> Path:
    path = folder / "noheader.trc"
    lines = (data / "synthetic_walk.trc").read_text().splitlines(keepends=True)
    path.write_text("".join(lines[5:]))
    return path


def _mot_missing_columns(data: Path, folder: Path) -> Path:
    path = folder / "missing.mot"
    lines = (data / "synthetic_angles.mot").read_text().splitlines()
    end = next(i for i, line in enumerate(lines) if line.strip() == "endheader")
    rows = ["\t".join(line.split("\t")[:-3]) for line in lines[end + 2 :]]
    path.write_text("\n".join([*lines[: end + 2], *rows]) + "\n")
    return path


def _empty(data: Path, folder: Path) -> Path:
    path = folder / "empty.c3d"
    path.write_bytes(b"")
    return path


def _wrong_extension(data: Path, folder: Path) -> Path:
    path = folder / "notes.c3d"
    path.write_text("these are my running notes, not a C3D file\n")
    return path


def _unknown_extension(data: Path, folder: Path) -> Path:
    path = folder / "notes.xyz"
    path.write_text("hello\n")
    return path


def _too_short(data: Path, folder: Path) -> Path:
    path = folder / "short.nc"
    io.save(synthetic_runner(duration_s=1.0).trial, path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_truncated_c3d, "truncated.c3d: expected 120 frames .* it is truncated"),
        (_trc_without_header, "noheader.trc: expected trc content"),
        (_mot_missing_columns, "missing.mot: expected 17 values per row"),
        (_empty, "empty.c3d: the file is empty"),
        (_wrong_extension, "notes.c3d: expected c3d content"),
        (_unknown_extension, "notes.xyz: cannot infer the format"),
        (_too_short, "short.nc: expected at least 2 complete strides"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    make: object, message: str, test_data: Path, tmp_path: Path
) -> None:
    bad = make(test_data, tmp_path)  # type: ignore[operator]
    out = tmp_path / "out"
    code, _, err = _invoke("analyze", str(bad), "--out", str(out))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stridescope: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert not out.exists()


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _invoke(
        "analyze", str(tmp_path / "nope.c3d"), "--out", str(tmp_path)
    )
    assert code == 2
    assert "nope.c3d: no such file" in err


def test_bad_events_option_exits_2(tmp_path: Path) -> None:
    code, _, err = _invoke("analyze", "x.c3d", "--events", "guess")
    assert code == 2
    assert "--events: expected one of auto" in err
