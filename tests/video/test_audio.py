"""Footfall cadence from a clip's sound (video.audio)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stridescope.video.audio import (
    AudioCadence,
    AudioTrack,
    cadence_check,
    footfall_cadence,
    read_audio,
)
from tests.fixtures.footfalls import footfall_sound

RATE_HZ = 22050.0


def _track(sound: np.ndarray, start_s: float = 0.0) -> AudioTrack:
    return AudioTrack(sound.astype(np.float32), RATE_HZ, start_s)


def _footfalls(
    step_s: float, duration_s: float, *, alternate: float = 1.0, seed: int = 0
) -> np.ndarray:
    return footfall_sound(
        step_s, duration_s, rate_hz=RATE_HZ, alternate=alternate, seed=seed
    )


@pytest.mark.parametrize("step_s", [0.21, 0.355, 0.6])
def test_a_click_track_gives_its_step_rate(step_s: float) -> None:
    heard = footfall_cadence(_track(_footfalls(step_s, 6.0)), span_s=(0.0, 6.0))
    assert heard.reason == ""
    assert heard.cadence_spm == pytest.approx(60.0 / step_s, rel=0.01)
    assert heard.peak_correlation > 0.5


def test_loud_and_soft_feet_still_give_steps_not_strides() -> None:
    sound = _footfalls(0.35, 6.0, alternate=0.5)
    heard = footfall_cadence(_track(sound), span_s=(0.0, 6.0))
    assert heard.cadence_spm == pytest.approx(60.0 / 0.35, rel=0.01)


def test_only_the_span_is_analysed() -> None:
    sound = np.concatenate([_footfalls(0.3, 4.0), _footfalls(0.5, 4.0, seed=1)])
    early = footfall_cadence(_track(sound), span_s=(0.0, 4.0))
    late = footfall_cadence(_track(sound), span_s=(4.0, 8.0))
    assert early.cadence_spm == pytest.approx(200.0, rel=0.01)
    assert late.cadence_spm == pytest.approx(120.0, rel=0.01)
    # A track that starts later in the clip: spans are clip times.
    shifted = footfall_cadence(_track(sound[int(4 * RATE_HZ) :], 4.0), span_s=(4, 8))
    assert shifted.cadence_spm == pytest.approx(late.cadence_spm)


def test_noise_and_short_spans_give_reasons_not_numbers() -> None:
    noise = 0.1 * np.random.default_rng(3).standard_normal(int(5 * RATE_HZ))
    heard = footfall_cadence(_track(noise), span_s=(0.0, 5.0))
    assert heard.cadence_spm is None
    assert heard.reason.startswith("no clear footfall rhythm")
    silent = footfall_cadence(_track(np.zeros(int(5 * RATE_HZ))), span_s=(0.0, 5.0))
    assert silent.reason == "the sound is silent in this span"
    short = footfall_cadence(_track(_footfalls(0.3, 5.0)), span_s=(1.0, 2.0))
    assert short.cadence_spm is None
    assert short.reason == "the span is under 1.5 s of sound"


def test_cadence_check_tolerates_two_percent_or_two_standard_errors() -> None:
    heard = AudioCadence(171.0, 60 / 171.0, 0.6, (1.0, 9.0))
    assert cadence_check(heard, 168.9)["agrees"] is True  # +2.1 <= 3.4 (2 %)
    far = cadence_check(heard, 160.0)
    assert far["agrees"] is False
    assert far["difference_spm"] == pytest.approx(11.0)
    assert far["tolerance_spm"] == pytest.approx(3.2)
    # Irregular strides (SE 6 steps/min) widen the tolerance to 12.
    loose = cadence_check(heard, 160.0, 6.0)
    assert (loose["agrees"], loose["tolerance_spm"]) == (True, 12.0)
    none = cadence_check("the clip has no sound track", 168.9)
    assert none["agrees"] is None
    assert none["reason"] == "the clip has no sound track"


def test_the_bundled_clip_has_no_sound_track() -> None:
    pytest.importorskip("av")
    from stridescope.cli import bundled_sample

    assert read_audio(bundled_sample()) == "the clip has no sound track"


def test_text_named_mp4_gives_a_reason(tmp_path: Path) -> None:
    pytest.importorskip("av")
    path = tmp_path / "notes.mp4"
    path.write_text("not a video\n" * 50)
    reason = read_audio(path)
    assert isinstance(reason, str)
    assert reason.startswith("the sound track cannot be decoded")


@pytest.mark.shared_data
def test_coach_clip_footfalls_are_heard_in_both_real_time_parts(
    shared_data: Path,
) -> None:
    # Two other clips carry a silent sound track.
    for name in ("run-side-silhouette-male/test.mp4", "walk-side-indoor/demo4.mp4"):
        silent = read_audio(shared_data / name)
        assert isinstance(silent, AudioTrack)
        assert footfall_cadence(silent, span_s=(1.0, 5.0)).reason == (
            "the sound is silent in this span"
        )
    # The speed-ramped clip (docs/video-validation.md): real time 1.0-3.7 s and
    # 9.9-12.6 s, 4x slow motion between. Measured: 277.2, 266.1 and 66.8 steps/min.
    pytest.importorskip("av")
    clip = shared_data / "treadmill-run-sideoblique-male-coach" / "run_test1.mp4"
    for span, expected in (
        ((1.1, 3.5), 277.2),
        ((10.0, 13.2), 266.1),
        ((4.0, 9.5), 66.8),
    ):
        whole = read_audio(clip)
        part = read_audio(clip, span_s=span)
        assert isinstance(whole, AudioTrack)
        assert isinstance(part, AudioTrack)
        assert part.samples.size < whole.samples.size / 2
        for track in (whole, part):
            heard = footfall_cadence(track, span_s=span)
            assert heard.cadence_spm == pytest.approx(expected, abs=1.0)
