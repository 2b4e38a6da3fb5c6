"""Execute notebooks headlessly with papermill and render them to HTML, in runs a user can trust.

- Parameters are checked before any kernel starts: names and types against the
  notebook's ``parameters`` cell, values against :mod:`talentmarket.report.parameter_rules`.
- Only the main job (default parameters, real data) writes ``reports/``; any other
  run writes ``runs/<label>/`` or ``--out``, and the runner says where.
- Each notebook runs into a fresh staging folder beside its target and replaces the
  target only when every cell succeeded, under a lock: a failed, interrupted or
  concurrent run never leaves one run's results.json beside another's HTML.
- Executed notebooks carry no timestamps, random ids or machine paths, so re-running an
  unchanged checkout leaves ``git status`` clean.
- Independent notebooks run in parallel (one worker per core), the scorecard last; its kernel starts
  on the first idle core and waits before the cell tagged ``reads-other-notebooks`` until they finish.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import active_children, get_context
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from talentmarket import paths
from talentmarket.data.sources import older_vintages
from talentmarket.errors import ParameterError, TalentMarketError
from talentmarket.report.kernels import (
    KERNEL_ARGUMENTS,
    TemplateKernelManager,
    blas_environment,
    kernel_environment,
    kernel_template,
)
from talentmarket.stats.parallel import usable_cores

if TYPE_CHECKING:
    from nbformat import NotebookNode

KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 1800
LAST_NOTEBOOK_PREFIX = "00_"
"""Notebooks whose names start with this (the claims scorecard) read the others' results, so run last."""
WAIT_TAG = "reads-other-notebooks"
"""Tags the scorecard's first cell that reads the other notebooks' results. When the scorecard runs with them,
its kernel starts (and imports) on the first idle core and waits before this cell until they have finished, so
the kernel start-up costs no wall time; a last notebook without this tag simply starts after the others."""
INJECTED_TAG = "injected-parameters"
ERROR_MARKER_TAG = "papermill-error-cell-tag"
"""Papermill's markdown cells pointing at the failed cell: not part of the notebook, so not counted."""
SECONDS_FILE = "notebook-seconds.json"
"""In the cache folder: how long each notebook took when it last ran, so that a parallel run starts the
longest first (on two cores the main job's longest notebook otherwise starts beside the first and the last
waits for a core: 5–10 s more). Read only to order the starts, never for results."""
FAILED_FOLDER = "failed"
"""``runs/failed/<stem>/``: where the partly executed copy of a failed notebook goes (never into a report folder)."""
VOLATILE_RUN_METADATA = ("start_time", "end_time", "duration")
ENGINE_NAME = "talentmarket"


@cache
def _register_engine() -> str:
    """Register the runner's papermill engine (once per process) and return its name. Not at import: papermill and
    nbformat cost 1–3 s of CPU, and :func:`run_many` starts the kernel template before it needs them."""
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class FinalSaveManager(NotebookExecutionManager):
        """Papermill's execution manager, but the output notebook is written once, when execution ends (also after an
        error, a timeout or a dead kernel: papermill ends every run with ``notebook_complete`` in a ``finally``), not at
        the start and end of every cell: rewriting a notebook full of figures twice per cell (0.02–0.06 s a write,
        40 cells) costs each notebook 1–3 s of CPU that the kernels beside it need."""

        gate: _Gate | None = None
        """Set for a run started before the notebooks it reads have finished: it waits at :data:`WAIT_TAG`."""

        def save(self, **kwargs: Any) -> None:
            if self.end_time is not None:
                super().save(**kwargs)

        def cell_start(self, cell: NotebookNode, cell_index: int | None = None, **kwargs: Any) -> None:
            if self.gate is not None and WAIT_TAG in cell.metadata.get("tags", []) and not self.gate.wait():
                raise RunCancelled("the notebooks it reads did not all succeed")
            super().cell_start(cell, cell_index, **kwargs)

    class FinalSaveEngine(NBClientEngine):
        """nbclient execution as papermill's default engine does it, with :class:`FinalSaveManager`."""

        @classmethod
        def execute_notebook(cls, nb: NotebookNode, kernel_name: str, output_path: str | None = None,
                             progress_bar: bool = False, log_output: bool = False, autosave_cell_every: int = 30,
                             gate: _Gate | None = None, **kwargs: Any) -> NotebookNode:
            manager = FinalSaveManager(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                       autosave_cell_every=autosave_cell_every)
            manager.gate = gate
            manager.notebook_start()
            try:
                cls.execute_managed_notebook(manager, kernel_name, log_output=log_output, **kwargs)
            finally:
                manager.cleanup_pbar()
                manager.notebook_complete()
            return manager.nb

    papermill_engines.register(ENGINE_NAME, FinalSaveEngine)
    return ENGINE_NAME


