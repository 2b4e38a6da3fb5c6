"""Migration estimators: industry groups, AI shares of R&D and use, growth, shift-share, OEWS shares and postings context."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from talentmarket.data.oews import (
    ALL,
    INDUSTRY_GROUPS,
    TECH_GROUP,
    check_industry_groups,
    industry_rows,
    normalise_naics_code,
    parse_naics_code,
)
from talentmarket.errors import ParameterError, check_choice
from talentmarket.stats.inference import Inference, few_points_trend
from talentmarket.stats.multiplicity import holm
from talentmarket.stats.trends import estimate_log_trend, fit_ewc, window

ALL_INDUSTRIES = "All industries"
OUTSIDE_TECH = "Outside tech"

AI_USE_ANSWERS: dict[str, tuple[str, ...]] = {
    "2016–18": ("low_use", "moderate_use", "high_use"),
    "2021": ("a_lot", "somewhat", "a_little"),
}
"""Answers counted as using AI in each ABS wave. 2016–18 asked about AI as a production
technology, 2021 about using AI at all: levels are not comparable across waves, shares
of the AI-using companies that sit outside tech are closer to comparable."""

FLOW_DATA_NEEDED = (
    "job-history panels of AI workers with their employer's industry (for example profile histories) or "
    "job-to-job flows between industries by occupation (for example Census LEHD Job-to-Job Flows cut by occupation)"
)


# --- Industry groups -------------------------------------------------------------------------------

def parse_groups(
    groups: Mapping[str, Sequence[str]] = INDUSTRY_GROUPS, tech_group: str = TECH_GROUP,
) -> dict[str, list[tuple[int, str]]]:
    """Group label → [(sign, code)], with ``All industries`` and ``Outside tech`` added.

    Raises ParameterError when a group is empty, the tech group is missing, or a
    label collides with the two reference groups.
    """
    check_industry_groups(groups, tech_group)
    clashing = sorted({ALL_INDUSTRIES, OUTSIDE_TECH} & set(groups))
    if clashing:
        raise ParameterError(f"industry group names {clashing} are reserved for the reference groups")
    parsed = {label: [parse_naics_code(code) for code in codes] for label, codes in groups.items()}
    parsed[ALL_INDUSTRIES] = [(1, ALL)]
    parsed[OUTSIDE_TECH] = [(1, ALL)] + [(-sign, code) for sign, code in parsed[tech_group]]
    return parsed


def add_combined_group(groups: dict[str, list[tuple[int, str]]], members: Sequence[str]) -> str:
    """Add a group that sums ``members`` (e.g. health care and finance) and return its label."""
    check_choice("groups to combine", members, list(groups))
    label = " + ".join(members)
    groups[label] = [part for member in members for part in groups[member]]
    return label


def aggregate_groups(tidy: pd.DataFrame, groups: Mapping[str, list[tuple[int, str]]], measure: str, period: str) -> pd.DataFrame:
    """Signed sums of one measure over each group's NAICS rows, per period.

    ``tidy`` is an NCSES industry frame (``naics_code``, ``depth``, ``measure``,
    ``value``, ``low``, ``high``, ``status``, ``flag`` and the ``period`` column).
    Returns ``period``, ``group``, ``value`` (midpoint when a part is a range),
    ``low``, ``high``, ``flags`` (sorted flags of the parts, e.g. ``"i"``) and
    ``bounded`` (a part was published only as bounds). Parts withheld entirely
    (``D``) make the group's value missing rather than silently smaller.
    """
    rows = tidy[tidy["measure"] == measure].copy()
    if rows.empty:
        raise ParameterError(f"measure {measure!r} not in the table; available: {sorted(tidy['measure'].unique())}")
    rows["code"] = np.where(rows["depth"] == 1, ALL, rows["naics_code"].map(normalise_naics_code))
    _check_codes(rows, groups)
    rows = rows.drop_duplicates([period, "code"])
    out = []
    for when, year_rows in rows.groupby(period, sort=True):
        indexed = year_rows.set_index("code")
        for label, parts in groups.items():
            out.append({period: when, "group": label, **_signed_sum(indexed, parts)})
    return pd.DataFrame(out)


def _check_codes(rows: pd.DataFrame, groups: Mapping[str, list[tuple[int, str]]]) -> None:
    known = set(rows["code"])
    unknown = sorted({code for parts in groups.values() for _, code in parts} - known)
    if unknown:
        listing = ", ".join(sorted(known - {ALL}))
        raise ParameterError(f"NAICS code(s) {unknown} are not rows of this table; its codes are: {listing}")


def _signed_sum(indexed: pd.DataFrame, parts: list[tuple[int, str]]) -> dict[str, object]:
    value = low = high = 0.0
    flags: set[str] = set()
    bounded = False
    for sign, code in parts:
        if code not in indexed.index:
            return {"value": math.nan, "low": math.nan, "high": math.nan, "flags": "", "bounded": False}
        row = indexed.loc[code]
        part_low, part_high = float(row["low"]), float(row["high"])
        point = float(row["value"]) if row["status"] == "reported" else (part_low + part_high) / 2
        bounded |= row["status"] != "reported"
        value += sign * point
        low += sign * (part_low if sign > 0 else part_high)
        high += sign * (part_high if sign > 0 else part_low)
        flags |= {str(row["flag"])} - {""}
    return {"value": value, "low": low, "high": high, "flags": "".join(sorted(flags)), "bounded": bounded}


def add_shares(group_values: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each group's share (%) of ``All industries`` in the same period, with bounds from the parts' bounds."""
    total = group_values[group_values["group"] == ALL_INDUSTRIES].set_index(period)["value"]
    shares = group_values.copy()
    denominator = shares[period].map(total)
    for column in ("value", "low", "high"):
        shares[f"share_{column}"] = 100 * shares[column] / denominator
    return shares.rename(columns={"share_value": "share_pct", "share_low": "share_low_pct", "share_high": "share_high_pct"})


