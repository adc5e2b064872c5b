"""Report figures: functions that return matplotlib Figures (never shown, never saved).

Each figure is a :class:`matplotlib.figure.Figure` with its own Agg canvas: nothing
here touches pyplot or the global backend, and importing the module has no side
effects. One style holds for all figures, so runs can be compared side by side:

- left is always blue ``#0072B2`` (solid lines, circles), right always vermillion
  ``#D55E00`` (dashed lines, squares): Okabe-Ito colours, safe for colour-blind
  readers and still told apart when printed in grey;
- quantities without a side are bluish green ``#009E73``; reference bands are grey;
- every axis names its unit.

Curves over the stride come from :func:`stridescope.gait.metrics.normalise_strides`
(dims ``(stride, percent)``) and are drawn as the mean over strides with a ±1 SD
band (standard deviation: the stride-to-stride spread). :func:`figure_to_svg` and
:func:`figure_to_png_data_uri` turn a figure into text for a self-contained page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from stridescope.errors import InputError
from stridescope.gait.metrics import normalise_strides
from stridescope.model import schema as s

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.typing import RcKeyType

__all__ = [
    "CURVE_TITLES",
    "SIDE_COLOURS",
    "SIDE_STYLES",
    "UNSIDED_COLOUR",
    "Band",
    "NamedFigure",
    "figure_to_png_data_uri",
    "figure_to_svg",
    "plot_angle_curves",
    "plot_coordination",
    "plot_pelvis_excursions",
    "plot_stride_timing",
    "plot_symmetry",
    "standard_figures",
]

FloatArray = NDArray[np.float64]
#: A reference band: constant ``(low, high)`` or per-percent arrays ``(low, high)``.
Band = tuple[float, float] | tuple[ArrayLike, ArrayLike]

SIDE_COLOURS: Final = {"left": "#0072B2", "right": "#D55E00"}
SIDE_STYLES: Final = {"left": ("-", "o"), "right": ("--", "s")}
UNSIDED_COLOUR: Final = "#009E73"
_GREY: Final = "#9A9A9A"
_STRIDE_LABEL: Final = "stride (% from foot strike to next foot strike)"
_WIDTH_IN: Final = 5.0
_STYLE: Final[dict[RcKeyType, Any]] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": "#555555",
    "lines.markersize": 6.5,
    "errorbar.capsize": 3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E6E6E6",
    "legend.frameon": False,
    "legend.fontsize": 10,
    "axes.formatter.useoffset": False,
    "svg.hashsalt": "stridescope",
    "svg.fonttype": "path",
}
_PELVIS_LABELS: Final = {
    "pelvis_anterior_tilt": "tilt (deg)\n+ forward",
    "pelvis_obliquity": "obliquity (deg)\n+ right side up",
    "pelvis_rotation": "rotation (deg)\n+ right forward",
}


def _new_figure(height_in: float, *, width_in: float = _WIDTH_IN) -> Figure:
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _ensure_span(ax: Axes, min_span: float, *, axis: str = "y") -> None:
    """Widen an axis to at least ``min_span``, so flat lines do not look noisy."""
    low, high = ax.get_ylim() if axis == "y" else ax.get_xlim()
    if high - low < min_span:
        mid = (low + high) / 2
        limits = (mid - min_span / 2, mid + min_span / 2)
        ax.set_ylim(limits) if axis == "y" else ax.set_xlim(limits)


def _mean_sd(curves: xr.DataArray, name: str) -> tuple[FloatArray, ...]:
    """Percent axis, mean and SD (ddof=1) over strides; NaN where too few strides."""
    if sorted(map(str, getattr(curves, "dims", ()))) != ["percent", "stride"]:
        dims = getattr(curves, "dims", type(curves).__name__)
        raise InputError(
            f"Expected '{name}' curves with dims (stride, percent) from "
            f"normalise_strides, but got {dims}."
        )
    values = np.asarray(curves.transpose("stride", "percent").values, dtype=float)
    finite = np.isfinite(values)
    count = finite.sum(axis=0)
    mean = np.full(count.shape, np.nan)
    np.divide(
        np.where(finite, values, 0.0).sum(axis=0), count, out=mean, where=count > 0
    )
    squares = np.where(finite, values - mean, 0.0) ** 2
    var = np.full(count.shape, np.nan)
    np.divide(squares.sum(axis=0), count - 1, out=var, where=count > 1)
    return np.asarray(curves["percent"].values, dtype=float), mean, np.sqrt(var)


def _draw_mean_sd(
    ax: Axes, curves: xr.DataArray, *, side: str, label: str | None = None
) -> FloatArray:
    percent, mean, sd = _mean_sd(curves, side)
    colour = SIDE_COLOURS.get(side, UNSIDED_COLOUR)
    ls = SIDE_STYLES.get(side, ("-", "o"))[0]
    ax.fill_between(percent, mean - sd, mean + sd, color=colour, alpha=0.18, lw=0)
    text = f"{label or side} ({curves.sizes['stride']} strides)"
    ax.plot(percent, mean, color=colour, lw=2, ls=ls, label=text)
    return percent


def _draw_band(ax: Axes, band: Band | None, percent: FloatArray) -> None:
    if band is not None:
        low, high = (np.broadcast_to(np.asarray(b, float), percent.shape) for b in band)
        ax.fill_between(
            percent, low, high, color=_GREY, alpha=0.3, lw=0, label="reference"
        )


def _draw_toe_off(ax: Axes, toe_off_pct: Mapping[str, float] | None) -> None:
    for side, pct in (toe_off_pct or {}).items():
        if np.isfinite(pct):
            colour = SIDE_COLOURS.get(side, UNSIDED_COLOUR)
            ax.axvline(pct, color=colour, lw=1, ls=":")
            where = ax.get_xaxis_transform()
            ax.text(pct, 0.98, " toe-off", transform=where, va="top", color=colour)


def plot_angle_curves(
    curves: Mapping[str, xr.DataArray],
    *,
    title: str,
    unit: str = "deg",
    normative: Band | None = None,
    toe_off_pct: Mapping[str, float] | None = None,
) -> Figure:
    """Plot one angle over the stride (0-100 %), left and right overlaid, mean ± SD.

    Parameters
    ----------
    curves
        Side (``"left"``/``"right"``; other keys get the no-side colour) to
        stride-normalised curves, dims ``(stride, percent)``, in ``unit``.
    title
        Plain name of the angle, e.g. ``"Hip flexion (+ thigh in front)"``.
    unit
        Unit of the curves, shown on the y axis.
    normative
        Optional reference band: ``(low, high)`` constants or per-percent arrays.
    toe_off_pct
        Side to the mean toe-off in % of the stride, marked by a dotted line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not curves:
        raise InputError("Expected curves for at least one side, but got none.")
    with rc_context(_STYLE):
        fig = _new_figure(3.5)
        ax = fig.add_subplot()
        for side, data in curves.items():
            percent = _draw_mean_sd(ax, data, side=side)
        _draw_band(ax, normative, percent)
        _draw_toe_off(ax, toe_off_pct)
        ax.set(
            title=title, xlabel=_STRIDE_LABEL, ylabel=f"angle ({unit})", xlim=(0, 100)
        )
        ax.legend(loc="best")
    return fig


