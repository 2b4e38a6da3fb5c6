"""Salary microdata in the aijobs.net schema: loading, bring-your-own files, and the
pair/duplicate structure every salary analysis must respect.

Three registered sources share one schema and publisher: ``aijobs_net_salaries``
(AI/ML/data roles, the *AI field*), ``isecjobs_infosec_salaries`` and
``devops_jobs_net_salaries`` (cybersecurity and DevOps/SRE, the *comparison field*).
Users may instead bring their own CSV files in the same schema, each tagged as
AI field or comparison field.

Why :func:`prepare_salaries` exists: from 2022 on, the files consist mostly of
consecutive row *pairs* identical in every field except the salary, the first row
higher than the second — posted salary ranges (max, min) rather than survey
answers — and many postings appear more than once. Treating those rows as
independent observations double-counts postings and makes standard errors too
small. :func:`prepare_salaries` finds the pairs, collapses them as asked, drops or
groups exact duplicates and adds a ``posting_id`` to cluster standard errors on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from talentmarket.data.schemas import SALARY_SCHEMA
from talentmarket.data.store import DataStore, read_csv_checked
from talentmarket.errors import DataValidationError, ParameterError, check_choice

SALARY_FILE = "salaries.csv"
AI_FIELD = "ai"
COMPARISON_FIELD = "comparison"
FIELDS = (AI_FIELD, COMPARISON_FIELD)

SALARY_SOURCES: dict[str, str] = {
    "aijobs_net_salaries": AI_FIELD,
    "isecjobs_infosec_salaries": COMPARISON_FIELD,
    "devops_jobs_net_salaries": COMPARISON_FIELD,
}
"""Registered salary sources and the field each one covers."""

SALARY_COLUMNS: tuple[str, ...] = tuple(SALARY_SCHEMA.columns)
SALARY_AMOUNT_COLUMNS = ("salary", "salary_in_usd")
POSTING_ATTRIBUTE_COLUMNS: tuple[str, ...] = tuple(c for c in SALARY_COLUMNS if c not in SALARY_AMOUNT_COLUMNS)
"""Every schema column except the salary amounts: the two rows of a range pair agree on all of them."""

PAIR_HANDLINGS = ("midpoint", "max", "min", "all_rows")

PLAUSIBLE_USD_PER_YEAR = (5_000.0, 2_000_000.0)
"""Annual pay in USD a posting may carry. Below $5,000 a year is under full-time minimum pay in the countries
that dominate the files (a monthly or hourly figure typed as annual); above $2,000,000 is beyond the top of
published tech pay (the registered files top out at $800,000). A single row at $10^12 would otherwise move
means, quantiles and verdicts on its own."""

USD_AGREEMENT = 0.01
"""When ``salary_currency`` is USD, ``salary_in_usd`` must equal ``salary`` within this relative tolerance
(1%): the files convert other currencies, so a USD row that disagrees with itself is corrupt."""


def load_salaries(
    store: DataStore,
    sources: Sequence[str] | None = None,
    own_files: Mapping[str | Path, str] | None = None,
) -> pd.DataFrame:
    """All salary rows as one frame in file order, with ``source`` and ``source_field`` columns.

    ``sources`` selects registered sources (default: all three). ``own_files`` maps
    paths of your own CSV files in the salary schema to their field (``"ai"`` or
    ``"comparison"``); when given, those files are used *instead of* the registered
    sources, so a notebook runs unchanged on your data; the store cites them by file
    name and sha256. Every frame is validated against the salary schema (types, codes, ISO 4217
    currency, positive salary) before it is returned.
    """
    if own_files:
        frames = [read_own_salary_file(path, field) for path, field in own_files.items()]
        for path in own_files:
            store.record_own_file(Path(path).expanduser())
    else:
        chosen = list(SALARY_SOURCES) if sources is None else list(sources)
        check_choice("unknown salary source(s)", chosen, list(SALARY_SOURCES))
        frames = [_tag(store.read(source, SALARY_FILE), source, SALARY_SOURCES[source]) for source in chosen]
    return pd.concat(frames, ignore_index=True)


def read_own_salary_file(path: str | Path, field: str) -> pd.DataFrame:
    """One bring-your-own CSV in the salary schema, validated and tagged ``source = "own:<file stem>"``."""
    if field not in FIELDS:
        raise ParameterError(f"{path}: field {field!r} is not one of {FIELDS}; tag each own file as AI or comparison field")
    path = Path(path).expanduser()
    source = f"own:{path.stem}"
    if not path.exists():
        raise ParameterError(f"own salary file {path} does not exist")
    # The store's CSV reader: a directory or a duplicated column name is refused, NA (Namibia) stays a code.
    return _tag(read_csv_checked(path, SALARY_SCHEMA, source), source, field)


def _tag(frame: pd.DataFrame, source: str, field: str) -> pd.DataFrame:
    tagged = frame[list(SALARY_COLUMNS)].copy()
    tagged["source"] = source
    tagged["source_field"] = field
    return tagged


def prepare_salaries(
    frame: pd.DataFrame,
    pair_handling: str = "midpoint",
    drop_exact_duplicates: bool = True,
) -> pd.DataFrame:
    """Resolve range pairs and duplicates; add ``posting_id``, ``log_salary_usd`` and range columns.

    ``frame`` holds salary rows **in file order** (as :func:`load_salaries` returns
    them), optionally from several sources (a ``source`` column keeps pairs from
    crossing files).

    Pairs: two consecutive rows of one source that agree on every column except
    ``salary``/``salary_in_usd`` and whose first salary is at least the second form a
    posted range (max, min). Rows are paired greedily from the top, so a run of
    identical-looking rows splits into consecutive pairs. Any other row is a single
    observation (a survey answer, or a posting with one figure).

    ``pair_handling`` says what one posting contributes:

    - ``"midpoint"`` (default): one row at the mean of max and min, the usual summary of a range;
    - ``"max"`` / ``"min"``: one row at the top / bottom of the range;
    - ``"all_rows"``: both halves kept, as the raw file has them (they share a ``posting_id``).

    Singles contribute their one row under every option.

    Plausibility: a posting any of whose figures breaks a rule of :func:`implausible_postings`
    (annual USD pay outside :data:`PLAUSIBLE_USD_PER_YEAR`; USD rows whose ``salary_in_usd``
    disagrees with ``salary`` by more than :data:`USD_AGREEMENT`) is excluded;
    :func:`summarize_pair_structure` counts the exclusions per source and year.

    Duplicates: a posting (pair or single) identical in every column, salaries
    included, to an earlier posting of the same source is an *exact duplicate*.
    With ``drop_exact_duplicates=True`` only the first copy is kept; with ``False``
    the copies are kept and share the first copy's ``posting_id``, so clustered
    standard errors still count them once.

    Added columns: ``posting_id`` (int cluster id: pair halves and duplicate copies
    share it), ``from_range_pair`` (bool), ``salary_in_usd_min`` / ``salary_in_usd_max``
    (the posting's range; equal for singles), ``log_salary_usd`` (natural log of the
    ``salary_in_usd`` the row now carries). The index is reset.
    """
    check_choice("pair_handling", [pair_handling], PAIR_HANDLINGS)
    return expand_postings(find_postings(frame), pair_handling, drop_exact_duplicates)


def find_postings(frame: pd.DataFrame) -> pd.DataFrame:
    """The postings of :func:`prepare_salaries` before any pair or duplicate handling: one row per plausible
    posting, with its max/min salaries, ``from_range_pair`` and ``posting_id`` (exact duplicates share it).

    This is the costly part of :func:`prepare_salaries` and the same for every handling, so a specification
    curve finds the postings once and expands them once per handling (:func:`expand_postings`).
    """
    missing = [c for c in SALARY_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(_source_names(frame), missing[0], "missing column; pass the frame load_salaries returns")
    if frame.empty:
        raise ParameterError("no salary rows to prepare: the selection is empty")
    rows = frame.reset_index(drop=True)
    pair_start = _pair_starts(rows)
    postings = _postings(rows, pair_start)
    implausible = implausible_postings(postings)
    if implausible.all():
        raise DataValidationError(_source_names(frame), "salary_in_usd", f"all {len(postings)} postings break the plausibility "
                                  "rules (annual USD pay from 5,000 to 2,000,000; salary_in_usd = salary for USD rows); check the file's units")
    return _assign_posting_ids(postings.loc[~implausible].reset_index(drop=True))


def expand_postings(postings: pd.DataFrame, pair_handling: str = "midpoint", drop_exact_duplicates: bool = True) -> pd.DataFrame:
    """Analysis rows of the postings :func:`find_postings` returns, as :func:`prepare_salaries` describes them."""
    check_choice("pair_handling", [pair_handling], PAIR_HANDLINGS)
    if drop_exact_duplicates:
        postings = postings.drop_duplicates("posting_id", keep="first").reset_index(drop=True)
    return _expand(postings, pair_handling)


def implausible_postings(postings: pd.DataFrame) -> pd.Series:
    """True for postings (one row per posting, with ``salary_max/_min`` and ``salary_in_usd_max/_min``) that
    break a plausibility rule: a USD figure outside :data:`PLAUSIBLE_USD_PER_YEAR`, or a USD-currency posting
    whose ``salary_in_usd`` differs from ``salary`` by more than :data:`USD_AGREEMENT` of it."""
    low, high = PLAUSIBLE_USD_PER_YEAR
    usd = postings[["salary_in_usd_max", "salary_in_usd_min"]]
    out_of_range = ((usd < low) | (usd > high)).any(axis=1)
    local = postings[["salary_max", "salary_min"]].to_numpy(dtype=float)
    disagree = (abs(usd.to_numpy(dtype=float) - local) > USD_AGREEMENT * local).any(axis=1)
    return out_of_range | (postings["salary_currency"].eq("USD") & disagree)


def _source_names(frame: pd.DataFrame) -> str:
    return ", ".join(sorted(frame["source"].unique())) if "source" in frame else "salary frame"


def _group_keys(frame: pd.DataFrame) -> list[str]:
    return list(POSTING_ATTRIBUTE_COLUMNS) + (["source"] if "source" in frame.columns else [])


def _pair_starts(rows: pd.DataFrame) -> np.ndarray:
    """Boolean per row: True where the row is the max half of a range pair (its partner is the next row).

    Rows pair greedily from the top: a row that can pair with the next one starts a pair and the next row
    is its partner. Within a run of consecutive rows that can each pair with their successor, the pairs
    therefore start at the run's 1st, 3rd, 5th… row, and runs do not interact (the row after a run cannot
    pair), so the starts are read off each row's offset in its run instead of walking the rows one by one.
    """
    keys = _group_keys(rows)
    columns = rows[[*keys, "salary_in_usd"]]
    following = columns.shift(-1)
    same_attributes = columns[keys].eq(following[keys]).all(axis=1).to_numpy()
    descending = (columns["salary_in_usd"] >= following["salary_in_usd"]).fillna(False).to_numpy(dtype=bool)
    can_pair = same_attributes & descending
    can_pair[-1:] = False  # the last row has no successor
    position = np.arange(len(rows))
    run_start = np.maximum.accumulate(np.where(can_pair & ~np.r_[False, can_pair[:-1]], position, 0))
    return can_pair & ((position - run_start) % 2 == 0)


def _postings(rows: pd.DataFrame, pair_start: np.ndarray) -> pd.DataFrame:
    """One row per posting: attributes of its first row plus max/min salaries in both currencies."""
    second_half = np.roll(pair_start, 1)
    second_half[0] = False
    is_first = ~second_half
    partner = np.where(pair_start, np.arange(len(rows)) + 1, np.arange(len(rows)))
    postings = rows.loc[is_first].copy()
    partner_rows = partner[is_first]
    postings["from_range_pair"] = pair_start[is_first]
    postings["salary_max"] = rows["salary"].to_numpy()[is_first]
    postings["salary_min"] = rows["salary"].to_numpy()[partner_rows]
    postings["salary_in_usd_max"] = rows["salary_in_usd"].to_numpy()[is_first]
    postings["salary_in_usd_min"] = rows["salary_in_usd"].to_numpy()[partner_rows]
    return postings.reset_index(drop=True)


def _assign_posting_ids(postings: pd.DataFrame) -> pd.DataFrame:
    identity = _group_keys(postings) + ["from_range_pair", "salary_max", "salary_min", "salary_in_usd_max", "salary_in_usd_min"]
    postings["posting_id"] = postings.groupby(identity, sort=False, dropna=False).ngroup().astype("int64")
    return postings


def _expand(postings: pd.DataFrame, pair_handling: str) -> pd.DataFrame:
    """Turn postings back into analysis rows according to ``pair_handling``."""
    if pair_handling == "all_rows":
        top = postings.assign(salary=postings["salary_max"], salary_in_usd=postings["salary_in_usd_max"], _half=0)
        bottom = postings.loc[postings["from_range_pair"]]
        bottom = bottom.assign(salary=bottom["salary_min"], salary_in_usd=bottom["salary_in_usd_min"], _half=1)
        result = (
            pd.concat([top, bottom])
            .rename_axis("_posting_order")
            .sort_values(["_posting_order", "_half"], kind="stable")
            .drop(columns="_half")
        )
    else:
        pick = {
            "midpoint": lambda high, low: (high + low) / 2,
            "max": lambda high, low: high,
            "min": lambda high, low: low,
        }[pair_handling]
        result = postings.assign(
            salary=pick(postings["salary_max"], postings["salary_min"]),
            salary_in_usd=pick(postings["salary_in_usd_max"], postings["salary_in_usd_min"]),
        )
    result = result.drop(columns=["salary_max", "salary_min"]).reset_index(drop=True)
    result["salary"] = result["salary"].astype("float64")
    result["salary_in_usd"] = result["salary_in_usd"].astype("float64")
    result["log_salary_usd"] = np.log(result["salary_in_usd"])
    return result


def select_salaries(
    frame: pd.DataFrame,
    years: Iterable[int] | None = None,
    company_locations: Iterable[str] | None = None,
    employment_types: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Rows matching every given filter (None = no filter); ParameterError naming the filters if none remain.

    ``company_locations`` are ISO 3166 alpha-2 codes of the employer's country
    (e.g. ``["US"]`` for US employers only).
    """
    mask = pd.Series(True, index=frame.index)
    filters = {"work_year": years, "company_location": company_locations, "employment_type": employment_types}
    applied = {}
    for column, wanted in filters.items():
        if wanted is not None:
            wanted = list(wanted)
            mask &= frame[column].isin(wanted)
            applied[column] = wanted
    selected = frame.loc[mask]
    if selected.empty:
        sources = ", ".join(sorted(frame["source"].unique())) if "source" in frame else "salary frame"
        raise ParameterError(f"{sources}: no salary rows left after filters {applied}; widen years, countries or employment types")
    return selected


