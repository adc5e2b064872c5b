"""Run a pose estimator over a video and build the runner's trial (behind extract_pose).

With ``num_poses=None`` the estimator first looks for 2 people during a short scout
(:data:`SCOUT_S`); when at most one person shows up it goes on with 1, since above 1
the person detector runs on every frame (about 35 % slower with MediaPipe).
"""

from __future__ import annotations

import json
import os
import queue
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from stridescope.errors import InputError, StridescopeWarning
from stridescope.model.schema import FRAME, KEYPOINT, SPACE_3D, TIME
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.model.trial import append_log, from_arrays, validate_trial
from stridescope.video.frames import Frame, VideoInfo, iter_frames, probe_video
from stridescope.video.tracking import (
    TrackScore,
    choose_track,
    link_tracks,
    score_tracks,
)

if TYPE_CHECKING:
    from stridescope.video.pose import PoseDetections, PoseEstimator

SCOUT_S: Final = 2.0  # with num_poses=None, look for several people this long
_SCOUT_POSES: Final = 2  # 3 found fewer people than 2 on the coach clip, and is slower
_CROWDED_SHARE: Final = 0.1  # share of scout frames with 2+ people that keeps 2
_MAX_LISTED_TRACKS: Final = 10
_READ_AHEAD: Final = 4  # frames decoded ahead in a background thread
#: Dimension of ``world_position``'s axes (``space`` holds the 2 image axes).
WORLD_SPACE: Final = "world_space"
_PRESENCE_ATTRS: Final = {
    "description": "MediaPipe landmark presence: likelihood that the point is in frame"
}
_WORLD_ATTRS: Final = {
    "unit": "m",
    "description": "MediaPipe world landmarks: metres, origin between the hips, "
    "x image-right, y down, z away from the camera",
}


_T = TypeVar("_T")


