"""Job-history files (one row per spell or per person and period): read, validate, and turn into a person-year panel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from talentmarket.errors import DataValidationError, ParameterError

DEFAULT_SECTORS: tuple[str, ...] = (
    "tech", "finance", "health_care", "manufacturing", "professional_services", "government_education", "other",
)
"""The sector codes a job-history file uses unless the caller names its own list."""

REQUIRED_COLUMNS = ("person_id", "sector", "ai_role")
PERIOD_COLUMNS = ("period",)
SPELL_COLUMNS = ("start_date", "end_date")
SNAPSHOT_MONTH_DAY = (7, 1)
"""Spells are read on 1 July of each year: the sector held that day is the year's sector."""

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def read_job_history(path: str | Path, sectors: Sequence[str] = DEFAULT_SECTORS) -> pd.DataFrame:
    """Read a job-history CSV or Parquet file and return the validated person-period panel."""
    path = Path(path).expanduser()
    source = f"job history {path.name}"
    if not path.is_file():
        raise ParameterError(f"job-history file {path} does not exist; pass the path of a CSV or Parquet file")
    try:
        raw = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as error:
        raise DataValidationError(source, None, f"not a readable CSV or Parquet file: {error}") from None
    return validate_job_history(raw, sectors, source=source)


def validate_job_history(
    frame: pd.DataFrame, sectors: Sequence[str] = DEFAULT_SECTORS, *, source: str = "job history"
) -> pd.DataFrame:
    """Check a job-history frame and return one row per person and period.

    Output columns: ``person_id`` (str), ``period`` (int), ``sector`` (str),
    ``ai_role`` (bool) and ``country`` when given, sorted by person and period.
    Raises DataValidationError naming the column and problem for missing columns,
    unreadable values, unknown sectors, overlapping spells and panels too short to
    contain a transition.
    """
    if frame.empty:
        raise DataValidationError(source, None, "no rows: the job history is empty")
    for column in REQUIRED_COLUMNS:
        _require(frame, column, source)
    if "period" in frame.columns:
        panel = _periods_from_rows(frame, source)
    elif all(column in frame.columns for column in SPELL_COLUMNS):
        panel = _periods_from_spells(frame, source)
    else:
        raise DataValidationError(
            source, "period",
            f"missing column: give either 'period' or both 'start_date' and 'end_date' (found {sorted(map(str, frame.columns))})",
        )
    _check_sectors(panel, sectors, source)
    panel = sort_by_person_and_period(panel)
    _check_transitions_possible(panel, source)
    return panel


def sort_by_person_and_period(panel: pd.DataFrame) -> pd.DataFrame:
    """``panel`` sorted by person and period, with a new range index.

    A panel whose rows are already in that order with no person and period twice (as files and the synthetic
    twin usually come, and as :func:`validate_job_history` returns them) is not sorted again: the order is
    checked row against row (:func:`_in_strict_order`), a fraction of the cost of sorting on a string column.
    """
    if _in_strict_order(panel):
        return panel.reset_index(drop=True)
    return panel.sort_values(["person_id", "period"], ignore_index=True)


def _in_strict_order(panel: pd.DataFrame) -> bool:
    """Whether each row's (person, period) is greater than the previous row's: sorted, and no pair twice.

    Person ids compare as ``sort_values`` orders them (strings by code point, numbers by value)."""
    person, period = panel["person_id"].to_numpy(), panel["period"].to_numpy()
    later, earlier = person[1:], person[:-1]
    return bool(((later > earlier) | ((later == earlier) & (period[1:] > period[:-1]))).all())


def _require(frame: pd.DataFrame, column: str, source: str) -> None:
    if column not in frame.columns:
        raise DataValidationError(
            source, column,
            f"missing column (required: {list(REQUIRED_COLUMNS)} plus 'period' or 'start_date'/'end_date'; "
            f"found {sorted(map(str, frame.columns))})",
        )
    if frame[column].isna().any():
        rows = frame.index[frame[column].isna()][:5].tolist()
        raise DataValidationError(source, column, f"missing values in rows {rows}")


def _common_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """person_id, sector, ai_role (and country) in canonical types."""
    out = pd.DataFrame({
        "person_id": frame["person_id"].astype(str),
        "sector": frame["sector"].astype(str).str.strip(),
        "ai_role": _parse_flags(frame["ai_role"], source),
    }, index=frame.index)
    if "country" in frame.columns:
        country = frame["country"].astype(str).str.strip().str.upper()
        distinct = pd.Series(country.unique())  # a handful of codes: the pattern is matched once per code, not per row
        bad = sorted(distinct[~distinct.str.fullmatch(r"[A-Z]{2}")])
        if bad:
            raise DataValidationError(source, "country", f"expected ISO 3166 alpha-2 codes such as US, GB; found {bad[:5]}")
        out["country"] = country
    return out


def _parse_flags(values: pd.Series, source: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):  # already flags (no missing values: _require checked), no text to read
        return values.astype(bool)
    text = values.astype(str).str.strip().str.lower()
    bad = sorted(set(text[~text.isin(_TRUE | _FALSE)]))
    if bad:
        raise DataValidationError(source, "ai_role", f"expected true/false, 1/0 or yes/no; found {bad[:5]}")
    return text.isin(_TRUE)


