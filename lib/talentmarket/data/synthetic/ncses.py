"""Synthetic twin of the NCSES AI tables, in the raw layout: hierarchical row labels and
value cells stored as text like ``"['2,590', 'i']"``, formatted the way each real table is.

Known truth: AI R&D of each industry grows at a known annual rate from a known 2019
level (parents are sums of their children; software publishers and computer systems
design take known fractions of their industries), the share of companies using AI by
industry in 2016–18 and in 2021 (health care services and computer systems design are
rows of their own inside their sectors), and the AI share of postings by state. Like the real
tables, some cells are suppressed (``D``), published as a range or as ``*`` (below half
a unit), flagged imputed (``i``) or revised (``r``); the truth lists where.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.ncses import (
    AI_USE_TABLES,
    AI_WORKERS_TABLE,
    BERD_MEASURES,
    BERD_TABLES,
    STATE_TABLE,
)
from talentmarket.data.schemas import schema_for
from talentmarket.data.synthetic import SyntheticSource, source_rng

SOURCE = "ncses_sei_ai_tables"
ALL_NAICS = "21–23, 31–33, 42–81"
ABS_ALL_NAICS = "11, 21–23, 31–33, 42–81"

BERD_LEAVES = {
    "325": ("Manufacturing industries", "Chemicals"),
    "334": ("Manufacturing industries", "Computer and electronic products"),
    "336": ("Manufacturing industries", "Transportation equipment"),
    "22": ("Nonmanufacturing industries", "Utilities"),
    "51": ("Nonmanufacturing industries", "Information"),
    "52": ("Nonmanufacturing industries", "Finance and insurance"),
    "54": ("Nonmanufacturing industries", "Professional, scientific, and technical services"),
    "621–23": ("Nonmanufacturing industries", "Health care services"),
    "other": ("Nonmanufacturing industries", "Other nonmanufacturing"),
}
"""NAICS code → (top-level part, label) of the industries that make up all BERD industries."""
TINY_INDUSTRY = "22"
"""An industry with only a few $ millions of AI R&D: its externally funded part is published as ``*``."""
BERD_SUB_INDUSTRIES = {
    "5112": ("Software publishers", "51"),
    "5415": ("Computer systems design and related services", "54"),
}
"""NAICS code → (label, parent code) of depth-4 rows, each taking a known fraction of its parent
(truth ``sub_industry_share_of_parent``); 5415 is part of the tech group of the migration notebook."""
RENAMED_UNTIL_2020 = {"334": "Computer and electronic product"}
"""Labels the 2019 and 2020 tables spell differently, as the real ones do: the panel must key on NAICS."""
SUPPRESSED_BERD = {("621–23", 2021, "field_artificial_intelligence_r_d_total_amount")}
RANGE_BERD = {("52", 2020, "field_artificial_intelligence_r_d_paid_for_by_others_amount")}
COMPANY_SIZES = [
    ("Small companies", None), ("Small companies", "10&#8211;19<sup>b</sup>"), ("Small companies", "20&#8211;49"),
    ("Large companies", None), ("Large companies", "50 or more"),
]
"""(size group, class) rows of the company-size part; a group's own row has no entries."""

ABS_INDUSTRIES = {
    "325": ("Manufacturing industries", "Chemicals"),
    "334": ("Manufacturing industries", "Computer and electronic products"),
    "51": ("Nonmanufacturing industries", "Information"),
    "52": ("Nonmanufacturing industries", "Finance and insurance"),
    "54": ("Nonmanufacturing industries", "Professional, scientific, and technical services"),
    "5415": ("Nonmanufacturing industries", "Professional, scientific, and technical services", "Computer systems design and related services"),
    "other 54": ("Nonmanufacturing industries", "Professional, scientific, and technical services", "Other professional, scientific, and technical services"),
    "62": ("Nonmanufacturing industries", "Health care and social assistance"),
    "621–23": ("Nonmanufacturing industries", "Health care and social assistance", "Health care services"),
    "624": ("Nonmanufacturing industries", "Health care and social assistance", "Social assistance"),
    "other": ("Nonmanufacturing industries", "Other nonmanufacturing"),
}
"""NAICS code → path below "All industries" of the ABS industry rows, in table order, nested as
the real tables nest them (54 → 5415, 62 → 621–23 and 624, at depth 4)."""
ABS_LEAVES = [code for code, path in ABS_INDUSTRIES.items()
              if not any(len(other) > len(path) and other[:len(path)] == path for other in ABS_INDUSTRIES.values())]
