"""Is AI work moving out of tech into traditional industries? The real evidence, industry by industry.

No open data follows AI workers from one industry to another (for flows see
:mod:`talentmarket.careers`). What exists are *stocks* by industry and their
changes: AI R&D by industry 2019–2022 (NCSES BERD), AI use by industry in
2016–18 and 2021 (NCSES ABS), where AI-adjacent occupations work in May 2025
(BLS OEWS), and postings and posted-wage growth by occupational sector (Indeed).

Industries are grouped by NAICS codes as the NCSES tables print them, by default
the groups of :data:`talentmarket.oews.INDUSTRY_GROUPS`, which notebook 02 compares
wages on too: a group is a list of codes whose values are added, a code with a
leading ``-`` is subtracted (``["31–33", "-334"]`` is manufacturing without
computers and electronics), and ``"ALL"`` is the all-industries row. Plain hyphens
in codes (``"31-33"``) are read as the tables' en dashes. Two reference groups are
always added: ``All industries`` and ``Outside tech`` (all industries minus the tech group).

Uncertainty. NCSES publishes these tables without standard errors, so annual
changes are summarised by a linear trend over the survey years whose 95% CI
comes from the year-to-year scatter around it (Student t with years − 2 degrees
of freedom); with four years that interval is wide, and honestly so. Cells
published as ranges enter as their midpoints and bound the changes; flags
(``i`` imputed, ``r`` revised) travel with every group value. OEWS employment
comes with relative standard errors, which give CIs for industry shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy.stats import norm
from scipy.stats import t as student_t
from statsmodels.stats.multitest import multipletests

from talentmarket.demand import estimate_log_trend, fit_ewc, window
from talentmarket.claims import claim_text
from talentmarket.errors import ParameterError
from talentmarket.load import DataStore
from talentmarket.ncses import SOURCE as NCSES_SOURCE
from talentmarket.oews import (
    ALL,
    INDUSTRY_GROUPS,
    TECH_GROUP,
    check_industry_groups,
    industry_rows,
    normalise_naics_code,
    parse_naics_code,
)
from talentmarket.oews import SOURCE as OEWS_SOURCE
from talentmarket.postings import SOURCE_POSTINGS as POSTINGS_SOURCE
from talentmarket.postings import check_choice
from talentmarket.plots import HIGHLIGHT, MUTED, add_source_footer, mark_events
from talentmarket.results import ClaimResult, verdict_from_interval

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

    The CI uses the scatter around the line with ``years - 2`` degrees of freedom:
    the only uncertainty measure these published tables allow.
    """

    slope: float
    ci_low: float
    ci_high: float
    p_value: float
    years: tuple[int, ...]
    log: bool

    @property
    def per_year(self) -> tuple[float, float, float]:
        """(estimate, low, high) per year: percent for log trends, series units otherwise."""
        if self.log:
            return 100 * math.expm1(self.slope), 100 * math.expm1(self.ci_low), 100 * math.expm1(self.ci_high)
        return self.slope, self.ci_low, self.ci_high