# --- Trends over a few survey years --------------------------------------------------------------------

@dataclass(frozen=True)
class AnnualTrend:
    """OLS trend over survey years; slope in the series' units per year (log points if ``log``).

    The CI uses the scatter around the line with ``years − 2`` degrees of freedom
    (:func:`talentmarket.stats.inference.few_points_trend`): the only uncertainty measure these
    published tables allow. ``se`` and ``dof`` let a verdict test the slope against a threshold;
    ``inference`` records how the interval was made.
    """

    slope: float
    ci_low: float
    ci_high: float
    p_value: float
    years: tuple[int, ...]
    log: bool
    se: float
    dof: int
    inference: Inference

    @property
    def per_year(self) -> tuple[float, float, float]:
        """(estimate, low, high) per year: percent for log trends, series units otherwise."""
        if self.log:
            return 100 * math.expm1(self.slope), 100 * math.expm1(self.ci_low), 100 * math.expm1(self.ci_high)
        return self.slope, self.ci_low, self.ci_high


def estimate_annual_trend(values: pd.Series, *, log: bool, level: float = 0.95) -> AnnualTrend:
    """Linear trend of ``values`` (indexed by year) — of their logarithm when ``log`` — with a t(T−2) CI."""
    clean = values.dropna().sort_index()
    if len(clean) < 3:
        raise ParameterError(f"a trend with a confidence interval needs three or more years; got {list(clean.index)}")
    if log and not (clean > 0).all():
        raise ParameterError(f"a growth rate needs positive values; got {clean.to_dict()}")
    y = np.log(clean.to_numpy(dtype=float)) if log else clean.to_numpy(dtype=float)
    fit = few_points_trend(clean.index.to_numpy(dtype=float), y, level=level)
    p_value = fit.p_value if math.isfinite(fit.p_value) else (1.0 if fit.value == 0 else 0.0)  # exactly on a line
    return AnnualTrend(fit.value, fit.ci_low, fit.ci_high, p_value, tuple(int(year) for year in clean.index), log,
                       fit.se, int(fit.inference.df), fit.inference)


def estimate_share_trends(shares: pd.DataFrame, groups: Sequence[str], period: str = "year") -> pd.DataFrame:
    """Per group: share (%) in the first and last year, the change with its bounds, and the trend (pp/yr, 95% CI)."""
    rows = []
    for label in groups:
        series = shares[shares["group"] == label].set_index(period).sort_index()
        first, last = series.index.min(), series.index.max()
        trend = estimate_annual_trend(series["share_pct"], log=False)
        rows.append({
            "group": label, "first_year": first, "last_year": last,
            "share_first_pct": series.at[first, "share_pct"], "share_last_pct": series.at[last, "share_pct"],
            "change_pp": series.at[last, "share_pct"] - series.at[first, "share_pct"],
            "change_low_pp": series.at[last, "share_low_pct"] - series.at[first, "share_high_pct"],
            "change_high_pp": series.at[last, "share_high_pct"] - series.at[first, "share_low_pct"],
            "trend_pp_per_year": trend.slope, "trend_ci_low": trend.ci_low, "trend_ci_high": trend.ci_high,
            "trend_p": trend.p_value, "trend_se": trend.se, "dof": trend.dof, "flags": "".join(sorted(set("".join(series["flags"])))),
        })
    return pd.DataFrame(rows)


