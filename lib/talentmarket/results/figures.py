"""One visual style for every notebook, with source lines and event markers.

Figures carry their provenance on the canvas (source and licence footer), so a
figure copied out of a report still says where its numbers come from.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import IPython
import IPython.display
import matplotlib
import matplotlib.dates
import matplotlib.layout_engine
import matplotlib.lines
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns

from talentmarket.data.store import DataStore

EVENTS: dict[str, pd.Timestamp] = {
    "ChatGPT release": pd.Timestamp("2022-11-30"),
}
HIGHLIGHT = "#c0392b"
"""The colour of the series a figure is about (AI); other series use PALETTE."""
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]
MUTED = "#9aa5b1"
FIGURE_DPI = 110


def apply_style() -> None:
    """The project's seaborn theme; called once at the top of each notebook."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.0, palette=PALETTE)
    plt.rcParams.update({"figure.figsize": (10, 5.5), "figure.dpi": FIGURE_DPI, "axes.titleweight": "bold"})


def source_line(store: DataStore, sources: list[str] | None = None, extra: str | None = None) -> str:
    """'Source: citation; …' for the named sources (default: every source the store has served) and an
    ``extra`` citation (e.g. a generator that is not a registered source), prefixed by a warning when synthetic."""
    seen: dict[str, str] = {}
    for use in store.provenance():
        if sources is None or use["source"] in sources:
            seen.setdefault(use["citation"], use["license"])
    cited = sorted(seen) + ([extra] if extra else [])
    text = "Source: " + "; ".join(cited) if cited else "Source: none recorded"
    return ("SYNTHETIC DATA — NOT A FINDING. " + text) if store.synthetic else text


def add_footer(fig: plt.Figure, text: str, *, warning: bool = False) -> None:
    """Write ``text`` under the axes, wrapped to the figure width; ``warning`` sets it in bold red.

    The axes are then laid out tightly above it once, by the engine ``fig.tight_layout`` uses, but without
    leaving a layout engine on the figure: ``fig.tight_layout`` leaves a placeholder engine, and a figure with
    any engine is drawn twice by ``savefig`` (once to lay it out, once to render); the PNG is the same.
    """
    fig.text(0.01, 0.005, text, fontsize=7.5, ha="left", va="bottom", wrap=True,
             color="#b00020" if warning else "#555555", fontweight="bold" if warning else "normal")
    with _tight_bboxes_measured_once(fig):
        matplotlib.layout_engine.TightLayoutEngine(rect=(0, 0.05, 1, 1)).execute(fig)


@contextlib.contextmanager
def _tight_bboxes_measured_once(fig: plt.Figure) -> Iterator[None]:
    """While the block runs, each axes of ``fig`` measures its layout bounding box once per renderer.

    Given a ``rect``, the tight layout measures every axes twice (matplotlib's ``get_tight_layout_figure``
    adjusts the subplot parameters, then again within the rect) without moving any in between, so the second
    measurement (the text extents of every label: half the layout's time, 0.4 s of the forest plot's) gives
    what the first did. The axes' own method is back when the block ends."""
    measured: dict[tuple[int, int], Any] = {}

    def measure_once(ax: plt.Axes) -> Callable[..., Any]:
        def get_tightbbox(renderer: Any = None, *args: Any, **kwargs: Any) -> Any:
            if args or kwargs != {"for_layout_only": True}:
                return type(ax).get_tightbbox(ax, renderer, *args, **kwargs)
            key = (id(ax), id(renderer))
            if key not in measured:
                measured[key] = type(ax).get_tightbbox(ax, renderer, for_layout_only=True)
            return measured[key]
        return get_tightbbox

    for ax in fig.axes:
        ax.get_tightbbox = measure_once(ax)
    try:
        yield
    finally:
        for ax in fig.axes:
            del ax.get_tightbbox


def add_source_footer(fig: plt.Figure, store: DataStore, sources: list[str] | None = None, extra: str | None = None) -> None:
    """Write the source line (see :func:`source_line`) under the axes; in red when the data are synthetic."""
    add_footer(fig, source_line(store, sources, extra), warning=store.synthetic)