def estimate_annual_trend(values: pd.Series, *, log: bool, level: float = 0.95) -> AnnualTrend:
    """Linear trend of ``values`` (indexed by year) — of their logarithm when ``log`` — with a t-based CI."""
    clean = values.dropna().sort_index()
    if len(clean) < 3:
        raise ParameterError(f"a trend with a confidence interval needs three or more years; got {list(clean.index)}")
    if log and not (clean > 0).all():
        raise ParameterError(f"a growth rate needs positive values; got {clean.to_dict()}")
    years = clean.index.to_numpy(dtype=float)
    y = np.log(clean.to_numpy(dtype=float)) if log else clean.to_numpy(dtype=float)
    design = np.column_stack([np.ones_like(years), years - years.mean()])
    params, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(y) - 2
    sigma2 = float(np.sum((y - design @ params) ** 2)) / dof
    se = math.sqrt(sigma2 / float(np.sum((years - years.mean()) ** 2)))
    critical = float(student_t.ppf(0.5 + level / 2, dof))
    if se > 0:
        p_value = float(2 * student_t.sf(abs(params[1]) / se, dof))
    else:  # the points lie exactly on a line
        p_value = 1.0 if params[1] == 0 else 0.0
    return AnnualTrend(float(params[1]), float(params[1] - critical * se), float(params[1] + critical * se), p_value,
                       tuple(int(year) for year in clean.index), log)


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
            "trend_p": trend.p_value, "flags": "".join(sorted(set("".join(series["flags"])))),
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
            "gap_p": gap.p_value,
        })
    table = pd.DataFrame(rows)
    table["gap_p_holm"] = multipletests(table["gap_p"], method="holm")[1]
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

    ``berd`` is :func:`talentmarket.ncses.load_berd_ai_rd` output. Returns measure →
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

    ``ai_use`` is :func:`talentmarket.ncses.load_ai_use` output. A withheld answer
    share (``D``) is bounded by what the reported answers leave of 100%, so the count
    keeps honest bounds instead of treating the gap as zero. Returns rows shaped like
    the NCSES tidy frames (measure ``ai_using_companies``), ready for :func:`aggregate_groups`.
    """
    rows = []
    keys = ["period", "row_id"]
    for (wave, _), answers in ai_use.groupby(keys, sort=True):
        if wave not in AI_USE_ANSWERS:
            raise ParameterError(f"ABS wave {wave!r} has no definition of AI use; known waves {sorted(AI_USE_ANSWERS)}")
        by_measure = answers.set_index("measure")
        percents = by_measure.drop(index="companies")
        slack = max(0.0, 100 - percents.loc[percents["status"] == "reported", "value"].sum())
        use = percents.loc[list(AI_USE_ANSWERS[wave])]
        reported = use["status"] == "reported"
        low_pct = use.loc[reported, "value"].sum()
        high_pct = low_pct + slack * (~reported).sum()
        companies = by_measure.loc["companies"]
        row = companies.copy()
        row["measure"] = "ai_using_companies"
        row["low"], row["high"] = companies["low"] * low_pct / 100, companies["high"] * min(high_pct, 100) / 100
        row["status"] = "reported" if reported.all() else "range"
        row["value"] = row["low"] if reported.all() else math.nan
        row["flag"] = "".join(sorted(({str(f) for f in use["flag"]} | {str(companies["flag"])}) - {""}))
        rows.append(row)
    counts = pd.DataFrame(rows).reset_index(drop=True)
    return pd.concat([ai_use[ai_use["measure"] == "companies"], counts], ignore_index=True)


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

    Groups map to OEWS industries through :func:`talentmarket.oews.industry_rows`, the
    mapping notebook 02 uses for wages. Standard errors come from BLS's relative
    standard errors (RSE) of each published estimate, treating estimates for different
    industries as independent; the share's CI uses the delta method. Industries where
    BLS published no employment for any of the occupations count as zero and are
    listed in ``not_published``. ``by_industry`` is :func:`talentmarket.oews.load_oews_by_industry` output.
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
    :func:`talentmarket.demand.estimate_log_trend` (autocorrelation-robust); gap
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
    table["gap_p_holm"] = multipletests(table["gap_p"], method="holm")[1]
    table.attrs["reference_pct_per_year"] = estimate_log_trend(reference_series, level).pct_per_year
    return table


def compare_wage_growth(sector_wages: pd.DataFrame, country_wages: pd.DataFrame, sectors: Sequence[str], start: str,
                        level: float = 0.95) -> pd.DataFrame:
    """Mean year-over-year posted wage growth (pp) of each sector since ``start`` against all US postings.

    The gap's CI is autocorrelation-robust (:func:`talentmarket.demand.fit_ewc` on a
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