def plot_pelvis_excursions(
    curves: Mapping[str, xr.DataArray],
    *,
    toe_off_pct: Mapping[str, float] | None = None,
    normative: Mapping[str, Band] | None = None,
) -> Figure:
    """Plot pelvis tilt, obliquity and rotation over the stride, one panel each.

    Parameters
    ----------
    curves
        Angle name (``pelvis_anterior_tilt``, ``pelvis_obliquity``,
        ``pelvis_rotation``; other names are shown as they are) to curves in
        degrees over the strides of one reference side.
    toe_off_pct
        The reference side to its mean toe-off in % of the stride.
    normative
        Optional reference band per angle name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not curves:
        raise InputError("Expected at least one pelvis angle, but got none.")
    with rc_context(_STYLE):
        fig = _new_figure(1.0 + 1.55 * len(curves))
        axes = fig.subplots(len(curves), 1, sharex=True, squeeze=False)[:, 0]
        for ax, (name, data) in zip(axes, curves.items(), strict=True):
            percent = _draw_mean_sd(ax, data, side=name, label="mean ± SD")
            _draw_band(ax, (normative or {}).get(name), percent)
            _draw_toe_off(ax, toe_off_pct)
            _ensure_span(ax, 2.0)
            ax.set_ylabel(_PELVIS_LABELS.get(name, f"{name} (deg)"), fontsize=9.5)
        axes[0].set_title("Pelvis movement over the stride")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper right")
        axes[-1].set(xlabel=_STRIDE_LABEL, xlim=(0, 100))
    return fig


def _both_sides(metric: object) -> bool:
    return isinstance(metric, Mapping) and all(
        isinstance(metric.get(side), Mapping) and metric[side].get("mean") is not None
        for side in s.SIDES
    )


def _plain(name: str) -> str:
    """``hip_sagittal_rom_deg`` -> ``hip sagittal rom`` (the unit is on the axis)."""
    return re.sub(r"_(deg|s|m|pct|spm)$", "", name).replace("_", " ")


def _dumbbell(
    ax: Axes, y: float, metric: Mapping[str, Any], limit: float | None
) -> None:
    means = [float(metric[side]["mean"]) for side in s.SIDES]
    if limit is not None:
        ax.barh(y, limit, left=sum(means) / 2 - limit / 2, height=0.6, color="#E4E4E4")
    ax.plot(means, [y + 0.12, y - 0.12], color=_GREY, lw=1.5, zorder=1)
    for side, mean, dy in zip(s.SIDES, means, (0.12, -0.12), strict=True):
        sd = metric[side].get("sd")
        err = None if sd is None else [[sd], [sd]]
        fmt, colour, label = SIDE_STYLES[side][1], SIDE_COLOURS[side], side * (y == 0)
        ax.errorbar(mean, y + dy, xerr=err, fmt=fmt, color=colour, ms=7, label=label)


def plot_symmetry(
    metrics: Mapping[str, Mapping[str, Any]],
    *,
    thresholds: Mapping[str, float] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Left vs right per sided metric with ±1 stride SD as error bars (dumbbells).

    A grey bar centred between the two sides is as wide as the metric's asymmetry
    threshold: when both points lie on it, the difference is below the threshold.

    Parameters
    ----------
    metrics
        The ``metrics`` of report.json: name to ``{unit, left: {mean, sd}, right:
        {mean, sd}}``; metrics without both sides are left out. One panel per unit.
    thresholds
        Metric name to its asymmetry threshold, in the metric's unit.
    labels
        Metric name to a plain label (defaults to the name).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        When no metric has both a left and a right mean.
    """
    by_unit: dict[str, list[str]] = {}
    for name, metric in metrics.items():
        if _both_sides(metric):
            by_unit.setdefault(str(metric.get("unit", "")), []).append(name)
    if not by_unit:
        raise InputError(
            "Expected at least one metric with a left and a right mean, but got none."
        )
    n_rows = sum(len(v) for v in by_unit.values())
    with rc_context(_STYLE):
        fig = _new_figure(0.9 + 0.42 * n_rows + 0.55 * len(by_unit))
        ratios = [len(names) for names in by_unit.values()]
        axes = fig.subplots(len(by_unit), 1, squeeze=False, height_ratios=ratios)[:, 0]
        for ax, (unit, names) in zip(axes, by_unit.items(), strict=True):
            for y, name in enumerate(names):
                _dumbbell(ax, -y, metrics[name], (thresholds or {}).get(name))
            ticks = [(labels or {}).get(n, _plain(n)) for n in names]
            ax.set_yticks([-y for y in range(len(names))], ticks)
            ax.set_ylim(-len(names) + 0.4, 0.6)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel(f"mean over strides ({unit})")
            largest = max(
                abs(metrics[n][side]["mean"]) for n in names for side in s.SIDES
            )
            _ensure_span(ax, 0.2 * largest or 1.0, axis="x")
        axes[0].set_title("Left and right (mean ± SD)")
        fig.legend(
            *axes[0].get_legend_handles_labels(), loc="outside upper right", ncols=2
        )
    return fig


