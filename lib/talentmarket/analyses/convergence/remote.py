"""Remote work: the pay gap of remote workers abroad and the trend in the remote share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.estimates import CountryGaps
from talentmarket.analyses.convergence.sample import (
    ARRANGEMENTS,
    DEFAULT_MIN_CELL,
    REMOTE_LABELS,
    REQUIRED_COLUMNS,
    Interval,
    _build_design,
    _cell_sizes,
    _contrast,
    _controls,
    _count_postings,
    _Design,
    _fit_clustered,
    _keep_years,
    _most_frequent,
    _notes_text,
    _percent_words,
    _pool_small_titles,
    _require_columns,
    _years_in,
    classify_arrangements,
)
from talentmarket.errors import ParameterError
from talentmarket.stats.regression import fit_ols, log_to_percent


@dataclass(frozen=True)
class RemoteGap:
    """Pay of people living outside their employer's country relative to the employer country's residents."""

    gap: Interval | None
    """Fully remote workers abroad vs fully remote residents, log points, at the sample's middle year."""
    trend: Interval | None
    """Change of that gap per year, log points (positive: the gap shrinks when it is negative)."""
    trend_p_value: float | None
    gap_p_value: float | None
    not_remote_gap: Interval | None
    """On-site or hybrid workers abroad vs on-site residents, log points."""
    by_year: pd.DataFrame
    """year, abroad_remote postings, gap_percent, ci_low, ci_high (NaN where below min_cell)."""
    counts: pd.DataFrame
    """Postings by arrangement and year."""
    abroad_countries: pd.DataFrame
    """Residence countries of the fully remote workers abroad, with postings."""
    middle_year: float
    n_postings: int
    min_cell: int
    home_gap_percent: float | None = None
    """What residents of the same home countries earn locally relative to the reference country, percent
    (posting-weighted over the remote workers abroad whose home country has a pay level); for comparison."""
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Postings by arrangement, the gaps and their trend (or why there are none), as deterministic text."""
        lines = [self.counts.to_string()]
        if self.gap is None:
            lines.append(f"Insufficient data: {self.insufficient}")
        else:
            lines.append(f"remote abroad vs remote residents: {self.gap.as_percent().text()}% at {self.middle_year:g}")
            if self.trend is not None:
                lines.append(f"trend of that gap: {self.trend.scaled(100).text()} log points per year")
            if self.not_remote_gap is not None:
                lines.append(f"on-site/hybrid abroad vs on-site residents: {self.not_remote_gap.as_percent().text()}%")
            lines.append(self.by_year.round(1).to_string(index=False))
        lines.append("home countries of remote workers abroad: " + ", ".join(
            f"{row.country} {row.postings}" for row in self.abroad_countries.head(10).itertuples()))
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_gap(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL, levels: CountryGaps | None = None) -> RemoteGap:
    """Do remote workers abroad earn like the employer country's residents, and is the gap shrinking?

    One regression of log pay on employer country × year cells, seniority, role,
    employment type (and source) and arrangement dummies (reference: on-site
    residents), with the abroad-remote dummy also interacted with the centred year.
    The headline gap compares fully remote workers abroad with fully remote
    residents, so it isolates *where the worker lives* from *whether the job is
    remote*. Cluster-robust (by posting) CIs. Fewer than ``min_cell`` fully remote
    workers abroad, or remote residents, leave the result ``insufficient``.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    rows = sample.assign(arrangement=classify_arrangements(sample))
    counts = _cell_sizes(rows, ["work_year", "arrangement"]).unstack(fill_value=0).reindex(columns=list(ARRANGEMENTS), fill_value=0)
    totals = counts.sum()
    abroad = rows.loc[rows["arrangement"] == "abroad_remote"]
    abroad_countries = _most_frequent(abroad, "employee_residence", "country")
    years = _years_in(rows)
    middle = (years[0] + years[-1]) / 2
    thin = [a for a in ("abroad_remote", "resident_remote") if totals[a] < min_cell]
    if thin:
        reason = (
            f"too few postings to compare: {', '.join(f'{a} {int(totals[a])}' for a in thin)} "
            f"(at least {min_cell} needed) in {years[0]}–{years[-1]}."
        )
        return RemoteGap(None, None, None, None, None, pd.DataFrame(), counts, abroad_countries, middle,
                         _count_postings(rows), min_cell, insufficient=reason)
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    dummies = _arrangement_dummies(rows, ARRANGEMENTS[1:])
    has_trend = int((counts["abroad_remote"] > 0).sum()) >= 2
    if has_trend:
        dummies["abroad_remote_trend"] = dummies["abroad_remote"] * (rows["work_year"].to_numpy(float) - middle)
    regression = _fit_clustered(_employer_design(rows, dummies), rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy())
    gap, gap_p = _contrast(regression, "abroad_remote", "resident_remote")
    trend, trend_p = _contrast(regression, "abroad_remote_trend") if has_trend else (None, None)
    not_remote = (
        _contrast(regression, "abroad_not_remote")[0]
        if "abroad_not_remote" in regression.names and totals["abroad_not_remote"] >= min_cell else None
    )
    by_year = _remote_gap_by_year(rows, counts, min_cell)
    home_gap_percent, home_note = _home_country_gap(abroad, levels)
    notes = (pooled, None if has_trend else "fully remote workers abroad appear in one year only: no trend can be estimated.",
             _thin_years_note(by_year, min_cell), home_note)
    return RemoteGap(gap, trend, trend_p, gap_p, not_remote, by_year, counts, abroad_countries, middle,
                     _count_postings(rows), min_cell, home_gap_percent, None, tuple(n for n in notes if n))


