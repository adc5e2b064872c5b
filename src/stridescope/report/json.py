"""Render a report as JSON and write it atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from stridescope.report.build import Report, report_to_dict


def render_json(report: Report) -> str:
    """Return report.json text (UTF-8, indented, no NaN: missing values are null)."""
    return json.dumps(report_to_dict(report), indent=2, allow_nan=False) + "\n"


def write_text_atomic(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)
