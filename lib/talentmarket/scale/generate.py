"""Synthetic posting and salary records at any size, written to Parquet in chunks, with a known truth.

Rows are generated inside DuckDB from ``range(first, last)``: every random draw
is a hash of (row id, seed, stream) mapped to [0, 1), so a row's values depend
only on its id and the seed — not on the chunk size, the thread count or the
order chunks are written in — and no Python code runs per row. Each chunk is
one ``COPY … TO 'part-NNNNN.parquet'``, so memory stays flat however many rows
are asked for. Salaries can also be had as a view that draws the same rows when
queried (:func:`synthetic_salaries`), for data that is read only once.

The truth is a set of fixed parameters (below); only the draws depend on the
seed. Postings carry an AI probability that is a product of country, sector and
industry factors growing log-linearly over time; salaries follow a log-linear
model with categorical effects, an AI premium and an employer random effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from talentmarket.errors import ParameterError
from talentmarket.scale.engine import EngineSettings, _quiet_upstream_deprecations

DEFAULT_CHUNK_ROWS = 10_000_000
_DAYS_PER_YEAR = 365.25

POSTINGS_START = date(2019, 1, 1)
POSTINGS_END = date(2026, 6, 30)
COUNTRY_PARAMETERS: dict[str, tuple[float, float, float]] = {
    # country: (share of postings, AI probability on the start date, AI growth in log points per year)
    "US": (0.40, 0.0120, 0.16),
    "GB": (0.12, 0.0100, 0.14),
    "DE": (0.10, 0.0080, 0.12),
    "FR": (0.08, 0.0070, 0.12),
    "CA": (0.08, 0.0090, 0.14),
    "AU": (0.06, 0.0070, 0.10),
    "IT": (0.06, 0.0050, 0.10),
    "NL": (0.05, 0.0090, 0.13),
    "IE": (0.05, 0.0110, 0.15),
}
SECTOR_AI_MULTIPLIER: dict[str, float] = {
    "Software Development": 4.0, "Mathematics": 3.5, "Scientific Research & Development": 3.0,
    "IT Operations & Helpdesk": 2.0, "Information Design & Documentation": 1.5, "Banking & Finance": 1.2,
    "Medical Information": 1.0, "Marketing": 0.8, "Management": 0.8, "Project Management": 0.8,
    "Nursing": 0.2, "Retail": 0.2, "Driving": 0.1, "Food Preparation & Service": 0.1,
    "Production & Manufacturing": 0.4, "Accounting": 0.5,
}
"""Sectors are drawn with equal probability; the factor multiplies the AI probability."""
INDUSTRY_PARAMETERS: dict[str, tuple[float, float, float]] = {
    # industry: (share of postings, AI factor on the start date, extra AI growth in log points per year)
    "Information": (0.10, 1.5, 0.00),
    "Professional, Scientific, and Technical Services": (0.14, 1.4, 0.00),
    "Finance and Insurance": (0.10, 1.0, 0.06),
    "Health Care and Social Assistance": (0.18, 0.6, 0.08),
    "Manufacturing": (0.12, 0.8, 0.04),
    "Retail Trade": (0.16, 0.5, 0.02),
    "Educational Services": (0.10, 0.7, 0.02),
    "Public Administration": (0.10, 0.6, 0.01),
}
AI_TITLES = ("Machine Learning Engineer", "AI Engineer", "Applied Scientist", "NLP Engineer",
             "Computer Vision Engineer", "Deep Learning Researcher", "MLOps Engineer")
OTHER_TITLES = ("Software Engineer", "Registered Nurse", "Accountant", "Sales Associate", "Project Manager",
                "Warehouse Associate", "Customer Service Representative", "Data Analyst", "Teacher", "Mechanical Engineer")
"""Titles are drawn independently of the sector; AI postings get AI titles (core AI under
talentmarket.data.taxonomy), the others never do, so a title-derived flag equals ``is_ai``."""
SALARY_OTHER_TITLES = ("Software Engineer", "DevOps Engineer", "Security Engineer", "Backend Developer", "Cloud Engineer")
"""Non-AI tech titles of the salary comparison group."""
POSTING_SALARY_SHARE = 0.4
"""Share of postings that carry a salary range."""

SALARY_YEARS = (2020, 2021, 2022, 2023, 2024)
SALARY_INTERCEPT = 11.6
AI_PREMIUM_LOG = 0.12
"""True AI premium in log points, conditional on every control (≈ 12.7 %)."""
EXPERIENCE_EFFECTS: dict[str, tuple[float, float]] = {"EN": (0.15, -0.35), "MI": (0.35, 0.0), "SE": (0.40, 0.25), "EX": (0.10, 0.45)}
EMPLOYMENT_EFFECTS: dict[str, tuple[float, float]] = {"FT": (0.90, 0.0), "PT": (0.04, -0.40), "CT": (0.04, 0.05), "FL": (0.02, -0.20)}
REMOTE_EFFECTS: dict[int, tuple[float, float]] = {0: (0.50, 0.0), 50: (0.20, -0.03), 100: (0.30, 0.02)}
YEAR_EFFECT_PER_YEAR = 0.04
SALARY_COUNTRY_EFFECTS: dict[str, float] = {
    "US": 0.0, "CA": -0.20, "GB": -0.30, "DE": -0.30, "FR": -0.40, "NL": -0.30, "IE": -0.30,
    "AU": -0.25, "ES": -0.60, "IN": -1.30, "BR": -1.00, "PL": -0.80,
}
"""Employer country → effect (countries drawn with equal probability per employer)."""
COMPANY_SIZE_EFFECTS: dict[str, tuple[float, float]] = {"S": (0.25, -0.15), "M": (0.45, 0.0), "L": (0.30, 0.10)}
EMPLOYER_SD = 0.15
RESIDUAL_SD = 0.35
DEFAULT_EMPLOYERS = 2000
AI_INTENSITY_RANGE = (0.1, 0.6)
"""Each employer's probability that a role is AI is uniform on this range: the AI flag has an employer-level
component, and with employer effects in pay the errors of one employer's rows are correlated — the case
where only clustered standard errors are right."""


@dataclass(frozen=True)
class PostingTruth:
    """The parameters synthetic postings were drawn from (the module constants), and the shares they imply."""

    seed: int
    rows: int

    def expected_cells(self, period: str = "M") -> pd.DataFrame:
        """Every (period, country, sector, industry) cell with the probability that a posting falls in it
        (``posting_probability``) and the expected AI share of its postings (``ai_probability``, 0–1).

        ``period`` is a pandas period alias (``"M"``, ``"Q"``, ``"Y"``); the period column holds its
        first day. Expected counts and shares of any aggregate follow by weighted sums over cells.
        """
        days = pd.date_range(POSTINGS_START, POSTINGS_END, freq="D")
        years = (days - pd.Timestamp(POSTINGS_START)).days.to_numpy() / _DAYS_PER_YEAR
        starts = days.to_period(period).start_time
        rows = []
        for country, (country_weight, base, country_growth) in COUNTRY_PARAMETERS.items():
            for industry, (industry_weight, factor, industry_growth) in INDUSTRY_PARAMETERS.items():
                growth = pd.Series(np.exp((country_growth + industry_growth) * years)).groupby(starts)
                rows.append(pd.DataFrame({
                    "period": growth.mean().index, "country": country, "industry": industry,
                    "posting_probability": _normalised_weight(country_weight, COUNTRY_PARAMETERS)
                    * _normalised_weight(industry_weight, INDUSTRY_PARAMETERS) * growth.size().to_numpy() / len(days),
                    "ai_base": base * factor * growth.mean().to_numpy(),
                }))
        by_industry = pd.concat(rows, ignore_index=True)
        sectors = pd.DataFrame({"sector": list(SECTOR_AI_MULTIPLIER), "multiplier": list(SECTOR_AI_MULTIPLIER.values())})
        cells = by_industry.merge(sectors, how="cross")
        cells["posting_probability"] /= len(sectors)
        cells["ai_probability"] = cells.pop("ai_base") * cells.pop("multiplier")
        return cells[["period", "country", "sector", "industry", "posting_probability", "ai_probability"]]


@dataclass(frozen=True)
class SalaryTruth:
    """The parameters synthetic salaries were drawn from (log salary = sum of the effects + noise)."""

    seed: int
    rows: int
    employers: int
    ai_premium_log: float = AI_PREMIUM_LOG
    residual_sd: float = RESIDUAL_SD
    employer_sd: float = EMPLOYER_SD

    @property
    def ai_premium_pct(self) -> float:
        """The AI premium in percent: ``100 · (exp(β) − 1)``."""
        return 100 * math.expm1(self.ai_premium_log)

    def effects(self) -> dict[str, dict[str, float]]:
        """Each control's additive effect on log salary, by level (a regression recovers differences between levels)."""
        return {
            "experience_level": {k: v[1] for k, v in EXPERIENCE_EFFECTS.items()},
            "employment_type": {k: v[1] for k, v in EMPLOYMENT_EFFECTS.items()},
            "remote_ratio": {str(k): v[1] for k, v in REMOTE_EFFECTS.items()},
            "company_location": dict(SALARY_COUNTRY_EFFECTS),
            "company_size": {k: v[1] for k, v in COMPANY_SIZE_EFFECTS.items()},
            "work_year": {str(y): YEAR_EFFECT_PER_YEAR * (y - SALARY_YEARS[0]) for y in SALARY_YEARS},
        }


