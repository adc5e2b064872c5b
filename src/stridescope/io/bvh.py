"""BVH motion files -> joint-centre positions by forward kinematics, plus raw channels.

``HIERARCHY`` holds nested ``ROOT``/``JOINT``/``End Site`` blocks, each with an
``OFFSET`` (translation from the parent) and, except end sites, ``CHANNELS`` (their
order is per joint); ``MOTION`` holds ``Frames:``, ``Frame Time:`` and one row of
channel values per frame.

Forward kinematics, with column vectors:

- a joint's local rotation is the product of its rotation channels in the listed order
  (``Zrotation Xrotation Yrotation`` -> ``Rz @ Rx @ Ry``), angles in degrees;
- its translation from the parent is its ``OFFSET``, whose components are replaced by
  the joint's position channels when it has them (usually only the root);
- ``global = parent_global @ T(translation) @ R(local)``.

Joints with a CMU/Mixamo name map onto vocabulary joint centres (``LeftUpLeg`` ->
``left_hip``, ``Hips`` -> ``pelvis_origin`` ...; a ``mixamorig:`` style prefix is
ignored); other joints and end sites (``<parent>_end``) keep their names. The rotation
channels are kept verbatim as angles ``<joint>_<channel>`` (degrees,
``angle_source="file:bvh_channels"``). BVH is y-up: positions are rotated to the lab
z-up frame. BVH has no length unit: it is inferred from the rest-pose height (with a
warning) unless ``length_unit`` is given.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, MissingDataError, StridescopeWarning
from stridescope.io.trc import orient_to_lab, read_text_file, trial_from_arrays
from stridescope.model import schema as s
from stridescope.model.trial import append_log

__all__ = ["read_bvh", "sniff_bvh"]

_METRES_PER_UNIT = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}
#: Rest-pose height (lowest to highest joint) of an adult, in each unit: 1.2-2.3 m.
_HEIGHT_RANGES = {"m": (1.2, 2.3), "cm": (120.0, 230.0), "in": (47.0, 90.0)}
_SIDED_JOINTS = {
    "upleg": "hip",
    "leg": "knee",
    "foot": "ankle",
    "toebase": "toe",
    "arm": "shoulder",
    "forearm": "elbow",
    "hand": "wrist",
}
_JOINT_CENTRES = {
    "hips": "pelvis_origin",
    "lowerback": "lumbar",
    "spine": "lumbar",
    "neck": "neck",
    "head": "head",
    **{
        f"{side}{part}": f"{side}_{centre}"
        for side in s.SIDES
        for part, centre in _SIDED_JOINTS.items()
    },
}
_AXIS_INDEX = {"x": 0, "y": 1, "z": 2}


@dataclass
class _Joint:
    name: str
    parent: int
    offset: NDArray[np.float64] = field(default_factory=lambda: np.zeros(3))
    channels: list[str] = field(default_factory=list)
    column: int = 0


def sniff_bvh(head: bytes) -> bool:
    """Return True when the file starts with ``HIERARCHY``."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"HIERARCHY")