def _read_ahead(items: Iterator[_T], depth: int) -> Iterator[_T]:
    """Yield ``items``, produced up to ``depth`` ahead in a background thread.

    Decoding then overlaps pose estimation (both release the GIL); memory stays
    bounded by ``depth`` items. Errors in the thread are raised here.
    """
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(("item", item), timeout=0.05)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            else:
                slots.put(("end", None))
        except BaseException as error:  # re-raised by the consumer
            slots.put(("error", error))
        finally:
            getattr(items, "close", lambda: None)()

    worker = threading.Thread(target=produce, name="stridescope-decode", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get(timeout=0.05)
            except queue.Empty:
                continue
        worker.join()


@dataclass
class _Run:
    """What the estimator found in each decoded frame."""

    time_s: list[float]
    frame_index: list[int]
    detections: list[PoseDetections]
    num_poses: int
    num_poses_mode: str


def _several_people(detections: list[PoseDetections]) -> bool:
    crowded = sum(d.position_px.shape[0] > 1 for d in detections)
    return bool(crowded >= max(2, _CROWDED_SHARE * len(detections)))


def _detect(
    frames: Iterator[Frame],
    make_estimator: Callable[[int], PoseEstimator],
    num_poses: int | None,
    progress: Callable[[int, int | None], None] | None,
    total: int | None,
) -> _Run:
    """Run the estimator over all frames; with ``num_poses=None``, scout first."""
    run = _Run([], [], [], num_poses or _SCOUT_POSES, "fixed")
    scouting = num_poses is None
    estimator = make_estimator(run.num_poses)
    try:
        for frame in frames:
            run.detections.append(estimator.estimate(frame.image, frame.time_s))
            run.time_s.append(frame.time_s)
            run.frame_index.append(frame.index)
            if scouting and frame.time_s - run.time_s[0] >= SCOUT_S:
                scouting = False
                crowded = _several_people(run.detections)
                run.num_poses_mode = (
                    f"auto: {_SCOUT_POSES} in the first {SCOUT_S:g} s, then "
                    + ("kept (several people)" if crowded else "1 (one person)")
                )
                if not crowded:
                    estimator.close()
                    estimator = make_estimator(1)
                    run.num_poses = 1
            if progress is not None:
                progress(len(run.time_s), total)
    finally:
        estimator.close()
    if scouting:
        run.num_poses_mode = f"auto: {_SCOUT_POSES} (clip shorter than the scout)"
    return run


def _chosen_arrays(
    run: _Run, track_ids: list[NDArray[np.int64]], chosen: TrackScore | None, n: int
) -> dict[str, NDArray[np.float64]]:
    """Per-frame arrays of the chosen track (NaN where it was not seen)."""
    frames = len(run.time_s)
    out = {
        "position": np.full((frames, n, 2), np.nan),
        "visibility": np.full((frames, n), np.nan),
        "presence": np.full((frames, n), np.nan),
        "world": np.full((frames, n, 3), np.nan),
    }
    for f, (det, ids) in enumerate(zip(run.detections, track_ids, strict=True)):
        hit: NDArray[np.intp] = (
            np.flatnonzero(ids == chosen.track_id) if chosen else np.empty(0, np.intp)
        )
        if len(hit):
            out["position"][f] = det.position_px[hit[0]]
            out["visibility"][f] = det.visibility[hit[0]]
            out["presence"][f] = det.presence[hit[0]]
            out["world"][f] = det.world_position_m[hit[0]]
    return out


def _tracks_json(scores: list[TrackScore]) -> str:
    rows = [
        {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(s).items()}
        for s in scores[:_MAX_LISTED_TRACKS]
    ]
    return json.dumps(rows)


def _attrs(
    info: VideoInfo,
    run: _Run,
    scores: list[TrackScore],
    chosen: TrackScore | None,
    arrays: dict[str, NDArray[np.float64]],
    model_label: str,
) -> dict[str, Any]:
    found = np.isfinite(arrays["position"]).any(axis=(1, 2))
    duration = {} if info.duration_s is None else {"video_duration_s": info.duration_s}
    return {
        **duration,
        "video_fps": info.fps,
        "video_width_px": info.width_px,
        "video_height_px": info.height_px,
        "video_rotation_deg": info.rotation_deg,
        "video_mirrored": int(info.mirrored),
        "video_codec": info.codec,
        "video_frames_decoded": len(run.time_s),
        "pose_model": model_label,
        "pose_num_poses": run.num_poses,
        "pose_num_poses_mode": run.num_poses_mode,
        "frames_with_pose": int(found.sum()),
        "pose_person_rank": -1 if chosen is None else chosen.rank,
        "pose_tracks": _tracks_json(scores),
    }


def _build_trial(
    name: str, info: VideoInfo, run: _Run, person: int | None, model_label: str
) -> xr.Dataset:
    positions = [d.position_px for d in run.detections]
    times = np.asarray(run.time_s)
    track_ids = link_tracks(positions)
    scores = score_tracks(positions, track_ids, times)
    chosen = choose_track(scores, person)
    if chosen is None:
        warnings.warn(
            f"{name}: no person was found in any frame; the trial is all NaN.",
            StridescopeWarning,
            stacklevel=3,
        )
    arrays = _chosen_arrays(run, track_ids, chosen, len(BLAZEPOSE_33))
    ds = from_arrays(
        sampling_rate_hz=_sampling_rate_hz(info, times, name),
        position=arrays["position"].transpose(0, 2, 1),
        keypoint_names=BLAZEPOSE_33,
        keypoint_source_names=[k.upper() for k in BLAZEPOSE_33],
        confidence=arrays["visibility"],
        space_unit="px",
        coordinate_frame="image_y_down",
        time_s=times,
        source_format="video",
        source_file=name,
        attrs=_attrs(info, run, scores, chosen, arrays, model_label),
    )
    ds = ds.assign_coords({FRAME: (TIME, np.asarray(run.frame_index))})
    ds = ds.assign(
        presence=((TIME, KEYPOINT), arrays["presence"], _PRESENCE_ATTRS),
        world_position=(
            (TIME, WORLD_SPACE, KEYPOINT),
            arrays["world"].transpose(0, 2, 1),
            _WORLD_ATTRS,
        ),
    ).assign_coords({WORLD_SPACE: list(SPACE_3D)})
    ds = append_log(
        ds, "extract_pose", model=model_label, person=person, num_poses=run.num_poses
    )
    return validate_trial(ds)


def _sampling_rate_hz(info: VideoInfo, times: NDArray[np.float64], name: str) -> float:
    if info.fps > 0:
        return info.fps
    rate = 1.0 / float(np.median(np.diff(times)))
    warnings.warn(
        f"{name}: the container states no frame rate; using {rate:.3f} Hz, from "
        "the median frame interval.",
        StridescopeWarning,
        stacklevel=4,
    )
    return rate


def extract(
    path: str | os.PathLike[str],
    make_estimator: Callable[[int], PoseEstimator],
    *,
    model_label: str,
    person: int | None = None,
    num_poses: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> xr.Dataset:
    """Run ``make_estimator(num_poses)`` over a video and build the runner's trial."""
    if num_poses is not None and num_poses < 1:
        raise InputError(f"Expected 'num_poses' of at least 1, but got {num_poses}.")
    name = Path(path).name
    info = probe_video(path)
    if not info.has_video:
        raise InputError(f"{name}: expected a video stream, but the file has none.")
    total = info.frame_count
    if total is None and info.duration_s and info.fps:
        total = round(info.duration_s * info.fps)
    frames = _read_ahead(iter_frames(path), _READ_AHEAD)
    run = _detect(frames, make_estimator, num_poses, progress, total)
    if len(run.time_s) < 2:
        raise InputError(
            f"{name}: expected at least 2 video frames, but got {len(run.time_s)}."
        )
    return _build_trial(name, info, run, person, model_label)