"""Industries without rows below them: the truth is drawn for these; every other row aggregates them."""
STATES = ("California", "District of Columbia", "Florida", "Massachusetts", "New York", "Ohio", "Texas", "Washington")
WORKER_TYPES = ("production", "nonproduction", "supervisory", "nonsupervisory")
WORKER_CHANGES = ("increased", "decreased", "did_not_change", "did_not_employ")

_BERD_FORMAT = {2019: ("{}", "", "i"), 2020: ("{}", "&nbsp;", "i"), 2021: ("{}", "  ", "i "), 2022: ("{}", "  ", "i ")}
"""Year → (number format, no-flag text, imputed-flag text), as the real BERD tables differ by year."""
_PADDED = ("    {} ", "&nbsp;", "r")
_PLAIN = ("{}", "&nbsp;", "r")



def _cell(entry: str, flag: str) -> str:
    return f"[{entry!r}, {flag!r}]"


def _number(value: float, decimals: int, number_format: str) -> str:
    return number_format.format(f"{value:,.{decimals}f}")


def _rows(label: str, paths: list[tuple[list[str], str]], table: str) -> pd.DataFrame:
    """Row-label columns of a table: id, full path, level 1–5, depth, NAICS code."""
    records = []
    for number, (parts, naics) in enumerate(paths, start=1):
        levels = {f"{label}_level_{k}": (parts[k - 1] if k <= len(parts) else "") for k in range(1, 6)}
        records.append({"table_id": int(table), "row_id": f"r{number:03d}", f"{label}_full_path": " -> ".join(parts),
                        **levels, f"{label}_hierarchy_depth": len(parts), "field_naics_code": naics})
    return pd.DataFrame(records)


def _value_columns(table: str) -> list[str]:
    return [c for c in schema_for(SOURCE, f"table_{table}.csv").columns if c.startswith("field_") and c != "field_naics_code"]


# --- BERD: AI R&D by industry, 2019–2022 -----------------------------------------------------------

def _berd_truth(rng: np.random.Generator) -> dict:
    return {
        "ai_rd_2019": {code: float(rng.uniform(2, 4) if code == TINY_INDUSTRY else rng.uniform(100, 5000)) for code in BERD_LEAVES},
        "ai_rd_growth": {code: float(rng.uniform(-0.1, 0.6)) for code in BERD_LEAVES},
        "ai_share_of_rd": {code: float(rng.uniform(0.01, 0.2)) for code in BERD_LEAVES},
        "company_funded_share": {code: 0.95 if code == TINY_INDUSTRY else float(rng.uniform(0.7, 0.95)) for code in BERD_LEAVES},
        "ai_companies_2019": {code: float(rng.uniform(20, 1500)) for code in BERD_LEAVES},
        "sub_industry_share_of_parent": {code: float(rng.uniform(0.3, 0.7)) for code in BERD_SUB_INDUSTRIES},
    }


