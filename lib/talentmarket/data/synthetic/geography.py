"""Synthetic salary microdata with a known country pay structure, for the convergence estimators.

Rows follow the aijobs.net salary schema exactly, written as posted ranges (a max row
followed by a min row, like the real files), so the data go through
:func:`talentmarket.data.salaries.prepare_salaries` just as real files do. Two cases share
every ingredient except how country pay levels evolve:

- ``"sigma_and_beta"`` — every country's pay gap shrinks by the factor ``shrink`` each
  year: countries that start low grow faster (β-convergence) *and* the spread across
  countries falls (σ-convergence);
- ``"beta_not_sigma"`` — the same shrinking of initial gaps, plus new country shocks
  exactly large enough to keep the spread constant: β-convergence without
  σ-convergence (Young, Higgins & Levy 2008), the case a β-test alone would misread.

Both cases also carry a known remote geography gap (pay of fully remote workers living
outside their employer's country relative to the employer country's remote residents,
shrinking linearly over time), a remote share that rises linearly, a known premium for
research/lead titles, and a seniority mix that differs by country, so raw medians are
biased and composition adjustment matters.

Truth is exact for the drawn set of countries: the country effects are built so their
cross-country standard deviation (ddof=1) and the slope of growth on the initial level
are known numbers, not expectations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.synthetic import SyntheticSource
from talentmarket.errors import ParameterError

CASES = ("sigma_and_beta", "beta_not_sigma")
SALARY_FILE = "salaries.csv"
SOURCE = "synthetic_geography"
"""The ``source`` tag of the generated rows; not a registered source, so figures cite :data:`CITATION`."""
CITATION = "synthetic salary postings from talentmarket.data.synthetic.geography (known country pay structure)"
EMPLOYER_COUNTRY = "US"
"""The country whose employers hire across borders; it is also the highest-paying country."""

COUNTRIES = ("US", "CA", "GB", "DE", "NL", "FR", "ES", "PL", "PT", "IN", "BR", "MX")
YEARS = (2020, 2021, 2022, 2023, 2024, 2025)
BASE_LOG_PAY = np.log(90_000.0)
INITIAL_DISPERSION = 0.45
"""Cross-country standard deviation (ddof=1) of country pay effects in the first year, in log points."""
SHRINK_PER_YEAR = 0.85
"""Each year a country keeps this fraction of its initial pay gap (both cases)."""
NOISE_SD = 0.30

EXPERIENCE_EFFECTS = {"EN": -0.35, "MI": 0.0, "SE": 0.30, "EX": 0.55}
EXPERIENCE_MIX_LOW_PAY = (0.30, 0.40, 0.25, 0.05)
EXPERIENCE_MIX_HIGH_PAY = (0.10, 0.30, 0.50, 0.10)
"""Seniority shares (EN, MI, SE, EX) in countries below and above the median initial pay level."""
EMPLOYMENT_EFFECTS = {"FT": 0.0, "CT": 0.10, "PT": -0.40}
EMPLOYMENT_MIX = (0.92, 0.05, 0.03)
TOP_TITLE_PREMIUM = 0.25
TITLES: dict[str, tuple[float, float, bool]] = {
    "Data Scientist": (0.22, 0.00, False),
    "Data Engineer": (0.20, -0.02, False),
    "Machine Learning Engineer": (0.18, 0.08, False),
    "Data Analyst": (0.15, -0.25, False),
    "AI Engineer": (0.13, 0.03, False),
    "Research Scientist": (0.06, TOP_TITLE_PREMIUM, True),
    "Head of Data": (0.03, TOP_TITLE_PREMIUM, True),
    "Lead Machine Learning Engineer": (0.03, TOP_TITLE_PREMIUM, True),
}
"""Title → (share of postings, log pay effect, research/lead title)."""

REMOTE_SHARE_FIRST, REMOTE_SHARE_LAST = 0.15, 0.35
"""Share of fully remote postings in the first and last year; it moves linearly in between."""
HYBRID_SHARE = 0.05
ABROAD_SHARE_OF_REMOTE = 0.25
"""Share of the employer country's fully remote postings filled by people living in another country."""
ABROAD_SHARE_OF_ONSITE = 0.03
REMOTE_GAP_MID, REMOTE_GAP_TREND = -0.20, 0.04
"""Log pay gap of remote workers abroad vs the employer country's remote residents at the middle
year, and its change per year (positive: the gap shrinks)."""
ONSITE_ABROAD_GAP = -0.10


