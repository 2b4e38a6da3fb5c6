"""Figures of notebook 04's industry evidence: shares, AI use, the shift-share decomposition, OEWS, postings and job-to-job hiring."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from talentmarket.analyses.migration.estimates import ALL_INDUSTRIES, OUTSIDE_TECH
from talentmarket.analyses.migration.hiring import sector_label
from talentmarket.data.j2j import SOURCE as J2J_SOURCE
from talentmarket.data.ncses import SOURCE as NCSES_SOURCE
from talentmarket.data.oews import SOURCE as OEWS_SOURCE
from talentmarket.data.oews import TECH_GROUP
from talentmarket.data.postings import SOURCE_POSTINGS as POSTINGS_SOURCE
from talentmarket.data.store import DataStore
from talentmarket.results.figures import (
    HIGHLIGHT,
    MUTED,
    add_source_footer,
    hollow_marker_handle,
    mark_events,
)


def plot_shares(shares: pd.DataFrame, groups: Sequence[str], title: str, store: DataStore, tech_group: str = TECH_GROUP) -> plt.Figure:
    """Share (%) of a BERD measure by year: tech against outside tech (left) and the traditional
    industries at their own scale (right). Hollow markers = more than half imputed (each panel that draws
    them explains them in its legend); bars = range bounds."""
    fig, (ax_split, ax_industries) = plt.subplots(1, 2, figsize=(12, 5.5))
    colors = dict(zip(groups, sns.color_palette("tab10", len(groups))))
    for ax, chosen in ((ax_split, [tech_group, OUTSIDE_TECH]), (ax_industries, [g for g in groups if g not in (tech_group, OUTSIDE_TECH)])):
        for label in chosen:
            _plot_share_line(ax, shares[shares["group"] == label].sort_values("year"), label, colors[label])
        ax.set_xticks(sorted(shares["year"].unique()))
        ax.set(xlabel="survey year", ylabel="share of all industries (%)")
        hollow = shares["group"].isin(chosen) & shares["flags"].str.contains("i")
        ax.legend(handles=[*ax.get_legend_handles_labels()[0], *([hollow_marker_handle("hollow: more than half imputed")] if hollow.any() else [])],
                  fontsize=8)
    ax_split.set_title(f"{tech_group} and outside tech", fontsize=10)
    ax_industries.set_title("Industries of interest", fontsize=10)
    fig.suptitle(title, fontweight="bold")
    add_source_footer(fig, store, [NCSES_SOURCE])
    return fig


def _plot_share_line(ax: plt.Axes, rows: pd.DataFrame, label: str, color: tuple) -> None:
    ax.plot(rows["year"], rows["share_pct"], marker="o", color=color, label=label)
    imputed = rows[rows["flags"].str.contains("i")]
    ax.plot(imputed["year"], imputed["share_pct"], "o", markerfacecolor="white", markeredgecolor=color)
    bounded = rows[rows["bounded"]]
    if not bounded.empty:
        ax.errorbar(bounded["year"], bounded["share_pct"], yerr=[bounded["share_pct"] - bounded["share_low_pct"],
                    bounded["share_high_pct"] - bounded["share_pct"]], fmt="none", ecolor=color, capsize=3)


def plot_ai_use(use: pd.DataFrame, groups: Sequence[str], store: DataStore) -> plt.Figure:
    """AI use rate (% of companies) by industry group in each ABS wave, with bounds from withheld answers."""
    fig, ax = plt.subplots()
    waves = sorted(use["period"].unique())
    width = 0.8 / len(waves)
    positions = np.arange(len(groups))
    for offset, wave in enumerate(waves):
        rows = use[use["period"] == wave].set_index("group").loc[list(groups)]
        errors = [rows["use_rate_pct"] - 100 * rows["ai_using_low"] / rows["companies"],
                  100 * rows["ai_using_high"] / rows["companies"] - rows["use_rate_pct"]]
        bounded = rows["bounded"].any()
        ax.bar(positions + offset * width, rows["use_rate_pct"], width, yerr=errors if bounded else None, capsize=3,
               label=f"{wave}: " + ("AI in production (low/moderate/high use)" if wave == "2016–18" else "any AI use (a lot/somewhat/a little)"))
    ax.set_xticks(positions + width * (len(waves) - 1) / 2, [g.replace(" excl. ", "\nexcl. ") for g in groups], fontsize=9)
    ax.set(title="Companies using AI, by industry (NCSES Annual Business Survey)", ylabel="% of companies")
    ax.legend(fontsize=8)
    add_source_footer(fig, store, [NCSES_SOURCE])
    return fig


def plot_shift_share(decomposition: pd.DataFrame, store: DataStore) -> plt.Figure:
    """Contribution of each industry group to the change in AI's share of business R&D (within vs between)."""
    fig, ax = plt.subplots()
    table = decomposition.set_index("group")
    positions = np.arange(len(table))
    left = np.zeros(len(table))
    for column, color, label in (("within_pp", HIGHLIGHT, "within: more AI in the industry's R&D"),
                                 ("between_pp", MUTED, "between: R&D moving towards AI-heavy industries"),
                                 ("interaction_pp", "#f0b27a", "interaction")):
        ax.barh(positions, table[column], left=np.where(table[column] >= 0, np.clip(left, 0, None), np.clip(left, None, 0)),
                color=color, label=label)
        left = left + table[column].to_numpy()
    ax.set_yticks(positions, table.index)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set(title=f"What moved AI's share of business R&D ({decomposition.attrs.get('years', '')})",
           xlabel="contribution to the change (percentage points)")
    ax.legend(fontsize=8)
    add_source_footer(fig, store, [NCSES_SOURCE])
    return fig


