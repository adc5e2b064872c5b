"""The tables in docs/findings.md are generated from the data and must not drift."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from stridescope.patterns import load_references, load_thresholds
from tests.fixtures.scripts import load_script

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    return load_script("findings_table")


def test_docs_tables_equal_the_scripts_output() -> None:
    script = _script()
    doc = (REPO / "docs" / "findings.md").read_text("utf-8")
    assert script.table_in_doc(doc) == script.render_tables(), (
        "docs/findings.md is stale: run 'python scripts/findings_table.py --write'"
    )


def test_one_row_per_threshold_and_reference() -> None:
    text = _script().render_tables()
    keys = [line.split("`")[1] for line in text.splitlines() if line.startswith("| `")]
    expected = list(load_thresholds()) + [r.metric for r in load_references()]
    assert keys == expected


def test_check_mode_and_replace(capsys: pytest.CaptureFixture[str]) -> None:
    script = _script()
    assert script.main(["--check"]) == 0
    doc = f"intro\n{script.START}\n| old |\n{script.END}\nrest\n"
    new = script.replace_table(doc, "| new |\n")
    assert new == f"intro\n{script.START}\n| new |\n{script.END}\nrest\n"
    with pytest.raises(ValueError, match="expected the markers"):
        script.table_in_doc("no markers here")
    assert capsys.readouterr().out == ""