def _berd_amounts(truth: dict, year: int) -> dict[str, dict[str, float]]:
    """Unrounded values of every BERD industry row in ``year``: leaves from the truth, parents as
    sums, sub-industries as their known fraction of their parent."""
    leaves = {}
    for code in BERD_LEAVES:
        ai = truth["ai_rd_2019"][code] * (1 + truth["ai_rd_growth"][code]) ** (year - 2019)
        companies = truth["ai_companies_2019"][code] * (1 + truth["ai_rd_growth"][code] / 2) ** (year - 2019)
        funded = truth["company_funded_share"][code]
        leaves[code] = {
            "rd_companies": companies * 8, "rd_amount": ai / truth["ai_share_of_rd"][code],
            "ai_rd_companies": companies, "ai_rd_amount": ai,
            "ai_rd_company_funded_companies": companies * 0.9, "ai_rd_company_funded_amount": ai * funded,
            "ai_rd_other_funded_companies": companies * 0.2, "ai_rd_other_funded_amount": ai * (1 - funded),
        }
    totals = {}
    for part in ("Manufacturing industries", "Nonmanufacturing industries"):
        members = [code for code, (top, _) in BERD_LEAVES.items() if top == part]
        totals[part] = {m: sum(leaves[c][m] for c in members) for m in leaves["325"]}
    totals["All industries"] = {m: sum(totals[p][m] for p in ("Manufacturing industries", "Nonmanufacturing industries")) for m in leaves["325"]}
    sub_industries = {
        code: {m: value * truth["sub_industry_share_of_parent"][code] for m, value in leaves[parent].items()}
        for code, (_, parent) in BERD_SUB_INDUSTRIES.items()
    }
    return {**leaves, **totals, **sub_industries}


def _berd_entry(value: float, measure: str, number_format: str) -> str:
    """Companies rounded to tens as NCSES does; amounts in whole $ millions, ``*`` below half a million."""
    if measure.endswith("companies"):
        return _number(max(10.0, round(value, -1)), 0, number_format)
    return "*" if value < 0.5 else _number(round(value), 0, number_format)


def _berd_table(rng: np.random.Generator, truth: dict, table: str, year: int) -> pd.DataFrame:
    number_format, no_flag, imputed = _BERD_FORMAT[year]
    amounts = _berd_amounts(truth, year)
    industry_rows = [(["All industries"], ALL_NAICS, "All industries")]
    for part, naics in (("Manufacturing industries", "31–33"), ("Nonmanufacturing industries", "21–23, 42–81")):
        industry_rows.append((["All industries", part], naics, part))
        for code, (top, label) in BERD_LEAVES.items():
            if top == part:
                name = RENAMED_UNTIL_2020.get(code, label) if year <= 2020 else label
                industry_rows.append((["All industries", part, name], code, code))
                industry_rows += [(["All industries", part, name, sub_label], sub_code, sub_code)
                                  for sub_code, (sub_label, parent) in BERD_SUB_INDUSTRIES.items() if parent == code]
    top_size = "All companies (number of domestic employees)"
    size_rows = [([top_size], "–", "All industries")] + [
        ([top_size, group] + ([size] if size else []), "–" if size else "", size) for group, size in COMPANY_SIZES
    ]
    paths = [(parts, naics) for parts, naics, _ in industry_rows + size_rows]
    frame = _rows("industry_and_company_size", paths, table)
    size_split = {size: share for (_, size), share in zip([s for s in COMPANY_SIZES if s[1]], rng.dirichlet([2, 3, 6]))}
    blank = "" if year == 2019 else "&nbsp;"
    for column, (measure, _) in BERD_MEASURES.items():
        cells = []
        for _, naics, key in industry_rows + size_rows:
            if key is None:
                cells.append(_cell(blank, blank))
                continue
            value = amounts["All industries"][measure] * size_split[key] if key in size_split else amounts[key][measure]
            entry = _berd_entry(value, measure, number_format)
            if (naics, year, column) in SUPPRESSED_BERD:
                entry = "D"
            elif (naics, year, column) in RANGE_BERD:
                entry = f"0 - {_number(round(value) * 3 + 5, 0, number_format)}"
            flag = imputed if key == "All industries" or rng.uniform() < 0.2 else no_flag
            cells.append(_cell(entry, flag))
        frame[column] = cells
    return frame


# --- ABS: AI use by industry and its effect on workers ----------------------------------------------

