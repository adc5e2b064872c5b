"""End-to-end analysis of motion files into the report (no files written)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from stridescope import io
from stridescope._analysis import InputAnalysis
from stridescope.errors import InputError, InsufficientDataError, StridescopeWarning
from stridescope.gait.metrics import Metric, StrideStat
from stridescope.pipeline import (
    AnalysisOptions,
    _with_audio_check,
    analyze,
    write_outputs,
)
from stridescope.report.build import report_to_dict
from tests.fixtures.footfalls import footfall_sound
from tests.fixtures.synthetic_runner import synthetic_runner


@pytest.fixture(scope="module")
def runner_nc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s synthetic treadmill runner (200 Hz markers + angles) saved as .nc."""
    path = tmp_path_factory.mktemp("runner") / "runner.nc"
    io.save(synthetic_runner(duration_s=6.0).trial, path)
    return path


def test_synthetic_runner_report_has_exact_gait_and_metrics(runner_nc: Path) -> None:
    report = report_to_dict(analyze([runner_nc]))
    run = synthetic_runner(duration_s=6.0)
    assert report["inputs"][0]["format"] == "netcdf"
    assert report["inputs"][0]["view"] == "3d"
    assert report["gait"]["cadence_spm"] == pytest.approx(120 / run.stride_time_s, 0.01)
    assert report["gait"]["events_source"] == "detected"
    counts = report["gait"]["stride_count"]
    assert counts["left"] >= 6
    assert counts["right"] >= 6
    hip = report["metrics"]["hip_sagittal_rom_deg"]
    assert hip["left"]["mean"] == pytest.approx(60.0, abs=0.5)
    assert hip["right"]["mean"] == pytest.approx(60.0, abs=0.5)
    assert hip["source"] == "file"
    # The synthetic pelvis markers translate without turning: markers win over the
    # file's angles, so the pelvis is (correctly) reported as still.
    obliquity = report["metrics"]["pelvis_obliquity_rom_deg"]["value"]["mean"]
    assert obliquity == pytest.approx(0.0, abs=0.05)


def test_file_angles_fill_what_markers_cannot(runner_nc: Path) -> None:
    report = report_to_dict(analyze([runner_nc]))
    # The synthetic markers carry no knees: hip angles come from the file's angles,
    # pelvis angles are computed from the ASIS/sacrum markers.
    assert report["metrics"]["pelvis_tilt_rom_deg"]["source"] == "computed:markers"
    assert "file" in report["inputs"][0]["angle_sources"]
    assert "left_hip_flexion" not in report["unavailable"]


def test_detected_events_are_within_a_frame_of_the_truth(runner_nc: Path) -> None:
    report = report_to_dict(analyze([runner_nc]))
    truth = synthetic_runner(duration_s=6.0).events
    strikes = [e["time_s"] for e in report["events"] if e["kind"] == "foot_strike"]
    true_strikes = np.array([e.time_s for e in truth if e.kind == "foot_strike"])
    errors = [np.min(np.abs(true_strikes - t)) for t in strikes]
    assert np.median(errors) <= 1 / 200 + 1e-9


def test_too_short_a_trial_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.nc"
    io.save(synthetic_runner(duration_s=1.0).trial, path)
    with pytest.raises(InsufficientDataError, match=r"^short\.nc: expected at least 2"):
        analyze([path])


def test_file_events_are_asked_for_but_absent(runner_nc: Path) -> None:
    with pytest.raises(InputError, match="the file's own events were asked for"):
        analyze([runner_nc], options=AnalysisOptions(events="file"))


def test_force_file_alone_is_refused(tmp_path: Path) -> None:
    grf = tmp_path / "run_grf.mot"
    grf.write_text("version=1\nendheader\ntime\tground_force_vy\n0\t1\n0.01\t2\n")
    with pytest.raises(InputError, match="expected at least one motion file"):
        analyze([grf])


def test_write_outputs_writes_only_the_report(runner_nc: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"
    written = write_outputs(analyze([runner_nc]), out)
    assert [p.name for p in written] == ["report.json"]
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_angles_without_feet_ask_for_the_force_file(test_data: Path) -> None:
    with pytest.raises(InputError, match=r"^synthetic_angles\.mot: .*heel and toe"):
        analyze([test_data / "synthetic_angles.mot"])


def _clip_with_footfalls(path: Path, step_s: float, duration_s: float) -> Path:
    """An MP4 holding only AAC sound: a thump every ``step_s`` (tests.fixtures)."""
    av = pytest.importorskip("av")
    rate_hz, block = 22050, 1024
    sound = footfall_sound(step_s, duration_s, rate_hz=rate_hz, seed=4)
    n = sound.size
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate_hz)
        for first in range(0, n - block, block):
            chunk = sound[first : first + block].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate_hz, first
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def _video_analysis(path: Path, cadence_spm: float) -> InputAnalysis:
    """A video analysis whose keypoint cadence is ``cadence_spm`` over 1-7 s."""
    stat = StrideStat(mean=cadence_spm, sd=1.0, n_strides=8)
    return InputAnalysis(
        path=path,
        format="video",
        trial=xr.Dataset(),
        angles=None,
        angle_sources={},
        unavailable={},
        events=[],
        events_source="detected",
        strides=pd.DataFrame(),
        metrics={
            "cadence_spm": Metric("cadence_spm", "spm", "moderate", None, None, stat)
        },
        view="side-left",
        details={"steady_steps": {"analysed_s": [1.0, 7.0]}},
    )


@pytest.mark.parametrize(("video_spm", "agrees"), [(171.0, True), (150.0, False)])
def test_video_cadence_is_checked_against_the_footfalls_heard(
    tmp_path: Path, video_spm: float, agrees: bool
) -> None:
    clip = _clip_with_footfalls(tmp_path / "run.mp4", step_s=0.35, duration_s=8.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StridescopeWarning)
        check = _with_audio_check(_video_analysis(clip, video_spm)).details[
            "audio_cadence"
        ]
    assert check["cadence_spm"] == pytest.approx(60 / 0.35, abs=1.0)
    assert check["span_s"] == [1.0, 7.0]
    assert check["agrees"] is agrees
    messages = [str(w.message) for w in caught]
    if agrees:
        assert messages == []
    else:
        assert messages == [
            f"run.mp4: the footfalls heard in the sound give {check['cadence_spm']} "
            "steps/min, the video 150.0 (tolerance 3.0); check that the steps were "
            "found on the runner, and that the sound is the footfalls, not music or "
            "speech (report: audio_cadence)."
        ]
