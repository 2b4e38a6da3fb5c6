"""Figures of the compensation-convergence notebook: country pay gaps, dispersion over time, catch-up,
remote work and the top of the distribution. Each figure cites the sources it shows in its footer."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.context import WageGrowthBeta
from talentmarket.analyses.convergence.estimates import (
    BetaConvergence,
    ConvergenceResult,
    CountryGaps,
)
from talentmarket.analyses.convergence.remote import RemoteGap, RemoteShare
from talentmarket.analyses.convergence.sample import REMOTE_LABELS, Interval
from talentmarket.analyses.convergence.top_premium import TopPremium
from talentmarket.data.oews import SOURCE as OEWS_SOURCE
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import geography
from talentmarket.data.wages import SOURCE as WAGE_SOURCE
from talentmarket.results.figures import (
    HIGHLIGHT,
    MUTED,
    PALETTE,
    add_source_footer,
    wrap_label,
)
from talentmarket.results.registry import claim_rule


def salary_sources(sample: pd.DataFrame) -> list[str]:
    """The sources of the sample's salary rows, for the figures' source lines: registered files,
    your own files (``own:<name>``, cited by the store) or the synthetic geography generator."""
    return sorted(map(str, sample["source"].unique()))


def _add_footer(fig: plt.Figure, store: DataStore, sources: list[str], *context_sources: str) -> None:
    """Cite the salary sources a figure shows and any ``context_sources`` (OEWS, Wage Tracker) it draws too.

    The synthetic geography generator is not a source the store serves, so it is cited as an extra line.
    """
    extra = geography.CITATION if geography.SOURCE in sources else None
    add_source_footer(fig, store, [s for s in sources if s != geography.SOURCE] + list(context_sources), extra)


def _error_extent(table: pd.DataFrame, column: str, prefix: str = "", scale: float = 1.0) -> list[pd.Series]:
    """Distances from ``column`` down to ``<prefix>ci_low`` and up to ``<prefix>ci_high``: matplotlib's error-bar extents."""
    return [scale * (table[column] - table[f"{prefix}ci_low"]), scale * (table[f"{prefix}ci_high"] - table[column])]


def plot_country_gaps(gaps: CountryGaps, store: DataStore, sources: list[str]) -> plt.Figure:
    """Dot plot: each country's composition-adjusted pay gap to the reference (95% CI), raw median gap beside it."""
    table = gaps.table.sort_values("gap_percent").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, max(4.5, 0.32 * len(table) + 1.8)))
    positions = np.arange(len(table))
    ax.errorbar(table["gap_percent"], positions, xerr=_error_extent(table, "gap_percent"),
                fmt="o", color=HIGHLIGHT, ecolor="#777777", capsize=2, label="same seniority, title, employment type and year (95% CI)")
    ax.scatter(table["raw_median_gap_percent"], positions, facecolors="none", edgecolors=MUTED, label="raw gap of medians")
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(positions, [f"{u} ({n:,} postings)" for u, n in zip(table["unit"], table["postings"])], fontsize=8)
    ax.set_xlabel(f"pay relative to residents of {gaps.reference}, %")
    ax.set_title(f"Pay gap of each country's residents to {gaps.reference}, {gaps.years[0]}–{gaps.years[-1]}")
    ax.legend(loc="lower right", fontsize=8)
    _add_footer(fig, store, sources)
    return fig


