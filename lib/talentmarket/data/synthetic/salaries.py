"""Synthetic twins of the three salary boards (aijobs.net, isecjobs.com, devops-jobs.net).

Each twin has the raw file's exact schema *and* its traps: postings from 2022 on
are mostly written as consecutive (max, min) range pairs, some postings appear
several times at random places in the file, and the share of US employers rises
over the years. Log salaries follow a known model, so the estimators in
:mod:`talentmarket.analyses.premium` can be checked against the truth:

``log salary = base + level + country + size + remote + employment type + year trend
+ role effect + AI premium[level] × core-AI + noise``, with noise standard deviation
larger for core-AI roles (so the AI premium grows across the salary distribution).

A posting's range is ``mid × exp(±h)`` with ``h`` uniform on [0.05, 0.30]; singles
carry ``mid``. The AI premium does not change across years, experience level is
drawn independently of role (so a regression with controls targets the
level-share-weighted premium reported in ``truth["ai_premium_log"]``), and the
non-AI comparison roles have no board effect of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from talentmarket.data.salaries import SALARY_COLUMNS, SALARY_SOURCES
from talentmarket.data.synthetic import SyntheticSource
from talentmarket.data.taxonomy import AI_ADJACENT_DATA, CORE_AI, NON_AI_TECH, OTHER

LEVELS = ("EN", "MI", "SE", "EX")
LEVEL_SHARES = (0.12, 0.30, 0.52, 0.06)
LEVEL_EFFECT_LOG = {"EN": -0.35, "MI": -0.12, "SE": 0.0, "EX": 0.20}
AI_PREMIUM_LOG_BY_LEVEL = {"EN": 0.08, "MI": 0.12, "SE": 0.16, "EX": 0.20}
ROLE_EFFECT_LOG = {CORE_AI: 0.0, AI_ADJACENT_DATA: 0.03, NON_AI_TECH: 0.0, OTHER: -0.08}
NOISE_SD = {"ai": 0.38, "non_ai": 0.30}
BASE_SALARY_USD = 150_000.0
YEAR_TREND_LOG = 0.03

COUNTRY_EFFECT_LOG = {"US": 0.0, "CA": -0.30, "GB": -0.45, "DE": -0.50, "FR": -0.60, "ES": -0.80, "IN": -1.40}
NON_US_SHARES = {"CA": 0.25, "GB": 0.30, "DE": 0.18, "FR": 0.10, "ES": 0.10, "IN": 0.07}
CURRENCY = {"US": ("USD", 1.0), "CA": ("CAD", 1.35), "GB": ("GBP", 0.80), "DE": ("EUR", 0.92),
            "FR": ("EUR", 0.92), "ES": ("EUR", 0.92), "IN": ("INR", 83.0)}
US_SHARE_BY_YEAR = {2020: 0.45, 2021: 0.55, 2022: 0.80, 2023: 0.88, 2024: 0.91, 2025: 0.90}
PAIR_PROBABILITY_BY_YEAR = {2020: 0.0, 2021: 0.02, 2022: 0.75, 2023: 0.97, 2024: 0.99, 2025: 0.99}
DUPLICATE_PROBABILITY = {"survey": 0.02, "postings": 0.30}
SIZE_EFFECT_LOG = {"S": -0.15, "M": 0.0, "L": 0.10}
SIZE_SHARES = {"S": 0.03, "M": 0.90, "L": 0.07}
REMOTE_EFFECT_LOG = {0: 0.0, 50: -0.05, 100: -0.03}
REMOTE_SHARES = {0: 0.78, 50: 0.02, 100: 0.20}
EMPLOYMENT_EFFECT_LOG = {"FT": 0.0, "CT": 0.10, "PT": -0.50, "FL": -0.20}
EMPLOYMENT_SHARES = {"FT": 0.985, "CT": 0.007, "PT": 0.005, "FL": 0.003}
RANGE_HALF_WIDTH = (0.05, 0.30)

TITLES = {
    CORE_AI: ("Machine Learning Engineer", "AI Engineer", "Research Scientist", "Applied Scientist"),
    AI_ADJACENT_DATA: ("Data Scientist", "Data Engineer", "Data Analyst"),
    NON_AI_TECH: ("Software Engineer", "Backend Engineer", "Security Engineer", "DevOps Engineer", "Site Reliability Engineer"),
    OTHER: ("Manager", "Analyst"),
}


@dataclass(frozen=True)
class BoardDesign:
    """How one board's postings are drawn: its size, role mix, years and titles."""

    postings: int
    role_shares: dict[str, float]
    year_shares: dict[int, float]
    titles: dict[str, tuple[str, ...]]


