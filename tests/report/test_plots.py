"""Report figures: data drawn exactly, units on every axis, one palette, clean SVG."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from stridescope import io
from stridescope.errors import InputError
from stridescope.gait.metrics import normalise_strides
from stridescope.model import schema as s
from stridescope.pipeline import analyze_input
from stridescope.report.plots import (
    SIDE_COLOURS,
    figure_to_png_data_uri,
    figure_to_svg,
    plot_angle_curves,
    plot_coordination,
    plot_pelvis_excursions,
    plot_stride_timing,
    plot_symmetry,
)
from tests.fixtures.synthetic_runner import synthetic_runner

PERCENT = np.linspace(0.0, 100.0, 101)


def curves(values: list[list[float]] | np.ndarray) -> xr.DataArray:
    """Stride-normalised curves (stride, percent) with the given rows."""
    data = np.asarray(values, dtype=float)
    if data.shape[1] != PERCENT.size:
        data = np.repeat(data[:, :1], PERCENT.size, axis=1)
    return xr.DataArray(
        data,
        dims=("stride", "percent"),
        coords={"stride": np.arange(len(data)), "percent": PERCENT},
    )


def sine(offset: float, amplitude: float) -> np.ndarray:
    return offset + amplitude * np.sin(2 * np.pi * PERCENT / 100)


def all_axis_labels(fig: Figure) -> list[str]:
    return [
        label
        for ax in fig.axes
        for label in (ax.get_xlabel(), ax.get_ylabel())
        if label and ax.get_label() != "<colorbar>"
    ]


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> object:
    path = tmp_path_factory.mktemp("plots") / "runner.nc"
    io.save(synthetic_runner(duration_s=4.0).trial, path)
    return analyze_input(path, "netcdf")


def test_angle_curves_draw_mean_and_sd_per_side_in_the_side_colour() -> None:
    left = curves([sine(10, 30), sine(14, 30)])  # mean = 12 + 30 sin, SD = 2.83
    right = curves([sine(20, 30)] * 3)
    fig = plot_angle_curves(
        {"left": left, "right": right},
        title="Hip flexion",
        toe_off_pct={"left": 38.0, "right": 40.0},
    )
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["left (2 strides)"].get_ydata(), sine(12, 30))
    np.testing.assert_allclose(lines["right (3 strides)"].get_ydata(), sine(20, 30))
    assert to_hex(lines["left (2 strides)"].get_color()) == SIDE_COLOURS["left"].lower()
    assert (
        to_hex(lines["right (3 strides)"].get_color()) == SIDE_COLOURS["right"].lower()
    )
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(12 + 30 + np.sqrt(8), abs=1e-6)
    vertical = [line.get_xdata()[0] for line in ax.get_lines()[2:]]
    assert vertical == [38.0, 40.0]
    assert ax.get_ylabel() == "angle (deg)"
    assert "%" in ax.get_xlabel()


def test_angle_curves_with_a_normative_band_and_nan_strides() -> None:
    gappy = curves([sine(0, 10), np.full(101, np.nan)])
    fig = plot_angle_curves(
        {"left": gappy}, title="Knee", normative=(np.zeros(101), np.full(101, 5.0))
    )
    ax = fig.axes[0]
    reference = [c for c in ax.collections if c.get_label() == "reference"]
    assert len(reference) == 1
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), sine(0, 10))


def test_angle_curves_reject_wrong_dims() -> None:
    wrong = xr.DataArray(np.zeros(5), dims=("time",))
    with pytest.raises(InputError, match=r"dims \(stride, percent\)"):
        plot_angle_curves({"left": wrong}, title="x")
    with pytest.raises(InputError, match="at least one side"):
        plot_angle_curves({}, title="x")


def test_pelvis_excursions_one_panel_per_angle_with_units() -> None:
    fig = plot_pelvis_excursions(
        {
            "pelvis_anterior_tilt": curves([sine(10, 2)] * 2),
            "pelvis_obliquity": curves([sine(0, 4)] * 2),
            "pelvis_rotation": curves([sine(0, 5)] * 2),
        },
        toe_off_pct={"right": 36.0},
        normative={"pelvis_obliquity": (-5.0, 5.0)},
    )
    assert len(fig.axes) == 3
    labels = all_axis_labels(fig)
    assert all("(deg)" in label or "%" in label for label in labels)
    assert sum("(deg)" in label for label in labels) == 3


def test_symmetry_chart_draws_both_sides_with_sd_and_threshold_bar() -> None:
    metrics = {
        "hip_sagittal_rom_deg": {
            "unit": "deg",
            "left": {"mean": 50.0, "sd": 2.0, "n_strides": 6},
            "right": {"mean": 44.0, "sd": 1.0, "n_strides": 6},
        },
        "contact_time_s": {
            "unit": "s",
            "left": {"mean": 0.25, "sd": None, "n_strides": 1},
            "right": {"mean": 0.26, "sd": 0.01, "n_strides": 5},
        },
        "pelvis_tilt_rom_deg": {"unit": "deg", "value": {"mean": 4.0}},  # no sides
    }
    fig = plot_symmetry(metrics, thresholds={"hip_sagittal_rom_deg": 5.0})
    axes = list(fig.axes)
    assert [ax.get_xlabel() for ax in axes] == [
        "mean over strides (deg)",
        "mean over strides (s)",
    ]
    bar = axes[0].patches[0]
    assert bar.get_width() == pytest.approx(5.0)
    assert bar.get_x() == pytest.approx(47.0 - 2.5)
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["hip sagittal rom"]


def test_symmetry_chart_needs_a_sided_metric() -> None:
    with pytest.raises(InputError, match="left and a right mean"):
        plot_symmetry({"cadence_spm": {"unit": "steps/min", "value": {"mean": 170}}})


def test_coordination_is_an_angle_angle_plot_with_equal_axes() -> None:
    pelvis = curves([sine(0, 5)] * 3)
    trunk = curves([sine(2, -3)] * 3)
    fig = plot_coordination(pelvis, trunk, toe_off_pct=36.0)
    ax = fig.axes[0]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    start = lines.get_segments()[0][0]
    np.testing.assert_allclose(start, [0.0, 2.0], atol=1e-9)
    assert ax.get_aspect() == 1.0
    assert ax.get_xlabel() == "pelvis rotation (deg)"
    assert ax.get_ylabel() == "trunk rotation (deg)"
    assert fig.axes[1].get_ylabel() == "stride (%)"  # the colour bar


def test_stride_timing_marks_excluded_strides(runner: object) -> None:
    strides = runner.strides.copy()  # type: ignore[attr-defined]
    strides.loc[strides.index[0], "valid"] = False
    fig = plot_stride_timing(strides)
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "stride time (s)",
        "contact time (s)",
    ]
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["left", "right", "excluded"]
    left = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(left.get_ydata(), 0.72)


def test_stride_timing_needs_the_stride_columns() -> None:
    with pytest.raises(InputError, match="contact_time_s"):
        plot_stride_timing(pd.DataFrame({"side": ["left"]}))


def test_real_curves_from_the_synthetic_runner(runner: object) -> None:
    angles = runner.trial[s.ANGLE]  # type: ignore[attr-defined]
    strides = runner.strides  # type: ignore[attr-defined]
    rows = strides[(strides["side"] == "left") & strides["valid"]]
    left = normalise_strides(angles.sel(joint="left_hip_flexion", drop=True), rows)
    fig = plot_angle_curves({"left": left}, title="Hip flexion")
    mean = fig.axes[0].get_lines()[0].get_ydata()
    assert float(np.nanmax(mean)) == pytest.approx(45.0, abs=0.05)  # 15 + 30
    assert float(np.nanmin(mean)) == pytest.approx(-15.0, abs=0.05)


def test_svg_is_inline_ready_with_unique_ids() -> None:
    fig = plot_angle_curves({"left": curves([sine(0, 1)] * 2)}, title="A & B")
    one = figure_to_svg(fig, title="Hip <flexion>")
    two = figure_to_svg(
        plot_angle_curves({"right": curves([sine(1, 1)] * 2)}, title="C")
    )
    assert one.startswith("<svg")
    assert one.endswith("</svg>")
    assert "<?xml" not in one
    assert "<!DOCTYPE" not in one
    assert "<metadata" not in one
    head = one[: one.index(">")]
    assert 'width="100%"' in head
    assert "height=" not in head
    assert "viewBox" in head
    assert "<title>Hip &lt;flexion&gt;</title>" in one
    ids_one = set(re.findall(r'\bid="([^"]+)"', one))
    ids_two = set(re.findall(r'\bid="([^"]+)"', two))
    assert ids_one
    assert not ids_one & ids_two
    for svg, ids in ((one, ids_one), (two, ids_two)):
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
        assert refs <= ids
        assert not re.search(r'(?:src|href)="(?:https?:)?//', svg)


def test_png_data_uri_decodes_to_a_png() -> None:
    uri = figure_to_png_data_uri(
        plot_angle_curves({"left": curves([sine(0, 1)] * 2)}, title="x"), dpi=50
    )
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"


def test_import_has_no_pyplot_and_leaves_the_backend_alone(tmp_path: Path) -> None:
    code = (
        "import matplotlib; before = matplotlib.rcParams._get_backend_or_none(); "
        "import sys, stridescope.report.plots; "
        "assert 'matplotlib.pyplot' not in sys.modules; "
        "assert matplotlib.rcParams._get_backend_or_none() == before"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
