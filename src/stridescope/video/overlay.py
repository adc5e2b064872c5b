"""An annotated copy of a running video: skeleton, angles and gait events drawn on it.

:func:`write_overlay` streams frames from :func:`~stridescope.video.iter_frames`,
draws on each and encodes it at once, so memory does not grow with the clip. PyAV,
OpenCV (``video`` extra) and the report's palette are imported only when writing.
"""

from __future__ import annotations

import itertools
import math
import os
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeError
from stridescope.model import schema as s
from stridescope.model.trial import Event, validate_trial
from stridescope.video.frames import Frame, iter_frames, probe_video

if TYPE_CHECKING:
    from av.container import OutputContainer
    from av.video.stream import VideoStream

__all__ = ["write_overlay"]

Image = NDArray[np.uint8]
Colour = tuple[int, ...]  # RGB, 0-255
Points = Mapping[str, NDArray[np.float64]]
Progress = Callable[[int, int | None], None]


#: Output clock: exact for 24, 25, 30, 50, 60 and 30000/1001 fps, and within the
#: 16-bit limit of the MPEG-4 Part 2 encoder.
_TIME_BASE: Final = Fraction(1, 30000)
_FLASH_S: Final = 0.3  # how long a gait event stays named on screen
_SHIFT: Final = 4  # OpenCV fixed-point bits: keypoints are drawn to 1/16 px
#: Bones of each side, without the side prefix (BlazePose has foot_index, Halpe
#: big_toe and small_toe) ...
_LIMBS: Final = (
    ("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"),
    ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"), ("ear", "eye"),
    ("ankle", "foot_index"), ("heel", "big_toe"), ("big_toe", "small_toe"),
)  # fmt: skip
_MIDLINE: Final = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"), ("head", "neck"),
    ("neck", "mid_hip"), ("left_eye", "nose"), ("right_eye", "nose"),
)  # fmt: skip
#: ... as (keypoint, keypoint, colour group), the near (left) side drawn last.
_BONES: Final = (
    *((f"right_{a}", f"right_{b}", "right") for a, b in _LIMBS),
    *((f"left_{a}", f"left_{b}", "left") for a, b in _LIMBS),
    *((a, b, "midline") for a, b in _MIDLINE),
)
_FEET: Final = ("heel", "ankle", "foot_index", "big_toe")
_EVENT_WORDS: Final = {"foot_strike": "FOOT STRIKE", "toe_off": "TOE-OFF"}


@dataclass(frozen=True)
class _Samples:
    """A time series (keypoints or angles) looked up at the nearest frame time."""

    times_s: NDArray[np.float64]
    names: tuple[str, ...]
    values: NDArray[np.float64]  # (time, name) or (time, name, xy)
    tolerance_s: float  # a sample further from the frame than this is not used

    def at(self, time_s: float) -> dict[str, NDArray[np.float64]]:
        """Finite values of the nearest sample within tolerance, by name."""
        i = int(np.searchsorted(self.times_s, time_s))
        near = [j for j in (i - 1, i) if 0 <= j < len(self.times_s)]
        j = min(near, key=lambda k: abs(self.times_s[k] - time_s), default=-1)
        if j < 0 or abs(self.times_s[j] - time_s) > self.tolerance_s:
            return {}
        row = self.values[j]
        finite = np.isfinite(row.reshape(len(self.names), -1)).all(axis=1)
        return {n: v for n, v, ok in zip(self.names, row, finite, strict=True) if ok}


def _samples(values: xr.DataArray, dims: tuple[str, ...], tol_s: float) -> _Samples:
    names = tuple(str(n) for n in values[dims[1]].values)
    data = np.asarray(values.transpose(*dims).values, dtype=np.float64)
    return _Samples(np.asarray(values[s.TIME].values, np.float64), names, data, tol_s)