BOARDS: dict[str, BoardDesign] = {
    "aijobs_net_salaries": BoardDesign(
        postings=8_000,
        role_shares={CORE_AI: 0.25, AI_ADJACENT_DATA: 0.45, NON_AI_TECH: 0.15, OTHER: 0.15},
        year_shares={2020: 0.01, 2021: 0.02, 2022: 0.04, 2023: 0.12, 2024: 0.78, 2025: 0.03},
        titles={**TITLES, NON_AI_TECH: ("Software Engineer", "Backend Engineer", "DevOps Engineer")},
    ),
    "isecjobs_infosec_salaries": BoardDesign(
        postings=5_000,
        role_shares={CORE_AI: 0.005, AI_ADJACENT_DATA: 0.015, NON_AI_TECH: 0.80, OTHER: 0.18},
        year_shares={2020: 0.01, 2021: 0.02, 2022: 0.03, 2023: 0.06, 2024: 0.36, 2025: 0.52},
        titles={**TITLES, NON_AI_TECH: ("Security Engineer", "Security Analyst", "Software Engineer", "Systems Engineer")},
    ),
    "devops_jobs_net_salaries": BoardDesign(
        postings=500,
        role_shares={NON_AI_TECH: 1.0},
        year_shares={2020: 0.28, 2021: 0.70, 2022: 0.02},
        titles={NON_AI_TECH: ("DevOps Engineer", "Site Reliability Engineer", "Cloud Engineer")},
    ),
}

US_CORE_AI_TILT = 1.6
"""Core-AI postings are this many times likelier (in odds) to be at US employers, so the raw gap is confounded by country."""


def generate(source: str, seed: int) -> SyntheticSource:
    """The twin of one salary board: ``salaries.csv`` in the raw schema plus the model's truth."""
    design = BOARDS[source]
    rng = np.random.default_rng([seed, list(SALARY_SOURCES).index(source)])
    frame, counts = simulate_board(design, design.postings, rng)
    return SyntheticSource(frames={"salaries.csv": frame}, truth={**salary_truth(), **counts})


def salary_truth() -> dict:
    """The parameters every salary twin is drawn from, in log points and percent."""
    overall = float(sum(share * AI_PREMIUM_LOG_BY_LEVEL[level] for level, share in zip(LEVELS, LEVEL_SHARES)))
    noise_gap = NOISE_SD["ai"] - NOISE_SD["non_ai"]
    return {
        "ai_premium_log": overall,
        "ai_premium_percent": 100 * float(np.expm1(overall)),
        "ai_premium_log_by_level": dict(AI_PREMIUM_LOG_BY_LEVEL),
        "ai_premium_trend_log_per_year": 0.0,
        "ai_premium_log_by_quantile": {q: overall + noise_gap * float(norm.ppf(q)) for q in (0.1, 0.5, 0.9)},
        "noise_sd": dict(NOISE_SD),
        "company_size_effect_log": dict(SIZE_EFFECT_LOG),
        "level_shares": dict(zip(LEVELS, LEVEL_SHARES)),
        "comparison_role_class": NON_AI_TECH,
    }


def simulate_board(design: BoardDesign, n_postings: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    """Draw ``n_postings`` postings and write them out as the raw file would: pairs, duplicates, file order.

    Returns the frame and the counts that were built in (postings, range pairs, duplicate copies).
    """
    postings = _draw_postings(design, n_postings, rng)
    blocks = _with_duplicate_copies(postings, rng)
    frame = _write_rows(blocks)
    counts = {
        "postings": int(n_postings),
        "range_pairs": int(postings["is_pair"].sum()),
        "duplicate_copies": int(len(blocks) - n_postings),
    }
    return frame, counts


def _choice(rng: np.random.Generator, shares: dict, size: int) -> np.ndarray:
    keys = list(shares)
    probabilities = np.array(list(shares.values()), dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=size, p=probabilities / probabilities.sum())]


