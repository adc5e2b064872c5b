"""The whole video path on the real clips of ../shared/data (MediaPipe keypoints).

Each clip is extracted once per module (two at a time: about a minute on two cores)
and analysed with :func:`stridescope._video_path.analyze_keypoints`. The expected
cadences were counted without a pose model (docs/video-validation.md, "Real
clips"): foot strikes seen frame by frame, and the autocorrelation of the lower
body's frame-difference motion energy. Times are video times; three clips are
slow motion, so their video-time cadence is below any human gait and is flagged.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import xarray as xr

from stridescope._analysis import AnalysisOptions, InputAnalysis
from stridescope._video_path import analyze_keypoints
from stridescope.errors import InsufficientDataError, StridescopeError

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]

CLIPS = {
    "male_side": "treadmill-run-side-male/male_side.mp4",
    "coach": "treadmill-run-sideoblique-male-coach/run_test1.mp4",
    "rear": "walk-rear-overground-pexels/pexels-walking-dynamic-5738706.mp4",
    "silhouette": "run-side-silhouette-male/test.mp4",
    "indoor": "walk-side-indoor/demo4.mp4",
    "pan": "run-oblique-pan-overground-female/run_test2.mp4",
}


@pytest.fixture(scope="module")
def keypoints(shared_data: Path) -> dict[str, xr.Dataset]:
    """MediaPipe (BlazePose full) keypoints of every clip, by short name."""
    pytest.importorskip("mediapipe")
    from stridescope.video import extract_pose

    paths = {name: shared_data / clip for name, clip in CLIPS.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        pytest.skip(f"clips not found: {', '.join(missing)}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        trials = pool.map(extract_pose, paths.values())
        return dict(zip(paths, trials, strict=True))


def _analyse(keypoints: dict[str, xr.Dataset], name: str) -> InputAnalysis:
    return analyze_keypoints(
        keypoints[name],
        path=Path(CLIPS[name]),
        fmt="video",
        options=AnalysisOptions(),
    )


def _cadence(result: InputAnalysis) -> float:
    value = result.metrics["cadence_spm"].value
    assert value is not None
    return float(value.mean)


def test_bundled_side_clip_keeps_its_measured_cadence(keypoints) -> None:
    """Truth 168.9 +- 0.5 steps/min (upstream, from raw pixels)."""
    result = _analyse(keypoints, "male_side")
    assert result.view == "side-left"
    assert _cadence(result) == pytest.approx(168.9, abs=2.0)
    assert result.metrics["cadence_spm"].value.n_strides >= 20
    assert result.metrics["cadence_spm"].confidence == "moderate"


def test_speed_ramped_treadmill_clip_analyses_its_real_time_part(keypoints) -> None:
    """Real time 1.0-3.7 s (283 steps/min sprint), 4x slow motion 3.7-9.9 s (66)."""
    result = _analyse(keypoints, "coach")
    steady = result.details["steady_steps"]
    assert result.view == "side-left"
    assert _cadence(result) == pytest.approx(283.0, rel=0.03)
    first, second = steady["cadence_halves_spm"]
    assert abs(first - second) <= 3.0
    assert steady["analysed_s"][0] == pytest.approx(1.1, abs=0.3)
    assert "step rate changes" in steady["note"]
    slow = [g for g in steady["segments"] if g["cadence_spm"] < 100]
    assert slow
    assert slow[0]["cadence_spm"] == pytest.approx(66.3, abs=5.0)


def test_coach_clip_footfalls_heard_confirm_the_video_cadence(
    keypoints, shared_data: Path
) -> None:
    """Sound over the analysed 1.10-3.46 s: 274.9 vs 281.1 (SD 15.8, 8 strides)."""
    from stridescope.pipeline import _with_audio_check

    result = _analyse(keypoints, "coach")
    real = replace(result, path=shared_data / CLIPS["coach"])
    check = _with_audio_check(real).details["audio_cadence"]
    assert check["agrees"] is True
    assert check["span_s"] == result.details["steady_steps"]["analysed_s"]
    assert check["cadence_spm"] == pytest.approx(_cadence(result), rel=0.03)
    assert check["tolerance_spm"] == pytest.approx(11.2, abs=0.5)  # two SE
    assert check["peak_correlation"] > 0.3


def test_rear_walk_gives_frontal_series_and_a_flagged_cadence(keypoints) -> None:
    """Rear view, 48.8 +- 1 steps/min of video time (the stock clip is slowed)."""
    result = _analyse(keypoints, "rear")
    assert result.view == "rear"
    assert result.details["view_detection"]["confidence"] > 0.5
    assert result.angles is not None
    joints = set(result.angles["joint"].values.tolist())
    assert {"pelvis_obliquity", "trunk_lateral_lean"} <= joints
    assert "pelvis_obliquity_rom_deg" in result.metrics
    strikes = {e.side for e in result.events if e.kind == "foot_strike"}
    assert strikes == {"left", "right"}
    assert _cadence(result) == pytest.approx(48.8, abs=3.0)
    assert result.metrics["cadence_spm"].confidence == "low"
    assert "slow motion" in result.details["timing"]["note"]


def test_slow_motion_silhouette_is_measured_and_flagged(keypoints) -> None:
    """34.1 steps/min of video time: a ~5x slow-motion stock clip (~170 real)."""
    result = _analyse(keypoints, "silhouette")
    assert result.view == "side-right"
    assert _cadence(result) == pytest.approx(34.1, rel=0.05)
    assert result.metrics["cadence_spm"].confidence == "low"
    assert "slow motion" in result.metrics["cadence_spm"].note


def test_indoor_walk_analyses_the_forward_part_only(keypoints) -> None:
    """Forward 1.3-5.3 s at 113 steps/min; from 6.3 s she walks backward."""
    result = _analyse(keypoints, "indoor")
    direction = result.details["direction"]
    assert "walks backward" in direction["reason"]
    assert direction["analysed_s"][1] < 7.0
    assert _cadence(result) == pytest.approx(113.0, abs=6.0)
    assert result.metrics["cadence_spm"].confidence == "moderate"


def test_panned_clip_without_steady_steps_is_refused_in_one_line(keypoints) -> None:
    """Front, then side; a cut and slow motion: no run of regular steps."""
    with pytest.raises(InsufficientDataError, match="regular steps") as info:
        _analyse(keypoints, "pan")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_every_clip_ends_in_a_report_or_a_stridescope_error(keypoints, name) -> None:
    outcome: InputAnalysis | StridescopeError
    try:
        outcome = _analyse(keypoints, name)
    except StridescopeError as e:  # a one-line reason is an acceptable end
        outcome = e
    if isinstance(outcome, StridescopeError):
        assert "\n" not in str(outcome)
    else:
        assert int(outcome.strides["valid"].sum()) >= 2
