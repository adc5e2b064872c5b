"""Pose estimation on video: the :class:`PoseEstimator` protocol, the MediaPipe adapter
and :func:`extract_pose`, which turns a clip into a trial of the runner's keypoints.

MediaPipe (the ``video`` extra) is imported only when an estimator is created.

Privacy: the MediaPipe Tasks wheel (PyPI ``mediapipe`` 1.2.x) holds a usage-metrics
client that posts to ``https://play.googleapis.com/log`` through its built-in libcurl
when a task closes, and has no switch to turn it off. While a
:class:`MediaPipePoseEstimator` is open, stridescope therefore points libcurl's
``https_proxy`` (and ``HTTPS_PROXY``) at an unusable proxy scheme and empties
``no_proxy`` (and ``NO_PROXY``), so the upload fails before any DNS lookup or
connection; the variables are restored when the last estimator closes. They are
process-wide: other HTTPS clients in the same process that read them fail meanwhile.

Log noise: what MediaPipe writes to the native stderr while it loads, handles the
frames up to the first pose found (when it logs its one-time warnings) and closes is
captured (file descriptor 2 is redirected meanwhile) and passed to :mod:`logging` at
DEBUG level; the environment variables GLOG_minloglevel / TF_CPP_MIN_LOG_LEVEL /
GOOGLE_STDERRTHRESHOLD have no effect on this wheel.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeError
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.video import _extract

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "MODELS",
    "MediaPipePoseEstimator",
    "PoseDetections",
    "PoseEstimator",
    "extract_pose",
]

_log = logging.getLogger(__name__)

#: Model variants: ``lite`` and ``full`` ship with stridescope; ``heavy`` is built with
#: ``python scripts/build_pose_models.py --heavy``.
MODELS: Final = ("lite", "full", "heavy")
_BLOCKED_PROXY: Final = "stridescope-offline://metrics-upload-blocked"
_PROXY_ENV: Final = {
    "https_proxy": _BLOCKED_PROXY,
    "HTTPS_PROXY": _BLOCKED_PROXY,
    "no_proxy": "",
    "NO_PROXY": "",
}


@dataclass(frozen=True)
class PoseDetections:
    """The poses found in one frame, in no particular order.

    Parameters
    ----------
    position_px
        ``(n_poses, n_keypoints, 2)``: x right and y down, in pixels of the frame.
    visibility
        ``(n_poses, n_keypoints)`` in [0, 1]: likelihood that the point is visible.
    presence
        ``(n_poses, n_keypoints)`` in [0, 1]: likelihood that the point is in frame.
    world_position_m
        ``(n_poses, n_keypoints, 3)`` in metres, origin between the hips (the
        estimator's own 3D frame).
    """

    position_px: NDArray[np.float64]
    visibility: NDArray[np.float64]
    presence: NDArray[np.float64]
    world_position_m: NDArray[np.float64]

    @classmethod
    def empty(cls, n_keypoints: int) -> PoseDetections:
        """Return detections of no pose."""
        return cls(
            np.empty((0, n_keypoints, 2)),
            np.empty((0, n_keypoints)),
            np.empty((0, n_keypoints)),
            np.empty((0, n_keypoints, 3)),
        )


class PoseEstimator(Protocol):
    """Finds people's keypoints in the frames of one video, fed in time order."""

    @property
    def keypoint_names(self) -> tuple[str, ...]:
        """Vocabulary names of the keypoints, in the order of the arrays."""
        ...

    def estimate(self, image: NDArray[np.uint8], time_s: float) -> PoseDetections:
        """Return the poses in ``image`` (upright RGB) shown at ``time_s`` seconds."""
        ...

    def close(self) -> None:
        """Release the estimator's resources (it cannot be used afterwards)."""
        ...


class _EnvGuard:
    """Sets the proxy variables while at least one estimator is open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._saved: dict[str, str | None] = {}

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._saved = {name: os.environ.get(name) for name in _PROXY_ENV}
                os.environ.update(_PROXY_ENV)
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    for name, value in self._saved.items():
                        if value is None:
                            os.environ.pop(name, None)
                        else:
                            os.environ[name] = value


_METRICS_BLOCK = _EnvGuard()


@contextmanager
def _native_stderr_to_log() -> Iterator[None]:
    """Capture what native code writes to file descriptor 2; log it at DEBUG."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable stderr: nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            for line in sink.read().decode(errors="replace").splitlines():
                if line.strip():
                    _log.debug("mediapipe: %s", line)


def _model_resource(model: str) -> Any:
    if model not in MODELS:
        raise InputError(f"Expected a pose model in {MODELS}, but got {model!r}.")
    resource = importlib.resources.files("stridescope.video") / "models"
    resource = resource / f"pose_landmarker_{model}.task"
    if not resource.is_file():
        raise InputError(
            f"The {model!r} pose model is not installed (expected {resource}); "
            "build it with: python scripts/build_pose_models.py --heavy, or use "
            "model='full'."
        )
    return resource


def _landmarker_options(path: Path, num_poses: int) -> Any:
    try:
        with _native_stderr_to_log():
            from mediapipe.tasks.python import vision
            from mediapipe.tasks.python.core.base_options import BaseOptions
    except ImportError as e:
        raise StridescopeError(
            "Pose estimation needs MediaPipe, which is not installed; install the "
            "video extra with: pip install 'stridescope[video]'."
        ) from e
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=num_poses,
    )
    return vision.PoseLandmarker, options


def _as_array(landmarks: Any, fields: tuple[str, ...], n_keypoints: int) -> Any:
    values = [
        [
            [np.nan if getattr(p, f) is None else getattr(p, f) for f in fields]
            for p in pose
        ]
        for pose in landmarks
    ]
    return np.asarray(values, float).reshape(len(landmarks), n_keypoints, len(fields))


