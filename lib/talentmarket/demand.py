"""Growth of AI postings against occupational sectors: trends with autocorrelation-robust CIs.

Monthly posting indices are strongly autocorrelated (they are averages of 7-day
trailing averages, and the labour market moves slowly), so every trend is a
log-linear OLS fit with Newey–West (HAC) standard errors and t critical values.
Growth is reported in percent per year: ``100 · (exp(slope) − 1)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from talentmarket.errors import ParameterError
from talentmarket.results import ClaimResult, verdict_from_interval

MIN_MONTHS = 12
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Trend:
    """A log-linear trend: slope in log points per year with its confidence interval."""

    slope: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    level: float

    @property
    def pct_per_year(self) -> float:
        return 100 * math.expm1(self.slope)

    @property
    def pct_ci(self) -> tuple[float, float]:
        return 100 * math.expm1(self.ci_low), 100 * math.expm1(self.ci_high)


def newey_west_lags(n: int) -> int:
    """Newey–West (1994) automatic bandwidth rule ``floor(4 (n/100)^(2/9))``, at least 1."""
    return max(1, int(4 * (n / 100) ** (2 / 9)))


def estimate_log_trend(series: pd.Series, level: float = 0.95) -> Trend:
    """Fit ``log(y) = a + b·years + e`` with HAC errors; ``series`` is indexed by month timestamps.

    Raises ParameterError for non-positive values or fewer than ``MIN_MONTHS`` points.
    """
    clean = series.dropna().sort_index()
    if len(clean) < MIN_MONTHS:
        raise ParameterError(f"a trend needs at least {MIN_MONTHS} monthly values; got {len(clean)}")
    if not ((clean > 0) & np.isfinite(clean)).all():
        raise ParameterError("a log-linear trend needs strictly positive, finite values")
    years = (clean.index - clean.index[0]).days.to_numpy() / DAYS_PER_YEAR
    design = sm.add_constant(years)
    fit = sm.OLS(np.log(clean.to_numpy(dtype=float)), design).fit(
        cov_type="HAC", cov_kwds={"maxlags": newey_west_lags(len(clean)), "use_correction": True}, use_t=True
    )
    low, high = fit.conf_int(alpha=1 - level)[1]
    return Trend(float(fit.params[1]), float(fit.bse[1]), float(low), float(high), float(fit.pvalues[1]), len(clean), level)


def window(series: pd.Series, start: str | pd.Timestamp, end: str | pd.Timestamp | None = None) -> pd.Series:
    """The part of a month-indexed series from ``start`` to ``end`` inclusive."""
    return series.loc[pd.Timestamp(start): (pd.Timestamp(end) if end is not None else None)]


def compare_ai_with_sectors(
    ai_index: pd.DataFrame,
    sector_index: pd.DataFrame,
    start: str,
    tech_sectors: list[str],
    level: float = 0.95,
) -> pd.DataFrame:
    """Trend of the AI postings index against every sector, per country, from ``start`` to the sector data's end.

    For each country and sector: the sector's trend, the AI trend over the same
    months, and the gap (trend of log(AI/sector)) with a HAC CI. Among tech sectors
    of a country, gap p-values are Holm-adjusted and gap CIs Bonferroni-widened, so
    "AI beats every tech sector" is a statement about the whole family.
    """
    rows = []
    for (country, sector), group in sector_index.groupby(["country", "sector"], sort=True):
        sector_series = window(group.set_index("month")["index"], start)
        ai_series = window(ai_index.loc[ai_index["country"] == country].set_index("month")["index"], start, sector_series.index.max())
        common = sector_series.index.intersection(ai_series.index)
        if len(common) < MIN_MONTHS:
            continue
        sector_trend = estimate_log_trend(sector_series.loc[common], level)
        ai_trend = estimate_log_trend(ai_series.loc[common], level)
        gap = estimate_log_trend(ai_series.loc[common] / sector_series.loc[common], level)
        rows.append({
            "country": country, "sector": sector, "is_tech": sector in tech_sectors,
            "start": common.min(), "end": common.max(), "months": len(common),
            "sector_pct_per_year": sector_trend.pct_per_year,
            "sector_pct_ci_low": sector_trend.pct_ci[0], "sector_pct_ci_high": sector_trend.pct_ci[1],
            "ai_pct_per_year": ai_trend.pct_per_year,
            "gap_log_per_year": gap.slope, "gap_se": gap.se, "gap_p": gap.p_value,
        })
    if not rows:
        raise ParameterError(f"no country has {MIN_MONTHS}+ months of both AI and sector data after {start}")
    return _adjust_tech_family(pd.DataFrame(rows), level)


def _adjust_tech_family(table: pd.DataFrame, level: float) -> pd.DataFrame:
    """Holm p-values and Bonferroni simultaneous CIs for the gaps to tech sectors, per country."""
    table["gap_p_holm"] = np.nan
    table["gap_ci_low"], table["gap_ci_high"] = np.nan, np.nan
    for country, group in table.groupby("country"):
        tech = group.index[group["is_tech"]]
        family = max(len(tech), 1)
        for index in group.index:
            in_family = index in tech
            alpha = (1 - level) / family if in_family else 1 - level
            critical = _t_critical(alpha, table.at[index, "months"] - 2)
            table.loc[index, ["gap_ci_low", "gap_ci_high"]] = (
                table.at[index, "gap_log_per_year"] - critical * table.at[index, "gap_se"],
                table.at[index, "gap_log_per_year"] + critical * table.at[index, "gap_se"],
            )
        if len(tech):
            table.loc[tech, "gap_p_holm"] = multipletests(table.loc[tech, "gap_p"], method="holm")[1]
    for column in ("gap_log_per_year", "gap_ci_low", "gap_ci_high"):
        table[column.replace("log", "pp").replace("gap_ci", "gap_pp_ci")] = 100 * np.expm1(table[column])
    return table.sort_values(["country", "sector"], ignore_index=True)


def _t_critical(alpha: float, dof: int) -> float:
    from scipy.stats import t

    return float(t.ppf(1 - alpha / 2, dof))


@dataclass(frozen=True)
class LevelShift:
    """Ratio of a series' mean level after an event to its mean level before, with a CI."""

    ratio: float
    ci_low: float
    ci_high: float
    months_before: int
    months_after: int


