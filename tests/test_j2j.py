"""LEHD Job-to-Job Flows: codes stay text, suppressed cells stay out of annual sums, rates match the publisher."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from talentmarket.data import j2j
from talentmarket.data.schemas import J2J_INDUSTRIES
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import synthetic_truth
from talentmarket.errors import DataValidationError, ParameterError


class _StoreWith:
    """A stand-in store serving one edited frame."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        return self.frame.copy()


def test_real_file_keeps_naics_codes_as_text_and_covers_41_quarters(real_store: DataStore) -> None:
    frame = j2j.load_j2j(real_store)
    assert len(frame) == 4100
    assert sorted(frame["industry"].unique()) == sorted(J2J_INDUSTRIES)
    assert {"00", "31-33", "44-45"} <= set(frame["industry"])  # a leading zero and ranges survive reading
    assert frame[["year", "quarter"]].drop_duplicates().shape[0] == 41
    latest = frame[(frame["year"] == 2025) & (frame["quarter"] == 1)]
    assert latest["J2JHire"].isna().all() and (latest["sJ2JHire"] == 5).all()


def test_annual_hire_rates_match_the_published_example(real_store: DataStore) -> None:
    rates = j2j.annual_rates(j2j.load_j2j(real_store), ["51", "52", "62"]).set_index(["sector", "year"])["rate_pct"]
    # SOURCE.md: annual sums of J2JHire ÷ MainB, information 4.85% (2015), 5.80% (2022), 3.74% (2024) …
    assert rates[("51", 2015)] == pytest.approx(4.85, abs=0.005)
    assert rates[("51", 2022)] == pytest.approx(5.80, abs=0.005)
    assert rates[("51", 2024)] == pytest.approx(3.74, abs=0.005)
    assert rates[("52", 2015)] == pytest.approx(4.30, abs=0.005) and rates[("62", 2022)] == pytest.approx(5.53, abs=0.005)
    assert 2025 not in rates.index.get_level_values("year"), "a year with a suppressed or missing quarter is dropped"


def test_grouped_sectors_add_counts_before_dividing(real_store: DataStore) -> None:
    frame = j2j.load_j2j(real_store)
    both = j2j.annual_rates(frame, ["51+54"]).set_index("year")
    parts = j2j.annual_rates(frame, ["51", "54"])
    summed = parts.groupby("year")[["numerator", "denominator"]].sum()
    np.testing.assert_allclose(both["rate_pct"], 100 * summed["numerator"] / summed["denominator"])


def test_synthetic_twin_has_the_real_schema_and_recovers_its_rate_trends() -> None:
    store = DataStore(synthetic=True, seed=5)
    rates = j2j.annual_rates(j2j.load_j2j(store), ["51", "52", "62"])
    truth = synthetic_truth(j2j.SOURCE, 5)["j2j_rate_log_slope"]
    for sector, group in rates.groupby("sector"):
        slope = np.polyfit(group["year"], np.log(group["rate_pct"]), 1)[0]
        assert slope == pytest.approx(truth[sector], abs=0.01), sector
    assert sorted(rates["year"].unique()) == list(range(2015, 2025))


def test_a_value_that_contradicts_its_status_flag_is_named(real_store: DataStore) -> None:
    frame = real_store.read(j2j.SOURCE, j2j.FILE)
    frame.loc[0, "J2JHire"] = np.nan  # published (status 1) but empty
    with pytest.raises(DataValidationError, match=r"J2JHire.*status flag sJ2JHire.*2015Q1 sector 00"):
        j2j.load_j2j(_StoreWith(frame))


def test_unknown_sectors_and_measures_list_the_allowed_values(real_store: DataStore) -> None:
    frame = j2j.load_j2j(real_store)
    with pytest.raises(ParameterError, match=r"\['99'\] not available; choose from .*'31-33'"):
        j2j.annual_rates(frame, ["51+99"])
    with pytest.raises(ParameterError, match=r"\['Hires'\] not available"):
        j2j.annual_rates(frame, ["51"], numerator="Hires")