def write_synthetic_postings(
    out_dir: str | Path,
    rows: int,
    seed: int = 20260101,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    settings: EngineSettings | None = None,
) -> PostingTruth:
    """Write ``rows`` synthetic postings (the posting layout of :mod:`talentmarket.scale.schema`) to
    ``out_dir/part-NNNNN.parquet`` and return the truth they were drawn from."""
    _check_seed(seed)
    _write_chunks(out_dir, rows, chunk_rows, settings, lambda first, last: _postings_sql(first, last, seed))
    return PostingTruth(seed=seed, rows=rows)


def write_synthetic_salaries(
    out_dir: str | Path,
    rows: int,
    seed: int = 20260101,
    employers: int = DEFAULT_EMPLOYERS,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    settings: EngineSettings | None = None,
) -> SalaryTruth:
    """Write ``rows`` synthetic salaries (the salary layout of :mod:`talentmarket.scale.schema`, i.e. the
    aijobs.net columns plus ``employer_id`` and ``is_ai``) to ``out_dir/part-NNNNN.parquet``; return the truth."""
    _check_salary_arguments(seed, employers)
    _write_chunks(out_dir, rows, chunk_rows, settings, lambda first, last: _salaries_sql(first, last, seed, employers))
    return SalaryTruth(seed=seed, rows=rows, employers=employers)