def _abs_paths() -> list[tuple[list[str], str]]:
    paths = [(["All industries"], ABS_ALL_NAICS)]
    for part, naics in (("Manufacturing industries", "31–33"), ("Nonmanufacturing industries", "11, 21–23, 42–81")):
        paths.append((["All industries", part], naics))
        paths += [(["All industries", *path], code) for code, path in ABS_INDUSTRIES.items() if path[0] == part]
    return paths


def _abs_truth(rng: np.random.Generator) -> dict:
    use_2018 = {code: float(rng.uniform(1, 15)) for code in ABS_LEAVES}
    return {
        "companies": {code: float(rng.uniform(5_000, 500_000)) for code in ABS_LEAVES},
        "ai_use_percent_2016_18": use_2018,
        "ai_use_percent_2021": {code: use * float(rng.uniform(1.0, 2.0)) for code, use in use_2018.items()},
    }


def _weighted(values: dict[str, float], weights: dict[str, float], codes: list[str]) -> float:
    return sum(values[c] * weights[c] for c in codes) / sum(weights[c] for c in codes)


def _abs_use_table(rng: np.random.Generator, truth: dict, table: str) -> pd.DataFrame:
    """Table 5698 (low/moderate/high use in production) or 11545 (a lot/somewhat/a little)."""
    paths = _abs_paths()
    frame = _rows("industry", paths, table)
    columns = _value_columns(table)
    if table == "5698":
        use_key, number_format = "ai_use_percent_2016_18", _PADDED
        use_columns = ["field_low_use", "field_moderate_use", "field_high_use"]
        fixed = {"field_tested_but_not_used_in_production_or_service": lambda: float(rng.uniform(0.2, 1)),
                 "field_don_t_know": lambda: float(rng.uniform(3, 10))}
        rest = "field_did_not_use"
    else:
        use_key, number_format = "ai_use_percent_2021", _PLAIN
        use_columns, fixed, rest = ["field_a_lot", "field_somewhat", "field_a_little"], {}, "field_not_at_all"
    leaves = {}
    for code in ABS_LEAVES:
        parts = dict(zip(use_columns, rng.dirichlet([1, 2, 3]) * truth[use_key][code]))
        parts |= {column: draw() for column, draw in fixed.items()}
        parts[rest] = 100 - sum(parts.values())
        leaves[code] = parts
    companies = truth["companies"]
    rows = _abs_row_values(paths, leaves, companies)
    for column in columns:
        if column == "field_companies_number_":
            frame[column] = [_cell(_number(round(r["companies"]), 0, number_format[0]), number_format[1]) for r in rows]
        else:
            frame[column] = [_cell(_number(r[column], 1, number_format[0]),
                                   number_format[2] if rng.uniform() < 0.05 else number_format[1]) for r in rows]
    return frame


def _abs_members(parts: list[str]) -> list[str]:
    """The leaf industries a row covers: those whose path starts with the row's path."""
    below_all = tuple(parts[1:])
    return [leaf for leaf in ABS_LEAVES if ABS_INDUSTRIES[leaf][:len(below_all)] == below_all]


def _abs_row_values(paths: list[tuple[list[str], str]], leaves: dict[str, dict[str, float]], companies: dict[str, float]) -> list[dict[str, float]]:
    """Each row's values: leaves as drawn, parents company-weighted over their leaves."""
    rows = []
    for parts, _ in paths:
        members = _abs_members(parts)
        values = {column: _weighted({c: leaves[c][column] for c in members}, companies, members) for column in leaves[members[0]]}
        rows.append({"companies": sum(companies[c] for c in members), **values})
    return rows


