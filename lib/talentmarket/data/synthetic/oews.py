"""Synthetic twin of the OEWS May 2025 extract: both files, in the raw schema, with known
occupation wage ratios, area and sector wage factors and industry employment shares.

Wages: the median annual wage of an occupation in a cell is
``national median of all occupations × occupation ratio × area factor × sector factor``;
the percentiles follow a lognormal with a known spread per occupation. Employment:
each occupation's national total is split over the 20 NAICS sectors by known shares
(and a few 3-digit industries take known fractions of their sector), and over a
handful of states and metropolitan areas. Like the real files, values are rounded as
BLS rounds them and some cells are not released (missing, footnote ``8``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentmarket.data.oews import (
    ALL_OCCUPATIONS,
    AREA_FILE,
    CROSS_INDUSTRY,
    INDUSTRY_FILE,
    NOT_RELEASED,
    SELECTED_OCCUPATIONS,
)
from talentmarket.data.schemas import OEWS_SCHEMA
from talentmarket.data.synthetic import SyntheticSource, source_rng

TITLES = {
    "00-0000": "All Occupations", "15-0000": "Computer and Mathematical Occupations", "15-1200": "Computer Occupations",
    "15-1211": "Computer Systems Analysts", "15-1212": "Information Security Analysts",
    "15-1221": "Computer and Information Research Scientists", "15-1241": "Computer Network Architects",
    "15-1242": "Database Administrators", "15-1243": "Database Architects",
    "15-1244": "Network and Computer Systems Administrators", "15-1251": "Computer Programmers",
    "15-1252": "Software Developers", "15-1253": "Software Quality Assurance Analysts and Testers",
    "15-1254": "Web Developers", "15-1299": "Computer Occupations, All Other",
    "15-2000": "Mathematical Science Occupations", "15-2031": "Operations Research Analysts",
    "15-2041": "Statisticians", "15-2051": "Data Scientists",
}
GROUPS = {"15-0000": "15-", "15-1200": "15-12", "15-2000": "15-20"}
"""Occupation groups → prefix of the detailed occupations they add up."""
DETAILED = tuple(code for code in SELECTED_OCCUPATIONS if code != ALL_OCCUPATIONS and code not in GROUPS)

SECTORS = {
    "11--12": ("11", "Sector 11 - Agriculture, Forestry, Fishing and Hunting"),
    "21--22": ("21", "Sector 21 - Mining, Quarrying, and Oil and Gas Extraction"),
    "22--23": ("22", "Sector 22 - Utilities"),
    "23--24": ("23", "Sector 23 - Construction"),
    "31--34": ("31-33", "Sectors 31, 32, and 33 - Manufacturing"),
    "42--43": ("42", "Sector 42 - Wholesale Trade"),
    "44--46": ("44-45", "Sectors 44 and 45 - Retail Trade"),
    "48--50": ("48-49", "Sectors 48 and 49 - Transportation and Warehousing"),
    "51--52": ("51", "Sector 51 - Information"),
    "52--53": ("52", "Sector 52 - Finance and Insurance"),
    "53--54": ("53", "Sector 53 - Real Estate and Rental and Leasing"),
    "54--55": ("54", "Sector 54 - Professional, Scientific, and Technical Services"),
    "55--56": ("55", "Sector 55 - Management of Companies and Enterprises"),
    "56--57": ("56", "Sector 56 - Administrative and Support and Waste Management and Remediation Services"),
    "61--62": ("61", "Sector 61 - Educational Services"),
    "62--63": ("62", "Sector 62 - Health Care and Social Assistance"),
    "71--72": ("71", "Sector 71 - Arts, Entertainment, and Recreation"),
    "72--73": ("72", "Sector 72 - Accommodation and Food Services"),
    "81--82": ("81", "Sector 81 - Other Services (except Public Administration)"),
    "99-100": ("99", "Sector 99 - Federal, State, and Local Government, excl. State & Local Schools & Hospitals & USPS"),
}
"""Industry code → (NAICS sector, name), as in the real file."""
SUBSECTORS = {
    "334000": ("31--34", "Computer and Electronic Product Manufacturing"),
    "522000": ("52--53", "Credit Intermediation and Related Activities"),
    "541500": ("54--55", "Computer Systems Design and Related Services"),
    "622000": ("62--63", "Hospitals"),
}
"""Finer industries (display level 3) → (parent sector code, name)."""
TECH_LEANING = ("51--52", "54--55")
STATES = {"06": "California", "12": "Florida", "25": "Massachusetts", "36": "New York", "39": "Ohio",
          "48": "Texas", "53": "Washington", "72": "Puerto Rico"}
METROS_PER_STATE = 3
STATE_SHARE_OF_NATION = 0.5
"""The synthetic states hold half of national employment (the real files cover all 54)."""
_Z = {"10th_percentile": -1.2815516, "25th_percentile": -0.6744898, "median": 0.0, "75th_percentile": 0.6744898, "90th_percentile": 1.2815516}
HOURS_PER_YEAR = 2080
LOCAL_CONCENTRATION_SD = 0.3
"""Spread of an occupation's local concentration (log scale): location quotients vary around 1."""
UNRELEASED_SHARE = 0.1
"""Share of detailed-occupation cells in metro areas and finer industries that BLS does not release."""