class NotebookFailed(TalentMarketError, RuntimeError):
    """A cell raised, timed out or lost its kernel while papermill executed the notebook."""


class RunInterrupted(BaseException):
    """SIGTERM or Ctrl-C: unwinds a run so its staging folder is removed and the previous report stays."""


class RunCancelled(TalentMarketError):
    """A run started early gave up at :data:`WAIT_TAG`: a notebook it reads failed or the run was interrupted."""


class _Gate:
    """Shared by the runner and the worker of an early-started run (inherited at fork): ``start`` is set once a
    core idles, ``opened`` once the notebooks the run reads have finished, ``go_on`` if they all succeeded."""

    def __init__(self) -> None:
        context = get_context("fork")
        self.start, self.opened, self.go_on = context.Event(), context.Event(), context.Value("b", 0)
        self.waited = 0.0

    def open(self, go_on: bool) -> None:
        self.go_on.value = int(go_on)
        self.opened.set()

    def wait(self) -> bool:
        """Block until opened; whether to go on. The time spent here is kept in ``waited`` (this process's)."""
        started = time.monotonic()
        self.opened.wait()
        self.waited += time.monotonic() - started
        return bool(self.go_on.value)


def interrupt_on_sigterm() -> None:
    """Turn SIGTERM into :class:`RunInterrupted` in this process (the CLI and every worker), so runs clean up."""
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise RunInterrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _raise)


class OutputError(TalentMarketError):
    """The reports folder cannot be created or written."""


@dataclass(frozen=True)
class NotebookRun:
    """Where one executed notebook and its renderings were written."""

    name: str
    executed: Path
    html: Path
    reader_html: Path
    seconds: float


@dataclass(frozen=True)
class RunPlan:
    """One checked notebook run, ready to execute (picklable, so a worker process can run it)."""

    notebook: Path
    injected: dict[str, Any]
    reports_root: Path
    synthetic: bool
    data_dir: Path | None
    cwd: Path
    timeout: int
    update_notebook: bool = False
    kernel_env: dict[str, str] = field(default_factory=dict)


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


def _read(notebook: Path) -> NotebookNode:
    """A notebook file as nbformat 4 (nbformat is imported on first use: see :func:`_register_engine`)."""
    import nbformat

    return nbformat.read(notebook, as_version=4)


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """The names and default values of the notebook's ``parameters`` cell (literals only)."""
    import papermill  # here, not at the top: see _register_engine

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
    cells = _read(notebook).cells
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


def validate_parameters(notebook: Path, parameters: dict[str, Any], *, data_dir: str | Path | None = None,
                        synthetic: bool = False, cwd: Path | None = None) -> dict[str, Any]:
    """Refuse unknown names, values whose type differs from the default's, and values the rules refuse.

    Returns the parameters with normalised values (see ``parameter_rules``); paths are checked
    relative to ``cwd`` (default: the current directory), where the kernel will run. With none given (the main job),
    the rules are not consulted: they check given values only, and the defaults that given values constrain.
    """
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
    if not parameters:
        return {}
    # imported here: the rules read the analyses' constants (1–3 s of imports), which default runs do not need
    from talentmarket.report.parameter_rules import check_parameter_values

    return check_parameter_values(notebook.stem, defaults, parameters,
                                  data_dir=str(data_dir) if data_dir else None, synthetic=synthetic,
                                  cwd=cwd or Path.cwd())


