"""Format registry: format name -> reader, with detection by suffix then content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from stridescope.errors import InputError, UnsupportedFormatError

Reader = Callable[[Path], xr.Dataset]
Sniffer = Callable[[bytes], bool]


@dataclass(frozen=True)
class FormatSpec:
    """A readable format: its name, file suffixes, content sniffer and reader."""

    name: str
    suffixes: tuple[str, ...]
    sniff: Sniffer
    reader: Reader


_FORMATS: dict[str, FormatSpec] = {}
_SNIFF_BYTES = 4096


def register(spec: FormatSpec) -> None:
    """Register ``spec`` (later registrations of the same name replace earlier)."""
    _FORMATS[spec.name] = spec


def formats() -> dict[str, FormatSpec]:
    """Return the registered formats by name."""
    return dict(_FORMATS)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_SNIFF_BYTES)
    except OSError as e:
        raise InputError(f"{path.name}: cannot be read ({e.strerror}).") from e


def detect_format(path: Path) -> str:
    """Return the format name of ``path``: by content first, suffix to break ties.

    Raises
    ------
    InputError
        If the file is missing, unreadable or empty.
    UnsupportedFormatError
        If no registered format recognises the file.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    head = _head(path)
    if not head:
        raise InputError(f"{path.name}: the file is empty (0 bytes).")
    suffix = path.suffix.lower()
    by_content = [spec for spec in _FORMATS.values() if spec.sniff(head)]
    by_both = [spec for spec in by_content if suffix in spec.suffixes]
    if by_both:
        return by_both[0].name
    if len(by_content) == 1:
        return by_content[0].name
    by_suffix = [spec.name for spec in _FORMATS.values() if suffix in spec.suffixes]
    known = sorted({x for spec in _FORMATS.values() for x in spec.suffixes})
    if by_suffix:
        raise UnsupportedFormatError(
            f"{path.name}: expected {by_suffix[0]} content for a '{suffix}' file, "
            "but the contents do not match that format."
        )
    raise UnsupportedFormatError(
        f"{path.name}: cannot infer the format from suffix '{suffix}' or the "
        f"contents; expected one of {', '.join(known)}."
    )
