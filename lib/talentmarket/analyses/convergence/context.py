"""Context for convergence: pay spread across US areas (OEWS) and catch-up in posted-wage growth (Wage Tracker)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentmarket.analyses.convergence.estimates import CountryGaps
from talentmarket.analyses.convergence.sample import (
    DEFAULT_BOOTSTRAP,
    MIN_COUNTRIES,
    Interval,
    _hc3_slope,
    _notes_text,
    _percentile_interval,
    _require_columns,
    check_draws,
)
from talentmarket.data.oews import SOURCE as OEWS_SOURCE
from talentmarket.data.oews import select_occupations
from talentmarket.data.wages import SOURCE as WAGE_SOURCE
from talentmarket.errors import ParameterError
from talentmarket.stats.regression import log_to_percent


def estimate_area_dispersion(
    by_area: pd.DataFrame,
    *,
    occupations: Sequence[str],
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> pd.DataFrame:
    """Spread of the median annual wage across US states and across metro areas (OEWS, one year: a level, no trend).

    ``by_area`` is :func:`talentmarket.data.oews.load_oews_by_area` output. Per occupation
    and area type: the standard deviation of log median wages across areas (the
    same unit as the cross-country dispersion), corrected for sampling noise with
    BLS's relative standard errors (of the mean wage, used as an approximation),
    a bootstrap CI over areas, and the ratio of the 90th to the 10th percentile
    area. Territories and areas whose wages BLS did not release are left out.
    """
    check_draws("n_bootstrap", n_bootstrap)
    _require_columns(by_area, ("area_type", "occ_code", "occ_title", "annual_median_wage",
                               "wage_percent_relative_standard_error", "wages_released", "territory"), OEWS_SOURCE)
    areas_of_interest = select_occupations(by_area.loc[by_area["area_type"].isin(["state", "metropolitan"])], occupations)
    rng = np.random.default_rng(seed)
    records = []
    for (area_type, code), group in areas_of_interest.groupby(["area_type", "occ_code"]):
        areas = group.loc[group["wages_released"] & ~group["territory"] & group["annual_median_wage"].notna()]
        if len(areas) < MIN_COUNTRIES:
            continue
        log_wage = np.log(areas["annual_median_wage"].to_numpy())
        noise = (areas["wage_percent_relative_standard_error"].fillna(0).to_numpy() / 100) ** 2
        picks = rng.integers(0, len(areas), size=(n_bootstrap, len(areas)))
        draws = np.array([_noise_corrected_sd(log_wage[p], noise[p]) for p in picks])
        p10, p90 = np.percentile(areas["annual_median_wage"], [10, 90])
        records.append({
            "occupation": group["occ_title"].iloc[0], "occ_code": code, "area_type": area_type, "areas": len(areas),
            **_percentile_interval(_noise_corrected_sd(log_wage, noise), draws).columns("dispersion"),
            "uncorrected": float(log_wage.std(ddof=1)), "p90_p10_ratio": float(p90 / p10),
        })
    missing = sorted(set(occupations) - {r["occ_code"] for r in records})
    if missing:
        raise ParameterError(f"OEWS: occupations {missing} have fewer than {MIN_COUNTRIES} areas with released wages")
    return pd.DataFrame(records).sort_values(["occ_code", "area_type"]).reset_index(drop=True)


def _noise_corrected_sd(values: np.ndarray, noise_variance: np.ndarray) -> float:
    return float(math.sqrt(max(values.var(ddof=1) - noise_variance.mean(), 0.0)))


@dataclass(frozen=True)
class WageGrowthBeta:
    """Do countries with lower tech pay see faster posted-wage growth (Indeed Wage Tracker)?"""

    slope: Interval | None
    """Average yearly posted-wage growth (percentage points) per 10% higher tech pay level."""
    p_value: float | None
    table: pd.DataFrame
    """country, mean_growth_percent, months, pay_gap_percent (vs the reference country)."""
    first_month: pd.Timestamp | None
    last_month: pd.Timestamp | None
    insufficient: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """The slope of posted-wage growth across countries (or why there is none), as deterministic text; growth
        and tech pay level by country are in ``table``."""
        line = (f"Insufficient data: {self.insufficient}" if self.slope is None else
                f"growth per 10% higher tech pay: {self.slope.text(2)} pp per year (HC3, p = {self.p_value:.3f})")
        return line + _notes_text(self.notes)


def estimate_wage_growth_beta(wage_growth: pd.DataFrame, levels: CountryGaps, *, years: Sequence[int]) -> WageGrowthBeta:
    """β-convergence in posted wages: mean year-over-year posted-wage growth by country on the country's tech pay level.

    ``wage_growth`` is :func:`talentmarket.data.wages.load_country_wage_growth` output;
    ``levels`` are composition-adjusted tech pay gaps from :func:`estimate_country_gaps`.
    Growth is averaged over the months of ``years``; the slope across countries has
    HC3 robust standard errors and t critical values (few countries). The growth
    covers all occupations in national currency: a check on the direction of
    catch-up, not a measure of AI pay growth.
    """
    _require_columns(wage_growth, ("jobcountry", "month", "posted_wage_growth_yoy"), WAGE_SOURCE)
    window = wage_growth.loc[wage_growth["month"].dt.year.isin(list(years))].dropna(subset=["posted_wage_growth_yoy"])
    growth = window.groupby("jobcountry").agg(
        mean_growth_percent=("posted_wage_growth_yoy", lambda g: 100 * g.mean()), months=("month", "size"),
    )
    gaps = levels.table.set_index("unit")["gap_log"]
    matched = growth.join(gaps, how="inner").rename_axis("country").reset_index()
    matched["pay_gap_percent"] = log_to_percent(matched.pop("gap_log"))
    unmatched = sorted(set(growth.index) - set(matched["country"]))
    notes = [f"Wage Tracker series without a tech pay level in the salary data are left out: {', '.join(unmatched)}."] if unmatched else []
    first, last = (window["month"].min(), window["month"].max()) if not window.empty else (None, None)
    if len(matched) < MIN_COUNTRIES + 1:
        reason = (
            f"only {len(matched)} Wage Tracker countries ({', '.join(matched['country']) or 'none'}) have a tech pay level "
            f"in the salary data for {list(years)}; at least {MIN_COUNTRIES + 1} are needed."
        )
        return WageGrowthBeta(None, None, matched, first, last, reason, tuple(notes))
    slope, p_value = _hc3_slope(matched["mean_growth_percent"].to_numpy(), np.log1p(matched["pay_gap_percent"].to_numpy() / 100))
    per_ten_percent = math.log(1.1)
    return WageGrowthBeta(slope.scaled(per_ten_percent), p_value, matched.sort_values("pay_gap_percent").reset_index(drop=True),
                          first, last, None, tuple(notes))
