"""Linking detections into tracks and picking the runner, on synthetic skeletons."""

from __future__ import annotations

import numpy as np
import pytest

from stridescope.errors import InputError
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.video.tracking import (
    TrackScore,
    choose_track,
    link_tracks,
    score_tracks,
)

FPS = 30.0
KP = {name: i for i, name in enumerate(BLAZEPOSE_33)}


def skeleton(hip_x: float, hip_y: float, size: float, swing: float = 0.0) -> np.ndarray:
    """BlazePose-shaped (33, 2) pixels of a side-on person; legs swing by ``swing``.

    ``size`` is the shoulder-to-hip plus hip-to-ankle length; ``swing`` (in body
    sizes) moves the left ankle forward and the right ankle back.
    """
    pose = np.tile([hip_x, hip_y], (33, 1)).astype(float)
    torso, thigh = 0.4 * size, 0.3 * size
    pose[[KP["left_shoulder"], KP["right_shoulder"]]] = [hip_x, hip_y - torso]
    pose[[KP["nose"]]] = [hip_x, hip_y - 1.3 * torso]
    for side, sign in (("left", 1.0), ("right", -1.0)):
        dx = sign * swing * size
        pose[KP[f"{side}_hip"]] = [hip_x, hip_y]
        pose[KP[f"{side}_knee"]] = [hip_x + dx / 2, hip_y + thigh]
        pose[KP[f"{side}_ankle"]] = [hip_x + dx, hip_y + 2 * thigh]
    return pose


def runner_and_bystander(n_frames: int, *, swap_order: bool = True) -> list[np.ndarray]:
    """A cycling runner (smaller, 1.4 Hz strides) and a larger person standing still."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(n_frames):
        swing = 0.3 * np.sin(2 * np.pi * 1.4 * i / FPS)
        runner = skeleton(600, 350, 300, swing) + rng.normal(0, 3, (33, 2))
        still = skeleton(980, 600, 420) + rng.normal(0, 3, (33, 2))
        poses = [runner, still]
        if swap_order and i % 3 == 0:
            poses.reverse()
        frames.append(np.stack(poses))
    return frames


def test_each_person_keeps_one_track() -> None:
    frames = runner_and_bystander(90)
    ids = link_tracks(frames)
    assert sorted({int(t) for frame_ids in ids for t in frame_ids}) == [0, 1]
    runner_ids = {
        int(frame_ids[np.argmin(pose[:, KP["left_hip"], 0])])
        for pose, frame_ids in zip(frames, ids, strict=True)
    }
    assert len(runner_ids) == 1


def test_the_cycling_person_is_the_runner_not_the_larger_still_one() -> None:
    frames = runner_and_bystander(90)
    ids = link_tracks(frames)
    scores = score_tracks(frames, ids, np.arange(90) / FPS)
    best = choose_track(scores)
    assert best is not None
    runner_track = int(ids[1][np.argmin(frames[1][:, KP["left_hip"], 0])])
    assert best.track_id == runner_track
    assert best.rank == 0
    still = scores[1]
    assert still.size_rel == pytest.approx(1.0)  # the bystander is larger...
    assert still.persistence == pytest.approx(1.0)  # ...and always there...
    assert best.cyclic > 0.5 > still.cyclic  # ...but does not move cyclically
    assert best.alternation > 0.5 > still.alternation
    assert best.score > 2 * still.score


def test_crossing_paths_keep_identities() -> None:
    n = 60
    frames, truth = [], []
    for i in range(n):
        a = skeleton(200 + 10 * i, 400, 300)  # walks right
        b = skeleton(800 - 10 * i, 420, 360)  # walks left, a bit larger
        order = [0, 1] if i % 2 else [1, 0]
        frames.append(np.stack([(a, b)[k] for k in order]))
        truth.append(order)
    ids = link_tracks(frames)
    id_of_a = {
        int(frame_ids[order.index(0)])
        for frame_ids, order in zip(ids, truth, strict=True)
    }
    id_of_b = {
        int(frame_ids[order.index(1)])
        for frame_ids, order in zip(ids, truth, strict=True)
    }
    assert len(id_of_a) == len(id_of_b) == 1
    assert id_of_a != id_of_b


def test_short_gaps_are_bridged_and_long_ones_end_the_track() -> None:
    pose = skeleton(500, 400, 300)[None]
    empty = np.empty((0, 33, 2))
    frames = [pose] * 5 + [empty] * 10 + [pose] * 5 + [empty] * 20 + [pose] * 5
    ids = link_tracks(frames, max_gap_frames=15)
    seen = [int(frame_ids[0]) for frame_ids in ids if len(frame_ids)]
    assert seen == [0] * 10 + [1] * 5


def test_a_jump_beyond_the_limit_starts_a_new_track() -> None:
    frames = [skeleton(100, 400, 300)[None]] * 3 + [skeleton(900, 400, 300)[None]] * 3
    ids = link_tracks(frames, max_jump=0.6)
    assert [int(i[0]) for i in ids] == [0, 0, 0, 1, 1, 1]


def test_missing_detections_lower_persistence() -> None:
    frames = [
        skeleton(500, 400, 300, 0.3 * np.sin(2 * np.pi * 1.4 * i / FPS))[None]
        if i % 2
        else np.empty((0, 33, 2))
        for i in range(90)
    ]
    ids = link_tracks(frames)
    (score,) = score_tracks(frames, ids, np.arange(90) / FPS)
    assert score.persistence == pytest.approx(0.5)
    assert score.n_frames == 45


def test_person_override_and_its_errors() -> None:
    scores = [
        TrackScore(7, 0, 10, 1, 300, 1, 1, 1, 1),
        TrackScore(3, 1, 10, 1, 200, 1, 0, 0, 0.2),
    ]
    assert choose_track(scores, 1).track_id == 3
    assert choose_track([]) is None
    with pytest.raises(InputError, match="track rank from 0 to 1, but got 2"):
        choose_track(scores, 2)
    with pytest.raises(InputError, match="no person was found"):
        choose_track([], 0)


def test_no_detections_give_no_tracks() -> None:
    frames = [np.empty((0, 33, 2))] * 5
    ids = link_tracks(frames)
    assert all(len(i) == 0 for i in ids)
    assert score_tracks(frames, ids, np.arange(5) / FPS) == []
