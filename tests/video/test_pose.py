"""extract_pose: trial assembly (with a scripted estimator), the format registry,
privacy and log guards, and MediaPipe on subsets of the real clips."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from stridescope.errors import InputError, StridescopeError, StridescopeWarning
from stridescope.io import _registry
from stridescope.model.skeleton import BLAZEPOSE_33
from stridescope.model.trial import validate_trial
from stridescope.video import _extract, pose, register_video_format, sniff_video
from stridescope.video.pose import PoseDetections, extract_pose

av = pytest.importorskip("av")

KP = {name: i for i, name in enumerate(BLAZEPOSE_33)}


def write_clip(path: Path, n_frames: int = 10, fps: int = 30, size: int = 32) -> Path:
    """A tiny clip of noise frames."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for _ in range(n_frames):
            image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            container.mux(
                stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24"))
            )
        container.mux(stream.encode())
    return path


def person(hip_x: float, swing: float = 0.0) -> np.ndarray:
    """(33, 2) pixels of a side-on person, body size 30 px, hips at (hip_x, 10)."""
    pose_px = np.tile([hip_x, 10.0], (33, 1))
    pose_px[[KP["left_shoulder"], KP["right_shoulder"]], 1] = -2.0
    for side, sign in (("left", 1.0), ("right", -1.0)):
        pose_px[KP[f"{side}_knee"]] = [hip_x + sign * swing * 15, 19.0]
        pose_px[KP[f"{side}_ankle"]] = [hip_x + sign * swing * 30, 28.0]
    return pose_px


class ScriptedEstimator:
    """Returns the poses ``script(frame_number, time_s)`` gives; records its calls."""

    keypoint_names = BLAZEPOSE_33

    def __init__(self, script, log: list[str]) -> None:
        self.script, self.log, self.calls = script, log, 0

    def estimate(self, image: np.ndarray, time_s: float) -> PoseDetections:
        poses = self.script(self.calls, time_s)
        self.calls += 1
        n = len(poses)
        return PoseDetections(
            position_px=np.asarray(poses, float).reshape(n, 33, 2),
            visibility=np.full((n, 33), 0.9),
            presence=np.full((n, 33), 0.8),
            world_position_m=np.full((n, 33, 3), 0.1),
        )

    def close(self) -> None:
        self.log.append("close")


def run(path: Path, script, log: list[str] | None = None, **kwargs):
    log = [] if log is None else log

    def make(num_poses: int) -> ScriptedEstimator:
        log.append(f"open {num_poses}")
        return ScriptedEstimator(script, log)

    return _extract.extract(path, make, model_label="scripted", **kwargs)


