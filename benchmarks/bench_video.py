"""Benchmark: pose extraction and analysis speed on video, and memory on a long clip.

On the side-view treadmill clip (``male_side.mp4``: 720x1280, 30 fps, 360 frames) it
prints, per round and as the median over rounds, the frames per second of

- ``bare``: decoding with :func:`~stridescope.video.iter_frames` and calling
  MediaPipe's ``PoseLandmarker.detect_for_video`` (VIDEO mode, 1 pose), nothing else;
  ``infer`` is the same loop counting only the time inside ``detect_for_video``;
- ``extract_pose``: :func:`~stridescope.video.extract_pose` with its defaults (2 poses
  scouted for 2 s, then 1), and with ``num_poses=1`` (``extract n=1``);
- ``analyze``: :func:`stridescope.pipeline.analyze` on the clip (pose extraction,
  cleaning, view, angles, events, strides and metrics), what ``stridescope analyze``
  does before writing the report;

and the ratio ``extract_pose / bare`` (our overhead over the bare loop). The passes of
a round run one after another, so every round compares them under the same load.

``--long`` also writes a 5-minute 1080x1920 (portrait) 30 fps clip, by upscaling the
clip once with PyAV and repeating its packets (cached in the temp folder), runs
``extract_pose`` on it in a child process and prints the child's peak RSS.

Targets (issue): ratio at least 0.85, ``analyze`` at least 25 fps on the project's
2-core machine, peak RSS under 1 GB for the 5-minute 1080p clip.

Run from the repository root: ``.venv/bin/python benchmarks/bench_video.py
[--rounds N] [--long] [--model lite|full]``.
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_CLIP = (
    ROOT.parent / "shared" / "data" / "treadmill-run-side-male" / "male_side.mp4"
)
BUNDLED_CLIP = ROOT / "src" / "stridescope" / "data" / "male_side.mp4"
LONG_SIZE_PX = (1080, 1920)  # width, height: the clip is portrait
LONG_DURATION_S = 300.0
LONG_RATE_HZ = 30
TARGET_RATIO = 0.85
TARGET_ANALYZE_FPS = 25.0
TARGET_PEAK_RSS_MIB = 1024.0
CACHE = Path(tempfile.gettempdir()) / "stridescope-bench"
PASSES = ("bare", "infer", "extract_pose", "extract n=1", "analyze")

_CHILD = """
import resource, sys, time
from stridescope.video import extract_pose
start = time.perf_counter()
trial = extract_pose(sys.argv[1], model=sys.argv[2])
wall_s = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(trial.sizes["time"], trial.attrs["frames_with_pose"], f"{wall_s:.1f}", peak_kib)
"""


def _clip() -> Path:
    return SHARED_CLIP if SHARED_CLIP.is_file() else BUNDLED_CLIP


def _model_path(model: str) -> Path:
    resource_ = importlib.resources.files("stridescope.video") / "models"
    return Path(str(resource_ / f"pose_landmarker_{model}.task"))


def _bare_loop(clip: Path, model: str) -> tuple[int, float, float]:
    """Decode with iter_frames, infer with the raw landmarker: (frames, wall, infer).

    The metrics-upload block and the native-stderr capture are the project's, so the
    loop neither reaches the network nor floods the terminal; neither costs time per
    frame.
    """
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    from stridescope.video import iter_frames
    from stridescope.video.pose import _METRICS_BLOCK, _native_stderr_to_log

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(_model_path(model))),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    frames, infer_s = 0, 0.0
    start = time.perf_counter()
    with _METRICS_BLOCK.held(), _native_stderr_to_log():
        landmarker = vision.PoseLandmarker.create_from_options(options)
        try:
            for frame in iter_frames(clip):
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.image)
                tic = time.perf_counter()
                landmarker.detect_for_video(image, round(frame.time_s * 1000.0))
                infer_s += time.perf_counter() - tic
                frames += 1
        finally:
            landmarker.close()
    return frames, time.perf_counter() - start, infer_s


def _timed(work: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    frames = work()
    return frames, time.perf_counter() - start


def _round(clip: Path, model: str) -> dict[str, float]:
    """One round of every pass; frames per second by pass name."""
    from stridescope.pipeline import AnalysisOptions, analyze
    from stridescope.video import extract_pose

    def extract(num_poses: int | None) -> int:
        return int(extract_pose(clip, model=model, num_poses=num_poses).sizes["time"])

    options = AnalysisOptions(pose_model=model)  # type: ignore[arg-type]

    def analysis() -> int:
        return analyze([clip], options=options).inputs[0].n_frames

    frames, wall_s, infer_s = _bare_loop(clip, model)
    fps = {"bare": frames / wall_s, "infer": frames / infer_s}
    for name, work in (
        ("extract_pose", lambda: extract(None)),
        ("extract n=1", lambda: extract(1)),
        ("analyze", analysis),
    ):
        done, seconds = _timed(work)
        if done != frames:
            sys.exit(f"{name} gave {done} frames, the bare loop {frames}")
        fps[name] = done / seconds
    fps["ratio"] = fps["extract_pose"] / fps["bare"]
    return fps


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _machine() -> str:
    models = [
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    ]
    cpu = models[0] if models else "unknown CPU"
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}"


def _print_row(label: str, fps: dict[str, float]) -> None:
    cells = " ".join(f"{fps[name]:>12.1f}" for name in PASSES)
    print(f"{label:<8} {cells} {fps['ratio']:>7.3f}", flush=True)


def run_speed(clip: Path, model: str, rounds: int) -> None:
    """Interleaved rounds of every pass, then the medians, against the targets."""
    from stridescope.video import probe_video

    info = probe_video(clip)
    print(
        f"clip: {clip} ({info.width_px}x{info.height_px}, {info.fps:g} fps, "
        f"{info.frame_count} frames), model: {model}"
    )
    print(f"frames per second; load average before: {_load()}")
    print(f"{'round':<8} " + " ".join(f"{n:>12}" for n in PASSES) + f" {'ratio':>7}")
    _warm_up(clip, model)
    results = []
    for index in range(rounds):
        results.append(_round(clip, model))
        _print_row(str(index + 1), results[-1])
    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    _print_row("median", median)
    print(f"load average after: {_load()}")
    ratio_met = median["ratio"] >= TARGET_RATIO
    fps_met = median["analyze"] >= TARGET_ANALYZE_FPS
    print(
        f"targets: ratio >= {TARGET_RATIO} ({_verdict(ratio_met)}), analyze >= "
        f"{TARGET_ANALYZE_FPS:g} fps ({_verdict(fps_met)})"
    )


def _warm_up(clip: Path, model: str) -> None:
    """Import MediaPipe, PyAV and the pipeline once, outside the timings."""
    import stridescope.pipeline  # noqa: F401
    from stridescope.video import extract_pose

    _bare_loop(clip, model)
    extract_pose(clip, model=model, num_poses=1)


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _upscaled_unit(clip: Path, folder: Path) -> tuple[Path, str]:
    """Encode the clip once at the long size; return (file, codec)."""
    import av

    codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    unit = folder / f"unit_{LONG_SIZE_PX[0]}x{LONG_SIZE_PX[1]}_{codec}.mp4"
    if unit.is_file():
        return unit, codec
    partial = unit.with_suffix(".partial.mp4")
    options = {"preset": "veryfast", "crf": "20"} if codec == "libx264" else {}
    with av.open(str(clip)) as src, av.open(str(partial), "w") as dst:
        stream = dst.add_stream(codec, rate=LONG_RATE_HZ, options=options)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = LONG_SIZE_PX
        stream.pix_fmt = "yuv420p"
        if codec == "mpeg4":
            stream.bit_rate = 12_000_000
        for index, frame in enumerate(src.decode(video=0)):
            big = frame.reformat(
                width=LONG_SIZE_PX[0], height=LONG_SIZE_PX[1], format="yuv420p"
            )
            big.pts, big.time_base = index, Fraction(1, LONG_RATE_HZ)
            dst.mux(stream.encode(big))
        dst.mux(stream.encode())
    partial.rename(unit)
    return unit, codec


def long_clip(clip: Path) -> Path:
    """The 5-minute upscaled clip: the unit's packets repeated, timestamps shifted."""
    import av

    CACHE.mkdir(exist_ok=True)
    unit, codec = _upscaled_unit(clip, CACHE)
    path = CACHE / f"male_side_5min_{LONG_SIZE_PX[0]}x{LONG_SIZE_PX[1]}_{codec}.mp4"
    if path.is_file():
        return path
    partial = path.with_suffix(".partial.mp4")
    with av.open(str(unit)) as first:
        template = first.streams.video[0]
        unit_frames = template.frames
        time_base = template.time_base
        assert time_base is not None
        span = round(Fraction(unit_frames, LONG_RATE_HZ) / time_base)
    repeats = round(LONG_DURATION_S * LONG_RATE_HZ / unit_frames)
    with av.open(str(unit)) as src, av.open(str(partial), "w") as dst:
        out = dst.add_stream_from_template(src.streams.video[0])
        for repeat in range(repeats):
            src.seek(0)
            for packet in src.demux(src.streams.video[0]):
                if packet.pts is None or packet.dts is None:  # the flush packet
                    continue
                packet.pts += repeat * span
                packet.dts += repeat * span
                packet.stream = out
                dst.mux(packet)
    partial.rename(path)
    return path


