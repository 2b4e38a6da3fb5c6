"""Monthly posting series from the real files and their synthetic twins."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from talentmarket.errors import ParameterError
from talentmarket.data.store import DataStore
from talentmarket.analyses.demand import load_own_postings
from talentmarket.data.postings import ai_postings_index, monthly_ai_share, monthly_sector_postings, monthly_total_postings, owid_ai_share, rebase
from talentmarket.scale import write_synthetic_postings


def test_real_monthly_series_are_rebased_to_february_2020(real_store: DataStore) -> None:
    total = monthly_total_postings(real_store, ["US"])
    sectors = monthly_sector_postings(real_store, ["US"])
    base = pd.Timestamp("2020-02-01")
    assert total.loc[total["month"] == base, "index"].tolist() == pytest.approx([100.0])
    assert sectors.loc[sectors["month"] == base, "index"].to_numpy() == pytest.approx(100)
    assert sectors["sector"].nunique() == 46 and sectors["month"].max() == pd.Timestamp("2024-09-01")
    assert (total["days"] >= 20).all()


def test_ai_index_is_share_times_total(real_store: DataStore) -> None:
    share = monthly_ai_share(real_store, ["US"])
    total = monthly_total_postings(real_store, ["US"])
    index = ai_postings_index(share, total).set_index("month")["index"]
    month = pd.Timestamp("2024-06-01")
    expected = 100 * (share.set_index("month").at[month, "share_pct"] * total.set_index("month").at[month, "index"]) / (
        share.set_index("month").at[pd.Timestamp("2020-02-01"), "share_pct"] * 100
    )
    assert index[month] == pytest.approx(expected)


def test_unknown_country_and_measure_are_refused(real_store: DataStore) -> None:
    with pytest.raises(ParameterError, match=r"countries: \['XX'\] not available"):
        monthly_ai_share(real_store, ["US", "XX"])
    with pytest.raises(ParameterError, match="IE.*not available"):
        monthly_sector_postings(real_store, ["IE"])
    with pytest.raises(ParameterError, match="ai_measure 'ml'"):
        monthly_ai_share(real_store, ["US"], "ml")
    with pytest.raises(ParameterError, match="nothing"):
        monthly_total_postings(real_store, [])


def test_rebase_refuses_a_zero_base() -> None:
    frame = pd.DataFrame({"country": "US", "month": pd.to_datetime(["2020-02-01", "2020-03-01"]), "value": [0.0, 1.0]})
    with pytest.raises(ParameterError, match="no positive value in the base month 2020-02"):
        rebase(frame, ["country"])


def test_owid_series_is_tidy(real_store: DataStore) -> None:
    owid = owid_ai_share(real_store)
    us = owid.loc[owid["country"] == "United States"].set_index("year")["share_pct"]
    assert us[2014] == pytest.approx(0.59) and us[2024] == pytest.approx(1.79)


def test_synthetic_twin_has_the_real_schema_and_is_deterministic() -> None:
    first = monthly_sector_postings(DataStore(synthetic=True, seed=5), ["US"])
    second = monthly_sector_postings(DataStore(synthetic=True, seed=5), ["US"])
    other = monthly_sector_postings(DataStore(synthetic=True, seed=6), ["US"])
    pd.testing.assert_frame_equal(first, second)
    assert not first["index"].equals(other["index"])
    assert DataStore(synthetic=True).kind == "synthetic"


def test_own_posting_file_feeds_the_same_series_and_is_cited(tmp_path: Path) -> None:
    write_synthetic_postings(tmp_path / "postings", rows=200_000, seed=3)
    store = DataStore()
    series = load_own_postings(store, str(tmp_path / "postings"), ["US"])
    assert set(series.ai_share["country"]) == {"US"} and (series.total_postings["index"] > 0).all()
    assert [use["source"] for use in store.provenance()] == ["own:postings"]
    with pytest.raises(ParameterError, match="no GenAI flag"):
        load_own_postings(store, str(tmp_path / "postings"), ["US"], "genai")