def estimate_growth(group_values: pd.DataFrame, groups: Sequence[str], reference: str, period: str = "year") -> pd.DataFrame:
    """Per group: growth in percent per year (log-linear trend) and the gap to ``reference`` with 95% CIs.

    The gap is the trend of log(group / reference): how much faster (in percent per
    year) the group grew than the reference over the same years. Gap p-values are
    Holm-adjusted across the groups compared, since they are read as one family.
    """
    wide = group_values.pivot(index=period, columns="group", values="value")
    reference_trend = estimate_annual_trend(wide[reference], log=True)
    rows = []
    for label in groups:
        growth = estimate_annual_trend(wide[label], log=True)
        gap = estimate_annual_trend(wide[label] / wide[reference], log=True)
        rows.append({
            "group": label, "years": len(growth.years),
            **dict(zip(("growth_pct_per_year", "growth_ci_low", "growth_ci_high"), growth.per_year)),
            **dict(zip(("gap_pct_per_year", "gap_ci_low", "gap_ci_high"), gap.per_year)),
            "gap_log_per_year": gap.slope, "gap_se": gap.se, "dof": gap.dof, "gap_p": gap.p_value,
        })
    table = pd.DataFrame(rows)
    table["gap_p_holm"] = holm(table["gap_p"])
    table.attrs["reference_growth"] = reference_trend.per_year
    return table


def decompose_ai_intensity(berd_groups: dict[str, pd.DataFrame], partition: Sequence[str], start: int, end: int) -> pd.DataFrame:
    """Shift-share decomposition of the change in AI's share of all business R&D between two years.

    With ``s_i`` an industry group's share of R&D and ``a_i`` the AI share of its R&D,
    the economy-wide AI share is ``Σ s_i a_i``; its change splits into *within*
    (``Σ s_i0 Δa_i``: industries doing more AI), *between* (``Σ Δs_i a_i0``: R&D moving
    towards AI-heavy industries) and *interaction* (``Σ Δs_i Δa_i``). The groups in
    ``partition`` plus a computed remainder ("Rest of economy") cover all industries.
    ``berd_groups`` maps measure name (``rd_amount``, ``ai_rd_amount``) to
    :func:`aggregate_groups` output. An accounting identity: no sampling model, no CI.
    """
    rd = berd_groups["rd_amount"].pivot(index="group", columns="year", values="value")
    ai = berd_groups["ai_rd_amount"].pivot(index="group", columns="year", values="value")
    for years in (start, end):
        if years not in rd.columns:
            raise ParameterError(f"year {years} not in the BERD panel (years {sorted(rd.columns)})")
    rest = "Rest of economy"
    for table in (rd, ai):
        table.loc[rest] = table.loc[ALL_INDUSTRIES] - table.loc[list(partition)].sum()
    parts = [*partition, rest]
    s0, s1 = (rd.loc[parts, y] / rd.loc[ALL_INDUSTRIES, y] for y in (start, end))
    a0, a1 = (ai.loc[parts, y] / rd.loc[parts, y] for y in (start, end))
    table = pd.DataFrame({
        "rd_share_start_pct": 100 * s0, "rd_share_end_pct": 100 * s1,
        "ai_intensity_start_pct": 100 * a0, "ai_intensity_end_pct": 100 * a1,
        "within_pp": 100 * s0 * (a1 - a0), "between_pp": 100 * (s1 - s0) * a0, "interaction_pp": 100 * (s1 - s0) * (a1 - a0),
    })
    table["total_pp"] = table[["within_pp", "between_pp", "interaction_pp"]].sum(axis=1)
    table.index.name = "group"
    table.attrs["years"] = f"{start}–{end}"
    table.attrs["economy_change_pp"] = 100 * (ai.loc[ALL_INDUSTRIES, end] / rd.loc[ALL_INDUSTRIES, end]
                                              - ai.loc[ALL_INDUSTRIES, start] / rd.loc[ALL_INDUSTRIES, start])
    return table.reset_index()


# --- NCSES: BERD panel and ABS waves -------------------------------------------------------------------

