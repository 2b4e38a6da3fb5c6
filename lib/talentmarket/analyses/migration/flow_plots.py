"""Figures of the worker-flow estimator: transition heatmap, flow diagram and net flows (sectors named in words
by :func:`~talentmarket.results.figures.plain_label`, ``health_care`` → ``Health care``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.colors import LogNorm

from talentmarket.analyses.migration.flows import TransitionEstimate
from talentmarket.results.figures import HIGHLIGHT, MUTED, add_footer, plain_label


def plot_transition_heatmap(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Yearly transition probabilities (%) between sectors, annotated with the number of moves behind each.

    Drawn as seaborn's heatmap draws it (one ``pcolormesh`` on a log colour scale, white cell borders, no spines,
    a dark or white label by the cell's luminance), without the full figure draw seaborn makes to test whether
    tick labels overlap (0.7 s of this figure's 1.2 s): the sector names are set vertical below and upright on
    the left, as that test decided for them."""
    fig, ax = plt.subplots(figsize=(10, 7))
    percent = (100 * estimate.probabilities).rename(index=plain_label, columns=plain_label)
    labels = percent.round(1).astype(str) + "%\n(" + estimate.counts.rename(index=plain_label, columns=plain_label).astype(str) + ")"
    mesh = ax.pcolormesh(percent.clip(lower=0.1).to_numpy(), cmap="Reds", norm=LogNorm(vmin=0.1, vmax=100),
                         linewidths=0.5, edgecolor="white")
    ax.set(xlim=(0, percent.shape[1]), ylim=(percent.shape[0], 0))
    fig.colorbar(mesh, ax=ax, label="% per year (log scale)").outline.set_linewidth(0)
    ax.set_xticks(np.arange(percent.shape[1]) + 0.5, percent.columns, rotation="vertical")
    ax.set_yticks(np.arange(percent.shape[0]) + 0.5, percent.index, rotation="horizontal", va="center")
    ax.spines[:].set_visible(False)
    ax.grid(False)
    for (row, column), value, color in zip(np.ndindex(percent.shape), mesh.get_array().flat, mesh.to_rgba(mesh.get_array()).reshape(-1, 4)):
        if value is not np.ma.masked:
            ax.text(column + 0.5, row + 0.5, labels.iat[row, column], ha="center", va="center", fontsize=8,
                    color=".15" if _luminance(color) > 0.408 else "w")
    ax.set(title=f"Where people in each sector are one year later ({estimate.transitions:,} moves and stays, {estimate.persons:,} people)",
           xlabel="sector one year later", ylabel="sector this year")
    ax.title.set_fontsize(11)
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig


def _luminance(rgba: np.ndarray) -> float:
    """Relative luminance of an RGBA colour (WCAG), as seaborn reckons it to pick a readable label colour."""
    rgb = np.asarray(rgba)[:3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def plot_flow_diagram(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Moves between sectors as ribbons from origin (left) to destination (right); people who stay are left out."""
    moves = estimate.counts.to_numpy().astype(float)
    np.fill_diagonal(moves, 0)
    sectors = list(estimate.sectors)
    gap = 0.02 * moves.sum()
    fig, ax = plt.subplots(figsize=(10, 7))
    colors = dict(zip(sectors, sns.color_palette("tab10", len(sectors))))
    left_tops = _stack_positions(moves.sum(axis=1), gap)
    right_tops = _stack_positions(moves.sum(axis=0), gap)
    left_cursor, right_cursor = left_tops.copy(), right_tops.copy()
    for i, origin in enumerate(sectors):
        for j in range(len(sectors)):
            width = moves[i, j]
            if width == 0:
                continue
            _ribbon(ax, left_cursor[i], right_cursor[j], width, colors[origin])
            left_cursor[i] -= width
            right_cursor[j] -= width
    for side, tops, totals in ((0, left_tops, moves.sum(axis=1)), (1, right_tops, moves.sum(axis=0))):
        for sector, top, total in zip(sectors, tops, totals):
            ax.add_patch(plt.Rectangle((side - 0.02, top - total), 0.04, total, color=colors[sector]))
            ax.text(side + (-0.04 if side == 0 else 0.04), top - total / 2, f"{plain_label(sector)} ({int(total):,})",
                    ha="right" if side == 0 else "left", va="center", fontsize=9)
    ax.set(xlim=(-0.6, 1.6), ylim=(min(left_tops.min(), right_tops.min()) - moves.sum() * 0.05, moves.sum() * 0.05 + gap), title=(
        f"Moves between sectors in one year, pooled over the panel: leaving (left) and arriving (right); "
        f"{int(moves.sum()):,} moves, stayers left out"))
    ax.title.set_fontsize(10)
    ax.axis("off")
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig


def _stack_positions(totals: np.ndarray, gap: float) -> np.ndarray:
    """Top y of each node when nodes are stacked downward from 0 with ``gap`` between them."""
    tops = -np.concatenate([[0.0], np.cumsum(totals + gap)[:-1]])
    return tops


def _ribbon(ax: plt.Axes, left_top: float, right_top: float, width: float, color: tuple) -> None:
    """A band of constant ``width`` from x=0.02 (starting at ``left_top``) to x=0.98, with smooth S-curves."""
    x = np.linspace(0.02, 0.98, 60)
    ease = (1 - np.cos(np.pi * (x - 0.02) / 0.96)) / 2
    top = left_top + (right_top - left_top) * ease
    ax.fill_between(x, top - width, top, color=color, alpha=0.45, linewidth=0)


def plot_net_flows(estimate: TransitionEstimate, note: str) -> plt.Figure:
    """Net flow rate per sector (inflow − outflow as % of the sector's people per year), with 95% bootstrap CIs."""
    flows = estimate.net_flows.sort_values("net_rate_pct")
    fig, ax = plt.subplots(figsize=(10, 5))
    errors = [flows["net_rate_pct"] - flows["net_rate_pct_ci_low"], flows["net_rate_pct_ci_high"] - flows["net_rate_pct"]]
    ax.barh(flows["sector"].map(plain_label), flows["net_rate_pct"], xerr=errors, capsize=3,
            color=[HIGHLIGHT if v > 0 else MUTED for v in flows["net_rate_pct"]])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set(title="Growth through moves: net inflow as % of the sector's people per year (95% CI)",
           xlabel="net flow rate (% per year)")
    ax.title.set_fontsize(11)
    add_footer(fig, note, warning=note.startswith("SYNTHETIC"))
    return fig

