"""Command line: ``python -m talentmarket {run,all,list,sources,site,configure,history}``.

Examples::

    python -m talentmarket all                      # every notebook on real data, then the report site
    python -m talentmarket run 02 -p countries '[US]' --out my_reports
    python -m talentmarket run 01 --synthetic       # offline demo on the synthetic twins (writes runs/synthetic/)
    python -m talentmarket list                     # notebooks and their parameters
    python -m talentmarket configure --data-dir ../shared/data/real   # where the real data live (talentmarket.toml)
    python -m talentmarket run 02 --vintage aijobs_net_salaries=2025-01-19   # an older release (writes runs/vintages-…/)
    python -m talentmarket history                  # every claim on every vintage set: runs/history/history.html

Only the main job (default parameters, real data) writes reports/; any other run writes runs/<label>/
or --out. Every problem with the command line ends in one line naming the culprit and the fix, exit 2.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

import yaml

from talentmarket import paths
from talentmarket.data.sources import (
    SOURCES,
    format_vintages,
    older_vintages,
    parse_vintages,
    vintage_environment,
)
from talentmarket.errors import ParameterError, TalentMarketError
from talentmarket.report.kernels import write_kernel_config
from talentmarket.report.runner import (
    CELL_TIMEOUT_SECONDS,
    RunInterrupted,
    discover_notebooks,
    interrupt_on_sigterm,
    notebook_parameters,
    run_many,
)

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class _DatesAsText(yaml.SafeLoader):
    """YAML as usual, except that dates stay text: notebooks take ISO date strings (``2022-12-01``), which
    the parameter rules check, and an impossible date (``2022-13-45``) must not crash the loader."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=_DatesAsText)
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise ParameterError(f"{where}: not valid YAML ({problem}); quote the value, e.g. '[GB, DE]' or '\"text\"'") from None


def _parameters(pairs: list[list[str]], files: list[str]) -> dict[str, Any]:
    """Merge ``-f params.yaml`` files and ``-p NAME VALUE`` pairs (values parsed as YAML)."""
    merged: dict[str, Any] = {}
    for file in files:
        path = Path(file).expanduser()
        if not path.is_file():
            raise ParameterError(f"-f {file}: {'is a directory' if path.is_dir() else 'no such file'}; "
                                 "give a YAML file of parameter names and values")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ParameterError(f"-f {file}: cannot be read ({error}); give a UTF-8 YAML file") from None
        loaded = _yaml(text, f"-f {file}") or {}
        if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
            raise ParameterError(f"-f {file}: expected a mapping of parameter names to values, e.g. 'min_cell_size: 30'")
        merged |= loaded
    for name, value in pairs:
        merged[name] = _yaml(value, f"-p {name}")
    return merged


def _positive_seconds(text: str) -> int:
    """argparse type of ``--timeout``: a whole number of seconds above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0 seconds (default {CELL_TIMEOUT_SECONDS})")
    return value


def _positive_jobs(text: str) -> int:
    """argparse type of ``--jobs``: at least one worker."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of workers ≥ 1")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line error format and exit status."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}; see --help", file=sys.stderr)
        sys.exit(EXIT_ERROR)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="real-data mirror laid out as <source>/<file> (default: "
                        f"${paths.MIRROR_ENV_VAR}, {paths.CONFIG_FILE.name}, ../shared/data/real, cache, download)")
    parser.add_argument("--synthetic", action="store_true", help="offline demo on the seeded synthetic twins (never a finding)")
    parser.add_argument("--out", type=Path, help="reports root (default: reports/ for the main job, runs/<label>/ otherwise)")
    parser.add_argument("--timeout", type=_positive_seconds, default=CELL_TIMEOUT_SECONDS, help="per-cell execution timeout in seconds")
    parser.add_argument("--jobs", type=_positive_jobs, help="notebooks run at once (default: one per core; the scorecard last)")
    parser.add_argument("--vintage", action="append", default=[], metavar="SOURCE=VINTAGE",
                        help="read an older release of a source, e.g. aijobs_net_salaries=2025-01-19 (default: the newest; "
                             "see `sources`); such a run writes runs/vintages-<choice>/ unless --out is given")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="talentmarket", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("run", help="execute notebooks with papermill and render HTML")
    run.add_argument("notebooks", nargs="*", help="names like 01 or 01_demand_growth (default: all)")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run.add_argument("-f", "--parameters-file", action="append", default=[], metavar="YAML")
    run.add_argument("--update-notebook", action="store_true", help="store the outputs of a default run in notebooks/")
    _add_run_options(run)
    everything = commands.add_parser("all", help="run every notebook, then build reports/index.html")
    _add_run_options(everything)
    commands.add_parser("list", help="list notebooks and their parameters")
    commands.add_parser("sources", help="list registered data sources")
    site = commands.add_parser("site", help="build reports/index.html from the executed notebooks")
    site.add_argument("--out", type=Path, help="reports root (default: reports/)")
    configure = commands.add_parser("configure", help=f"write {paths.CONFIG_FILE.name}: where the real-data mirror is")
    configure.add_argument("--data-dir", help="the mirror (default: ../shared/data/real beside the clone, if present)")
    history = commands.add_parser("history", help="judge every claim on each vintage set of the data; write history.html")
    history.add_argument("notebooks", nargs="*", help="claim notebooks like 02 (default: all but the scorecard)")
    history.add_argument("--data-dir", help="real-data mirror (as for run)")
    history.add_argument("--out", type=Path, help="root of the runs, one folder per vintage set (default: runs/history/)")
    history.add_argument("--page", type=Path, help="the HTML page (default: <out>/history.html); reports/history.html puts it on the site")
    history.add_argument("--timeout", type=_positive_seconds, default=CELL_TIMEOUT_SECONDS, help="per-cell execution timeout in seconds")
    history.add_argument("--jobs", type=_positive_jobs, help="notebooks run at once (default: one per core)")
    return parser


