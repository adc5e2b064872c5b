"""Video input: frames and metadata (PyAV) and pose estimation (MediaPipe).

Both libraries come with the ``video`` extra (``pip install 'stridescope[video]'``)
and are imported only when a function here needs them, so importing this package
(and registering the ``video`` format) stays light.

Examples
--------
>>> from stridescope.video import extract_pose
>>> trial = extract_pose("run.mp4")  # doctest: +SKIP
>>> trial.attrs["frames_with_pose"]  # doctest: +SKIP
360
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from stridescope.video.frames import Frame, VideoInfo, iter_frames, probe_video
from stridescope.video.pose import (
    MODELS,
    MediaPipePoseEstimator,
    PoseDetections,
    PoseEstimator,
    extract_pose,
)
from stridescope.video.tracking import TrackScore

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "MODELS",
    "VIDEO_SUFFIXES",
    "Frame",
    "MediaPipePoseEstimator",
    "PoseDetections",
    "PoseEstimator",
    "TrackScore",
    "VideoInfo",
    "extract_pose",
    "iter_frames",
    "probe_video",
    "register_video_format",
    "sniff_video",
]

#: File suffixes of the ``video`` format.
VIDEO_SUFFIXES: Final = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
_EBML: Final = b"\x1a\x45\xdf\xa3"  # Matroska / WebM
_QUICKTIME_ATOMS: Final = (b"ftyp", b"moov", b"mdat", b"wide", b"free")
_IMAGE_BRANDS: Final = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis")


def sniff_video(head: bytes) -> bool:
    """Return True when ``head`` (the file's first bytes) starts a video container.

    Recognises ISO base media / QuickTime (an ``ftyp`` box, or a legacy ``moov``,
    ``mdat``, ``wide`` or ``free`` atom, at offset 4; HEIF/AVIF still images are
    excluded), AVI (``RIFF....AVI ``) and Matroska/WebM (EBML magic).

    Examples
    --------
    >>> sniff_video(b"\\0\\0\\0\\x20ftypisom")
    True
    >>> sniff_video(b"RIFF\\0\\0\\0\\0WAVEfmt ")
    False
    """
    if head[4:8] == b"ftyp":
        return head[8:12] not in _IMAGE_BRANDS
    if head[4:8] in _QUICKTIME_ATOMS:
        return True
    if head[:4] == b"RIFF":
        return head[8:12] == b"AVI "
    return head[:4] == _EBML


def _read_video(path: Path) -> xr.Dataset:
    return extract_pose(path)


def register_video_format() -> None:
    """Register the ``video`` format (reader: :func:`extract_pose` with defaults).

    Neither PyAV nor MediaPipe is imported here; the reader imports them when a
    video is loaded.
    """
    from stridescope.io._registry import FormatSpec, register

    register(FormatSpec("video", VIDEO_SUFFIXES, sniff_video, _read_video))
