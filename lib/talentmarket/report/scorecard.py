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

import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from talentmarket.data.store import DataStore, FileUse
from talentmarket.errors import DataValidationError
from talentmarket.results.contract import (
    RESULTS_FILE,
    VERDICTS,
    ResultsError,
    read_results,
    write_results,
)
from talentmarket.results.display import (
    MISSING,
    ReaderTable,
    format_estimate,
    format_threshold,
    reader_table,
    short_sha256,
)
from talentmarket.results.figures import HIGHLIGHT, MUTED, add_source_footer
from talentmarket.results.registry import REGISTRY_NAME
from talentmarket.stats.multiplicity import benjamini_hochberg

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
    "id", "topic", "label", "claim", "notebook", "testable", "status", "verdict", "estimate", "ci_low", "ci_high",
    "unit", "metric", "n", "data_kind", "section", "rationale", "limitation", "data_needed",
    "threshold", "direction", "p_value", "q_value",
)
_RESULT_FIELDS = ("estimate", "ci_low", "ci_high", "unit", "metric", "n", "section", "rationale", "p_value")


def read_all_results(reports_root: str | Path) -> list[dict[str, Any]]:
    """Every notebook's validated ``results.json`` under ``reports_root`` (the scorecard's own excluded), by notebook.

    Raises ResultsError naming the folders when two of them hold results of the same notebook (e.g. a
    ``results_dir`` that holds several runs' output folders): the scorecard could not tell which to use.
    """
    found: dict[str, list[Path]] = {}
    documents = []
    for path in sorted(Path(reports_root).glob(f"*/{RESULTS_FILE}")):
        if path.parent.name != SCORECARD_NOTEBOOK:
            documents.append(read_results(path))
            found.setdefault(documents[-1]["notebook"], []).append(path.parent)
    twice = [f"{notebook} in {', '.join(str(folder) for folder in folders)}"
             for notebook, folders in found.items() if len(folders) > 1]
    if twice:
        raise ResultsError(f"{reports_root}: results of one notebook in several folders ({'; '.join(twice)}); "
                           "set results_dir to a folder that holds one run of each notebook")
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
    scorecard = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
    scorecard["q_value"] = scorecard_q_values(scorecard)
    return scorecard


def scorecard_q_values(scorecard: pd.DataFrame) -> np.ndarray:
    """Benjamini–Hochberg q-values of the primary tests of the real-data findings (their one-sided
    ``p_value`` of 'not beyond the threshold'), over the whole scorecard; NaN for every claim without a
    p-value (synthetic, not run, untestable, or results written before p-values were recorded).
    They are shown beside the verdicts and never change one."""
    p_values = scorecard["p_value"].where(scorecard["status"] == STATUS_FINDING).astype(float)
    return benjamini_hochberg(p_values.to_numpy())


def _scorecard_row(entry: dict[str, str], result: tuple[Any, dict[str, Any]] | None, ran: set[str]) -> dict[str, Any]:
    row = dict(entry) | {field: None for field in _RESULT_FIELDS} | {"data_kind": ""} | {
        "threshold": float(entry["threshold"]) if entry["threshold"] else None, "direction": entry["direction"] or None,
    }
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


def scorecard_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as a reader sees it: claim id and statement, verdict, estimate, 95% CI, unit, the
    claim's threshold, the Benjamini–Hochberg q-value of its primary test, data kind, notebook section."""
    numbers = [format_estimate(*row) for row in zip(scorecard["estimate"], scorecard["ci_low"], scorecard["ci_high"])]
    return pd.DataFrame(
        {
            "claim": scorecard["id"],
            "statement": scorecard["claim"],
            "verdict": scorecard["verdict"],
            "estimate": [estimate for estimate, _ in numbers],
            "95% CI": [interval for _, interval in numbers],
            "unit": scorecard["unit"].fillna(""),
            "threshold": [format_threshold(t, d) for t, d in zip(scorecard["threshold"], scorecard["direction"])],
            "q-value": [format_q_value(q) for q in scorecard["q_value"]],
            "data": scorecard["data_kind"],
            "notebook section": [
                " — ".join(part for part in (notebook, section) if part)
                for notebook, section in zip(scorecard["notebook"], scorecard["section"].fillna(""))
            ],
        }
    )


def scorecard_reader_table(scorecard: pd.DataFrame) -> ReaderTable:
    """The scorecard for the notebook page: each claim by its plain-language label, then verdict, numbers,
    threshold, q-value, data kind and the notebook section behind it."""
    table = scorecard_table(scorecard).drop(columns=["claim", "statement"])
    table.insert(0, "claim", scorecard["label"].to_numpy())
    return reader_table(
        table, table_id="scorecard",
        caption="Every claim of the essay in the registry's order: verdict, estimate and 95% CI in the claim's unit, its "
                "threshold, the Benjamini–Hochberg q-value of its primary test (— when none), the kind of data and the "
                "notebook section that produced it.",
    )