def _periods_from_rows(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    period = pd.to_numeric(frame["period"], errors="coerce")
    bad = frame.loc[period.isna() | (period != period.round()), "period"]
    if len(bad):
        raise DataValidationError(source, "period", f"wrong type: expected whole numbers such as 2021; found {sorted(map(str, set(bad)))[:5]}")
    panel = _common_columns(frame, source)
    panel["period"] = period.astype("int64")
    # rows in strict order hold no person and period twice; only other panels are searched for the clash
    clashes = panel.iloc[:0] if _in_strict_order(panel) else panel[panel.duplicated(["person_id", "period"], keep=False)]
    if len(clashes):
        first = clashes.iloc[0]
        raise DataValidationError(
            source, "period",
            f"overlapping rows: person {first['person_id']!r} has {int((clashes['person_id'] == first['person_id']).sum())} rows "
            f"in period {first['period']}; give one row per person and period",
        )
    return panel[["person_id", "period", "sector", "ai_role", *(["country"] if "country" in panel else [])]]


def _periods_from_spells(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    spells = _common_columns(frame, source)
    for column in SPELL_COLUMNS:
        blank = frame[column].isna() | frame[column].astype(str).str.strip().eq("")
        parsed = pd.to_datetime(frame[column].where(~blank), errors="coerce", format="ISO8601")
        unreadable = ~blank & parsed.isna()
        if unreadable.any() or (column == "start_date" and blank.any()):
            examples = sorted(map(str, set(frame.loc[unreadable | blank, column])))[:5]
            raise DataValidationError(source, column, f"wrong type: expected ISO dates such as 2021-03-01; found {examples}")
        spells[column] = parsed
    panel_end = spells[["start_date", "end_date"]].max().max()
    spells["end_date"] = spells["end_date"].fillna(panel_end)
    backwards = spells[spells["end_date"] < spells["start_date"]]
    if len(backwards):
        first = backwards.iloc[0]
        raise DataValidationError(source, "end_date", f"spell of person {first['person_id']!r} ends ({first['end_date'].date()}) before it starts ({first['start_date'].date()})")
    _check_overlaps(spells, source)
    return _snapshot_spells(spells)


def _check_overlaps(spells: pd.DataFrame, source: str) -> None:
    """Two spells of one person overlap when the later one starts before the earlier one ends."""
    ordered = spells.sort_values(["person_id", "start_date", "end_date"])
    previous_end = ordered.groupby("person_id")["end_date"].shift()
    overlapping = ordered[ordered["start_date"] < previous_end]
    if len(overlapping):
        first = overlapping.iloc[0]
        raise DataValidationError(
            source, "start_date",
            f"overlapping spells: person {first['person_id']!r} starts a spell on {first['start_date'].date()} before "
            f"the previous one ends ({previous_end.loc[first.name].date()}); {overlapping['person_id'].nunique()} "
            "person(s) affected. Split or trim the spells so that each day has one job.",
        )


def _snapshot_spells(spells: pd.DataFrame) -> pd.DataFrame:
    """One row per person and year whose 1 July falls inside a spell."""
    month, day = SNAPSHOT_MONTH_DAY
    first_year = spells["start_date"].dt.year
    last_year = spells["end_date"].dt.year
    rows = spells.assign(period=[list(range(a, b + 1)) for a, b in zip(first_year, last_year)]).explode("period")
    rows["period"] = rows["period"].astype("int64")
    snapshot = pd.to_datetime({"year": rows["period"], "month": month, "day": day})
    rows = rows[(rows["start_date"] <= snapshot) & (snapshot <= rows["end_date"])]
    keep = ["person_id", "period", "sector", "ai_role", *(["country"] if "country" in rows else [])]
    return rows[keep].reset_index(drop=True)


def _check_sectors(panel: pd.DataFrame, sectors: Sequence[str], source: str) -> None:
    unknown = sorted(set(panel["sector"].unique()) - set(sectors))
    if unknown:
        raise DataValidationError(
            source, "sector",
            f"unknown sector(s) {unknown[:5]}; allowed: {list(sectors)}. Recode them or pass your own list as sectors",
        )


def _check_transitions_possible(panel: pd.DataFrame, source: str) -> None:
    """Raise unless the panel (sorted by person and period) holds two periods and a person seen in two in a row."""
    periods = sorted(panel["period"].unique())
    if len(periods) < 2:
        raise DataValidationError(
            source, "period",
            f"a single period ({periods[0] if periods else 'none'}): transitions need people observed in two consecutive periods",
        )
    if not _consecutive_pairs(panel).any():
        raise DataValidationError(source, "period", "no person is observed in two consecutive periods, so no transition can be counted")


def _consecutive_pairs(ordered: pd.DataFrame) -> pd.Series:
    """True for rows whose person is observed again in the next period; ``ordered`` is sorted by person and period
    (as :func:`validate_job_history` returns it), so the next period is on the next row. Compared as arrays
    (each row with the next; the last row has none) rather than through shifted Series (~1/5 of the cost)."""
    person, period = ordered["person_id"].to_numpy(), ordered["period"].to_numpy()
    pairs = np.zeros(len(ordered), dtype=bool)
    pairs[:-1] = (person[:-1] == person[1:]) & (period[:-1] + 1 == period[1:])
    return pd.Series(pairs, index=ordered.index)