def _extract_in_child(path: Path, model: str) -> tuple[int, int, float, float]:
    """extract_pose in a fresh interpreter: (frames, with pose, seconds, peak MiB)."""
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), model],
        check=True,
        capture_output=True,
        text=True,
    )
    frames, with_pose, wall_s, peak_kib = child.stdout.split()
    return int(frames), int(with_pose), float(wall_s), int(peak_kib) / 1024


def run_long(clip: Path, model: str) -> None:
    """Peak RSS of extract_pose on the 5-minute 1080p clip, in a child process.

    The peak comes from ``RUSAGE_CHILDREN`` (this is the first child); the 12-s
    1080p unit clip is then run the same way, to show the peak does not grow with
    the clip's length.
    """
    from stridescope.video import probe_video

    start = time.perf_counter()
    path = long_clip(clip)
    made_s = time.perf_counter() - start
    info = probe_video(path)
    print(
        f"\nlong clip: {path} ({info.width_px}x{info.height_px}, {info.fps:g} fps, "
        f"{info.frame_count} frames, {info.duration_s or 0:.0f} s, {info.codec}, "
        f"{path.stat().st_size / 2**20:.0f} MiB); ready in {made_s:.1f} s"
    )
    start = time.perf_counter()
    frames, with_pose, extract_s, _ = _extract_in_child(path, model)
    child_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"extract_pose in a child: {frames} frames ({with_pose} with a pose) in "
        f"{extract_s:.1f} s = {frames / extract_s:.1f} fps ({child_s:.1f} s with "
        f"start-up); load average after: {_load()}"
    )
    print(
        f"child peak RSS: {peak_mib:.0f} MiB (target < {TARGET_PEAK_RSS_MIB:g} MiB: "
        f"{_verdict(peak_mib < TARGET_PEAK_RSS_MIB)})"
    )
    unit = next(CACHE.glob(f"unit_{LONG_SIZE_PX[0]}x{LONG_SIZE_PX[1]}_*.mp4"))
    frames, _, _, short_mib = _extract_in_child(unit, model)
    print(f"same size, {frames} frames (12 s): child peak RSS {short_mib:.0f} MiB")


def main() -> None:
    """Parse the flags and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds (at least 2)")
    parser.add_argument("--long", action="store_true", help="5-minute 1080p memory")
    parser.add_argument("--model", choices=("lite", "full"), default="full")
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds: expected at least 2")
    print(f"machine: {_machine()}; {time.strftime('%Y-%m-%d %H:%M %Z')}")
    clip = _clip()
    run_speed(clip, args.model, args.rounds)
    if args.long:
        run_long(clip, args.model)


if __name__ == "__main__":
    main()