def sources_table(documents: list[dict[str, Any]]) -> ReaderTable:
    """Every file version the summarised notebooks read, with licence, short sha256 and the notebooks that used it."""
    rows = [{"source": use["source"], "file": use["file"], "version": use["version"], "license": use["license"],
             "sha256": short_sha256(use["sha256"]), "used by": ", ".join(use["used_by"])} for use in shown_sources(documents)]
    frame = pd.DataFrame(rows, columns=["source", "file", "version", "license", "sha256", "used by"])
    return reader_table(frame, table_id="sources",
                        caption="Data files behind the summarised results: version, licence, first 12 hex digits of the sha256, "
                                "and which notebooks read them.")


def format_q_value(q_value: float | None) -> str:
    """A q-value to two significant digits (``< 0.001`` below that); ``—`` when the claim has no p-value."""
    if q_value is None or pd.isna(q_value):
        return MISSING
    return "< 0.001" if q_value < 0.001 else f"{q_value:.2g}"


def merged_sources(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every distinct file version the summarised notebooks read (sorted), each with the notebooks that used it."""
    used_by: dict[tuple[tuple[str, str], ...], set[str]] = {}
    for document in documents:
        for use in document["sources"]:
            used_by.setdefault(tuple(sorted(use.items())), set()).add(document["notebook"])
    merged = [dict(key) | {"used_by": sorted(notebooks)} for key, notebooks in used_by.items()]
    return sorted(merged, key=lambda use: (use["source"], use["file"], use["version"]))


SYNTHETIC_DIGEST = "not applicable (synthetic)"


def shown_sources(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`merged_sources` as tables show them: a file a notebook drew from its synthetic twin reads
    ``synthetic twin (seed N)`` with no hash, since the registered version and sha256 describe a real file
    that run never read."""
    shown = []
    for document in documents:
        synthetic = document["data_kind"] == "synthetic"
        seed = document.get("parameters", {}).get("seed")
        for use in document["sources"]:
            twin = synthetic and not use["source"].startswith(("generated:", "own:"))
            shown.append(document | {"sources": [use | ({"version": f"synthetic twin (seed {seed})", "sha256": SYNTHETIC_DIGEST} if twin else {})]})
    return merged_sources(shown)


def provenance_store(documents: list[dict[str, Any]]) -> DataStore:
    """A DataStore recording the files the summarised notebooks read, so the library's source footer,
    banner and provenance table work for the scorecard; synthetic when any summarised result is."""
    store = DataStore(synthetic=any(document["data_kind"] == "synthetic" for document in documents))
    for use in merged_sources(documents):
        store.used[(use["source"], use["file"])] = FileUse(**{k: v for k, v in use.items() if k != "used_by"})
    return store


VERDICT_COLOURS = {"supported": "#1b7837", "contradicted": HIGHLIGHT, "mixed": "#d08c00", "inconclusive": "#4a4a4a"}
CLAIMED_SIDE = "#e3f1e5"
"""Shading of the side of the threshold a claim predicts: a supported claim's whole CI lies in it."""
FOREST_TITLE = "Each claim's estimate and 95% CI against its threshold"
_ROW_INCHES, _HEADER_INCHES = 0.62, 0.42


def plot_forest(scorecard: pd.DataFrame, store: DataStore) -> plt.Figure:
    """Forest plot of every claim with an estimate, grouped by notebook, one row per claim labelled with
    the registry's plain-language label. Each row has its own scale in the claim's unit (claims in
    different units never share an axis): the dot is the estimate, the bar its 95% CI, the dashed line
    the claim's threshold and the shaded side the one the claim predicts, so a claim is supported when
    its whole bar lies in the shade. The colour is the verdict; hollow grey marks synthetic results
    (never a finding). The right margin repeats the estimate, CI and unit as text."""
    plotted = scorecard.dropna(subset=["estimate", "ci_low", "ci_high"])  # a descriptive estimate has no bar to draw
    if plotted.empty:
        return _empty_forest(store)
    order = {name: rank for rank, name in enumerate(sorted(set(plotted["notebook"])))}
    plotted = plotted.assign(_rank=plotted["notebook"].map(order)).sort_values("_rank", kind="stable")
    layout: list[tuple[str, Any]] = []
    for notebook, rows in plotted.groupby("_rank", sort=True):
        layout.append(("header", rows["notebook"].iloc[0]))
        layout.extend(("claim", row) for row in rows.itertuples(index=False))
    heights = [_HEADER_INCHES if kind == "header" else _ROW_INCHES for kind, _ in layout]
    fig, axes = plt.subplots(len(layout), 1, figsize=(12, sum(heights) + 1.9), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (kind, item) in zip(axes[:, 0], layout):
        if kind == "header":
            _draw_notebook_header(ax, item)
        else:
            _draw_claim_row(ax, item)
    fig.suptitle(FOREST_TITLE)
    fig.legend(handles=_legend_handles(plotted), loc="upper center", bbox_to_anchor=(0.5, 0.965), ncol=4,
               frameon=False, fontsize=8.5, handlelength=1.6)
    add_source_footer(fig, store)
    fig.subplots_adjust(top=1 - 1.15 / (sum(heights) + 1.9), hspace=0.9)
    return fig


def notebook_heading(notebook: str) -> str:
    """``02_salary_premium`` → ``02 · Salary premium`` (the forest plot's group heading)."""
    number, _, name = notebook.partition("_")
    return f"{number} · {name.replace('_', ' ').capitalize()}"


def _draw_notebook_header(ax: plt.Axes, notebook: str) -> None:
    ax.set_axis_off()
    ax.text(0.0, 0.15, notebook_heading(notebook), transform=ax.transAxes, fontsize=10.5, fontweight="bold", ha="left", va="bottom")


def _draw_claim_row(ax: plt.Axes, row: Any) -> None:
    """One claim: threshold, claimed side, CI bar and estimate on the claim's own scale."""
    synthetic = row.status == STATUS_SYNTHETIC
    colour = MUTED if synthetic else VERDICT_COLOURS.get(row.verdict, MUTED)
    points = [row.ci_low, row.ci_high] + ([row.threshold] if row.threshold is not None and not pd.isna(row.threshold) else [])
    span = (max(points) - min(points)) or max(abs(max(points)), 1.0)
    low, high = min(points) - 0.15 * span, max(points) + 0.15 * span
    ax.set_xlim(low, high)
    if len(points) == 3:
        claimed = (row.threshold, high) if row.direction == "above" else (low, row.threshold)
        ax.axvspan(*claimed, color=CLAIMED_SIDE, zorder=0, linewidth=0)
        ax.axvline(row.threshold, color="#333333", linestyle="--", linewidth=1.1, zorder=1)
    ax.plot([row.ci_low, row.ci_high], [0, 0], color=colour, linewidth=2.6, solid_capstyle="butt", zorder=2)
    ax.plot(row.estimate, 0, marker="o", markersize=7.5, color=colour, markerfacecolor="white" if synthetic else colour, zorder=3)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([0], labels=[row.label])
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    ax.tick_params(axis="x", labelsize=7.5, pad=1, length=2)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    ax.grid(axis="y", visible=False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    estimate, interval = format_estimate(row.estimate, row.ci_low, row.ci_high)
    # where a right-hand tick label at 0 would stand (what a twinx() axes with one tick drew, at the cost of a
    # second axes per row: 16 more axes to build, lay out and draw)
    transform, vertical, horizontal = ax.get_yaxis_text2_transform(matplotlib.rcParams["ytick.major.pad"])
    ax.text(1, 0, f"{estimate} {interval} {row.unit}", transform=transform, va=vertical, ha=horizontal,
            fontsize=8.5, color="#333333")


def _empty_forest(store: DataStore) -> plt.Figure:
    """The forest plot's stand-in before any notebook has reported an estimate."""
    fig, ax = plt.subplots(figsize=(10, 2.5))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "No claim has an estimate yet: run the analysis notebooks first (make all).",
            ha="center", va="center", fontsize=12)
    fig.suptitle(FOREST_TITLE)
    add_source_footer(fig, store)
    return fig


def _legend_handles(plotted: pd.DataFrame) -> list[Any]:
    handles: list[Any] = [plt.Line2D([], [], marker="o", color=colour, label=verdict) for verdict, colour in VERDICT_COLOURS.items()]
    handles.append(plt.Line2D([], [], color="#333333", linestyle="--", label="threshold of the claim"))
    handles.append(matplotlib.patches.Patch(color=CLAIMED_SIDE, label="side the claim predicts"))
    if (plotted["status"] == STATUS_SYNTHETIC).any():
        handles.append(plt.Line2D([], [], marker="o", color=MUTED, markerfacecolor="white", label="synthetic — not a finding"))
    return handles


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
        number = f"{row['estimate']} {row['95% CI']} {row['unit']}" if row["95% CI"] else f"{row['estimate']} {row['unit']} (descriptive, no interval)"
        lines.append(f"| `{row['claim']}` | {row['statement']} | {row['verdict']} | {number} |")
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