def _areas() -> list[tuple[str, str, str, str]]:
    """(areatype, area code, state FIPS, name): the nation, the states, and metro and nonmetro areas."""
    areas = [("N", "0000000", "00", "National")]
    for fips, name in STATES.items():
        areas.append(("S", f"{fips}00000", fips, name))
        for k in range(1, METROS_PER_STATE + 1):
            areas.append(("M", f"00{fips}{k:03d}", fips, f"Synthetic City {k}, {name}"))
        areas.append(("M", f"{fips}00001", fips, f"Rest of {name} nonmetropolitan area"))
    return areas


def _draw_truth(rng: np.random.Generator, areas: list[tuple[str, str, str, str]]) -> dict:
    ratios = {code: float(rng.uniform(1.4, 3.0)) for code in DETAILED}
    ratios |= {code: float(rng.uniform(1.8, 2.4)) for code in GROUPS} | {ALL_OCCUPATIONS: 1.0}
    employment = {code: float(rng.integers(20_000, 1_500_000)) for code in DETAILED}
    employment |= {group: sum(employment[c] for c in DETAILED if c.startswith(prefix)) for group, prefix in GROUPS.items()}
    employment[ALL_OCCUPATIONS] = 155_000_000.0
    tilt = np.array([4.0 if code in TECH_LEANING else 1.0 for code in SECTORS])
    sectors = [sector for sector, _ in SECTORS.values()]
    shares = {occ: dict(zip(sectors, rng.dirichlet(tilt * (1 if occ == ALL_OCCUPATIONS else 2)).tolist())) for occ in SELECTED_OCCUPATIONS}
    return {
        "national_median_wage_all": float(rng.uniform(48_000, 54_000)),
        "median_wage_ratio": ratios,
        "log_wage_sd": {code: float(rng.uniform(0.3, 0.55)) for code in SELECTED_OCCUPATIONS},
        "national_employment": employment,
        "sector_employment_share": shares,
        "subsector_fraction": {code: float(rng.uniform(0.2, 0.6)) for code in SUBSECTORS},
        "area_wage_factor": {code: 1.0 if kind == "N" else float(np.exp(rng.normal(0, 0.08 if kind == "S" else 0.15)))
                             for kind, code, _, _ in areas},
        "sector_wage_factor": {SECTORS[code][0]: float(rng.uniform(0.85, 1.15)) for code in SECTORS},
    }


def _wage_values(median: float, log_sd: float) -> dict[str, float]:
    """Mean, percentiles (annual rounded to $10, hourly to cents) of a lognormal with this median."""
    annual = {pct: median * np.exp(z * log_sd) for pct, z in _Z.items()}
    annual["mean"] = median * np.exp(log_sd**2 / 2)
    values = {}
    for name, value in annual.items():
        suffix = "mean_wage" if name == "mean" else f"{name}_wage"
        values[f"annual_{suffix}"] = float(np.round(value, -1))
        values[f"hourly_{suffix}"] = float(np.round(value / HOURS_PER_YEAR, 2))
    return values


def _cell(rng: np.random.Generator, truth: dict, occ: str, employment: float, wage_factor: float) -> dict:
    median = truth["national_median_wage_all"] * truth["median_wage_ratio"][occ] * wage_factor
    return {
        "occ_code": occ, "occ_title": TITLES[occ],
        "employment": float(np.round(employment, -1)),
        "employment_percent_relative_standard_error": float(np.round(rng.uniform(0.3, 9.0), 1)),
        "wage_percent_relative_standard_error": float(np.round(rng.uniform(0.2, 5.0), 1)),
        **_wage_values(median, truth["log_wage_sd"][occ]),
        "footnote_codes": None,
    }


def _withhold(rng: np.random.Generator, frame: pd.DataFrame, eligible: pd.Series) -> pd.DataFrame:
    """Mark a random share of eligible rows as not released: employment or wages missing, footnote 8."""
    draw = rng.uniform(size=len(frame))
    employment_hidden = eligible & (draw < UNRELEASED_SHARE / 2)
    wages_hidden = eligible & (draw >= UNRELEASED_SHARE / 2) & (draw < UNRELEASED_SHARE)
    wage_columns = [c for c in frame.columns if c.endswith("_wage") or c == "wage_percent_relative_standard_error"]
    employment_columns = ["employment", "employment_percent_relative_standard_error", "employment_per_1_000_jobs", "location_quotient"]
    frame.loc[employment_hidden, employment_columns] = np.nan
    frame.loc[wages_hidden, wage_columns] = np.nan
    frame.loc[employment_hidden | wages_hidden, "footnote_codes"] = NOT_RELEASED
    return frame


