"""Packed group-by keys: grouping by one packed integer gives exactly the table grouping by the columns gives,
missing values, negative integers, booleans and floats included, and packing is declined where it cannot pay."""

from __future__ import annotations

from contextlib import ExitStack

import numpy as np
import pandas as pd
import pytest
from talentmarket.scale import keys
from talentmarket.scale.engine import execute, open_table
from talentmarket.scale.keys import aggregate_by, learn_codes


def _metrics(table):
    return {"n": table.count(), "total": table.value.sum(), "largest": table.value.max()}


@pytest.fixture()
def table_of(tmp_path):
    """Open a frame as a DuckDB table read from Parquet, as the scale analyses read their input."""
    with ExitStack() as stack:
        def open_frame(frame: pd.DataFrame, name: str):
            path = tmp_path / f"{name}.parquet"
            frame.to_parquet(path)
            return stack.enter_context(open_table(path, []))

        yield open_frame


def _frame(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "text": pd.Series(rng.choice(["a", "b", "c", "d é", ""], rows), dtype="object"),
        "small": rng.integers(-3, 4, rows).astype("int32"),
        "wide": rng.integers(-10**6, 10**6, rows),
        "flag": rng.random(rows) < 0.3,
        "level": rng.choice([0.5, 1.25, -2.0], rows),
        "value": rng.normal(size=rows),
    })
    frame.loc[rng.random(rows) < 0.05, "text"] = None
    return frame


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by, ignore_index=True, na_position="first")


@pytest.mark.parametrize("columns", [
    ["text", "small", "flag", "level"],
    ["wide", "text"],
    ["small"],
])
def test_the_packed_key_groups_exactly_as_the_columns_do(table_of, monkeypatch, columns):
    monkeypatch.setattr(keys, "MIN_ROWS", 0)
    frame = _frame(5_000)
    frame["small"] = frame["small"].astype("Int32").mask(np.arange(len(frame)) % 97 == 0)
    table = table_of(frame, "keyed")
    codes = learn_codes(table, columns)
    assert codes is not None
    packed = execute(aggregate_by(table, columns, _metrics, codes))
    plain = execute(aggregate_by(table, columns, _metrics))
    assert list(packed.columns) == list(plain.columns) == [*columns, "n", "total", "largest"]
    pd.testing.assert_frame_equal(_sorted(packed, columns), _sorted(plain, columns), check_exact=False, rtol=1e-12)
    assert (packed["n"] > 0).all() and packed["n"].sum() == len(frame)


def test_packing_is_declined_where_it_cannot_pay_or_would_not_fit(table_of, monkeypatch):
    frame = _frame(2_000)
    table = table_of(frame, "small_input")
    assert learn_codes(table, ["text", "small"]) is None  # fewer rows than MIN_ROWS
    monkeypatch.setattr(keys, "MIN_ROWS", 0)
    assert learn_codes(table, ["text", "small"]) is not None
    many = pd.DataFrame({"text": [f"level {i}" for i in range(keys.MAX_LEVELS + 1)], "value": 1.0})
    assert learn_codes(table_of(many, "many_levels"), ["text"]) is None
    huge = pd.DataFrame({"a": [0, 2**40], "b": [0, 2**40], "value": 1.0})
    assert learn_codes(table_of(huge, "huge_range"), ["a", "b"]) is None


def test_the_learning_scan_also_computes_the_summaries_asked_for(table_of, monkeypatch):
    monkeypatch.setattr(keys, "MIN_ROWS", 0)
    frame = _frame(3_000, seed=1)
    table = table_of(frame, "summarised")
    codes = learn_codes(table, ["text"], summaries={"total": table.value.sum(), "largest": table.wide.max()})
    assert codes.summaries == pytest.approx({"total": frame["value"].sum(), "largest": frame["wide"].max()}, rel=1e-12)
    assert learn_codes(table, ["text"]).summaries == {}