def plot_dispersion(result: ConvergenceResult, area_dispersion: pd.DataFrame, store: DataStore, sources: list[str]) -> plt.Figure:
    """Left: each country's adjusted pay effect by year. Right: their cross-country spread (95% CI) against
    the spread across US states and metro areas in OEWS (one year, a level only)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.5))
    for unit, group in result.effects.groupby("unit", sort=True):
        left.plot(group["year"], 100 * group["effect"], marker="o", linewidth=1.4)
        left.annotate(unit, (group["year"].iloc[-1], 100 * group["effect"].iloc[-1]), xytext=(4, 0), textcoords="offset points", fontsize=8)
    left.set_xticks(list(result.years))
    left.set_ylabel(wrap_label("pay relative to the average of these countries, log points"))
    left.set_title("Composition-adjusted pay by country")
    if result.sigma is None:
        _say_insufficient(right, result.insufficient)
        _add_footer(fig, store, sources)
        return fig
    table = result.sigma.dispersion
    right.errorbar(table["year"], 100 * table["dispersion"], yerr=_error_extent(table, "dispersion", scale=100),
                   fmt="o", color=HIGHLIGHT, capsize=3, label=f"across {len(result.units)} countries (95% CI: postings' sampling noise)")
    trend = result.sigma.trend
    if trend is not None:
        years = table["year"].to_numpy(float)
        line = table["dispersion"].mean() + trend.value * (years - years.mean())
        slope = Interval(trend.value, trend.ci_low, trend.ci_high).scaled(100)
        right.plot(years, 100 * line, color=HIGHLIGHT, linewidth=1.2,
                   label=f"trend {slope.text()} log points/yr (t({trend.inference.df}) over years)")
    right.plot(table["year"], 100 * table["uncorrected"], linestyle=":", color=HIGHLIGHT, alpha=0.6, label="same, before the noise correction")
    for color, row in zip(PALETTE, area_dispersion.itertuples()):
        right.axhline(100 * row.dispersion, color=color, linestyle="--", linewidth=1,
                      label=f"across US {'metro areas' if row.area_type == 'metropolitan' else 'states'}: {row.occupation} (May 2025)")
    right.set_xticks(list(result.years))
    right.set_ylim(bottom=0)
    right.set_ylabel("standard deviation of log pay, log points")
    right.set_title("Spread of pay across countries")
    right.legend(fontsize=7.5, loc="lower left")
    _add_footer(fig, store, sources, OEWS_SOURCE)
    return fig


def plot_beta(result: ConvergenceResult, wage_growth: WageGrowthBeta, store: DataStore, sources: list[str]) -> plt.Figure:
    """Left: change in each country's adjusted pay against its initial level (β). Right: posted-wage growth
    (Wage Tracker) against the country's tech pay level."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.5))
    beta = result.beta
    if beta is None:
        _say_insufficient(left, result.insufficient or "the initial country levels are mostly sampling noise.")
    else:
        _draw_beta(left, beta)
    _draw_wage_growth(right, wage_growth)
    _add_footer(fig, store, sources, WAGE_SOURCE)
    return fig


def _draw_beta(left: plt.Axes, beta: BetaConvergence) -> None:
    points = beta.points
    left.scatter(100 * points["initial"], 100 * points["change"], color=HIGHLIGHT, zorder=3)
    _label_points(left, 100 * points["initial"], 100 * points["change"], points["unit"])
    span = np.linspace(points["initial"].min(), points["initial"].max(), 2)
    interval = (f"[{beta.beta.ci_low:.2f}, {beta.beta.ci_high:.2f}], jackknife over countries" if beta.jackknife is not None
                else "(descriptive: too few countries for an interval)")
    if np.isfinite(beta.estimate):
        left.plot(100 * span, 100 * beta.estimate * span, color="#333333", label=f"noise-corrected slope {beta.estimate:.2f} {interval}")
    left.axhline(0, color="#333333", linewidth=0.6)
    left.set_xlabel(f"pay in {beta.first_year} relative to these countries' average, log points")
    left.set_ylabel(f"change {beta.first_year}–{beta.last_year}, log points")
    left.set_title("Do low-pay countries catch up? (salary data)")
    left.legend(fontsize=8)


def _draw_wage_growth(right: plt.Axes, wage_growth: WageGrowthBeta) -> None:
    table = wage_growth.table
    right.scatter(table["pay_gap_percent"], table["mean_growth_percent"], color=PALETTE[0], zorder=3)
    _label_points(right, table["pay_gap_percent"], table["mean_growth_percent"], table["country"])
    right.set_xlabel("tech pay relative to the US (salary data, adjusted), %")
    right.set_ylabel("mean year-over-year posted-wage growth, %")
    window = f"{wage_growth.first_month:%b %Y}–{wage_growth.last_month:%b %Y}" if wage_growth.first_month is not None else ""
    right.set_title(f"Posted-wage growth, all occupations, {window}")
    if wage_growth.slope is not None:
        right.annotate(f"slope: {wage_growth.slope.text(2)} pp per 10% higher pay", (0.02, 0.95),
                       xycoords="axes fraction", fontsize=8, va="top")


