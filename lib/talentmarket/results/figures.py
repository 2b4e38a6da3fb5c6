"""One visual style for every notebook, with source lines and event markers.

Figures carry their provenance on the canvas (source and licence footer), so a
figure copied out of a report still says where its numbers come from.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.dates
import matplotlib.pyplot as plt
import matplotlib.ticker
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
    """Write ``text`` under the axes, wrapped to the figure width; ``warning`` sets it in bold red."""
    fig.text(0.01, 0.005, text, fontsize=7.5, ha="left", va="bottom", wrap=True,
             color="#b00020" if warning else "#555555", fontweight="bold" if warning else "normal")
    fig.tight_layout(rect=(0, 0.05, 1, 1))


def add_source_footer(fig: plt.Figure, store: DataStore, sources: list[str] | None = None, extra: str | None = None) -> None:
    """Write the source line (see :func:`source_line`) under the axes; in red when the data are synthetic."""
    add_footer(fig, source_line(store, sources, extra), warning=store.synthetic)


def plain_log_axis(ax: plt.Axes) -> None:
    """Log-scaled y axis labelled with plain numbers (50, 100, 200) instead of powers of ten."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


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

    Returns nothing, so a notebook cell ending with this call shows the figure and no path.
    """
    target = Path(out_dir) / "figures" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=FIGURE_DPI, metadata={"Software": None})