def summarize_pair_structure(frame: pd.DataFrame) -> pd.DataFrame:
    """Per source and work year: raw rows, rows in range pairs, postings, exact-duplicate postings, and postings
    excluded as implausible (see :func:`implausible_postings`).

    ``frame`` is raw rows in file order (from :func:`load_salaries`); the counts use
    the same rules as :func:`prepare_salaries`, so the table documents what it does.
    """
    rows = frame.reset_index(drop=True)
    pair_start = _pair_starts(rows)
    postings = _assign_posting_ids(_postings(rows, pair_start))
    postings["duplicate_copy"] = postings.duplicated("posting_id")
    postings["implausible"] = implausible_postings(postings)
    keys = ["source", "work_year"] if "source" in rows.columns else ["work_year"]
    raw = rows.groupby(keys).size().rename("rows")
    in_pairs = (
        postings.loc[postings["from_range_pair"]].groupby(keys).size().mul(2).rename("rows_in_range_pairs")
    )
    per_posting = postings.groupby(keys).agg(
        postings=("posting_id", "size"), exact_duplicate_postings=("duplicate_copy", "sum"),
        implausible_postings=("implausible", "sum"),
    )
    summary = pd.concat([raw, in_pairs, per_posting], axis=1).fillna(0).astype("int64")
    summary["unique_postings"] = summary["postings"] - summary["exact_duplicate_postings"]
    return summary.reset_index()


def describe_sample(prepared: pd.DataFrame) -> pd.DataFrame:
    """Who is in the data, per source and work year: postings, share at US employers, share senior (SE/EX),
    share from range pairs, median salary in USD.

    The shares move a lot between years (the 2024 aijobs rows are about 91% US
    employers against 44% in 2020), which is why year-to-year comparisons need
    controls and why a trend in raw pay says more about the sample than the market.
    """
    postings = prepared.drop_duplicates("posting_id")
    grouped = postings.groupby(["source", "work_year"])
    table = grouped.agg(
        postings=("posting_id", "size"),
        us_employer_share=("company_location", lambda s: float((s == "US").mean())),
        senior_share=("experience_level", lambda s: float(s.isin(["SE", "EX"]).mean())),
        range_pair_share=("from_range_pair", "mean"),
        median_salary_usd=("salary_in_usd", "median"),
    )
    return table.reset_index()
