"""Apply one threshold to one quantity and return the :class:`Evidence` (private).

Level rules (``below``, ``above``, ``abs_above``) compare a mean over strides with a
limit, which is the low end of the quantity's reference band when the threshold says
``from_reference`` (speed- and sex-aware). Asymmetry rules (``asymmetry``,
``symmetry_angle``) test right - left against ``max(floor, k x pooled stride SD,
relative x mean)`` and require its 95 % bootstrap interval to exclude zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridescope.errors import InsufficientDataError
from stridescope.patterns._measures import Quantity
from stridescope.patterns.finding import Evidence
from stridescope.patterns.reference import (
    Band,
    Threshold,
    grade_beyond,
    grade_ratio,
    reference_band,
)
from stridescope.patterns.stats import (
    SideDifference,
    mean_interval,
    side_difference,
    side_difference_from_summary,
)

SEED = 0


@dataclass(frozen=True)
class Runner:
    """What the references need to know about the runner."""

    speed_m_s: float | None = None
    speed_how: str = "unknown"
    sex: str | None = None


def _band(name: str, runner: Runner) -> Band:
    return reference_band(name, speed_m_s=runner.speed_m_s, sex=runner.sex)


def _notes(q: Quantity, *extra: str) -> str:
    return "; ".join(n for n in (*extra, *q.notes) if n)


def reported(q: Quantity, runner: Runner, key: str = "value") -> Evidence:
    """Evidence for a number shown without a rule (with its reference band)."""
    values = _values(q, key)
    return Evidence(
        metric=q.name,
        unit=q.unit,
        left=q.mean("left"),
        right=q.mean("right"),
        value=q.mean("value") if key == "value" else None,
        interval=None if values is None else _interval(values),
        limit=None,
        rule="reported only",
        threshold="",
        reference=_band(q.name, runner).describe(),
        n_strides=q.n_strides(),
        source=q.source,
        met=False,
        note=_notes(q),
    )


def _values(q: Quantity, key: str) -> np.ndarray | None:
    arr = {"left": q.left, "right": q.right, "value": q.value}.get(key)
    if arr is None:
        return None
    arr = arr[np.isfinite(arr)]
    return arr if arr.size >= 2 else None


def _interval(values: np.ndarray) -> tuple[float, float] | None:
    if np.ptp(values) == 0:
        return None
    return mean_interval(values, seed=SEED)


def _speed_note(t: Threshold, runner: Runner) -> tuple[bool, str]:
    """Whether the rule applies at the runner's speed, and a note."""
    if t.min_speed_m_s is None:
        return True, ""
    if runner.speed_m_s is None:
        return (
            True,
            f"speed unknown; the rule is meant for {t.min_speed_m_s:g} m/s or more",
        )
    if runner.speed_m_s < t.min_speed_m_s:
        return False, (
            f"not applied: {runner.speed_m_s:.1f} m/s is below {t.min_speed_m_s:g} m/s"
        )
    return True, f"running speed {runner.speed_m_s:.2f} m/s ({runner.speed_how})"


def _limit(t: Threshold, q: Quantity, runner: Runner) -> tuple[float, str]:
    band = _band(q.name, runner)
    if t.from_reference and band.low is not None:
        return band.low, band.describe()
    return t.value, band.describe()


def _excess(rule: str, value: float, limit: float) -> float:
    if rule == "below":
        return limit - value
    if rule == "above":
        return value - limit
    return abs(value) - limit


def _unit(unit: str) -> str:
    return "" if unit == "1" else f" {unit}"


def _rule_text(t: Threshold, limit: float, unit: str) -> str:
    words = {"below": "below", "above": "above", "abs_above": "|value| above"}
    return f"{words[t.rule]} {limit:g}{_unit(unit)} [{t.tag}]"


def check_level(
    t: Threshold, q: Quantity, runner: Runner, *, key: str
) -> Evidence | None:
    """Apply a level rule to ``key`` (``left``, ``right`` or ``value``) of ``q``."""
    value = q.mean(key)
    if value is None:
        return None
    applies, speed_note = _speed_note(t, runner)
    limit, reference = _limit(t, q, runner)
    excess = _excess(t.rule, value, limit)
    values = _values(q, key)
    interval = None if values is None else _interval(values)
    clear_of_noise = _interval_beyond(t.rule, interval, limit)
    met = applies and excess > 0 and clear_of_noise
    note = _notes(q, speed_note)
    if applies and excess > 0 and not clear_of_noise:
        note = _join_notes(
            note,
            "the mean is beyond the limit but its 95 % interval is not: "
            "within the stride-to-stride noise, so not flagged",
        )
    return Evidence(
        metric=q.name,
        unit=q.unit,
        left=value if key == "left" else None,
        right=value if key == "right" else None,
        value=value if key == "value" else None,
        interval=interval,
        limit=limit,
        rule=_rule_text(t, limit, q.unit),
        threshold=t.key,
        reference=reference,
        n_strides={key: q.n_strides().get(key, 0)},
        source=q.source,
        met=met,
        grade=grade_beyond(excess, t.grades) if met else "none",
        note=note,
    )