def generate(
    case: str,
    seed: int,
    *,
    postings_per_cell: int = 60,
    employer_country_multiple: int = 4,
    countries: tuple[str, ...] = COUNTRIES,
    years: tuple[int, ...] = YEARS,
) -> SyntheticSource:
    """Salary rows (``frames["salaries.csv"]``) and the truth they were drawn from.

    ``postings_per_cell`` postings are drawn per country and year for employers in each
    country (``employer_country_multiple`` times as many for the employer country).
    The truth holds the country effects by year (log points, mean zero across
    countries each year), their dispersion by year and its slope per year, the β
    coefficient of the change over the whole span on the initial level, the remote
    gap by year and its trend, the remote share by year and its trend, the top-title
    premium over other titles, and the noise standard deviation.
    """
    if case not in CASES:
        raise ParameterError(f"unknown synthetic convergence case {case!r}; choose from {CASES}")
    if len(years) < 2 or len(countries) < 3 or EMPLOYER_COUNTRY not in countries:
        raise ParameterError(f"need at least two years and three countries including {EMPLOYER_COUNTRY}")
    rng = np.random.default_rng(seed)
    effects = _country_effects(case, rng, countries, years)
    postings = _draw_postings(rng, effects, countries, years, postings_per_cell, employer_country_multiple)
    return SyntheticSource(frames={SALARY_FILE: _as_range_rows(rng, postings)}, truth=_truth(case, effects, years))


def _country_effects(case: str, rng: np.random.Generator, countries: tuple[str, ...], years: tuple[int, ...]) -> pd.DataFrame:
    """Country × year pay effects (rows: countries, columns: years), mean zero every year.

    Initial levels ``a`` and shocks ``b`` are mean-zero, orthogonal and scaled to the
    same standard deviation; the employer country gets the highest initial level. A
    country's effect in year t is ``k_t·a`` (sigma_and_beta) or ``k_t·a + sqrt(1 − k_t²)·b``
    (beta_not_sigma) with ``k_t = SHRINK_PER_YEAR ** (t − first year)``: the second keeps
    the spread fixed while the initial gaps shrink exactly as in the first.
    """
    draws = rng.standard_normal((len(countries), 2))
    draws -= draws.mean(axis=0)
    initial = draws[:, 0]
    shock = draws[:, 1] - initial * (draws[:, 1] @ initial) / (initial @ initial)
    initial, shock = (INITIAL_DISPERSION * v / v.std(ddof=1) for v in (initial, shock))
    highest, employer = int(np.argmax(initial)), countries.index(EMPLOYER_COUNTRY)
    for vector in (initial, shock):
        vector[[highest, employer]] = vector[[employer, highest]]
    kept = SHRINK_PER_YEAR ** (np.asarray(years) - years[0])
    effects = np.outer(initial, kept)
    if case == "beta_not_sigma":
        effects += np.outer(shock, np.sqrt(1 - kept**2))
    return pd.DataFrame(effects, index=list(countries), columns=list(years))


def _remote_share(years: tuple[int, ...]) -> dict[int, float]:
    """Fully remote share by year, linear from the first to the last year."""
    span = years[-1] - years[0]
    return {year: REMOTE_SHARE_FIRST + (REMOTE_SHARE_LAST - REMOTE_SHARE_FIRST) * (year - years[0]) / span for year in years}


