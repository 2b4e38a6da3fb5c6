"""Census LEHD Job-to-Job Flows (J2J): quarterly hires and separations by destination sector and firm size.

The extract is national, all workers, not seasonally adjusted, 2015Q1 onwards; counts are jobs, not
persons. It measures hires *into* each sector (and separations out of each), not moves between two
given sectors, and it has no occupation or AI flag: it is context for worker migration, never a
measure of AI engineers moving. Because the series are not seasonally adjusted, rates are summed over
whole years (:func:`annual_rates`); a year counts only when all four quarters of every firm size of the
chosen sectors were published (status 1), so suppressed cells (2025Q1) never shrink a sum silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentmarket.data.schemas import J2J_INDUSTRIES, J2J_MEASURES
from talentmarket.data.store import DataStore
from talentmarket.errors import DataValidationError, ParameterError, check_choice

SOURCE = "census_lehd_j2j_by_sector"
FILE = "j2j_us_firmsize_sector_2015on.csv"
STATUS_OK = 1
QUARTERS_PER_YEAR = 4

SECTOR_NAMES: dict[str, str] = {
    "00": "All industries", "11": "Agriculture", "21": "Mining", "22": "Utilities", "23": "Construction",
    "31-33": "Manufacturing", "42": "Wholesale trade", "44-45": "Retail trade", "48-49": "Transportation",
    "51": "Information", "52": "Finance and insurance", "53": "Real estate", "54": "Professional and technical services",
    "55": "Management of companies", "56": "Administrative and support", "61": "Educational services",
    "62": "Health care and social assistance", "71": "Arts and recreation", "72": "Accommodation and food",
    "81": "Other services",
}
"""NAICS sector code (text) → short name, for tables and figures."""


def load_j2j(store: DataStore) -> pd.DataFrame:
    """The validated J2J extract, one row per year × quarter × sector × firm size.

    Checks beyond the schema: a measure is missing exactly where its status flag says it was not
    published (a published value that is missing, or a suppressed one that is present, would make
    annual sums wrong without notice).
    """
    frame = store.read(SOURCE, FILE)
    for measure in J2J_MEASURES:
        published = frame[f"s{measure}"] == STATUS_OK
        inconsistent = published == frame[measure].isna()
        if inconsistent.any():
            row = frame.loc[inconsistent].iloc[0]
            raise DataValidationError(
                f"{SOURCE}/{FILE}", measure,
                f"{int(inconsistent.sum())} value(s) disagree with status flag s{measure} (status 1 must have a value, "
                f"others none), e.g. {row['year']}Q{row['quarter']} sector {row['industry']} firm size {row['firmsize']}",
            )
    return frame.sort_values(["industry", "year", "quarter", "firmsize"], ignore_index=True)


def annual_rates(
    j2j: pd.DataFrame, sectors: Sequence[str], numerator: str = "J2JHire", denominator: str = "MainB",
) -> pd.DataFrame:
    """Per sector and complete year: ``100 · Σ numerator / Σ denominator`` over quarters and firm sizes.

    With the defaults this is the job-to-job hire rate: hires from another job in the quarter per 100 main
    jobs at its start, averaged over the year's four quarters (summing whole years removes the seasonal
    pattern of the unadjusted series). A sector list entry may be a ``+``-joined group (``"51+54"``), whose
    counts are added before dividing. Years missing a quarter or a published cell are dropped for every
    sector, so all sectors cover the same years. Returns ``sector``, ``year``, ``numerator``,
    ``denominator``, ``rate_pct``.
    """
    check_choice("J2J measures", [numerator, denominator], J2J_MEASURES)
    groups = {label: label.split("+") for label in sectors}
    check_choice("J2J sectors (NAICS codes as text, '+' joins a group)",
                 sorted({code for codes in groups.values() for code in codes}), J2J_INDUSTRIES)
    if not groups:
        raise ParameterError(f"J2J sectors: none chosen; choose from {list(J2J_INDUSTRIES)}")
    rows = []
    for label, codes in groups.items():
        part = j2j[j2j["industry"].isin(codes)]
        published = (part[f"s{numerator}"] == STATUS_OK) & (part[f"s{denominator}"] == STATUS_OK)
        cells = part.assign(published=published).groupby("year").agg(
            quarters=("quarter", "nunique"), published=("published", "all"),
            numerator=(numerator, "sum"), denominator=(denominator, "sum"),
        )
        complete = cells[(cells["quarters"] == QUARTERS_PER_YEAR) & cells["published"]]
        rows.append(complete[["numerator", "denominator"]].assign(sector=label).reset_index())
    table = pd.concat(rows, ignore_index=True)
    common = set.intersection(*(set(g["year"]) for _, g in table.groupby("sector")))
    if len(common) < 3:
        raise ParameterError(f"J2J: the sectors {list(groups)} share only {len(common)} complete year(s); a trend needs 3 or more")
    table = table[table["year"].isin(common)].copy()
    table["rate_pct"] = 100 * table["numerator"] / table["denominator"]
    return table[["sector", "year", "numerator", "denominator", "rate_pct"]].sort_values(["sector", "year"], ignore_index=True)
