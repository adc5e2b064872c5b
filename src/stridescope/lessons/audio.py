"""Render a lesson to a spoken audio file with the offline engine espeak-ng.

This is an I/O module: it runs the ``espeak-ng`` program (Debian/Ubuntu package
``espeak-ng``) and, for MP3, the ``lame`` program (package ``lame``) or the optional
``lameenc`` Python wheel, and writes files atomically (temporary file, then rename).

How the file is laid out
------------------------
For every step: the step's text is spoken, then there is real silence for the step
itself (``repetitions * repetition_s`` or ``duration_s``: the listener moves), then, for
movement steps with a rest, a short spoken "And rest." followed by ``pause_s`` of
silence. Speech cannot be stretched, so all silences are multiplied by one factor,
``silence_scale = (stated duration - speech) / written silences``, clamped to
[0.5, 1.5] so a rest never shrinks below half (or grows beyond one and a half times)
its written length, and no silence is shorter than 2 s. The file therefore
approximates the lesson's ``duration_min``; :class:`AudioResult` reports the factor.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from stridescope.errors import InputError, StridescopeError
from stridescope.lessons.library import Lesson

__all__ = [
    "AudioEngineError",
    "AudioFormat",
    "AudioResult",
    "Mp3EncoderNotFoundError",
    "SpeechEngineNotFoundError",
    "encode_mp3",
    "render_lesson_audio",
]

AudioFormat = Literal["wav", "mp3"]

MIN_SILENCE_SCALE = 0.5
MAX_SILENCE_SCALE = 1.5
MIN_SILENCE_S = 2.0
REST_CUE = "And rest."
_ENGINE_TIMEOUT_S = 120


class AudioEngineError(StridescopeError):
    """A speech engine or audio encoder is missing or failed."""


class SpeechEngineNotFoundError(AudioEngineError):
    """The ``espeak-ng`` program is not installed or not on PATH."""


class Mp3EncoderNotFoundError(AudioEngineError):
    """MP3 was asked for but no encoder is available; a WAV file was written instead."""

    def __init__(self, message: str, wav_path: Path) -> None:
        super().__init__(message)
        self.wav_path = wav_path


@dataclass(frozen=True)
class AudioResult:
    """What :func:`render_lesson_audio` wrote and how long it lasts.

    Attributes
    ----------
    paths
        The files written (the audio file).
    duration_s
        Length of the audio in seconds.
    speech_s
        Seconds of synthesised speech (including the silences espeak-ng leaves between
        words and sentences).
    pause_s
        Seconds of silence added between speech (movement time and rests).
    silence_scale
        The factor applied to every written silence (see the module docstring).
    target_s
        The lesson's stated duration in seconds.
    sample_rate_hz
        Sample rate of the audio.
    """

    paths: tuple[Path, ...]
    duration_s: float
    speech_s: float
    pause_s: float
    silence_scale: float
    target_s: float
    sample_rate_hz: int


@dataclass(frozen=True)
class _Clip:
    frames: bytes
    rate_hz: int
    width: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.rate_hz * self.width * self.channels)


def _find_engine() -> str:
    engine = shutil.which("espeak-ng")
    if engine is None:
        raise SpeechEngineNotFoundError(
            "Rendering lesson audio needs the offline speech engine espeak-ng, but the "
            "'espeak-ng' program was not found on PATH. Install it (Debian/Ubuntu: "
            "'sudo apt-get install espeak-ng') and try again."
        )
    return engine


def _synthesise(engine: str, text: str, *, voice: str, words_per_minute: int) -> _Clip:
    with tempfile.TemporaryDirectory(prefix="stridescope-tts-") as tmp:
        wav = Path(tmp) / "clip.wav"
        cmd = [engine, "-v", voice, "-s", str(words_per_minute), "-w", str(wav)]
        try:
            subprocess.run(
                cmd, input=text, text=True, capture_output=True, check=True,
                timeout=_ENGINE_TIMEOUT_S,
            )  # fmt: skip
        except subprocess.CalledProcessError as e:
            raise AudioEngineError(
                f"espeak-ng failed with status {e.returncode} for voice {voice!r}: "
                f"{e.stderr.strip()}. Check the voice with 'espeak-ng --voices'."
            ) from e
        with wave.open(str(wav), "rb") as fh:
            return _Clip(
                frames=fh.readframes(fh.getnframes()),
                rate_hz=fh.getframerate(),
                width=fh.getsampwidth(),
                channels=fh.getnchannels(),
            )


def _silence_scale(lesson: Lesson, speech_s: float) -> float:
    written_s = sum(s.activity_s + s.pause_s for s in lesson.steps)
    if written_s <= 0:
        return 1.0
    wanted = (lesson.duration_min * 60.0 - speech_s) / written_s
    return min(MAX_SILENCE_SCALE, max(MIN_SILENCE_SCALE, wanted))


def _timeline(
    lesson: Lesson, clips: list[_Clip], rest_cue: _Clip, *, scale: float
) -> list[_Clip | float]:
    """Speech clips and silences (float seconds) in playing order."""
    out: list[_Clip | float] = []
    for step, clip in zip(lesson.steps, clips, strict=True):
        out += [clip, max(MIN_SILENCE_S, step.activity_s * scale)]
        if step.pause_s > 0:
            if step.kind == "movement":
                out.append(rest_cue)
            out.append(max(MIN_SILENCE_S, step.pause_s * scale))
    return out


def _write_wav(timeline: list[_Clip | float], first: _Clip, path: Path) -> float:
    """Write the timeline as PCM WAV; return the silence written in seconds."""
    frame_bytes = first.width * first.channels
    zero = (b"\x80" if first.width == 1 else b"\x00") * frame_bytes
    silence_s = 0.0
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(first.channels)
        fh.setsampwidth(first.width)
        fh.setframerate(first.rate_hz)
        for item in timeline:
            if isinstance(item, _Clip):
                fh.writeframes(item.frames)
            else:
                n_frames = round(item * first.rate_hz)
                fh.writeframes(zero * n_frames)
                silence_s += n_frames / first.rate_hz
    return silence_s


def _encode_mp3(wav: Path, mp3: Path) -> bool:
    """Encode with the lame program or the lameenc wheel; False when neither exists."""
    lame = shutil.which("lame")
    if lame is not None:
        cmd = [lame, "--quiet", "-V", "5", str(wav), str(mp3)]
        try:
            subprocess.run(cmd, capture_output=True, check=True, timeout=300)
        except subprocess.CalledProcessError as e:
            raise AudioEngineError(
                f"lame failed with status {e.returncode}: {e.stderr.decode().strip()}"
            ) from e
        return True
    try:
        lameenc = importlib.import_module("lameenc")
    except ImportError:
        return False
    with wave.open(str(wav), "rb") as fh:
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(64)
        encoder.set_in_sample_rate(fh.getframerate())
        encoder.set_channels(fh.getnchannels())
        encoder.set_quality(2)
        data = encoder.encode(fh.readframes(fh.getnframes())) + encoder.flush()
    mp3.write_bytes(bytes(data))
    return True


def encode_mp3(wav_path: Path, mp3_path: Path) -> Path:
    """Encode an already rendered lesson WAV to MP3 beside it (no new synthesis).

    Raises
    ------
    Mp3EncoderNotFoundError
        When neither ``lame`` nor ``lameenc`` is available (the WAV stays).
    AudioEngineError
        When the encoder fails.
    """
    tmp_mp3 = _temp_path(mp3_path, ".mp3")
    try:
        if _encode_mp3(wav_path, tmp_mp3):
            tmp_mp3.replace(mp3_path)
            return mp3_path
    finally:
        tmp_mp3.unlink(missing_ok=True)
    raise Mp3EncoderNotFoundError(
        f"{mp3_path.name}: MP3 needs an encoder, either the 'lame' program "
        "(Debian/Ubuntu package 'lame') or the 'lameenc' Python package, and neither "
        f"was found; the lesson is available as WAV in {wav_path}.",
        wav_path,
    )


def _resolve_format(out_path: Path, fmt: AudioFormat | None) -> AudioFormat:
    suffix = out_path.suffix.lower().lstrip(".")
    if fmt is None and suffix in ("wav", "mp3"):
        return "wav" if suffix == "wav" else "mp3"
    if fmt is not None and fmt == suffix:
        return fmt
    raise InputError(
        f"{out_path.name}: expected a '.wav' or '.mp3' file name matching "
        f"fmt={fmt!r}, but got suffix {out_path.suffix!r}."
    )


def _check_target(path: Path, *, overwrite: bool) -> None:
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist.")
    if path.exists() and not overwrite:
        raise InputError(f"{path}: already exists; pass overwrite=True to replace it.")


def _temp_path(path: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=suffix, dir=path.parent
    )
    os.close(handle)  # the writers reopen the (empty) file by name
    return Path(name)


def render_lesson_audio(
    lesson: Lesson,
    out_path: Path,
    *,
    voice: str = "en",
    words_per_minute: int = 140,
    fmt: AudioFormat | None = None,
    overwrite: bool = False,
) -> AudioResult:
    """Render a lesson as spoken audio with silences for moving and resting.

    Parameters
    ----------
    lesson
        The lesson to speak (from :func:`~stridescope.lessons.load_library`).
    out_path
        Destination ``.wav`` or ``.mp3`` file; its folder must exist.
    voice
        An espeak-ng voice name (``espeak-ng --voices`` lists them).
    words_per_minute
        Speaking rate in words per minute (80 to 450).
    fmt
        ``"wav"`` or ``"mp3"``; ``None`` takes it from the suffix of ``out_path``.
    overwrite
        Replace an existing file; otherwise an existing file is an error.

    Returns
    -------
    AudioResult
        The file written, its duration and its speech and silence totals in seconds.

    Raises
    ------
    SpeechEngineNotFoundError
        When ``espeak-ng`` is not on PATH (install the ``espeak-ng`` package).
    Mp3EncoderNotFoundError
        When MP3 is asked for without ``lame`` or ``lameenc``; the WAV was written
        beside it and its path is in ``wav_path``.
    AudioEngineError
        When espeak-ng or lame fails (for example an unknown voice).
    InputError
        When the suffix, the rate or the target file is not usable.
    """
    kind = _resolve_format(out_path, fmt)
    if not 80 <= words_per_minute <= 450:
        raise InputError(
            f"Expected words_per_minute in 80..450, got {words_per_minute}."
        )
    wav_path = out_path if kind == "wav" else out_path.with_suffix(".wav")
    _check_target(out_path, overwrite=overwrite)
    engine = _find_engine()
    clips = [
        _synthesise(engine, s.text, voice=voice, words_per_minute=words_per_minute)
        for s in lesson.steps
    ]
    rest_cue = _synthesise(
        engine, REST_CUE, voice=voice, words_per_minute=words_per_minute
    )
    timeline = _timeline(lesson, clips, rest_cue, scale=1.0)
    speech_s = sum(item.seconds for item in timeline if isinstance(item, _Clip))
    scale = _silence_scale(lesson, speech_s)
    tmp_wav = _temp_path(out_path, ".wav")
    try:
        silence_s = _write_wav(
            _timeline(lesson, clips, rest_cue, scale=scale), clips[0], tmp_wav
        )
        final = _finish(tmp_wav, out_path, wav_path, overwrite=overwrite)
    finally:
        tmp_wav.unlink(missing_ok=True)
    return AudioResult(
        paths=(final,),
        duration_s=speech_s + silence_s,
        speech_s=speech_s,
        pause_s=silence_s,
        silence_scale=scale,
        target_s=lesson.duration_min * 60.0,
        sample_rate_hz=clips[0].rate_hz,
    )


def _finish(tmp_wav: Path, out_path: Path, wav_path: Path, *, overwrite: bool) -> Path:
    """Move the finished WAV into place, or encode it to MP3 first."""
    if out_path == wav_path:
        tmp_wav.replace(out_path)
        return out_path
    try:
        return encode_mp3(tmp_wav, out_path)
    except Mp3EncoderNotFoundError:
        pass
    _check_target(wav_path, overwrite=overwrite)
    tmp_wav.replace(wav_path)
    raise Mp3EncoderNotFoundError(
        f"{out_path.name}: MP3 needs an encoder, either the 'lame' program "
        "(Debian/Ubuntu package 'lame') or the 'lameenc' Python package, and neither "
        f"was found; the lesson was written as WAV to {wav_path} instead.",
        wav_path,
    )