def _interval_beyond(
    rule: str, interval: tuple[float, float] | None, limit: float
) -> bool:
    """True when the whole interval lies beyond the limit (or there is none)."""
    if interval is None:
        return True
    low, high = interval
    if rule == "below":
        return high < limit
    if rule == "above":
        return low > limit
    return (low > limit) or (high < -limit)


def _join_notes(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _difference(q: Quantity) -> SideDifference | None:
    if q.left is not None and q.right is not None:
        try:
            return side_difference(q.left, q.right, seed=SEED)
        except InsufficientDataError:
            return None
    if "left" in q.summary and "right" in q.summary:
        return side_difference_from_summary(q.summary["left"], q.summary["right"])
    return None


def _asymmetry_limit(t: Threshold, d: SideDifference) -> float:
    limit = t.value
    if t.sd_multiple is not None and np.isfinite(d.pooled_sd):
        limit = max(limit, t.sd_multiple * d.pooled_sd)
    if t.relative is not None:
        limit = max(limit, t.relative * 0.5 * (abs(d.left_mean) + abs(d.right_mean)))
    return limit


def _excludes_zero(interval: tuple[float, float] | None) -> bool:
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def _terms(
    t: Threshold, d: SideDifference, unit: str
) -> tuple[float, float, bool, str]:
    """The tested value, its limit, whether the size rule is met, and the rule text."""
    if t.rule == "symmetry_angle":
        value, limit = float(d.symmetry_angle_pct or 0.0), t.value
        sd = d.pooled_sd if np.isfinite(d.pooled_sd) else 0.0
        noise = (t.sd_multiple or 0.0) * sd
        size_ok = abs(value) > limit and abs(d.right_minus_left) > noise
        rule = f"|symmetry angle| above {limit:g} %"
        return (
            value,
            limit,
            size_ok,
            rule + f" and |right - left| above {noise:.2f} {unit}",
        )
    limit = _asymmetry_limit(t, d)
    parts = [f"{t.value:g}{_unit(unit)}"]
    if t.sd_multiple:
        parts.append(f"{t.sd_multiple:g} x pooled stride SD")
    if t.relative:
        parts.append(f"{t.relative:.0%} of the mean")
    rule = f"|right - left| above {limit:.2f}{_unit(unit)} (max of {', '.join(parts)})"
    return d.right_minus_left, limit, abs(d.right_minus_left) > limit, rule


def check_asymmetry(t: Threshold, q: Quantity, runner: Runner) -> Evidence | None:
    """Apply an ``asymmetry`` or ``symmetry_angle`` rule to a sided quantity."""
    d = _difference(q)
    if d is None or (t.rule == "symmetry_angle" and d.symmetry_angle_pct is None):
        return None
    value, limit, size_ok, rule = _terms(t, d, q.unit)
    interval_ok = _excludes_zero(d.interval) or not t.interval
    met = size_ok and interval_ok
    note = _difference_note(d, q.unit) if t.rule == "symmetry_angle" else ""
    if not interval_ok:
        note = "; ".join(n for n in (note, "its 95 % interval includes zero") if n)
    return Evidence(
        metric=q.name,
        unit="%" if t.rule == "symmetry_angle" else q.unit,
        left=d.left_mean,
        right=d.right_mean,
        value=value,
        interval=d.interval if t.rule == "asymmetry" else None,
        limit=limit,
        rule=f"{rule} [{t.tag}]; {d.method}",
        threshold=t.key,
        reference=_band(q.name, runner).describe(),
        n_strides={"left": d.n_left, "right": d.n_right},
        source=q.source,
        met=met,
        grade=grade_ratio(abs(value) / limit, t.grade_multiples) if met else "none",
        note=_notes(q, note),
    )


def _difference_note(d: SideDifference, unit: str) -> str:
    """Right - left in the quantity's unit, with its interval (for the SA rule)."""
    text = f"right - left = {d.right_minus_left:.2f}{_unit(unit)}"
    if d.interval is not None:
        text += f" (95 % interval {d.interval[0]:.2f} to {d.interval[1]:.2f})"
    return text
