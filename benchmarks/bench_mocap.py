"""Benchmark: a 10 s, 100 Hz marker trial from file to report.json.

Prints wall seconds (interpreter start-up and imports excluded) and peak memory for a
synthetic 40-marker TRC, and for the real recordings in ../shared/data when present.
Target (issue 2): under 2 s on the project's 2-core machine.

Run from the repository root: ``.venv/bin/python benchmarks/bench_mocap.py``.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stridescope.io.trc import write_trc  # noqa: E402
from stridescope.model.trial import from_arrays  # noqa: E402
from stridescope.pipeline import analyze, write_outputs  # noqa: E402
from tests.fixtures.synthetic_runner import synthetic_runner  # noqa: E402

N_EXTRA_MARKERS = 33


def _marker_trial(duration_s: float, rate_hz: float) -> object:
    """The synthetic runner's markers plus rigid cluster markers (about 40 in all)."""
    run = synthetic_runner(duration_s=duration_s, rate_hz=rate_hz, stride_time_s=0.72)
    trial = run.trial
    pos = trial["position"].transpose("time", "space", "keypoint").values
    names = [str(k) for k in trial["keypoint"].values]
    rng = np.random.default_rng(0)
    anchors = rng.integers(0, pos.shape[2], N_EXTRA_MARKERS)
    offsets = rng.normal(0.0, 0.05, (N_EXTRA_MARKERS, 3))
    extra = pos[:, :, anchors] + offsets.T[None, :, :]
    return from_arrays(
        position=np.concatenate([pos, extra], axis=2),
        keypoint_names=names + [f"CL{i:02d}" for i in range(N_EXTRA_MARKERS)],
        sampling_rate_hz=rate_hz,
        space_unit="m",
    )


def _time_analysis(paths: list[Path], out: Path) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    write_outputs(analyze(paths), out)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20


def main() -> None:
    """Run the benchmark cases and print one line each."""
    shared = ROOT.parent / "shared" / "data"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        trc = folder / "runner_10s_100hz.trc"
        write_trc(_marker_trial(10.0, 100.0), trc)  # type: ignore[arg-type]
        analyze([trc])  # warm up lazy imports and caches
        cases = [("synthetic 10 s, 100 Hz, 40 markers (TRC)", [trc])]
        hamner = shared / "mocap-hamner2013-s01-run3ms"
        if hamner.is_dir():
            cases.append(
                (
                    "Hamner 4.7 s, 100 Hz, 42 markers + IK (.sto + GRF)",
                    [hamner / "ikTrackingData.sto", hamner / "Run_3_grf.mot"],
                )
            )
        ja1 = shared / "mocap-ja1-run350-opensim" / "run0350cms.trc"
        if ja1.is_file():
            cases.append(("JA1 3.3 s, 250 Hz, 53 markers (TRC)", [ja1]))
        print(f"{'case':<55} {'wall s':>7} {'py peak MiB':>12}")
        for label, paths in cases:
            wall, peak = _time_analysis(paths, folder / "out")
            print(f"{label:<55} {wall:7.3f} {peak:12.1f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (whole run, incl. interpreter): {rss:.0f} MiB")
    print("target: synthetic 10 s trial under 2 s wall")


if __name__ == "__main__":
    main()