def _area_file(rng: np.random.Generator, truth: dict, areas: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    weights = {code: float(rng.uniform(0.5, 2.0)) for kind, code, _, _ in areas if kind != "N"}
    state_weight = sum(weights[code] for kind, code, _, _ in areas if kind == "S")
    rows = []
    for kind, code, fips, name in areas:
        state_code = f"{fips}00000"
        if kind == "N":
            share = 1.0
        elif kind == "S":
            share = STATE_SHARE_OF_NATION * weights[code] / state_weight
        else:
            in_state = [c for (k, c, f, _) in areas if k == "M" and f == fips]
            share = STATE_SHARE_OF_NATION * weights[state_code] / state_weight * weights[code] / sum(weights[c] for c in in_state)
        for occ in SELECTED_OCCUPATIONS:
            concentration = 1.0 if kind == "N" or occ == ALL_OCCUPATIONS else float(np.exp(rng.normal(0, LOCAL_CONCENTRATION_SD)))
            employment = truth["national_employment"][occ] * share * concentration
            rows.append({"areatype_code": kind, "area_code": code, "state_code": fips, "area_name": name,
                         **_cell(rng, truth, occ, employment, truth["area_wage_factor"][code])})
    frame = pd.DataFrame(rows).assign(industry_code=CROSS_INDUSTRY, industry_name="Cross-Industry, Private, Federal, State, and Local",
                                      industry_display_level=0)
    all_jobs = frame[frame["occ_code"] == ALL_OCCUPATIONS].set_index("area_code")["employment"]
    per_thousand = 1000 * frame["employment"] / frame["area_code"].map(all_jobs)
    national = per_thousand[frame["areatype_code"] == "N"].set_axis(frame.loc[frame["areatype_code"] == "N", "occ_code"])
    is_national = frame["areatype_code"] == "N"
    frame["employment_per_1_000_jobs"] = per_thousand.round(3).where(~is_national)
    frame["location_quotient"] = (per_thousand / frame["occ_code"].map(national)).round(2).where(~is_national)
    eligible = (frame["areatype_code"] == "M") & frame["occ_code"].isin(DETAILED)
    return _withhold(rng, frame, eligible)


def _industry_file(rng: np.random.Generator, truth: dict) -> pd.DataFrame:
    industries = [(CROSS_INDUSTRY, "Cross-Industry, Private, Federal, State, and Local", 0, "", 1.0)]
    industries.append(("000001", "Cross-industry, Private Ownership only", 1, "", 1.0))
    industries += [(code, name, 2, code, truth["sector_wage_factor"][sector]) for code, (sector, name) in SECTORS.items()]
    industries += [(code, name, 3, parent, truth["sector_wage_factor"][SECTORS[parent][0]]) for code, (parent, name) in SUBSECTORS.items()]
    rows = []
    for industry_code, industry_name, level, sector_code, wage_factor in industries:
        for occ in SELECTED_OCCUPATIONS:
            total = truth["national_employment"][occ]
            shares = truth["sector_employment_share"][occ]
            if industry_code == CROSS_INDUSTRY:
                employment = total
            elif industry_code == "000001":
                employment = total * (1 - shares["99"])
            elif level == 2:
                employment = total * shares[SECTORS[industry_code][0]]
            else:
                employment = total * shares[SECTORS[sector_code][0]] * truth["subsector_fraction"][industry_code]
            rows.append({"industry_code": industry_code, "industry_name": industry_name, "industry_display_level": level,
                         **_cell(rng, truth, occ, employment, wage_factor)})
    frame = pd.DataFrame(rows).assign(areatype_code="N", area_code="0000000", state_code="00", area_name="National",
                                      employment_per_1_000_jobs=np.nan, location_quotient=np.nan)
    eligible = (frame["industry_display_level"] == 3) & frame["occ_code"].isin(DETAILED)
    return _withhold(rng, frame, eligible)


def _in_file_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Raw column order, rows in BLS key order (area type, area, industry, occupation)."""
    return frame.sort_values(["areatype_code", "area_code", "industry_code", "occ_code"], ignore_index=True)[list(OEWS_SCHEMA.columns)]


def generate(source: str, seed: int) -> SyntheticSource:
    """Both OEWS files, drawn from a generator seeded by ``(seed, source)``.

    Truth: ``national_median_wage_all``; ``median_wage_ratio`` (occupation median ÷
    all-occupation median, the same in every area and industry); ``log_wage_sd``;
    ``national_employment``; ``sector_employment_share`` (occupation → NAICS sector
    such as ``"52"`` or ``"31-33"`` → share of national employment); ``subsector_fraction``;
    ``area_wage_factor`` (area code → factor); ``sector_wage_factor`` (NAICS sector → factor).
    """
    rng = source_rng(source, seed)
    areas = _areas()
    truth = _draw_truth(rng, areas)
    frames = {
        AREA_FILE: _in_file_order(_area_file(rng, truth, areas)),
        INDUSTRY_FILE: _in_file_order(_industry_file(rng, truth)),
    }
    return SyntheticSource(frames=frames, truth=truth)