def _draw_postings(design: BoardDesign, n: int, rng: np.random.Generator) -> pd.DataFrame:
    years = _choice(rng, design.year_shares, n).astype(int)
    roles = _choice(rng, design.role_shares, n)
    us_share = np.array([US_SHARE_BY_YEAR[y] for y in years])
    us_odds = us_share / (1 - us_share) * np.where(roles == CORE_AI, US_CORE_AI_TILT, 1.0)
    is_us = rng.random(n) < us_odds / (1 + us_odds)
    countries = np.where(is_us, "US", _choice(rng, NON_US_SHARES, n))
    levels = _choice(rng, dict(zip(LEVELS, LEVEL_SHARES)), n)
    sizes = _choice(rng, SIZE_SHARES, n)
    remote = _choice(rng, REMOTE_SHARES, n).astype(int)
    employment = _choice(rng, EMPLOYMENT_SHARES, n)
    is_ai = roles == CORE_AI
    log_mid = (
        np.log(BASE_SALARY_USD)
        + np.vectorize(LEVEL_EFFECT_LOG.get)(levels)
        + np.vectorize(COUNTRY_EFFECT_LOG.get)(countries)
        + np.vectorize(SIZE_EFFECT_LOG.get)(sizes)
        + np.vectorize(REMOTE_EFFECT_LOG.get)(remote)
        + np.vectorize(EMPLOYMENT_EFFECT_LOG.get)(employment)
        + YEAR_TREND_LOG * (years - 2024)
        + np.vectorize(ROLE_EFFECT_LOG.get)(roles)
        + is_ai * np.vectorize(AI_PREMIUM_LOG_BY_LEVEL.get)(levels)
        + rng.normal(size=n) * np.where(is_ai, NOISE_SD["ai"], NOISE_SD["non_ai"])
    )
    titles = np.array([design.titles[role][k % len(design.titles[role])] for role, k in zip(roles, rng.integers(0, 1_000, n))])
    currency, rate = zip(*(CURRENCY[c] for c in countries))
    return pd.DataFrame({
        "work_year": years, "experience_level": levels, "employment_type": employment, "job_title": titles,
        "salary_currency": currency, "fx_rate": rate, "employee_residence": countries, "remote_ratio": remote,
        "company_location": countries, "company_size": sizes, "log_mid": log_mid,
        "is_pair": rng.random(n) < np.array([PAIR_PROBABILITY_BY_YEAR[y] for y in years]),
        "half_width": rng.uniform(*RANGE_HALF_WIDTH, n),
        "survey_era": years < 2022,
    })


def _with_duplicate_copies(postings: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Postings plus exact copies of some of them, in a random file order."""
    p_copy = np.where(postings["survey_era"], DUPLICATE_PROBABILITY["survey"], DUPLICATE_PROBABILITY["postings"])
    copies = postings.loc[rng.random(len(postings)) < p_copy]
    blocks = pd.concat([postings, copies], ignore_index=True)
    return blocks.iloc[rng.permutation(len(blocks))].reset_index(drop=True)


def _write_rows(blocks: pd.DataFrame) -> pd.DataFrame:
    """Each posting as one row (single) or two consecutive rows (max then min), salaries rounded to whole units."""
    rows = blocks.loc[blocks.index.repeat(np.where(blocks["is_pair"], 2, 1))].copy()
    second_half = rows.index.duplicated(keep="first")
    sign = np.where(rows["is_pair"], np.where(second_half, -1.0, 1.0), 0.0)
    usd = np.exp(rows["log_mid"] + sign * rows["half_width"])
    rows["salary_in_usd"] = np.round(usd).astype("int64")
    rows["salary"] = np.round(usd * rows["fx_rate"]).astype("int64")
    return rows[list(SALARY_COLUMNS)].reset_index(drop=True)