def synthetic_salaries(
    backend: BaseBackend, rows: int, seed: int = 20260101, employers: int = DEFAULT_EMPLOYERS
) -> tuple[ir.Table, SalaryTruth]:
    """The rows :func:`write_synthetic_salaries` writes (same values, same order), as a view on a DuckDB
    ``backend`` that draws them whenever it is queried, and their truth.

    For data read once, such as the samples of a Monte Carlo: no Parquet file is written and read back,
    which is half the cost of generating.
    """
    _check_salary_arguments(seed, employers)
    if rows < 1:
        raise ParameterError(f"rows={rows}: must be positive")
    name = f"synthetic_salaries_{rows}_{seed}_{employers}"
    backend.raw_sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {_salaries_sql(0, rows, seed, employers)}")
    with _quiet_upstream_deprecations():
        view = backend.table(name)
    return view, SalaryTruth(seed=seed, rows=rows, employers=employers)


def _check_salary_arguments(seed: int, employers: int) -> None:
    _check_seed(seed)
    if employers < 2:
        raise ParameterError(f"employers={employers}: need at least 2 employers")


def _check_seed(seed: int) -> None:
    if not 0 <= seed < 2**63:
        raise ParameterError(f"seed={seed}: expected a non-negative integer below 2**63")


def _write_chunks(
    out_dir: str | Path, rows: int, chunk_rows: int, settings: EngineSettings | None, sql_for: Callable[[int, int], str]
) -> None:
    """Run ``sql_for(first, last)`` for consecutive row ranges, each into its own Parquet part file."""
    if rows < 1 or chunk_rows < 1:
        raise ParameterError(f"rows={rows}, chunk_rows={chunk_rows}: both must be positive")
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    stale = sorted(target.glob("part-*.parquet"))
    if stale:
        raise ParameterError(f"{target} already holds {len(stale)} part files; write into an empty directory")
    con = duckdb.connect(config=(settings or EngineSettings.from_environment()).duckdb_config())
    con.execute("SET enable_progress_bar = false")
    try:
        for number, first in enumerate(range(0, rows, chunk_rows)):
            last = min(first + chunk_rows, rows)
            path = (target / f"part-{number:05d}.parquet").as_posix().replace("'", "''")
            con.execute(f"COPY ({sql_for(first, last)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)")
    finally:
        con.close()


