"""NCSES (NSF) tables on AI: AI job postings by state, AI use and its effect on
workers by industry (Annual Business Survey) and AI R&D by industry (BERD survey).

The tables were machine-converted from NCSES web tables, so every value cell is
text holding a Python list, ``"['2,590', 'i']"``: a published entry and a flag.
:func:`parse_cell` is the one parser for those cells. It keeps what the entry says
instead of forcing it into a number:

* ``reported`` — a number (thousands separators and padding removed);
* ``suppressed`` — ``D``, withheld to avoid disclosing individual companies;
* ``range`` — ``"0 - 1,769"``, published only as bounds to avoid disclosure;
* ``below_half_unit`` — ``*``, more than zero but less than half the unit shown
  (below $500,000 where amounts are in $ millions);
* ``blank`` — no entry (heading rows such as "Small companies").

``value`` is a number only for ``reported`` cells; ``low``/``high`` bound every
cell that has bounds (equal to ``value`` when reported). The flag is kept as
published: ``i`` imputed (for BERD: more than half of the estimate imputed), ``r``
revised, ``""`` none. The loaders return long, tidy frames — one row per table
row × measure — so flags and statuses travel with every number.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import pandas as pd

from talentmarket.data.schemas import NCSES_COMPANIES_COLUMN, schema_for
from talentmarket.data.store import DataStore
from talentmarket.errors import DataValidationError, ParameterError

SOURCE = "ncses_sei_ai_tables"

STATUSES: dict[str, str] = {
    "reported": "published number",
    "suppressed": "D: withheld to avoid disclosing data of individual companies",
    "range": "published only as a range (low – high) to avoid disclosure",
    "below_half_unit": "*: more than zero but less than half the unit shown",
    "blank": "no entry (heading row or not applicable)",
}
FLAGS: dict[str, str] = {"": "none", "i": "imputed", "r": "revised"}

STATE_TABLE = "6209"
AI_USE_TABLES: dict[str, str] = {"5698": "2016–18", "11545": "2021"}
"""ABS tables on AI use by industry → reference period. 5698 asks about AI as a production
technology (low/moderate/high use); 11545 about using AI at all (a lot / somewhat / a little)."""
AI_WORKERS_TABLE = "5710"
AI_WORKERS_PERIOD = "2016–18"
BERD_TABLES: dict[str, int] = {"6562": 2019, "8813": 2020, "9667": 2021, "12281": 2022}
"""BERD tables on companies' AI R&D by industry and company size → reference year."""
BERD_BREAKDOWNS: dict[str, str] = {"industry": "All industries", "company_size": "All companies (number of domestic employees)"}
"""Each BERD table stacks two breakdowns; the top label of a row's path says which."""

BERD_MEASURES: dict[str, tuple[str, str]] = {
    "field_domestic_r_d_companiesa_number_": ("rd_companies", "companies"),
    "field_domestic_r_d_amount": ("rd_amount", "US$ millions"),
    "field_artificial_intelligence_r_d_total_companiesa_number_": ("ai_rd_companies", "companies"),
    "field_artificial_intelligence_r_d_total_amount": ("ai_rd_amount", "US$ millions"),
    "field_artificial_intelligence_r_d_paid_for_by_the_company_companiesa_number_": ("ai_rd_company_funded_companies", "companies"),
    "field_artificial_intelligence_r_d_paid_for_by_the_company_amount": ("ai_rd_company_funded_amount", "US$ millions"),
    "field_artificial_intelligence_r_d_paid_for_by_others_companiesa_number_": ("ai_rd_other_funded_companies", "companies"),
    "field_artificial_intelligence_r_d_paid_for_by_others_amount": ("ai_rd_other_funded_amount", "US$ millions"),
}
"""BERD value columns → (measure, unit). The ``a`` in ``companiesa`` is a footnote marker."""

_CELL = re.compile(r"^\[\s*'([^']*)'\s*,\s*'([^']*)'\s*\]$")
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_REPORTED = re.compile(rf"^{_NUMBER}$")
_RANGE = re.compile(rf"^({_NUMBER})\s*-\s*({_NUMBER})$")
_NO_ENTRY = {"", "&nbsp;"}
_FOOTNOTE_OR_TAG = re.compile(r"<sup>.*?</sup>|<[^>]+>")
"""A footnote marker such as ``<sup>b</sup>`` (dropped with its letter) or any other HTML tag."""

TIDY_COLUMNS = [
    "table_id", "period", "row_id", "breakdown", "industry", "industry_path", "parent", "depth", "naics_code",
    "measure", "unit", "value", "low", "high", "status", "flag",
]


@dataclass(frozen=True)
class Cell:
    """One parsed NCSES value cell."""

    value: float
    low: float
    high: float
    status: str
    flag: str


