"""OEWS loaders: area types, released flags, NAICS sectors and occupation selection, on the real files."""

from __future__ import annotations

import pandas as pd
import pytest

from talentmarket.data import oews
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import synthetic_truth


class _StoreWith:
    """A stand-in store serving one edited raw frame."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        return self.frame.copy()


@pytest.fixture(scope="module")
def by_area(real_store: DataStore) -> pd.DataFrame:
    return oews.load_oews_by_area(real_store)


@pytest.fixture(scope="module")
def by_industry(real_store: DataStore) -> pd.DataFrame:
    return oews.load_oews_by_industry(real_store)


def test_areas_are_national_state_and_metropolitan(by_area: pd.DataFrame) -> None:
    assert by_area["area_type"].value_counts().to_dict() == {"metropolitan": 5553, "state": 863, "national": 19}
    states = by_area[by_area["area_type"] == "state"]
    assert states["area_name"].nunique() == 54
    assert sorted(states.loc[states["territory"], "area_name"].unique()) == ["Guam", "Puerto Rico", "Virgin Islands"]
    nonmetro = by_area.loc[by_area["nonmetropolitan"], "area_name"]
    assert "North Northeastern Ohio nonmetropolitan area (noncontiguous)" in set(nonmetro)
    assert not by_area.loc[by_area["area_type"] != "metropolitan", "nonmetropolitan"].any()


def test_national_medians_match_the_published_figures(by_area: pd.DataFrame) -> None:
    national = oews.select_occupations(by_area[by_area["area_type"] == "national"], [
        oews.ALL_OCCUPATIONS, oews.DATA_SCIENTISTS, oews.COMPUTER_RESEARCH_SCIENTISTS, oews.SOFTWARE_DEVELOPERS,
        oews.INFORMATION_SECURITY_ANALYSTS,
    ]).set_index("occ_code")
    assert national["annual_median_wage"].to_dict() == {
        "00-0000": 50980.0, "15-1212": 129180.0, "15-1221": 140300.0, "15-1252": 135980.0, "15-2051": 120230.0,
    }
    assert national.loc[oews.DATA_SCIENTISTS, "employment"] == 262440


def test_unreleased_estimates_are_missing_and_flagged(by_area: pd.DataFrame, by_industry: pd.DataFrame) -> None:
    for frame, hidden_employment, hidden_wages in ((by_area, 109, 191), (by_industry, 178, 85)):
        assert (~frame["employment_released"]).sum() == hidden_employment
        assert (~frame["wages_released"]).sum() == hidden_wages
        assert frame.loc[~frame["wages_released"], list(oews.WAGE_COLUMNS)].isna().all().all()
        hidden = ~frame["employment_released"] | ~frame["wages_released"]
        assert (frame.loc[hidden, "footnote_codes"] == oews.NOT_RELEASED).all()
        assert (frame.loc[~hidden, "footnote_codes"] == "").all()


def test_missing_value_without_a_footnote_is_refused(real_store: DataStore) -> None:
    raw = real_store.read(oews.SOURCE, oews.AREA_FILE)
    raw.loc[0, "annual_median_wage"] = None
    with pytest.raises(DataValidationError, match="column 'annual_median_wage': 1 missing value.* without footnote 8 .* 00-0000 in Abilene, TX"):
        oews.load_oews_by_area(_StoreWith(raw))


def test_area_type_selection(real_store: DataStore) -> None:
    states = oews.load_oews_by_area(real_store, area_types=["state"])
    assert set(states["area_type"]) == {"state"}
    with pytest.raises(ParameterError, match=r"area_types: \['county'\] not available"):
        oews.load_oews_by_area(real_store, area_types=["county"])


def test_every_naics_industry_sits_in_a_sector(by_industry: pd.DataFrame) -> None:
    ownership = by_industry["industry_code"].isin(oews.OWNERSHIP_VIEWS)
    assert (by_industry.loc[ownership, "naics_sector"] == "").all()
    assert (by_industry.loc[~ownership, "sector_name"] != "").all()
    by_code = by_industry.drop_duplicates("industry_code").set_index("industry_code")
    assert by_code.loc["522000", ["naics_sector", "sector_name"]].tolist() == ["52", "Finance and Insurance"]
    assert by_code.loc["336100", ["naics_sector", "sector_name"]].tolist() == ["31-33", "Manufacturing"]
    assert by_code.loc["999300", "naics_sector"] == "99"


def test_naics_sectors_partition_all_industries(by_industry: pd.DataFrame) -> None:
    sectors = oews.select_naics_sectors(by_industry)
    assert sectors["naics_sector"].nunique() == 20
    total = by_industry[by_industry["industry_code"] == oews.CROSS_INDUSTRY].set_index("occ_code")["employment"]
    summed = sectors.groupby("occ_code")["employment"].sum()
    ratio = (summed / total).dropna()
    assert len(ratio) == 19
    assert ratio.between(0.998, 1 + 1e-6).all(), "only rounding and unreleased sector cells move the sum off the total"
    assert ratio[oews.ALL_OCCUPATIONS] == pytest.approx(1, abs=1e-6)


def test_industry_groups_map_naics_codes_to_oews_industries(by_industry: pd.DataFrame) -> None:
    groups = {label: oews.industry_rows(by_industry, codes) for label, codes in oews.INDUSTRY_GROUPS.items()}
    data_scientists = {label: rows[rows["occ_code"] == oews.DATA_SCIENTISTS] for label, rows in groups.items()}
    assert data_scientists["Tech"][["naics_code", "sign"]].values.tolist() == [["51", 1], ["5415", 1], ["334", 1]]
    assert data_scientists["Manufacturing excl. computers"][["industry_code", "sign"]].values.tolist() == [["31--34", 1], ["334000", -1]]
    assert data_scientists["Health care"]["industry_code"].tolist() == ["621000", "622000", "623000"]  # 62 without social assistance
    assert (data_scientists["Health care"]["employment"].sum(), data_scientists["Finance and insurance"]["employment"].sum()) == (13_470, 46_730)
    described = oews.describe_industry_groups(by_industry).set_index("industry_code")
    assert described.loc["334000", "group"].tolist() == ["Manufacturing excl. computers", "Tech"]
    assert described.loc["334000", "sign"].tolist() == [-1, 1]
    assert described.loc["622000", ["codes", "naics_code", "industry_name"]].tolist() == ["621–23", "622", "Hospitals"]
    everything = oews.industry_rows(by_industry, [oews.ALL])
    assert set(everything["industry_code"]) == set(oews.select_naics_sectors(by_industry)["industry_code"])


def test_industries_without_a_row_for_an_occupation_are_marked_unpublished(by_industry: pd.DataFrame) -> None:
    health = oews.industry_rows(by_industry, ["621–23"])
    scientists = health[health["occ_code"] == oews.COMPUTER_RESEARCH_SCIENTISTS].set_index("industry_code")
    assert scientists.loc["621000", "employment_released"] and scientists.loc["621000", "employment"] == 90
    assert not scientists.loc[["622000", "623000"], "employment_released"].any()
    assert scientists.loc[["622000", "623000"], "employment"].isna().all()
    assert scientists.loc["622000", "industry_name"] == "Hospitals"


def test_a_table_without_the_health_care_detail_uses_sector_62(by_industry: pd.DataFrame) -> None:
    without_nursing_homes = by_industry[by_industry["industry_code"] != "623000"]
    rows = oews.industry_rows(without_nursing_homes, oews.INDUSTRY_GROUPS["Health care"])
    assert rows["industry_code"].unique().tolist() == ["62--63"] and rows["naics_code"].iloc[0] == "62"


@pytest.mark.parametrize(("codes", "message"), [(["21-22"], "neither a NAICS sector"), (["5111"], r"\['511100'\]"), (["x1"], "neither")])
def test_unknown_industry_codes_are_named(by_industry: pd.DataFrame, codes: list[str], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        oews.industry_rows(by_industry, codes)


@pytest.mark.parametrize(
    ("groups", "message"),
    [({"Finance": ["52"]}, "tech_group 'Tech' is not one of"), ({"Tech": "51"}, "non-empty list"), ({"Tech": []}, "non-empty list")],
)
def test_bad_industry_groups_are_refused(groups: dict, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        oews.check_industry_groups(groups, oews.TECH_GROUP)


def test_unknown_occupation_lists_the_available_ones(by_area: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match=r"occupations \['15-9999'\] not in the OEWS data; available: 00-0000 All Occupations; .*15-2051 Data Scientists"):
        oews.select_occupations(by_area, ["15-2051", "15-9999"])


@pytest.fixture(scope="module")
def twin_truth(synthetic_store: DataStore) -> dict:
    return synthetic_truth(oews.SOURCE, synthetic_store.seed)


def test_synthetic_twin_has_the_raw_columns_and_unreleased_cells(synthetic_store: DataStore, real_store: DataStore) -> None:
    for file_name in (oews.AREA_FILE, oews.INDUSTRY_FILE):
        twin = synthetic_store.read(oews.SOURCE, file_name)
        assert list(twin.columns) == list(real_store.read(oews.SOURCE, file_name).columns)
    by_area = oews.load_oews_by_area(synthetic_store)
    by_industry = oews.load_oews_by_industry(synthetic_store)
    assert set(by_area["area_type"]) == {"national", "state", "metropolitan"}
    assert by_area["nonmetropolitan"].any() and by_area["territory"].any()
    hidden = pd.concat([by_area, by_industry])
    assert (~hidden["employment_released"]).any() and (~hidden["wages_released"]).any()
    assert by_area.loc[by_area["area_type"] == "metropolitan", "location_quotient"].std() > 0.1


def test_loaders_recover_the_twins_occupation_wage_ratios(synthetic_store: DataStore, twin_truth: dict) -> None:
    by_area = oews.load_oews_by_area(synthetic_store)
    released = by_area[by_area["wages_released"]]
    median_all = released[released["occ_code"] == oews.ALL_OCCUPATIONS].set_index("area_code")["annual_median_wage"]
    ratios = released["annual_median_wage"] / released["area_code"].map(median_all)
    expected = released["occ_code"].map(twin_truth["median_wage_ratio"])
    assert (ratios / expected - 1).abs().max() < 2e-3, "the same ratio in every area, up to rounding to $10"
    national = median_all["0000000"]
    assert national == pytest.approx(twin_truth["national_median_wage_all"], abs=5)


def test_loaders_recover_the_twins_area_and_sector_wage_factors(synthetic_store: DataStore, twin_truth: dict) -> None:
    by_area = oews.select_occupations(oews.load_oews_by_area(synthetic_store), [oews.ALL_OCCUPATIONS]).set_index("area_code")
    factors = by_area["annual_median_wage"] / by_area.loc["0000000", "annual_median_wage"]
    expected = pd.Series(twin_truth["area_wage_factor"])[factors.index]
    assert (factors / expected - 1).abs().max() < 1e-3
    sectors = oews.select_occupations(oews.select_naics_sectors(oews.load_oews_by_industry(synthetic_store)), [oews.DATA_SCIENTISTS])
    sector_factors = sectors.set_index("naics_sector")["annual_median_wage"] / (
        twin_truth["national_median_wage_all"] * twin_truth["median_wage_ratio"][oews.DATA_SCIENTISTS])
    expected_sector = pd.Series(twin_truth["sector_wage_factor"])[sector_factors.index]
    assert (sector_factors / expected_sector - 1).abs().max() < 1e-3


def test_loaders_recover_the_twins_industry_employment_shares(synthetic_store: DataStore, twin_truth: dict) -> None:
    sectors = oews.select_naics_sectors(oews.load_oews_by_industry(synthetic_store))
    for occ in (oews.DATA_SCIENTISTS, oews.SOFTWARE_DEVELOPERS, oews.ALL_OCCUPATIONS):
        employment = sectors[sectors["occ_code"] == occ].set_index("naics_sector")["employment"]
        shares = employment / employment.sum()
        expected = pd.Series(twin_truth["sector_employment_share"][occ])[shares.index]
        assert (shares - expected).abs().max() < 1e-3, occ