def summarize_berd(berd: pd.DataFrame, groups: Mapping[str, list[tuple[int, str]]], years: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Group values and shares of R&D, AI R&D and AI-R&D companies for the chosen years.

    ``berd`` is :func:`talentmarket.data.ncses.load_berd_ai_rd` output. Returns measure →
    frame of :func:`aggregate_groups` with shares added.
    """
    available = sorted(berd["year"].unique())
    missing = sorted(set(years) - set(available))
    if missing or len(years) < 3:
        raise ParameterError(f"years {missing or list(years)}: choose three or more of the BERD years {available}")
    chosen = berd[berd["year"].isin(years)]
    return {
        measure: add_shares(aggregate_groups(chosen, groups, measure, "year"), "year")
        for measure in ("rd_amount", "ai_rd_amount", "ai_rd_companies")
    }


def ai_using_companies(ai_use: pd.DataFrame) -> pd.DataFrame:
    """Companies using AI per industry and ABS wave: companies × share answering "use", with bounds.

    ``ai_use`` is :func:`talentmarket.data.ncses.load_ai_use` output. A withheld answer
    share (``D``) is bounded by what the reported answers leave of 100%, so the count
    keeps honest bounds instead of treating the gap as zero. Returns rows shaped like
    the NCSES tidy frames (measure ``ai_using_companies``), ready for :func:`aggregate_groups`.
    """
    measure, status, flag = (ai_use[column].to_numpy() for column in ("measure", "status", "flag"))
    value, low, high = (ai_use[column].to_numpy(dtype=float) for column in ("value", "low", "high"))
    groups = ai_use.groupby(["period", "row_id"], sort=True).indices
    company_rows, counts = [], {column: [] for column in ("low", "high", "status", "value", "flag")}
    for wave, row_id in sorted(groups):
        if wave not in AI_USE_ANSWERS:
            raise ParameterError(f"ABS wave {wave!r} has no definition of AI use; known waves {sorted(AI_USE_ANSWERS)}")
        rows = groups[(wave, row_id)]
        company = rows[measure[rows] == "companies"][0]
        percents = rows[measure[rows] != "companies"]
        slack = max(0.0, 100 - np.nansum(value[percents[status[percents] == "reported"]]))
        position = dict(zip(measure[percents], percents, strict=True))
        use = np.array([position[answer] for answer in AI_USE_ANSWERS[wave]])
        reported = status[use] == "reported"
        low_pct = np.nansum(value[use[reported]])
        high_pct = low_pct + slack * (~reported).sum()
        company_rows.append(company)
        counts["low"].append(low[company] * low_pct / 100)
        counts["high"].append(high[company] * min(high_pct, 100) / 100)
        counts["status"].append("reported" if reported.all() else "range")
        counts["value"].append(counts["low"][-1] if reported.all() else math.nan)
        counts["flag"].append("".join(sorted(({str(f) for f in flag[use]} | {str(flag[company])}) - {""})))
    using = ai_use.iloc[company_rows].assign(measure="ai_using_companies", **counts)
    return pd.concat([ai_use[ai_use["measure"] == "companies"], using], ignore_index=True)


def summarize_ai_use(ai_use: pd.DataFrame, groups: Mapping[str, list[tuple[int, str]]]) -> pd.DataFrame:
    """Per group and ABS wave: companies, AI-using companies, the AI use rate (%) and the group's
    share (%) of all AI-using companies, each with bounds from withheld answers."""
    counts = ai_using_companies(ai_use)
    companies = aggregate_groups(counts, groups, "companies", "period")
    using = add_shares(aggregate_groups(counts, groups, "ai_using_companies", "period"), "period")
    table = using.merge(companies[["period", "group", "value"]].rename(columns={"value": "companies"}), on=["period", "group"])
    table["use_rate_pct"] = 100 * table["value"] / table["companies"]
    return table.rename(columns={"value": "ai_using", "low": "ai_using_low", "high": "ai_using_high"})


# --- OEWS: where AI-adjacent occupations work ---------------------------------------------------------

def oews_group_shares(by_industry: pd.DataFrame, groups: Mapping[str, list[tuple[int, str]]], occupations: Sequence[str],
                      level: float = 0.95) -> pd.DataFrame:
    """Employment of ``occupations`` (summed) in each industry group and its share of all industries, May 2025.

    Groups map to OEWS industries through :func:`talentmarket.data.oews.industry_rows`, the
    mapping notebook 02 uses for wages. Standard errors come from BLS's relative
    standard errors (RSE) of each published estimate, treating estimates for different
    industries as independent; the share's CI uses the delta method. Industries where
    BLS published no employment for any of the occupations count as zero and are
    listed in ``not_published``. ``by_industry`` is :func:`talentmarket.data.oews.load_oews_by_industry` output.
    """
    missing = sorted(set(occupations) - set(by_industry["occ_code"]))
    if missing:
        raise ParameterError(f"occupations {missing} not in the OEWS file; available: {sorted(by_industry['occ_code'].unique())}")
    total, total_var, _ = _summed_employment(by_industry, [(1, ALL)], occupations)
    z = norm.ppf(0.5 + level / 2)
    rows = []
    for label, parts in groups.items():
        value, variance, not_published = _summed_employment(by_industry, parts, occupations)
        share = value / total
        share_se = math.sqrt((1 - share) ** 2 * variance + share**2 * max(total_var - variance, 0.0)) / total
        rows.append({
            "group": label, "employment": value, "employment_se": math.sqrt(variance), "share_pct": 100 * share,
            "share_ci_low": 100 * (share - z * share_se), "share_ci_high": 100 * (share + z * share_se),
            "not_published": ", ".join(not_published),
        })
    return pd.DataFrame(rows)


def _summed_employment(
    by_industry: pd.DataFrame, parts: list[tuple[int, str]], occupations: Sequence[str],
) -> tuple[float, float, list[str]]:
    """Signed employment of the occupations over a group's OEWS industries, its variance from the RSEs,
    and the industries with no published employment."""
    rows = industry_rows(by_industry, [f"-{code}" if sign < 0 else code for sign, code in parts])
    rows = rows[rows["occ_code"].isin(occupations)]
    employment = rows["employment"].fillna(0.0)
    se = employment * rows["employment_percent_relative_standard_error"].fillna(0.0) / 100
    published = rows["employment"].notna().groupby(rows["industry_code"], sort=False).any()
    return float((rows["sign"] * employment).sum()), float((se**2).sum()), list(published.index[~published])


# --- Indeed: postings and posted wages by occupational sector ---------------------------------------------

def compare_sector_postings(sector_index: pd.DataFrame, country: str, sectors: Sequence[str], reference: str,
                            start: str, level: float = 0.95) -> pd.DataFrame:
    """Growth of postings in ``sectors`` against ``reference`` (e.g. Software Development) since ``start``.

    Each sector's trend and the trend of log(sector / reference) come from
    :func:`talentmarket.stats.trends.estimate_log_trend` (autocorrelation-robust); gap
    p-values are Holm-adjusted across the sectors. These are all postings in an
    occupational sector — not AI postings in an industry.
    """
    series = sector_index[sector_index["country"] == country].pivot(index="month", columns="sector", values="index")
    unknown = sorted(set([*sectors, reference]) - set(series.columns))
    if unknown:
        raise ParameterError(f"sectors {unknown} not in the {country} postings; available: {sorted(series.columns)}")
    reference_series = window(series[reference], start)
    rows = []
    for sector in sectors:
        own = window(series[sector], start)
        trend, gap = estimate_log_trend(own, level), estimate_log_trend(own / reference_series, level)
        rows.append({
            "sector": sector, "months": trend.n, "pct_per_year": trend.pct_per_year,
            "gap_pct_per_year": gap.pct_per_year, "gap_ci_low": gap.pct_ci[0], "gap_ci_high": gap.pct_ci[1], "gap_p": gap.p_value,
        })
    table = pd.DataFrame(rows)
    table["gap_p_holm"] = holm(table["gap_p"])
    table.attrs["reference_pct_per_year"] = estimate_log_trend(reference_series, level).pct_per_year
    return table


def compare_wage_growth(sector_wages: pd.DataFrame, country_wages: pd.DataFrame, sectors: Sequence[str], start: str,
                        level: float = 0.95) -> pd.DataFrame:
    """Mean year-over-year posted wage growth (pp) of each sector since ``start`` against all US postings.

    The gap's CI is autocorrelation-robust (:func:`talentmarket.stats.trends.fit_ewc` on a
    constant): overlapping 12-month growth rates are strongly serially correlated.
    """
    overall = country_wages[country_wages["jobcountry"] == "US"].set_index("month")["posted_wage_growth_yoy"]
    rows = []
    for sector in sectors:
        own = sector_wages[sector_wages["sector"] == sector].set_index("month")["posted_wage_growth_yoy"]
        gap = (100 * (own - overall)).loc[pd.Timestamp(start):].dropna()
        if len(gap) < 12:
            raise ParameterError(f"{sector}: only {len(gap)} months of wage growth after {start}; need 12 or more")
        fit = fit_ewc(gap.to_numpy(), np.ones((len(gap), 1)))
        low, high = fit.interval(0, 1 - level)
        rows.append({"sector": sector, "months": len(gap), "growth_pct": 100 * own.loc[pd.Timestamp(start):].mean(),
                     "gap_pp": float(fit.params[0]), "gap_ci_low": low, "gap_ci_high": high})
    table = pd.DataFrame(rows)
    table.attrs["overall_growth_pct"] = 100 * overall.loc[pd.Timestamp(start):].mean()
    return table


# --- Verdicts --------------------------------------------------------------------------------------------