def plot_oews_shares(shares: pd.DataFrame, title: str, store: DataStore) -> plt.Figure:
    """Share (%) of an occupation group's employment by industry group, with 95% CIs from BLS RSEs."""
    fig, ax = plt.subplots(figsize=(10, 4))
    rows = shares[shares["group"] != ALL_INDUSTRIES].iloc[::-1]
    ax.barh(rows["group"], rows["share_pct"], color=[HIGHLIGHT if g == OUTSIDE_TECH else MUTED for g in rows["group"]],
            xerr=[rows["share_pct"] - rows["share_ci_low"], rows["share_ci_high"] - rows["share_pct"]], capsize=3)
    ax.set_xlabel("share of the occupations' employment in all industries (%), 95% CI")
    fig.suptitle(title, fontweight="bold")
    add_source_footer(fig, store, [OEWS_SOURCE])
    return fig


def plot_sector_postings(sector_index: pd.DataFrame, country: str, sectors: Sequence[str], reference: str, store: DataStore) -> plt.Figure:
    """Postings indices (Feb 2020 = 100) of traditional-industry sectors against ``reference``, with ChatGPT's release."""
    fig, ax = plt.subplots()
    rows = sector_index[sector_index["country"] == country]
    for sector in sectors:
        series = rows[rows["sector"] == sector]
        ax.plot(series["month"], series["index"], label=sector)
    reference_rows = rows[rows["sector"] == reference]
    ax.plot(reference_rows["month"], reference_rows["index"], color="#333333", linewidth=2.5, label=f"{reference} (reference)")
    ax.axhline(100, color=MUTED, linewidth=0.8)
    ax.set(title=f"Job postings by occupational sector, {country} (Indeed; all postings, not AI postings)",
           ylabel="index, Feb 2020 = 100")
    mark_events(ax)
    ax.legend(fontsize=8)
    add_source_footer(fig, store, [POSTINGS_SOURCE])
    return fig


def plot_j2j_rates(rates: pd.DataFrame, sectors: Sequence[str], store: DataStore) -> plt.Figure:
    """Annual job-to-job hire rate (J2J hires per 100 main jobs at the start of a quarter, year average) by
    destination sector: all workers, not AI engineers, and not origin × destination."""
    fig, ax = plt.subplots(figsize=(10, 5))
    for sector in sectors:
        series = rates[rates["sector"] == sector].sort_values("year")
        ax.plot(series["year"], series["rate_pct"], marker="o", label=sector_label(sector))
    ax.set(xlabel="year", ylabel="job-to-job hires per 100 jobs, quarterly average (%)")
    ax.set_xticks(sorted(rates["year"].unique()))
    ax.set_title("Job-to-job hiring by destination sector, all US workers (Census LEHD J2J, not seasonally adjusted; year sums)",
                 fontsize=10)
    ax.legend(fontsize=8)
    add_source_footer(fig, store, [J2J_SOURCE])
    return fig