def _lookups(
    trial: xr.Dataset, angles: xr.DataArray | None, name: str
) -> tuple[_Samples, _Samples | None]:
    """The trial's image keypoints (x, y in px) and the angles, checked."""
    validate_trial(trial, require=(s.POSITION,))
    unit, n = trial.attrs.get(s.ATTR_SPACE_UNIT), len(trial[s.TIME])
    problems = [] if unit == "px" and n else [f"space_unit={unit!r} and {n} samples"]
    if angles is not None and set(angles.dims) != {s.TIME, s.JOINT}:
        problems.append(f"angles with dimensions {angles.dims}")
    if problems:
        raise InputError(
            f"{name}: expected the video trial made from this clip ('position' in px, "
            "at least one sample) and angles with dimensions ('time', 'joint'), but "
            f"got {' and '.join(problems)}."
        )
    period_s = 1.0 / float(trial.attrs[s.ATTR_SAMPLING_RATE_HZ])
    xy = trial[s.POSITION].sel({s.SPACE: ["x", "y"]})
    pose = _samples(xy, (s.TIME, s.KEYPOINT, s.SPACE), period_s)
    if angles is None:
        return pose, None
    return pose, _samples(angles, (s.TIME, s.JOINT), period_s)


def _words(angle: str) -> str:
    """``left_thigh_angle`` -> ``left thigh``; ``trunk_forward_lean`` -> words."""
    return angle.removesuffix("_angle").replace("_", " ")


@dataclass(frozen=True)
class _Style:
    """Colours (RGB) and sizes (px; OpenCV font scale) for one frame size."""

    colours: Mapping[str, Colour]
    line_px: int
    font_scale: float
    text_px: int

    @classmethod
    def for_size(cls, width_px: int, height_px: int) -> _Style:
        """Sizes for a frame; fails early, before any encoding, without OpenCV."""
        try:
            import cv2  # noqa: F401
        except ImportError as e:
            raise StridescopeError(
                "Drawing on video needs OpenCV, which is not installed; install the "
                "video extra with: pip install 'stridescope[video]'."
            ) from e
        from stridescope.report.keyframes import MIDLINE_COLOUR
        from stridescope.report.plots import SIDE_COLOURS

        short = min(width_px, height_px)
        palette = {**SIDE_COLOURS, "midline": MIDLINE_COLOUR}  # "#RRGGBB"
        colours = {k: tuple(bytes.fromhex(c.lstrip("#"))) for k, c in palette.items()}
        scale = max(0.35, short / 900)
        return cls(colours, max(2, round(short / 220)), scale, max(1, round(scale)))

    def colour_of(self, name: str) -> Colour:
        """The colour of a keypoint or angle name's side (midline if unsided)."""
        return self.colours.get(name.split("_", 1)[0], self.colours["midline"])


def _fixed(xy: NDArray[np.float64]) -> tuple[int, int]:
    x, y = (min(max(float(v), -1e5), 1e5) * (1 << _SHIFT) for v in xy)
    return round(x), round(y)


