"""Keyframe pictures: the skeleton and key angles drawn over video stills (pure).

Nothing here reads files: :func:`stridescope.video.keyframes.extract_keyframes`
decodes the stills. This module chooses *when* to show the runner
(:func:`choose_keyframe_times`: foot strike, mid-stance and toe-off of one stance
per side), picks the keypoints and angles at those times (:func:`keypoints_at`,
:func:`angles_at`), and draws them (:func:`draw_skeleton`) with matplotlib, in the
report's colours: left blue, right vermillion, the midline white.

Angles are drawn as arcs where their geometry is known from the keypoints (thigh,
hip, knee, trunk lean); the numbers written on them are the ``angles`` given, never
recomputed here. Angles without a drawable geometry are listed in a corner.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import xarray as xr
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imsave
from matplotlib.patches import Arc
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.model import schema as s
from stridescope.report.plots import SIDE_COLOURS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "KeyframeTime",
    "angles_at",
    "choose_keyframe_times",
    "crop_to_runner",
    "draw_skeleton",
    "image_to_data_uri",
    "keyframe_pictures",
    "keypoints_at",
]

Image = NDArray[np.uint8]
Point = tuple[float, float]
_Geometry = tuple[Point, Point, Point]  # vertex, reference direction, moving direction
Phase = Literal["foot_strike", "mid_stance", "toe_off"]

MIDLINE_COLOUR: Final = "#FFFFFF"
_LIMBS: Final = (
    ("shoulder", "elbow"),
    ("elbow", "wrist"),
    ("shoulder", "hip"),
    ("hip", "knee"),
    ("knee", "ankle"),
    ("ankle", "heel"),
    ("heel", "foot_index"),
    ("ankle", "foot_index"),
    ("ear", "eye"),
)
_MIDLINE: Final = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_eye", "nose"),
    ("right_eye", "nose"),
)
_PHASE_WORDS: Final = {
    "foot_strike": "foot strike",
    "mid_stance": "mid-stance",
    "toe_off": "toe-off",
}
_DOWN: Final = (0.0, 1.0)  # image y points down
_UP: Final = (0.0, -1.0)


@dataclass(frozen=True)
class KeyframeTime:
    """When to show the runner: one phase of one stance of one side."""

    side: str
    phase: Phase
    time_s: float

    @property
    def label(self) -> str:
        """Plain label, e.g. ``"left foot strike"`` or ``"right toe-off"``."""
        return f"{self.side} {_PHASE_WORDS[self.phase]}"


def _field(event: Any, key: str) -> Any:
    return event[key] if isinstance(event, Mapping) else getattr(event, key)


def _stances(events: list[Any], side: str) -> list[tuple[float, float]]:
    """(foot strike, toe-off) pairs of ``side``: a toe-off before the next strike."""
    mine = sorted(
        (float(_field(e, "time_s")), str(_field(e, "kind")))
        for e in events
        if _field(e, "side") == side
    )
    pairs = []
    for (t0, k0), (t1, k1) in itertools.pairwise(mine):
        if k0 == "foot_strike" and k1 == "toe_off":
            pairs.append((t0, t1))
    return pairs


def choose_keyframe_times(events: Iterable[Any]) -> list[KeyframeTime]:
    """Foot strike, mid-stance and toe-off of one stance per side.

    The stance chosen is the one whose foot strike is nearest the middle of the
    events' time span (steady running, away from the start and end of the clip).
    Mid-stance is taken halfway between foot strike and toe-off.

    Parameters
    ----------
    events
        Gait events: :class:`~stridescope.model.trial.Event` objects or report.json
        event dicts (``side``, ``kind``, ``time_s`` in seconds).

    Returns
    -------
    list of KeyframeTime
        Left first, then right; a side without a complete stance is left out.
    """
    events = list(events)
    times = [float(_field(e, "time_s")) for e in events]
    middle = (min(times) + max(times)) / 2 if times else 0.0
    out: list[KeyframeTime] = []
    for side in s.SIDES:
        stances = _stances(events, side)
        if not stances:
            continue
        strike, toe_off = min(stances, key=lambda p: abs(p[0] - middle))
        out += [
            KeyframeTime(side, "foot_strike", strike),
            KeyframeTime(side, "mid_stance", (strike + toe_off) / 2),
            KeyframeTime(side, "toe_off", toe_off),
        ]
    return out


def keypoints_at(trial: xr.Dataset, time_s: float) -> dict[str, Point]:
    """Image keypoints (x, y in px) of the trial's sample nearest ``time_s``.

    Keypoints missing (NaN) in that sample are left out.

    Raises
    ------
    InputError
        For a trial without ``position`` in pixels.
    """
    if s.POSITION not in trial or trial.attrs.get(s.ATTR_SPACE_UNIT) != "px":
        raise InputError(
            "Expected a video trial with 'position' in px, but got "
            f"space_unit={trial.attrs.get(s.ATTR_SPACE_UNIT)!r}."
        )
    frame = trial[s.POSITION].sel({s.TIME: time_s}, method="nearest")
    xy = frame.sel({s.SPACE: ["x", "y"]}).transpose(s.KEYPOINT, s.SPACE).values
    names = [str(k) for k in trial[s.KEYPOINT].values]
    return {
        name: (float(x), float(y))
        for name, (x, y) in zip(names, xy, strict=True)
        if math.isfinite(x) and math.isfinite(y)
    }


def angles_at(angles: xr.DataArray, time_s: float) -> dict[str, float]:
    """Angles (deg) at the sample nearest ``time_s``; NaN angles are left out."""
    row = angles.sel({s.TIME: time_s}, method="nearest")
    return {
        str(j): float(v)
        for j, v in zip(row[s.JOINT].values, row.values, strict=True)
        if math.isfinite(v)
    }


def _mid(points: Mapping[str, Point], a: str, b: str) -> Point | None:
    if a in points and b in points:
        return ((points[a][0] + points[b][0]) / 2, (points[a][1] + points[b][1]) / 2)
    return None


def _direction(start: Point | None, end: Point | None) -> Point | None:
    if start is None or end is None or start == end:
        return None
    return (end[0] - start[0], end[1] - start[1])


def _arc_geometry(name: str, points: Mapping[str, Point]) -> _Geometry | None:
    """(vertex, reference direction, moving direction) of an angle, or None."""
    side = name.split("_", 1)[0]
    p = points.get
    if name.endswith(("_thigh_angle", "_hip_flexion")):
        reference: Point | None = _DOWN
        if name.endswith("_hip_flexion"):
            reference = _direction(p(f"{side}_shoulder"), p(f"{side}_hip"))
        vertex, moving = (
            p(f"{side}_hip"),
            _direction(p(f"{side}_hip"), p(f"{side}_knee")),
        )
    elif name.endswith("_knee_flexion"):
        vertex = p(f"{side}_knee")
        reference = _direction(p(f"{side}_hip"), vertex)
        moving = _direction(vertex, p(f"{side}_ankle"))
    elif name in ("trunk_forward_lean", "trunk_lateral_lean", "trunk_lean"):
        vertex = _mid(points, "left_hip", "right_hip") or p("mid_hip")
        top = _mid(points, "left_shoulder", "right_shoulder") or p("neck")
        reference, moving = _UP, _direction(vertex, top)
    else:
        return None
    if vertex is None or reference is None or moving is None:
        return None
    return vertex, reference, moving


def _label(name: str) -> str:
    words = name.replace("_", " ")
    for side in s.SIDES:
        words = words.removeprefix(f"{side} ")
    return words.replace(" angle", "").replace("forward lean", "lean")


@dataclass(frozen=True)
class _Pen:
    """Sizes in pixels (the canvas runs at 72 dpi, so 1 pt = 1 px)."""

    line: float
    radius: float
    font: float

    @classmethod
    def for_height(cls, height_px: int) -> _Pen:
        return cls(
            max(2.0, height_px / 260),
            max(22.0, height_px / 15),
            max(10.0, height_px / 56),
        )

    def outline(self) -> list[patheffects.AbstractPathEffect]:
        return [patheffects.withStroke(linewidth=self.line + 2.5, foreground="black")]


def _heading(direction: Point) -> float:
    return math.degrees(math.atan2(direction[1], direction[0]))


def _at(vertex: Point, angle_deg: float, distance: float) -> Point:
    a = math.radians(angle_deg)
    return (vertex[0] + distance * math.cos(a), vertex[1] + distance * math.sin(a))


def _draw_arc(
    ax: Axes, name: str, value: float, geometry: _Geometry, pen: _Pen
) -> None:
    vertex, reference, moving = geometry
    colour = SIDE_COLOURS.get(name.split("_", 1)[0], MIDLINE_COLOUR)
    start, end = _heading(reference), _heading(moving)
    if (end - start) % 360 > 180:
        start, end = end, start
    tip = _at(vertex, _heading(reference), 1.6 * pen.radius)
    xs, ys = zip(vertex, tip, strict=True)
    ax.plot(xs, ys, color=colour, lw=pen.line / 2, ls="--", path_effects=pen.outline())
    size = 2 * pen.radius
    arc = Arc(vertex, size, size, theta1=start, theta2=end, color=colour, lw=pen.line)
    arc.set_path_effects(pen.outline())
    ax.add_patch(arc)
    middle = start + ((end - start) % 360) / 2
    style: dict[str, Any] = {
        "ha": "center",
        "va": "center",
        "fontsize": pen.font,
        "bbox": {"boxstyle": "round,pad=0.3", "fc": "#FFFFFFE8", "ec": colour, "lw": 2},
        "arrowprops": {"arrowstyle": "-", "color": colour, "lw": 1.5},
    }
    text = f"{_label(name)} {value:.0f}°"
    label_at = _at(vertex, middle, 2.4 * pen.radius)
    ax.annotate(text, _at(vertex, middle, pen.radius), xytext=label_at, **style)


def _draw_bones(ax: Axes, points: Mapping[str, Point], pen: _Pen) -> None:
    pairs = [
        (f"{side}_{a}", f"{side}_{b}", SIDE_COLOURS[side])
        for side in s.SIDES
        for a, b in _LIMBS
    ] + [(a, b, MIDLINE_COLOUR) for a, b in _MIDLINE]
    for a, b, colour in pairs:
        if a in points and b in points:
            xs, ys = zip(points[a], points[b], strict=True)
            line = ax.plot(xs, ys, color=colour, lw=pen.line, solid_capstyle="round")
            line[0].set_path_effects(pen.outline())
    for name, (x, y) in points.items():
        colour = SIDE_COLOURS.get(name.split("_", 1)[0], MIDLINE_COLOUR)
        ax.plot(x, y, "o", ms=1.8 * pen.line, mfc=colour, mec="black", mew=1)


def draw_skeleton(
    image: Image,
    keypoints_px: Mapping[str, Point],
    *,
    angles: Mapping[str, float],
    title: str | None = None,
) -> Image:
    """Draw the BlazePose skeleton and the key angles over a video still.

    Bones of the left side are blue, of the right side vermillion, the shoulder and
    hip lines white, each with a dark outline so they show on any background.
    Thigh, hip, knee and trunk angles are drawn as arcs from their reference line
    (dashed: the vertical, or the line of the segment above) with the value from
    ``angles``; other angles are listed in the top-left corner.

    Parameters
    ----------
    image
        RGB pixels, ``uint8`` of shape ``(height_px, width_px, 3)``.
    keypoints_px
        Keypoint name (``left_knee``) to its (x, y) in pixels, y down; missing
        keypoints are simply not drawn.
    angles
        Angle name (``left_knee_flexion``, ``left_thigh_angle``,
        ``trunk_forward_lean``, ...) to its value in degrees.
    title
        Optional caption written at the top, e.g. ``"left foot strike, 3.42 s"``.

    Returns
    -------
    numpy.ndarray
        A new RGB ``uint8`` image of the same shape; the input is not changed.

    Raises
    ------
    InputError
        For an image that is not ``(height, width, 3)`` ``uint8``.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError(
            "Expected an RGB uint8 image of shape (height, width, 3), but got "
            f"{image.dtype} of shape {image.shape}."
        )
    height, width = image.shape[:2]
    pen = _Pen.for_height(height)
    fig = Figure(figsize=((width + 0.01) / 72, (height + 0.01) / 72), dpi=72)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.imshow(image)
    ax.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5))
    ax.set_axis_off()
    _draw_bones(ax, keypoints_px, pen)
    listed = []
    for name, value in angles.items():
        geometry = _arc_geometry(name, keypoints_px)
        if geometry is None:
            listed.append(f"{name.replace('_', ' ')}: {value:.0f}°")
        else:
            _draw_arc(ax, name, value, geometry, pen)
    lines = ([title] if title else []) + listed
    if lines:
        box = {"fc": "#FFFFFFE0", "ec": "none"}
        corner = (0.02 * width, 0.02 * height)
        ax.text(*corner, "\n".join(lines), va="top", fontsize=pen.font, bbox=box)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=72)
    rgba = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    return rgba.reshape(height, width, 4)[:, :, :3].copy()


