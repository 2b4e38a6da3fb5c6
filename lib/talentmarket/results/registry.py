"""The claims registry (data/claims.csv): every claim of the essay once, in our own words, validated."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from talentmarket import paths
from talentmarket.data.schemas import Column, FileSchema, validate_frame
from talentmarket.errors import DataValidationError
from talentmarket.results.contract import CLAIM_ID_PATTERN
from talentmarket.stats.verdicts import DIRECTIONS

REGISTRY_PATH = paths.CLAIMS_REGISTRY
REGISTRY_NAME = "claims registry (data/claims.csv)"

TESTABILITY = ("yes", "partly", "no")

REGISTRY_SCHEMA = FileSchema(
    {
        "id": Column("str", checks=(pa.Check.str_matches(CLAIM_ID_PATTERN),)),
        "topic": Column("str", checks=(pa.Check.str_matches(r"^[a-z]+$"),)),
        "label": Column("str", checks=(pa.Check.str_length(min_value=5, max_value=60),)),
        "claim": Column("str", checks=(pa.Check.str_length(min_value=20),)),
        "notebook": Column("str", nullable=True, checks=(pa.Check.str_matches(r"^[0-9]{2}_[a-z0-9_]+$"),)),
        "testable": Column("str", checks=(pa.Check.isin(TESTABILITY),)),
        "threshold": Column("str", nullable=True, checks=(pa.Check.str_matches(r"^-?[0-9]+(\.[0-9]+)?$"),)),
        "direction": Column("str", nullable=True, checks=(pa.Check.isin(DIRECTIONS),)),
        "threshold_rationale": Column("str", nullable=True),
        "limitation": Column("str", nullable=True),
        "data_needed": Column("str", nullable=True),
    },
    unique=("id",),
)
"""One row per claim: ``id`` as the notebooks write it, its topic (the id's prefix), a short plain-language
``label`` for figures, the claim in our words, the notebook that tests it (empty when none can), whether
open data can test it (yes / partly / no); for every tested claim its ``threshold`` (the smallest effect
that matches the essay's wording, in the claim's unit, set before looking at our estimates), its
``direction`` (``above`` or ``below`` the threshold) and a one-line ``threshold_rationale`` citing the
wording and a yardstick; the main limitation, and what data would settle it when open data cannot."""


def load_registry(path: str | Path = REGISTRY_PATH) -> pd.DataFrame:
    """The validated claims registry, in its curated order; empty optional cells are ``""``.

    Read and validated once per version of the file (its modification time keys the cache; validation costs
    0.4 s and every judge asks for it); each caller gets its own copy.
    """
    path = Path(path)
    return _validated_registry(path, path.stat().st_mtime_ns if path.exists() else None).copy()


@functools.cache
def _validated_registry(path: Path, modified: int | None) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str)
    except (FileNotFoundError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataValidationError(REGISTRY_NAME, None, f"cannot read {path}: {error}") from None
    return validate_registry(frame)


def claim_text(claim_id: str, path: str | Path = REGISTRY_PATH) -> str:
    """The claim's sentence as the registry words it: the one wording every notebook writes to results.json.

    Raises DataValidationError naming the id when the registry has no such claim.
    """
    registry = load_registry(path)
    texts = dict(zip(registry["id"], registry["claim"]))
    if claim_id not in texts:
        raise DataValidationError(
            REGISTRY_NAME, "id", f"no claim {claim_id!r}: add a row for it to {Path(path).name} (registered ids: {', '.join(texts)})"
        )
    return texts[claim_id]


@dataclass(frozen=True)
class ClaimRule:
    """What the verdict rule needs of a claim: its threshold (in the claim's unit) and direction, and why."""

    threshold: float
    direction: str
    rationale: str


def claim_rule(claim_id: str, path: str | Path = REGISTRY_PATH) -> ClaimRule:
    """The registered threshold and direction of a tested claim; DataValidationError naming the id otherwise."""
    claim_text(claim_id, path)  # names an unknown id
    tested = load_registry(path).set_index("id")
    if tested.loc[claim_id, "threshold"] == "":
        raise DataValidationError(REGISTRY_NAME, "threshold", f"claim {claim_id!r} is not tested by a notebook, so it has no threshold")
    row = tested.loc[claim_id]
    return ClaimRule(float(row["threshold"]), row["direction"], row["threshold_rationale"])


def validate_registry(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the registry's columns and values, and the rules that tie its columns together.
    Cells are stripped of surrounding blanks; an empty cell counts as missing."""
    stripped = frame.astype("str").apply(lambda column: column.str.strip()).replace("", None)
    registry = validate_frame(stripped, REGISTRY_SCHEMA, REGISTRY_NAME)
    registry = registry[list(REGISTRY_SCHEMA.columns)].fillna("").reset_index(drop=True)
    for row in registry.itertuples(index=False):
        problem = _registry_row_problem(row)
        if problem:
            column, text = problem
            raise DataValidationError(REGISTRY_NAME, column, f"claim {row.id!r}: {text}")
    return registry


def _registry_row_problem(row: Any) -> tuple[str, str] | None:
    if row.id.split(".")[0] != row.topic:
        return "topic", f"topic {row.topic!r} must equal the id's prefix {row.id.split('.')[0]!r}"
    if row.testable == "no" and row.notebook:
        return "notebook", "a claim open data cannot test has no notebook; set testable to 'partly' if one tests it"
    if row.testable != "no" and not row.notebook:
        return "notebook", f"testable is {row.testable!r} but no notebook tests it"
    if row.notebook and not (row.threshold and row.direction and row.threshold_rationale):
        return "threshold", "a tested claim needs a threshold, a direction and a threshold_rationale (see talentmarket.stats.verdicts)"
    if not row.notebook and (row.threshold or row.direction):
        return "threshold", "only a claim a notebook tests has a threshold and a direction"
    if row.testable != "yes" and not (row.limitation and row.data_needed):
        return "data_needed", "a claim not fully testable needs both a limitation and the data that would settle it"
    return None
