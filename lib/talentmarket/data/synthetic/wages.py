"""Synthetic twin of the Indeed Wage Tracker: posted wage growth by country and US sector.

Each series of year-over-year growth is ``level + trend · years since Jan 2019 +
AR(1) noise``, with ``level`` and ``trend`` drawn per country and per sector and
exposed as the truth. The 3-month average is computed from the monthly values as
the publisher does (missing for the first two months); months are text like ``Jan-19``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.synthetic import SyntheticSource, ar1_noise, source_rng
from talentmarket.data.wages import COUNTRY_FILE, MONTH_FORMAT, SECTOR_FILE

COUNTRIES = {
    "CA": "Canada", "DE": "Germany", "EA": "Euro Area", "ES": "Spain", "FR": "France", "GB": "United Kingdom",
    "IE": "Ireland", "IT": "Italy", "JP": "Japan", "NL": "Netherlands", "US": "United States",
}
SECTORS = (
    "Administrative Assistance", "Childcare", "Cleaning & Sanitation", "Community & Social Service", "Construction",
    "Customer Service", "Dental", "Education & Instruction", "Food Preparation & Service", "Installation & Maintenance",
    "Loading & Stocking", "Management", "Medical Technician", "Nursing", "Personal Care & Home Health",
    "Production & Manufacturing", "Retail", "Security & Public Safety", "Therapy",
)
MONTHS = pd.date_range("2019-01-01", "2026-04-01", freq="MS")
NOISE_SD = 0.002
NOISE_AR = 0.8




def _series(rng: np.random.Generator, level: float, trend: float) -> pd.DataFrame:
    years = (MONTHS - MONTHS[0]).days.to_numpy() / 365.25
    growth = np.round(level + trend * years + ar1_noise(rng, len(MONTHS), NOISE_AR, NOISE_SD), 9)
    return pd.DataFrame(
        {
            "month": MONTHS.strftime(MONTH_FORMAT),
            "n_obs": rng.integers(500, 200_000, len(MONTHS)),
            "posted_wage_growth_yoy": growth,
            "posted_wage_growth_yoy_3moavg": pd.Series(growth).rolling(3).mean().round(9).to_numpy(),
        }
    )


def _draw(rng: np.random.Generator, names: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    levels = {name: float(rng.uniform(0.01, 0.06)) for name in names}
    trends = {name: float(rng.uniform(-0.006, 0.006)) for name in names}
    return levels, trends


def generate(source: str, seed: int) -> SyntheticSource:
    """Both Wage Tracker files, drawn from a generator seeded by ``(seed, source)``.

    Truth: ``country_level`` / ``sector_level`` (growth in Jan 2019, fraction a year),
    ``country_trend`` / ``sector_trend`` (change in growth per year), ``noise_sd``, ``noise_ar``.
    """
    rng = source_rng(source, seed)
    country_level, country_trend = _draw(rng, list(COUNTRIES))
    sector_level, sector_trend = _draw(rng, list(SECTORS))
    by_country = pd.concat(
        [_series(rng, country_level[code], country_trend[code]).assign(jobcountry=code, country=name)
         for code, name in COUNTRIES.items()],
        ignore_index=True,
    )
    by_sector = pd.concat(
        [_series(rng, sector_level[sector], sector_trend[sector]).assign(jobcountry="US", country="United States", sector=sector)
         for sector in SECTORS],
        ignore_index=True,
    )
    columns = ["jobcountry", "country", "month", "n_obs", "posted_wage_growth_yoy", "posted_wage_growth_yoy_3moavg"]
    frames = {
        COUNTRY_FILE: by_country[columns],
        SECTOR_FILE: by_sector[[*columns[:2], "sector", *columns[2:]]],
    }
    truth = {
        "country_level": country_level, "country_trend": country_trend,
        "sector_level": sector_level, "sector_trend": sector_trend,
        "noise_sd": NOISE_SD, "noise_ar": NOISE_AR,
    }
    return SyntheticSource(frames=frames, truth=truth)
