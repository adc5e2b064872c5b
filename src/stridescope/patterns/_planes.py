"""The plane of each quantity and how well each input kind measures it (private).

Rank 3 = 3D motion capture; 2 = video in its own plane (side view: sagittal; rear or
front view: frontal; timing from any view); 1 = video outside those (oblique view,
world-landmark rotations); 0 = not measurable from that input.
"""

from __future__ import annotations

SAGITTAL = "sagittal"
FRONTAL = "frontal"
TRANSVERSE = "transverse"
TIMING = "timing"

PLANES: dict[str, str] = {
    **dict.fromkeys(
        (
            "hip_flexion_peak_deg",
            "hip_extension_peak_deg",
            "hip_sagittal_rom_deg",
            "thigh_flexion_peak_deg",
            "thigh_extension_peak_deg",
            "thigh_sagittal_rom_deg",
            "pelvic_contribution_ratio",
            "pelvis_thigh_coupling_sagittal",
            "pelvis_tilt_rom_deg",
            "trunk_forward_lean_mean_deg",
            "overstride_pct",
            "vertical_oscillation_pct",
            "knee_flexion_at_strike_deg",
        ),
        SAGITTAL,
    ),
    **dict.fromkeys(
        (
            "hip_adduction_peak_deg",
            "hip_frontal_rom_deg",
            "hip_adduction_proxy_peak_deg",
            "contralateral_pelvic_drop_peak_deg",
            "pelvis_thigh_coupling_frontal",
            "trunk_lateral_lean_peak_deg",
            "trunk_lateral_lean_mean_deg",
            "shoulder_obliquity_mean_deg",
            "pelvis_obliquity_rom_deg",
            "lumbar_lateral_bending_mean_deg",
            "step_width_pct",
        ),
        FRONTAL,
    ),
    **dict.fromkeys(
        (
            "hip_transverse_rom_deg",
            "pelvis_rotation_rom_deg",
            "shoulder_rotation_rom_deg",
            "upper_trunk_rotation_peak_deg",
            "upper_trunk_rotation_offset_deg",
            "pelvis_thorax_transverse_marp_deg",
            "pelvis_thorax_transverse_dp_deg",
            "pelvis_thorax_in_phase_pct",
            "pelvis_thorax_coupling_variability_deg",
        ),
        TRANSVERSE,
    ),
    **dict.fromkeys(("cadence_spm", "contact_time_s"), TIMING),
}
"""Plane of every quantity the detectors read."""

_VIEW_PLANE = {"side-left": SAGITTAL, "side-right": SAGITTAL, "rear": FRONTAL}
_VIEW_PLANE["front"] = FRONTAL


def rank(kind: str, view: str, plane: str) -> int:
    """Rank of a quantity in ``plane`` from an input of ``kind`` seen from ``view``."""
    if kind == "3d":
        return 3
    if plane == TIMING:
        return 2
    if plane == TRANSVERSE or view == "oblique":
        return 1
    own = _VIEW_PLANE.get(view)
    if own is None:
        return 1
    return 2 if own == plane else 0