def run_label(parameters: dict[str, Any], synthetic: bool) -> str:
    """The ``runs/`` folder of a non-default run: ``synthetic`` or ``params-<hash>`` (same options, same folder)."""
    if not parameters:
        return "synthetic"
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{'synthetic-' if synthetic else ''}params-{digest}"


def is_main_job(parameters: dict[str, Any], synthetic: bool) -> bool:
    """The main job: default parameters on the newest real data (the only run that writes ``reports/``);
    a run that selects an older vintage through ``TALENTMARKET_VINTAGES`` is not."""
    return not parameters and not synthetic and not older_vintages()


def choose_reports_root(parameters: dict[str, Any], synthetic: bool, reports_root: Path | None) -> Path:
    """``--out`` when given; ``reports/`` for the main job; ``runs/<label>`` for any other run."""
    if reports_root is not None:
        return Path(reports_root).expanduser().resolve()
    return paths.main_reports_dir() if is_main_job(parameters, synthetic) else paths.runs_dir() / run_label(parameters, synthetic)


def check_data_dir(data_dir: str | Path | None) -> Path | None:
    """An existing mirror directory (resolved against the current directory), or an error that says what is wrong.

    Without ``data_dir`` the configured mirror is looked up now, so a broken ``talentmarket.toml`` is reported
    before a kernel starts rather than inside one."""
    if data_dir is None:
        paths.mirror_dir()
        return None
    path = Path(data_dir).expanduser().resolve()
    if not path.exists():
        raise ParameterError(f"--data-dir {data_dir}: does not exist; name a mirror directory laid out as <source>/<file>")
    if not path.is_dir():
        raise ParameterError(f"--data-dir {data_dir}: is not a directory; name a mirror directory laid out as <source>/<file>")
    return path


