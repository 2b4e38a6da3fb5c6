"""One visual style for every notebook, with source lines and event markers.

Figures carry their provenance on the canvas (source and licence footer), so a
figure copied out of a report still says where its numbers come from.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.dates

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from talentmarket.load import DataStore

EVENTS: dict[str, pd.Timestamp] = {
    "ChatGPT release": pd.Timestamp("2022-11-30"),
}
HIGHLIGHT = "#c0392b"
MUTED = "#9aa5b1"
FIGURE_DPI = 110


def apply_style() -> None:
    """The project's seaborn theme; called once at the top of each notebook."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.0)
    plt.rcParams.update({"figure.figsize": (10, 5.5), "figure.dpi": FIGURE_DPI, "axes.titleweight": "bold"})


def source_line(store: DataStore) -> str:
    """'Source: publisher (licence); …' for every source the store has served, plus a synthetic warning."""
    seen: dict[str, str] = {}
    for use in store.provenance():
        seen.setdefault(use["citation"], use["license"])
    text = "Source: " + "; ".join(sorted(seen)) if seen else "Source: none recorded"
    return ("SYNTHETIC DATA — NOT A FINDING. " + text) if store.synthetic else text


def add_source_footer(fig: plt.Figure, store: DataStore) -> None:
    """Write the source line under the axes, wrapped to the figure width."""
    fig.text(0.01, 0.005, source_line(store), fontsize=7.5, color="#555555", ha="left", va="bottom", wrap=True,
             fontweight="bold" if store.synthetic else "normal")
    fig.tight_layout(rect=(0, 0.05, 1, 1))


def mark_events(ax: plt.Axes, events: dict[str, pd.Timestamp] = EVENTS) -> None:
    """Dashed vertical lines, labelled, at dated events inside the axis range."""
    low, high = (matplotlib.dates.num2date(x).replace(tzinfo=None) for x in ax.get_xlim())
    for label, when in events.items():
        if low <= when.to_pydatetime() <= high:
            ax.axvline(when, color="#333333", linestyle="--", linewidth=1)
            ax.annotate(label, xy=(when, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                        textcoords="offset points", fontsize=8, color="#333333")


def save_figure(fig: plt.Figure, out_dir: str | Path, name: str) -> Path:
    """Save a PNG to ``<out_dir>/figures/<name>.png`` without timestamps, so reruns give the same bytes."""
    target = Path(out_dir) / "figures" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=FIGURE_DPI, metadata={"Software": None})
    return target