def _draw_skeleton(image: Image, points: Points, style: _Style) -> None:
    import cv2

    drawn = [(a, b, g) for a, b, g in _BONES if a in points and b in points]
    for outline in (True, False):  # all dark outlines first, then the colours
        for a, b, group in drawn:
            colour = (0, 0, 0) if outline else style.colours[group]
            width = style.line_px + 2 if outline else style.line_px
            p, q = _fixed(points[a]), _fixed(points[b])
            cv2.line(image, p, q, colour, width, cv2.LINE_AA, _SHIFT)
    radius = (style.line_px + 1) << _SHIFT
    for name in {k for a, b, _ in drawn for k in (a, b)}:
        at, colour = _fixed(points[name]), style.colour_of(name)
        cv2.circle(image, at, radius, colour, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(image, at, radius, (0, 0, 0), 1, cv2.LINE_AA, _SHIFT)


def _draw_panel(image: Image, lines: list[tuple[str, Colour]], style: _Style) -> int:
    """Write ``lines`` in a dark box at the top left; return the box's bottom (px)."""
    import cv2

    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, style.font_scale, style.text_px
    sizes = [cv2.getTextSize(text, font, scale, thick)[0] for text, _ in lines]
    text_h = max(h for _, h in sizes)
    step, pad = round(1.8 * text_h), round(0.8 * text_h)
    bottom = pad + step * len(lines) + pad // 2
    box = image[pad:bottom, pad : 4 * pad + text_h + max(w for w, _ in sizes)]
    np.floor_divide(box, 3, out=box)
    for i, (text, colour) in enumerate(lines):
        base = pad + step * (i + 1)
        dot = (2 * pad, base - text_h // 2)
        cv2.circle(image, dot, max(2, text_h // 3), colour, -1, cv2.LINE_AA)
        at = (3 * pad + text_h // 2, base)
        cv2.putText(image, text, at, font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return bottom


def _draw_flash(
    image: Image, event: Event, *, top: int, kp: Points, style: _Style
) -> int:
    """Name ``event`` in a box below ``top``; ring the foot; return the box's bottom."""
    import cv2

    colour = style.colour_of(event.side)
    feet = [kp[k] for f in _FEET if (k := f"{event.side}_{f}") in kp]
    if feet:
        ring, line = (6 * style.line_px) << _SHIFT, style.line_px
        cv2.circle(image, _fixed(feet[0]), ring, colour, line, cv2.LINE_AA, _SHIFT)
    text = f"{event.side.upper()} {_EVENT_WORDS.get(event.kind, event.kind)}"
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 1.5 * style.font_scale
    thick = 2 * style.text_px
    (w, h), _ = cv2.getTextSize(text, font, scale, thick)
    x, y = h, top + 2 * h
    corner, far = (x - h // 2, y - 3 * h // 2), (x + w + h // 2, y + h // 2)
    cv2.rectangle(image, corner, far, colour, -1)
    cv2.putText(image, text, (x, y), font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return far[1]


@dataclass(frozen=True)
class _Overlay:
    """What to draw on each frame, the clip's frame rate and whom to tell progress."""

    pose: _Samples
    angles: _Samples | None
    events: tuple[Event, ...]
    style: _Style
    fps: float  # nominal; 0.0 when unknown
    progress: Progress | None
    expected: int | None  # frames the container declares

    def paint(self, frame: Frame) -> Image:
        """Return annotated pixels, padded to even sides (``yuv420p`` needs them)."""
        h, w = frame.image.shape[:2]
        image = np.pad(frame.image, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        t = frame.time_s
        points = self.pose.at(t)
        _draw_skeleton(image, points, self.style)
        angles = {} if self.angles is None else self.angles.at(t)
        lines = [(f"{t:.2f} s", self.style.colours["midline"])] + [
            (f"{_words(j)} {float(v):.0f} deg", self.style.colour_of(j))
            for j, v in angles.items()
        ]
        top = _draw_panel(image, lines, self.style)
        lead_s = 0.5 / self.fps if self.fps > 0 else 0.0  # nearest frame to the event
        flashing = [e for e in self.events if -lead_s <= t - e.time_s < _FLASH_S]
        for event in flashing:
            top = _draw_flash(image, event, top=top, kp=points, style=self.style)
        return image


def _add_stream(container: OutputContainer, image: Image, fps: float) -> VideoStream:
    """H.264 (``libx264``) when this PyAV has it, else MPEG-4 Part 2 (``mpeg4``)."""
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
    stream = cast("VideoStream", container.add_stream(codec, rate=rate))
    stream.height, stream.width = image.shape[:2]
    stream.pix_fmt = "yuv420p"
    stream.time_base = stream.codec_context.time_base = _TIME_BASE
    if codec == "libx264":
        stream.options = {"preset": "veryfast", "crf": "20"}
    else:
        stream.bit_rate = int(image.shape[0] * image.shape[1] * float(rate) / 8)
    return stream


def _encode(frames: Iterable[Frame], path: Path, overlay: _Overlay) -> None:
    """Paint and encode ``frames`` into ``path``, keeping their timestamps."""
    import av
    import cv2

    last_pts = -1
    with av.open(str(path), mode="w", format="mp4") as container:
        stream: VideoStream | None = None
        for done, frame in enumerate(frames, start=1):
            image = overlay.paint(frame)
            stream = stream or _add_stream(container, image, overlay.fps)
            yuv = np.asarray(cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420), np.uint8)
            av_frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            last_pts = max(round(frame.time_s / _TIME_BASE), last_pts + 1)
            av_frame.pts, av_frame.time_base = last_pts, _TIME_BASE
            container.mux(stream.encode(av_frame))
            if overlay.progress is not None:
                overlay.progress(done, overlay.expected)
        if stream is not None:
            container.mux(stream.encode())


def _check_target(target: Path, *, overwrite: bool) -> None:
    if not target.parent.is_dir():
        raise InputError(f"{target}: the folder {target.parent} does not exist.")
    if target.exists() and not overwrite:
        raise InputError(
            f"{target}: already exists; pass overwrite=True to replace it."
        )


def _check_overlap(pose: _Samples, span_s: tuple[float, float], name: str) -> None:
    (first_s, end_s), t0, t1 = span_s, float(pose.times_s[0]), float(pose.times_s[-1])
    if t1 < first_s - pose.tolerance_s or t0 > end_s + pose.tolerance_s:
        raise InputError(
            f"{name}: expected a trial whose time range overlaps the video "
            f"({first_s:.2f} to {end_s:.2f} s), but the trial covers {t0:.2f} to "
            f"{t1:.2f} s; pass the trial made from this video."
        )


def _write(frames: Iterable[Frame], target: Path, overlay: _Overlay) -> None:
    """Encode into a temporary file beside ``target``; rename it when complete.

    The unique name is made here rather than by :mod:`tempfile`, so that the file
    gets the usual permissions (the user's umask), not private ones.
    """
    temporary = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:12]}.mp4")
    try:
        _encode(frames, temporary, overlay)
        temporary.replace(target)
    except OSError as e:
        raise InputError(f"{target}: cannot write the overlay video ({e}).") from e
    finally:
        temporary.unlink(missing_ok=True)


def write_overlay(
    video_path: str | os.PathLike[str],
    trial: xr.Dataset,
    *,
    angles: xr.DataArray | None = None,
    events: Iterable[Event] = (),
    out_path: str | os.PathLike[str],
    overwrite: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write a copy of a video with the runner's skeleton, angles and events on it.

    Each frame gets the skeleton of the trial sample nearest its time, if one lies
    within a sample period (otherwise the frame is copied as it is): left side
    blue, right vermillion, shoulder and hip lines white (the report's colours). A
    panel at the top left gives the frame's time and ``angles``; each foot strike
    and toe-off is named, in its side's colour with a ring around the foot, for
    0.3 s. Frames keep their timestamps, frame rate and upright orientation.

    Parameters
    ----------
    video_path
        The video the trial was made from.
    trial
        The analysed video trial: ``position(time, space, keypoint)`` in px, image
        y down, on the video's clock (as :func:`~stridescope.video.extract_pose`
        makes it).
    angles
        Angles in degrees, ``(time, joint)``; every angle is listed by name.
    events
        Gait events to flash (times in seconds on the trial's clock).
    out_path
        The new MP4 file, in an existing folder: H.264 (``libx264``) when PyAV
        has that encoder, else MPEG-4 Part 2 (``mpeg4``).
    overwrite
        Replace ``out_path`` if it exists.
    progress
        Called after each frame with (frames done, frames expected or None).

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    InputError
        For a video that cannot be read or a trial that is not in px or does not
        overlap the video in time (the message names the file), an existing
        ``out_path`` without ``overwrite``, or a file that cannot be written.
    StridescopeError
        If PyAV or OpenCV (the ``video`` extra) is not installed.

    Examples
    --------
    >>> write_overlay("run.mp4", trial, out_path="run_overlay.mp4")  # doctest: +SKIP
    PosixPath('run_overlay.mp4')
    """
    video, target = Path(video_path), Path(out_path)
    _check_target(target, overwrite=overwrite)
    pose, table = _lookups(trial, angles, video.name)
    info = probe_video(video)  # a file without a video stream fails in iter_frames
    duration_s = info.duration_s or math.inf
    frames = iter_frames(video)
    try:
        first = next(frames)
        _check_overlap(pose, (first.time_s, first.time_s + duration_s), video.name)
        style = _Style.for_size(first.image.shape[1], first.image.shape[0])
        overlay = _Overlay(
            pose, table, tuple(events), style, info.fps, progress, info.frame_count
        )
        _write(itertools.chain([first], frames), target, overlay)
    finally:
        if isinstance(frames, Generator):
            frames.close()  # stop decoding and close the file now
    return target
