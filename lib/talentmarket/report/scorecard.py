"""The claims registry and the scorecard: every claim of the essay beside the verdict a notebook gave it.

``data/claims.csv`` lists each claim of "The AI Talent Market in 2026" once, in our own
words, with the notebook that tests it or, when open data cannot, why not and what data
would settle it. It is the single source of each claim's sentence: the judges take it from
:func:`claim_text`, so every results.json words a claim as the registry does. :func:`build_scorecard` joins the registry with every
``reports/*/results.json``; it refuses to present a result computed on synthetic data as a
verdict, and it never drops a claim: a claim that no notebook has answered yet stays in the
table with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML

from talentmarket.data.store import DataStore, FileUse
from talentmarket.errors import DataValidationError
from talentmarket.results.contract import (
    RESULTS_FILE,
    VERDICTS,
    read_results,
    write_results,
)
from talentmarket.results.figures import HIGHLIGHT, MUTED, add_source_footer
from talentmarket.results.registry import REGISTRY_NAME

SCORECARD_NOTEBOOK = "00_claims_scorecard"

STATUS_FINDING = "finding"
STATUS_SYNTHETIC = "synthetic"
STATUS_NOT_RUN = "not run"
STATUS_NOT_REPORTED = "not reported"
STATUS_UNTESTABLE = "untestable"
STATUSES = (STATUS_FINDING, STATUS_SYNTHETIC, STATUS_NOT_RUN, STATUS_NOT_REPORTED, STATUS_UNTESTABLE)
"""Where a claim stands: a verdict on real data, a synthetic illustration, its notebook has not run,
its notebook ran but did not report it, or no open data can test it."""

SHOWN_VERDICT = {
    STATUS_SYNTHETIC: "synthetic — not a finding",
    STATUS_NOT_RUN: "not run yet",
    STATUS_NOT_REPORTED: "not reported by its notebook",
    STATUS_UNTESTABLE: "not testable with open data",
}
"""What the scorecard shows in the verdict column when there is no real-data verdict."""

SCORECARD_COLUMNS = (
    "id", "topic", "claim", "notebook", "testable", "status", "verdict", "estimate", "ci_low", "ci_high",
    "unit", "metric", "n", "data_kind", "section", "rationale", "limitation", "data_needed",
)
_RESULT_FIELDS = ("estimate", "ci_low", "ci_high", "unit", "metric", "n", "section", "rationale")


def read_all_results(reports_root: str | Path) -> list[dict[str, Any]]:
    """Every notebook's validated ``results.json`` under ``reports_root`` (the scorecard's own excluded), by notebook."""
    documents = [
        read_results(path)
        for path in sorted(Path(reports_root).glob(f"*/{RESULTS_FILE}"))
        if path.parent.name != SCORECARD_NOTEBOOK
    ]
    return sorted(documents, key=lambda document: document["notebook"])


def misplaced_claims(registry: pd.DataFrame, documents: list[dict[str, Any]]) -> list[str]:
    """Claim ids a notebook reported that the registry lacks or assigns to another notebook, and ids
    reported by two notebooks: results the scorecard has no row for."""
    registered = dict(zip(registry["id"], registry["notebook"]))
    problems, seen = [], {}
    for document in documents:
        notebook = document["notebook"]
        for claim in document["claims"]:
            if claim.id not in registered:
                problems.append(f"{notebook} reports {claim.id!r}, which is not in the registry: add a row to data/claims.csv")
            elif registered[claim.id] != notebook:
                problems.append(f"{notebook} reports {claim.id!r}, which the registry assigns to {registered[claim.id] or 'no notebook'}")
            if claim.id in seen:
                problems.append(f"{claim.id!r} is reported by both {seen[claim.id]} and {notebook}")
            seen.setdefault(claim.id, notebook)
    return problems


def unreported_claims(registry: pd.DataFrame, documents: list[dict[str, Any]]) -> list[str]:
    """Registered claims missing from the results of the notebook that tests them, when it has run."""
    problems = []
    for document in documents:
        reported = {claim.id for claim in document["claims"]}
        expected = registry.loc[registry["notebook"] == document["notebook"], "id"]
        problems.extend(f"{document['notebook']} ran but does not report registered claim {claim_id!r}"
                        for claim_id in sorted(set(expected) - reported))
    return problems


def coverage_problems(registry: pd.DataFrame, documents: list[dict[str, Any]]) -> list[str]:
    """Every disagreement between the registry and the results (misplaced, then unreported claims);
    an empty list means they agree."""
    return misplaced_claims(registry, documents) + unreported_claims(registry, documents)


def build_scorecard(registry: pd.DataFrame, documents: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per registered claim, in registry order, with its verdict, estimate, 95% CI, unit,
    data kind and the notebook section that produced it.

    A result computed on synthetic data keeps its numbers but its verdict reads
    "synthetic — not a finding". Raises DataValidationError when a notebook reports a claim the
    registry does not list (or lists for another notebook), since such a result has no row to go in.
    """
    misplaced = misplaced_claims(registry, documents)
    if misplaced:
        raise DataValidationError(REGISTRY_NAME, "id", "; ".join(misplaced))
    results = {claim.id: (claim, document) for document in documents for claim in document["claims"]}
    ran = {document["notebook"] for document in documents}
    rows = [_scorecard_row(entry, results.get(entry["id"]), ran) for entry in registry.to_dict("records")]
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))