PLAIN_LOG_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
"""Tick values per power of ten on a plain log axis: 50, 70, 100, 150, 200, 300, …"""
FINE_LOG_MANTISSAS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
"""Used instead when the view spans too little for three of the plain ticks (e.g. 80–130)."""
MAX_LOG_TICKS = 8
MIN_LOG_TICKS = 3


class PlainLogLocator(matplotlib.ticker.Locator):
    """Ticks at round numbers (1, 1.5, 2, 3, 5, 7 per power of ten) inside the view, thinned to 1–2–5 and
    then to powers of ten when too many fit and refined when fewer than three do, so even a narrow log
    range (40–250) gets several labels."""

    def __call__(self) -> list[float]:
        low, high = sorted(self.axis.get_view_interval())
        return self.tick_values(low, high)

    def tick_values(self, vmin: float, vmax: float) -> list[float]:
        low, high = max(min(vmin, vmax), 1e-300), max(vmin, vmax)
        if not high > low:
            return [low]
        powers = range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1)

        def ticks(mantissas: tuple[float, ...]) -> list[float]:
            return [float(f"{m * 10.0**p:.12g}") for p in powers for m in mantissas if low <= m * 10.0**p <= high]

        plain = ticks(PLAIN_LOG_MANTISSAS)
        if len(plain) < MIN_LOG_TICKS:
            return ticks(FINE_LOG_MANTISSAS)
        for mantissas in ((1.0, 2.0, 5.0), (1.0,)):
            if len(plain) <= MAX_LOG_TICKS:
                break
            plain = ticks(mantissas)
        return plain


def plain_log_axis(ax: plt.Axes) -> None:
    """Log-scaled y axis labelled with plain numbers at round values (50, 70, 100, 150, 200, 300)
    instead of powers of ten or a single label."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(PlainLogLocator())
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def plain_label(code: str) -> str:
    """A data code as words for a figure: ``health_care`` → ``Health care``, ``it_ops`` → ``It ops``;
    text that already has spaces or capitals is kept."""
    if " " in code or code != code.lower():
        return code
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def wrap_label(text: str, width: int = 38) -> str:
    """An axis label broken into lines of at most ``width`` characters, so a long one fits beside the axis."""
    return textwrap.fill(text, width=width, break_long_words=False)


def hollow_marker_handle(meaning: str, colour: str = "#555555") -> matplotlib.lines.Line2D:
    """A legend entry explaining hollow markers (e.g. "hollow: more than half imputed"), to add to
    every panel that draws them: ``ax.legend(handles=[*ax.get_legend_handles_labels()[0], hollow_marker_handle(...)])``."""
    return matplotlib.lines.Line2D([], [], marker="o", linestyle="none", color=colour, markerfacecolor="white", label=meaning)


def mark_events(ax: plt.Axes, events: dict[str, pd.Timestamp] = EVENTS) -> None:
    """Dashed vertical lines, labelled, at dated events inside the axis range."""
    low, high = (matplotlib.dates.num2date(x).replace(tzinfo=None) for x in ax.get_xlim())
    for label, when in events.items():
        if low <= when.to_pydatetime() <= high:
            ax.axvline(when, color="#333333", linestyle="--", linewidth=1)
            ax.annotate(label, xy=(when, 0), xycoords=("data", "axes fraction"), xytext=(3, 4),
                        textcoords="offset points", fontsize=8, color="#333333")


def save_figure(fig: plt.Figure, out_dir: str | Path, name: str) -> None:
    """Save a PNG to ``<out_dir>/figures/<name>.png`` without timestamps, so reruns give the same bytes.

    In a notebook kernel the same PNG bytes are shown as the cell's output and the figure is closed, so
    the figure is rendered once rather than again by the inline backend at the end of the cell (rendering
    is most of a figure's cost: 0.2–0.5 s each). Elsewhere the figure stays open for the caller.
    Returns nothing, so a notebook cell ending with this call shows the figure and no path.
    """
    target = Path(out_dir) / "figures" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    target.write_bytes(buffer.getvalue())
    if _in_kernel():
        IPython.display.display(IPython.display.Image(data=buffer.getvalue(), format="png"))
        plt.close(fig)


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (papermill, nbval, JupyterLab), where cell outputs are shown."""
    shell = IPython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")