def estimate_level_shift(series: pd.Series, event: str | pd.Timestamp, months: int = 12, level: float = 0.95) -> LevelShift:
    """Compare the ``months`` before ``event`` with the latest ``months`` of the series.

    Fits ``log(y) = a + b·after + e`` on those two windows with HAC errors; the ratio
    is ``exp(b)`` (geometric mean after / geometric mean before).
    """
    clean = series.dropna().sort_index()
    when = pd.Timestamp(event)
    before = clean.loc[:when].iloc[-months:]
    after = clean.loc[when:].iloc[-months:]
    if len(before) < months or len(after) < months:
        raise ParameterError(f"a level shift needs {months} months before and after {when.date()}; got {len(before)} and {len(after)}")
    if (pd.concat([before, after]) <= 0).any():
        raise ParameterError("a level shift in logs needs strictly positive values")
    values = np.log(pd.concat([before, after]).to_numpy(dtype=float))
    design = sm.add_constant(np.r_[np.zeros(len(before)), np.ones(len(after))])
    fit = sm.OLS(values, design).fit(
        cov_type="HAC", cov_kwds={"maxlags": newey_west_lags(len(values)), "use_correction": True}, use_t=True
    )
    low, high = fit.conf_int(alpha=1 - level)[1]
    return LevelShift(float(np.exp(fit.params[1])), float(np.exp(low)), float(np.exp(high)), len(before), len(after))