def crop_to_runner(
    image: Image,
    keypoints_px: Mapping[str, Point],
    *,
    margin: float = 0.3,
    max_height_px: int = 640,
) -> tuple[Image, dict[str, Point]]:
    """Crop a still to the runner and shrink it for the report.

    The keypoints' box grows by ``margin`` times the runner's height (px) on every
    side, is made at least 3/4 as wide as it is tall and is clipped to the image;
    a crop taller than ``max_height_px`` is shrunk by a whole factor (averaging
    blocks of pixels).

    Returns
    -------
    tuple of (numpy.ndarray, dict)
        The new image and the keypoints moved into it (px).
    """
    height, width = image.shape[:2]
    x0, y0, x1, y1 = 0, 0, width, height
    if keypoints_px:
        xs, ys = zip(*keypoints_px.values(), strict=True)
        pad = margin * (max(ys) - min(ys))
        top, bottom = min(ys) - pad, max(ys) + pad
        half = max((max(xs) - min(xs)) / 2 + pad, 0.375 * (bottom - top))
        centre = (max(xs) + min(xs)) / 2
        x0, x1 = max(0, int(centre - half)), min(width, int(centre + half))
        y0, y1 = max(0, int(top)), min(height, int(bottom))
    k = max(1, math.ceil((y1 - y0) / max_height_px))
    y1, x1 = y0 + (y1 - y0) // k * k, x0 + (x1 - x0) // k * k
    crop = image[y0:y1, x0:x1].astype(float)
    blocks = crop.reshape((y1 - y0) // k, k, (x1 - x0) // k, k, 3).mean(axis=(1, 3))
    moved = {n: ((x - x0) / k, (y - y0) / k) for n, (x, y) in keypoints_px.items()}
    return np.round(blocks).astype(np.uint8), moved


def image_to_data_uri(image: Image, *, quality: int = 85) -> str:
    """Return an RGB ``uint8`` image as a JPEG ``data:image/jpeg;base64,...`` URI.

    JPEG keeps photos small (a 480 x 640 still is about 60 KB); ``quality`` is
    JPEG's 1-95 scale.
    """
    buffer = io.BytesIO()
    imsave(buffer, image, format="jpeg", pil_kwargs={"quality": quality})
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def keyframe_pictures(
    trial: xr.Dataset,
    angles: xr.DataArray | None,
    stills: Iterable[tuple[KeyframeTime, float, Image]],
) -> list[tuple[str, str, str]]:
    """Draw each still's skeleton and angles; return ``(title, data URI, caption)``.

    ``stills`` pairs each :class:`KeyframeTime` with the frame's own time (s) and
    pixels (from :func:`stridescope.video.keyframes.extract_keyframes`). Only the
    angles of that side and of the trunk are drawn.
    """
    out = []
    for key, time_s, image in stills:
        measured = angles_at(angles, time_s) if angles is not None else {}
        shown = {k: v for k, v in measured.items() if k.startswith((key.side, "trunk"))}
        crop, points = crop_to_runner(image, keypoints_at(trial, time_s))
        picture = image_to_data_uri(draw_skeleton(crop, points, angles=shown))
        out.append((key.label.capitalize(), picture, f"at {time_s:.2f} s"))
    return out