def _scorecard_row(entry: dict[str, str], result: tuple[Any, dict[str, Any]] | None, ran: set[str]) -> dict[str, Any]:
    row = dict(entry) | {field: None for field in _RESULT_FIELDS} | {"data_kind": ""}
    if result is None:
        status = STATUS_UNTESTABLE if not entry["notebook"] else STATUS_NOT_REPORTED if entry["notebook"] in ran else STATUS_NOT_RUN
        return row | {"status": status, "verdict": SHOWN_VERDICT[status], "rationale": entry["limitation"]}
    claim, document = result
    status = STATUS_SYNTHETIC if document["data_kind"] == "synthetic" else STATUS_FINDING
    verdict = claim.verdict if status == STATUS_FINDING else SHOWN_VERDICT[status]
    return row | {field: getattr(claim, field) for field in _RESULT_FIELDS} | {
        "status": status, "verdict": verdict, "data_kind": document["data_kind"],
    }


def count_verdicts(scorecard: pd.DataFrame) -> dict[str, int]:
    """How many claims have each real-data verdict, and how many have none and why (zeros included)."""
    findings = scorecard[scorecard["status"] == STATUS_FINDING]
    counts = {verdict: int((findings["verdict"] == verdict).sum()) for verdict in VERDICTS}
    counts |= {status: int((scorecard["status"] == status).sum()) for status in STATUSES if status != STATUS_FINDING}
    return counts


def untestable_claims(registry: pd.DataFrame) -> pd.DataFrame:
    """Claims open data cannot fully test (testable 'no' or 'partly'): why, and what data would settle them."""
    selected = registry[registry["testable"] != "yes"]
    return selected[["id", "testable", "limitation", "data_needed"]].reset_index(drop=True)