class _HierarchyParser:
    """Token-stream parser of the HIERARCHY section."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.joints: list[_Joint] = []
        self.stack: list[int] = []
        self.pending: _Joint | None = None
        self.n_channels = 0

    def parse(self) -> list[_Joint]:
        handlers = {
            "HIERARCHY": self._skip,
            "ROOT": self._joint,
            "JOINT": self._joint,
            "End": self._end_site,
            "{": self._open,
            "}": self._close,
            "OFFSET": self._offset,
            "CHANNELS": self._channels,
        }
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token not in handlers:
                raise ValueError(f"unexpected {token!r}")
            handlers[token]()
        if self.stack or not self.joints:
            raise ValueError("unbalanced braces or no joints")
        return self.joints

    def _skip(self) -> None:
        self.pos += 1

    def _joint(self) -> None:
        parent = self.stack[-1] if self.stack else -1
        self.pending = _Joint(self.tokens[self.pos + 1], parent)
        self.pos += 2

    def _end_site(self) -> None:
        parent = self.stack[-1]
        self.pending = _Joint(f"{self.joints[parent].name}_end", parent)
        self.pos += 2

    def _open(self) -> None:
        if self.pending is None:
            raise ValueError("'{' without a joint")
        self.joints.append(self.pending)
        self.stack.append(len(self.joints) - 1)
        self.pending = None
        self.pos += 1

    def _close(self) -> None:
        self.stack.pop()
        self.pos += 1

    def _offset(self) -> None:
        values = self.tokens[self.pos + 1 : self.pos + 4]
        self.joints[self.stack[-1]].offset = np.array(values, dtype=float)
        self.pos += 4

    def _channels(self) -> None:
        n = int(self.tokens[self.pos + 1])
        joint = self.joints[self.stack[-1]]
        joint.channels = self.tokens[self.pos + 2 : self.pos + 2 + n]
        joint.column = self.n_channels
        self.n_channels += n
        self.pos += 2 + n


def _parse(path: Path) -> tuple[list[_Joint], NDArray[np.float64], float]:
    text = read_text_file(path)
    hierarchy, found, motion = text.partition("MOTION")
    if not found or not sniff_bvh(hierarchy.encode()):
        raise InputError(
            f"{path.name}: expected a BVH file ('HIERARCHY' ... 'MOTION'), but "
            "one of the two sections is missing."
        )
    try:
        joints = _HierarchyParser(hierarchy.split()).parse()
    except (ValueError, IndexError) as e:
        raise InputError(f"{path.name}: malformed HIERARCHY section ({e}).") from e
    frames = re.search(r"Frames:\s*(\d+)", motion)
    step = re.search(r"Frame\s+Time:\s*(\S+)", motion)
    if frames is None or step is None:
        raise InputError(
            f"{path.name}: expected 'Frames:' and 'Frame Time:' lines after MOTION."
        )
    values = _motion_values(path, motion[step.end() :], joints, n_frames=int(frames[1]))
    try:
        frame_time_s = float(step[1])
    except ValueError as e:
        raise InputError(f"{path.name}: Frame Time {step[1]!r} is not a number.") from e
    return joints, values, frame_time_s


def _motion_values(
    path: Path, text: str, joints: list[_Joint], *, n_frames: int
) -> NDArray[np.float64]:
    n_channels = sum(len(j.channels) for j in joints)
    tokens = np.array(text.split())
    try:
        flat = tokens.astype(np.float64)
    except ValueError as e:
        raise InputError(f"{path.name}: expected numbers in the MOTION rows.") from e
    if n_channels == 0 or flat.size % n_channels:
        raise InputError(
            f"{path.name}: expected {n_channels} values per frame, but the MOTION "
            f"section holds {flat.size} values (a partial row?)."
        )
    values = flat.reshape(-1, n_channels)
    if values.shape[0] != n_frames:
        warnings.warn(
            f"{path.name}: expected {n_frames} frames ('Frames:'), but read "
            f"{values.shape[0]}; keeping the rows read.",
            StridescopeWarning,
            stacklevel=4,
        )
    return values


def _axis_rotation(axis: str, degrees: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rotation matrices (n, 3, 3) about ``axis`` by ``degrees`` (right-handed)."""
    c, s_ = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    i, j = [(1, 2), (2, 0), (0, 1)][_AXIS_INDEX[axis]]
    out = np.zeros((degrees.size, 3, 3))
    out[:, _AXIS_INDEX[axis], _AXIS_INDEX[axis]] = 1.0
    out[:, i, i], out[:, i, j], out[:, j, i], out[:, j, j] = c, -s_, s_, c
    return out


