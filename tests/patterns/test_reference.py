"""Packaged references and thresholds: complete, sourced, speed- and sex-aware."""

from __future__ import annotations

import pytest

from stridescope.patterns import load_references, load_thresholds, reference_band
from stridescope.patterns._measures import PLANES
from stridescope.patterns.finding import PATTERN_CODES
from stridescope.patterns.reference import RULES, grade_beyond, grade_ratio


def test_every_threshold_is_sourced_and_applies_to_known_quantities() -> None:
    thresholds = load_thresholds()
    assert {t.pattern for t in thresholds.values()} == set(PATTERN_CODES)
    for t in thresholds.values():
        assert t.rule in RULES
        assert t.basis
        assert t.tag in ("M", "S", "U", "D", "own default")
        assert set(t.quantities) <= set(PLANES), t.key


def test_references_carry_source_and_tag() -> None:
    refs = load_references()
    assert refs
    for r in refs:
        assert r.source
        assert r.tag in ("M", "S", "U", "D", "own default", "none")
        if r.low is not None and r.high is not None:
            assert r.low <= r.high


def test_speed_aware_hip_arc() -> None:
    at_speed = reference_band("hip_sagittal_rom_deg", speed_m_s=3.5)
    assert (at_speed.low, at_speed.high) == (40.0, 60.0)
    assert at_speed.note == ""
    slow = reference_band("hip_sagittal_rom_deg", speed_m_s=2.5)
    assert (slow.low, slow.high) == (40.0, 40.0)
    assert "Pink" in slow.describe()
    unknown = reference_band("hip_sagittal_rom_deg")
    assert "speed unknown" in unknown.note
    fast = reference_band("hip_sagittal_rom_deg", speed_m_s=6.0)
    assert "no figure for 6.0 m/s" in fast.note


def test_sex_aware_pelvic_excursion() -> None:
    unknown = reference_band("pelvis_rotation_rom_deg")
    assert unknown.low == pytest.approx(9.69)
    assert "sex unknown" in unknown.note
    female = reference_band("pelvis_rotation_rom_deg", sex="female")
    assert "no figure for female runners" in female.note
    male = reference_band("pelvis_rotation_rom_deg", sex="male")
    assert male.note == ""


def test_no_reference_is_said_plainly() -> None:
    band = reference_band("pelvis_thorax_transverse_marp_deg")
    assert band.low is None
    assert band.describe() == "no reference"


def test_grades() -> None:
    assert grade_beyond(0.0, (0.0, 5.0, 10.0)) == "mild"
    assert grade_beyond(10.0, (0.0, 5.0, 10.0)) == "marked"
    assert grade_ratio(1.0, (1.0, 1.5, 2.5)) == "none"
    assert grade_ratio(3.0, (1.0, 1.5, 2.5)) == "marked"
