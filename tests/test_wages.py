"""Indeed Wage Tracker loaders: month parsing, missing values, selections and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talentmarket.data import wages
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import synthetic_truth


class _StoreWith:
    """A stand-in store serving one edited raw frame."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        return self.frame.copy()


def test_country_file_becomes_monthly_series_with_dates(real_store: DataStore) -> None:
    growth = wages.load_country_wage_growth(real_store)
    assert growth["month"].dtype == "datetime64[ns]"
    assert sorted(growth["jobcountry"].unique()) == ["CA", "DE", "EA", "ES", "FR", "GB", "IE", "IT", "JP", "NL", "US"]
    spans = growth.groupby("jobcountry")["month"].agg(["min", "max", "count"])
    assert (spans["min"] == pd.Timestamp("2019-01-01")).all() and (spans["max"] == pd.Timestamp("2026-04-01")).all()
    assert (spans["count"] == 88).all()
    canada = growth[growth["jobcountry"] == "CA"].set_index("month")
    assert canada.loc["2019-01-01", "posted_wage_growth_yoy"] == pytest.approx(0.020211619)
    assert canada["posted_wage_growth_yoy_3moavg"].iloc[:2].isna().all(), "NA in the file stays missing"
    assert canada["posted_wage_growth_yoy_3moavg"].iloc[2:].notna().all()


def test_sector_file_holds_us_sectors_without_tech(real_store: DataStore) -> None:
    growth = wages.load_sector_wage_growth(real_store)
    assert set(growth["jobcountry"]) == {"US"}
    assert growth["sector"].nunique() == 19
    assert "Software Development" not in set(growth["sector"])
    nursing = wages.load_sector_wage_growth(real_store, sectors=["Nursing"], start="2024-01", end="2024-12")
    assert len(nursing) == 12 and nursing["month"].min() == pd.Timestamp("2024-01-01")


def test_selecting_countries_and_months(real_store: DataStore) -> None:
    growth = wages.load_country_wage_growth(real_store, countries=["US", "DE"], start="2022-11")
    assert sorted(growth["jobcountry"].unique()) == ["DE", "US"]
    assert growth["month"].min() == pd.Timestamp("2022-11-01")


def test_unknown_country_or_empty_window_is_a_parameter_error(real_store: DataStore) -> None:
    with pytest.raises(ParameterError, match=r"jobcountry: \['XX'\] not available"):
        wages.load_country_wage_growth(real_store, countries=["US", "XX"])
    with pytest.raises(ParameterError, match=r"sector: \[.Software Development.\] not available"):
        wages.load_sector_wage_growth(real_store, sectors=["Software Development"])
    with pytest.raises(ParameterError, match="no months between 2030-01 and the last"):
        wages.load_country_wage_growth(real_store, start="2030-01")


def test_malformed_month_names_the_value(real_store: DataStore) -> None:
    raw = real_store.read(wages.SOURCE, wages.COUNTRY_FILE)
    raw.loc[5, "month"] = "Jun-2019"
    with pytest.raises(DataValidationError, match=r"column 'month': 1 value\(s\) are not months like 'Jan-19', e.g. 'Jun-2019'"):
        wages.load_country_wage_growth(_StoreWith(raw))


def test_a_missing_month_in_a_series_is_an_error(real_store: DataStore) -> None:
    raw = real_store.read(wages.SOURCE, wages.SECTOR_FILE)
    gap = raw.drop(index=raw.index[(raw["sector"] == "Dental") & (raw["month"] == "Mar-21")])
    with pytest.raises(DataValidationError, match="series US / Dental misses 1 month"):
        wages.load_sector_wage_growth(_StoreWith(gap))


def test_synthetic_twin_matches_the_raw_schema_and_loads(synthetic_store: DataStore, real_store: DataStore) -> None:
    for file_name in (wages.COUNTRY_FILE, wages.SECTOR_FILE):
        twin = synthetic_store.read(wages.SOURCE, file_name)
        real = real_store.read(wages.SOURCE, file_name)
        assert list(twin.columns) == list(real.columns)
        assert twin["month"].iloc[0] == "Jan-19"
    growth = wages.load_country_wage_growth(synthetic_store)
    first_two = growth.groupby("jobcountry").head(2)
    assert first_two["posted_wage_growth_yoy_3moavg"].isna().all()


def _fitted(frame: pd.DataFrame, group: str) -> pd.DataFrame:
    """Per series: OLS level (growth in the first month) and trend per year."""
    rows = {}
    for name, series in frame.groupby(group):
        years = (series["month"] - series["month"].iloc[0]).dt.days / 365.25
        trend, level = np.polyfit(years, series["posted_wage_growth_yoy"], 1)
        rows[name] = {"level": level, "trend": trend}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_loaders_recover_the_twins_country_and_sector_trends(synthetic_store: DataStore) -> None:
    truth = synthetic_truth(wages.SOURCE, synthetic_store.seed)
    countries = _fitted(wages.load_country_wage_growth(synthetic_store), "jobcountry")
    sectors = _fitted(wages.load_sector_wage_growth(synthetic_store), "sector")
    for fitted, kind in ((countries, "country"), (sectors, "sector")):
        expected = pd.DataFrame({"level": truth[f"{kind}_level"], "trend": truth[f"{kind}_trend"]}).loc[fitted.index]
        assert (fitted["trend"] - expected["trend"]).abs().max() < 0.002, kind
        assert (fitted["level"] - expected["level"]).abs().max() < 0.008, kind
