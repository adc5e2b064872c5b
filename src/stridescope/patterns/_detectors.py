"""One detector per pattern, over the merged quantities of all inputs (private).

Each detector returns an :class:`Outcome`: findings (flagged ones and, with severity
``"none"``, the ones checked and clear) or a :class:`NotAssessed` saying what input
would show the pattern. Rules and their sources are in ``thresholds.toml``; the
detectors only choose which quantity each rule applies to and which side a met rule
points to. Grading: a finding's severity is the highest grade among its met rules,
except pattern 5 (see :func:`excessive_pelvic_stability`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from stridescope.patterns._evaluate import (
    Runner,
    check_asymmetry,
    check_level,
    reported,
)
from stridescope.patterns._measures import Quantity
from stridescope.patterns._text import practitioner_message, runner_message
from stridescope.patterns.finding import (
    CONFIDENCES,
    SEVERITIES,
    Evidence,
    Finding,
    NotAssessed,
)
from stridescope.patterns.reference import Threshold, load_thresholds

Quantities = Mapping[str, Quantity]
SIDES = ("left", "right")

FAR_LEG_CAVEAT = (
    "From one side camera the far leg is partly hidden behind the near one, so its "
    "keypoints are less reliable: film the other side too before reading a left-right "
    "difference as the runner's."
)
THIGH_CAVEAT = (
    "From video the thigh's angle to the vertical is measured, not the hip angle: the "
    "pelvis is not seen, and the thigh also moves when the pelvis tilts (Franz et al. "
    "2009). The hip's own range is at most the thigh's."
)
STRUCTURE_CAVEAT = (
    "Some upper-body asymmetry is structural (a scoliosis, a leg-length difference): "
    "compare with a relaxed standing trial before reading it as a habit (methods C.4)."
)


@dataclass
class Outcome:
    """What one detector found."""

    findings: list[Finding] = field(default_factory=list)
    not_assessed: list[NotAssessed] = field(default_factory=list)


def _t(key: str) -> Threshold:
    return load_thresholds()[key]


def _first(q: Quantities, *names: str) -> Quantity | None:
    return next((q[n] for n in names if n in q), None)


def _confidence(evidence: Sequence[Evidence], q: Quantities) -> str:
    used = [e for e in evidence if e.met] or list(evidence)
    levels = [CONFIDENCES.index(q[e.metric].confidence) for e in used if e.metric in q]
    return CONFIDENCES[min(levels)] if levels else "low"


def _severity(evidence: Iterable[Evidence]) -> str:
    grades = [SEVERITIES.index(e.grade) for e in evidence if e.met]
    return SEVERITIES[max(grades, default=0)]


def make_finding(
    pattern: str,
    side: str | None,
    evidence: Sequence[Evidence],
    *,
    quantities: Quantities,
    directions: tuple[str, ...] = (),
    caveats: tuple[str, ...] = (),
    severity: str | None = None,
) -> Finding:
    """Assemble a finding from its evidence (severity: highest grade met, if None)."""
    met = [e for e in evidence if e.met]
    return Finding(
        pattern=pattern,
        side=side,
        severity=severity or _severity(met),
        confidence=_confidence(evidence, quantities),
        evidence=tuple(evidence),
        message_runner=runner_message(pattern, side, met),
        message_practitioner=practitioner_message(pattern, side, met, caveats=caveats),
        metrics=tuple(dict.fromkeys(e.metric for e in evidence)),
        directions=directions if met else (),
        caveats=caveats,
    )


def by_side(
    pattern: str,
    evidence: Sequence[tuple[str | None, Evidence]],
    *,
    quantities: Quantities,
    directions: Callable[[Evidence], tuple[str, ...]],
    caveats: tuple[str, ...] = (),
) -> list[Finding]:
    """One finding per side that a met rule points to; else one clear finding."""
    sides = [s for s in (*SIDES, None) if any(e.met and k == s for k, e in evidence)]
    if not sides:
        every = [e for _, e in evidence]
        return [
            make_finding(pattern, None, every, quantities=quantities, caveats=caveats)
        ]
    out = []
    for side in sides:
        mine = [e for k, e in evidence if k == side or not e.met]
        dirs = tuple(dict.fromkeys(d for e in mine if e.met for d in directions(e)))
        out.append(
            make_finding(
                pattern,
                side,
                mine,
                quantities=quantities,
                directions=dirs,
                caveats=caveats,
            )
        )
    return out


_HIP_DIRECTIONS = {
    "sagittal_rom": ("flexion", "extension"),
    "extension": ("extension",),
    "flexion": ("flexion",),
    "adduction": ("adduction", "abduction"),
    "frontal": ("adduction", "abduction"),
    "transverse": ("internal_rotation", "external_rotation"),
    "pelvic_contribution": ("extension",),
}


def hip_directions(e: Evidence) -> tuple[str, ...]:
    """Hip directions a piece of evidence is about."""
    if e.threshold in ("hip_extension_below_neutral",) or "contribution" in e.metric:
        return ("extension",)
    for key, dirs in _HIP_DIRECTIONS.items():
        if key in e.metric:
            return dirs
    return ()


def limited_hip_motion(q: Quantities, runner: Runner) -> Outcome:
    """Pattern 1: hip (or thigh) sagittal range, extension, and pelvic take-over."""
    rom = _first(q, "hip_sagittal_rom_deg", "thigh_sagittal_rom_deg")
    if rom is None:
        return Outcome(not_assessed=[_no_sagittal("limited_hip_motion")])
    checks = [
        (rom, "hip_sagittal_rom_low"),
        (q.get("hip_extension_peak_deg"), "hip_extension_below_neutral"),
        (q.get("pelvic_contribution_ratio"), "pelvic_contribution_high"),
    ]
    caveats = (THIGH_CAVEAT,) if rom.name.startswith("thigh_") else ()
    findings = []
    for side in SIDES:
        evidence = [
            e
            for quantity, key in checks
            if quantity is not None
            for e in [check_level(_t(key), quantity, runner, key=side)]
            if e is not None
        ]
        if not evidence:
            continue
        met = [e for e in evidence if e.met]
        dirs = tuple(dict.fromkeys(d for e in met for d in hip_directions(e)))
        findings.append(
            make_finding(
                "limited_hip_motion",
                side,
                evidence,
                quantities=q,
                directions=dirs,
                caveats=caveats,
            )
        )
    return Outcome(findings=findings)


def _no_sagittal(pattern: str) -> NotAssessed:
    return NotAssessed(
        pattern,
        "no sagittal hip or thigh angles per side in the inputs",
        "3D motion capture (markers, OpenSim angles or BVH) or a side-view video",
    )


_HIP_PAIRS = (
    ("hip_extension_peak_deg", "thigh_extension_peak_deg"),
    ("hip_sagittal_rom_deg", "thigh_sagittal_rom_deg"),
    ("hip_adduction_peak_deg", "hip_adduction_proxy_peak_deg"),
    ("hip_frontal_rom_deg",),
    ("hip_transverse_rom_deg",),
)


def _rule_for(name: str, keys: Sequence[str]) -> Threshold:
    return next(_t(k) for k in keys if name in _t(k).quantities)


def hip_asymmetry(q: Quantities, runner: Runner) -> Outcome:
    """Pattern 2: left-right differences of hip (or thigh) peaks and excursions."""
    keys = ("hip_asymmetry_discrete", "hip_asymmetry_excursion")
    evidence: list[tuple[str | None, Evidence]] = []
    thigh_based = False
    for names in _HIP_PAIRS:
        quantity = _first(q, *names)
        if quantity is None or not quantity.sided:
            continue
        thigh_based |= quantity.name.startswith("thigh_")
        e = check_asymmetry(_rule_for(quantity.name, keys), quantity, runner)
        if e is not None:
            less = "left" if (e.value or 0.0) > 0 else "right"
            evidence.append((less, e))
    if not evidence:
        return Outcome(not_assessed=[_no_sagittal("hip_asymmetry")])
    flexion = _first(q, "hip_flexion_peak_deg", "thigh_flexion_peak_deg")
    if flexion is not None and flexion.sided:
        evidence.append((None, reported(flexion, runner, "left")))
    caveats = (THIGH_CAVEAT, FAR_LEG_CAVEAT) if thigh_based else ()
    findings = by_side(
        "hip_asymmetry",
        evidence,
        quantities=q,
        directions=hip_directions,
        caveats=caveats,
    )
    if thigh_based:
        # One side camera sees the far leg partly hidden behind the near one, so a
        # left-right difference of thigh angles can be the camera's, not the runner's.
        findings = [replace(f, confidence="low") for f in findings]
    return Outcome(findings)


def pelvis_dragged_by_leg(q: Quantities, runner: Runner) -> Outcome:
    """Pattern 3: the pelvis supplies the thigh's extension in late stance."""
    pcr = q.get("pelvic_contribution_ratio")
    if pcr is None:
        return Outcome(
            not_assessed=[
                NotAssessed(
                    "pelvis_dragged_by_leg",
                    "pelvic tilt is not measured by the inputs (video keypoints carry "
                    "no ASIS/PSIS, so the pelvis's share of the thigh's movement "
                    "cannot be separated; methods C.3)",
                    "3D motion capture with pelvis markers (ASIS and PSIS or sacrum), "
                    "or OpenSim angles",
                )
            ]
        )
    evidence: list[tuple[str | None, Evidence]] = []
    for side in SIDES:
        e = check_level(_t("pelvic_contribution_high"), pcr, runner, key=side)
        if e is not None:
            evidence.append((side, e))
    e = check_asymmetry(_t("pelvic_contribution_asymmetry"), pcr, runner)
    if e is not None:
        evidence.append(("right" if (e.value or 0.0) > 0 else "left", e))
    for name in ("pelvis_thigh_coupling_sagittal", "pelvis_thigh_coupling_frontal"):
        if name in q:
            evidence.append((None, reported(q[name], runner, "left")))
    return Outcome(
        by_side(
            "pelvis_dragged_by_leg", evidence, quantities=q, directions=hip_directions
        )
    )