def _remote_gap(years: tuple[int, ...]) -> dict[int, float]:
    """Remote-abroad log pay gap by year: ``REMOTE_GAP_MID`` at the middle year plus a linear trend."""
    middle = (years[0] + years[-1]) / 2
    return {year: REMOTE_GAP_MID + REMOTE_GAP_TREND * (year - middle) for year in years}


def _draw_postings(
    rng: np.random.Generator,
    effects: pd.DataFrame,
    countries: tuple[str, ...],
    years: tuple[int, ...],
    postings_per_cell: int,
    employer_country_multiple: int,
) -> pd.DataFrame:
    """One row per posting with its attributes and its (log) midpoint pay."""
    sizes = [postings_per_cell * (employer_country_multiple if c == EMPLOYER_COUNTRY else 1) for c in countries]
    employer = np.repeat(np.array(countries, dtype=object), np.array(sizes) * len(years))
    year = np.concatenate([np.repeat(np.array(years), size) for size in sizes])
    size = len(employer)
    initial = effects.iloc[:, 0]
    low_pay = initial.reindex(employer).to_numpy() < initial.median()
    experience_mix = np.where(low_pay[:, None], EXPERIENCE_MIX_LOW_PAY, EXPERIENCE_MIX_HIGH_PAY)
    remote_share = pd.Series(_remote_share(years)).reindex(year).to_numpy()
    remote_mix = np.column_stack([remote_share, np.full(size, HYBRID_SHARE), 1 - remote_share - HYBRID_SHARE])
    titles = list(TITLES)
    title_shares = np.array([TITLES[t][0] for t in titles])
    postings = pd.DataFrame({
        "work_year": year,
        "experience_level": _choose(rng, list(EXPERIENCE_EFFECTS), experience_mix),
        "employment_type": rng.choice(list(EMPLOYMENT_EFFECTS), size=size, p=EMPLOYMENT_MIX),
        "job_title": rng.choice(titles, size=size, p=title_shares / title_shares.sum()),
        "remote_ratio": _choose(rng, [100, 50, 0], remote_mix).astype("int64"),
        "company_location": employer,
        "company_size": rng.choice(["S", "M", "L"], size=size, p=[0.05, 0.85, 0.10]),
    })
    postings["employee_residence"] = _residences(rng, postings, countries)
    abroad = (postings["employee_residence"] != postings["company_location"]).to_numpy()
    remote = postings["remote_ratio"].to_numpy()
    country_effect = effects.stack().reindex(list(zip(employer, year))).to_numpy()
    postings["log_pay"] = (
        BASE_LOG_PAY + country_effect
        + postings["experience_level"].map(EXPERIENCE_EFFECTS).to_numpy()
        + postings["employment_type"].map(EMPLOYMENT_EFFECTS).to_numpy()
        + postings["job_title"].map({t: TITLES[t][1] for t in titles}).to_numpy()
        + np.where(abroad & (remote == 100), pd.Series(_remote_gap(years)).reindex(year).to_numpy(), 0.0)
        + np.where(abroad & (remote == 0), ONSITE_ABROAD_GAP, 0.0)
        + rng.normal(0.0, NOISE_SD, size=size)
    )
    return postings


def _choose(rng: np.random.Generator, options: list, probabilities: np.ndarray) -> np.ndarray:
    """One option per row, row i drawn with the probabilities in ``probabilities[i]``."""
    position = (rng.random(len(probabilities))[:, None] > np.cumsum(probabilities, axis=1)).sum(axis=1)
    return np.asarray(options, dtype=object)[np.minimum(position, len(options) - 1)]