def _local(
    joint: _Joint, values: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = values.shape[0]
    rotation = np.broadcast_to(np.eye(3), (n, 3, 3)).copy()
    translation = np.broadcast_to(joint.offset, (n, 3)).copy()
    for k, channel in enumerate(joint.channels):
        axis, kind = channel[0].lower(), channel[1:].lower()
        column = values[:, joint.column + k]
        if kind == "rotation":
            rotation = rotation @ _axis_rotation(axis, column)
        elif kind == "position":
            translation[:, _AXIS_INDEX[axis]] = column
    return rotation, translation


def forward_kinematics(
    joints: list[_Joint], values: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Global joint positions ``(n_frames, 3, n_joints)`` in the file's units/axes."""
    n = values.shape[0]
    rotations = np.empty((len(joints), n, 3, 3))
    positions = np.empty((n, 3, len(joints)))
    for k, joint in enumerate(joints):
        rotation, translation = _local(joint, values)
        if joint.parent < 0:
            rotations[k], positions[:, :, k] = rotation, translation
            continue
        parent = rotations[joint.parent]
        rotations[k] = parent @ rotation
        moved = np.einsum("nij,nj->ni", parent, translation)
        positions[:, :, k] = positions[:, :, joint.parent] + moved
    return positions


def _length_unit(
    path: Path, joints: list[_Joint], length_unit: str | None
) -> tuple[str, dict[str, object]]:
    rest = forward_kinematics(
        [_Joint(j.name, j.parent, j.offset) for j in joints], np.zeros((1, 0))
    )
    height = float(np.ptp(rest[0, 1]))
    if length_unit is not None:
        if length_unit not in _METRES_PER_UNIT:
            raise InputError(
                f"{path.name}: expected length_unit in {sorted(_METRES_PER_UNIT)}, "
                f"but got {length_unit!r}."
            )
        return length_unit, {"method": "given", "rest_height": height}
    for unit, (lo, hi) in _HEIGHT_RANGES.items():
        if lo <= height <= hi:
            warnings.warn(
                f"{path.name}: BVH has no length unit; assuming {unit!r} because the "
                f"rest pose is {height:g} tall (pass length_unit= to override).",
                StridescopeWarning,
                stacklevel=3,
            )
            return unit, {"method": "inferred", "rest_height": height}
    raise InputError(
        f"{path.name}: cannot infer the length unit from the rest-pose height "
        f"{height:g} (expected 1.2-2.3 m, 120-230 cm or 47-90 in); pass length_unit."
    )


def _keypoint_names(joints: list[_Joint]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    clashes: list[str] = []
    for joint in joints:
        bare = joint.name.rsplit(":", 1)[-1]
        name = _JOINT_CENTRES.get(bare.lower(), joint.name)
        if name in names:
            clashes.append(joint.name)
            name = joint.name
        names.append(name)
    return names, clashes


def _channel_angles(
    joints: list[_Joint], values: NDArray[np.float64]
) -> tuple[NDArray[np.float64], list[str]]:
    columns, names = [], []
    for joint in joints:
        for k, channel in enumerate(joint.channels):
            if channel.lower().endswith("rotation"):
                columns.append(joint.column + k)
                names.append(f"{joint.name}_{channel}")
    return values[:, columns], names


def read_bvh(
    path: str | os.PathLike[str], *, length_unit: str | None = None
) -> xr.Dataset:
    """Read a BVH file into a trial of joint-centre positions (metres, lab z-up).

    Parameters
    ----------
    path
        The ``.bvh`` file.
    length_unit
        The file's length unit (``"m"``, ``"cm"``, ``"mm"`` or ``"in"``); by default it
        is inferred from the rest-pose height, with a :class:`StridescopeWarning`.

    Returns
    -------
    xarray.Dataset
        The trial: ``position`` of every joint and end site, and the rotation channels
        verbatim in ``angle`` (degrees).

    Raises
    ------
    InputError
        For an empty or malformed file, or a height that fits no unit.
    """
    p = Path(path)
    joints, values, frame_time_s = _parse(p)
    if frame_time_s <= 0:
        raise MissingDataError(f"{p.name}: expected a positive Frame Time.")
    unit, unit_log = _length_unit(p, joints, length_unit)
    factor = _METRES_PER_UNIT[unit]
    names, clashes = _keypoint_names(joints)
    angle, angle_names = _channel_angles(joints, values)
    angle_kwargs = {"angle": angle, "joint_names": angle_names} if angle_names else {}
    ds = trial_from_arrays(
        p.name,
        sampling_rate_hz=round(1.0 / frame_time_s, 6),
        position=forward_kinematics(joints, values) * factor,
        keypoint_names=names,
        keypoint_source_names=[j.name for j in joints],
        time_s=np.arange(values.shape[0]) * frame_time_s,
        angle_source="file:bvh_channels" if angle_names else "",
        source_format="bvh",
        source_file=p.name,
        **angle_kwargs,
    )
    ds = append_log(ds, "length_unit", unit=unit, **unit_log)
    if factor != 1.0:
        ds = append_log(ds, "scale_to_metres", from_unit=unit, factor=factor)
    if clashes:
        ds = append_log(ds, "duplicate_names_kept_verbatim", joints=clashes)
    return orient_to_lab(ds, p.name, assumed_up=(1, 1), reason="BVH is y-up")
