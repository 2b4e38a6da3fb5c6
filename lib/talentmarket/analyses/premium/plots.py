"""Figures of the salary-premium notebook: the sample, the premium and its specification curve, levels and
years, stratification, the Oaxaca–Blinder gap and employer size, and official OEWS wages. Each figure cites
in its footer the sources it shows."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from talentmarket.analyses.premium.estimates import GroupPremiums
from talentmarket.data.oews import SOURCE as OEWS_SOURCE
from talentmarket.data.store import DataStore
from talentmarket.data.taxonomy import (
    OEWS_AI_ADJACENT_OCCUPATIONS,
    OEWS_COMPARISON_OCCUPATIONS,
)
from talentmarket.results.figures import (
    HIGHLIGHT,
    MUTED,
    PALETTE,
    add_source_footer,
    plain_log_axis,
)
from talentmarket.stats.regression import Z_95


def _point_ranges(ax: plt.Axes, labels: Sequence[str], estimates, lows, highs, *, color: str = HIGHLIGHT,
                  offset: float = 0.0, label: str | None = None) -> None:
    """Horizontal points with 95% CI bars, first label on top."""
    positions = np.arange(len(labels))[::-1] + offset
    estimates, lows, highs = (np.asarray(v, dtype=float) for v in (estimates, lows, highs))
    ax.errorbar(estimates, positions, xerr=[estimates - lows, highs - estimates], fmt="o", color=color, capsize=3,
                label=label)
    ax.set_yticks(np.arange(len(labels))[::-1], labels)
    ax.axvline(0, color="#333333", linewidth=0.8)


def plot_sample(sample: pd.DataFrame, store: DataStore) -> plt.Figure:
    """Postings per year (log scale) and the share at US employers, per source: the composition shift.
    ``sample`` is :func:`talentmarket.data.salaries.describe_sample` output; the footer cites its sources."""
    fig, (ax_count, ax_us) = plt.subplots(1, 2, figsize=(12, 4.8))
    for (source, rows), color in zip(sample.groupby("source"), PALETTE):
        ax_count.plot(rows["work_year"], rows["postings"], marker="o", color=color, label=source)
        ax_us.plot(rows["work_year"], 100 * rows["us_employer_share"], marker="o", color=color, label=source)
    plain_log_axis(ax_count)
    ax_count.set(title="Postings per year (pairs and duplicates resolved)", xlabel="work year", ylabel="postings (log scale)")
    ax_us.set(title="Share of postings at US employers", xlabel="work year", ylabel="% of postings", ylim=(0, 100))
    for ax in (ax_count, ax_us):
        ax.set_xticks(sorted(sample["work_year"].unique()))
    ax_count.legend(fontsize=8)
    fig.suptitle("Who is in the salary files: the sample moves to US postings over time", fontweight="bold")
    add_source_footer(fig, store, sorted(sample["source"].unique()))
    return fig


LITERATURE_PREMIUMS = {"Alekseeva et al. 2021, within firm": 11.0, "within job title": 5.0}
"""AI-skill wage premiums in US postings (Alekseeva, Azar, Giné, Samila & Taska 2021), percent: a yardstick."""
LITERATURE_CITATION = (
    "yardstick: Alekseeva, Azar, Giné, Samila & Taska (2021), The demand for AI skills in the labor market, "
    "Labour Economics 71"
)


def plot_premium_overview(ladder: pd.DataFrame, curve: pd.DataFrame, store: DataStore, sources: Sequence[str]) -> plt.Figure:
    """Left: the premium as controls are added, beside the literature's estimates. Right: the specification
    curve, sorted, coloured by AI definition, marker by pair handling (hollow: duplicates kept). The footer
    cites the salary ``sources`` and the literature yardstick."""
    fig, (ax_ladder, ax_curve) = plt.subplots(1, 2, figsize=(12, 5.2), gridspec_kw={"width_ratios": [1, 1.6]})
    _point_ranges(ax_ladder, list(ladder["label"]), ladder["percent"], ladder["ci_low"], ladder["ci_high"])
    for (label, value), style in zip(LITERATURE_PREMIUMS.items(), (":", "--")):
        ax_ladder.axvline(value, color=MUTED, linestyle=style, linewidth=1.2, label=f"{label}: {value:g}%")
    ax_ladder.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, frameon=False)
    ax_ladder.set(title="AI premium as controls are added", xlabel="premium over comparison roles, % (95% CI)")
    markers = dict(zip(["midpoint", "max", "min", "all_rows"], "osD^"))
    for definition, color in zip(dict.fromkeys(curve["ai_definition"]), PALETTE):
        rows = curve[curve["ai_definition"] == definition]
        ax_curve.errorbar(rows.index, rows["percent"], yerr=[rows["percent"] - rows["ci_low"], rows["ci_high"] - rows["percent"]],
                          fmt="none", ecolor=color, alpha=0.6)
        for (handling, dropped), chosen in rows.groupby(["pair_handling", "drop_exact_duplicates"]):
            ax_curve.plot(chosen.index, chosen["percent"], markers[handling], color=color, linestyle="none",
                          markerfacecolor=color if dropped else "white")
        ax_curve.plot([], [], "s", color=color, label=f"AI = {definition}")
    for handling in dict.fromkeys(curve["pair_handling"]):
        ax_curve.plot([], [], markers[handling], color="#555555", linestyle="none", label=f"pairs: {handling}")
    if not curve["drop_exact_duplicates"].all():
        ax_curve.plot([], [], "o", color="#555555", markerfacecolor="white", linestyle="none", label="duplicates kept")
    ax_curve.axhline(0, color="#333333", linewidth=0.8)
    ax_curve.set(title=f"Specification curve: {len(curve)} specifications, all controls",
                 xlabel="specifications, sorted by estimate", ylabel="premium, % (95% CI)")
    ax_curve.set_xticks([])
    ax_curve.legend(fontsize=7, ncol=2, loc="upper left")
    fig.suptitle("How large is the AI premium, and how much does it depend on choices?", fontweight="bold")
    add_source_footer(fig, store, list(sources), extra=LITERATURE_CITATION)
    return fig


def plot_premium_by_level_and_year(by_level: dict[str, GroupPremiums], senior_by_year: GroupPremiums,
                                   store: DataStore, sources: Sequence[str]) -> plt.Figure:
    """Left: premium per experience level against each comparison group. Right: the senior premium per year."""
    fig, (ax_level, ax_year) = plt.subplots(1, 2, figsize=(12, 5))
    levels = ["EN", "MI", "SE", "EX"]
    for (label, groups), color, offset in zip(by_level.items(), PALETTE, (0.12, -0.12, 0.0)):
        table = groups.table.set_index("experience_level").reindex(levels)
        _point_ranges(ax_level, levels, table["percent"], table["ci_low"], table["ci_high"], color=color, offset=offset,
                      label=label)
    ax_level.set_yticks(np.arange(4)[::-1], ["entry (EN)", "mid (MI)", "senior (SE)", "executive (EX)"])
    ax_level.set(title="AI premium by experience level", xlabel="premium, % (95% CI)")
    ax_level.legend(fontsize=8)
    years = senior_by_year.table
    ax_year.errorbar(years["work_year"].astype(int), years["percent"], yerr=[years["percent"] - years["ci_low"],
                     years["ci_high"] - years["percent"]], fmt="o-", color=HIGHLIGHT, capsize=3)
    for _, row in years.iterrows():
        ax_year.annotate(f"{int(row['ai_postings'])} AI", (int(row["work_year"]), row["ci_high"]), xytext=(0, 4),
                         textcoords="offset points", ha="center", fontsize=7, color="#555555")
    ax_year.axhline(0, color="#333333", linewidth=0.8)
    ax_year.set_xticks(years["work_year"].astype(int))
    ax_year.set(title="Senior (SE + EX) AI premium by year", xlabel="work year", ylabel="premium, % (95% CI)")
    fig.suptitle("Who gets the AI premium: levels and years (all controls)", fontweight="bold")
    add_source_footer(fig, store, list(sources))
    return fig


def plot_stratification(quantiles: pd.DataFrame, dispersion: pd.DataFrame, store: DataStore, sources: Sequence[str]) -> plt.Figure:
    """Left: the premium at the 10th, 50th and 90th percentile. Right: within-group residual pay SD per year."""
    fig, (ax_q, ax_sd) = plt.subplots(1, 2, figsize=(12, 4.8))
    labels = [f"{q[1:]}th percentile" for q in quantiles["quantile"]]
    _point_ranges(ax_q, labels, quantiles["percent"], quantiles["ci_low"], quantiles["ci_high"])
    ax_q.set(title="AI premium across the pay distribution", xlabel="premium, % (95% CI)")
    for (group, rows), color in zip(dispersion.groupby("group"), (HIGHLIGHT, MUTED)):
        ax_sd.errorbar(rows["work_year"], 100 * rows["sd"], yerr=[100 * (rows["sd"] - rows["sd_ci_low"]),
                       100 * (rows["sd_ci_high"] - rows["sd"])], fmt="o-", color=color, capsize=3, label=group)
    ax_sd.set_xticks(sorted(dispersion["work_year"].unique()))
    ax_sd.set(title="Pay dispersion within group, net of composition", xlabel="work year",
              ylabel="SD of residual log salary (log points ×100)")
    ax_sd.legend(fontsize=8)
    fig.suptitle("Is AI pay splitting into tiers?", fontweight="bold")
    add_source_footer(fig, store, list(sources))
    return fig


def plot_gap_and_company_size(decomposition: pd.DataFrame, size_gaps: pd.DataFrame, store: DataStore,
                              sources: Sequence[str]) -> plt.Figure:
    """Left: Oaxaca–Blinder parts of the AI gap. Right: AI pay by company size band."""
    fig, (ax_gap, ax_size) = plt.subplots(1, 2, figsize=(12, 4.5))
    _point_ranges(ax_gap, list(decomposition["component"]), decomposition["percent"], decomposition["ci_low"],
                  decomposition["ci_high"])
    ax_gap.set(title="Oaxaca–Blinder: what explains the AI pay gap", xlabel="% of comparison pay (95% CI)")
    names = {"L vs M": "large (>250) vs medium", "S vs M": "small (<50) vs medium", "L vs S": "large vs small"}
    _point_ranges(ax_size, [names[c] for c in size_gaps["comparison"]], size_gaps["percent"], size_gaps["ci_low"],
                  size_gaps["ci_high"])
    ax_size.set(title="AI roles: pay by employer head count", xlabel="pay difference, % (95% CI)")
    fig.suptitle("Characteristics vs premium, and employer size", fontweight="bold")
    add_source_footer(fig, store, list(sources))
    return fig


def plot_oews(industry_pay: pd.DataFrame, national: pd.DataFrame, tech_group: str, store: DataStore) -> plt.Figure:
    """Left: national mean wages of AI-adjacent and reference occupations. Right: by industry group, tech on top;
    the dashed line is the national mean of all occupations; a group BLS published no wage for is labelled so."""
    fig, (ax_nat, ax_ind) = plt.subplots(1, 2, figsize=(12.5, 5.5), gridspec_kw={"width_ratios": [1, 1.25]})
    rows = national.drop_duplicates("occ_code").set_index("occ_code")
    codes = [*OEWS_AI_ADJACENT_OCCUPATIONS, *OEWS_COMPARISON_OCCUPATIONS]
    means = rows.loc[codes, "annual_mean_wage"] / 1000
    errors = Z_95 * means * rows.loc[codes, "wage_percent_relative_standard_error"] / 100
    ax_nat.barh(np.arange(len(codes))[::-1], means, xerr=errors, capsize=3,
                color=[HIGHLIGHT if c in OEWS_AI_ADJACENT_OCCUPATIONS else MUTED for c in codes])
    ax_nat.set_yticks(np.arange(len(codes))[::-1], [_wrap_title(rows.at[c, "occ_title"]) for c in codes])
    ax_nat.set(title="National mean annual wage", xlabel="US$ thousand (95% CI)")
    groups = [tech_group] + [g for g in dict.fromkeys(industry_pay["group"]) if g != tech_group]
    for (occupation, table), color, offset in zip(industry_pay.groupby("occupation", sort=False), (HIGHLIGHT, "#1f77b4"), (0.18, -0.18)):
        table = table.set_index("group").reindex(groups)
        positions = np.arange(len(groups))[::-1] + offset
        ax_ind.barh(positions, table["mean_wage"] / 1000, height=0.34, xerr=Z_95 * table["mean_wage_se"] / 1000, capsize=2,
                    color=color, label=occupation.replace(" and Information Research", " & Information Res."))
        for position, unpublished in zip(positions, table["unpublished"]):
            if unpublished:
                ax_ind.annotate(f"no BLS wage for NAICS {unpublished}", (0, position), xytext=(4, 0), textcoords="offset points",
                                va="center", fontsize=7, color=color)
    all_mean = rows.at["00-0000", "annual_mean_wage"] / 1000
    ax_ind.axvline(all_mean, color="#333333", linestyle="--", linewidth=1, label=f"all occupations (${all_mean:.0f}k)")
    ax_ind.set_yticks(np.arange(len(groups))[::-1], groups)
    ax_ind.set(title="By industry group", xlabel="US$ thousand (95% CI)")
    ax_ind.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.42, -0.13), ncol=2, frameon=False)
    fig.suptitle("Official wages, May 2025: AI-adjacent occupations (BLS OEWS)", fontweight="bold")
    add_source_footer(fig, store, [OEWS_SOURCE])
    return fig


def _wrap_title(title: str) -> str:
    return title.replace("Computer and Information Research Scientists", "Computer & Information\nResearch Scientists")
