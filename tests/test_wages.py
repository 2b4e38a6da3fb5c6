"""Indeed Wage Tracker loaders: month parsing, missing values, selections and their errors."""

from __future__ import annotations

import pandas as pd
import pytest

from talentmarket import wages
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.load import DataStore


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
