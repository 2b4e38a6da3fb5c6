"""Figure footers cite exactly the sources a figure shows, and shout when the data are synthetic."""

from __future__ import annotations

from talentmarket.data.store import DataStore
from talentmarket.results.figures import source_line


def test_source_line_filters_sources_and_adds_extra(real_store: DataStore) -> None:
    store = DataStore(data_dir=real_store.data_dir)
    store.read("owid_ai_index_ai_job_postings_share", "share-artificial-intelligence-job-postings.csv")
    store.read("indeed_wage_tracker", "posted-wage-growth-by-country.csv")
    line = source_line(store, ["indeed_wage_tracker"], extra="own survey")
    assert line.startswith("Source: Indeed Hiring Lab") and "Lightcast" not in line and line.endswith("own survey")


def test_synthetic_source_line_warns_first() -> None:
    store = DataStore(synthetic=True)
    assert source_line(store).startswith("SYNTHETIC DATA — NOT A FINDING.")
    assert source_line(store).endswith("none recorded")