def parse_cell(text: str, *, table: str = "?", column: str = "?", row: str = "?") -> Cell:
    """Parse one cell such as ``"['2,590', 'i']"``; see the module docstring for the statuses.

    ``table``, ``column`` and ``row`` only label the error raised for a malformed cell.
    """
    match = _CELL.match(text) if isinstance(text, str) else None
    if match is None:
        raise _cell_error(table, column, row, text, "expected text like \"['2,590', 'i']\"")
    entry, flag_text = match.group(1).strip(), match.group(2).strip()
    flag = "" if flag_text in _NO_ENTRY else flag_text
    if flag not in FLAGS:
        raise _cell_error(table, column, row, text, f"unknown flag {flag!r}; known flags: {sorted(FLAGS)}")
    nan = math.nan
    if _REPORTED.match(entry):
        number = _to_number(entry)
        return Cell(number, number, number, "reported", flag)
    if range_match := _RANGE.match(entry):
        low, high = _to_number(range_match.group(1)), _to_number(range_match.group(2))
        if low > high:
            raise _cell_error(table, column, row, text, f"range low {low} exceeds high {high}")
        return Cell(nan, low, high, "range", flag)
    if entry == "D":
        return Cell(nan, nan, nan, "suppressed", flag)
    if entry == "*":
        return Cell(nan, 0.0, 0.5, "below_half_unit", flag)
    if entry in _NO_ENTRY:
        return Cell(nan, nan, nan, "blank", flag)
    raise _cell_error(table, column, row, text, "entry is not a number, a range 'a - b', 'D', '*' or blank")


def _to_number(text: str) -> float:
    return float(text.replace(",", ""))


def _cell_error(table: str, column: str, row: str, text: object, problem: str) -> DataValidationError:
    return DataValidationError(f"{SOURCE}/table_{table}.csv", column, f"row {row}: cannot parse cell {text!r}: {problem}")