def judge_ai_spreading(berd_shares: pd.DataFrame, ai_use: pd.DataFrame) -> ClaimResult:
    """Verdict from the trend of the share of AI-R&D-performing companies outside tech (BERD, pp/yr).

    One test decides: the trend's 95% CI above zero → supported, below → contradicted,
    straddling → inconclusive. The ABS waves (AI use, not comparable in level) are
    reported in the rationale as corroboration, not counted as a second test.
    """
    row = berd_shares.set_index("group").loc[OUTSIDE_TECH]
    waves = ai_use[ai_use["group"] == OUTSIDE_TECH].set_index("period").sort_index()
    first, last = waves.index[0], waves.index[-1]
    verdict = verdict_from_interval(row["trend_ci_low"], row["trend_ci_high"])
    rationale = (
        f"Outside tech (all industries minus information, computer systems design and computers/electronics), the "
        f"share of companies doing AI R&D went from {row['share_first_pct']:.1f}% in {row['first_year']} to "
        f"{row['share_last_pct']:.1f}% in {row['last_year']} (NCSES BERD); the trend is {row['trend_pp_per_year']:+.1f} pp "
        f"per year [{row['trend_ci_low']:.1f}, {row['trend_ci_high']:.1f}] (one test, {row['last_year'] - row['first_year'] + 1} survey years). "
        f"Among companies using AI (NCSES ABS), the share outside tech was {waves.at[first, 'share_pct']:.1f}% in {first} "
        f"and {waves.at[last, 'share_pct']:.1f}% in {last}, though the two waves asked different questions. "
        + _spreading_reading(verdict)
    )
    return ClaimResult(
        id="migration.ai_spreading_beyond_tech", claim=claim_text("migration.ai_spreading_beyond_tech"),
        metric=(f"Trend of the share (%) of AI-R&D-performing companies that are outside tech, "
                f"{row['first_year']}–{row['last_year']} (NCSES BERD)"),
        estimate=float(row["trend_pp_per_year"]), ci_low=float(row["trend_ci_low"]), ci_high=float(row["trend_ci_high"]),
        unit="percentage points per year", verdict=verdict, rationale=rationale,
        n=int(row["last_year"] - row["first_year"] + 1), section="Is AI spreading beyond tech?",
    )


def _spreading_reading(verdict: str) -> str:
    if verdict == "supported":
        return "AI R&D is reaching a growing share of companies outside tech."
    if verdict == "contradicted":
        return "AI R&D is concentrating in tech rather than spreading."
    return (
        "Four annual surveys cannot separate a change in the share from year-to-year noise; repeated, comparable "
        "surveys of AI use and AI employment by industry (or postings with an AI flag by employer industry) would settle it."
    )


def judge_growth_outside_tech(growth: pd.DataFrame) -> ClaimResult:
    """Verdict from the gap in AI R&D spending growth between industries outside tech and tech (BERD).

    Supported when AI R&D outside tech grew significantly faster than in tech (gap CI
    above zero), contradicted when significantly slower, inconclusive otherwise. One test.
    """
    row = growth.set_index("group").loc[OUTSIDE_TECH]
    reference = growth.attrs["reference_growth"]
    verdict = verdict_from_interval(row["gap_ci_low"], row["gap_ci_high"])
    reading = {
        "supported": "Traditional industries' AI R&D is growing faster than tech's.",
        "contradicted": "Tech's AI R&D is growing faster; the money is not shifting to traditional industries.",
        "inconclusive": (
            "With four survey years the gap cannot be told apart from noise. AI R&D spending is a stand-in for "
            "team size and funding; AI headcount and AI budgets by employer and industry over several years would settle it."
        ),
    }[verdict]
    return ClaimResult(
        id="migration.growth_outside_tech", claim=claim_text("migration.growth_outside_tech"),
        metric=("How much faster AI R&D spending grows outside tech than in tech, percent per year "
                "(log-linear trend of their ratio, NCSES BERD)"),
        estimate=float(row["gap_pct_per_year"]), ci_low=float(row["gap_ci_low"]), ci_high=float(row["gap_ci_high"]),
        unit="percent per year", verdict=verdict, n=int(row["years"]), section="Where is AI money growing fastest?",
        rationale=(
            f"Companies' AI R&D outside tech grew {row['growth_pct_per_year']:.1f}% per year "
            f"[{row['growth_ci_low']:.1f}, {row['growth_ci_high']:.1f}], in tech {reference[0]:.1f}% per year "
            f"[{reference[1]:.1f}, {reference[2]:.1f}]; the gap is {row['gap_pct_per_year']:+.1f}% per year "
            f"[{row['gap_ci_low']:.1f}, {row['gap_ci_high']:.1f}] (one test). " + reading
        ),
    )


