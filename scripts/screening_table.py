#!/usr/bin/env python3
"""Generate the questions table and outcome messages in docs/screening.md.

The questionnaire lives in ``src/stridescope/screening/questions.toml`` and the
messages in ``stridescope.screening.OUTCOME_MESSAGES``; the doc holds copies between
``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->`` markers, and a
test checks that they are up to date.

Examples
--------
Print the generated blocks, rewrite the doc, or check it (exit status 1 if stale)::

    .venv/bin/python scripts/screening_table.py
    .venv/bin/python scripts/screening_table.py --write
    .venv/bin/python scripts/screening_table.py --check
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from stridescope.screening import (
    GROUP_TITLES,
    OUTCOME_MESSAGES,
    Question,
    load_questions,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "screening.md"
_ADVICE = {"clear": "yes"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _group_table(group: str, questions: list[Question]) -> list[str]:
    severity = questions[0].severity.replace("_", " ")
    lines = [
        f"### {GROUP_TITLES[group]}: {severity} ({len(questions)})",
        "",
        "| id | question | why we ask | source |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{q.id}` | {_cell(q.question)} | {_cell(q.why)} | {_cell(q.source)} |"
        for q in questions
    ]
    return [*lines, ""]


def render_questions() -> str:
    """Return the questions block: one table per group, then reviewer notes."""
    questions = load_questions()
    groups = list(dict.fromkeys(q.group for q in questions))
    lines = [f"{len(questions)} questions in {len(groups)} groups.", ""]
    for group in groups:
        lines += _group_table(group, [q for q in questions if q.group == group])
    noted = [q for q in questions if q.note]
    if noted:
        lines += ["Notes for reviewers:", ""]
        lines += [f"- `{q.id}`: {q.note}" for q in noted]
    return "\n".join(lines).rstrip("\n")


def render_messages() -> str:
    """Return the outcome messages block: status, advice, headline and message."""
    lines = []
    for status, (headline, message) in OUTCOME_MESSAGES.items():
        advice = _ADVICE.get(status, "no")
        lines += [
            f"**`{status}`** (advice allowed: {advice}): **{headline}**",
            "",
            f"> {message}",
            "",
        ]
    return "\n".join(lines).rstrip("\n")


def render_blocks() -> dict[str, str]:
    """Return every generated block by marker name."""
    return {"questions": render_questions(), "messages": render_messages()}


def update(text: str) -> str:
    """Return ``text`` with every generated block replaced by its current content."""
    for name, block in render_blocks().items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} [^>]*-->\n)(?:.*?\n)?"
            rf"(<!-- END GENERATED: {name} -->)",
            re.DOTALL,
        )
        if not pattern.search(text):
            raise SystemExit(f"{DOC.name}: expected markers for block '{name}'")
        text = pattern.sub(lambda m, b=block: f"{m.group(1)}{b}\n{m.group(2)}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    """Print, write or check the generated blocks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="update docs/screening.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if it is stale")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        for name, block in render_blocks().items():
            print(f"<!-- {name} -->\n{block}\n")
        return 0
    current = DOC.read_text(encoding="utf-8")
    fresh = update(current)
    if args.check:
        if fresh != current:
            print(f"{DOC}: out of date; run scripts/screening_table.py --write")
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
