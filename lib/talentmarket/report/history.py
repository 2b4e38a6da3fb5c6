"""Verdict history: every claim judged on every available vintage set, and the verdicts that changed.

A *vintage set* names the vintage of every source one run reads (see :mod:`talentmarket.data.sources`).
The history judges the claims once per set: the newest set first, then each older vintage of a
source with several releases on its own, every other source at its newest. Changing one source at a
time makes every changed verdict attributable to one release (the full cross product would grow
multiplicatively with each new release and blur that). Each set runs into its own folder
(``runs/history/<set>/``, gitignored) through the runner's :func:`~talentmarket.report.runner.run_many`;
a notebook that reads none of the sources a set changes has the same inputs as in the newest set,
so it is not run again and its verdicts are carried over (and marked so).

The history is written as ``history.json`` (the table, for code: :func:`verdict_flips`),
``history.md`` and ``history.html`` (claim × vintage set → verdict, estimate, 95% CI, n, with the
vintage of every source per column and the changed verdicts highlighted).
"""

from __future__ import annotations

import html
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from talentmarket import paths
from talentmarket.data.sources import (
    SOURCES,
    VINTAGES_ENV_VAR,
    check_vintages,
    format_vintages,
    vintage_environment,
)
from talentmarket.errors import ParameterError, TalentMarketError
from talentmarket.report.runner import (
    LAST_NOTEBOOK_PREFIX,
    NotebookFailed,
    discover_notebooks,
    resolve_notebook,
    run_many,
)
from talentmarket.report.scorecard import read_all_results
from talentmarket.results.display import format_interval
from talentmarket.results.registry import load_registry

HISTORY_JSON, HISTORY_MARKDOWN, HISTORY_HTML = "history.json", "history.md", "history.html"
NEWEST = "newest"
"""Label of the vintage set that reads every source at its newest vintage (what the main job reads)."""


class HistoryError(TalentMarketError):
    """The history's runs are missing or read other vintages than their vintage set selects."""


TABLE_COLUMNS = ("id", "label", "vintage_set", "verdict", "estimate", "ci_low", "ci_high", "unit", "n", "notebook", "carried_over")


def history_dir() -> Path:
    """Where ``python -m talentmarket history`` runs each vintage set and writes the history page: ``<runs>/history``."""
    return paths.runs_dir() / "history"


