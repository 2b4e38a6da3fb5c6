"""The results contract: what every notebook writes to ``reports/<notebook>/results.json``.

One file per executed notebook with its metadata (parameters, data sources with
versions and licences, real or synthetic data, package version) and one entry per
claim tested. The writer validates every field and writes sorted, rounded JSON
so that two runs with the same inputs produce byte-identical files.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from talentmarket.errors import TalentMarketError
from talentmarket.stats.verdicts import DIRECTIONS, verdict_from_interval

SCHEMA_VERSION = 2
"""2 added each claim's ``threshold``, ``direction``, ``p_value`` and ``inference``."""
READABLE_SCHEMA_VERSIONS = (1, 2)
VERDICTS = ("supported", "contradicted", "mixed", "inconclusive")
UNITS = ("percent", "percent per year", "percentage points per year", "log points", "log points per year", "ratio")
"""The units an estimate may carry, so that claims in the same unit can share an axis. What the number is
a percent (or ratio) of belongs in the claim's ``metric``, e.g. unit "percent" with metric "share of a
country's initial pay gap closed 2022–2024"."""
DATA_KINDS = ("real", "synthetic")
RESULTS_FILE = "results.json"
INFERENCE_KEYS = ("method", "cluster_variable", "clusters", "effective_clusters", "degrees_of_freedom", "bootstrap_draws")
CLAIM_ID_PATTERN = r"^[a-z]+\.[a-z0-9_]+$"
"""Claim ids are ``topic.snake_case``."""
_CLAIM_ID = re.compile(CLAIM_ID_PATTERN)
_SIGNIFICANT_DIGITS = 6


class ResultsError(TalentMarketError, ValueError):
    """A claim or results file breaks the contract."""


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, with its effect size and 95% confidence interval.

    ``estimate``/``ci_low``/``ci_high`` may be None only when the verdict is
    ``inconclusive`` because the data cannot measure the claim at all.
    """

    id: str
    claim: str
    metric: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    unit: str
    verdict: str
    rationale: str
    n: int
    section: str = ""
    threshold: float | None = None
    """The smallest effect matching the claim's wording, in ``unit`` (from the claims registry)."""
    direction: str | None = None
    """``above`` or ``below``: on which side of ``threshold`` the claim puts the effect."""
    p_value: float | None = None
    """One-sided p-value of the primary test, 'the effect is not beyond the threshold' (scorecard q-values use it)."""
    inference: dict[str, Any] | None = None
    """How the interval was made: ``method``, ``cluster_variable``, ``clusters``, ``effective_clusters``,
    ``degrees_of_freedom``, ``bootstrap_draws`` (see :class:`talentmarket.stats.inference.Inference`)."""

    def __post_init__(self) -> None:
        problems = _claim_problems(self)
        if problems:
            raise ResultsError(f"claim {self.id!r}: " + "; ".join(problems))


def _claim_problems(claim: ClaimResult) -> list[str]:
    problems = []
    if not _CLAIM_ID.match(claim.id):
        problems.append("id must look like 'topic.snake_case'")
    if claim.verdict not in VERDICTS:
        problems.append(f"verdict {claim.verdict!r} is not one of {VERDICTS}")
    if claim.unit not in UNITS:
        problems.append(
            f"unit {claim.unit!r} is not one of {UNITS}; pick the closest and say in the metric what it is a percent or ratio of"
        )
    for name in ("claim", "metric", "rationale"):
        if not str(getattr(claim, name)).strip():
            problems.append(f"{name} is empty")
    numbers = (claim.estimate, claim.ci_low, claim.ci_high)
    if any(value is None for value in numbers):
        if claim.verdict != "inconclusive":
            problems.append("estimate and CI may be missing only for an inconclusive verdict")
    elif not all(math.isfinite(value) for value in numbers):
        problems.append("estimate and CI must be finite numbers")
    elif not claim.ci_low <= claim.estimate <= claim.ci_high:
        problems.append(f"estimate {claim.estimate} lies outside its CI [{claim.ci_low}, {claim.ci_high}]")
    if not isinstance(claim.n, int) or claim.n < 0:
        problems.append("n must be a non-negative integer")
    if claim.direction is not None and claim.direction not in DIRECTIONS:
        problems.append(f"direction {claim.direction!r} is not one of {DIRECTIONS}")
    if claim.inference is not None and set(claim.inference) != set(INFERENCE_KEYS):
        problems.append(f"inference must have exactly the keys {INFERENCE_KEYS}; got {sorted(claim.inference)}")
    if claim.verdict in ("supported", "contradicted") and claim.threshold is not None and None not in numbers:
        ruled = verdict_from_interval(claim.ci_low, claim.ci_high, threshold=claim.threshold, direction=claim.direction or "above")
        if ruled != claim.verdict:
            problems.append(f"verdict {claim.verdict!r} disagrees with the verdict rule ({ruled!r} for this CI and threshold)")
    return problems