def _thin_years_note(by_year: pd.DataFrame, min_cell: int) -> str | None:
    small_years = by_year.loc[by_year["gap_percent"].isna(), "year"].tolist()
    if not small_years:
        return None
    return f"years {small_years} have fewer than {min_cell} fully remote workers abroad: no yearly gap is shown for them."


def _arrangement_dummies(rows: pd.DataFrame, arrangements: Iterable[str], year: int | None = None) -> dict[str, np.ndarray]:
    """A 0/1 column for each of ``arrangements`` that occurs in ``rows``; with ``year``, only that year's
    rows count and the column is named ``<arrangement>_<year>``."""
    in_year = np.ones(len(rows), dtype=bool) if year is None else rows["work_year"].to_numpy() == year
    dummies = {}
    for arrangement in arrangements:
        column = (rows["arrangement"] == arrangement).to_numpy() & in_year
        if column.any():
            dummies[arrangement if year is None else f"{arrangement}_{year}"] = column.astype(float)
    return dummies


def _employer_design(rows: pd.DataFrame, dummies: Mapping[str, np.ndarray]) -> _Design:
    """Employer country × year cells, the standard controls and the given arrangement dummies."""
    return _build_design(rows, ["company_location", "work_year"], _controls(rows), dummies)


def _home_country_gap(abroad: pd.DataFrame, levels: CountryGaps | None) -> tuple[float | None, str | None]:
    """Posting-weighted mean local pay gap (percent) of the home units of remote workers abroad, and a note."""
    if levels is None:
        return None, None
    gaps = levels.table.set_index("unit")["gap_log"]
    home = abroad["geo_unit"].map(gaps).dropna()
    if home.empty:
        return None, "none of the remote workers abroad lives in a country with an estimated pay level."
    note = (
        f"{len(home)} of {len(abroad)} remote workers abroad live in a country with an estimated local pay level; "
        f"residents of their home countries earn {_percent_words(log_to_percent(home.mean()))} residents of {levels.reference} on average."
    )
    return float(log_to_percent(home.mean())), note