def results_overview(documents: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per summarised notebook: its title, data kind, number of claims and package version."""
    return pd.DataFrame(
        [
            {"notebook": d["notebook"], "title": d["title"], "data": d["data_kind"], "claims": len(d["claims"]),
             "package_version": d["package_version"]}
            for d in documents
        ],
        columns=["notebook", "title", "data", "claims", "package_version"],
    )


def format_estimate(estimate: float | None, ci_low: float | None, ci_high: float | None) -> tuple[str, str]:
    """Estimate and ``[low, high]`` as text, with decimals suited to the row's magnitude
    (one decimal from 10 up, two from 1, three below), so small effects do not round to zero."""
    if estimate is None or pd.isna(estimate):
        return "", ""
    scale = max(abs(estimate), abs(ci_low), abs(ci_high))
    digits = 1 if scale >= 10 else 2 if scale >= 1 else 3

    def text(value: float) -> str:
        rounded = f"{value:.{digits}f}"
        return rounded.lstrip("-") if float(rounded) == 0 else rounded  # no "-0.0"

    return text(estimate), f"[{text(ci_low)}, {text(ci_high)}]"


def scorecard_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a reader sees it: claim id and statement, verdict, estimate, 95% CI, unit, data kind, notebook section."""
    numbers = [format_estimate(*row) for row in zip(scorecard["estimate"], scorecard["ci_low"], scorecard["ci_high"])]
    return pd.DataFrame(
        {
            "claim": scorecard["id"],
            "statement": scorecard["claim"],
            "verdict": scorecard["verdict"],
            "estimate": [estimate for estimate, _ in numbers],
            "95% CI": [interval for _, interval in numbers],
            "unit": scorecard["unit"].fillna(""),
            "data": scorecard["data_kind"],
            "notebook section": [
                " — ".join(part for part in (notebook, section) if part)
                for notebook, section in zip(scorecard["notebook"], scorecard["section"].fillna(""))
            ],
        }
    )


def html_table(frame: pd.DataFrame, name: str) -> HTML:
    """A table for the notebook: left-aligned text that wraps, no row numbers. Shown as HTML with a
    fixed element id (``name``) so the stored output carries no object address or random id."""
    styled = frame.style.set_uuid(name).hide(axis="index").set_properties(**{"text-align": "left", "vertical-align": "top"})
    styled = styled.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}])
    return HTML(styled.to_html())


def merged_sources(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every distinct file version the summarised notebooks read (sorted), each with the notebooks that used it."""
    used_by: dict[tuple[tuple[str, str], ...], set[str]] = {}
    for document in documents:
        for use in document["sources"]:
            used_by.setdefault(tuple(sorted(use.items())), set()).add(document["notebook"])
    merged = [dict(key) | {"used_by": sorted(notebooks)} for key, notebooks in used_by.items()]
    return sorted(merged, key=lambda use: (use["source"], use["file"], use["version"]))


def provenance_store(documents: list[dict[str, Any]]) -> DataStore:
    """A DataStore recording the files the summarised notebooks read, so the library's source footer,
    banner and provenance table work for the scorecard; synthetic when any summarised result is."""
    store = DataStore(synthetic=any(document["data_kind"] == "synthetic" for document in documents))
    for use in merged_sources(documents):
        store.used[(use["source"], use["file"])] = FileUse(**{k: v for k, v in use.items() if k != "used_by"})
    return store


VERDICT_COLOURS = {"supported": "#1b7837", "contradicted": HIGHLIGHT, "mixed": "#d08c00", "inconclusive": "#4a4a4a"}


def plot_forest(scorecard: pd.DataFrame, store: DataStore) -> plt.Figure:
    """Forest plot of every claim with an estimate: point and 95% CI, one panel per unit so that only
    comparable effect sizes share an axis, no effect (0, or 1 for a ratio) marked by a dashed line;
    colour shows the verdict, hollow grey marks synthetic results (never a finding)."""
    plotted = scorecard.dropna(subset=["estimate"])
    if plotted.empty:
        return _empty_forest(store)
    units = plotted["unit"].value_counts(sort=True).index.tolist()
    heights = [int((plotted["unit"] == unit).sum()) + 1.5 for unit in units]
    fig, axes = plt.subplots(len(units), 1, figsize=(10, 0.4 * sum(heights) + 2.0), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, unit in zip(axes[:, 0], units):
        _draw_unit_panel(ax, plotted[plotted["unit"] == unit], unit)
    fig.suptitle("Effect size behind each verdict: estimate and 95% CI, one panel per unit")
    axes[0, 0].legend(handles=_legend_handles(plotted), loc="lower right", bbox_to_anchor=(1.0, 1.02), handlelength=1.5,
                      ncol=5, frameon=False, fontsize=9)
    add_source_footer(fig, store)
    return fig


def _empty_forest(store: DataStore) -> plt.Figure:
    """The forest plot's stand-in before any notebook has reported an estimate."""
    fig, ax = plt.subplots(figsize=(10, 2.5))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "No claim has an estimate yet: run the analysis notebooks first (make all).",
            ha="center", va="center", fontsize=12)
    fig.suptitle("Effect size behind each verdict: estimate and 95% CI, one panel per unit")
    add_source_footer(fig, store)
    return fig


