"""Video probing and frame iteration: sizes, rotation, timestamps, errors, memory."""

from __future__ import annotations

import tracemalloc
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError, StridescopeWarning
from stridescope.video.frames import (
    _make_upright,
    _orientation_from_matrix,
    iter_frames,
    probe_video,
)

av = pytest.importorskip("av")

QUADRANTS = ((255, 0, 0), (0, 255, 0), (0, 0, 255))  # top-left, top-right, bottom-left


def quadrant_image(height: int, width: int) -> np.ndarray:
    """Red top-left, green top-right, blue bottom-left, black bottom-right."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = QUADRANTS[0]
    image[: height // 2, width // 2 :] = QUADRANTS[1]
    image[height // 2 :, : width // 2] = QUADRANTS[2]
    return image


def write_clip(
    path: Path,
    *,
    n_frames: int = 10,
    size: tuple[int, int] = (48, 64),
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rotation: tuple[int, bool, bool] | None = None,
    pts_ms: list[int] | None = None,
    quadrants: bool = False,
) -> Path:
    """Write a small clip of random (or quadrant) frames at 30 fps."""
    height, width = size
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if rotation is not None:
            stream.set_display_rotation(
                rotation[0], hflip=rotation[1], vflip=rotation[2]
            )
        if pts_ms is not None:
            stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for i in range(n_frames if pts_ms is None else len(pts_ms)):
            image = (
                quadrant_image(height, width)
                if quadrants
                else rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            )
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def corners(image: np.ndarray) -> str:
    """Colour letters (R, G, B, K) of the four quadrants: TL, TR, BL, BR."""
    h, w = image.shape[:2]
    out = ""
    for y, x in ((h // 4, w // 4), (h // 4, 3 * w // 4), (3 * h // 4, w // 4)):
        pixel = image[y, x]
        out += "RGB"[int(np.argmax(pixel))] if pixel.max() > 128 else "K"
    pixel = image[3 * h // 4, 3 * w // 4]
    return out + ("RGB"[int(np.argmax(pixel))] if pixel.max() > 128 else "K")


def test_probe_reads_size_rate_count_codec(tmp_path: Path) -> None:
    info = probe_video(write_clip(tmp_path / "clip.mp4"))
    assert (info.width_px, info.height_px, info.rotation_deg) == (64, 48, 0)
    assert info.fps == 30.0
    assert info.frame_count == 10
    assert info.duration_s == pytest.approx(1 / 3, abs=0.01)
    assert (info.codec, info.has_video, info.mirrored) == ("h264", True, False)


def test_iter_frames_streams_rgb_frames_with_timestamps(tmp_path: Path) -> None:
    frames = list(iter_frames(write_clip(tmp_path / "clip.mp4")))
    assert [f.index for f in frames] == list(range(10))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(10) / 30)
    assert all(
        f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 for f in frames
    )


@pytest.mark.parametrize(
    ("codec", "pix_fmt", "suffix"),
    [
        ("libx264", "yuv444p", ".mp4"),
        ("ffv1", "yuv444p", ".mkv"),
        ("mjpeg", "yuvj444p", ".avi"),
    ],
)
def test_odd_frame_sizes_work(
    tmp_path: Path, codec: str, pix_fmt: str, suffix: str
) -> None:
    path = write_clip(
        tmp_path / f"odd{suffix}",
        n_frames=3,
        size=(17, 33),
        codec=codec,
        pix_fmt=pix_fmt,
    )
    frames = list(iter_frames(path))
    assert len(frames) == 3
    assert frames[0].image.shape == (17, 33, 3)
    assert frames[0].image.flags["C_CONTIGUOUS"]
    assert (probe_video(path).width_px, probe_video(path).height_px) == (33, 17)


def test_variable_frame_rate_keeps_real_timestamps(tmp_path: Path) -> None:
    pts_ms = [0, 33, 70, 100, 180, 200, 260, 300]
    frames = list(iter_frames(write_clip(tmp_path / "vfr.mkv", pts_ms=pts_ms)))
    np.testing.assert_allclose([f.time_s for f in frames], np.array(pts_ms) / 1000)


@pytest.mark.parametrize(
    ("rotation", "expected", "shape", "mirrored"),
    [
        ((90, False, False), "GKRB", (64, 48), False),  # counter-clockwise
        ((-90, False, False), "BRKG", (64, 48), False),  # clockwise (phone portrait)
        ((180, False, False), "KBGR", (48, 64), False),
        ((0, True, False), "GRKB", (48, 64), True),  # mirrored only
        ((90, True, False), "KGBR", (64, 48), True),
    ],
)
def test_frames_are_turned_upright_from_the_display_matrix(
    tmp_path: Path,
    rotation: tuple[int, bool, bool],
    expected: str,
    shape: tuple[int, int],
    mirrored: bool,
) -> None:
    path = write_clip(
        tmp_path / "rot.mp4", n_frames=2, rotation=rotation, quadrants=True
    )
    frame = next(iter_frames(path))
    assert corners(frame.image) == expected
    assert frame.image.shape[:2] == shape
    info = probe_video(path)
    assert (info.height_px, info.width_px) == shape
    assert info.mirrored is mirrored


def test_rotation_math_on_arrays() -> None:
    image = np.array([[1, 2], [3, 4]], np.uint8)
    assert _make_upright(image, 90).tolist() == [[2, 4], [1, 3]]
    assert _make_upright(image, -90).tolist() == [[3, 1], [4, 2]]
    assert _make_upright(image, 180).tolist() == [[4, 3], [2, 1]]
    assert _make_upright(image, 0, mirrored=True).tolist() == [[2, 1], [4, 3]]
    one = 65536
    assert _orientation_from_matrix(None) == (0, False)
    assert _orientation_from_matrix((0, one, 0, -one, 0, 0, 0, 0, 1 << 30)) == (
        -90,
        False,
    )
    assert _orientation_from_matrix((0, -one, 0, one, 0, 0, 0, 0, 1 << 30)) == (
        90,
        False,
    )
    assert _orientation_from_matrix((-one, 0, 0, 0, -one, 0, 0, 0, 1 << 30)) == (
        180,
        False,
    )
    assert _orientation_from_matrix((-one, 0, 0, 0, one, 0, 0, 0, 1 << 30)) == (0, True)
    assert _orientation_from_matrix((one, 0, 0, 0, -one, 0, 0, 0, 1 << 30)) == (
        180,
        True,
    )


def test_a_turn_that_is_not_a_quarter_is_warned_and_ignored() -> None:
    c, s = int(65536 * np.cos(np.pi / 6)), int(65536 * np.sin(np.pi / 6))
    with pytest.warns(StridescopeWarning, match="not a multiple of 90"):
        assert _orientation_from_matrix((c, -s, 0, s, c, 0, 0, 0, 1 << 30)) == (
            0,
            False,
        )


def test_memory_does_not_grow_with_the_clip(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "long.mp4", n_frames=120, size=(240, 320))
    frame_bytes = 240 * 320 * 3
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_frames(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 120
    assert peak < 8 * frame_bytes


def test_missing_and_empty_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.mp4: no such file"):
        probe_video(tmp_path / "nope.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.mp4: the file is empty \(0 bytes\)"):
        list(iter_frames(tmp_path / "empty.mp4"))


def test_a_text_file_named_mp4_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are notes, not a video\n" * 20)
    with pytest.raises(InputError, match=r"notes\.mp4: cannot be opened as a video"):
        probe_video(path)
    with pytest.raises(InputError, match=r"notes\.mp4: cannot be opened as a video"):
        list(iter_frames(path))


def test_an_audio_only_file_has_no_video(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=8000)
        for _ in range(4):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate = 8000
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    info = probe_video(path)
    assert (info.has_video, info.width_px, info.codec) == (False, 0, "")
    with pytest.raises(InputError, match=r"voice\.m4a: expected a video stream.*audio"):
        list(iter_frames(path))


def test_an_undecodable_stream_is_refused(tmp_path: Path) -> None:
    good = write_clip(tmp_path / "good.mkv")
    rng = np.random.default_rng(1)
    with av.open(str(good)) as src, av.open(str(tmp_path / "bad.mkv"), "w") as dst:
        out = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.size:
                junk = av.Packet(rng.integers(0, 256, packet.size, np.uint8).tobytes())
                junk.pts, junk.dts, junk.time_base = (
                    packet.pts,
                    packet.dts,
                    packet.time_base,
                )
                junk.stream = out
                dst.mux(junk)
    with pytest.raises(
        InputError, match=r"bad\.mkv: the video stream cannot be decoded"
    ):
        probe_video(tmp_path / "bad.mkv")
    with pytest.raises(
        InputError, match=r"bad\.mkv: the video stream cannot be decoded"
    ):
        list(iter_frames(tmp_path / "bad.mkv"))


SHARED_CLIPS = {
    "treadmill-run-side-male/male_side.mp4": (720, 1280, 30.0),
    "treadmill-run-sideoblique-male-coach/run_test1.mp4": (1280, 720, 30.0),
    "walk-rear-overground-pexels/pexels-walking-dynamic-5738706.mp4": (
        960,
        540,
        23.976,
    ),
    "run-oblique-pan-overground-female/run_test2.mp4": (406, 720, 29.828),
    "run-side-silhouette-male/test.mp4": (1280, 640, 23.976),
    "walk-side-indoor/demo4.mp4": (1280, 720, 30.0),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("clip", sorted(SHARED_CLIPS))
def test_shared_clips_probe_as_their_readmes_say(shared_data: Path, clip: str) -> None:
    info = probe_video(shared_data / clip)
    width, height, fps = SHARED_CLIPS[clip]
    assert (info.width_px, info.height_px, info.rotation_deg) == (width, height, 0)
    assert info.fps == pytest.approx(fps, abs=0.01)
    assert info.codec == "h264"


@pytest.mark.shared_data
def test_male_side_first_frames_are_portrait_at_30_fps(shared_data: Path) -> None:
    frames = iter_frames(shared_data / "treadmill-run-side-male/male_side.mp4")
    times = [next(frames).time_s for _ in range(90)]
    frames.close()
    np.testing.assert_allclose(times, np.arange(90) / 30, atol=1e-6)