def _abs_workers_table(rng: np.random.Generator, truth: dict, table: str) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """Table 5710: for AI-using companies, how each worker type changed; some cells suppressed."""
    paths = _abs_paths()
    frame = _rows("industry", paths, table)
    leaves = {}
    for code in ABS_LEAVES:
        leaves[code] = {}
        for workers in WORKER_TYPES:
            shares = rng.dirichlet([1, 0.5, 6, 2]) * 100
            leaves[code] |= {f"field_{workers}_workers_{change}": share for change, share in zip(WORKER_CHANGES, shares)}
    users = {code: truth["companies"][code] * truth["ai_use_percent_2016_18"][code] / 100 for code in ABS_LEAVES}
    rows = _abs_row_values(paths, leaves, users)
    suppressed = set()
    for column in _value_columns(table):
        cells = []
        for (parts, code), row in zip(paths, rows):
            if column == "field_companies_number_":
                cells.append(_cell(_number(round(row["companies"]), 0, _PADDED[0]), _PADDED[1]))
            elif len(parts) >= 3 and rng.uniform() < 0.1:
                suppressed.add((code, column.removeprefix("field_")))
                cells.append(_cell("D", _PADDED[1]))
            else:
                cells.append(_cell(_number(row[column], 1, _PADDED[0]), _PADDED[2] if rng.uniform() < 0.15 else _PADDED[1]))
        frame[column] = cells
    return frame, suppressed


# --- SEI: AI postings by state ---------------------------------------------------------------------

def _state_table(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, float]]:
    shares = {state: float(rng.uniform(0.5, 4.0)) for state in STATES}
    postings = {state: int(rng.integers(400_000, 18_000_000)) for state in STATES}
    ai = {state: round(postings[state] * shares[state] / 100) for state in STATES}
    rows = [(state, ai[state], postings[state]) for state in STATES] + [("Total", sum(ai.values()), sum(postings.values()))]
    frame = pd.DataFrame(rows, columns=["state", "total_unique_ai_related_job_postings", "total_unique_job_postings"])
    frame.insert(0, "table_id", int(STATE_TABLE))
    frame.insert(1, "row_id", [f"r{k:03d}" for k in range(1, len(frame) + 1)])
    frame["percent_of_all_unique_job_postings_that_are_ai_related"] = (
        100 * frame["total_unique_ai_related_job_postings"] / frame["total_unique_job_postings"]).round(2)
    return frame, shares


def generate(source: str, seed: int) -> SyntheticSource:
    """All eight tables, drawn from a generator seeded by ``(seed, source)``.

    Truth: ``ai_rd_2019`` and ``ai_rd_growth`` (NAICS code → US$ millions, annual growth
    rate) with the other BERD parameters, ``sub_industry_share_of_parent`` (5112, 5415 →
    fraction of their parent's every BERD value); ``companies``, ``ai_use_percent_2016_18`` /
    ``ai_use_percent_2021`` (leaf NAICS code of ``ABS_LEAVES`` → companies, percent of companies
    using AI: low+moderate+high use, or a lot+somewhat+a little; other ABS rows aggregate
    their leaves, company-weighted); ``state_ai_share_percent``; where cells are suppressed or ranges.
    """
    rng = source_rng(source, seed)
    berd = _berd_truth(rng)
    abs_truth = _abs_truth(rng)
    frames = {f"table_{table}.csv": _berd_table(rng, berd, table, year) for table, year in BERD_TABLES.items()}
    frames |= {f"table_{table}.csv": _abs_use_table(rng, abs_truth, table) for table in AI_USE_TABLES}
    workers, suppressed_workers = _abs_workers_table(rng, abs_truth, AI_WORKERS_TABLE)
    frames[f"table_{AI_WORKERS_TABLE}.csv"] = workers
    frames[f"table_{STATE_TABLE}.csv"], state_shares = _state_table(rng)
    truth = {
        **berd, **abs_truth, "state_ai_share_percent": state_shares,
        "berd_suppressed": sorted(SUPPRESSED_BERD), "berd_ranges": sorted(RANGE_BERD),
        "worker_impact_suppressed": sorted(suppressed_workers),
    }
    return SyntheticSource(frames=frames, truth=truth)