def _legend_handles(plotted: pd.DataFrame) -> list[plt.Line2D]:
    handles = [plt.Line2D([], [], marker="o", color=colour, label=verdict) for verdict, colour in VERDICT_COLOURS.items()]
    if (plotted["status"] == STATUS_SYNTHETIC).any():
        handles.append(plt.Line2D([], [], marker="o", color=MUTED, markerfacecolor="white", label="synthetic — not a finding"))
    return handles


def _draw_unit_panel(ax: plt.Axes, rows: pd.DataFrame, unit: str) -> None:
    positions = np.arange(len(rows))[::-1]
    ax.axvline(1.0 if unit == "ratio" else 0.0, color="#333333", linestyle="--", linewidth=1)
    for y, row in zip(positions, rows.itertuples(index=False)):
        synthetic = row.status == STATUS_SYNTHETIC
        colour = MUTED if synthetic else VERDICT_COLOURS[row.verdict]
        ax.plot([row.ci_low, row.ci_high], [y, y], color=colour, linewidth=2.2)
        ax.plot(row.estimate, y, marker="o", markersize=7, color=colour, markerfacecolor="white" if synthetic else colour)
    ax.set_yticks(positions, labels=rows["id"].tolist())
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(unit)


def summary_markdown(scorecard: pd.DataFrame) -> str:
    """A short Markdown summary of the scorecard (for the README's findings section and the site)."""
    counts = count_verdicts(scorecard)
    findings = scorecard[scorecard["status"] == STATUS_FINDING]
    lines = [
        f"Of the essay's {len(scorecard)} claims, {len(findings)} have a verdict from real data: "
        + ", ".join(f"{counts[v]} {v}" for v in VERDICTS) + ". "
        + f"{counts[STATUS_UNTESTABLE]} cannot be tested with open data"
        + (f"; {counts[STATUS_SYNTHETIC]} have only synthetic illustrations" if counts[STATUS_SYNTHETIC] else "")
        + (f"; {counts[STATUS_NOT_RUN] + counts[STATUS_NOT_REPORTED]} await their notebook" if counts[STATUS_NOT_RUN] + counts[STATUS_NOT_REPORTED] else "")
        + ".",
        "",
        "| claim | in our words | verdict | estimate [95% CI] |",
        "|---|---|---|---|",
    ]
    for row in scorecard_table(findings).to_dict("records"):
        lines.append(f"| `{row['claim']}` | {row['statement']} | {row['verdict']} | {row['estimate']} {row['95% CI']} {row['unit']} |")
    return "\n".join(lines) + "\n"


def write_scorecard_results(
    out_dir: str | Path, *, parameters: dict[str, Any], scorecard: pd.DataFrame, documents: list[dict[str, Any]]
) -> Path:
    """Write the scorecard's ``results.json``: the standard metadata (data kind, the union of the
    summarised notebooks' sources) with no claims of its own, plus a ``summary`` block holding the
    verdict counts and which notebooks (with their data kind) were summarised.

    The scorecard tests no claim itself — a count of verdicts has no sampling error and is not a
    verdict — so the counts go beside the claims list rather than into it.
    """
    return write_results(
        out_dir,
        notebook=SCORECARD_NOTEBOOK,
        title="Claims scorecard: every claim of the essay and its verdict",
        parameters=parameters,
        data_kind=provenance_store(documents).kind,
        sources=[{k: v for k, v in use.items() if k != "used_by"} for use in merged_sources(documents)],
        claims=[],
        summary={
            "verdict_counts": count_verdicts(scorecard),
            "notebooks": {d["notebook"]: d["data_kind"] for d in documents},
        },
    )