def _say_insufficient(ax: plt.Axes, reason: str) -> None:
    """An empty panel that says why it is empty."""
    ax.text(0.5, 0.5, "Insufficient data:\n" + textwrap.fill(reason, 50), ha="center", va="center", fontsize=9, transform=ax.transAxes)
    ax.set_axis_off()


def _label_points(ax: plt.Axes, x: pd.Series, y: pd.Series, labels: pd.Series) -> None:
    for xi, yi, label in zip(x, y, labels):
        ax.annotate(str(label), (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=8)


def plot_remote(share: RemoteShare, gap: RemoteGap, store: DataStore, sources: list[str]) -> plt.Figure:
    """Left: postings by arrangement and year (stacked shares). Right: pay gap of remote workers abroad, by year,
    against the registered 'close to residents' threshold."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.5))
    shares = share.shares.pivot(index="year", columns="arrangement", values="share")[list(REMOTE_LABELS.values())]
    bottom = np.zeros(len(shares))
    positions = np.arange(len(shares))
    for color, label in zip([MUTED, PALETTE[1], HIGHLIGHT], shares.columns):
        left.bar(positions, shares[label], bottom=bottom, color=color, label=label)
        bottom += shares[label].to_numpy()
    left.set_xticks(positions, [str(year) for year in shares.index])
    postings = share.shares.drop_duplicates("year").set_index("year")["postings"]
    for position, year in enumerate(shares.index):
        left.annotate(f"n={postings[year]:,}", (position, 101), ha="center", fontsize=8)
    left.set_ylim(0, 108)
    left.set_ylabel("share of postings, %")
    left.set_title("Work arrangement of postings")
    left.legend(fontsize=8, loc="lower left")
    threshold = claim_rule("convergence.remote_closes_geo_gap").threshold
    right.axhspan(threshold, max(0.0, -threshold), color=MUTED, alpha=0.25, label=f"'close to residents': above {threshold:+.0f}%")
    right.axhline(0, color="#333333", linewidth=0.8)
    if not gap.by_year.empty:
        shown = gap.by_year.dropna(subset=["gap_percent"])
        right.errorbar(shown["year"], shown["gap_percent"], yerr=_error_extent(shown, "gap_percent"),
                       fmt="o", color=HIGHLIGHT, capsize=3, label="by year (95% CI)")
        for row in gap.by_year.loc[gap.by_year["gap_percent"].isna()].itertuples():
            right.text(row.year, 0.03, f"{row.abroad_remote} workers\nabroad: too few", ha="center", va="bottom", fontsize=8,
                       color="#555555", transform=right.get_xaxis_transform())
        right.set_xticks(list(gap.by_year["year"]))
        right.set_xlim(gap.by_year["year"].min() - 0.5, gap.by_year["year"].max() + 0.5)
    if gap.gap is not None:
        pooled = Interval(*gap.gap.percent())
        right.axhline(pooled.estimate, color=HIGHLIGHT, linestyle="--", linewidth=1,
                      label=f"all years: {pooled.text()}% (clustered by residence country)")
    right.set_ylabel("pay gap to remote residents, %")
    right.set_title("Remote workers abroad vs remote residents\nof the employer's country")
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    _add_footer(fig, store, sources)
    return fig


def plot_top_premium(top: TopPremium, store: DataStore, sources: list[str]) -> plt.Figure:
    """Research/lead title premium and the top-decile premium by year, 95% CIs."""
    fig, ax = plt.subplots(figsize=(9, 5))
    table = top.by_year
    if top.latest is None:
        _say_insufficient(ax, top.insufficient)
        _add_footer(fig, store, sources)
        return fig
    offset = 0.06
    ax.errorbar(table["year"] - offset, table["premium_percent"], yerr=_error_extent(table, "premium_percent"),
                fmt="o-", color=HIGHLIGHT, capsize=3, label="research/lead titles vs other titles, same seniority (clustered by title)")
    ax.errorbar(table["year"] + offset, table["top_decile_percent"],
                yerr=_error_extent(table, "top_decile_percent", prefix="decile_"),
                fmt="s--", color=PALETTE[0], capsize=3, label="top decile vs median of adjusted pay")
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(list(table["year"]))
    ax.set_ylim(bottom=min(0, float(table["ci_low"].min()) - 5))
    ax.set_ylabel("pay premium, %")
    ax.set_title("The top of the pay distribution")
    ax.legend(fontsize=8, loc="lower right")
    _add_footer(fig, store, sources)
    return fig
