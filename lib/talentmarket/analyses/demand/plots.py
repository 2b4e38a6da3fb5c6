"""Figures of the demand-growth notebook: AI shares over time, AI postings against sectors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from talentmarket.data.postings import SOURCE_AI, SOURCE_OWID, SOURCE_POSTINGS
from talentmarket.data.store import DataStore
from talentmarket.results.figures import (
    HIGHLIGHT,
    MUTED,
    add_source_footer,
    mark_events,
    plain_log_axis,
)
from talentmarket.results.registry import claim_rule


def plot_ai_shares(ai_share: pd.DataFrame, genai_share: pd.DataFrame, store: DataStore,
                   breaks: pd.DataFrame | None = None) -> plt.Figure:
    """Two panels: monthly AI share and GenAI share (log scale) of all postings, by country.

    ``breaks`` (:func:`talentmarket.analyses.demand.breaks.detect_breaks` output) marks each flagged
    level shift of the AI series with a ringed point and a label at its first month.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 8), sharex=True)
    for frame, ax, label in ((ai_share, top, "AI"), (genai_share, bottom, "GenAI")):
        for country, group in frame.groupby("country", sort=True):
            ax.plot(group["month"], group["share_pct"], label=country, linewidth=1.4)
        ax.set_ylabel(f"{label} share of postings (%)")
        ax.set_title(f"Share of job postings mentioning {label} keywords, monthly mean")
        mark_events(ax)
    for row in (breaks if breaks is not None else pd.DataFrame(columns=["country", "start"])).itertuples():
        value = ai_share.loc[(ai_share["country"] == row.country) & (ai_share["month"] == row.start), "share_pct"]
        top.scatter([row.start], value, s=120, facecolors="none", edgecolors=HIGHLIGHT, linewidths=2, zorder=4)
        top.annotate(f"{row.country}: series break from {pd.Timestamp(row.start):%b %Y}", xy=(row.start, value.iloc[0]),
                     xytext=(-150, 12), textcoords="offset points", fontsize=8, color=HIGHLIGHT)
    bottom.set_yscale("log")
    bottom.set_ylim(bottom=1e-4)  # months with no GenAI mention at all would otherwise plunge to zero
    top.legend(ncol=5, fontsize=8, loc="upper left")
    add_source_footer(fig, store, [SOURCE_AI])
    return fig


def plot_ai_against_sectors(ai_index: pd.DataFrame, sector_index: pd.DataFrame, country: str,
                            tech_sectors: list[str], store: DataStore) -> plt.Figure:
    """AI postings index against the tech sectors and the range of all other sectors (Feb 2020 = 100)."""
    fig, ax = plt.subplots(figsize=(10, 5.5))
    sectors = sector_index.loc[sector_index["country"] == country]
    spread = sectors.loc[~sectors["sector"].isin(tech_sectors)].groupby("month")["index"]
    ax.fill_between(spread.min().index, spread.min(), spread.max(), color=MUTED, alpha=0.3, label="range of non-tech sectors")
    for sector, group in sectors.loc[sectors["sector"].isin(tech_sectors)].groupby("sector", sort=True):
        ax.plot(group["month"], group["index"], linewidth=1.2, label=sector)
    ai = ai_index.loc[ai_index["country"] == country]
    ax.plot(ai["month"], ai["index"], color=HIGHLIGHT, linewidth=2.6, label="AI-mentioning postings")
    ax.axhline(100, color="#333333", linewidth=0.8)
    sector_end = sectors["month"].max()
    ax.axvline(sector_end, color=MUTED, linestyle=":", linewidth=1.5)
    ax.annotate(f"sector data end ({sector_end:%b %Y}); later months: AI only", xy=(sector_end, 0), xycoords=("data", "axes fraction"),
                xytext=(4, 4), textcoords="offset points", ha="left", fontsize=8, color="#555555")
    plain_log_axis(ax)
    ax.set_ylabel("postings index, Feb 2020 = 100 (log scale)")
    ax.set_title(f"{country}: AI-mentioning postings against tech occupational sectors")
    mark_events(ax)
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    add_source_footer(fig, store, [SOURCE_AI, SOURCE_POSTINGS])
    return fig


