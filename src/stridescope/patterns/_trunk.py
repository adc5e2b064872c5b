"""Detectors of patterns 4 and 5: upper-body asymmetry, pelvis held still (private)."""

from __future__ import annotations

from dataclasses import replace

from stridescope.patterns._detectors import (
    STRUCTURE_CAVEAT,
    Outcome,
    Quantities,
    _t,
    by_side,
    make_finding,
)
from stridescope.patterns._evaluate import (
    Runner,
    check_asymmetry,
    check_level,
    reported,
)
from stridescope.patterns.finding import Evidence, NotAssessed

_UPPER_REPORTED = (
    "lumbar_lateral_bending_mean_deg",
    "upper_trunk_rotation_offset_deg",
    "trunk_forward_lean_mean_deg",
)


def _sign_side(value: float | None, positive: str) -> str:
    other = "left" if positive == "right" else "right"
    return positive if (value or 0.0) > 0 else other


def _upper_checks(q: Quantities, runner: Runner) -> list[tuple[str | None, Evidence]]:
    out: list[tuple[str | None, Evidence]] = []
    for name, key, positive in (
        ("trunk_lateral_lean_mean_deg", "trunk_lateral_lean_mean", "right"),
        ("shoulder_obliquity_mean_deg", "shoulder_obliquity_mean", "left"),
    ):
        if name in q:
            e = check_level(_t(key), q[name], runner, key="value")
            if e is not None:
                out.append((_sign_side(e.value, positive), e))
    for name, key in (
        ("trunk_lateral_lean_peak_deg", "trunk_lean_peak_asymmetry"),
        ("upper_trunk_rotation_peak_deg", "upper_trunk_rotation_asymmetry"),
    ):
        if name in q:
            e = check_asymmetry(_t(key), q[name], runner)
            if e is not None:
                out.append((_sign_side(e.value, "right"), e))
    return out


def upper_body_asymmetry(q: Quantities, runner: Runner) -> Outcome:
    """Pattern 4: static side bend, one-sided sway, one-way shoulder turn.

    Side: the side the trunk bends or sways toward, the side the chest turns further
    to, or the lower shoulder.
    """
    evidence = _upper_checks(q, runner)
    if not evidence:
        return Outcome(
            not_assessed=[
                NotAssessed(
                    "upper_body_asymmetry",
                    "no trunk lateral lean, shoulder-line or thorax rotation in the "
                    "inputs",
                    "3D motion capture with thorax markers (C7, sternum, T8/T10), or a "
                    "rear-view video",
                )
            ]
        )
    evidence += [(None, reported(q[n], runner)) for n in _UPPER_REPORTED if n in q]
    findings = by_side(
        "upper_body_asymmetry",
        evidence,
        quantities=q,
        directions=lambda e: (),
        caveats=(STRUCTURE_CAVEAT,),
    )
    return Outcome(findings)


_SUPPORT = (
    ("pelvis_rotation_rom_deg", "pelvic_excursion_low"),
    ("pelvis_obliquity_rom_deg", "pelvic_excursion_low"),
    ("cadence_spm", "cadence_low"),
    ("overstride_pct", "overstride_high"),
)
_STABILITY_REPORTED = (
    "pelvis_thorax_in_phase_pct",
    "pelvis_thorax_coupling_variability_deg",
    "pelvis_tilt_rom_deg",
)


_NO_COORDINATION = NotAssessed(
    "excessive_pelvic_stability",
    "pelvis-thorax coordination needs the rotation of both the pelvis and the thorax "
    "over at least 2 strides",
    "3D motion capture with pelvis and thorax markers (or OpenSim pelvis and lumbar "
    "angles), or video with world landmarks",
)


def _stability_severity(primary: list[Evidence], support: list[Evidence]) -> str:
    """mild; moderate with a low pelvic excursion; marked with an impact proxy too."""
    if not all(e.met for e in primary):
        return "none"
    low_pelvis = any(e.met and e.threshold == "pelvic_excursion_low" for e in support)
    impact = any(
        e.met and e.threshold in ("cadence_low", "overstride_high") for e in support
    )
    return ("mild", "moderate", "marked")[int(low_pelvis) + int(low_pelvis and impact)]


def excessive_pelvic_stability(q: Quantities, runner: Runner) -> Outcome:
    """Pattern 5: a near-rigid, in-phase, invariant pelvis-thorax turn (Seay 2011).

    Flagged only when the transverse pelvis-thorax coordination is both in-phase
    (MARP) and invariant (DP), never on amplitude alone (methods C.5). Severity:
    mild; moderate when the pelvic rotation or obliquity excursion is also below the
    reference; marked when, in addition, cadence is low or the runner overstrides.
    """
    marp = q.get("pelvis_thorax_transverse_marp_deg")
    dp = q.get("pelvis_thorax_transverse_dp_deg")
    if marp is None or dp is None:
        return Outcome(not_assessed=[_NO_COORDINATION])
    primary = [
        e
        for e in (
            check_level(
                _t("transverse_coordination_in_phase"), marp, runner, key="value"
            ),
            check_level(
                _t("transverse_coordination_variability_low"), dp, runner, key="value"
            ),
        )
        if e is not None
    ]
    support = [
        e
        for name, key in _SUPPORT
        if name in q
        for e in [check_level(_t(key), q[name], runner, key="value")]
        if e is not None
    ]
    shown = primary + support
    shown += [reported(q[n], runner) for n in _STABILITY_REPORTED if n in q]
    severity = _stability_severity(primary, support)
    if severity == "none":
        shown = [_unmet(e) for e in shown]
    finding = make_finding(
        "excessive_pelvic_stability", None, shown, quantities=q, severity=severity
    )
    return Outcome([finding])


def _unmet(e: Evidence) -> Evidence:
    """Supporting rules met without the primary ones raise nothing: shown, not met."""
    if not e.met:
        return e
    return replace(
        e,
        met=False,
        grade="none",
        note="; ".join(
            n
            for n in (e.note, "supporting only: the coordination rules are not met")
            if n
        ),
    )