def plot_coordination(
    pelvis: xr.DataArray,
    trunk: xr.DataArray,
    *,
    toe_off_pct: float | None = None,
    labels: tuple[str, str] = ("pelvis rotation", "trunk rotation"),
) -> Figure:
    """Angle-angle plot of pelvis vs trunk over the mean stride.

    The line shades from dark (foot strike, 0 %) to light (100 %). Along the dashed
    diagonal the two turn together (in phase); along the dotted one they turn in
    opposite directions. Both diagonals pass through the mean of each angle.

    Parameters
    ----------
    pelvis, trunk
        Stride-normalised curves in degrees, dims ``(stride, percent)``, over the
        same strides.
    toe_off_pct
        Mean toe-off of those strides in % of the stride, marked with a triangle.
    labels
        Axis names of the two angles (their unit, degrees, is added).

    Returns
    -------
    matplotlib.figure.Figure
    """
    percent, x, _ = _mean_sd(pelvis, labels[0])
    _, y, _ = _mean_sd(trunk, labels[1])
    cx, cy = float(np.nanmean(x)), float(np.nanmean(y))
    half = 1.15 * float(np.nanmax(np.abs(np.concatenate([x - cx, y - cy])))) or 1.0
    with rc_context(_STYLE):
        fig = _new_figure(4.6, width_in=4.9)
        ax = fig.add_subplot()
        for sign, ls in ((1, "--"), (-1, ":")):
            ends = [cy - sign * half, cy + sign * half]
            ax.plot([cx - half, cx + half], ends, color=_GREY, lw=0.9, ls=ls)
        xy = np.column_stack([x, y])
        lines = LineCollection(list(np.stack([xy[:-1], xy[1:]], axis=1)), lw=2.5)
        lines.set_cmap("cividis")
        lines.set_array(percent[:-1])
        ax.add_collection(lines)
        ax.plot(x[0], y[0], "o", color="black", ms=7, label="foot strike (0 %)")
        if toe_off_pct is not None and np.isfinite(toe_off_pct):
            i = int(np.argmin(np.abs(percent - toe_off_pct)))
            ax.plot(x[i], y[i], "^", color="black", ms=8, label="toe-off")
        ax.set(xlim=(cx - half, cx + half), ylim=(cy - half, cy + half), aspect="equal")
        ax.set(xlabel=f"{labels[0]} (deg)", ylabel=f"{labels[1]} (deg)")
        ax.set_title("Pelvis and trunk turning together")
        fig.colorbar(lines, ax=ax, label="stride (%)", shrink=0.8)
        ax.legend(loc="upper left", fontsize=8.5)
    return fig