def test_extract_builds_a_valid_trial_with_nan_rows(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4")
    ds = run(clip, lambda i, t: [] if i in (3, 7) else [person(16)])
    validate_trial(ds, require=("position",))
    assert ds["position"].dims == ("time", "space", "keypoint")
    assert ds["position"].shape == (10, 2, 33)
    assert ds["world_position"].dims == ("time", "world_space", "keypoint")
    assert list(ds["world_space"].values) == ["x", "y", "z"]
    assert ds["world_position"].attrs["unit"] == "m"
    missing = ~np.isfinite(ds["position"].values).any(axis=(1, 2))
    assert np.flatnonzero(missing).tolist() == [3, 7]
    assert np.isnan(ds["presence"].values[3]).all()
    assert float(ds["confidence"].values[0, 0]) == pytest.approx(0.9)
    assert float(ds["presence"].values[0, 0]) == pytest.approx(0.8)
    np.testing.assert_allclose(ds["time"].values, np.arange(10) / 30)
    assert ds["frame"].values.tolist() == list(range(10))
    attrs = ds.attrs
    assert (attrs["source_format"], attrs["space_unit"]) == ("video", "px")
    assert attrs["coordinate_frame"] == "image_y_down"
    assert (attrs["frames_with_pose"], attrs["video_frames_decoded"]) == (8, 10)
    assert (attrs["video_width_px"], attrs["video_fps"], attrs["source_file"]) == (
        32,
        30.0,
        "clip.mp4",
    )
    assert json.loads(attrs["pose_tracks"])[0]["n_frames"] == 8
    assert json.loads(attrs["log"])[-1]["operation"] == "extract_pose"


def test_the_trial_round_trips_through_the_native_format(tmp_path: Path) -> None:
    from stridescope.io import load, save

    ds = run(
        write_clip(tmp_path / "clip.mp4"), lambda i, t: [] if i == 2 else [person(9)]
    )
    save(ds, tmp_path / "trial.nc")
    back = load(tmp_path / "trial.nc")
    for name in ("position", "confidence", "presence", "world_position"):
        np.testing.assert_array_equal(back[name].values, ds[name].values)
    assert back.attrs["pose_tracks"] == ds.attrs["pose_tracks"]


def test_the_public_surface_is_curated() -> None:
    import stridescope.video

    assert set(stridescope.video.__all__) == {
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
    }
    assert all(hasattr(stridescope.video, name) for name in stridescope.video.__all__)


def test_progress_is_reported_and_the_estimator_closed(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4")
    seen: list[tuple[int, int | None]] = []
    log: list[str] = []
    run(
        clip,
        lambda i, t: [person(16)],
        log,
        num_poses=3,
        progress=lambda *a: seen.append(a),
    )
    assert seen == [(i, 10) for i in range(1, 11)]
    assert log == ["open 3", "close"]


def test_the_estimator_is_closed_on_error(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4")
    log: list[str] = []

    def fail(i: int, t: float) -> list[np.ndarray]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run(clip, fail, log)
    assert log == ["open 2", "close"]


def test_one_person_in_the_scout_continues_with_one_pose(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "long.mp4", n_frames=30, fps=10)
    log: list[str] = []
    ds = run(clip, lambda i, t: [person(16, np.sin(2 * np.pi * 1.4 * t))], log)
    assert log == ["open 2", "close", "open 1", "close"]
    assert ds.attrs["pose_num_poses"] == 1
    assert "then 1" in ds.attrs["pose_num_poses_mode"]


def test_several_people_in_the_scout_keep_two_poses(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "long.mp4", n_frames=30, fps=10)
    log: list[str] = []
    ds = run(clip, lambda i, t: [person(8), person(24)], log)
    assert log == ["open 2", "close"]
    assert ds.attrs["pose_num_poses"] == 2


def test_the_runner_is_chosen_and_person_overrides(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "two.mp4", n_frames=30, fps=10)

    def two(i: int, t: float) -> list[np.ndarray]:
        runner = person(8, 0.4 * np.sin(2 * np.pi * 1.4 * t))
        return [person(24), runner] if i % 2 else [runner, person(24)]

    ds = run(clip, two)
    hips = ds["position"].sel(space="x", keypoint="left_hip").values
    np.testing.assert_allclose(hips, 8.0)  # never the still person, never mixed
    assert ds.attrs["pose_person_rank"] == 0
    other = run(clip, two, person=1)
    np.testing.assert_allclose(
        other["position"].sel(space="x", keypoint="left_hip"), 24
    )
    with pytest.raises(InputError, match="track rank from 0 to 1, but got 2"):
        run(clip, two, person=2)


def test_no_person_at_all_warns_and_keeps_nan_frames(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "empty.mp4")
    with pytest.warns(StridescopeWarning, match="no person was found"):
        ds = run(clip, lambda i, t: [])
    assert ds.sizes["time"] == 10
    assert ds.attrs["frames_with_pose"] == 0
    assert np.isnan(ds["position"].values).all()


def test_bad_options_are_refused(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4")
    with pytest.raises(InputError, match="pose model in"):
        extract_pose(clip, model="huge")
    with pytest.raises(InputError, match="'num_poses' of at least 1, but got 0"):
        run(clip, lambda i, t: [], num_poses=0)
    heavy = Path(pose.__file__).parent / "models" / "pose_landmarker_heavy.task"
    if not heavy.exists():
        with pytest.raises(InputError, match=r"build_pose_models\.py --heavy"):
            extract_pose(clip, model="heavy")


def test_a_file_without_video_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")
    with pytest.raises(InputError, match=r"notes\.mp4: cannot be opened as a video"):
        run(path, lambda i, t: [])


def test_sniffing_recognises_video_containers() -> None:
    assert sniff_video(b"\0\0\0\x20ftypisom\0\0\x02\0")
    assert sniff_video(b"\0\0\0\x14ftypqt  ")
    assert sniff_video(b"RIFF\x10\0\0\0AVI LIST")
    assert sniff_video(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81")
    assert not sniff_video(b"\0\0\0\x18ftypheic")  # a still image
    assert not sniff_video(b"RIFF\x10\0\0\0WAVEfmt ")
    assert not sniff_video(b"\x89HDF\r\n\x1a\n")


def test_the_video_format_is_registered_and_dispatches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stridescope.video
    from stridescope.io import load

    monkeypatch.setattr(_registry, "_FORMATS", dict(_registry._FORMATS))
    register_video_format()
    spec = _registry.formats()["video"]
    assert set(spec.suffixes) >= {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"}
    clip = write_clip(tmp_path / "clip.mkv")
    assert _registry.detect_format(clip) == "video"
    monkeypatch.setattr(
        stridescope.video, "extract_pose", lambda path: f"read {path.name}"
    )
    assert load(clip) == "read clip.mkv"


def test_importing_registers_nothing_heavy() -> None:
    code = (
        "import sys, stridescope.io, stridescope.video as v; "
        "v.register_video_format(); "
        "print(sorted(m for m in ('av', 'mediapipe', 'cv2') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_metrics_upload_is_blocked_while_open_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    with pose._METRICS_BLOCK.held(), pose._METRICS_BLOCK.held():
        assert os.environ["https_proxy"].startswith("stridescope-offline://")
        assert os.environ["HTTPS_PROXY"].startswith("stridescope-offline://")
        assert os.environ["no_proxy"] == os.environ["NO_PROXY"] == ""
    assert os.environ["https_proxy"] == "http://proxy.example:3128"
    assert os.environ["no_proxy"] == "*"
    assert "HTTPS_PROXY" not in os.environ


def test_native_stderr_goes_to_the_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger="stridescope.video.pose"),
        pose._native_stderr_to_log(),
    ):
        os.write(2, b"I0000 noisy native line\n")
    assert "mediapipe: I0000 noisy native line" in caplog.text


# --- MediaPipe on the real clips ------------------------------------------------------


def remux(src: Path, dst: Path, start_s: float, stop_s: float) -> Path:
    """Copy the packets decoded between ``start_s`` (a keyframe) and ``stop_s``."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = inp.streams.video[0]
        target = out.add_stream_from_template(stream)
        inp.seek(int(start_s / stream.time_base), stream=stream)
        for packet in inp.demux(stream):
            if packet.dts is None:
                continue
            if packet.dts * stream.time_base >= stop_s:
                break
            packet.stream = target
            out.mux(packet)
    return dst


@pytest.fixture(scope="module")
def male_side_3s(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 3 s (90 frames) of the side-view treadmill clip."""
    src = shared_data / "treadmill-run-side-male/male_side.mp4"
    return remux(src, tmp_path_factory.mktemp("clips") / "male_side_3s.mp4", 0.0, 3.0)


@pytest.mark.shared_data
@pytest.mark.slow
def test_mediapipe_finds_the_runner_in_the_side_clip(male_side_3s: Path) -> None:
    pytest.importorskip("mediapipe")
    ds = extract_pose(male_side_3s)
    n = ds.sizes["time"]
    assert n >= 90
    np.testing.assert_allclose(ds["time"].values[:90], np.arange(90) / 30, atol=1e-6)
    assert ds.attrs["frames_with_pose"] >= 0.95 * n
    assert ds.attrs["pose_num_poses"] == 1  # one person: the scout drops to 1
    hips = ds["position"].sel(keypoint=["left_hip", "right_hip"]).mean("keypoint")
    assert float(hips.sel(space="x").median()) == pytest.approx(340, abs=60)
    assert float(hips.sel(space="y").median()) == pytest.approx(870, abs=80)
    world = ds["world_position"].sel(keypoint="left_hip").values
    assert np.nanmax(np.abs(world)) < 0.3  # metres from the hip centre
    assert 0 <= np.nanmin(ds["presence"].values) <= np.nanmax(ds["presence"]) <= 1


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_runner_is_picked_not_the_coach(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("mediapipe")
    src = shared_data / "treadmill-run-sideoblique-male-coach/run_test1.mp4"
    clip = remux(src, tmp_path / "coach.mp4", 5.37, 7.9)
    ds = extract_pose(clip)
    assert ds.attrs["pose_num_poses"] == 2
    hips = ds["position"].sel(keypoint=["left_hip", "right_hip"]).mean("keypoint")
    x, y = hips.sel(space="x").values, hips.sel(space="y").values
    found = np.isfinite(x)
    assert found.mean() >= 0.95
    on_treadmill = (x > 450) & (x < 880) & (y > 250) & (y < 520)
    assert on_treadmill[found].all()  # the coach stands at x ~ 980, y ~ 580
    ranks = json.loads(ds.attrs["pose_tracks"])
    assert ranks[0]["cyclic"] > ranks[1]["cyclic"]


def test_mediapipe_estimator_lifecycle() -> None:
    pytest.importorskip("mediapipe")
    with pose.MediaPipePoseEstimator("lite") as estimator:
        assert os.environ["https_proxy"].startswith("stridescope-offline://")
        found = estimator.estimate(np.zeros((64, 48, 3), np.uint8), 0.0)
        assert found.position_px.shape == (0, 33, 2)
    assert not os.environ.get("https_proxy", "").startswith("stridescope-offline://")
    with pytest.raises(StridescopeError, match="closed"):
        estimator.estimate(np.zeros((64, 48, 3), np.uint8), 0.1)
    estimator.close()  # twice is fine


def test_variable_frame_rate_times_reach_the_trial(tmp_path: Path) -> None:
    clip = tmp_path / "vfr.mkv"
    with av.open(str(clip), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for ms in (0, 40, 70, 130, 160):
            frame = av.VideoFrame.from_ndarray(
                np.zeros((32, 32, 3), np.uint8), format="rgb24"
            )
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    ds = run(clip, lambda i, t: [person(16)])
    np.testing.assert_allclose(ds["time"].values, [0, 0.04, 0.07, 0.13, 0.16])