def _remote_gap_by_year(rows: pd.DataFrame, counts: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The abroad-remote vs resident-remote gap year by year (one dummy pair per year)."""
    years = _years_in(rows)
    dummies = _arrangement_dummies(rows, ("resident_hybrid", "abroad_not_remote"))
    for year in years:
        dummies |= _arrangement_dummies(rows, ("resident_remote", "abroad_remote"), year)
    regression = _fit_clustered(_employer_design(rows, dummies), rows["log_salary_usd"].to_numpy(), rows["posting_id"].to_numpy())
    records = []
    for year in years:
        abroad, resident = int(counts.loc[year, "abroad_remote"]), int(counts.loc[year, "resident_remote"])
        gap = Interval(np.nan, np.nan, np.nan)
        if abroad >= min_cell and resident >= min_cell:
            gap = _contrast(regression, f"abroad_remote_{year}", f"resident_remote_{year}")[0].as_percent()
        records.append({"year": year, "abroad_remote": abroad, "resident_remote": resident, **gap.columns("gap_percent")})
    return pd.DataFrame(records)


@dataclass(frozen=True)
class RemoteShare:
    """Shares of fully remote, hybrid and on-site postings by year, and the trend of the fully remote share."""

    shares: pd.DataFrame
    """year, arrangement (fully remote / hybrid / on-site), postings, share, ci_low, ci_high (percent)."""
    raw_trend: Interval
    """Change of the fully remote share per year, percentage points, no adjustment."""
    adjusted_trend: Interval
    """The same within employer country, seniority, role, employment type (and source)."""
    adjusted_p_value: float
    us_share_of_postings: pd.DataFrame
    """year, percent of postings with a US employer: the composition shift behind the raw trend."""
    n_postings: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Shares by year, the raw and adjusted trends and the US share of employers, as deterministic text."""
        shares = self.shares.pivot(index="year", columns="arrangement", values="share")[list(REMOTE_LABELS.values())]
        us = self.us_share_of_postings.set_index("year")["percent_us_employer"]
        lines = [
            shares.assign(us_employer=us).round(1).to_string(),
            f"fully remote share, raw trend: {self.raw_trend.text()} pp per year",
            f"fully remote share, within employer country, seniority, title, employment type: {self.adjusted_trend.text()} pp per year",
        ]
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_share(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL) -> RemoteShare:
    """How the share of remote postings moves over the years, raw and holding composition fixed.

    Yearly shares carry cluster-robust 95% CIs. The trend is a linear probability
    model of 'fully remote' on the year, once raw and once within employer country,
    seniority, role and employment type: the sample's mix shifts towards US
    on-site postings over time, and the adjusted trend removes the part of the raw
    trend that this shift alone would produce. Years with fewer than ``min_cell``
    postings are left out with a note; fewer than two remaining years raise ParameterError.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    sizes = _cell_sizes(sample, ["work_year"])
    kept_years, thin_years = _keep_years(sizes.to_frame("postings"), min_cell, "postings")
    if len(kept_years) < 2:
        raise ParameterError(f"a remote-share trend needs at least two years with {min_cell}+ postings; got {sizes.to_dict()}")
    rows = sample.loc[sample["work_year"].isin(kept_years)].copy()
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    records = []
    for year, group in rows.groupby("work_year"):
        for ratio, label in REMOTE_LABELS.items():
            share = _clustered_mean((group["remote_ratio"] == ratio).to_numpy(float), group["posting_id"].to_numpy())
            records.append({"year": int(year), "arrangement": label, "postings": _count_postings(group),
                            **share.scaled(100).columns("share")})
    remote = (rows["remote_ratio"] == 100).to_numpy(float)
    rows["centred_year"] = rows["work_year"].to_numpy(float) - rows["work_year"].mean()
    raw, _ = _year_slope(rows, remote, [], [])
    adjusted, adjusted_p = _year_slope(rows, remote, ["company_location"], _controls(rows))
    us_share = rows.groupby("work_year")["company_location"].apply(lambda c: 100 * (c == "US").mean())
    return RemoteShare(
        pd.DataFrame(records), raw.scaled(100), adjusted.scaled(100), adjusted_p,
        us_share.rename_axis("year").reset_index(name="percent_us_employer"), _count_postings(rows),
        tuple(n for n in (thin_years, pooled) if n),
    )


def _year_slope(rows: pd.DataFrame, outcome: np.ndarray, cells: list[str], controls: list[str]) -> tuple[Interval, float]:
    """Coefficient of ``rows["centred_year"]`` in a regression of ``outcome`` on it, ``cells`` and ``controls``; clustered by posting."""
    design = _build_design(rows, cells, controls, {"year": rows["centred_year"].to_numpy()})
    return _contrast(_fit_clustered(design, outcome, rows["posting_id"].to_numpy()), "year")


def _clustered_mean(values: np.ndarray, clusters: np.ndarray) -> Interval:
    """A mean with a cluster-robust 95% CI (a regression on a constant; clamped to [0, 1] for shares)."""
    mean = fit_ols(np.ones((len(values), 1)), values, ["mean"], clusters=clusters).coefficient("mean")
    low, high = mean.interval()
    return Interval(mean.value, max(0.0, low), min(1.0, high))


# --------------------------------------------------------------------------------------------
# The top of the distribution
# --------------------------------------------------------------------------------------------