def _uniform(seed: int, stream: int, key: str = "i") -> str:
    """SQL for a uniform [0, 1) draw determined by (key, seed, stream).

    DuckDB's multi-argument ``hash(a, b, c)`` combines its arguments too weakly
    (draws of neighbouring streams correlate at 0.5–0.9), so the key and stream
    are packed into one integer, hashed, mixed with the seed and hashed again.
    """
    return f"((hash(xor(hash({key} * 256 + {int(stream)}), {int(seed)}::UBIGINT)) >> 11)::DOUBLE * {2.0 ** -53!r})"


def _normal(seed: int, stream: int, key: str = "i") -> str:
    """SQL for a standard normal draw (Box–Muller on two uniform streams)."""
    return f"(sqrt(-2 * ln(1 - {_uniform(seed, stream, key)})) * cos(2 * pi() * {_uniform(seed, stream + 1, key)}))"


def _pick_index(uniform_column: str, weights: Sequence[float] | None, count: int) -> str:
    """SQL for a 1-based category index from a uniform column: equal chances when ``weights`` is None,
    else by cumulative weights."""
    if weights is None:
        return f"(1 + floor({uniform_column} * {count})::INTEGER)"
    bounds = np.cumsum(_normalised(weights))[:-1]
    cases = " ".join(f"WHEN {uniform_column} < {float(bound)!r} THEN {index + 1}" for index, bound in enumerate(bounds))
    return f"(CASE {cases} ELSE {count} END)"


def _normalised_weight(weight: float, parameters: dict[str, tuple[float, float, float]]) -> float:
    """One category's drawing probability: its weight over the sum of weights."""
    return weight / sum(values[0] for values in parameters.values())


def _normalised(weights: Sequence[float]) -> np.ndarray:
    values = np.asarray(weights, dtype=float)
    return values / values.sum()


def _sql_list(values: Iterable[str | int | float]) -> str:
    """A DuckDB list literal of strings, integers or floats."""
    return "[" + ", ".join(repr(v) if isinstance(v, (str, int)) else repr(float(v)) for v in values) + "]"


def _postings_sql(first: int, last: int, seed: int) -> str:
    countries, country_params = list(COUNTRY_PARAMETERS), list(COUNTRY_PARAMETERS.values())
    industries, industry_params = list(INDUSTRY_PARAMETERS), list(INDUSTRY_PARAMETERS.values())
    sectors = list(SECTOR_AI_MULTIPLIER)
    days = (POSTINGS_END - POSTINGS_START).days + 1
    return f"""
        WITH draws AS (
            SELECT i, {", ".join(f"{_uniform(seed, stream)} AS u{stream}" for stream in range(1, 8))},
                   {_normal(seed, 8)} AS z_salary
            FROM range({first}, {last}) AS r(i)
        ), picked AS (
            SELECT i AS posting_id, DATE '{POSTINGS_START}' + floor(u1 * {days})::INTEGER AS posted_date,
                   {_pick_index("u2", [p[0] for p in country_params], len(countries))} AS c,
                   {_pick_index("u3", None, len(sectors))} AS s,
                   {_pick_index("u4", [p[0] for p in industry_params], len(industries))} AS k,
                   u5 AS u_ai, u6 AS u_title, u7 AS u_salary, z_salary
            FROM draws
        ), scored AS (
            SELECT *, u_ai < {_sql_list([p[1] for p in country_params])}[c] * {_sql_list(SECTOR_AI_MULTIPLIER.values())}[s]
                        * {_sql_list([p[1] for p in industry_params])}[k]
                        * exp(({_sql_list([p[2] for p in country_params])}[c] + {_sql_list([p[2] for p in industry_params])}[k])
                              * (posted_date - DATE '{POSTINGS_START}') / {_DAYS_PER_YEAR}) AS is_ai
            FROM picked
        )
        SELECT posting_id, posted_date,
               {_sql_list(countries)}[c] AS country, {_sql_list(sectors)}[s] AS sector, {_sql_list(industries)}[k] AS industry,
               CASE WHEN is_ai THEN {_sql_list(AI_TITLES)}[1 + floor(u_title * {len(AI_TITLES)})::INTEGER]
                    ELSE {_sql_list(OTHER_TITLES)}[1 + floor(u_title * {len(OTHER_TITLES)})::INTEGER] END AS title,
               is_ai,
               CASE WHEN u_salary < {POSTING_SALARY_SHARE} THEN round(exp(10.8 + 0.2 * is_ai::INTEGER + 0.3 * z_salary), -2) END AS salary_min,
               CASE WHEN u_salary < {POSTING_SALARY_SHARE} THEN round(1.25 * exp(10.8 + 0.2 * is_ai::INTEGER + 0.3 * z_salary), -2) END AS salary_max
        FROM scored
    """