def plot_stride_timing(strides: pd.DataFrame) -> Figure:
    """Stride time and contact time of every stride, per side, over the recording.

    Parameters
    ----------
    strides
        The stride table (``segment_strides``, or a ``pd.DataFrame`` of report.json
        ``strides``) with ``side``, ``foot_strike_s``, ``stride_time_s``,
        ``contact_time_s`` and ``valid``. Excluded strides are grey crosses.

    Returns
    -------
    matplotlib.figure.Figure
    """
    needed = {"side", "foot_strike_s", "stride_time_s", "contact_time_s", "valid"}
    if missing := sorted(needed - set(strides.columns)):
        raise InputError(f"Expected stride table columns {missing}, but got none.")
    valid = strides["valid"].astype(bool)
    bad = strides[~valid]
    with rc_context(_STYLE):
        fig = _new_figure(4.4)
        axes = fig.subplots(2, 1, sharex=True)
        for ax, column in zip(axes, ("stride_time_s", "contact_time_s"), strict=True):
            for side in s.SIDES:
                rows = strides[valid & (strides["side"] == side)]
                ls, marker = SIDE_STYLES[side]
                style = {"ls": ls, "marker": marker, "color": SIDE_COLOURS[side]}
                ax.plot(rows["foot_strike_s"], rows[column], **style, label=side)
            label = "excluded" if len(bad) else ""
            ax.plot(bad["foot_strike_s"], bad[column], "x", color=_GREY, label=label)
            _ensure_span(ax, 0.1)
            ax.set_ylabel(column.removesuffix("_s").replace("_", " ") + " (s)")
        axes[0].set_title("Timing of each stride")
        axes[0].legend(loc="best", ncols=3)
        axes[1].set_xlabel("time of the foot strike in the recording (s)")
    return fig


_ID: Final = re.compile(r'\bid="([^"]+)"')


