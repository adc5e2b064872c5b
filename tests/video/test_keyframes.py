"""Keyframe extraction: the nearest frame per time, decoding no further than needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError
from stridescope.video import keyframes
from stridescope.video.frames import Frame
from stridescope.video.keyframes import extract_keyframes

av = pytest.importorskip("av")

FPS = 30
N_FRAMES = 45  # 1.5 s


def grey_level(index: int) -> int:
    return 10 + 5 * index


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1.5 s, 30 fps clip whose frame i is a flat grey of level 10 + 5 i."""
    path = tmp_path_factory.mktemp("keyframes") / "grey.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(N_FRAMES):
            image = np.full((48, 64, 3), grey_level(i), np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def test_nearest_frames_in_the_order_asked(clip: Path) -> None:
    asked = [1.0, 0.0, 0.51, 0.49, 1.0]
    stills = extract_keyframes(clip, asked)
    expected = [30, 0, 15, 15, 30]  # 0.51 s and 0.49 s are both nearest frame 15
    assert [t for t, _ in stills] == pytest.approx([i / FPS for i in expected])
    for (_, image), index in zip(stills, expected, strict=True):
        assert image.shape == (48, 64, 3)
        assert image.dtype == np.uint8
        assert abs(float(image.mean()) - grey_level(index)) < 3


def test_a_time_just_after_the_last_frame_gets_the_last_frame(clip: Path) -> None:
    ((time_s, _),) = extract_keyframes(clip, [(N_FRAMES - 1) / FPS + 0.02])
    assert time_s == pytest.approx((N_FRAMES - 1) / FPS)


def test_times_after_the_end_or_negative_are_refused(clip: Path) -> None:
    with pytest.raises(InputError, match=r"grey\.mp4: expected times within the video"):
        extract_keyframes(clip, [0.5, 9.0])
    with pytest.raises(InputError, match="non-negative times"):
        extract_keyframes(clip, [-0.1])
    assert extract_keyframes(clip, []) == []


def test_decoding_stops_after_the_last_time(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[int] = []
    closed: list[bool] = []

    def fake_frames(path: object) -> Iterator[Frame]:
        try:
            for i in range(1000):
                decoded.append(i)
                yield Frame(i, i / FPS, np.zeros((2, 2, 3), np.uint8))
        finally:
            closed.append(True)

    monkeypatch.setattr(keyframes, "iter_frames", fake_frames)
    stills = extract_keyframes("clip.mp4", [0.2, 0.1])
    assert [round(t * FPS) for t, _ in stills] == [6, 3]
    assert decoded[-1] == 6  # frame 6 is the match itself: nothing later is read
    assert closed == [True]