def _salaries_sql(first: int, last: int, seed: int, employers: int) -> str:
    levels, level_params = list(EXPERIENCE_EFFECTS), list(EXPERIENCE_EFFECTS.values())
    types, type_params = list(EMPLOYMENT_EFFECTS), list(EMPLOYMENT_EFFECTS.values())
    remote, remote_params = list(REMOTE_EFFECTS), list(REMOTE_EFFECTS.values())
    sizes, size_params = list(COMPANY_SIZE_EFFECTS), list(COMPANY_SIZE_EFFECTS.values())
    countries = list(SALARY_COUNTRY_EFFECTS)
    low, high = AI_INTENSITY_RANGE
    return f"""
        WITH draws AS (
            SELECT i, floor({_uniform(seed, 1)} * {employers})::BIGINT AS employer_id,
                   {", ".join(f"{_uniform(seed, stream)} AS u{stream}" for stream in range(2, 8))}, {_normal(seed, 8)} AS noise
            FROM range({first}, {last}) AS g(i)
        ), employer_draws AS (
            SELECT *, {", ".join(f"{_uniform(seed, stream, 'employer_id')} AS v{stream}" for stream in range(101, 104))},
                   {EMPLOYER_SD} * {_normal(seed, 104, "employer_id")} AS employer_effect
            FROM draws
        ), picked AS (
            SELECT employer_id, employer_effect, noise, u7 AS u_title,
                   {_pick_index("u2", None, len(SALARY_YEARS))} AS y,
                   {_pick_index("u3", [p[0] for p in level_params], len(levels))} AS e,
                   {_pick_index("u4", [p[0] for p in type_params], len(types))} AS t,
                   {_pick_index("u5", [p[0] for p in remote_params], len(remote))} AS r,
                   {_pick_index("v101", None, len(countries))} AS c,
                   {_pick_index("v102", [p[0] for p in size_params], len(sizes))} AS z,
                   u6 < {low} + {high - low} * v103 AS is_ai
            FROM employer_draws
        ), drawn AS (
            SELECT *, {SALARY_INTERCEPT} + {_sql_list(SALARY_COUNTRY_EFFECTS.values())}[c]
                   + {_sql_list([p[1] for p in level_params])}[e] + {_sql_list([p[1] for p in type_params])}[t]
                   + {_sql_list([p[1] for p in remote_params])}[r] + {_sql_list([p[1] for p in size_params])}[z]
                   + {YEAR_EFFECT_PER_YEAR} * (y - 1) + {AI_PREMIUM_LOG} * is_ai::INTEGER
                   + employer_effect + {RESIDUAL_SD} * noise AS log_salary
            FROM picked
        )
        SELECT {_sql_list(SALARY_YEARS)}[y] AS work_year, {_sql_list(levels)}[e] AS experience_level,
               {_sql_list(types)}[t] AS employment_type,
               CASE WHEN is_ai THEN {_sql_list(AI_TITLES)}[1 + floor(u_title * {len(AI_TITLES)})::INTEGER]
                    ELSE {_sql_list(SALARY_OTHER_TITLES)}[1 + floor(u_title * {len(SALARY_OTHER_TITLES)})::INTEGER] END AS job_title,
               exp(log_salary) AS salary, 'USD' AS salary_currency, exp(log_salary) AS salary_in_usd,
               {_sql_list(countries)}[c] AS employee_residence, {_sql_list(remote)}[r] AS remote_ratio,
               {_sql_list(countries)}[c] AS company_location, {_sql_list(sizes)}[z] AS company_size,
               employer_id, is_ai
        FROM drawn
    """
