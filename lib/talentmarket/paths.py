"""Every filesystem location the project uses, in one place.

Paths are resolved from this file's location so that notebooks, the CLI and
tests agree no matter which directory they are started from.
"""

from __future__ import annotations

import os
from pathlib import Path

import pooch

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
CLAIMS_REGISTRY = REPO_ROOT / "data" / "claims.csv"
README = REPO_ROOT / "README.md"
REPORTS_ENV_VAR = "TALENTMARKET_REPORTS_DIR"
"""Overrides where notebooks write their reports (tests point it at a temporary directory)."""

MIRROR_ENV_VAR = "TALENTMARKET_DATA_DIR"
"""Names a local mirror directory laid out as ``<source>/<file>`` (like ``../shared/data/real``)."""

CACHE_ENV_VAR = "TALENTMARKET_CACHE_DIR"
"""Overrides the per-user download cache (tests point it at a temporary directory)."""


def mirror_dir() -> Path | None:
    """The mirror directory named by ``TALENTMARKET_DATA_DIR``, or None when unset."""
    value = os.environ.get(MIRROR_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The download cache: ``TALENTMARKET_CACHE_DIR`` or the OS user cache (e.g. ``~/.cache/talentmarket``)."""
    value = os.environ.get(CACHE_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else Path(pooch.os_cache("talentmarket"))


def reports_dir() -> Path:
    """Root of all reports: ``TALENTMARKET_REPORTS_DIR`` or ``<repo>/reports``."""
    value = os.environ.get(REPORTS_ENV_VAR, "").strip()
    return Path(value).expanduser() if value else REPO_ROOT / "reports"


def report_dir(notebook_stem: str, reports_root: Path | None = None) -> Path:
    """Where a notebook's executed copy, HTML and results.json go."""
    return (reports_root or reports_dir()) / notebook_stem
