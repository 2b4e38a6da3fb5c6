"""Shared fixtures: the real-data mirror beside the repository and an isolated environment.

Every test runs with the download cache and the reports directory in temporary
folders, so the suite never touches the user's cache or the committed reports.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from talentmarket import paths

if TYPE_CHECKING:  # imported where a store is made: pandas and pandera cost xdist's controller 2-3 s of CPU
    from talentmarket.data.store import DataStore  # before it starts the workers, and it runs no test

SHARED_MIRROR = paths.REPO_ROOT.parent / "shared" / "data" / "real"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true",
                     help="the browser check also saves a screenshot of every page it opens, to be looked at")


def pytest_configure(config: pytest.Config) -> None:
    """When nbval validates notebooks, its kernels fork from one warm template (see ``nbval_kernels.py``)."""
    if config.pluginmanager.hasplugin("nbval") and (config.option.nbval or config.option.nbval_lax):
        from nbval_kernels import NbvalKernels

        config.pluginmanager.register(NbvalKernels(), "talentmarket-nbval-kernels")


def _mirror() -> Path:
    configured = os.environ.get(paths.MIRROR_ENV_VAR)
    return Path(configured) if configured else SHARED_MIRROR


def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache, reports and runs go to new temporary folders; the mirror variable points at the shared real data."""
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv(paths.REPORTS_ENV_VAR, str(tmp_path_factory.mktemp("reports")))
    monkeypatch.setenv(paths.RUNS_ENV_VAR, str(tmp_path_factory.mktemp("runs")))
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(_mirror()))


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs isolated (see :func:`isolate`); a module-scoped fixture that runs a notebook calls
    :func:`isolate` itself, since it is set up before this one."""
    isolate(tmp_path_factory, monkeypatch)


TINY_PARAMETERS = ("fail = False\ncountries = ['US']\nsleep = 0\nown_file = None\n"
                   "data_dir = None\nsynthetic = False\nseed = 1\noutput_dir = None")
TINY_BODY = (
    "import time\nfrom pathlib import Path\nfrom talentmarket import paths\n"
    "out_dir = Path(output_dir or paths.report_dir(STEM))\n"
    "(out_dir / 'figures').mkdir(parents=True, exist_ok=True)\n"
    "for country in countries:\n    (out_dir / 'figures' / f'{country}.png').write_text(country)\n"
    "time.sleep(sleep)\n(out_dir / 'results.json').write_text(repr(sorted(countries)))"
)


def write_tiny_notebook(path: Path) -> Path:
    """A runnable notebook in seconds: parameters like the real ones, writes results.json and a figure per country
    into its report folder, sleeps ``sleep`` seconds, and its last cell fails when ``fail`` is set."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    notebook = new_notebook(cells=[
        new_markdown_cell("# Tiny notebook", id="title"),
        new_code_cell(TINY_PARAMETERS, metadata={"tags": ["parameters"]}, id="parameters"),
        new_code_cell(TINY_BODY.replace("STEM", repr(path.stem)), id="body"),
        new_code_cell("# NBVAL_CHECK_OUTPUT\nif fail:\n    raise ValueError('asked to fail.')\n"
                      "print(sorted(countries), own_file and Path(own_file).read_text())", id="last"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def tiny_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``42_tiny`` in a temporary notebooks directory the runner discovers instead of ``notebooks/``."""
    directory = tmp_path / "notebooks"
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", directory)
    return write_tiny_notebook(directory / "42_tiny.ipynb")


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
    from talentmarket.data.store import DataStore

    return DataStore(data_dir=mirror_dir)


@pytest.fixture(scope="session")
def synthetic_store() -> DataStore:
    """A DataStore serving the seeded synthetic twins."""
    from talentmarket.data.store import DataStore

    return DataStore(synthetic=True, seed=7)