def judge_into_healthcare_finance(growth: pd.DataFrame, destinations: Sequence[str]) -> ClaimResult:
    """The migration claim is about workers moving; no open data observes such moves, so the verdict
    is inconclusive by construction. The estimate shown is the best stand-in: the gap in AI R&D
    growth between the named destinations (summed) and tech (BERD), which the rationale reads."""
    label = " + ".join(destinations)
    if label not in set(growth["group"]):
        raise ParameterError(f"no combined group {label!r} in the growth table; add it with add_combined_group first")
    row = growth.set_index("group").loc[label]
    others = growth[~growth["group"].isin([label, OUTSIDE_TECH, ALL_INDUSTRIES])]
    ranking = ", ".join(f"{r.group} {r.growth_pct_per_year:.0f}%" for r in others.sort_values("growth_pct_per_year", ascending=False).itertuples())
    return ClaimResult(
        id="migration.into_healthcare_finance", claim=claim_text("migration.into_healthcare_finance"),
        metric=(f"Stand-in: how much faster AI R&D spending grows in {label} than in tech, percent per year "
                "(NCSES BERD); worker moves are not observed"),
        estimate=float(row["gap_pct_per_year"]), ci_low=float(row["gap_ci_low"]), ci_high=float(row["gap_ci_high"]),
        unit="percent per year", verdict="inconclusive", n=int(row["years"]), section="Migration into health care and finance",
        rationale=(
            f"No open data follows AI workers between industries, so the claim cannot be tested here. As a stand-in, "
            f"AI R&D in {label} grew {row['growth_pct_per_year']:.1f}% per year [{row['growth_ci_low']:.1f}, "
            f"{row['growth_ci_high']:.1f}], a gap of {row['gap_pct_per_year']:+.1f}% per year "
            f"[{row['gap_ci_low']:.1f}, {row['gap_ci_high']:.1f}] to tech (growth of each group: {ranking}). "
            f"Growth of R&D money is not a flow of people. What would settle it: {FLOW_DATA_NEEDED}, "
            "run through the flow estimator of this notebook."
        ),
    )


# --- Figures ---------------------------------------------------------------------------------------------

def plot_shares(shares: pd.DataFrame, groups: Sequence[str], title: str, store: DataStore, tech_group: str = TECH_GROUP) -> plt.Figure:
    """Share (%) of a BERD measure by year: tech against outside tech (left) and the traditional
    industries at their own scale (right). Hollow markers = more than half imputed; bars = range bounds."""
    fig, (ax_split, ax_industries) = plt.subplots(1, 2, figsize=(12, 5.5))
    colors = dict(zip(groups, sns.color_palette("tab10", len(groups))))
    for ax, chosen in ((ax_split, [tech_group, OUTSIDE_TECH]), (ax_industries, [g for g in groups if g not in (tech_group, OUTSIDE_TECH)])):
        for label in chosen:
            _plot_share_line(ax, shares[shares["group"] == label].sort_values("year"), label, colors[label])
        ax.set_xticks(sorted(shares["year"].unique()))
        ax.set(xlabel="survey year", ylabel="share of all industries (%)")
        ax.legend(fontsize=8)
    ax_split.set_title(f"{tech_group} and outside tech", fontsize=10)
    ax_industries.set_title("Industries of interest (hollow marker: more than half imputed)", fontsize=10)
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
