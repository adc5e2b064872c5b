"""Video metadata and upright RGB frames, decoded with PyAV (the ``video`` extra).

:func:`probe_video` reads what a clip says about itself; :func:`iter_frames` streams its
frames one at a time (constant memory: the clip is never held), each turned upright
according to the stream's display matrix (the rotation phones record instead of
rotating the pixels) and stamped with its real presentation time, so variable frame
rate clips keep their true timing.

PyAV is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import math
import os
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeError, StridescopeWarning

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

__all__ = ["Frame", "VideoInfo", "iter_frames", "probe_video"]

_FIXED_POINT = 65536.0  # display matrix entries are 16.16 fixed point
_HINT = "expected a video file such as MP4, MOV, AVI or MKV"


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself, after the display rotation.

    Parameters
    ----------
    width_px, height_px
        Size of the upright frames in pixels (swapped from the coded size for a
        quarter turn); 0 when the file has no video stream.
    rotation_deg
        Counter-clockwise turn in degrees (0, 90, 180 or -90) applied to the decoded
        pixels to make them upright, as stored in the display matrix.
    mirrored
        True when the display matrix also mirrors the image (applied after the turn).
    fps
        Nominal frame rate in frames per second, as stated by the container (an
        average for variable frame rate clips); 0.0 when unknown.
    frame_count
        Number of frames the container declares, or None when it does not say.
    duration_s
        Duration in seconds, or None when unknown.
    codec
        Name of the video codec (e.g. ``"h264"``); empty without a video stream.
    has_video
        False for a file without a video stream (e.g. audio only).
    """

    width_px: int
    height_px: int
    rotation_deg: int
    mirrored: bool
    fps: float
    frame_count: int | None
    duration_s: float | None
    codec: str
    has_video: bool


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Parameters
    ----------
    index
        Position of the frame in decoding order, from 0.
    time_s
        Presentation time in seconds, from the frame's timestamp.
    image
        Upright RGB pixels, ``uint8`` of shape ``(height_px, width_px, 3)``.
    """

    index: int
    time_s: float
    image: NDArray[np.uint8]


def _require_av() -> None:
    try:
        import av  # noqa: F401
    except ImportError as e:
        raise StridescopeError(
            "Reading video needs PyAV, which is not installed; install the video "
            "extra with: pip install 'stridescope[video]'."
        ) from e


def _open(path: str | os.PathLike[str]) -> InputContainer:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file.")
    if p.stat().st_size == 0:
        raise InputError(f"{p.name}: the file is empty (0 bytes); {_HINT}.")
    _require_av()
    import av

    try:
        return av.open(str(p), mode="r")
    except av.FFmpegError as e:
        raise InputError(
            f"{p.name}: cannot be opened as a video ({e.strerror}); {_HINT}."
        ) from e


def _video_stream(container: InputContainer, name: str) -> VideoStream:
    if not container.streams.video:
        kinds: list[str] = sorted({s.type for s in container.streams}) or ["none"]
        raise InputError(
            f"{name}: expected a video stream, but the file has none (streams: "
            f"{', '.join(kinds)}); pass a video recording, not an audio-only file."
        )
    return container.streams.video[0]


def _orientation_from_matrix(matrix: tuple[int, ...] | None) -> tuple[int, bool]:
    """Return (counter-clockwise quarter-turn in degrees, mirrored) of a display matrix.

    ``matrix`` holds FFmpeg's nine 16.16 fixed-point ``DISPLAYMATRIX`` entries. A
    mirror is read as a horizontal flip applied after the turn, as FFmpeg does.
    Turns that are not a multiple of 90 degrees give ``(0, False)`` with a warning.

    Examples
    --------
    >>> _orientation_from_matrix((0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30))
    (-90, False)
    """
    if matrix is None:
        return 0, False
    a, b, c, d = (
        v / _FIXED_POINT for v in (matrix[0], matrix[1], matrix[3], matrix[4])
    )
    mirrored = a * d - b * c < 0
    if mirrored:
        a = -a
    turn = -math.degrees(math.atan2(b, a))
    quarter = round(turn / 90.0)
    if abs(turn - 90.0 * quarter) > 1.0:
        warnings.warn(
            f"The video's display matrix turns it by {turn:.1f} degrees, which is not "
            "a multiple of 90; frames are left as coded.",
            StridescopeWarning,
            stacklevel=2,
        )
        return 0, False
    return ((quarter + 1) % 4 - 1) * 90, mirrored


def _make_upright(
    image: NDArray[np.uint8], rotation_deg: int, *, mirrored: bool = False
) -> NDArray[np.uint8]:
    """Turn ``image`` counter-clockwise by ``rotation_deg`` (multiple of 90); mirror.

    Examples
    --------
    >>> import numpy as np
    >>> _make_upright(np.array([[1, 2], [3, 4]], np.uint8), 90).tolist()
    [[2, 4], [1, 3]]
    """
    out = np.rot90(image, k=(rotation_deg // 90) % 4) if rotation_deg else image
    if mirrored:
        out = out[:, ::-1]
    return np.ascontiguousarray(out)


def _frame_orientation(frame: VideoFrame) -> tuple[int, bool]:
    import av.sidedata.sidedata as sd

    side_data: Any = frame.side_data
    item = side_data.get(sd.Type.DISPLAYMATRIX)
    if item is None:
        return 0, False
    return _orientation_from_matrix(struct.unpack("<9i", bytes(item)[:36]))


def _first_frame(
    container: InputContainer, stream: VideoStream, name: str
) -> VideoFrame:
    import av

    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError as e:
        raise InputError(
            f"{name}: the video stream cannot be decoded ({e.strerror}); the file may "
            "be damaged or use an unsupported codec."
        ) from e
    raise InputError(f"{name}: the video stream holds no decodable frames.")


def _duration_s(container: InputContainer, stream: VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a video's size, rotation, frame rate, frame count, duration and codec.

    The first frame is decoded, to read the display rotation and to check that the
    stream can be decoded at all.

    Parameters
    ----------
    path
        The video file.

    Returns
    -------
    VideoInfo
        ``has_video`` is False (and sizes 0) for a file without a video stream.

    Raises
    ------
    InputError
        If the file is missing, empty, not a video container, or its video stream
        cannot be decoded; the message names the file.
    """
    name = Path(path).name
    with _open(path) as container:
        if not container.streams.video:
            duration = container.duration
            seconds = None if duration is None else duration / 1_000_000
            return VideoInfo(0, 0, 0, False, 0.0, None, seconds, "", False)
        stream = container.streams.video[0]
        rotation, mirrored = _frame_orientation(_first_frame(container, stream, name))
        width, height = stream.codec_context.width, stream.codec_context.height
        if rotation % 180:
            width, height = height, width
        rate = stream.average_rate or stream.base_rate
        return VideoInfo(
            width_px=int(width),
            height_px=int(height),
            rotation_deg=rotation,
            mirrored=mirrored,
            fps=float(rate) if rate else 0.0,
            frame_count=int(stream.frames) if stream.frames else None,
            duration_s=_duration_s(container, stream),
            codec=stream.codec_context.name,
            has_video=True,
        )


