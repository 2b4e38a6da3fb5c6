"""Shared fixtures: the real-data mirror beside the repository and an isolated environment.

Every test runs with the download cache and the reports directory in temporary
folders, so the suite never touches the user's cache or the committed reports.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from talentmarket import paths
from talentmarket.data.store import DataStore

SHARED_MIRROR = paths.REPO_ROOT.parent / "shared" / "data" / "real"


def _mirror() -> Path:
    configured = os.environ.get(paths.MIRROR_ENV_VAR)
    return Path(configured) if configured else SHARED_MIRROR


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache and reports go to temporary folders; the mirror variable points at the shared real data."""
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv(paths.REPORTS_ENV_VAR, str(tmp_path_factory.mktemp("reports")))
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(_mirror()))


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The local mirror of the real data (``../shared/data/real`` unless TALENTMARKET_DATA_DIR says otherwise)."""
    mirror = _mirror()
    if not mirror.is_dir():
        pytest.fail(f"real-data mirror {mirror} not found: clone the project beside ../shared or set {paths.MIRROR_ENV_VAR}")
    return mirror


@pytest.fixture(scope="session")
def real_store(mirror_dir: Path) -> DataStore:
    """A DataStore reading the real files from the mirror."""
    return DataStore(data_dir=mirror_dir)


@pytest.fixture(scope="session")
def synthetic_store() -> DataStore:
    """A DataStore serving the seeded synthetic twins."""
    return DataStore(synthetic=True, seed=7)
