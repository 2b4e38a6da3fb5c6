"""Command line: ``python -m talentmarket {run,all,list,sources,site}``.

Examples::

    python -m talentmarket all                      # every notebook on real data, then the report site
    python -m talentmarket run 02 -p countries '[US]' --data-dir ../shared/data/real
    python -m talentmarket run 01 --synthetic       # offline demo on the synthetic twins
    python -m talentmarket list                     # notebooks and their parameters
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from talentmarket import paths
from talentmarket.data.sources import SOURCES
from talentmarket.errors import TalentMarketError
from talentmarket.report.runner import (
    CELL_TIMEOUT_SECONDS,
    discover_notebooks,
    notebook_parameters,
    run_many,
)


def _parameters(pairs: list[list[str]], files: list[str]) -> dict[str, Any]:
    """Merge ``-f params.yaml`` files and ``-p NAME VALUE`` pairs (values parsed as YAML)."""
    merged: dict[str, Any] = {}
    for file in files:
        loaded = yaml.safe_load(Path(file).read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise TalentMarketError(f"{file}: expected a mapping of parameter names to values")
        merged |= loaded
    for name, value in pairs:
        merged[name] = yaml.safe_load(value)
    return merged


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help=f"local mirror laid out as <source>/<file> (default: ${paths.MIRROR_ENV_VAR}, cache, download)")
    parser.add_argument("--synthetic", action="store_true", help="offline demo on the seeded synthetic twins (never a finding)")
    parser.add_argument("--out", type=Path, help="reports root (default: reports/)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_SECONDS, help="per-cell execution timeout in seconds")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="talentmarket", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
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
    return parser


def _build_site(reports_root: Path | None) -> None:
    """Write reports/index.html; for the default reports, also refresh the README's findings section."""
    from talentmarket.report.site import build_site, write_readme_findings

    print(f"site: {build_site(reports_root or paths.reports_dir())}", file=sys.stderr)
    if reports_root is None:
        print(f"findings: {write_readme_findings(paths.reports_dir())}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            for notebook in discover_notebooks():
                print(notebook.stem)
                for name, default in notebook_parameters(notebook).items():
                    print(f"    {name} = {default!r}")
        elif args.command == "sources":
            for source in SOURCES.values():
                print(f"{source.name}: {source.title} [{source.license}] — {len(source.files)} file(s)")
        elif args.command == "site":
            _build_site(args.out)
        else:
            options = dict(data_dir=args.data_dir, synthetic=args.synthetic, reports_root=args.out, timeout=args.timeout)
            if args.command == "run":
                parameters = _parameters(args.parameter, args.parameters_file)
                run_many(args.notebooks, parameters=parameters, update_notebook=args.update_notebook, **options)
            else:
                run_many(None, **options)
                _build_site(args.out)
    except TalentMarketError as error:
        print(f"talentmarket: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