class MediaPipePoseEstimator:
    """MediaPipe Pose Landmarker (BlazePose, 33 keypoints) in VIDEO mode.

    Parameters
    ----------
    model
        ``"lite"``, ``"full"`` (default) or ``"heavy"`` (only once built with
        ``scripts/build_pose_models.py --heavy``).
    num_poses
        Most people to find per frame. Above 1 the person detector runs on every
        frame, which costs speed (measured about 35 % with one person in view).

    Raises
    ------
    InputError
        For an unknown or missing model, or ``num_poses`` below 1.
    StridescopeError
        If MediaPipe is not installed.

    Examples
    --------
    >>> with MediaPipePoseEstimator("full") as estimator:  # doctest: +SKIP
    ...     poses = estimator.estimate(image, 0.0)
    """

    keypoint_names: tuple[str, ...] = BLAZEPOSE_33

    def __init__(self, model: str = "full", *, num_poses: int = 1) -> None:
        if num_poses < 1:
            raise InputError(
                f"Expected 'num_poses' of at least 1, but got {num_poses}."
            )
        self.model = model
        self.num_poses = num_poses
        resource = _model_resource(model)
        self._last_ms = -1
        self._quiet = True  # until the first pose: MediaPipe logs on first use
        self._stack = ExitStack()
        with ExitStack() as stack:
            stack.enter_context(_METRICS_BLOCK.held())
            path = stack.enter_context(importlib.resources.as_file(resource))
            landmarker_cls, options = _landmarker_options(path, num_poses)
            with _native_stderr_to_log():
                self._landmarker: Any = landmarker_cls.create_from_options(options)
            self._stack = stack.pop_all()

    def __enter__(self) -> MediaPipePoseEstimator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the landmarker (safe to call twice)."""
        landmarker, self._landmarker = self._landmarker, None
        try:
            if landmarker is not None:
                with _native_stderr_to_log():
                    landmarker.close()
        finally:
            self._stack.close()

    def estimate(self, image: NDArray[np.uint8], time_s: float) -> PoseDetections:
        """Return the poses in ``image`` (upright RGB ``uint8``) at ``time_s`` seconds.

        Frames must come in increasing time order (VIDEO mode tracks between them).
        """
        if self._landmarker is None:
            raise StridescopeError("This pose estimator is closed; create a new one.")
        import mediapipe as mp

        stamp_ms = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = stamp_ms
        frame = mp.Image(
            image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)
        )
        with ExitStack() as stack:
            if self._quiet:
                stack.enter_context(_native_stderr_to_log())
            try:
                result = self._landmarker.detect_for_video(frame, stamp_ms)
            except (RuntimeError, ValueError) as e:
                raise StridescopeError(
                    f"MediaPipe failed on the frame at {time_s:.3f} s: {e}"
                ) from e
        self._quiet = self._quiet and not result.pose_landmarks
        return self._detections(result, image.shape[1], image.shape[0])

    def _detections(self, result: Any, width_px: int, height_px: int) -> PoseDetections:
        n = len(self.keypoint_names)
        image = _as_array(
            result.pose_landmarks, ("x", "y", "visibility", "presence"), n
        )
        world = _as_array(result.pose_world_landmarks, ("x", "y", "z"), n)
        if world.shape[0] != image.shape[0]:
            world = np.full((image.shape[0], n, 3), np.nan)
        return PoseDetections(
            position_px=image[..., :2] * np.array([width_px, height_px], float),
            visibility=np.clip(image[..., 2], 0.0, 1.0),
            presence=np.clip(image[..., 3], 0.0, 1.0),
            world_position_m=world,
        )


def extract_pose(
    path: str | os.PathLike[str],
    *,
    model: str = "full",
    person: int | None = None,
    num_poses: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> xr.Dataset:
    """Find the runner's keypoints in every frame of a video; return them as a trial.

    Parameters
    ----------
    path
        The video file.
    model
        MediaPipe BlazePose variant: ``"lite"``, ``"full"`` or ``"heavy"``.
    person
        Rank of the person to keep, as listed in the ``pose_tracks`` attribute
        (JSON); default ``None`` keeps rank 0, the most likely runner: the track
        that is most persistent, largest and whose legs swing cyclically.
    num_poses
        Most people per frame. Default ``None``: look for 2 during the first 2 s,
        then go on with 1 if only one person was seen there (faster).
    progress
        Called after each frame with (frames done, expected total or None); the
        total is estimated from the duration when the container gives no count.

    Returns
    -------
    xarray.Dataset
        A trial (``source_format="video"``): ``position(time, space, keypoint)`` in
        pixels, image y down; ``confidence`` is the landmark visibility;
        ``presence(time, keypoint)``; ``world_position(time, world_space, keypoint)``
        in metres (origin between the hips, x image-right, y down, z away from the
        camera). Time comes from the frames' timestamps. Frames where the runner
        was not found are NaN, not dropped. Attributes describe the video, the
        model, the frames with a pose and every track's score.

    Raises
    ------
    InputError
        If the file is not a decodable video, the model is unknown or not built,
        or ``person`` is not a track rank.
    StridescopeError
        If MediaPipe or PyAV is not installed.
    """
    _model_resource(model)  # fail early on an unknown or unbuilt model
    return _extract.extract(
        path,
        lambda n: MediaPipePoseEstimator(model, num_poses=n),
        model_label=f"mediapipe-blazepose-{model}",
        person=person,
        num_poses=num_poses,
        progress=progress,
    )
