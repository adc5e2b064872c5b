"""Keypoint and angle vocabulary shared by every reader and computation.

Keypoints are either anatomical **markers** (``left_asis``) or **joint centres**
(``left_hip``, ``left_knee``, ``left_ankle``; what pose models and BVH skeletons give).
A marker label that is not in the vocabulary is kept verbatim so that nothing is lost.

Angles are in degrees, with one sign convention for both sides (see
``docs/conventions.md``): flexion +, adduction +, internal rotation +; pelvis anterior
tilt +, obliquity + when the right side is up, rotation + when the right side is
forward; trunk lean + forward and + toward the right.
"""

from __future__ import annotations

from typing import Final

SIDE_PREFIX: Final = {"left": "left_", "right": "right_"}

#: Marker labels of common marker sets (Plug-in Gait, Hamner/OpenSim, AIS) mapped
#: onto the vocabulary. ``{s}`` is the side letter (L or R) of the label.
_SIDED_MARKER_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "asis": ("{s}ASI", "{s}ASIS"),
    "psis": ("{s}PSI", "{s}PSIS"),
    "acromion": ("{s}SHO", "{s}ACR", "{s}SH"),
    "thigh_wand": ("{s}THI",),
    "knee_lateral": ("{s}KNE", "{s}LEPI", "{s}LFE"),
    "knee_medial": ("{s}MEPI", "{s}MFE", "{s}KNM"),
    "patella": ("{s}PAT",),
    "tibia_wand": ("{s}TIB",),
    "ankle_lateral": ("{s}ANK", "{s}LMAL", "{s}LM"),
    "ankle_medial": ("{s}MMAL", "{s}MED", "{s}MM"),
    "heel": ("{s}HEE", "{s}HEEL", "{s}CAL"),
    "toe": ("{s}TOE",),
    "first_metatarsal": ("{s}P1MT", "{s}MT1", "{s}FM1"),
    "fifth_metatarsal": ("{s}P5MT", "{s}MT5", "{s}FM5"),
}
_UNSIDED_MARKER_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "sacrum": ("SACR", "SACRUM", "S1"),
    "c7": ("C7",),
    "t10": ("T10",),
    "t8": ("T8",),
    "t7": ("T7",),
    "jugular_notch": ("CLAV", "MAN", "IJ"),
    "xiphoid": ("STRN", "PX", "XIP"),
}


def _build_marker_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, labels in _SIDED_MARKER_LABELS.items():
        for side, letter in (("left", "L"), ("right", "R")):
            for label in labels:
                aliases[label.format(s=letter).upper()] = f"{side}_{name}"
    for name, labels in _UNSIDED_MARKER_LABELS.items():
        for label in labels:
            aliases[label.upper()] = name
    return aliases


MARKER_ALIASES: Final = _build_marker_aliases()

#: BlazePose (MediaPipe) landmark order, index -> vocabulary name.
BLAZEPOSE_33: Final = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

#: Angle names, with their meaning when positive.
ANGLE_MEANINGS: Final = {
    "hip_flexion": "thigh forward of the pelvis (flexion); negative is extension",
    "hip_adduction": "thigh toward the midline (adduction); negative is abduction",
    "hip_internal_rotation": "thigh turned inward; negative is external rotation",
    "knee_flexion": "knee bent",
    "pelvis_anterior_tilt": "pelvis tipped forward relative to the progression frame",
    "pelvis_obliquity": "right side of the pelvis higher than the left",
    "pelvis_rotation": "right side of the pelvis forward (pelvis turned to the left)",
    "trunk_forward_lean": "trunk leaning forward relative to vertical",
    "trunk_lateral_lean": "trunk leaning toward the right relative to vertical",
    "trunk_rotation": "right shoulder forward (trunk turned to the left)",
    "lumbar_flexion": "thorax flexed forward relative to the pelvis",
    "lumbar_lateral_bending": "thorax bent toward the right relative to the pelvis",
    "lumbar_rotation": "thorax turned with the right shoulder forward, vs the pelvis",
}

SIDED_ANGLES: Final = (
    "hip_flexion",
    "hip_adduction",
    "hip_internal_rotation",
    "knee_flexion",
)
PELVIS_ANGLES: Final = ("pelvis_anterior_tilt", "pelvis_obliquity", "pelvis_rotation")
TRUNK_ANGLES: Final = ("trunk_forward_lean", "trunk_lateral_lean", "trunk_rotation")
LUMBAR_ANGLES: Final = ("lumbar_flexion", "lumbar_lateral_bending", "lumbar_rotation")


def sided(name: str, side: str) -> str:
    """Return the vocabulary name of ``name`` on ``side``.

    Examples
    --------
    >>> sided("hip_flexion", "left")
    'left_hip_flexion'
    """
    return f"{side}_{name}"


def vocabulary_name(label: str) -> str:
    """Map a marker label of a known marker set to the vocabulary, else keep it.

    Examples
    --------
    >>> vocabulary_name("LASI"), vocabulary_name("RHEEL"), vocabulary_name("LTH1")
    ('left_asis', 'right_heel', 'LTH1')
    """
    return MARKER_ALIASES.get(label.strip().upper(), label.strip())


def swap_side_name(name: str) -> str:
    """Return ``name`` with its side swapped (``left_x`` <-> ``right_x``).

    Examples
    --------
    >>> swap_side_name("left_knee"), swap_side_name("pelvis_obliquity")
    ('right_knee', 'pelvis_obliquity')
    """
    if name.startswith("left_"):
        return "right_" + name[len("left_") :]
    if name.startswith("right_"):
        return "left_" + name[len("right_") :]
    return name
