"""Every filesystem location the project uses, in one place.

Paths are resolved from this file's location so that notebooks, the CLI and
tests agree no matter which directory they are started from.

Where the real data come from is one lookup, :func:`mirror_dir`, shared by the
CLI, plain papermill and a JupyterLab kernel: the environment variable
``TALENTMARKET_DATA_DIR``, else the project configuration file
``talentmarket.toml`` at the repository root (written by ``make`` set-up, see
``docs/running.md``), else ``../shared/data/real`` beside the clone when it exists.

Where reports go: only the runner's main job (default parameters, real data)
writes ``reports/``; it says so by setting ``TALENTMARKET_REPORTS_DIR`` for its
kernels. A notebook executed any other way (plain papermill, JupyterLab) writes
under ``runs/``, so it can never overwrite the committed reports.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

from talentmarket.errors import TalentMarketError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
CLAIMS_REGISTRY = REPO_ROOT / "data" / "claims.csv"
README = REPO_ROOT / "README.md"
MAIN_REPORTS_DIR = REPO_ROOT / "reports"
"""The committed reports: written by the main job only (``make all``, ``python -m talentmarket all``)."""

RUNS_DIR = REPO_ROOT / "runs"
"""Gitignored home of every other run: custom parameters, synthetic data, plain papermill, JupyterLab."""

RUNS_ENV_VAR = "TALENTMARKET_RUNS_DIR"
"""Overrides ``runs/`` (tests point it at a temporary directory)."""

CONFIG_FILE = REPO_ROOT / "talentmarket.toml"
"""Gitignored project configuration written at set-up (``python -m talentmarket configure``)."""

SIBLING_MIRROR = REPO_ROOT.parent / "shared" / "data" / "real"
"""The mirror beside the clone (as in CI), used when nothing else names one."""

REPORTS_ENV_VAR = "TALENTMARKET_REPORTS_DIR"
"""Overrides where notebooks write their reports (the runner and tests set it)."""

STAGING_ENV_VAR = "TALENTMARKET_STAGING_DIR"
"""Set by the runner for one kernel: ``<notebook stem>=<folder>``, the fresh folder that notebook writes into."""

MIRROR_ENV_VAR = "TALENTMARKET_DATA_DIR"
"""Names a local mirror directory laid out as ``<source>/<file>`` (like ``../shared/data/real``)."""

CACHE_ENV_VAR = "TALENTMARKET_CACHE_DIR"
"""Overrides the per-user download cache (tests point it at a temporary directory)."""


class ConfigError(TalentMarketError):
    """The project configuration file cannot be read or names a mirror that is not a directory."""


def read_config(path: Path | None = None) -> dict[str, object]:
    """The ``talentmarket.toml`` settings as a dict ({} when the file does not exist)."""
    config = path or CONFIG_FILE
    if not config.is_file():
        return {}
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{config.name}: not valid TOML ({error}); fix it or delete it and run "
                          "`python -m talentmarket configure`") from None


def configured_mirror(path: Path | None = None) -> Path | None:
    """The mirror named by ``[data] mirror`` in the configuration file (relative to the repository), or None."""
    value = read_config(path).get("data", {})
    mirror = value.get("mirror") if isinstance(value, dict) else None
    if not mirror:
        return None
    if not isinstance(mirror, str):
        raise ConfigError(f"{(path or CONFIG_FILE).name}: [data] mirror must be a path string, got {mirror!r}")
    return (REPO_ROOT / Path(mirror).expanduser()).resolve()


def mirror_dir() -> Path | None:
    """The real-data mirror: ``TALENTMARKET_DATA_DIR``, else ``talentmarket.toml``, else ``../shared/data/real`` if present."""
    value = os.environ.get(MIRROR_ENV_VAR, "").strip()
    if value:
        return Path(value).expanduser()
    configured = configured_mirror()
    if configured is not None:
        return configured
    return SIBLING_MIRROR if SIBLING_MIRROR.is_dir() else None


def write_config(mirror: Path | None, path: Path | None = None) -> Path:
    """Write ``talentmarket.toml`` naming ``mirror`` (an existing directory) as the real-data mirror, or, with
    None, recording that set-up found none (data then come from the cache or a download)."""
    config = path or CONFIG_FILE
    header = "# Written by `python -m talentmarket configure` (docs/running.md); not committed.\n[data]\n"
    if mirror is None:
        config.write_text(header + "# no mirror found at set-up; add one as: mirror = \"/path/to/mirror\"\n", encoding="utf-8")
        return config
    mirror = mirror.expanduser().resolve()
    if not mirror.is_dir():
        raise ConfigError(f"--data-dir {mirror}: not a directory; name a mirror laid out as <source>/<file>")
    # a JSON string is a valid TOML basic string
    config.write_text(header + f"mirror = {json.dumps(str(mirror))}\n", encoding="utf-8")
    return config


def cache_dir() -> Path:
    """The download cache: ``TALENTMARKET_CACHE_DIR`` or the OS user cache (e.g. ``~/.cache/talentmarket``)."""
    value = os.environ.get(CACHE_ENV_VAR, "").strip()
    if value:
        return Path(value).expanduser()
    import pooch  # here, not at the top: every process imports paths, few need the cache (pooch costs ~0.4 s)

    return Path(pooch.os_cache("talentmarket"))


def main_reports_dir() -> Path:
    """Root the main job writes and ``site`` reads by default: ``TALENTMARKET_REPORTS_DIR`` or ``<repo>/reports``."""
    value = os.environ.get(REPORTS_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else MAIN_REPORTS_DIR


def runs_dir() -> Path:
    """Where runs other than the main job go: ``TALENTMARKET_RUNS_DIR`` or ``<repo>/runs``."""
    value = os.environ.get(RUNS_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else RUNS_DIR


def reports_dir() -> Path:
    """Root of this process's reports: ``TALENTMARKET_REPORTS_DIR`` or ``runs/`` (never ``reports/`` by default)."""
    value = os.environ.get(REPORTS_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else runs_dir()


def report_dir(notebook_stem: str, reports_root: Path | None = None) -> Path:
    """Where a notebook's executed copy, HTML and results.json go.

    Under the runner, the notebook being executed writes into its staging folder
    (``TALENTMARKET_STAGING_DIR``), which replaces ``<root>/<stem>`` only when the run succeeds.
    """
    staged_stem, _, staged_dir = os.environ.get(STAGING_ENV_VAR, "").partition("=")
    if reports_root is None and staged_dir and staged_stem == notebook_stem:
        return Path(staged_dir)
    return (reports_root or reports_dir()) / notebook_stem
