"""Names used by the trial data model: dimensions, variables, attributes and units.

Constants only. See ``docs/architecture.md`` for the model as a whole.
"""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = "1"

# Dimensions (singular nouns).
TIME: Final = "time"
SPACE: Final = "space"
KEYPOINT: Final = "keypoint"
JOINT: Final = "joint"
EVENT: Final = "event"

# Data variables.
POSITION: Final = "position"
CONFIDENCE: Final = "confidence"
ANGLE: Final = "angle"
EVENT_TIME: Final = "event_time"

# Coordinates that are not dimensions.
FRAME: Final = "frame"
KEYPOINT_SOURCE_NAME: Final = "keypoint_source_name"
JOINT_SOURCE_NAME: Final = "joint_source_name"
EVENT_KIND: Final = "event_kind"
EVENT_SIDE: Final = "event_side"
EVENT_SOURCE: Final = "event_source"

# Vocabularies.
SIDES: Final = ("left", "right")
EVENT_KINDS: Final = ("foot_strike", "toe_off")
SPACE_2D: Final = ("x", "y")
SPACE_3D: Final = ("x", "y", "z")
SPACE_UNITS: Final = ("m", "px")
COORDINATE_FRAMES: Final = ("lab_z_up", "opensim_y_up", "image_y_down")
VIEWS: Final = ("3d", "side-left", "side-right", "rear", "front", "oblique")

# Attributes (flat, JSON-safe).
ATTR_SCHEMA_VERSION: Final = "schema_version"
ATTR_SOURCE_FORMAT: Final = "source_format"
ATTR_SOURCE_FILE: Final = "source_file"
ATTR_SAMPLING_RATE_HZ: Final = "sampling_rate_hz"
ATTR_SPACE_UNIT: Final = "space_unit"
ATTR_COORDINATE_FRAME: Final = "coordinate_frame"
ATTR_SUBJECT_ID: Final = "subject_id"
ATTR_TRIAL_ID: Final = "trial_id"
ATTR_LOG: Final = "log"
ATTR_ANGLE_SOURCE: Final = "angle_source"
ATTR_VIEW: Final = "view"

ANGLE_UNIT: Final = "deg"
TIME_UNIT: Final = "s"
