"""Engine settings reach DuckDB, and an aggregation keeps its answer under a tight memory limit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ibis.backends import BaseBackend

from talentmarket.errors import ParameterError
from talentmarket.scale import EngineSettings, connect, monthly_sector_postings, write_synthetic_postings
from talentmarket.scale.engine import MEMORY_LIMIT_ENV_VAR, TEMP_DIR_ENV_VAR, THREADS_ENV_VAR


def _setting(backend: BaseBackend, name: str) -> str:
    return backend.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def test_settings_come_from_the_environment_and_reach_duckdb(monkeypatch, tmp_path):
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, "300MB")
    monkeypatch.setenv(TEMP_DIR_ENV_VAR, str(tmp_path))
    monkeypatch.setenv(THREADS_ENV_VAR, "1")
    settings = EngineSettings.from_environment()
    assert settings == EngineSettings(memory_limit="300MB", temp_directory=str(tmp_path), threads=1)
    backend = connect("duckdb", settings)
    try:
        assert _setting(backend, "threads") == 1
        assert _setting(backend, "temp_directory") == str(tmp_path)
        assert _setting(backend, "memory_limit").replace(" ", "") in {"286.1MiB", "300.0MB"}
    finally:
        backend.disconnect()


def test_unset_environment_leaves_duckdb_defaults(monkeypatch):
    for variable in (MEMORY_LIMIT_ENV_VAR, TEMP_DIR_ENV_VAR, THREADS_ENV_VAR):
        monkeypatch.delenv(variable, raising=False)
    assert EngineSettings.from_environment().duckdb_config() == {}


def test_a_malformed_thread_count_is_rejected(monkeypatch):
    monkeypatch.setenv(THREADS_ENV_VAR, "two")
    with pytest.raises(ParameterError, match="positive whole number"):
        EngineSettings.from_environment()


def test_a_tight_memory_limit_gives_the_same_counts(tmp_path: Path):
    write_synthetic_postings(tmp_path / "postings", 200_000, seed=9)
    tight = EngineSettings(memory_limit="40MB", temp_directory=str(tmp_path / "spill"), threads=1)
    pd.testing.assert_frame_equal(
        monthly_sector_postings(tmp_path / "postings", settings=tight),
        monthly_sector_postings(tmp_path / "postings"),
    )
