"""Cadence from the footfalls in a clip's sound track: an independent check.

A phone records sound with the picture. On a treadmill or a hard floor every landing
is a short broadband thump, so the sound's onset strength repeats once per step. The
step period found in it does not depend on the pose model, the runner tracking or the
frame rate. Comparing it with the cadence from the keypoints over the same span
confirms (or questions) the step detection; stridescope reports both and never
replaces one with the other. The sound runs on the clip's own clock like the picture
(the slowed part of a phone slow-motion clip has stretched, faint sound), so it checks
the steps found, not the playback speed.

Method: the onset strength is the positive spectral flux of a log-magnitude STFT
(Bello et al. 2005, IEEE Trans Speech Audio Process 13:1035-1047) at a 10 ms hop; its
autocorrelation over the analysed span has peaks at the step and stride periods. The
strongest peak with a lag of :data:`MIN_STEP_S`-:data:`MAX_LAG_S` is taken; when it is
a stride (a peak near half its lag is at least :data:`HALF_LAG_SHARE` as strong:
left and right footfalls often sound different), the half lag is the step. A peak
below :data:`MIN_PEAK_CORRELATION` means no usable rhythm (speech, wind); a silent
span says so. Music with a steady beat can pass for footfalls, which is why a
disagreement is reported as a warning to check, never as a correction.

Reading the track is in :func:`read_audio` (only the analysed span is kept);
:func:`footfall_cadence` only computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import signal

__all__ = [
    "AGREEMENT_FRACTION",
    "HALF_LAG_SHARE",
    "MAX_LAG_S",
    "MIN_PEAK_CORRELATION",
    "MIN_SPAN_S",
    "MIN_STEP_S",
    "SILENCE_LEVEL",
    "AudioCadence",
    "AudioTrack",
    "cadence_check",
    "footfall_cadence",
    "read_audio",
]

FloatArray = NDArray[np.float64]

#: Shortest step period looked for (s): 330 steps/min, beyond elite sprinting.
MIN_STEP_S = 0.18
#: Longest lag searched (s): a 1.0 s stride; walking steps up to 0.5 s are found as
#: the half of their stride peak, slower steps as themselves.
MAX_LAG_S = 1.0
#: A peak near half the strongest lag this strong (relative) makes the half the step.
HALF_LAG_SHARE = 0.5
#: Weakest autocorrelation peak that counts as a footfall rhythm.
MIN_PEAK_CORRELATION = 0.25
#: Loudest sample (full scale 1) of a span that still counts as silence.
SILENCE_LEVEL = 1e-4
#: Shortest span (s) analysed: a few strides at least.
MIN_SPAN_S = 1.5
#: Smallest tolerance, relative to the video cadence, for the two to agree (2 %:
#: 3.4 steps/min at 170); widened to two standard errors of the video cadence when
#: the strides vary more (:func:`cadence_check`).
AGREEMENT_FRACTION = 0.02
_HOP_S = 0.01
_WINDOW = 1024


@dataclass(frozen=True)
class AudioCadence:
    """The step rhythm heard in a span of a clip's sound.

    Attributes
    ----------
    cadence_spm
        Steps per minute (60 / step period), or None when no rhythm was found.
    step_period_s
        The step period, or None.
    peak_correlation
        Autocorrelation of the onset strength at the chosen lag (0-1); the rhythm's
        clarity.
    span_s
        ``(start, end)`` of the analysed span, seconds of the clip.
    reason
        Why no cadence was found, else "".
    """

    cadence_spm: float | None
    step_period_s: float | None
    peak_correlation: float
    span_s: tuple[float, float]
    reason: str = ""


@dataclass(frozen=True)
class AudioTrack:
    """Mono sound samples from ``start_s`` seconds of a clip on.

    Attributes
    ----------
    samples
        ``(n,)`` mono samples (float32: half the memory of float64 for long clips).
    rate_hz
        Sampling rate.
    start_s
        Clip time of the first sample.
    """

    samples: NDArray[np.float32]
    rate_hz: float
    start_s: float


def read_audio(
    path: str | Path, *, span_s: tuple[float, float] | None = None
) -> AudioTrack | str:
    """The first sound track of a media file as mono samples.

    Parameters
    ----------
    path
        The media file.
    span_s
        Keep only the sound frames that overlap this ``(start, end)`` span (clip
        seconds), so a long clip's sound need not be held whole; None keeps all.

    Returns
    -------
    AudioTrack or str
        The samples, or the reason there is no sound to analyse (no sound track, an
        empty one, or one that cannot be decoded).
    """
    import av

    lo, hi = span_s if span_s is not None else (-np.inf, np.inf)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                return "the clip has no sound track"
            stream = container.streams.audio[0]
            rate = float(stream.rate or 0)
            if rate <= 0:
                return "the sound track has no sampling rate"
            track = _Assembler(rate)
            for frame in container.decode(stream):
                if frame.pts is not None and frame.time_base is not None:
                    track.clock_s = float(frame.pts * frame.time_base)
                end_s = track.clock_s + frame.samples / rate
                if end_s >= lo and track.clock_s <= hi:
                    track.add(_mono(frame.to_ndarray(), stream.channels))
                track.clock_s = end_s
    except av.error.FFmpegError as e:
        return f"the sound track cannot be decoded ({e})"
    return track.result() or "the sound track is empty"


class _Assembler:
    """Sound frames placed by their time stamps into one gapless sample series.

    Frames carry presentation times; an encoder's priming or an edit can leave a
    gap (filled with silence) or an overlap (the repeated samples are dropped), so
    the sample index stays the clip time times the rate.
    """

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self.clock_s = 0.0
        self.start_s: float | None = None
        self.chunks: list[NDArray[np.float32]] = []
        self.n_samples = 0

    def add(self, samples: NDArray[np.float32]) -> None:
        if self.start_s is None:
            self.start_s = self.clock_s
        expected = round((self.clock_s - self.start_s) * self.rate_hz)
        shift = expected - self.n_samples
        if shift > 0:
            self.chunks.append(np.zeros(shift, dtype=np.float32))
        elif shift < 0:
            samples = samples[-shift:]
        self.chunks.append(samples)
        self.n_samples += max(shift, 0) + samples.size

    def result(self) -> AudioTrack | None:
        if self.start_s is None or self.n_samples == 0:
            return None
        return AudioTrack(np.concatenate(self.chunks), self.rate_hz, self.start_s)


def _mono(block: NDArray[np.generic], channels: int) -> NDArray[np.float32]:
    """Planar ``(channels, n)`` or packed ``(1, n * channels)`` samples, averaged."""
    data = np.asarray(block, dtype=np.float32)
    if data.shape[0] == channels and channels > 1:
        return np.asarray(data.mean(axis=0), dtype=np.float32)
    return np.asarray(data.reshape(-1, channels).mean(axis=1), dtype=np.float32)


def _onset_strength(samples: FloatArray, rate_hz: float) -> tuple[FloatArray, float]:
    """Positive spectral flux per hop, and its sampling rate (Hz)."""
    hop = max(1, round(rate_hz * _HOP_S))
    window = min(_WINDOW, samples.size)
    _, _, spectrum = signal.stft(
        samples, rate_hz, nperseg=window, noverlap=window - hop, boundary=None
    )
    log_magnitude = np.log1p(100.0 * np.abs(spectrum))
    flux = np.maximum(np.diff(log_magnitude, axis=1), 0.0).sum(axis=0)
    return np.asarray(flux, dtype=float), rate_hz / hop


def _autocorrelation(x: FloatArray) -> FloatArray:
    centred = x - x.mean()
    full = signal.correlate(centred, centred, mode="full", method="fft")
    ac = full[centred.size - 1 :]
    return np.asarray(ac / ac[0], dtype=float) if ac[0] > 0 else np.zeros_like(ac)


def footfall_cadence(track: AudioTrack, *, span_s: tuple[float, float]) -> AudioCadence:
    """The step cadence heard in ``track`` between ``span_s`` (clip seconds).

    Parameters
    ----------
    track
        The clip's sound (:func:`read_audio`).
    span_s
        ``(start, end)`` seconds to analyse (the span the video cadence covers).
    """
    rate_hz = track.rate_hz
    start = max(track.start_s, span_s[0])
    end = min(span_s[1], track.start_s + track.samples.size / rate_hz)
    span = (round(start, 3), round(end, 3))
    if end - start < MIN_SPAN_S:
        return AudioCadence(
            None, None, 0.0, span, f"the span is under {MIN_SPAN_S:g} s of sound"
        )
    first = int((start - track.start_s) * rate_hz)
    last = int((end - track.start_s) * rate_hz)
    part = np.asarray(track.samples[first:last], dtype=float)
    if not np.abs(part).max(initial=0.0) > SILENCE_LEVEL:
        return AudioCadence(None, None, 0.0, span, "the sound is silent in this span")
    flux, flux_rate = _onset_strength(part, rate_hz)
    ac = _autocorrelation(flux)
    lags = np.arange(ac.size) / flux_rate
    searched = (lags >= MIN_STEP_S) & (lags <= MAX_LAG_S)
    peaks, _ = signal.find_peaks(np.where(searched, ac, -np.inf))
    if peaks.size == 0:
        return AudioCadence(None, None, 0.0, span, "no periodic sound")
    best = int(peaks[np.argmax(ac[peaks])])
    halves = peaks[np.abs(lags[peaks] - lags[best] / 2) <= 0.15 * lags[best] / 2]
    if halves.size and ac[halves].max() >= HALF_LAG_SHARE * ac[best]:
        best = int(halves[np.argmax(ac[halves])])
    strength = float(ac[best])
    if strength < MIN_PEAK_CORRELATION:
        return AudioCadence(
            None,
            None,
            strength,
            span,
            f"no clear footfall rhythm (autocorrelation {strength:.2f} < "
            f"{MIN_PEAK_CORRELATION})",
        )
    period = _refined_lag(ac, best) / flux_rate
    return AudioCadence(60.0 / period, period, strength, span)


def _refined_lag(ac: FloatArray, k: int) -> float:
    """Peak lag (in hops) refined by a parabola through three points."""
    if 0 < k < ac.size - 1:
        a, b, c = ac[k - 1], ac[k], ac[k + 1]
        denom = a - 2 * b + c
        if denom < 0:
            return float(k + 0.5 * (a - c) / denom)
    return float(k)


def cadence_check(
    heard: AudioCadence | str,
    video_cadence_spm: float | None,
    video_standard_error_spm: float | None = None,
) -> dict[str, object]:
    """The report's ``audio_cadence`` entry: the heard cadence beside the video's.

    Parameters
    ----------
    heard
        What :func:`footfall_cadence` found, or why there was no sound to analyse.
    video_cadence_spm
        The cadence from the keypoints over the same span, or None.
    video_standard_error_spm
        Its standard error (stride-to-stride SD / sqrt(strides)), or None.

    Returns
    -------
    dict
        ``cadence_spm``, ``video_cadence_spm``, ``difference_spm`` (heard − video),
        ``tolerance_spm`` (the larger of :data:`AGREEMENT_FRACTION` of the video
        cadence and two standard errors of it), ``agrees`` (None when either cadence
        is missing), ``peak_correlation``, ``span_s`` and ``reason``.
    """
    out: dict[str, object] = {
        "cadence_spm": None,
        "video_cadence_spm": video_cadence_spm,
        "difference_spm": None,
        "tolerance_spm": None,
        "agrees": None,
        "peak_correlation": None,
        "span_s": None,
        "reason": heard if isinstance(heard, str) else "",
    }
    if isinstance(heard, str):
        return out
    out.update(
        peak_correlation=round(heard.peak_correlation, 3),
        span_s=list(heard.span_s),
        reason=heard.reason,
    )
    if heard.cadence_spm is None:
        return out
    out["cadence_spm"] = round(heard.cadence_spm, 1)
    if video_cadence_spm is not None and video_cadence_spm > 0:
        difference = heard.cadence_spm - video_cadence_spm
        tolerance = max(
            AGREEMENT_FRACTION * video_cadence_spm,
            2.0 * (video_standard_error_spm or 0.0),
        )
        out["difference_spm"] = round(difference, 1)
        out["tolerance_spm"] = round(tolerance, 1)
        out["agrees"] = bool(abs(difference) <= tolerance)
    return out
