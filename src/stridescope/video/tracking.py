"""Link per-frame pose detections into tracks (one per person) and pick the runner.

A pose estimator returns the people it finds in each frame in no particular order.
:func:`link_tracks` gives each detection a track id: detections in consecutive frames
are matched by the Hungarian algorithm on the distance between hip centres divided by
body size (plus a penalty for a change of size), with a maximum jump; a detection
that matches no live track starts a new one, and a track that is not seen for
``max_gap_frames`` frames ends. A track therefore never holds two people in a frame.

:func:`score_tracks` ranks tracks by how likely they are to be the runner, the
product of three things, each kept in :class:`TrackScore` so that the choice can be
explained and overridden:

- **persistence**: the fraction of the clip's frames in which the track is seen;
- **size**: the median body size (shoulder-to-hip plus hip-to-ankle length, pixels)
  relative to the largest track;
- **motion**: whether the legs swing cyclically, from the offset of each ankle from
  the hip centre (divided by body size; horizontal and vertical, whichever moves
  more cyclically, so that side and rear views both work): the share of its power
  at stride frequencies (:data:`STRIDE_BAND_HZ`, per leg) and the anti-correlation
  of the two ankles (they alternate), each weighted by the swing amplitude. A
  bystander standing still scores near 0 here, however large and persistent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from stridescope.errors import InputError
from stridescope.model.skeleton import BLAZEPOSE_33

__all__ = [
    "STRIDE_BAND_HZ",
    "TrackScore",
    "choose_track",
    "link_tracks",
    "score_tracks",
]

#: Stride frequency band of one leg in Hz: walking (about 0.8-1.0 Hz) to sprinting.
STRIDE_BAND_HZ: Final = (0.7, 2.0)
_DRIFT_HZ: Final = 0.3  # slower changes (camera pan, drift) are not counted as motion
_MIN_SPAN_S: Final = 1.5  # shortest track whose leg motion is analysed
_FULL_SWING: Final = 0.1  # ankle-offset SD (body sizes) that counts as a full swing
_MOTION_FLOOR: Final = 0.2  # weight of a still track relative to a cycling one
_GATED: Final = 1e6
_SIZE_PENALTY: Final = 0.5
_MAX_SIZE_RATIO: Final = 1.6


@dataclass(frozen=True)
class TrackScore:
    """How one track scores as the runner (all components in [0, 1] but ``size_px``).

    Parameters
    ----------
    track_id
        The id :func:`link_tracks` gave the track.
    rank
        Position in the ranking, 0 for the most likely runner.
    n_frames
        Frames in which the track is seen.
    persistence
        ``n_frames`` divided by the clip's frame count.
    size_px
        Median body size in pixels (shoulder-to-hip plus hip-to-ankle length).
    size_rel
        ``size_px`` divided by the largest track's.
    cyclic
        Share of the ankle offsets' power in :data:`STRIDE_BAND_HZ`, times amplitude.
    alternation
        Anti-correlation of the left and right ankle offsets, times amplitude.
    score
        ``persistence * size_rel * (0.2 + 0.8 * (cyclic + alternation) / 2)``.
    """

    track_id: int
    rank: int
    n_frames: int
    persistence: float
    size_px: float
    size_rel: float
    cyclic: float
    alternation: float
    score: float


def _index(keypoints: Sequence[str], *names: str) -> list[int]:
    return [list(keypoints).index(name) for name in names]


def _centre_and_size(
    pose_px: NDArray[np.float64], keypoints: Sequence[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Hip centres ``(k, 2)`` and body sizes ``(k,)`` in pixels of ``k`` poses."""
    hips = pose_px[:, _index(keypoints, "left_hip", "right_hip")].mean(axis=1)
    shoulders = pose_px[:, _index(keypoints, "left_shoulder", "right_shoulder")]
    knees = pose_px[:, _index(keypoints, "left_knee", "right_knee")]
    ankles = pose_px[:, _index(keypoints, "left_ankle", "right_ankle")]
    hip_each = pose_px[:, _index(keypoints, "left_hip", "right_hip")]
    torso = np.linalg.norm(shoulders.mean(axis=1) - hips, axis=-1)
    leg = np.linalg.norm(knees - hip_each, axis=-1) + np.linalg.norm(
        ankles - knees, axis=-1
    )
    return hips, torso + leg.mean(axis=1)