def plot_sector_growth(comparison: pd.DataFrame, country: str, store: DataStore) -> plt.Figure:
    """Dot plot of every sector's trend (with 95% CI) in one country, against the AI postings trend."""
    rows = comparison.loc[comparison["country"] == country].sort_values("sector_pct_per_year")
    fig, ax = plt.subplots(figsize=(9, max(5.0, 0.24 * len(rows) + 1.5)))
    colors = [HIGHLIGHT if tech else MUTED for tech in rows["is_tech"]]
    positions = range(len(rows))
    ax.errorbar(rows["sector_pct_per_year"], positions,
                xerr=[rows["sector_pct_per_year"] - rows["sector_pct_ci_low"], rows["sector_pct_ci_high"] - rows["sector_pct_per_year"]],
                fmt="none", ecolor="#777777", elinewidth=0.8)
    ax.scatter(rows["sector_pct_per_year"], positions, c=colors, zorder=3)
    ai_growth = rows["ai_pct_per_year"].median()
    ax.axvline(ai_growth, color=HIGHLIGHT, linewidth=2, label=f"AI-mentioning postings ({ai_growth:.1f}%/yr)")
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(list(positions), rows["sector"], fontsize=8)
    start, end = rows["start"].min(), rows["end"].max()
    ax.set_xlabel("trend growth of postings, % per year (95% autocorrelation-robust CI)")
    ax.set_title(f"{country}: postings growth by occupational sector\n{start:%b %Y}–{end:%b %Y}, tech sectors in red")
    ax.legend(loc="lower right", fontsize=8)
    add_source_footer(fig, store, [SOURCE_AI, SOURCE_POSTINGS])
    return fig


def plot_tech_gaps(comparison: pd.DataFrame, store: DataStore) -> plt.Figure:
    """Forest plot: growth of AI postings relative to each tech sector, per country, with 95% CIs.

    Each label carries the month the comparison ends (the sector data's end); the red line is the
    claim's threshold from the registry.
    """
    rows = comparison.loc[comparison["is_tech"]].sort_values(["country", "sector"], ascending=False).reset_index(drop=True)
    rule = claim_rule("demand.ai_vs_tech_sectors")
    fig, ax = plt.subplots(figsize=(11, max(5.0, 0.28 * len(rows) + 1.5)))
    ax.errorbar(rows["gap_pct_per_year"], rows.index,
                xerr=[rows["gap_pct_per_year"] - rows["gap_pct_ci_low"], rows["gap_pct_ci_high"] - rows["gap_pct_per_year"]],
                fmt="o", color=HIGHLIGHT, ecolor="#777777", capsize=2)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.axvline(rule.threshold, color=HIGHLIGHT, linestyle="--", linewidth=1, label=f"threshold: {rule.threshold:g}% per year")
    labels = rows["country"] + " · " + rows["sector"] + " (to " + rows["end"].dt.strftime("%b %Y") + ")"
    ax.set_yticks(rows.index, labels, fontsize=8)
    ax.set_xlabel("growth of the ratio AI index ÷ sector index, % per year")
    ax.set_title("How much faster AI postings grew than each tech sector (95% CIs)\n"
                 f"'much faster': every CI of a country right of {rule.threshold:g}% per year", fontsize=11)
    ax.legend(loc="lower right", fontsize=8)
    add_source_footer(fig, store, [SOURCE_AI, SOURCE_POSTINGS])
    return fig


def plot_owid_shares(owid: pd.DataFrame, countries: list[str], store: DataStore) -> plt.Figure:
    """Annual AI-skill share of postings (Lightcast via AI Index), selected countries."""
    fig, ax = plt.subplots(figsize=(10, 5))
    for country, group in owid.loc[owid["country"].isin(countries)].groupby("country", sort=True):
        ax.plot(group["year"], group["share_pct"], marker="o", label=country)
    ax.set_ylabel("share of postings requiring AI skills (%)")
    ax.set_title("AI-skill share of job postings, annual (Lightcast via AI Index 2025)")
    ax.legend(fontsize=8)
    add_source_footer(fig, store, [SOURCE_OWID])
    return fig
