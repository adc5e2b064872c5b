"""The lesson table in docs/lessons.md is generated from the data and must not drift."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from stridescope.lessons import load_library
from tests.fixtures.scripts import load_script

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    return load_script("lesson_table")


def test_docs_table_equals_the_scripts_output() -> None:
    script = _script()
    doc = (REPO / "docs" / "lessons.md").read_text("utf-8")
    assert script.table_in_doc(doc) == script.render_table(), (
        "docs/lessons.md is stale: run 'python scripts/lesson_table.py --write'"
    )


def test_table_has_one_row_per_lesson() -> None:
    table = _script().render_table()
    rows = table.splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == [
        lesson.id for lesson in load_library()
    ]


def test_check_mode_and_replace(capsys: pytest.CaptureFixture[str]) -> None:
    script = _script()
    assert script.main(["--check"]) == 0
    doc = f"intro\n{script.START}\n| old |\n{script.END}\nrest\n"
    new = script.replace_table(doc, "| new |\n")
    assert new == f"intro\n{script.START}\n| new |\n{script.END}\nrest\n"
    with pytest.raises(ValueError, match="expected the markers"):
        script.table_in_doc("no markers here")
    assert capsys.readouterr().out == ""
