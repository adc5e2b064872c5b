"""3D joint, pelvis and trunk angles from markers or joint centres.

The entry point is :func:`compute_angles`; the building blocks (frames, Cardan
decompositions, joint angles) are public for tests, validation and advanced use. See
``docs/kinematics.md`` for the frames, the hip-centre regression, the rotation orders
and the validation against Vicon Plug-in Gait and OpenSim.
"""

from stridescope.kinematics.joints import (
    ALL_ANGLES,
    DEFAULT_CUTOFF_HZ,
    AngleResult,
    compute_angles,
    hip_angles,
    knee_flexion,
    lumbar_angles,
)
from stridescope.kinematics.pelvis import (
    HipCentreMethod,
    PelvisOrder,
    pelvis_angles,
    trunk_angles,
    trunk_lean_from_axis,
)
from stridescope.kinematics.rotations import compose, decompose, frame_from_axes
from stridescope.kinematics.segments import (
    chord_knee_centre,
    davis_hip_centre_offset,
    femur_frame,
    harrington_hip_centre_offset,
    pelvis_frame,
    pelvis_frame_from_hips,
    progression_direction,
    progression_frame,
    thorax_frame,
)

__all__ = [
    "ALL_ANGLES",
    "DEFAULT_CUTOFF_HZ",
    "AngleResult",
    "HipCentreMethod",
    "PelvisOrder",
    "chord_knee_centre",
    "compose",
    "compute_angles",
    "davis_hip_centre_offset",
    "decompose",
    "femur_frame",
    "frame_from_axes",
    "harrington_hip_centre_offset",
    "hip_angles",
    "knee_flexion",
    "lumbar_angles",
    "pelvis_angles",
    "pelvis_frame",
    "pelvis_frame_from_hips",
    "progression_direction",
    "progression_frame",
    "thorax_frame",
    "trunk_angles",
    "trunk_lean_from_axis",
]
