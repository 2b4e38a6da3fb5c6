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
    _fit_by_cluster,
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
from talentmarket.stats.inference import ClusteredEstimate, few_points_trend
from talentmarket.stats.regression import fit_ols, log_to_percent, solve_least_squares


@dataclass(frozen=True)
class RemoteGap:
    """Pay of people living outside their employer's country relative to the employer country's residents."""

    gap: ClusteredEstimate | None
    """Fully remote workers abroad vs fully remote residents, log points, pooled over the years; clustered by
    residence country (where 'abroad' is assigned), small-cluster inference of talentmarket.stats.inference."""
    trend: ClusteredEstimate | None
    """Change of the yearly gap per year, log points, t(T−2) over the years with a yearly gap (None below three)."""
    not_remote_gap: ClusteredEstimate | None
    """On-site or hybrid workers abroad vs on-site residents, log points, same inference."""
    by_year: pd.DataFrame
    """year, abroad_remote and resident_remote postings, gap_log, gap_percent, ci_low, ci_high (CR1 by residence
    country; NaN where below min_cell): descriptive."""
    counts: pd.DataFrame
    """Postings by arrangement and year."""
    abroad_countries: pd.DataFrame
    """Residence countries of the fully remote workers abroad, with postings."""
    n_postings: int
    min_cell: int
    home_gap_percent: float | None = None
    """What residents of the same home countries earn locally relative to the reference country, percent
    (posting-weighted over the remote workers abroad whose home country has a pay level); for comparison."""
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """The gaps and their trend (or why there are none), as deterministic text; postings by arrangement are in
        ``counts``, the yearly gaps in ``by_year``."""
        lines = []
        if self.gap is None:
            lines.append(f"Insufficient data: {self.insufficient}")
        else:
            lines.append(f"remote abroad vs remote residents: {_percent_text(self.gap)}% ({_inference_text(self.gap)})")
            if self.trend is not None:
                lines.append(f"trend of the yearly gap: {_scaled_text(self.trend, 100)} log points per year ({_inference_text(self.trend)})")
            if self.not_remote_gap is not None:
                lines.append(f"on-site/hybrid abroad vs on-site residents: {_percent_text(self.not_remote_gap)}%")
        lines.append("home countries of remote workers abroad: " + ", ".join(
            f"{row.country} {row.postings}" for row in self.abroad_countries.head(10).itertuples()))
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_gap(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL, levels: CountryGaps | None = None) -> RemoteGap:
    """Do remote workers abroad earn like the employer country's residents?

    One regression of log pay on arrangement dummies (reference: on-site residents) with employer
    country × year, seniority, role, employment type (and source) fixed effects. The headline gap
    compares fully remote workers abroad with fully remote residents, so it isolates *where the worker
    lives* from *whether the job is remote*. Postings of one residence country share its pay level, and
    'abroad' is assigned by residence country, so standard errors are clustered by residence country
    (few, unequal clusters: the small-cluster inference of :func:`talentmarket.stats.inference.fit_clustered`).
    The yearly gaps are descriptive; their trend has a t(T−2) interval. Fewer than ``min_cell`` fully
    remote workers abroad, or remote residents, leave the result ``insufficient``.
    """
    _require_columns(sample, REQUIRED_COLUMNS)
    rows = sample.assign(arrangement=classify_arrangements(sample))
    counts = _cell_sizes(rows, ["work_year", "arrangement"]).unstack(fill_value=0).reindex(columns=list(ARRANGEMENTS), fill_value=0)
    totals = counts.sum()
    abroad = rows.loc[rows["arrangement"] == "abroad_remote"]
    abroad_countries = _most_frequent(abroad, "employee_residence", "country")
    years = _years_in(rows)
    thin = [a for a in ("abroad_remote", "resident_remote") if totals[a] < min_cell]
    if thin:
        reason = (
            f"too few postings to compare: {', '.join(f'{a} {int(totals[a])}' for a in thin)} "
            f"(at least {min_cell} needed) in {years[0]}–{years[-1]}."
        )
        return RemoteGap(None, None, None, pd.DataFrame(), counts, abroad_countries, _count_postings(rows), min_cell,
                         insufficient=reason)
    rows["role"], pooled = _pool_small_titles(rows, min_cell)
    rows["employer_cell"] = rows["company_location"] + ":" + rows["work_year"].astype(str)
    tests = {"gap": {"abroad_remote": 1.0, "resident_remote": -1.0}}
    if totals["abroad_not_remote"] >= min_cell:
        tests["not_remote"] = {"abroad_not_remote": 1.0}
    fits, singletons = _fit_by_cluster(rows, _arrangement_dummies(rows, ARRANGEMENTS[1:]),
                                       ["employer_cell", *_controls(rows)], "employee_residence", tests)
    by_year = _remote_gap_by_year(rows, counts, min_cell)
    measured = by_year.dropna(subset=["gap_log"])
    trend = few_points_trend(measured["year"].to_numpy(float), measured["gap_log"].to_numpy()) if len(measured) >= 3 else None
    home_gap_percent, home_note = _home_country_gap(abroad, levels)
    notes = (pooled, singletons, None if trend is not None else
             f"the gap is measured in {len(measured)} year(s) with {min_cell}+ postings on each side: no trend interval (needs 3).",
             _thin_years_note(by_year, min_cell), home_note)
    return RemoteGap(fits["gap"], trend, fits.get("not_remote"), by_year, counts, abroad_countries,
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
    """The abroad-remote vs resident-remote gap year by year (one dummy pair per year; CR1 by residence country
    with normal critical values: a descriptive profile, not a test)."""
    years = _years_in(rows)
    dummies = _arrangement_dummies(rows, ("resident_hybrid", "abroad_not_remote"))
    for year in years:
        dummies |= _arrangement_dummies(rows, ("resident_remote", "abroad_remote"), year)
    regression = _fit_clustered(_employer_design(rows, dummies), rows["log_salary_usd"].to_numpy(), rows["employee_residence"].to_numpy())
    records = []
    for year in years:
        abroad, resident = int(counts.loc[year, "abroad_remote"]), int(counts.loc[year, "resident_remote"])
        gap = Interval(np.nan, np.nan, np.nan)
        if abroad >= min_cell and resident >= min_cell:
            gap = _contrast(regression, f"abroad_remote_{year}", f"resident_remote_{year}")[0]
        records.append({"year": year, "abroad_remote": abroad, "resident_remote": resident, "gap_log": gap.estimate,
                        **gap.as_percent().columns("gap_percent")})
    return pd.DataFrame(records)


@dataclass(frozen=True)
class RemoteShare:
    """Shares of fully remote, hybrid and on-site postings by year, and the trend of the fully remote share."""

    shares: pd.DataFrame
    """year, arrangement (fully remote / hybrid / on-site), postings, share, ci_low, ci_high (percent)."""
    adjusted_by_year: pd.DataFrame
    """year, raw fully remote share and its composition-adjusted level (percent): the first year's raw share
    plus the change within employer country, seniority, role, employment type (and source)."""
    raw_trend: ClusteredEstimate | None
    """Change of the raw fully remote share per year, percentage points, t(T−2) over the years."""
    adjusted_trend: ClusteredEstimate | None
    """The same for the composition-adjusted levels; None (as ``raw_trend``) with fewer than three years."""
    us_share_of_postings: pd.DataFrame
    """year, percent of postings with a US employer: the composition shift behind the raw trend."""
    n_postings: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def adjusted_change_per_year(self) -> float:
        """(last − first adjusted level) / span, percentage points per year: the descriptive change."""
        table = self.adjusted_by_year
        span = table["year"].iloc[-1] - table["year"].iloc[0]
        return float((table["adjusted_share"].iloc[-1] - table["adjusted_share"].iloc[0]) / span)

    def summary(self) -> str:
        """The raw and adjusted trends of the remote share, as deterministic text; shares by year are in ``shares``,
        ``adjusted_by_year`` and ``us_share_of_postings``."""
        if self.adjusted_trend is None:
            lines = [f"fully remote share, adjusted change: {self.adjusted_change_per_year:.1f} pp per year "
                     "(descriptive: two years leave no residual for a trend interval)"]
        else:
            lines = [
                f"fully remote share, raw trend: {_scaled_text(self.raw_trend, 1)} pp per year",
                (f"fully remote share, within employer country, seniority, title, employment type: "
                 f"{_scaled_text(self.adjusted_trend, 1)} pp per year ({_inference_text(self.adjusted_trend)})"),
            ]
        return "\n".join(lines) + _notes_text(self.notes)


def estimate_remote_share(sample: pd.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL) -> RemoteShare:
    """How the share of remote postings moves over the years, raw and holding composition fixed.

    Yearly shares carry cluster-robust 95% CIs. The adjusted level of each year is its coefficient in a
    linear probability model of 'fully remote' on year dummies within employer country, seniority, role
    and employment type: the sample's mix shifts towards US on-site postings over time, and the
    adjustment removes what this shift alone would produce. The trend is the slope over the yearly
    levels with a t(T−2) interval (:func:`talentmarket.stats.inference.few_points_trend`): the years,
    not the postings, are the independent pieces of evidence on a trend, and their deviations from the
    line measure year-level shocks. Years with fewer than ``min_cell`` postings are left out with a
    note; fewer than two remaining years raise ParameterError.
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
    design = _build_design(rows, ["work_year"], ["company_location", *_controls(rows)], {})
    year_levels = solve_least_squares(design.matrix, remote)[0][: len(design.cells)]
    raw = 100 * rows.assign(remote=remote).groupby("work_year")["remote"].mean().to_numpy()
    years = design.cells["work_year"].to_numpy(float)
    adjusted = raw[0] + 100 * (year_levels - year_levels[0])
    has_trend = len(years) >= 3
    us_share = rows.groupby("work_year")["company_location"].apply(lambda c: 100 * (c == "US").mean())
    return RemoteShare(
        pd.DataFrame(records),
        pd.DataFrame({"year": years.astype(int), "raw_share": raw, "adjusted_share": adjusted}),
        few_points_trend(years, raw) if has_trend else None, few_points_trend(years, adjusted) if has_trend else None,
        us_share.rename_axis("year").reset_index(name="percent_us_employer"), _count_postings(rows),
        tuple(n for n in (thin_years, pooled) if n),
    )


def _scaled_text(estimate: ClusteredEstimate, factor: float) -> str:
    """``'-6.1 [-10.4, -1.6]'`` for an estimate and its interval multiplied by ``factor``."""
    return Interval(estimate.value, estimate.ci_low, estimate.ci_high).scaled(factor).text()


def _percent_text(estimate: ClusteredEstimate) -> str:
    """A log-point estimate and its interval as a percent difference, ``'-36.6 [-46.0, -24.1]'``."""
    return Interval(*estimate.percent()).text()


def _inference_text(estimate: ClusteredEstimate) -> str:
    """``'wild cluster bootstrap (WCR, Webb), 73 residence countries, 1.3 effective'``: how the interval was made."""
    inference = estimate.inference
    parts = [inference.method]
    if inference.cluster is not None:
        parts.append(f"{inference.clusters} clusters by {inference.cluster}, {inference.effective_clusters:.1f} effective")
    return ", ".join(parts)


def _clustered_mean(values: np.ndarray, clusters: np.ndarray) -> Interval:
    """A mean with a cluster-robust 95% CI (a regression on a constant; clamped to [0, 1] for shares)."""
    mean = fit_ols(np.ones((len(values), 1)), values, ["mean"], clusters=clusters).coefficient("mean")
    low, high = mean.interval()
    return Interval(mean.value, max(0.0, low), min(1.0, high))