def estimate_share_trends(ai_share: pd.DataFrame, start: str, end: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """Log-linear trend of the AI share of postings per country, with Holm-adjusted p-values across countries."""
    rows = []
    for country, group in ai_share.groupby("country", sort=True):
        trend = estimate_log_trend(window(group.set_index("month")["share_pct"], start, end), level)
        low, high = trend.pct_ci
        rows.append({"country": country, "months": trend.n, "pct_per_year": trend.pct_per_year,
                     "ci_low": low, "ci_high": high, "p": trend.p_value})
    table = pd.DataFrame(rows)
    table["p_holm"] = multipletests(table["p"], method="holm")[1]
    return table


def estimate_level_shifts(share: pd.DataFrame, event: str, months: int = 12, level: float = 0.95) -> pd.DataFrame:
    """:func:`estimate_level_shift` of the share series of every country."""
    rows = []
    for country, group in share.groupby("country", sort=True):
        shift = estimate_level_shift(group.set_index("month")["share_pct"], event, months, level)
        rows.append({"country": country, "ratio": shift.ratio, "ci_low": shift.ci_low, "ci_high": shift.ci_high})
    return pd.DataFrame(rows)


CLAIMS = {
    "demand.ai_vs_tech_sectors": "Postings for AI-related jobs have grown much faster than postings in every other tech occupation.",
    "demand.ai_share_trend": "AI-related jobs make up a rising share of all job postings.",
    "demand.genai_takeoff": "Demand for generative-AI skills took off after ChatGPT's release (at least a doubling of its share of postings).",
}
GENAI_TAKEOFF_RATIO = 2.0


def judge_ai_vs_tech_sectors(comparison: pd.DataFrame, ai_trend: Trend, primary: str, start: str) -> ClaimResult:
    """Verdict on AI postings outgrowing every tech sector.

    Supported: in every country AI's gap to each tech sector is positive with
    Bonferroni-simultaneous 95% CIs *and* AI postings themselves grew (trend CI > 0).
    Mixed: AI beats every tech sector in some countries, or beats them only by
    shrinking less. Contradicted: AI beats every tech sector nowhere.
    Estimate: the primary country's smallest gap to a tech sector (pp per year).
    """
    tech = comparison.loc[comparison["is_tech"]]
    beats_all = tech.groupby("country")["gap_pp_ci_low"].min() > 0
    closest = tech.loc[tech["country"] == primary].sort_values("gap_log_per_year").iloc[0]
    ai_low, ai_high = ai_trend.pct_ci
    winners = sorted(beats_all.index[beats_all])
    if beats_all.all() and ai_low > 0:
        verdict = "supported"
    elif beats_all.any():
        verdict = "mixed"
    else:
        verdict = "contradicted"
    rationale = (
        f"From {start} to the end of the sector data, the AI postings index outgrew every tech sector in "
        f"{len(winners)} of {beats_all.size} countries ({', '.join(winners) or 'none'}; gaps tested as a family "
        f"with Holm/Bonferroni). In {primary} the closest tech sector is {closest['sector']} "
        f"(gap {closest['gap_pp_per_year']:.1f} pp/yr). But the AI index itself changed by "
        f"{ai_trend.pct_per_year:.1f}%/yr [{ai_low:.1f}, {ai_high:.1f}] in {primary} over that window: "
        + ("it grew." if ai_low > 0 else "AI postings fell less than tech postings rather than growing, so 'growth that dwarfs' overstates it.")
    )
    return ClaimResult(
        id="demand.ai_vs_tech_sectors", claim=CLAIMS["demand.ai_vs_tech_sectors"],
        metric=f"{primary}: smallest gap between the AI postings trend and a tech sector's trend since {start} (Bonferroni 95% CI)",
        estimate=float(closest["gap_pp_per_year"]), ci_low=float(closest["gap_pp_ci_low"]), ci_high=float(closest["gap_pp_ci_high"]),
        unit="percentage points per year", verdict=verdict, rationale=rationale, n=int(closest["months"]),
        section="Growth since ChatGPT against every sector",
    )


def judge_ai_share_trend(trends: pd.DataFrame, primary: str, start: str) -> ClaimResult:
    """Supported when the primary country's AI share trend is positive (95% HAC CI) and, after a Holm
    correction, positive in most countries; contradicted when it is significantly negative."""
    row = trends.set_index("country").loc[primary]
    rising = int(((trends["p_holm"] < 0.05) & (trends["pct_per_year"] > 0)).sum())
    falling = int(((trends["p_holm"] < 0.05) & (trends["pct_per_year"] < 0)).sum())
    verdict = verdict_from_interval(row["ci_low"], row["ci_high"])
    if verdict == "supported" and rising <= len(trends) / 2:
        verdict = "mixed"
    return ClaimResult(
        id="demand.ai_share_trend", claim=CLAIMS["demand.ai_share_trend"],
        metric=f"{primary}: log-linear trend of the AI share of postings since {start}",
        estimate=float(row["pct_per_year"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
        unit="percent per year", verdict=verdict, n=int(row["months"]),
        rationale=(f"The AI share of {primary} postings changed by {row['pct_per_year']:.1f}% per year "
                   f"[{row['ci_low']:.1f}, {row['ci_high']:.1f}]; after a Holm correction across {len(trends)} countries "
                   f"it rose significantly in {rising} and fell significantly in {falling}."),
        section="The AI share of postings",
    )


def judge_genai_takeoff(shifts: pd.DataFrame, primary: str, event: str) -> ClaimResult:
    """Supported when the GenAI share of the latest 12 months is at least twice that of the
    12 months before ChatGPT (lower 95% CI bound ≥ 2) in the primary country."""
    row = shifts.set_index("country").loc[primary]
    doubled = int((shifts["ci_low"] >= GENAI_TAKEOFF_RATIO).sum())
    verdict = "supported" if row["ci_low"] >= GENAI_TAKEOFF_RATIO else ("contradicted" if row["ci_high"] < GENAI_TAKEOFF_RATIO else "inconclusive")
    return ClaimResult(
        id="demand.genai_takeoff", claim=CLAIMS["demand.genai_takeoff"],
        metric=f"{primary}: GenAI share of postings, latest 12 months ÷ 12 months before {event}",
        estimate=float(row["ratio"]), ci_low=float(row["ci_low"]), ci_high=float(row["ci_high"]),
        unit="ratio (fold change)", verdict=verdict, n=24,
        rationale=(f"The GenAI share in {primary} is {row['ratio']:.0f} times its pre-ChatGPT level "
                   f"[{row['ci_low']:.0f}, {row['ci_high']:.0f}]; at least doubled (CI above 2) in {doubled} of {len(shifts)} countries. "
                   "Keyword mentions, not jobs: a posting that mentions GenAI is not necessarily a GenAI job."),
        section="The GenAI take-off",
    )