def prepare_output_root(root: Path) -> None:
    """Create the reports root, or say why it cannot be used (a file in the way, no permission)."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"--out {_shown(root)}: is a file, not a directory; name a folder for the reports")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"--out {_shown(root)}: cannot create it ({error.strerror}); name a folder you can write to") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutputError(f"--out {_shown(root)}: not writable; name a folder you can write to")


def plan_run(
    name: str,
    parameters: dict[str, Any] | None = None,
    *,
    data_dir: str | Path | None = None,
    synthetic: bool = False,
    reports_root: Path | None = None,
    timeout: int = CELL_TIMEOUT_SECONDS,
    update_notebook: bool = False,
    cwd: Path | None = None,
) -> RunPlan:
    """Check everything about one run that can be checked without a kernel, and say where it will write."""
    notebook = resolve_notebook(name)
    given = dict(parameters or {})
    if update_notebook and (given or synthetic or reports_root is not None):
        raise ParameterError("--update-notebook stores default-parameter runs on real data into reports/ only; "
                             "drop -p/-f, --synthetic and --out")
    if timeout <= 0:
        raise ParameterError(f"--timeout {timeout}: must be a positive number of seconds per cell (default {CELL_TIMEOUT_SECONDS})")
    mirror = check_data_dir(data_dir)
    working_dir = (cwd or Path.cwd()).resolve()
    injected = validate_parameters(notebook, given | ({"synthetic": True} if synthetic else {}),
                                   data_dir=mirror, synthetic=synthetic, cwd=working_dir)
    is_synthetic = bool(injected.get("synthetic", notebook_parameters(notebook)["synthetic"]))
    root = choose_reports_root(given, is_synthetic, reports_root)
    prepare_output_root(root)
    kernel_env = {paths.REPORTS_ENV_VAR: str(root)} | ({paths.MIRROR_ENV_VAR: str(mirror)} if mirror else {})
    return RunPlan(notebook, injected, root, is_synthetic, mirror, working_dir, timeout, update_notebook, kernel_env)


def run_notebook(name: str, parameters: dict[str, Any] | None = None, **options: Any) -> NotebookRun:
    """Check, execute into a staging folder, render full and reader (code-free) HTML, then publish.

    ``options`` are those of :func:`plan_run`. ``update_notebook`` copies the executed cells back
    into ``notebooks/`` (dropping papermill's injected cell) so the committed notebook carries current
    outputs; it is refused for anything but the main job.
    """
    return execute_plan(plan_run(name, parameters, **options))


def execute_plan(plan: RunPlan, gate: _Gate | None = None) -> NotebookRun:
    """Run a checked plan: stage, execute, normalise, render, and replace the target only on success.

    With a ``gate`` the kernel waits before the cell tagged :data:`WAIT_TAG` until the gate opens (raising
    :class:`RunCancelled` if it opens to stop); the time spent waiting is not counted in ``seconds``."""
    stem = plan.notebook.stem
    staging = plan.reports_root / f".{stem}.{uuid.uuid4().hex[:12]}.partial"
    staging.mkdir()
    executed = staging / plan.notebook.name
    started = time.monotonic()
    import papermill  # here, not at the top: see _register_engine
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from talentmarket.report.pages import render_html

    try:
        with kernel_environment(blas_environment() | plan.kernel_env | {paths.STAGING_ENV_VAR: f"{stem}={staging}"}):
            try:
                papermill.execute_notebook(
                    str(plan.notebook), str(executed), parameters=plan.injected or None, kernel_name=KERNEL_NAME,
                    progress_bar=False, cwd=str(plan.cwd), execution_timeout=plan.timeout,
                    extra_arguments=KERNEL_ARGUMENTS, engine_name=_register_engine(), gate=gate,
                    kernel_manager_class=TemplateKernelManager,
                )
            except PapermillExecutionError as error:
                raise NotebookFailed(_failure_message(plan, executed, error.ename, error.evalue)) from None
            except CellTimeoutError:
                raise NotebookFailed(_failure_message(
                    plan, executed, "CellTimeoutError", f"still running after {plan.timeout} s",
                    fix=f"raise --timeout (seconds per cell, now {plan.timeout})")) from None
            except DeadKernelError as error:
                raise NotebookFailed(_failure_message(plan, executed, "DeadKernelError", str(error),
                                                      fix="the kernel died: check free memory and re-run")) from None
        normalise_executed(executed)
        render_html(executed, synthetic=plan.synthetic)
        target = publish(staging, plan.reports_root / stem)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if plan.update_notebook:
        store_outputs(target / plan.notebook.name, plan.notebook)
    final = target / plan.notebook.name
    return NotebookRun(stem, final, final.with_suffix(".html"), final.with_name(f"{stem}_reader.html"),
                       time.monotonic() - started - (gate.waited if gate else 0.0))


def publish(staging: Path, target: Path) -> Path:
    """Replace ``target`` by the finished ``staging`` folder, under a per-target lock so two runs never mix files."""
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        retired = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.old"
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    return target


def _failure_message(plan: RunPlan, executed: Path, ename: str, evalue: str, fix: str | None = None) -> str:
    """One paragraph: notebook, cell (numbered as in the committed notebook), error, fix, where the partial copy is."""
    where = "an unknown cell"
    if executed.is_file():
        notebook = _read(executed)
        cells = [c for c in notebook.cells if not {INJECTED_TAG, ERROR_MARKER_TAG} & set(c.metadata.get("tags", []))]
        failing = next((i for i, c in enumerate(cells) if c.metadata.get("papermill", {}).get("status") in ("failed", "running")
                        or any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if failing is not None:
            first_line = next((line for line in cells[failing].source.splitlines() if line.strip() and not line.startswith("#")), "")
            where = f"cell {failing + 1} of {len(cells)} ({first_line.strip()[:60]!r})"
        kept = paths.runs_dir() / FAILED_FOLDER / plan.notebook.stem
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True, exist_ok=True)
        shutil.copy2(executed, kept / executed.name)
        normalise_executed(kept / executed.name)
        from talentmarket.report.pages import render_html  # here, not at the top: see _register_engine

        render_html(kept / executed.name, synthetic=plan.synthetic)
        copy_note = f" The partly executed notebook is {_shown(kept / executed.with_suffix('.html').name)}."
    else:
        copy_note = ""
    detail = _without_machine_paths(" ".join(str(evalue).split())).rstrip(".")
    advice = f" Fix: {fix}." if fix else ""
    return (f"{plan.notebook.stem}: {where} raised {ename}: {detail}.{advice}{copy_note} "
            f"The previous report in {_shown(plan.reports_root / plan.notebook.stem)} is unchanged.")


def _shown(path: Path) -> str:
    """A path as a user should read it: relative to the working directory or the repository when inside them."""
    for base in (Path.cwd(), paths.REPO_ROOT):
        with contextlib.suppress(ValueError):
            return str(path.resolve().relative_to(base.resolve())) or "."
    return str(path)


def _without_machine_paths(text: str) -> str:
    """Text with the repository and Python prefixes removed (so outputs do not reveal or depend on them)."""
    for prefix in sorted({str(paths.REPO_ROOT), sys.prefix, sys.base_prefix}, key=len, reverse=True):
        text = text.replace(prefix + os.sep, "").replace(prefix, ".")
    return text


def normalise_executed(executed: Path) -> None:
    """Make an executed notebook depend only on its inputs: no timestamps or durations, fixed ids for injected
    cells, file names instead of absolute paths in papermill's metadata, no machine paths in outputs, and
    consecutive prints of a cell as one stream output (how the kernel splits them depends on the machine's load)."""
    import nbformat  # here, not at the top: see _register_engine
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    notebook, _ = CoalesceStreamsPreprocessor().preprocess(_read(executed), {})
    run_metadata = notebook.metadata.get("papermill", {})
    for key in VOLATILE_RUN_METADATA:
        run_metadata.pop(key, None)
    for key in ("input_path", "output_path"):
        if run_metadata.get(key):
            run_metadata[key] = Path(run_metadata[key]).name
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        for key in VOLATILE_RUN_METADATA:
            cell.metadata.get("papermill", {}).pop(key, None)
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = f"{INJECTED_TAG}-{index}"
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = _without_machine_paths(output["text"])
            elif output.get("output_type") == "error":
                output["evalue"] = _without_machine_paths(output["evalue"])
                output["traceback"] = [_without_machine_paths(line) for line in output["traceback"]]
    nbformat.write(notebook, executed)


def store_outputs(executed: Path, notebook: Path) -> None:
    """Copy an executed notebook over its source, without papermill's injected cell and run metadata."""
    import nbformat  # here, not at the top: see _register_engine

    result = _read(executed)
    result.cells = [c for c in result.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    for cell in result.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    result.metadata.pop("papermill", None)
    nbformat.write(result, notebook)


def run_many(names: list[str] | None, *, jobs: int | None = None, while_running: Callable[[], object] | None = None,
             **options: Any) -> list[NotebookRun]:
    """Run several notebooks (all when ``names`` is empty): every one is checked before any kernel starts,
    independent ones run ``jobs`` at a time (default: one per core), the scorecard last (see :data:`WAIT_TAG`).

    ``while_running`` is called in this process once a worker idles (no notebook is left to start), in a thread
    beside the last runs (the workers have forked by then), and waited for: the main job imports the site
    builder there, on the core that would otherwise idle. A run in one worker calls it first."""
    order = {path: rank for rank, path in enumerate(discover_notebooks())}
    notebooks = (sorted({resolve_notebook(n) for n in names}, key=lambda p: (order.get(p, len(order)), p.name))
                 if names else list(order))
    with kernel_template(notebooks, blas_environment()):  # its imports run while the plans are checked
        plans = [plan_run(str(notebook), **options) for notebook in notebooks]
        roots = sorted({_shown(plan.reports_root) for plan in plans})
        note = "" if all(plan.reports_root == paths.main_reports_dir() for plan in plans) else \
            " (reports/ holds only the main job: default parameters on real data)"
        print(f"writing to {', '.join(roots)}{note}", file=sys.stderr, flush=True)
        first = [p for p in plans if not p.notebook.name.startswith(LAST_NOTEBOOK_PREFIX)]
        last = [p for p in plans if p.notebook.name.startswith(LAST_NOTEBOOK_PREFIX)]
        workers = max(1, min(jobs or usable_cores(), len(first)))
        early = last if workers > 1 and last and all(map(_waits, last)) else []
        outcomes = _execute(first, workers, len(plans), early=early, while_running=while_running)
        runs, failures = _collect(outcomes[:len(first)])
        note = ""
        if last and failures:
            note = "\nThe scorecard was not run: it reads the other notebooks' results."
        elif last:
            more, failures = _collect(outcomes[len(first):] if early else
                                      _execute(last, 1, len(plans), offset=len(first)))
            runs += more
    _record_seconds(runs)
    if failures:
        raise NotebookFailed("\n".join(failures) + note)
    return runs


def _waits(plan: RunPlan) -> bool:
    """Whether the notebook has a cell tagged :data:`WAIT_TAG`, so it may start before the notebooks it reads end."""
    return any(WAIT_TAG in cell.metadata.get("tags", []) for cell in _read(plan.notebook).cells)


Outcome = NotebookRun | NotebookFailed | None
"""One plan's end: its run, its failure, or None for an early-started run cancelled at :data:`WAIT_TAG`."""


def _execute(plans: list[RunPlan], workers: int, total: int, offset: int = 0,
             early: list[RunPlan] = (), while_running: Callable[[], object] | None = None) -> list[Outcome]:
    """Execute ``plans``, in ``workers`` worker processes when more than one, then ``early``: outcomes in that order,
    each announced when it starts and as it ends (numbered from ``offset`` + 1 of ``total``).

    ``early`` plans run in one more worker: each starts its kernel once no plan is left for a finished worker
    (a core idles from then on), waits at :data:`WAIT_TAG` until every plan has finished, and goes on only if
    all succeeded. ``while_running`` (see :func:`run_many`) starts in a thread at that same moment."""
    for number, plan in enumerate([*plans, *early], start=offset + 1):
        print(f"[{number}/{total}] {plan.notebook.stem}: running…", file=sys.stderr, flush=True)
    if workers == 1:
        if while_running:
            while_running()
        return [_announce(offset + number, total, plan, _outcome(plan)) for number, plan in enumerate(plans, start=1)]
    from talentmarket.report import pages

    pages.prepare()  # before the fork: the workers inherit it
    gate = _Gate() if early else None
    # fork, not spawn: a worker inherits the modules already imported (spawn re-imports them, several seconds
    # per worker); the parent holds no threads or kernels at this point, which is what makes fork safe
    with ProcessPoolExecutor(max_workers=workers + bool(early), mp_context=get_context("fork"),
                             initializer=_start_worker, initargs=(gate,)) as pool, ThreadPoolExecutor(1) as beside:
        try:
            waiting = [pool.submit(_early_outcome, plan) for plan in early]  # first: each takes a worker of its own
            futures = {pool.submit(_outcome, plans[index]): index + 1 for index in _longest_first(plans)}
            side_job = None
            for finished, future in enumerate(as_completed(futures), start=1):
                _announce(offset + futures[future], total, plans[futures[future] - 1], future.result())
                if finished == len(plans) - workers + 1:  # no plan is left to start: a core idles from now on
                    if gate:
                        gate.start.set()
                    if while_running:  # in a thread (the workers have forked), so the gate opens on time
                        side_job = beside.submit(while_running)
            outcomes = [future.result() for future in sorted(futures, key=futures.get)]
            if gate:
                gate.start.set()
                gate.open(go_on=all(isinstance(outcome, NotebookRun) for outcome in outcomes))
            outcomes += [_announce(offset + len(plans) + number, total, plan, future.result())
                         for number, (plan, future) in enumerate(zip(early, waiting), start=1)]
            if side_job:
                side_job.result()
            return outcomes
        except BaseException:
            for worker in active_children():  # each unwinds its own run (see interrupt_on_sigterm)
                worker.terminate()
            raise


def _longest_first(plans: list[RunPlan]) -> list[int]:
    """Indices of ``plans`` in the order to start them: the longest last time first (longest-processing-time
    scheduling); notebooks not timed yet keep their order, after the others."""
    seconds = _recorded_seconds()
    return sorted(range(len(plans)), key=lambda index: -seconds.get(plans[index].notebook.stem, 0.0))


def _recorded_seconds() -> dict[str, float]:
    """The times :data:`SECONDS_FILE` holds (none when it is missing or unreadable: it only orders starts)."""
    try:
        recorded = json.loads((paths.cache_dir() / SECONDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {stem: value for stem, value in recorded.items() if isinstance(value, int | float)}


def _record_seconds(runs: list[NotebookRun]) -> None:
    """Keep each run's own time in :data:`SECONDS_FILE` (written whole, then renamed; a cache that cannot be
    written only loses the hint)."""
    target = paths.cache_dir() / SECONDS_FILE
    seconds = _recorded_seconds() | {run.name: round(run.seconds, 1) for run in runs}
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{SECONDS_FILE}.{os.getpid()}.partial")
        partial.write_text(json.dumps(seconds, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(partial, target)


_WORKER_GATE: _Gate | None = None
"""The gate of this worker process's early-started run (set by :func:`_start_worker`)."""


def _start_worker(gate: _Gate | None) -> None:
    """Worker set-up: SIGTERM unwinds runs, and the gate (passed at fork: it cannot be pickled) is kept."""
    global _WORKER_GATE
    interrupt_on_sigterm()
    _WORKER_GATE = gate


def _early_outcome(plan: RunPlan) -> Outcome:
    """An early-started run's outcome: it starts once a core idles and waits for the gate at :data:`WAIT_TAG`."""
    assert _WORKER_GATE is not None, "an early-started run needs its worker's gate"
    _WORKER_GATE.start.wait()
    try:
        return _outcome(plan, _WORKER_GATE)
    except RunCancelled:
        return None


def _announce(number: int, total: int, plan: RunPlan, outcome: Outcome) -> Outcome:
    """Say how a run ended, as soon as it has (its failure's message comes with the run's error at the end)."""
    if isinstance(outcome, NotebookRun):
        print(f"[{number}/{total}] {plan.notebook.stem}: done in {outcome.seconds:.1f} s → {_shown(outcome.html)}",
              file=sys.stderr, flush=True)
    elif outcome is not None:
        print(f"[{number}/{total}] {plan.notebook.stem}: failed (see below)", file=sys.stderr, flush=True)
    return outcome


def _collect(outcomes: list[Outcome]) -> tuple[list[NotebookRun], list[str]]:
    """Split outcomes into runs and failure messages, in plan order (cancelled early runs are neither)."""
    runs = [outcome for outcome in outcomes if isinstance(outcome, NotebookRun)]
    return runs, [str(outcome) for outcome in outcomes if isinstance(outcome, NotebookFailed)]


def _outcome(plan: RunPlan, gate: _Gate | None = None) -> NotebookRun | NotebookFailed:
    """A plan's run, or its failure as a value (so one failing notebook does not stop the others)."""
    try:
        return execute_plan(plan, gate)
    except NotebookFailed as failure:
        return failure
