"""Execute notebooks headlessly with papermill and render them to HTML.

Parameters are checked against the notebook's ``parameters`` cell before any
kernel starts: unknown names and values of the wrong type are refused with a
message that lists what the notebook accepts.
"""

from __future__ import annotations

import ast
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from talentmarket import paths
from talentmarket.errors import ParameterError, TalentMarketError
from talentmarket.report.site import notebook_exporter
from talentmarket.results.display import SYNTHETIC_BANNER

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 1800
LAST_NOTEBOOK_PREFIX = "00_"
"""Notebooks whose names start with this (the claims scorecard) read the others' results, so run last."""


class NotebookFailed(TalentMarketError, RuntimeError):
    """A cell raised while papermill executed the notebook."""


@dataclass(frozen=True)
class NotebookRun:
    """Where one executed notebook and its renderings were written."""

    name: str
    executed: Path
    html: Path
    reader_html: Path
    seconds: float


def discover_notebooks() -> list[Path]:
    """All notebooks in ``notebooks/``, in run order (the scorecard last)."""
    found = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in found if not p.name.startswith(LAST_NOTEBOOK_PREFIX)] + [
        p for p in found if p.name.startswith(LAST_NOTEBOOK_PREFIX)
    ]


def resolve_notebook(name: str) -> Path:
    """A notebook path from a name such as ``01``, ``01_demand_growth`` or a path."""
    candidate = Path(name)
    if candidate.suffix == ".ipynb" and candidate.is_file():
        return candidate.resolve()
    matches = [p for p in discover_notebooks() if p.stem == name or p.stem.startswith(f"{name}_")]
    if len(matches) != 1:
        known = ", ".join(p.stem for p in discover_notebooks())
        raise ParameterError(f"notebook {name!r} matches {len(matches)} notebooks; known notebooks: {known}")
    return matches[0]


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """The names and default values of the notebook's ``parameters`` cell (literals only)."""
    declared = papermill.inspect_notebook(str(notebook))
    if not declared:
        raise ParameterError(f"{notebook.name} has no cell tagged 'parameters'")
    hidden = sorted(_assigned_names(notebook) - set(declared))
    if hidden:
        raise ParameterError(
            f"{notebook.name}: papermill cannot see parameter(s) {hidden} of the parameters cell "
            "(a comment containing '=' on the same line is the usual cause); they could not be overridden"
        )
    defaults = {}
    for name, spec in declared.items():
        try:
            defaults[name] = ast.literal_eval(spec["default"])
        except (ValueError, SyntaxError):
            raise ParameterError(f"{notebook.name}: default of {name!r} is not a literal: {spec['default']}") from None
    return defaults


def _assigned_names(notebook: Path) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell, read with Python's own parser."""
    cells = nbformat.read(notebook, as_version=4).cells
    source = next(c.source for c in cells if "parameters" in c.metadata.get("tags", []))
    return {target.id for node in ast.parse(source).body if isinstance(node, (ast.Assign, ast.AnnAssign))
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(target, ast.Name)}


def _type_matches(value: Any, default: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            return False
        return not default or all(_type_matches(v, default[0]) for v in value)
    return isinstance(value, type(default))


def validate_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    """Refuse unknown parameter names and values whose type differs from the default's."""
    defaults = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(defaults))
    if unknown:
        raise ParameterError(
            f"{notebook.stem}: unknown parameter(s) {unknown}; it accepts: "
            + ", ".join(f"{k} (default {v!r})" for k, v in sorted(defaults.items()))
        )
    for name, value in sorted(parameters.items()):
        if not _type_matches(value, defaults[name]):
            raise ParameterError(
                f"{notebook.stem}: parameter {name!r} expects a value like {defaults[name]!r} "
                f"({type(defaults[name]).__name__}), got {value!r} ({type(value).__name__})"
            )