def figure_to_svg(
    fig: Figure, *, title: str | None = None, id_prefix: str | None = None
) -> str:
    """Return ``fig`` as inline SVG text for an HTML page.

    The XML prolog and metadata are dropped; the fixed size becomes
    ``width="100%"`` (the viewBox keeps the aspect ratio); every ``id`` gets a
    prefix unique to the figure, so several figures can share one page. Glyphs are
    drawn as paths: no font is needed to show it.

    Parameters
    ----------
    fig
        The figure.
    title
        Accessible name (``<title>`` and ``aria-label``).
    id_prefix
        Prefix of the ids; by default derived from the SVG's content.

    Returns
    -------
    str
        ``<svg ...>...</svg>``.
    """
    buffer = io.StringIO()
    with rc_context(_STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = re.sub(
        r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg") :], flags=re.S
    )
    prefix = id_prefix or "f" + hashlib.sha1(text.encode()).hexdigest()[:8] + "-"
    ids = set(_ID.findall(text))
    text = re.sub(
        r'(\bid="|href="#|url\(#)([^")]+)',
        lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2),
        text,
    )
    label = "" if title is None else f' aria-label="{html.escape(title)}"'
    head = "" if title is None else f"<title>{html.escape(title)}</title>"
    text = re.sub(
        r'<svg\b([^>]*?)\swidth="[^"]*"\sheight="[^"]*"([^>]*)>',
        lambda m: f'<svg{m[1]} width="100%" role="img"{label}{m[2]}>{head}',
        text,
        count=1,
    )
    return text.strip()


def figure_to_png_data_uri(fig: Figure, *, dpi: float = 144) -> str:
    """Return ``fig`` as a ``data:image/png;base64,...`` URI (``dpi``: dots/inch)."""
    buffer = io.BytesIO()
    with rc_context(_STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


#: Sided angles drawn over the stride, with their plain titles (3D, then video).
CURVE_TITLES: Final = {
    "hip_flexion": "Hip flexion (+ thigh in front)",
    "thigh_angle": "Thigh angle from vertical (+ knee in front)",
    "hip_adduction": "Hip adduction (+ thigh toward the middle)",
    "hip_adduction_proxy": "Thigh toward the middle, seen from behind (+)",
    "knee_flexion": "Knee flexion (+ bent)",
}
NamedFigure = tuple[str, Figure, str]


def _curves(
    angles: xr.DataArray, strides: pd.DataFrame, joint: str
) -> dict[str, xr.DataArray]:
    names = {str(j) for j in angles[s.JOINT].values}
    valid = strides[strides["valid"].astype(bool)]
    return {
        str(side): normalise_strides(angles.sel({s.JOINT: name}, drop=True), rows)
        for side, rows in valid.groupby("side")
        if (name := joint if joint.startswith("pelvis") else f"{side}_{joint}") in names
    }


def standard_figures(
    angles: xr.DataArray | None,
    strides: pd.DataFrame,
    metrics: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, list[NamedFigure]]:
    """The report's usual figures for one input, grouped, each with a caption.

    Parameters
    ----------
    angles
        ``angle(time, joint)`` in degrees, or None (then only timing is drawn).
    strides
        The stride table.
    metrics
        report.json ``metrics`` (for the left/right chart).
    labels
        Plain labels of the metric names, for the left/right chart.

    Returns
    -------
    dict of str to list of (title, Figure, caption)
        Groups ``"Hips and knees"``, ``"Pelvis"`` and ``"Sides and timing"``;
        groups without data are left out.
    """
    valid = strides[strides["valid"].astype(bool)]
    ratio = 100 * valid["contact_time_s"] / valid["stride_time_s"]
    toe_off = {str(k): float(v) for k, v in ratio.groupby(valid["side"]).mean().items()}
    out: dict[str, list[NamedFigure]] = {}
    how = "Average stride of each side, ± 1 SD shaded; dotted: toe-off."
    for joint, title in CURVE_TITLES.items():
        curves = _curves(angles, strides, joint) if angles is not None else {}
        if curves:
            fig = plot_angle_curves(curves, title=title, toe_off_pct=toe_off)
            out.setdefault("Hips and knees", []).append((title, fig, how))
    ref = max(toe_off, key=lambda side: int((valid["side"] == side).sum()), default="")
    pelvis = {
        j: c[ref]
        for j in _PELVIS_LABELS
        if angles is not None and ref in (c := _curves(angles, strides, j))
    }
    if pelvis:
        fig = plot_pelvis_excursions(pelvis, toe_off_pct={ref: toe_off[ref]})
        text = f"Over the {ref} strides: how far the pelvis tips, tilts and turns."
        out["Pelvis"] = [("Pelvis movement", fig, text)]
    sides = out.setdefault("Sides and timing", [])
    if any(_both_sides(m) for m in metrics.values()):
        fig = plot_symmetry(metrics, labels=labels)
        text = "Circles left, squares right, with ± 1 SD bars."
        sides.append(("Left and right compared", fig, text))
    text = "Each point is one stride; crosses were left out of the averages."
    sides.append(("Timing of each stride", plot_stride_timing(strides), text))
    return out