def _residences(rng: np.random.Generator, postings: pd.DataFrame, countries: tuple[str, ...]) -> np.ndarray:
    """Where each posting's worker lives: the employer's country, except for the employer
    country's cross-border hires (a share of its fully remote and of its on-site postings)."""
    residence = postings["company_location"].to_numpy(dtype=object).copy()
    remote = postings["remote_ratio"].to_numpy()
    chance = np.where(remote == 100, ABROAD_SHARE_OF_REMOTE, np.where(remote == 0, ABROAD_SHARE_OF_ONSITE, 0.0))
    abroad = (residence == EMPLOYER_COUNTRY) & (rng.random(len(residence)) < chance)
    others = [c for c in countries if c != EMPLOYER_COUNTRY]
    residence[abroad] = rng.choice(others, size=int(abroad.sum()))
    return residence


def _as_range_rows(rng: np.random.Generator, postings: pd.DataFrame) -> pd.DataFrame:
    """Each posting as two consecutive rows, the top then the bottom of a posted range around its pay."""
    midpoint = np.exp(postings["log_pay"].to_numpy())
    half_width = rng.uniform(0.10, 0.25, size=len(postings))
    top = postings.assign(salary_in_usd=np.round(midpoint * (1 + half_width)))
    bottom = postings.assign(salary_in_usd=np.round(midpoint * (1 - half_width)))
    rows = pd.concat([top, bottom]).sort_index(kind="stable").reset_index(drop=True)
    rows["salary"] = rows["salary_in_usd"]
    rows["salary_currency"] = "USD"
    columns = ["work_year", "experience_level", "employment_type", "job_title", "salary", "salary_currency",
               "salary_in_usd", "employee_residence", "remote_ratio", "company_location", "company_size"]
    return rows[columns]


def _truth(case: str, effects: pd.DataFrame, years: tuple[int, ...]) -> dict:
    """The parameters the estimators should recover, computed from the drawn country effects."""
    other_titles = {t: v for t, v in TITLES.items() if not v[2]}
    other_mean = sum(share * effect for share, effect, _ in other_titles.values()) / sum(v[0] for v in other_titles.values())
    truth = {
        "case": case,
        "countries": list(effects.index),
        "country_effects": effects.rename_axis(index="country", columns="year").stack().rename("effect").reset_index(),
        "remote_gap_by_year": _remote_gap(years),
        "remote_gap_trend_per_year": REMOTE_GAP_TREND,
        "onsite_abroad_gap": ONSITE_ABROAD_GAP,
        "remote_share_by_year": _remote_share(years),
        "remote_share_trend_per_year": (REMOTE_SHARE_LAST - REMOTE_SHARE_FIRST) / (years[-1] - years[0]),
        "top_title_premium": TOP_TITLE_PREMIUM - other_mean,
        "top_titles": sorted(t for t, v in TITLES.items() if v[2]),
        "noise_sd": NOISE_SD,
    }
    return truth | truth_over_years(truth, years)


def truth_over_years(truth: dict, years: tuple[int, ...] | list[int]) -> dict:
    """The year-dependent truth for a selection of the generated years: country-effect dispersion by
    year and its OLS slope per year, β of the change from the first to the last year on the first
    year's level, and the remote gap at the selection's middle year (it moves linearly)."""
    effects = truth["country_effects"].pivot(index="country", columns="year", values="effect")[sorted(years)]
    dispersion = effects.std(ddof=1)
    initial, change = effects.iloc[:, 0], effects.iloc[:, -1] - effects.iloc[:, 0]
    centred_years = np.asarray(sorted(years), dtype=float) - np.mean(years)
    gaps = truth["remote_gap_by_year"]
    return {
        "years": sorted(years),
        "dispersion_by_year": {int(y): float(v) for y, v in dispersion.items()},
        "dispersion_slope_per_year": float(centred_years @ dispersion.to_numpy() / (centred_years @ centred_years)),
        "beta": float(np.cov(change, initial, ddof=1)[0, 1] / initial.var(ddof=1)),
        "remote_gap_mid_year": (gaps[min(years)] + gaps[max(years)]) / 2,
    }
