"""Tests of lesson audio: rendered with espeak-ng, then measured from the file."""

from __future__ import annotations

import dataclasses
import shutil
import wave
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from stridescope.errors import InputError
from stridescope.lessons import (
    AudioEngineError,
    AudioResult,
    Lesson,
    Mp3EncoderNotFoundError,
    SpeechEngineNotFoundError,
    load_library,
    render_lesson_audio,
)
from stridescope.lessons import audio as audio_module

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not on PATH (Debian/Ubuntu: apt-get install espeak-ng), "
    "so lesson audio cannot be rendered here",
)
WINDOW_S = 0.05
SILENT_RMS = 100.0  # int16 units, about -50 dBFS

SHORTEST = min(load_library(), key=lambda lesson: (lesson.duration_min, lesson.id))


def _short(lesson: Lesson, n_steps: int = 2) -> Lesson:
    """The first steps of a lesson, stated as 1 minute, for fast error-path tests."""
    return dataclasses.replace(lesson, steps=lesson.steps[:n_steps], duration_min=1.0)


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as fh:
        assert fh.getnchannels() == 1
        assert fh.getsampwidth() == 2
        rate = fh.getframerate()
        samples = np.frombuffer(fh.readframes(fh.getnframes()), dtype="<i2")
    return samples.astype(np.float64), rate


def _window_rms(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    n = round(WINDOW_S * rate_hz)
    usable = samples[: len(samples) // n * n].reshape(-1, n)
    return np.sqrt(np.mean(usable**2, axis=1))


def _longest_run_s(mask: np.ndarray) -> float:
    best = run = 0
    for value in mask:
        run = run + 1 if value else 0
        best = max(best, run)
    return best * WINDOW_S


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[AudioResult, Path]:
    """The shortest lesson rendered once to WAV (a few hundred ms with espeak-ng)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not on PATH (apt-get install espeak-ng)")
    out = tmp_path_factory.mktemp("audio") / f"{SHORTEST.id}.wav"
    return render_lesson_audio(SHORTEST, out, words_per_minute=160), out


@needs_espeak
def test_rendered_wav_is_measured_as_reported(
    rendered: tuple[AudioResult, Path],
) -> None:
    result, path = rendered
    samples, rate = _read(path)
    duration_s = len(samples) / rate
    assert result.paths == (path,)
    assert rate == result.sample_rate_hz == 22050
    assert duration_s == pytest.approx(result.duration_s, abs=0.01)
    assert duration_s >= 0.6 * SHORTEST.duration_min * 60
    assert duration_s == pytest.approx(result.speech_s + result.pause_s, abs=0.01)
    assert 0.5 <= result.silence_scale <= 1.5


@needs_espeak
def test_rendered_wav_has_speech_and_real_silence(
    rendered: tuple[AudioResult, Path],
) -> None:
    _, path = rendered
    samples, rate = _read(path)
    rms = _window_rms(samples, rate)
    voiced = rms > SILENT_RMS
    assert 0.05 <= voiced.mean() <= 0.8
    assert rms.max() > 1000  # speech is clearly audible, not noise
    assert _longest_run_s(~voiced) >= 10.0  # a real rest, not a gap between words
    # Words come in bursts: many separate voiced stretches, one per phrase or more.
    onsets = np.count_nonzero(voiced[1:] & ~voiced[:-1])
    assert onsets >= 2 * len(SHORTEST.steps)


@needs_espeak
def test_existing_files_are_not_overwritten(rendered: tuple[AudioResult, Path]) -> None:
    _, path = rendered
    with pytest.raises(InputError, match="already exists; pass overwrite=True"):
        render_lesson_audio(SHORTEST, path)


@needs_espeak
def test_writing_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    out = tmp_path / "short.wav"
    render_lesson_audio(_short(SHORTEST), out)
    result = render_lesson_audio(_short(SHORTEST), out, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.wav"]
    assert result.target_s == 60.0


@needs_espeak
def test_mp3_is_encoded_when_an_encoder_exists(tmp_path: Path) -> None:
    if shutil.which("lame") is None:
        pytest.importorskip("lameenc", reason="no MP3 encoder (apt-get install lame)")
    out = tmp_path / "short.mp3"
    result = render_lesson_audio(_short(SHORTEST), out)
    head = out.read_bytes()[:3]
    assert head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    assert result.paths == (out,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.mp3"]


@needs_espeak
def test_mp3_without_an_encoder_writes_wav_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_which = shutil.which

    def no_lame(name: str) -> str | None:
        return None if name == "lame" else real_which(name)

    def no_module(name: str) -> ModuleType:
        raise ImportError(name)

    monkeypatch.setattr(audio_module.shutil, "which", no_lame)
    monkeypatch.setattr(audio_module.importlib, "import_module", no_module)
    with pytest.raises(Mp3EncoderNotFoundError, match="MP3 needs an encoder") as info:
        render_lesson_audio(_short(SHORTEST), tmp_path / "short.mp3")
    assert info.value.wav_path == tmp_path / "short.wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.wav"]


@needs_espeak
def test_unknown_voice_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AudioEngineError, match="espeak-ng failed .* voice 'xx-none'"):
        render_lesson_audio(_short(SHORTEST), tmp_path / "a.wav", voice="xx-none")
    assert list(tmp_path.iterdir()) == []


def test_missing_espeak_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechEngineNotFoundError, match="apt-get install espeak-ng"):
        render_lesson_audio(_short(SHORTEST), tmp_path / "a.wav")


@pytest.mark.parametrize(
    ("name", "kwargs", "match"),
    [
        ("a.ogg", {}, "expected a '.wav' or '.mp3' file name"),
        ("a.wav", {"fmt": "mp3"}, "matching fmt='mp3'"),
        ("a.wav", {"words_per_minute": 20}, "words_per_minute in 80..450"),
    ],
)
def test_bad_arguments_are_rejected(
    tmp_path: Path, name: str, kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        render_lesson_audio(SHORTEST, tmp_path / name, **kwargs)  # type: ignore[arg-type]