def _vintage_reports_root(out: Path | None) -> Path | None:
    """``--out``; else, when a source is read at an older vintage, ``runs/vintages-<choice>/`` (reports/ holds only
    the main job on the newest data); else None, and the runner chooses."""
    older = older_vintages()
    if out is not None or not older:
        return out
    return paths.runs_dir() / ("vintages-" + format_vintages(older).replace("=", "@").replace(",", "+"))


def _import_site_builder() -> None:
    """Import the site builder (the scorecard's pandas, SciPy and pandera: about 3 s of CPU) while the last
    notebooks run, so building the site after them costs only the build."""
    import talentmarket.report.site  # noqa: F401


def _build_site(reports_root: Path | None) -> None:
    """Write <root>/index.html; for the main reports, also refresh the README's findings section."""
    from talentmarket.report.site import build_site, write_readme_findings

    root = reports_root.expanduser().resolve() if reports_root else paths.main_reports_dir()
    if not root.is_dir():
        raise ParameterError(f"--out {reports_root or root}: no such reports folder; run the notebooks first or name the folder they wrote")
    print(f"site: {build_site(root)}", file=sys.stderr)
    if root == paths.MAIN_REPORTS_DIR:
        print(f"findings: {write_readme_findings(root)}", file=sys.stderr)


def _configure(data_dir: str | None) -> None:
    """Write talentmarket.toml (the mirror, if one is named or beside the clone) and the kernels' quiet log level."""
    mirror = Path(data_dir) if data_dir else paths.SIBLING_MIRROR
    if data_dir is None and not mirror.is_dir():
        config = paths.write_config(None)
        print(f"configure: {config.name}: no mirror at {mirror}; data will come from the cache or a download "
              "(name one with --data-dir)", file=sys.stderr)
    else:
        config = paths.write_config(mirror)
        print(f"configure: {config.name} names the mirror {mirror.resolve()}", file=sys.stderr)
    print(f"configure: kernels log quietly ({write_kernel_config().name})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = signal.getsignal(signal.SIGTERM)
    interrupt_on_sigterm()
    try:
        if args.command == "list":
            for notebook in discover_notebooks():
                print(notebook.stem)
                for name, default in notebook_parameters(notebook).items():
                    print(f"    {name} = {default!r}")
        elif args.command == "sources":
            for source in SOURCES.values():
                print(f"{source.name}: {source.title} [{source.license}] — {len(source.files)} file(s)")
                for vintage in source.vintages:
                    newest = " (default)" if vintage is source.default_vintage else ""
                    print(f"    vintage {vintage.name}{newest}: {vintage.coverage}")
        elif args.command == "site":
            _build_site(args.out)
        elif args.command == "configure":
            _configure(args.data_dir)
        elif args.command == "history":
            from talentmarket.report.history import run_history

            page = run_history(args.notebooks, out=args.out, page=args.page, data_dir=args.data_dir,
                               timeout=args.timeout, jobs=args.jobs)
            print(f"history: {page}", file=sys.stderr)
        else:
            with vintage_environment(parse_vintages(",".join(args.vintage))):
                out = _vintage_reports_root(args.out)
                options = {"data_dir": args.data_dir, "synthetic": args.synthetic, "reports_root": out,
                           "timeout": args.timeout, "jobs": args.jobs}
                if args.command == "run":
                    if args.update_notebook and older_vintages():
                        raise ParameterError(f"--update-notebook stores runs on the newest data only; drop --vintage "
                                             f"{format_vintages(older_vintages())} (or unset $TALENTMARKET_VINTAGES)")
                    parameters = _parameters(args.parameter, args.parameters_file)
                    run_many(args.notebooks, parameters=parameters, update_notebook=args.update_notebook, **options)
                else:
                    runs = run_many(None, while_running=_import_site_builder, **options)
                    _build_site(runs[0].executed.parent.parent if runs else out)  # where the runs went (e.g. runs/synthetic)
    except TalentMarketError as error:
        print(f"talentmarket: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (RunInterrupted, KeyboardInterrupt) as stop:
        print(f"talentmarket: interrupted ({stop or 'Ctrl-C'}); unfinished runs were discarded and the previous "
              "reports are unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def exit_without_teardown(code: int) -> NoReturn:
    """End the process with ``code`` after the exit handlers have run and the output is flushed, but without
    tearing the interpreter down: freeing every object of the libraries a run has imported (pandas, SciPy,
    matplotlib, nbconvert, …) took 2.1–2.5 s after the main job's work was done (load 5), on its critical path.
    Nothing is lost: files are written and closed by then, workers and the kernel template have exited, and
    ``atexit`` handlers (logging, multiprocessing, coverage) still run. (mypy ends its runs the same way.)"""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_without_teardown(main())
