"""Generated blocks in the docs: text between two marker comments, kept in sync.

The scripts that generate tables from package data (``scripts/lesson_table.py``,
``scripts/findings_table.py``) share this: print the block, rewrite it in the
document (``--write``), or fail when the document is stale (``--check``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def block_in_doc(text: str, *, start: str, end: str, doc_name: str) -> str:
    """Return the text between the ``start`` and ``end`` marker lines of a document.

    Raises
    ------
    ValueError
        When a marker is missing.
    """
    _, sep, rest = text.partition(start + "\n")
    block, sep2, _tail = rest.partition(end)
    if not (sep and sep2):
        raise ValueError(f"{doc_name}: expected the markers {start!r} and {end!r}")
    return block


def replace_block(text: str, block: str, *, start: str, end: str, doc_name: str) -> str:
    """Return ``text`` with the block between the markers replaced by ``block``."""
    old = block_in_doc(text, start=start, end=end, doc_name=doc_name)
    return text.replace(start + "\n" + old + end, start + "\n" + block + end, 1)


def run(
    argv: list[str] | None,
    *,
    doc: Path,
    start: str,
    end: str,
    render: Callable[[], str],
    description: str,
) -> int:
    """Print, ``--write`` or ``--check`` the generated block; return the exit status."""
    parser = argparse.ArgumentParser(description=description)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"update {doc.name}")
    group.add_argument("--check", action="store_true", help="fail if it is stale")
    args = parser.parse_args(argv)
    block = render()
    markers = {"start": start, "end": end, "doc_name": doc.name}
    if args.write:
        text = doc.read_text("utf-8")
        doc.write_text(replace_block(text, block, **markers), "utf-8")
        return 0
    if args.check:
        stale = block_in_doc(doc.read_text("utf-8"), **markers) != block
        if stale:
            print(f"{doc}: the generated table is stale; run with --write")
        return 1 if stale else 0
    sys.stdout.write(block)
    return 0
