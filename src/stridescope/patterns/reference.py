"""Reference values and detector thresholds, loaded from the packaged TOML files.

``data/references.toml`` holds published (or recalled, or suggested) figures with
population, speed, sex, source and evidence tag; ``data/thresholds.toml`` holds every
rule the detectors apply, each with its basis. Both are read with
:mod:`importlib.resources` (works from a wheel), validated, and cached.
:func:`reference_band` picks the band that matches a runner's speed and sex; when
either is unknown it takes the widest band over the candidates and says so.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from stridescope.errors import StridescopeError

__all__ = [
    "RULES",
    "Band",
    "Reference",
    "ReferenceDataError",
    "Threshold",
    "grade_beyond",
    "grade_ratio",
    "load_references",
    "load_thresholds",
    "reference_band",
]

RULES = ("below", "above", "abs_above", "asymmetry", "symmetry_angle")
"""Kinds of threshold rule."""

_GRADES = ("mild", "moderate", "marked")
_TAGS = ("M", "S", "U", "D", "own default", "none")


class ReferenceDataError(StridescopeError):
    """A packaged reference or threshold file is malformed (a packaging bug)."""


@dataclass(frozen=True)
class Reference:
    """One reference figure (see the header of ``references.toml``)."""

    metric: str
    unit: str
    low: float | None
    high: float | None
    population: str
    speed: str
    speed_min_m_s: float | None
    speed_max_m_s: float | None
    sex: str
    tag: str
    source: str
    note: str


@dataclass(frozen=True)
class Threshold:
    """One detector rule (see the header of ``thresholds.toml``)."""

    key: str
    pattern: str
    quantities: tuple[str, ...]
    rule: str
    value: float
    unit: str
    role: str
    tag: str
    basis: str
    from_reference: bool = False
    sd_multiple: float | None = None
    relative: float | None = None
    interval: bool = False
    min_speed_m_s: float | None = None
    grades: tuple[float, ...] = ()
    grade_multiples: tuple[float, ...] = ()


@dataclass(frozen=True)
class Band:
    """The reference band chosen for one metric, speed and sex."""

    metric: str
    low: float | None
    high: float | None
    unit: str
    sources: tuple[str, ...]
    note: str = ""

    def describe(self) -> str:
        """Return the band and its sources in words, or ``"no reference"``."""
        if self.low is None:
            return "no reference" + (f" ({self.note})" if self.note else "")
        span = (
            f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"
        )
        text = f"{span} {self.unit}: " + "; ".join(self.sources)
        return text + (f" ({self.note})" if self.note else "")


def _read(name: str) -> dict[str, Any]:
    text = resources.files("stridescope.patterns").joinpath("data", name)
    try:
        return tomllib.loads(text.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ReferenceDataError(f"{name}: cannot be read ({e}).") from e


def _float(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key)
    return None if value is None else float(value)


@functools.cache
def load_references() -> tuple[Reference, ...]:
    """Return every reference of ``references.toml``, in file order.

    Raises
    ------
    ReferenceDataError
        When the file is missing, malformed, or an entry has an unknown tag or sex.
    """
    out = []
    problems = []
    for i, raw in enumerate(_read("references.toml").get("reference", [])):
        try:
            ref = Reference(
                metric=str(raw["metric"]),
                unit=str(raw["unit"]),
                low=_float(raw, "low"),
                high=_float(raw, "high"),
                population=str(raw["population"]),
                speed=str(raw["speed"]),
                speed_min_m_s=_float(raw, "speed_min_m_s"),
                speed_max_m_s=_float(raw, "speed_max_m_s"),
                sex=str(raw["sex"]),
                tag=str(raw["tag"]),
                source=str(raw["source"]),
                note=str(raw.get("note", "")),
            )
        except KeyError as e:
            problems.append(f"reference {i}: missing field {e}")
            continue
        if ref.tag not in _TAGS or ref.sex not in ("any", "male", "female"):
            problems.append(f"reference {i} ({ref.metric}): bad tag or sex")
        out.append(ref)
    if problems:
        raise ReferenceDataError("references.toml: " + "; ".join(problems))
    return tuple(out)


def _threshold(raw: Mapping[str, Any]) -> Threshold:
    return Threshold(
        key=str(raw["key"]),
        pattern=str(raw["pattern"]),
        quantities=tuple(str(q) for q in raw["quantities"]),
        rule=str(raw["rule"]),
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        role=str(raw["role"]),
        tag=str(raw["tag"]),
        basis=str(raw["basis"]),
        from_reference=bool(raw.get("from_reference", False)),
        sd_multiple=_float(raw, "sd_multiple"),
        relative=_float(raw, "relative"),
        interval=bool(raw.get("interval", False)),
        min_speed_m_s=_float(raw, "min_speed_m_s"),
        grades=tuple(float(g) for g in raw.get("grades", ())),
        grade_multiples=tuple(float(g) for g in raw.get("grade_multiples", ())),
    )


def _threshold_problems(t: Threshold) -> list[str]:
    problems = []
    if t.rule not in RULES:
        problems.append(f"{t.key}: rule {t.rule!r} not in {RULES}")
    if t.role not in ("flag", "supporting") or t.tag not in _TAGS:
        problems.append(f"{t.key}: bad role {t.role!r} or tag {t.tag!r}")
    steps = t.grades or t.grade_multiples
    if len(steps) != len(_GRADES) or list(steps) != sorted(steps):
        problems.append(f"{t.key}: expected 3 increasing grades, got {list(steps)}")
    return problems


@functools.cache
def load_thresholds() -> dict[str, Threshold]:
    """Return every threshold of ``thresholds.toml`` keyed by ``key``, in file order.

    Raises
    ------
    ReferenceDataError
        When the file is missing or malformed, a key repeats, a rule or role is
        unknown, or the grades are not three increasing numbers.
    """
    out: dict[str, Threshold] = {}
    problems: list[str] = []
    for i, raw in enumerate(_read("thresholds.toml").get("threshold", [])):
        try:
            t = _threshold(raw)
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"threshold {i}: {e!r}")
            continue
        if t.key in out:
            problems.append(f"{t.key}: defined twice")
        problems += _threshold_problems(t)
        out[t.key] = t
    if problems:
        raise ReferenceDataError("thresholds.toml: " + "; ".join(problems))
    return out


def _speed_matches(ref: Reference, speed_m_s: float) -> bool:
    lo = -math.inf if ref.speed_min_m_s is None else ref.speed_min_m_s
    hi = math.inf if ref.speed_max_m_s is None else ref.speed_max_m_s
    return lo <= speed_m_s <= hi


def _narrow(
    refs: list[Reference], speed_m_s: float | None, sex: str | None
) -> tuple[list[Reference], list[str]]:
    notes = []
    if speed_m_s is None:
        if any(
            r.speed_min_m_s is not None or r.speed_max_m_s is not None for r in refs
        ):
            notes.append("speed unknown: widest band over all speeds")
    else:
        matching = [r for r in refs if _speed_matches(r, speed_m_s)]
        if matching:
            refs = matching
        else:
            notes.append(f"no figure for {speed_m_s:.1f} m/s: widest band")
    if sex is None:
        if any(r.sex != "any" for r in refs):
            notes.append("sex unknown: widest band")
    else:
        matching = [r for r in refs if r.sex in (sex, "any")]
        if matching:
            refs = matching
        else:
            notes.append(f"no figure for {sex} runners: other figures used")
    return refs, notes


def reference_band(
    metric: str, *, speed_m_s: float | None = None, sex: str | None = None
) -> Band:
    """Return the reference band of ``metric`` for a runner's speed and sex.

    Parameters
    ----------
    metric
        Quantity name (``pelvis_rotation_rom_deg``).
    speed_m_s
        Running speed in m/s, or None when unknown.
    sex
        ``"male"``, ``"female"`` or None when unknown.

    Returns
    -------
    Band
        Lowest low and highest high over the matching figures (a note says when
        speed or sex was unknown or unmatched); ``low`` is None without a figure.

    Examples
    --------
    >>> reference_band("pelvis_rotation_rom_deg").low
    9.69
    >>> reference_band("pelvic_contribution_ratio").describe()
    'no reference'
    """
    refs = [r for r in load_references() if r.metric == metric and r.low is not None]
    if not refs:
        return Band(metric, None, None, "", ())
    chosen, notes = _narrow(refs, speed_m_s, sex)
    low = min(float(r.low) for r in chosen if r.low is not None)
    high = max(float(r.high if r.high is not None else low) for r in chosen)
    sources = tuple(f"{r.source} [{r.tag}]" for r in chosen)
    return Band(metric, low, high, chosen[0].unit, sources, "; ".join(notes))


def grade_beyond(excess: float, steps: Sequence[float]) -> str:
    """Grade how far a value lies beyond its limit, in the limit's unit.

    ``excess`` >= ``steps[k]`` gives the k-th grade (mild, moderate, marked); a
    negative excess (limit not reached) gives ``"none"``.

    Examples
    --------
    >>> grade_beyond(6.0, (0.0, 5.0, 10.0)), grade_beyond(-1.0, (0.0, 5.0, 10.0))
    ('moderate', 'none')
    """
    out = "none"
    for name, step in zip(_GRADES, steps, strict=True):
        if excess >= step:
            out = name
    return out


def grade_ratio(ratio: float, multiples: Sequence[float]) -> str:
    """Grade ``|value| / limit`` against increasing multiples (mild, moderate, marked).

    Examples
    --------
    >>> grade_ratio(1.6, (1.0, 1.5, 2.5))
    'moderate'
    """
    out = "none"
    for k, (name, step) in enumerate(zip(_GRADES, multiples, strict=True)):
        if (ratio > step) if k == 0 else (ratio >= step):
            out = name
    return out