def parse_table(raw: pd.DataFrame, table: str, period: str, measures: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """A raw NCSES industry table (one row per table row, text cells) → long tidy frame.

    ``measures`` maps each value column to ``(measure name, unit)``. Row labels are
    cleaned of HTML entities and footnote tags; ``depth`` is the hierarchy depth
    (1 = "All industries"), ``parent`` the label one level up, ``breakdown`` says
    whether a row belongs to the industry or the company-size part of the table.
    """
    label = "industry_and_company_size" if "industry_and_company_size_full_path" in raw.columns else "industry"
    paths = raw[f"{label}_full_path"].map(_clean_path)
    rows = pd.DataFrame(
        {
            "row_id": raw["row_id"],
            "industry_path": paths.map(" -> ".join),
            "industry": paths.str[-1],
            "parent": paths.map(lambda parts: parts[-2] if len(parts) > 1 else ""),
            "breakdown": paths.str[0].map({top: name for name, top in BERD_BREAKDOWNS.items()}),
            "depth": raw[f"{label}_hierarchy_depth"].astype("int64"),
            "naics_code": raw["field_naics_code"].fillna("").str.strip().replace("–", ""),
        }
    )
    unknown = rows["breakdown"].isna()
    if unknown.any():
        first = rows.loc[unknown].iloc[0]
        raise _cell_error(table, f"{label}_full_path", first["row_id"], first["industry_path"],
                          f"rows must start with one of {sorted(BERD_BREAKDOWNS.values())}")
    # One block of rows per measure, built in one go: a frame per measure, joined and stacked, cost
    # ten times more. Cells become plain tuples, as pandas builds a frame from dataclasses one dict at a time.
    cells = [
        (cell.value, cell.low, cell.high, cell.status, cell.flag)
        for column in measures
        for cell in (parse_cell(text, table=table, column=column, row=row) for text, row in zip(raw[column], raw["row_id"]))
    ]
    tidy = rows.iloc[list(range(len(rows))) * len(measures)].reset_index(drop=True)
    tidy["measure"] = [measure for measure, _ in measures.values() for _ in range(len(rows))]
    tidy["unit"] = [unit for _, unit in measures.values() for _ in range(len(rows))]
    tidy[["value", "low", "high", "status", "flag"]] = pd.DataFrame(cells, columns=["value", "low", "high", "status", "flag"])
    return tidy.assign(table_id=table, period=period)[TIDY_COLUMNS]


def _clean_path(path: str) -> list[str]:
    """``"A -> B<sup>b</sup> -> 10&#8211;19"`` → ``["A", "B", "10–19"]``."""
    return [" ".join(html.unescape(_FOOTNOTE_OR_TAG.sub("", part)).split()) for part in path.split(" -> ")]


def read_table(store: DataStore, table: str) -> pd.DataFrame:
    """The validated raw frame of ``table_<table>.csv`` (value cells still text)."""
    return store.read(SOURCE, f"table_{table}.csv")


def _abs_measures(table: str, companies_unit: str, percent_unit: str) -> dict[str, tuple[str, str]]:
    columns = schema_for(SOURCE, f"table_{table}.csv").columns
    return {
        column: ("companies", companies_unit) if column == NCSES_COMPANIES_COLUMN else (column.removeprefix("field_"), percent_unit)
        for column in columns
        if column.startswith("field_") and column != "field_naics_code"
    }


def load_ai_use(store: DataStore) -> pd.DataFrame:
    """AI use by industry from the ABS: tables 5698 (2016–18) and 11545 (2021), long and tidy.

    Measure ``companies`` is the number of companies in the industry; the others are
    percent of those companies giving each answer. The two tables asked different
    questions, so their answer categories differ; ``period`` tells them apart.
    """
    frames = [
        parse_table(read_table(store, table), table, period, _abs_measures(table, "companies", "% of companies"))
        for table, period in AI_USE_TABLES.items()
    ]
    return pd.concat(frames, ignore_index=True)


def load_ai_worker_impact(store: DataStore) -> pd.DataFrame:
    """Table 5710: among companies using AI in 2016–18, the percent reporting that AI
    increased, decreased or did not change the number of each worker type, by industry.

    Measure ``companies`` is the number of AI-using companies; the others look like
    ``production_workers_increased`` (percent of AI-using companies).
    """
    measures = _abs_measures(AI_WORKERS_TABLE, "AI-using companies", "% of AI-using companies")
    return parse_table(read_table(store, AI_WORKERS_TABLE), AI_WORKERS_TABLE, AI_WORKERS_PERIOD, measures)


def load_berd_ai_rd(store: DataStore, breakdown: str = "industry") -> pd.DataFrame:
    """Companies' domestic R&D and AI R&D, 2019–2022, as one long panel (BERD tables
    6562, 8813, 9667, 12281), with a ``year`` column.

    ``breakdown="industry"`` keeps the industry rows, keyed across years by NAICS code
    (labels changed slightly between years, e.g. "component" → "components"; the latest
    label is used). ``breakdown="company_size"`` keeps the company-size rows. NAICS
    codes that exist only in some years (2019 used 541711/541712 before the split into
    541713–541715) appear only in those years.
    """
    if breakdown not in BERD_BREAKDOWNS:
        raise ParameterError(f"breakdown {breakdown!r} is not one of {sorted(BERD_BREAKDOWNS)}")
    frames = [
        parse_table(read_table(store, table), table, str(year), BERD_MEASURES).assign(year=year)
        for table, year in BERD_TABLES.items()
    ]
    panel = pd.concat(frames, ignore_index=True)
    panel = panel[panel["breakdown"] == breakdown].reset_index(drop=True)
    key = "naics_code" if breakdown == "industry" else "industry_path"
    if breakdown == "industry":
        latest = panel.loc[panel["year"] == panel["year"].max()].drop_duplicates(key).set_index(key)
        for column in ("industry", "industry_path", "parent"):
            panel[column] = panel[key].map(latest[column]).fillna(panel[column])
    duplicated = panel.duplicated([key, "year", "measure"])
    if duplicated.any():
        example = panel.loc[duplicated, [key, "year"]].iloc[0].tolist()
        raise DataValidationError(SOURCE, key, f"BERD rows repeat within a year, e.g. {example}; cannot form a panel")
    return panel


def load_ai_postings_by_state(store: DataStore) -> pd.DataFrame:
    """Table 6209: unique AI-related and all job postings by state (50 states and DC,
    Oct 2016–Sep 2021, Emsi Burning Glass data published by NCSES).

    The table's "Total" row is checked against the sum of the states and then dropped.
    """
    raw = store.read(SOURCE, f"table_{STATE_TABLE}.csv")
    frame = raw.rename(
        columns={
            "total_unique_ai_related_job_postings": "ai_postings",
            "total_unique_job_postings": "all_postings",
            "percent_of_all_unique_job_postings_that_are_ai_related": "ai_share_percent",
        }
    )[["state", "ai_postings", "all_postings", "ai_share_percent"]]
    is_total = frame["state"] == "Total"
    if is_total.sum() != 1:
        raise DataValidationError(f"{SOURCE}/table_{STATE_TABLE}.csv", "state", f"expected one 'Total' row, found {is_total.sum()}")
    states, total = frame[~is_total], frame[is_total].iloc[0]
    for column in ("ai_postings", "all_postings"):
        if states[column].sum() != total[column]:
            raise DataValidationError(
                f"{SOURCE}/table_{STATE_TABLE}.csv", column,
                f"states sum to {states[column].sum():,.0f} but the Total row says {total[column]:,.0f}",
            )
    return states.sort_values("state").reset_index(drop=True)