def run_notebook(
    name: str,
    parameters: dict[str, Any] | None = None,
    *,
    data_dir: str | None = None,
    synthetic: bool = False,
    reports_root: Path | None = None,
    timeout: int = CELL_TIMEOUT_SECONDS,
    update_notebook: bool = False,
) -> NotebookRun:
    """Execute one notebook into ``reports/<stem>/`` and render full and reader (code-free) HTML.

    ``update_notebook`` copies the executed cells back into ``notebooks/`` (dropping
    papermill's injected cell) so the committed notebook carries current outputs; it is
    refused when parameters other than the data location were changed.
    """
    notebook = resolve_notebook(name)
    given = dict(parameters or {})
    if update_notebook and (given or synthetic):
        raise ParameterError("--update-notebook stores default-parameter runs on real data only")
    injected = given | ({"data_dir": str(data_dir)} if data_dir else {}) | ({"synthetic": True} if synthetic else {})
    out_dir = paths.report_dir(notebook.stem, reports_root)
    if reports_root is not None:
        injected["output_dir"] = str(out_dir)
    validate_parameters(notebook, injected)
    is_synthetic = bool(injected.get("synthetic", notebook_parameters(notebook)["synthetic"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / notebook.name
    started = time.monotonic()
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=injected, kernel_name=KERNEL_NAME,
            progress_bar=False, cwd=str(notebook.parent), execution_timeout=timeout,
        )
    except PapermillExecutionError as error:
        render_html(executed, synthetic=is_synthetic)
        raise NotebookFailed(
            f"{notebook.stem}: cell {error.exec_count} (index {error.cell_index}) raised {error.ename}: "
            f"{error.evalue}. The partly executed notebook is {executed} (and its .html)."
        ) from None
    drop_machine_paths(executed)
    html, reader_html = render_html(executed, synthetic=is_synthetic)
    if update_notebook:
        store_outputs(executed, notebook)
    return NotebookRun(notebook.stem, executed, html, reader_html, time.monotonic() - started)


def render_html(executed: Path, synthetic: bool = False) -> tuple[Path, Path]:
    """Write ``<stem>.html`` (with code) and ``<stem>_reader.html`` (outputs and prose only).

    The page title is the notebook's first heading; a synthetic run gets the banner as
    the very first thing on the page and "SYNTHETIC" in its title.
    """
    notebook = nbformat.read(executed, as_version=4)
    title = _first_heading(notebook) or executed.stem
    if synthetic:
        title = f"SYNTHETIC DATA — {title}"
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(SYNTHETIC_BANNER))
    resources = {"metadata": {"name": title}}
    full = executed.with_suffix(".html")
    reader = executed.with_name(f"{executed.stem}_reader.html")
    full.write_text(notebook_exporter(reader=False).from_notebook_node(notebook, resources=resources)[0], encoding="utf-8")
    reader.write_text(notebook_exporter(reader=True).from_notebook_node(notebook, resources=resources)[0], encoding="utf-8")
    return full, reader


def _first_heading(notebook: nbformat.NotebookNode) -> str | None:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


def drop_machine_paths(executed: Path) -> None:
    """Replace papermill's absolute input and output paths with their file names, so a shared
    executed notebook does not reveal (or depend on) where the project lived."""
    notebook = nbformat.read(executed, as_version=4)
    run_metadata = notebook.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if run_metadata.get(key):
            run_metadata[key] = Path(run_metadata[key]).name
    nbformat.write(notebook, executed)


def store_outputs(executed: Path, notebook: Path) -> None:
    """Copy an executed notebook over its source, without papermill's injected cell and run metadata."""
    result = nbformat.read(executed, as_version=4)
    result.cells = [c for c in result.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for cell in result.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    result.metadata.pop("papermill", None)
    nbformat.write(result, notebook)


def run_many(names: list[str] | None, **options: Any) -> list[NotebookRun]:
    """Run several notebooks (all of them when ``names`` is empty) in run order, printing progress to stderr."""
    order = {path: rank for rank, path in enumerate(discover_notebooks())}
    notebooks = (sorted({resolve_notebook(n) for n in names}, key=lambda p: (order.get(p, len(order)), p.name))
                 if names else list(order))
    runs = []
    for index, notebook in enumerate(notebooks, start=1):
        print(f"[{index}/{len(notebooks)}] {notebook.stem}: running…", file=sys.stderr, flush=True)
        run = run_notebook(str(notebook), **options)
        print(f"[{index}/{len(notebooks)}] {notebook.stem}: done in {run.seconds:.1f} s → {run.html}", file=sys.stderr, flush=True)
        runs.append(run)
    return runs
