"""Still frames of a video at chosen times (for the report's keyframe pictures).

:func:`extract_keyframes` streams the clip once with
:func:`stridescope.video.frames.iter_frames` (upright RGB, real timestamps), keeps
only the frames nearest the times asked for, and stops decoding after the last of
them, so a few stills from the start of a long clip cost only that start. Memory
holds one frame per time asked for plus the previous frame.

PyAV (the ``video`` extra) is imported by :mod:`~stridescope.video.frames` only when
a file is read.

Examples
--------
>>> from stridescope.video.keyframes import extract_keyframes
>>> stills = extract_keyframes("run.mp4", [1.50, 1.62])  # doctest: +SKIP
>>> [round(t, 3) for t, _ in stills]  # doctest: +SKIP
[1.5, 1.633]
"""

from __future__ import annotations

import math
import os
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.video.frames import Frame, iter_frames

__all__ = ["extract_keyframes"]

Image = NDArray[np.uint8]


def _check_times(times_s: Sequence[float], name: str) -> list[float]:
    times = [float(t) for t in times_s]
    bad = [t for t in times if not math.isfinite(t) or t < 0]
    if bad:
        raise InputError(
            f"{name}: expected finite, non-negative times in seconds, but got {bad}."
        )
    return times


def _nearest_frames(
    frames: Iterator[Frame], targets: list[float]
) -> tuple[dict[float, Frame], Frame | None, float]:
    """Match each target time (ascending) to its nearest frame, reading no further.

    Returns the matches, the last frame read and the last frame period seen (s).
    """
    found: dict[float, Frame] = {}
    previous: Frame | None = None
    period_s = 0.0
    pending = iter(targets)
    target = next(pending, None)
    for frame in frames:
        while target is not None and frame.time_s >= target:
            found[target] = frame
            if (
                previous is not None
                and target - previous.time_s <= frame.time_s - target
            ):
                found[target] = previous
            target = next(pending, None)
        if target is None:
            return found, frame, period_s
        if previous is not None:
            period_s = frame.time_s - previous.time_s
        previous = frame
    return found, previous, period_s


def extract_keyframes(
    video_path: str | os.PathLike[str], times_s: Sequence[float]
) -> list[tuple[float, Image]]:
    """Return the frame nearest each time, as ``(frame time in s, RGB image)``.

    The clip is decoded once, from its start up to the frame after the latest time
    asked for; nothing later is decoded. Times are on the video's own clock (the
    presentation timestamps :func:`~stridescope.video.frames.iter_frames` gives,
    which is also the time axis of trials made from the video). A time past the
    last frame by up to one frame period gets the last frame.

    Parameters
    ----------
    video_path
        The video file.
    times_s
        The wanted times in seconds, in any order (repeats allowed).

    Returns
    -------
    list of (float, numpy.ndarray)
        In the order of ``times_s``: the chosen frame's own time (s) and its upright
        RGB pixels, ``uint8`` of shape ``(height_px, width_px, 3)``.

    Raises
    ------
    InputError
        For a negative or non-finite time, a time after the end of the video, or a
        file that cannot be read as video (the message names the file).
    """
    name = Path(video_path).name
    times = _check_times(times_s, name)
    if not times:
        return []
    targets = sorted(set(times))
    frames = iter_frames(video_path)
    try:
        found, last, period_s = _nearest_frames(frames, targets)
    finally:
        if isinstance(frames, Generator):
            frames.close()  # stop decoding and close the file now
    late = [t for t in targets if t not in found]
    if late and last is not None and all(t - last.time_s <= period_s for t in late):
        found.update(dict.fromkeys(late, last))
    elif late:
        end = "no frame" if last is None else f"the last frame at {last.time_s:.3f} s"
        raise InputError(
            f"{name}: expected times within the video, but {late} s lie after {end}; "
            "pass times from the trial made from this video."
        )
    return [(found[t].time_s, found[t].image) for t in times]
