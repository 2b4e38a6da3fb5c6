"""Synthetic twins of the posting sources (Indeed AI Tracker, Indeed Job Postings Index, OWID AI share).

Each daily series is ``exp(log level + slope · years + AR(1) noise)``, smoothed by a
7-day trailing mean like the publisher's, with slopes drawn per country and sector and
exposed as the truth. GenAI shares jump at ChatGPT's release by a known factor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.postings import AI_TRACKER_COUNTRIES
from talentmarket.data.sources import AGGREGATE_COUNTRIES, SECTOR_COUNTRIES
from talentmarket.data.synthetic import SyntheticSource, ar1_noise, source_rng

TECH_SECTORS = ("Software Development", "IT Operations & Helpdesk", "Mathematics",
                "Scientific Research & Development", "Information Design & Documentation")
OTHER_SECTORS = ("Banking & Finance", "Nursing", "Production & Manufacturing", "Accounting", "Retail",
                 "Construction", "Marketing")
GENAI_EVENT = pd.Timestamp("2022-11-30")
_AI_DAYS = pd.date_range("2019-01-01", "2025-12-31", freq="D")
_INDEX_DAYS = pd.date_range("2020-02-01", "2025-12-31", freq="D")
_SECTOR_DAYS = pd.date_range("2020-02-01", "2024-12-31", freq="D")
_NOISE_SD = 0.01
_NOISE_AR = 0.97



def _years(days: pd.DatetimeIndex) -> np.ndarray:
    return (days - days[0]).days.to_numpy() / 365.25



def _smoothed(values: np.ndarray) -> np.ndarray:
    """7-day trailing mean, as the publisher reports."""
    return pd.Series(values).rolling(7, min_periods=1).mean().to_numpy()


def _series(rng: np.random.Generator, days: pd.DatetimeIndex, level: float, slope: float) -> np.ndarray:
    return _smoothed(level * np.exp(slope * _years(days) + ar1_noise(rng, len(days), _NOISE_AR, _NOISE_SD)))


def _index_100(values: np.ndarray) -> np.ndarray:
    """Scale so the first day (1 Feb 2020) is exactly 100, as in the real files."""
    return np.round(100 * values / values[0], 2)


def _genai_signal(days: pd.DatetimeIndex, base: float, jump: float) -> np.ndarray:
    """Flat tiny share before the event, then a log-linear ramp over 180 days up to ``base · jump``."""
    ramp = np.clip((days - GENAI_EVENT).days.to_numpy() / 180, 0, 1)
    return base * np.exp(np.log(jump) * ramp)


def _ai_tracker(rng: np.random.Generator) -> SyntheticSource:
    slopes = {c: float(rng.uniform(0.04, 0.16)) for c in AI_TRACKER_COUNTRIES}
    jumps = {c: float(rng.uniform(20, 80)) for c in AI_TRACKER_COUNTRIES}
    ai_rows, genai_rows = [], []
    for country in AI_TRACKER_COUNTRIES:
        ai = _series(rng, _AI_DAYS, rng.uniform(1.5, 3.0), slopes[country])
        genai_noise = ar1_noise(rng, len(_AI_DAYS), _NOISE_AR, _NOISE_SD)
        genai = _smoothed(_genai_signal(_AI_DAYS, 0.003, jumps[country]) * np.exp(genai_noise))
        ai_rows.append(pd.DataFrame({"date": _AI_DAYS, "jobcountry": country, "AI_share_postings": ai}))
        genai_rows.append(pd.DataFrame({"date": _AI_DAYS, "jobcountry": country, "GenAI_share_postings": genai}))
    frames = {
        "AI_posting.csv": pd.concat(ai_rows).sort_values(["date", "jobcountry"], ignore_index=True),
        "GenAI_posting.csv": pd.concat(genai_rows).sort_values(["date", "jobcountry"], ignore_index=True),
    }
    return SyntheticSource(frames, {"ai_share_log_slope": slopes, "genai_jump_ratio": jumps, "genai_event": str(GENAI_EVENT.date())})


def _job_postings(rng: np.random.Generator) -> SyntheticSource:
    total_slopes = {c: float(rng.uniform(-0.05, 0.05)) for c in AGGREGATE_COUNTRIES}
    sector_slopes = {c: {s: float(rng.uniform(-0.25, 0.10)) for s in TECH_SECTORS + OTHER_SECTORS} for c in SECTOR_COUNTRIES}
    frames = {}
    for country in AGGREGATE_COUNTRIES:
        total = _index_100(_series(rng, _INDEX_DAYS, 1.0, total_slopes[country]))
        frames[f"aggregate_job_postings_{country}.csv"] = pd.DataFrame({
            "date": _INDEX_DAYS, "jobcountry": country, "indeed_job_postings_index_SA": total,
            "indeed_job_postings_index_NSA": total, "variable": "total postings",
        })
    for country in SECTOR_COUNTRIES:
        frames[f"job_postings_by_sector_{country}.csv"] = pd.concat([
            pd.DataFrame({"date": _SECTOR_DAYS, "jobcountry": country,
                          "indeed_job_postings_index": _index_100(_series(rng, _SECTOR_DAYS, 1.0, slope)),
                          "variable": "total postings", "display_name": sector})
            for sector, slope in sector_slopes[country].items()
        ], ignore_index=True)
    frames["state_job_postings_us.csv"] = pd.concat([
        pd.DataFrame({"date": _INDEX_DAYS, "state": state, "indeed_job_postings_index": _index_100(_series(rng, _INDEX_DAYS, 1.0, 0.0))})
        for state in ("ca", "ny", "tx")
    ], ignore_index=True)
    frames["sector-job-title-examples.csv"] = pd.DataFrame(
        {"sector": list(TECH_SECTORS + OTHER_SECTORS), "job_titles": "synthetic example title"}
    )
    return SyntheticSource(frames, {"total_log_slope": total_slopes, "sector_log_slope": sector_slopes,
                                    "tech_sectors": list(TECH_SECTORS)})


def _owid(rng: np.random.Generator) -> SyntheticSource:
    countries = {"United States": "USA", "United Kingdom": "GBR", "Canada": "CAN", "Australia": "AUS", "Germany": "DEU"}
    slopes = {name: float(rng.uniform(0.03, 0.12)) for name in countries}
    years = np.arange(2014, 2025)
    rows = [
        pd.DataFrame({"Entity": name, "Code": code, "Year": years,
                      "Share of artificial intelligence jobs among all job postings":
                          np.round(rng.uniform(0.3, 0.8) * np.exp(slopes[name] * (years - 2014) + rng.normal(0, 0.05, len(years))), 2)})
        for name, code in countries.items()
    ]
    return SyntheticSource({"share-artificial-intelligence-job-postings.csv": pd.concat(rows, ignore_index=True)},
                           {"share_log_slope": slopes})


_BUILDERS = {
    "indeed_ai_tracker": _ai_tracker,
    "indeed_hiring_lab_job_postings": _job_postings,
    "owid_ai_index_ai_job_postings_share": _owid,
}


def generate(source: str, seed: int) -> SyntheticSource:
    """The twin of one posting source, drawn from a generator seeded by ``(seed, source)``."""
    return _BUILDERS[source](source_rng(source, seed))
