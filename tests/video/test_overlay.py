"""Overlay video: the skeleton, angles and gait events drawn on a copy of a clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from stridescope.errors import InputError
from stridescope.model.trial import Event, from_arrays
from stridescope.video import overlay as overlay_module
from stridescope.video.frames import iter_frames, probe_video
from stridescope.video.overlay import write_overlay

av = pytest.importorskip("av")
pytest.importorskip("cv2")

FPS = 30
N_FRAMES = 20
WIDTH, HEIGHT = 320, 240
GREY = 128
#: A runner standing still: both legs vertical, left at x = 120, right at x = 200.
KEYPOINTS = {
    "left_hip": (120, 110),
    "left_knee": (120, 160),
    "left_ankle": (120, 210),
    "right_hip": (200, 110),
    "right_knee": (200, 160),
    "right_ankle": (200, 210),
}
LEFT_THIGH = [(120, y) for y in range(120, 151, 5)]  # pixels along the left thigh
RIGHT_THIGH = [(200, y) for y in range(120, 151, 5)]
BACKGROUND = [(300, 100), (280, 225), (30, 200)]  # far from anything drawn


def make_clip(path: Path, n_frames: int = N_FRAMES) -> Path:
    """A flat grey ``WIDTH`` x ``HEIGHT`` clip at ``FPS`` frames per second."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        image = np.full((HEIGHT, WIDTH, 3), GREY, np.uint8)
        for _ in range(n_frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def make_trial(n_frames: int = N_FRAMES, *, space_unit: str = "px") -> xr.Dataset:
    """The still runner of ``KEYPOINTS`` in every frame, on the clip's clock."""
    xy = np.array(list(KEYPOINTS.values()), float).T  # (space, keypoint)
    return from_arrays(
        sampling_rate_hz=FPS,
        position=np.repeat(xy[None], n_frames, axis=0),
        keypoint_names=list(KEYPOINTS),
        space_unit=space_unit,
        coordinate_frame="image_y_down",
        time_s=np.arange(n_frames) / FPS,
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20-frame, 30 fps, 320 x 240 clip of flat grey (level 128)."""
    return make_clip(tmp_path_factory.mktemp("overlay") / "grey.mp4")


@pytest.fixture(scope="module")
def overlay(clip: Path) -> Path:
    """``clip`` with the still runner drawn on it (no angles, no events)."""
    return write_overlay(clip, make_trial(), out_path=clip.with_name("plain.mp4"))


def decode(path: Path) -> list[np.ndarray]:
    return [frame.image for frame in iter_frames(path)]


def level(image: np.ndarray, points: list[tuple[int, int]]) -> np.ndarray:
    """Mean RGB of ``image`` over (x, y) ``points``."""
    return np.mean([image[y, x].astype(float) for x, y in points], axis=0)


def test_the_public_surface_is_write_overlay() -> None:
    assert overlay_module.__all__ == ["write_overlay"]


def test_the_copy_keeps_frame_count_rate_and_timestamps(
    clip: Path, overlay: Path
) -> None:
    info = probe_video(overlay)
    expected_codec = "h264" if "libx264" in av.codecs_available else "mpeg4"
    assert (info.codec, info.fps, info.frame_count) == (expected_codec, FPS, N_FRAMES)
    assert (info.width_px, info.height_px) == (WIDTH, HEIGHT)
    times = [frame.time_s for frame in iter_frames(overlay)]
    assert times == pytest.approx([frame.time_s for frame in iter_frames(clip)])


def test_bones_are_drawn_in_the_side_colours(clip: Path, overlay: Path) -> None:
    before, after = decode(clip)[10], decode(overlay)[10]
    assert np.abs(level(after, LEFT_THIGH) - level(before, LEFT_THIGH)).max() > 60
    red, _, blue = level(after, LEFT_THIGH)
    assert blue > red + 60  # left: blue
    red, _, blue = level(after, RIGHT_THIGH)
    assert red > blue + 60  # right: vermillion
    assert level(after, BACKGROUND) == pytest.approx([GREY] * 3, abs=4)


def test_angles_are_listed_in_a_panel(clip: Path, tmp_path: Path) -> None:
    angles = xr.DataArray(
        np.tile([45.0, 30.0, 5.0], (N_FRAMES, 1)),
        dims=("time", "joint"),
        coords={
            "time": np.arange(N_FRAMES) / FPS,
            "joint": ["left_knee_flexion", "right_knee_flexion", "trunk_forward_lean"],
        },
    )
    out = write_overlay(clip, make_trial(), angles=angles, out_path=tmp_path / "a.mp4")
    corner = (slice(0, 80), slice(0, 120))
    without = decode(clip.with_name("plain.mp4"))[5][corner]
    darkened = decode(out)[5][corner]
    assert (darkened < 60).mean() > (without < 60).mean() + 0.1  # a taller box


def test_gait_events_flash_for_a_few_frames(clip: Path, tmp_path: Path) -> None:
    strike = Event(time_s=10 / FPS, side="left", kind="foot_strike", source="file")
    out = write_overlay(
        clip, make_trial(), events=[strike], out_path=tmp_path / "e.mp4"
    )
    frames = decode(out)

    def blue_pixels(image: np.ndarray) -> int:
        rgb = image.astype(int)
        return int(np.sum(rgb[..., 2] > rgb[..., 0] + 60))

    before, during, after = (blue_pixels(frames[i]) for i in (5, 12, 19))
    assert during > before + 1000  # a blue box names the left foot strike
    assert after == pytest.approx(before, rel=0.05)  # gone after 0.3 s


def test_frames_without_a_trial_sample_are_copied_undrawn(
    clip: Path, tmp_path: Path
) -> None:
    out = write_overlay(clip, make_trial(8), out_path=tmp_path / "half.mp4")
    frames = decode(out)
    assert len(frames) == N_FRAMES
    assert level(frames[7], LEFT_THIGH)[2] > GREY + 30
    assert level(frames[9], LEFT_THIGH) == pytest.approx([GREY] * 3, abs=4)


def test_progress_is_reported_after_every_frame(clip: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    write_overlay(
        clip,
        make_trial(),
        out_path=tmp_path / "p.mp4",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(i, N_FRAMES) for i in range(1, N_FRAMES + 1)]


def test_mpeg4_is_used_when_pyav_lacks_libx264(
    clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(av, "codecs_available", av.codecs_available - {"libx264"})
    out = write_overlay(clip, make_trial(), out_path=tmp_path / "m.mp4")
    info = probe_video(out)
    assert (info.codec, info.fps, info.frame_count) == ("mpeg4", FPS, N_FRAMES)


def test_odd_sized_frames_are_padded_to_even(tmp_path: Path) -> None:
    odd = tmp_path / "odd.mkv"
    with av.open(str(odd), "w") as container:
        stream = container.add_stream("ffv1", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 101, 75, "rgb32"
        for _ in range(3):
            image = np.full((75, 101, 3), GREY, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    out = write_overlay(odd, make_trial(3), out_path=tmp_path / "odd.mp4")
    info = probe_video(out)
    assert (info.width_px, info.height_px, info.frame_count) == (102, 76, 3)


def test_an_unreadable_video_is_refused_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    with pytest.raises(InputError, match=r"notes\.mp4: cannot be opened as a video"):
        write_overlay(bad, make_trial(), out_path=tmp_path / "o.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mp4"]


def test_a_trial_from_another_time_is_refused(clip: Path, tmp_path: Path) -> None:
    trial = make_trial()
    later = trial.assign_coords(time=trial["time"] + 100.0)
    with pytest.raises(InputError, match=r"grey\.mp4: expected a trial whose time"):
        write_overlay(clip, later, out_path=tmp_path / "o.mp4")
    assert list(tmp_path.iterdir()) == []


def test_a_trial_in_metres_or_bad_angles_are_refused(
    clip: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"grey\.mp4: .*space_unit='m'"):
        write_overlay(clip, make_trial(space_unit="m"), out_path=tmp_path / "o.mp4")
    flat = xr.DataArray(np.zeros(N_FRAMES), dims=("time",))
    with pytest.raises(InputError, match=r"angles with dimensions \('time',\)"):
        write_overlay(clip, make_trial(), angles=flat, out_path=tmp_path / "o.mp4")


def test_an_existing_file_is_replaced_only_when_asked(
    clip: Path, tmp_path: Path
) -> None:
    target = tmp_path / "o.mp4"
    target.write_bytes(b"old")
    with pytest.raises(InputError, match="already exists; pass overwrite=True"):
        write_overlay(clip, make_trial(), out_path=target)
    write_overlay(clip, make_trial(), out_path=target, overwrite=True)
    assert probe_video(target).frame_count == N_FRAMES
    with pytest.raises(InputError, match="does not exist"):
        write_overlay(clip, make_trial(), out_path=tmp_path / "missing" / "o.mp4")


def test_nothing_is_left_behind_when_writing_fails(clip: Path, tmp_path: Path) -> None:
    def stop(done: int, total: int | None) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_overlay(clip, make_trial(), out_path=tmp_path / "o.mp4", progress=stop)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_skeleton_follows_the_real_runner(
    shared_data: Path, tmp_path: Path
) -> None:
    """First second of the treadmill clip, pose from MediaPipe; one frame as PNG."""
    pytest.importorskip("mediapipe")
    from matplotlib.image import imsave

    from stridescope.video import extract_pose

    source = shared_data / "treadmill-run-side-male" / "male_side.mp4"
    first_second = tmp_path / "first_second.mp4"
    with av.open(str(first_second), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 720, 1280, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for frame, _ in zip(iter_frames(source), range(FPS), strict=False):
            av_frame = av.VideoFrame.from_ndarray(frame.image, format="rgb24")
            container.mux(stream.encode(av_frame))
        container.mux(stream.encode())
    trial = extract_pose(first_second, num_poses=1)
    out = write_overlay(first_second, trial, out_path=tmp_path / "overlay.mp4")
    assert probe_video(out).frame_count == FPS
    before, after = decode(first_second)[15], decode(out)[15]
    imsave(tmp_path / "overlay_frame15.png", after)  # for a look by eye
    knee = trial["position"].isel(time=15).sel(keypoint="left_knee").values
    x, y = (round(float(v)) for v in knee)
    changed = np.abs(
        after[y - 3 : y + 4, x - 3 : x + 4].astype(int)
        - before[y - 3 : y + 4, x - 3 : x + 4]
    )
    assert changed.mean() > 30  # the left knee's dot is drawn where the pose puts it
