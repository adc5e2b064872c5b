"""Plain-language sentences for findings (private).

Sentences describe movement features only: what moved, how much, compared with what.
They never name a cause, a tissue or a diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence

from stridescope.patterns.finding import Evidence

LABELS = {
    "limited_hip_motion": "limited hip movement",
    "hip_asymmetry": "a difference between the two hips",
    "pelvis_dragged_by_leg": "the pelvis moving with the leg",
    "upper_body_asymmetry": "a one-sided upper-body habit",
    "excessive_pelvic_stability": "a pelvis held very still",
}

_WHAT = {
    "hip_extension_peak_deg": "how far the thigh went behind you",
    "hip_flexion_peak_deg": "how far the thigh came up in front",
    "hip_sagittal_rom_deg": "the front-to-back range of the hip",
    "thigh_extension_peak_deg": "how far the thigh went behind you",
    "thigh_flexion_peak_deg": "how far the thigh came up in front",
    "thigh_sagittal_rom_deg": "the front-to-back swing of the thigh",
    "hip_adduction_peak_deg": "how far the knee moved in toward the midline",
    "hip_adduction_proxy_peak_deg": "how far the knee moved in toward the midline",
    "hip_frontal_rom_deg": "the side-to-side range of the hip",
    "hip_transverse_rom_deg": "how much the thigh turned in and out",
}


def _other(side: str | None) -> str:
    return {"left": "right", "right": "left"}.get(side or "", "other")


def _segment(metric: str) -> str:
    return "thigh" if metric.startswith("thigh_") else "hip"


def _value(e: Evidence, side: str | None) -> float:
    picked = {"left": e.left, "right": e.right}.get(side or "")
    for v in (picked, e.value, e.left, e.right):
        if v is not None:
            return v
    return float("nan")


def _runner_sentence(e: Evidence, side: str | None) -> str:
    s, o = side or "", _other(side)
    v = _value(e, side)
    key = e.threshold
    if key == "hip_sagittal_rom_low":
        return (
            f"Your {s} {_segment(e.metric)} swung through a smaller range front to "
            f"back than is usual in running (about {v:.0f} degrees, where "
            f"{e.limit:.0f} or more is typical)."
        )
    if key == "hip_extension_below_neutral":
        return (
            f"Your {s} hip stayed a little bent even when the leg was furthest behind "
            "you: the thigh did not reach a straight line with the trunk."
        )
    if key == "pelvic_contribution_high":
        return (
            f"As your {s} leg moved back before push-off, your pelvis tipped forward "
            "and did much of that movement instead of the hip."
        )
    if key == "pelvic_contribution_asymmetry":
        return (
            f"Your pelvis went along with the backward movement of the {s} leg more "
            f"than with the {o} leg."
        )
    if key.startswith("hip_asymmetry"):
        what = _WHAT.get(e.metric, e.metric)
        text = (
            f"{what[0].upper()}{what[1:]} was smaller on the {s} side "
            f"({e.left:.0f} degrees left, {e.right:.0f} right"
        )
        if "extension" in e.metric:
            text += "; below zero, the hip stayed bent"
        return text + ")."
    return _upper_sentence(e, side)


def _upper_sentence(e: Evidence, side: str | None) -> str:
    s, o, v = side or "", _other(side), _value(e, side)
    key = e.threshold
    if key == "trunk_lateral_lean_mean":
        return (
            f"On average your upper body leaned a little to the {s} while you ran "
            f"(about {abs(v):.1f} degrees)."
        )
    if key == "trunk_lean_peak_asymmetry":
        return (
            f"Your upper body swayed further to the {s} over the {s} foot than to the "
            f"{o} over the {o} foot."
        )
    if key == "upper_trunk_rotation_asymmetry":
        return (
            f"Your chest turned further to the {s} than to the {o}, compared with the "
            "pelvis."
        )
    if key == "shoulder_obliquity_mean":
        return f"Your {s} shoulder was carried a little lower on average."
    if key.startswith("transverse_coordination"):
        return (
            "Your pelvis and chest turned together, almost as one block, and this "
            "timing hardly changed from stride to stride."
        )
    return f"{e.metric} was beyond its limit."


def runner_message(pattern: str, side: str | None, met: Sequence[Evidence]) -> str:
    """One or more sentences for the runner, built from the rules that were met."""
    if not met:
        return (
            f"Nothing stood out for {LABELS[pattern]}: every number checked was within "
            "its limit."
        )
    sentences = list(dict.fromkeys(_runner_sentence(e, side) for e in met))
    if pattern == "hip_asymmetry":
        sentences.insert(0, "Your two hips moved differently.")
    return " ".join(sentences)


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "n/a"
    return f"{x:.2f}" + (f" {unit}" if unit and unit != "1" else "")


def _practitioner_clause(e: Evidence) -> str:
    if e.threshold.startswith(("hip_asymmetry", "pelvic_contribution_asym")) or (
        e.left is not None and e.right is not None
    ):
        values = f"left {_fmt(e.left)}, right {_fmt(e.right)}"
        values += f"; tested value {_fmt(e.value, e.unit)}"
    else:
        values = _fmt(e.left if e.left is not None else e.right or e.value, e.unit)
        if e.value is not None:
            values = _fmt(e.value, e.unit)
    if e.interval is not None:
        values += f" (95 % interval {e.interval[0]:.2f} to {e.interval[1]:.2f})"
    n = ", ".join(f"{k} {v}" for k, v in e.n_strides.items())
    return (
        f"{e.metric}: {values}; rule {e.rule}; grade {e.grade}; strides {n}; "
        f"reference {e.reference}"
    )


def practitioner_message(
    pattern: str, side: str | None, met: Sequence[Evidence], *, caveats: Sequence[str]
) -> str:
    """A technical summary: the rules met, numbers, intervals, strides, references."""
    where = f" ({side})" if side else ""
    if not met:
        head = f"{LABELS[pattern].capitalize()}{where}: no rule met."
    else:
        head = f"{LABELS[pattern].capitalize()}{where}: " + " | ".join(
            _practitioner_clause(e) for e in met
        )
    tail = " Movement feature only, not a diagnosis."
    if caveats:
        tail = " Caveats: " + " ".join(caveats) + tail
    return head + tail
