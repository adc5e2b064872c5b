"""Bad video input through the real command line: exit 2, one line, nothing written.

Every input is generated in ``tmp_path`` with PyAV; the cases that reach pose
estimation (a clip without a person, a 10-frame clip) need MediaPipe as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stridescope.cli import app, bundled_sample

av = pytest.importorskip("av")

RATE_HZ = 30
runner = CliRunner()


def _text_named_mp4(folder: Path) -> Path:
    """A text file with a video's suffix."""
    path = folder / "notes.mp4"
    path.write_text("these are my running notes, not a video\n" * 20)
    return path


def _zero_bytes(folder: Path) -> Path:
    """An empty ``.mp4``."""
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def _no_person(folder: Path) -> Path:
    """Two seconds of grey noise (H.264, 320x240, 30 fps): a scene without anyone."""
    pytest.importorskip("mediapipe")
    path = folder / "empty_room.mp4"
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=RATE_HZ)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(2 * RATE_HZ):
            grey = rng.normal(128.0, 20.0, (240, 320, 1)).clip(0, 255)
            image = np.repeat(grey.astype(np.uint8), 3, axis=2)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def _ten_frames(folder: Path) -> Path:
    """The first 10 frames (0.33 s) of the bundled side-view run, re-encoded."""
    pytest.importorskip("mediapipe")
    path = folder / "ten_frames.mp4"
    with av.open(str(bundled_sample())) as src, av.open(str(path), "w") as dst:
        source = src.streams.video[0]
        stream = dst.add_stream("libx264", rate=RATE_HZ)
        stream.width, stream.height = source.width, source.height
        stream.pix_fmt = "yuv420p"
        for index, frame in enumerate(src.decode(source)):
            if index == 10:
                break
            frame.pts, frame.time_base = index, Fraction(1, RATE_HZ)
            dst.mux(stream.encode(frame))
        dst.mux(stream.encode())
    return path


def _audio_only(folder: Path) -> Path:
    """An MP4 container holding only half a second of AAC audio (a 440 Hz tone)."""
    path = folder / "voice.mp4"
    rate_hz, samples = 8000, 1024
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate_hz)
        for block in range(4):
            t_s = (block * samples + np.arange(samples)) / rate_hz
            tone = 0.2 * np.sin(2 * np.pi * 440.0 * t_s, dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(
                tone.reshape(1, -1), format="fltp", layout="mono"
            )
            frame.sample_rate, frame.pts = rate_hz, block * samples
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


# The no-person and 10-frame clips are refused by the analysis after pose extraction,
# whose wording evolves; their patterns pin what must stay: no body found, the length.
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_text_named_mp4, r"notes\.mp4: expected video content for a '\.mp4' file"),
        (_zero_bytes, r"empty\.mp4: the file is empty \(0 bytes\)"),
        (_no_person, r"empty_room\.mp4: no person was found in any of its"),
        (_ten_frames, r"ten_frames\.mp4: .*\b0\.33 s\b"),
        (_audio_only, r"voice\.mp4: expected a video stream, but the file has none"),
    ],
    ids=["text", "zero-bytes", "no-person", "ten-frames", "audio-only"],
)
def test_bad_video_exits_2_with_one_line_naming_the_file(
    make: Callable[[Path], Path], message: str, tmp_path: Path
) -> None:
    bad = make(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(bad), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("stridescope: error: "), lines[0]
    assert bad.name in lines[0]
    assert re.search(message, lines[0]), lines[0]
    assert not out.exists()
