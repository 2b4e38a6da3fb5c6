"""Synthetic twin of the LEHD Job-to-Job Flows extract: quarters × NAICS sectors × firm sizes.

Main jobs at the start of a quarter grow log-linearly per sector; the job-to-job hire rate of sector
``i`` in year ``y`` is ``base_i · exp(trend_i · (y − 2015) + season_q + AR(1) noise)``, so the annual
rate's log trend per sector (``j2j_rate_log_slope``) is the truth recovery tests check. Firm sizes share
a sector's rate and split its jobs in fixed proportions. The last quarter (2025Q1) is suppressed
(status 5, empty), as in the real file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.j2j import FILE, STATUS_OK
from talentmarket.data.schemas import J2J_INDUSTRIES, J2J_MEASURES
from talentmarket.data.synthetic import SyntheticSource, ar1_noise, source_rng

FIRM_SIZES = {1: "0-19 Employees", 2: "20-49 Employees", 3: "50-249 Employees", 4: "250-499 Employees", 5: "500+ Employees"}
FIRM_SHARES = np.array([0.27, 0.14, 0.22, 0.08, 0.29])
YEARS = range(2015, 2025)
SEASON = np.array([0.05, 0.0, 0.08, -0.13])
"""Log seasonal effects of quarters 1–4 on the hire rate (they sum to zero over a year)."""
NOISE_SD = 0.02
NOISE_AR = 0.5
SUPPRESSED = 5


def _sector_rows(rng: np.random.Generator, code: str, base_rate: float, trend: float) -> list[dict]:
    quarters = [(year, quarter) for year in YEARS for quarter in range(1, 5)]
    noise = ar1_noise(rng, len(quarters), NOISE_AR, NOISE_SD)
    jobs = float(rng.uniform(1e6, 2e7)) * np.exp(0.01 * np.arange(len(quarters)) / 4)
    rows = []
    for i, (year, quarter) in enumerate(quarters):
        rate = base_rate * np.exp(trend * (year - YEARS[0]) + SEASON[quarter - 1] + noise[i])
        for (size, label), share in zip(FIRM_SIZES.items(), FIRM_SHARES):
            main_b = round(jobs[i] * share)
            j2j_hire = round(main_b * rate)
            ne_hire = round(main_b * 0.8 * base_rate)
            j2j_sep = round(j2j_hire * 0.97)
            en_sep = round(ne_hire * 0.95)
            counts = {
                "MainB": main_b, "MainE": main_b + j2j_hire + ne_hire - j2j_sep - en_sep,
                "MHire": j2j_hire + ne_hire, "MSep": j2j_sep + en_sep,
                "EEHire": round(0.62 * j2j_hire), "EESep": round(0.62 * j2j_sep),
                "AQHire": j2j_hire - round(0.62 * j2j_hire), "AQSep": j2j_sep - round(0.62 * j2j_sep),
                "J2JHire": j2j_hire, "J2JSep": j2j_sep, "NEHire": ne_hire, "ENSep": en_sep,
            }
            rows.append({"year": year, "quarter": quarter, "industry": code, "firmsize": size,
                         "firmsize_label": label, **{k: float(v) for k, v in counts.items()},
                         **{f"s{k}": STATUS_OK for k in counts}})
    for size, label in FIRM_SIZES.items():  # the suppressed latest quarter
        rows.append({"year": YEARS[-1] + 1, "quarter": 1, "industry": code, "firmsize": size, "firmsize_label": label,
                     **{k: np.nan for k in J2J_MEASURES}, **{f"s{k}": SUPPRESSED for k in J2J_MEASURES}})
    return rows


def generate(source: str, seed: int) -> SyntheticSource:
    """The J2J file, drawn from a generator seeded by ``(seed, source)``.

    Truth: ``j2j_rate_log_slope`` (sector code → log change of the job-to-job hire rate per year),
    ``j2j_base_rate`` (2015 quarterly rate as a fraction), ``noise_sd``, ``noise_ar``, ``season``.
    """
    rng = source_rng(source, seed)
    base = {code: float(rng.uniform(0.03, 0.07)) for code in J2J_INDUSTRIES}
    slope = {code: float(rng.uniform(-0.05, 0.05)) for code in J2J_INDUSTRIES}
    rows = [row for code in J2J_INDUSTRIES for row in _sector_rows(rng, code, base[code], slope[code])]
    frame = pd.DataFrame(rows)[["year", "quarter", "industry", "firmsize", "firmsize_label",
                                *J2J_MEASURES, *(f"s{m}" for m in J2J_MEASURES)]]
    truth = {"j2j_rate_log_slope": slope, "j2j_base_rate": base, "noise_sd": NOISE_SD, "noise_ar": NOISE_AR,
             "season": SEASON.tolist()}
    return SyntheticSource(frames={FILE: frame}, truth=truth)
