"""Tests of the keypoint and angle vocabulary."""

from __future__ import annotations

import pytest

from stridescope.model.skeleton import (
    BLAZEPOSE_33,
    MARKER_ALIASES,
    swap_side_name,
    vocabulary_name,
)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("LASI", "left_asis"),
        ("rpsi", "right_psis"),
        ("RCAL", "right_heel"),
        ("LLEPI", "left_knee_lateral"),
        ("CLAV", "jugular_notch"),
        ("LTH1", "LTH1"),
        (" C7 ", "c7"),
    ],
)
def test_marker_labels_map_onto_the_vocabulary(label: str, name: str) -> None:
    assert vocabulary_name(label) == name


def test_elbow_markers_are_not_taken_for_knees() -> None:
    assert vocabulary_name("LLEL") == "LLEL"
    assert vocabulary_name("RMEL") == "RMEL"


def test_every_sided_alias_has_its_mirror() -> None:
    for name in MARKER_ALIASES.values():
        assert swap_side_name(name) in MARKER_ALIASES.values()


def test_blazepose_has_33_unique_names_in_left_right_pairs() -> None:
    assert len(set(BLAZEPOSE_33)) == 33
    for name in BLAZEPOSE_33:
        assert swap_side_name(name) in BLAZEPOSE_33