def _link_cost(
    state: NDArray[np.float64],
    centres: NDArray[np.float64],
    sizes: NDArray[np.float64],
    allowed: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Cost of matching live tracks (rows of ``state``: x, y, size) to detections."""
    jump = np.linalg.norm(state[:, None, :2] - centres[None], axis=-1) / state[:, 2:]
    ratio = np.abs(np.log(sizes[None] / state[:, 2:]))
    cost = jump + _SIZE_PENALTY * ratio
    bad = (jump > allowed[:, None]) | (ratio > np.log(_MAX_SIZE_RATIO))
    return np.where(bad | ~np.isfinite(cost), _GATED, cost)


def link_tracks(
    positions: Sequence[NDArray[np.float64]],
    *,
    keypoints: Sequence[str] = BLAZEPOSE_33,
    max_jump: float = 0.6,
    max_gap_frames: int = 15,
) -> list[NDArray[np.int64]]:
    """Give every detection a track id, linking detections frame to frame.

    Parameters
    ----------
    positions
        One array per frame, ``(n_poses, n_keypoints, 2)`` in pixels.
    keypoints
        Keypoint names (must include shoulders, hips, knees and ankles).
    max_jump
        Largest hip-centre move between consecutive frames, in body sizes; it grows
        with the number of frames a track was unseen (up to 4 times).
    max_gap_frames
        Frames a track may go unseen before it ends.

    Returns
    -------
    list of numpy.ndarray
        Per frame, the track id of each detection (ids count up from 0).
    """
    from scipy.optimize import linear_sum_assignment

    state = np.empty((0, 3))  # x, y, size of each track when last seen
    last_seen = np.empty(0, dtype=np.int64)
    out: list[NDArray[np.int64]] = []
    for frame, pose_px in enumerate(positions):
        centres, sizes = _centre_and_size(np.asarray(pose_px, float), keypoints)
        ids = np.full(len(centres), -1, dtype=np.int64)
        gap = frame - last_seen
        live = np.flatnonzero(gap <= max_gap_frames)
        if live.size and len(centres):
            allowed = max_jump * np.minimum(gap[live], 4).astype(float)
            cost = _link_cost(state[live], centres, sizes, allowed)
            for row, col in zip(*linear_sum_assignment(cost), strict=True):
                if cost[row, col] < _GATED:
                    ids[col] = live[row]
        for col in np.flatnonzero(ids < 0):
            ids[col] = len(state)
            state = np.vstack([state, [np.nan, np.nan, np.nan]])
            last_seen = np.append(last_seen, frame)
        for col, track in enumerate(ids):
            if np.all(np.isfinite([*centres[col], sizes[col]])) and sizes[col] > 0:
                state[track] = [*centres[col], sizes[col]]
            last_seen[track] = frame
        out.append(ids)
    return out


def _band_share(signal: NDArray[np.float64], step_s: float) -> float:
    """Share of the detrended signal's power (above drift) in the stride band."""
    t = np.arange(signal.size)
    detrended = signal - np.polyval(np.polyfit(t, signal, 1), t)
    power = np.abs(np.fft.rfft(detrended * np.hanning(signal.size))) ** 2
    freqs = np.fft.rfftfreq(signal.size, step_s)
    total = power[freqs >= _DRIFT_HZ].sum()
    band = power[(freqs >= STRIDE_BAND_HZ[0]) & (freqs <= STRIDE_BAND_HZ[1])].sum()
    return float(band / total) if total > 0 else 0.0


def _leg_motion(
    time_s: NDArray[np.float64], offsets: NDArray[np.float64]
) -> tuple[float, float]:
    """Cyclic and alternation scores of ankle offsets ``(n, 2)`` (left, right)."""
    ok = np.all(np.isfinite(offsets), axis=1)
    t, x = time_s[ok], offsets[ok]
    if t.size < 8 or t[-1] - t[0] < _MIN_SPAN_S:
        return 0.0, 0.0
    step_s = float(np.median(np.diff(t)))
    grid = np.arange(t[0], t[-1], step_s)
    if grid.size < 8 or t.size < 0.5 * grid.size:
        return 0.0, 0.0
    sides = [np.interp(grid, t, x[:, i]) for i in (0, 1)]
    amplitude = [min(1.0, float(np.std(s)) / _FULL_SWING) for s in sides]
    cyclic = float(
        np.mean(
            [_band_share(s, step_s) * a for s, a in zip(sides, amplitude, strict=True)]
        )
    )
    corr = np.corrcoef(sides[0], sides[1])[0, 1] if min(amplitude) > 0 else 0.0
    alternation = max(0.0, -float(corr)) * float(np.mean(amplitude))
    if not np.isfinite(alternation):
        alternation = 0.0
    return cyclic, alternation


def _track_features(
    positions: Sequence[NDArray[np.float64]],
    track_ids: Sequence[NDArray[np.int64]],
    time_s: NDArray[np.float64],
    keypoints: Sequence[str],
) -> dict[int, tuple[int, float, float, float]]:
    """Per track id: (frames seen, median size in px, cyclic, alternation)."""
    rows: dict[int, list[tuple[float, ...]]] = {}
    ankles = _index(keypoints, "left_ankle", "right_ankle")
    for frame, (pose_px, ids) in enumerate(zip(positions, track_ids, strict=True)):
        if not len(ids):
            continue
        pose_px = np.asarray(pose_px, float)
        centres, sizes = _centre_and_size(pose_px, keypoints)
        for col, track in enumerate(ids):
            offset = (pose_px[col, ankles] - centres[col]) / sizes[col]  # (leg, x/y)
            rows.setdefault(int(track), []).append(
                (time_s[frame], sizes[col], *offset.T.ravel())
            )
    features = {}
    for track, values in rows.items():
        arr = np.asarray(values)
        horizontal = _leg_motion(arr[:, 0], arr[:, 2:4])
        vertical = _leg_motion(arr[:, 0], arr[:, 4:6])
        cyclic, alternation = np.maximum(horizontal, vertical).tolist()
        size = float(np.nanmedian(arr[:, 1])) if np.isfinite(arr[:, 1]).any() else 0.0
        features[track] = (len(values), size, cyclic, alternation)
    return features


def score_tracks(
    positions: Sequence[NDArray[np.float64]],
    track_ids: Sequence[NDArray[np.int64]],
    time_s: NDArray[np.float64],
    *,
    keypoints: Sequence[str] = BLAZEPOSE_33,
) -> list[TrackScore]:
    """Rank the tracks by how likely each is the runner (best first).

    Parameters
    ----------
    positions
        One array per frame, ``(n_poses, n_keypoints, 2)`` in pixels.
    track_ids
        Track id per detection, from :func:`link_tracks`.
    time_s
        Time of each frame in seconds.
    keypoints
        Keypoint names (must include shoulders, hips, knees and ankles).

    Returns
    -------
    list of TrackScore
        Sorted by decreasing score; ``rank`` is the position in this list.
    """
    features = _track_features(
        positions, track_ids, np.asarray(time_s, float), keypoints
    )
    largest = max((f[1] for f in features.values()), default=0.0)
    unranked = []
    for track, (n_frames, size, cyclic, alternation) in features.items():
        persistence = n_frames / max(len(positions), 1)
        size_rel = size / largest if largest > 0 else 0.0
        motion = (cyclic + alternation) / 2
        score = persistence * size_rel * (_MOTION_FLOOR + (1 - _MOTION_FLOOR) * motion)
        unranked.append(
            (score, track, n_frames, persistence, size, size_rel, cyclic, alternation)
        )
    unranked.sort(key=lambda row: (-row[0], row[1]))
    return [
        TrackScore(track, rank, n, p, s, r, c, a, score)
        for rank, (score, track, n, p, s, r, c, a) in enumerate(unranked)
    ]


def choose_track(
    scores: Sequence[TrackScore], person: int | None = None
) -> TrackScore | None:
    """Return the track of rank ``person`` (default: the best); None if there is none.

    Raises
    ------
    InputError
        If ``person`` is not the rank of a track.
    """
    if person is None:
        return scores[0] if scores else None
    if not scores:
        raise InputError(
            f"Expected a person of rank {person}, but no person was found in the video."
        )
    if not 0 <= person < len(scores):
        raise InputError(
            f"Expected 'person' to be a track rank from 0 to {len(scores) - 1}, but "
            f"got {person}; the trial's 'pose_tracks' attribute lists the ranks."
        )
    return scores[person]