@dataclass(frozen=True)
class VintageSet:
    """The sources read at an older vintage in one history run (none: the newest set)."""

    older: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``newest`` or ``SOURCE=VINTAGE[,…]``, the text ``--vintage`` and ``TALENTMARKET_VINTAGES`` take."""
        return format_vintages(self.older) or NEWEST

    @property
    def folder(self) -> str:
        """Folder name of its runs: the label with ``=`` as ``@`` and ``,`` as ``+`` (safe in any file system)."""
        return self.label.replace("=", "@").replace(",", "+").replace(" ", "_")


def vintage_sets() -> list[VintageSet]:
    """The newest set, then one set per older vintage of every source registered with several."""
    older = [VintageSet(check_vintages({source.name: vintage.name}))
             for source in sorted(SOURCES.values(), key=lambda s: s.name) for vintage in source.vintages[:-1]]
    return [VintageSet(), *older]


def run_history(
    notebooks: Sequence[str] | None = None,
    *,
    out: Path | None = None,
    page: Path | None = None,
    data_dir: str | None = None,
    **run_options: Any,
) -> Path:
    """Run the claim notebooks on every vintage set, write the history files and return the HTML page.

    ``notebooks`` selects claim notebooks (default: all but the scorecard); ``out`` is the root of
    the runs (default :func:`history_dir`); ``page`` is the HTML page (default ``<out>/history.html``;
    ``history.json`` and ``history.md`` go beside it); ``run_options`` (``jobs``, ``timeout``) pass to
    :func:`~talentmarket.report.runner.run_many`.
    """
    root = (out or history_dir()).expanduser()
    chosen = [resolve_notebook(name) for name in notebooks] if notebooks else discover_notebooks()
    stems = sorted({p.stem for p in chosen if not p.name.startswith(LAST_NOTEBOOK_PREFIX)})
    if not stems:
        raise ParameterError("history: no claim notebook selected (the scorecard reads the others' results and has no claims of its own)")
    sets = vintage_sets()
    failures = []
    for index, vintage_set in enumerate(sets, start=1):
        todo = stems if index == 1 else sorted(set(stems) & _rerun_in(vintage_set, root / sets[0].folder))
        print(f"history [{index}/{len(sets)}] {vintage_set.label}: {', '.join(todo) or 'no notebook reads these vintages'}",
              file=sys.stderr, flush=True)
        for stem in todo:  # a failed run must not leave an earlier history's results in its place
            shutil.rmtree(root / vintage_set.folder / stem, ignore_errors=True)
        if todo:
            try:
                with vintage_environment(_newest_except(vintage_set.older)):
                    run_many(todo, data_dir=data_dir, reports_root=root / vintage_set.folder, **run_options)
            except NotebookFailed as error:
                failures.append(f"{vintage_set.label}: {error}")
            check_vintages_read(root / vintage_set.folder, vintage_set)
    written = write_history(root, sets, page)
    if failures:
        raise HistoryError(f"history: {written} was written with gaps ('no result') because runs failed:\n" + "\n".join(failures))
    return written


def _rerun_in(vintage_set: VintageSet, newest_root: Path) -> set[str]:
    """The notebooks a set must run itself: those whose newest results read a source the set changes,
    and those without newest results (which sources they read is unknown)."""
    newest = {document["notebook"]: document for document in read_all_results(newest_root)}
    reading = {stem for stem, document in newest.items() if set(vintage_set.older) & {use["source"] for use in document["sources"]}}
    unknown = {p.stem for p in discover_notebooks() if not p.name.startswith(LAST_NOTEBOOK_PREFIX)} - set(newest)
    return reading | unknown


def _newest_except(older: dict[str, str]) -> dict[str, str]:
    """Every source at its newest vintage but those in ``older``, so no outside selection leaks into a set."""
    return {name: source.default_vintage.name for name, source in SOURCES.items()} | older


def check_vintages_read(results_root: Path, vintage_set: VintageSet) -> None:
    """Refuse results under ``results_root`` that cite another vintage of a source than ``vintage_set``
    selects (e.g. a kernel that did not inherit ``TALENTMARKET_VINTAGES``): the history would mislabel them."""
    for document in read_all_results(results_root):
        for use in document["sources"]:
            wanted = vintage_set.older.get(use["source"])
            if wanted is not None and use["version"] != wanted:
                raise HistoryError(
                    f"history: {document['notebook']} in {results_root} read {use['source']} vintage {use['version']}, "
                    f"but the set {vintage_set.label} selects {wanted}; the notebook must build its DataStore without "
                    f"overriding vintages so that {VINTAGES_ENV_VAR} applies"
                )


def history_table(root: Path, sets: Sequence[VintageSet]) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """The long table (one row per claim and vintage set, :data:`TABLE_COLUMNS`) and, per set label,
    the vintage of every source its notebooks read.

    A notebook that reads none of the sources a set changes is not re-run there: its newest results
    stand in, with ``carried_over`` true. A notebook the set had to run but has no results for (its run
    failed) gets rows without a verdict ("no result"), so no stale or borrowed result fills the gap.
    """
    found = {s.label: {d["notebook"]: d for d in read_all_results(root / s.folder)} for s in sets}
    newest = found[sets[0].label]
    if not any(found.values()):
        raise HistoryError(f"history: no results under {root}; run `python -m talentmarket history` first")
    claims = {stem: {claim.id: claim for claim in document["claims"]} for by_stem in found.values() for stem, document in by_stem.items()}
    labels = load_registry().set_index("id")["label"].to_dict()
    rows, read = [], {}
    for vintage_set in sets:
        documents, carried = {}, set()
        for stem in sorted(claims):
            reads_changed = stem not in newest or set(vintage_set.older) & {use["source"] for use in newest[stem]["sources"]}
            if vintage_set is sets[0] or reads_changed:
                documents[stem] = found[vintage_set.label].get(stem)
            else:
                documents[stem], carried = newest[stem], carried | {stem}
        read[vintage_set.label] = {use["source"]: use["version"] for document in documents.values() if document
                                   for use in document["sources"]}
        for stem, document in documents.items():
            measured = {claim.id: claim for claim in document["claims"]} if document else {}
            for claim_id in sorted(claims[stem]):
                claim = measured.get(claim_id)
                rows.append({
                    "id": claim_id, "label": labels.get(claim_id, claim_id), "vintage_set": vintage_set.label,
                    "verdict": claim.verdict if claim else None, "estimate": claim.estimate if claim else None,
                    "ci_low": claim.ci_low if claim else None, "ci_high": claim.ci_high if claim else None,
                    "unit": claims[stem][claim_id].unit, "n": claim.n if claim else None, "notebook": stem,
                    "carried_over": stem in carried,
                })
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS)), {label: dict(sorted(v.items())) for label, v in read.items()}


def flips_in(table: pd.DataFrame) -> pd.DataFrame:
    """One row per claim with two different verdicts among the vintage sets that have a result for it:
    ``id``, ``label`` and the verdict in each set (columns named by set label, newest first)."""
    wide = table.pivot(index=["id", "label"], columns="vintage_set", values="verdict")[list(dict.fromkeys(table["vintage_set"]))]
    changed = wide[wide.nunique(axis=1) > 1]
    return changed.reset_index().rename_axis(columns=None)


def write_history(root: Path, sets: Sequence[VintageSet], page: Path | None = None) -> Path:
    """Write ``history.json``, ``history.md`` and ``history.html`` from the runs under ``root``; the HTML path."""
    table, read = history_table(root, sets)
    flips = flips_in(table)
    target = (page or root / HISTORY_HTML).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {"vintage_sets": [s.label for s in sets], "sources": read,
                "claims": json.loads(table.to_json(orient="records")), "flips": json.loads(flips.to_json(orient="records"))}
    target.with_name(HISTORY_JSON).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    target.with_name(HISTORY_MARKDOWN).write_text(_markdown(table, read, flips), encoding="utf-8")
    target.write_text(_html(table, read, flips), encoding="utf-8")
    return target


def verdict_flips(history: Path | None = None) -> list[dict[str, str]]:
    """The claims whose verdict changed between vintage sets, from a written ``history.json`` (default:
    the one in :func:`history_dir`): each a dict of ``id``, ``label`` and the verdict per vintage set
    label, newest first (for the README findings)."""
    history = history or history_dir() / HISTORY_JSON
    if not history.is_file():
        raise HistoryError(f"{history}: no verdict history yet; run `python -m talentmarket history`")
    return json.loads(history.read_text(encoding="utf-8"))["flips"]


def _cell(row: pd.Series) -> str:
    """``verdict: estimate [low, high], n = …`` for one claim in one set."""
    if pd.isna(row["verdict"]):
        return "no result (the run failed)"
    if pd.isna(row["estimate"]):
        return f"{row['verdict']} (no estimate), n = {int(row['n']):,}"
    digits = 1 if row["unit"].startswith("percent") else 2  # percentages with one decimal, as everywhere in the reports
    return (f"{row['verdict']}: {row['estimate']:.{digits}f} {format_interval(row['ci_low'], row['ci_high'], digits)} {row['unit']}, "
            f"n = {int(row['n']):,}" + (" (same inputs as newest)" if row["carried_over"] else ""))


def _grid(table: pd.DataFrame) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    sets = list(dict.fromkeys(table["vintage_set"]))
    cells = table.assign(cell=table.apply(_cell, axis=1)).pivot(index=["id", "label"], columns="vintage_set", values="cell")
    return sets, [(claim, label, [cells.loc[(claim, label), s] for s in sets]) for claim, label in cells.index]


def _vintages_text(read: dict[str, str]) -> str:
    return "; ".join(f"{source} {vintage}" for source, vintage in read.items())


def _markdown(table: pd.DataFrame, read: dict[str, dict[str, str]], flips: pd.DataFrame) -> str:
    sets, grid = _grid(table)
    changed = set(flips["id"])
    lines = ["# Verdict history across data vintages", "",
             f"{len(changed)} of {len(grid)} claims change verdict between vintage sets"
             + (f": {', '.join(sorted(changed))}." if changed else "."), "",
             "| claim | " + " | ".join(sets) + " |", "|---|" + "---|" * len(sets),
             "| vintages read | " + " | ".join(_vintages_text(read[s]) for s in sets) + " |"]
    for claim, label, cells in grid:
        mark = "**changed** " if claim in changed else ""
        lines.append(f"| {mark}{label} (`{claim}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _html(table: pd.DataFrame, read: dict[str, dict[str, str]], flips: pd.DataFrame) -> str:
    sets, grid = _grid(table)
    changed = set(flips["id"])
    escape = html.escape
    head = "".join(f"<th>{escape(s)}<div class='vintages'>{'<br>'.join(escape(f'{k} {v}') for k, v in read[s].items())}</div></th>"
                   for s in sets)
    body = "".join(
        f"<tr class='{'changed' if claim in changed else 'same'}'><td>{escape(label)}<br><code>{escape(claim)}</code>"
        f"{'<br><strong>verdict changed</strong>' if claim in changed else ''}</td>"
        + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
        for claim, label, cells in grid
    )
    summary = (f"{len(changed)} of {len(grid)} claims change verdict between vintage sets"
               + (f": {escape(', '.join(sorted(changed)))}." if changed else "."))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Verdict history across data vintages</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}}
.vintages{{font-weight:normal;font-size:.8rem;color:#555}}tr.changed td{{background:#fff3cd}}</style></head>
<body><h1>Verdict history across data vintages</h1>
<p>Each column judges every claim on one vintage set: <em>{NEWEST}</em> reads every source at its newest
release; the other columns change one source to an older release. Highlighted rows changed verdict.</p>
<p>{summary}</p>
<table><thead><tr><th>claim</th>{head}</tr></thead><tbody>{body}</tbody></table></body></html>
"""