def _decoded(
    container: InputContainer, stream: VideoStream, name: str
) -> Iterator[VideoFrame]:
    """Yield decoded frames, skipping packets the decoder rejects (counted, warned)."""
    import av

    bad_packets = 0
    decoded = 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.FFmpegError:
            bad_packets += 1
            continue
        for frame in frames:
            decoded += 1
            yield frame
    if decoded == 0:
        raise InputError(
            f"{name}: the video stream cannot be decoded ({bad_packets} packets "
            "rejected, no frame decoded); the file may be damaged or use an "
            "unsupported codec."
        )
    if bad_packets:
        warnings.warn(
            f"{name}: {bad_packets} damaged video packets were skipped while decoding.",
            StridescopeWarning,
            stacklevel=3,
        )


def iter_frames(path: str | os.PathLike[str]) -> Iterator[Frame]:
    """Yield the frames of a video one at a time, upright RGB, with real timestamps.

    Frames are streamed (memory does not grow with the clip). Each frame's time comes
    from its presentation timestamp, so variable frame rate clips keep their timing;
    a frame whose timestamp does not increase is skipped with a warning, so times are
    strictly increasing.

    Parameters
    ----------
    path
        The video file.

    Yields
    ------
    Frame
        The frame index (decoding order), its time in seconds and its RGB pixels.

    Raises
    ------
    InputError
        If the file is missing, empty, not a video, has no video stream, or its video
        stream cannot be decoded; the message names the file.
    """
    name = Path(path).name
    with _open(path) as container:
        stream = _video_stream(container, name)
        yield from _upright_frames(container, stream, name)


def _upright_frames(
    container: InputContainer, stream: VideoStream, name: str
) -> Iterator[Frame]:
    orientation: tuple[int, bool] | None = None
    last_time_s = -math.inf
    rate = stream.average_rate or stream.base_rate
    period_s = 1.0 / float(rate) if rate else 0.0
    skipped = 0
    for index, av_frame in enumerate(_decoded(container, stream, name)):
        if orientation is None:
            orientation = _frame_orientation(av_frame)
        time_s = av_frame.time
        if time_s is None:  # no timestamp at all: fall back on the nominal rate
            time_s = index * period_s
        if time_s <= last_time_s:
            skipped += 1
            continue
        last_time_s = time_s
        image = _make_upright(
            np.asarray(av_frame.to_ndarray(format="rgb24"), dtype=np.uint8),
            orientation[0],
            mirrored=orientation[1],
        )
        yield Frame(index, float(time_s), image)
    if skipped:
        warnings.warn(
            f"{name}: {skipped} frames whose timestamps did not increase were skipped.",
            StridescopeWarning,
            stacklevel=3,
        )