def judged_claim_problems(claim: ClaimResult) -> list[str]:
    """What a claim written by the verdict rule carries beyond :func:`_claim_problems`: a threshold and a
    direction, and, when it is measured, how its interval was made (``inference``)."""
    required = ("threshold", "direction") + (("inference",) if claim.estimate is not None else ())
    return [f"{name} is missing" for name in required if getattr(claim, name) is None]


def package_version() -> str:
    """Installed version of talentmarket (or 'unknown' when run from an uninstalled tree)."""
    try:
        return version("talentmarket")
    except PackageNotFoundError:
        return "unknown"


def _round(value: Any) -> Any:
    """Round floats to a fixed number of significant digits, recursively, so output is stable."""
    if isinstance(value, float):
        return float(f"{value:.{_SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _round(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _round(value.item())
    return value


def build_results(
    notebook: str,
    title: str,
    parameters: dict[str, Any],
    data_kind: str,
    sources: list[dict[str, str]],
    claims: list[ClaimResult],
    summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results document as a plain dict, validated.

    ``summary`` holds numbers that are not claims (the scorecard's verdict counts); it is
    written only when given.
    """
    if data_kind not in DATA_KINDS:
        raise ResultsError(f"data_kind {data_kind!r} is not one of {DATA_KINDS}")
    ids = [claim.id for claim in claims]
    if len(set(ids)) != len(ids):
        raise ResultsError(f"claim ids repeat: {sorted(i for i in ids if ids.count(i) > 1)}")
    return _round(
        {
            "schema_version": SCHEMA_VERSION,
            "notebook": notebook,
            "title": title,
            "data_kind": data_kind,
            "synthetic": data_kind == "synthetic",
            "package_version": package_version(),
            "parameters": parameters,
            "sources": sorted(sources, key=lambda s: (s["source"], s["file"])),
            "claims": [asdict(claim) for claim in sorted(claims, key=lambda c: c.id)],
        }
        | ({"summary": summary} if summary is not None else {})
    )


def write_results(out_dir: str | Path, **document: Any) -> Path:
    """Validate and write ``results.json`` into ``out_dir``; arguments as for :func:`build_results`.

    The file is written next to its target and then renamed, so a reader never sees half a file.
    """
    results = build_results(**document)
    target = Path(out_dir) / RESULTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{RESULTS_FILE}.{os.getpid()}.partial")
    partial.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, target)
    return target


def read_results(path: str | Path) -> dict[str, Any]:
    """Load a results.json and re-validate every claim in it."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ResultsError(f"{path}: not valid JSON ({error}), e.g. truncated; re-run the notebook that wrote it") from None
    missing = [key for key in ("notebook", "claims") if key not in document] if isinstance(document, dict) else ["a JSON object"]
    if missing:
        raise ResultsError(f"{path}: incomplete, lacks {missing}; re-run the notebook that wrote it")
    if document.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise ResultsError(f"{path}: schema_version {document.get('schema_version')!r}, expected one of {READABLE_SCHEMA_VERSIONS}; re-run the notebook that wrote it")
    try:
        document["claims"] = [ClaimResult(**claim) for claim in document["claims"]]
    except TypeError as error:  # a claim lacking a field, or not a mapping
        raise ResultsError(f"{path}: incomplete claim ({error}); re-run the notebook that wrote it") from None
    except ResultsError as error:
        raise ResultsError(f"{path}: {error}; re-run the notebook that wrote it") from None
    return document
