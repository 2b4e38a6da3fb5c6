"""NCSES tables: the value-cell parser on every real table, its errors, and the tidy loaders."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from talentmarket.analyses import migration
from talentmarket.data import ncses
from talentmarket.data import oews
from talentmarket.errors import DataValidationError, ParameterError
from talentmarket.data.store import DataStore
from talentmarket.data.schemas import schema_for, validate_frame
from talentmarket.data.synthetic import synthetic_truth

ALL_TABLES = [ncses.STATE_TABLE, *ncses.AI_USE_TABLES, ncses.AI_WORKERS_TABLE, *ncses.BERD_TABLES]


def _load_all(store: DataStore) -> dict[str, pd.DataFrame]:
    """Every tidy NCSES industry table of one store, loaded once per module."""
    return {"use": ncses.load_ai_use(store), "workers": ncses.load_ai_worker_impact(store),
            "berd": ncses.load_berd_ai_rd(store), "sizes": ncses.load_berd_ai_rd(store, "company_size")}


@pytest.fixture(scope="module")
def real_tables(real_store: DataStore) -> dict[str, pd.DataFrame]:
    return _load_all(real_store)


@pytest.fixture(scope="module")
def twin_tables(synthetic_store: DataStore) -> dict[str, pd.DataFrame]:
    return _load_all(synthetic_store)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("['2,590', 'i']", ncses.Cell(2590.0, 2590.0, 2590.0, "reported", "i")),
        ("['    4,805,151 ', '&nbsp;']", ncses.Cell(4805151.0, 4805151.0, 4805151.0, "reported", "")),
        ("['    0.2 ', 'r']", ncses.Cell(0.2, 0.2, 0.2, "reported", "r")),
        ("['37,014', 'i ']", ncses.Cell(37014.0, 37014.0, 37014.0, "reported", "i")),
        ("['0', '  ']", ncses.Cell(0.0, 0.0, 0.0, "reported", "")),
        ("['0 - 1,769', 'i']", ncses.Cell(math.nan, 0.0, 1769.0, "range", "i")),
        ("['*', '']", ncses.Cell(math.nan, 0.0, 0.5, "below_half_unit", "")),
    ],
)
def test_parse_cell_reads_numbers_ranges_and_flags(text: str, expected: ncses.Cell) -> None:
    parsed = ncses.parse_cell(text)
    assert (parsed.status, parsed.flag) == (expected.status, expected.flag)
    for field in ("value", "low", "high"):
        got, want = getattr(parsed, field), getattr(expected, field)
        assert (math.isnan(got) and math.isnan(want)) or got == want, field


@pytest.mark.parametrize(("text", "status"), [("['D', '&nbsp;']", "suppressed"), ("['&nbsp;', '&nbsp;']", "blank"), ("['', '']", "blank")])
def test_parse_cell_keeps_suppressed_and_blank_entries_without_a_number(text: str, status: str) -> None:
    parsed = ncses.parse_cell(text)
    assert parsed.status == status
    assert math.isnan(parsed.value) and math.isnan(parsed.low) and math.isnan(parsed.high)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2,590", "expected text like"),
        ("['2,590' 'i']", "expected text like"),
        ("['12x', 'i']", "is not a number"),
        ("['2,590', 'z']", "unknown flag 'z'"),
        ("['9 - 3', '']", "range low 9.0 exceeds high 3.0"),
        ("['1,2345', '']", "is not a number"),
    ],
)
def test_parse_cell_rejects_malformed_cells_naming_table_column_and_row(text: str, problem: str) -> None:
    with pytest.raises(DataValidationError) as error:
        ncses.parse_cell(text, table="6562", column="field_domestic_r_d_amount", row="r007")
    message = str(error.value)
    assert "table_6562.csv" in message and "field_domestic_r_d_amount" in message and "row r007" in message
    assert problem in message


def test_a_malformed_cell_in_a_real_table_is_reported_with_its_row(real_store: DataStore) -> None:
    raw = ncses.read_table(real_store, "8813")
    broken = raw.assign(field_domestic_r_d_amount=raw["field_domestic_r_d_amount"].where(raw["row_id"] != "r010", "['5,1x9', '']"))
    with pytest.raises(DataValidationError, match=r"table_8813.csv: column 'field_domestic_r_d_amount': row r010: cannot parse"):
        ncses.parse_table(broken, "8813", "2020", ncses.BERD_MEASURES)


def test_every_cell_of_every_real_table_parses(real_store: DataStore, real_tables: dict[str, pd.DataFrame]) -> None:
    tidy = pd.concat(real_tables.values(), ignore_index=True)
    for table in ALL_TABLES[1:]:
        raw = ncses.read_table(real_store, table)
        value_columns = [c for c in schema_for(ncses.SOURCE, f"table_{table}.csv").columns if c.startswith("field_") and c != "field_naics_code"]
        assert (tidy["table_id"] == table).sum() == raw.shape[0] * len(value_columns), table
    assert set(tidy["status"]) == set(ncses.STATUSES)
    assert set(tidy["flag"]) == set(ncses.FLAGS)
    reported = tidy["status"] == "reported"
    assert tidy.loc[reported, "value"].notna().all()
    assert tidy.loc[~reported, "value"].isna().all()


def test_suppressed_cells_and_flags_survive_loading(real_tables: dict[str, pd.DataFrame]) -> None:
    workers = real_tables["workers"]
    food = workers[(workers["row_id"] == "r003") & (workers["measure"] == "supervisory_workers_decreased")].iloc[0]
    assert food["industry"] == "Food" and food["status"] == "suppressed"
    revised = workers[(workers["row_id"] == "r003") & (workers["measure"] == "production_workers_increased")].iloc[0]
    assert (revised["value"], revised["flag"]) == (14.7, "r")
    assert (workers["status"] == "suppressed").sum() == 159


def test_berd_panel_spans_2019_to_2022_keyed_by_naics_code(real_tables: dict[str, pd.DataFrame]) -> None:
    panel = real_tables["berd"]
    assert sorted(panel["year"].unique()) == [2019, 2020, 2021, 2022]
    assert not panel.duplicated(["naics_code", "year", "measure"]).any()
    assert (panel.groupby("naics_code")["industry"].nunique() == 1).all(), "one label per NAICS code across years"
    total = panel[(panel["depth"] == 1) & (panel["measure"] == "ai_rd_amount")].set_index("year")
    assert total.loc[2019, ["value", "flag", "unit"]].tolist() == [15351.0, "i", "US$ millions"]
    assert total.loc[2022, "value"] == 37014.0
    soap = panel[(panel["naics_code"] == "3256")]
    assert set(soap["industry"]) == {"Soap, cleaning compound, and toilet preparations"}
    health = panel[(panel["naics_code"] == "621–23") & (panel["measure"] == "ai_rd_amount")]
    assert health[["industry", "depth", "parent"]].drop_duplicates().values.tolist() == [["Health care services", 3, "Nonmanufacturing industries"]]


def test_berd_parts_add_up_to_all_industries(real_tables: dict[str, pd.DataFrame]) -> None:
    """Manufacturing + nonmanufacturing R&D equals the all-industry total (up to rounding):
    a check that numbers were read with the right magnitude."""
    panel = real_tables["berd"]
    amounts = panel[(panel["measure"] == "rd_amount") & (panel["depth"] <= 2)].pivot_table(index="year", columns="depth", values="value", aggfunc="sum")
    assert ((amounts[2] - amounts[1]).abs() <= 2).all()


def test_berd_company_size_breakdown_and_unknown_breakdown(real_store: DataStore, real_tables: dict[str, pd.DataFrame]) -> None:
    sizes = real_tables["sizes"]
    assert "10–19" in set(sizes["industry"]), "HTML entities and footnote tags are cleaned from labels"
    assert set(sizes.loc[sizes["industry"] == "Small companies", "status"]) == {"blank"}
    with pytest.raises(ParameterError, match="breakdown 'size'"):
        ncses.load_berd_ai_rd(real_store, "size")


def test_ai_use_tables_keep_their_own_answer_categories(real_tables: dict[str, pd.DataFrame]) -> None:
    use = real_tables["use"]
    measures = use.groupby("period")["measure"].agg(set)
    assert measures["2016–18"] >= {"companies", "high_use", "did_not_use"}
    assert measures["2021"] == {"companies", "a_lot", "somewhat", "a_little", "not_at_all"}
    everyone = use[(use["row_id"] == "r001") & (use["period"] == "2021")].set_index("measure")["value"]
    answers = everyone[["a_lot", "somewhat", "a_little", "not_at_all"]].sum()
    assert answers == pytest.approx(100, abs=0.2)
    assert everyone["companies"] == 4874928


class _StoreWith:
    """A stand-in store serving one edited raw frame (to test checks on content that passes the schema)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        return self.frame


def test_ai_postings_by_state_checks_the_total_row(real_store: DataStore) -> None:
    states = ncses.load_ai_postings_by_state(real_store)
    assert len(states) == 51 and "Total" not in set(states["state"])
    assert states.set_index("state").loc["Washington", "ai_share_percent"] == 4.03
    raw = real_store.read(ncses.SOURCE, "table_6209.csv")
    edited = raw.assign(total_unique_job_postings=raw["total_unique_job_postings"].where(raw["state"] != "Alaska", 1.0))
    with pytest.raises(DataValidationError, match="column 'all_postings': states sum to .* but the Total row says"):
        ncses.load_ai_postings_by_state(_StoreWith(edited))


def test_renamed_value_column_is_named_in_the_error(real_store: DataStore) -> None:
    raw = ncses.read_table(real_store, "12281").rename(columns={"field_domestic_r_d_amount": "domestic_rd"})
    with pytest.raises(DataValidationError, match="column 'field_domestic_r_d_amount': missing column"):
        validate_frame(raw, schema_for(ncses.SOURCE, "table_12281.csv"), "ncses_sei_ai_tables/table_12281.csv")


@pytest.fixture(scope="module")
def twin_truth(synthetic_store: DataStore) -> dict:
    return synthetic_truth(ncses.SOURCE, synthetic_store.seed)


@pytest.mark.parametrize("table", ALL_TABLES)
def test_synthetic_twin_tables_have_the_raw_columns(synthetic_store: DataStore, real_store: DataStore, table: str) -> None:
    twin = synthetic_store.read(ncses.SOURCE, f"table_{table}.csv")
    assert list(twin.columns) == list(real_store.read(ncses.SOURCE, f"table_{table}.csv").columns)


def test_synthetic_cells_use_every_status_and_flag(twin_tables: dict[str, pd.DataFrame], twin_truth: dict) -> None:
    tidy = pd.concat(twin_tables.values())
    assert set(tidy["status"]) == set(ncses.STATUSES)
    assert set(tidy["flag"]) == set(ncses.FLAGS)
    panel = twin_tables["berd"]
    for naics, year, column in twin_truth["berd_suppressed"]:
        measure = ncses.BERD_MEASURES[column][0]
        cell = panel[(panel["naics_code"] == naics) & (panel["year"] == year) & (panel["measure"] == measure)]
        assert cell["status"].tolist() == ["suppressed"]


def test_berd_panel_recovers_the_twins_ai_rd_growth(twin_tables: dict[str, pd.DataFrame], twin_truth: dict) -> None:
    panel = twin_tables["berd"]
    amounts = panel[panel["measure"] == "ai_rd_amount"].pivot_table(index="naics_code", columns="year", values="value")
    large = [code for code, level in twin_truth["ai_rd_2019"].items() if level >= 100]
    growth = (amounts.loc[large, 2022] / amounts.loc[large, 2019]) ** (1 / 3) - 1
    expected = pd.Series(twin_truth["ai_rd_growth"])[large]
    assert (growth - expected).abs().max() < 0.005
    assert set(panel.loc[panel["naics_code"] == "334", "industry"]) == {"Computer and electronic products"}


def test_berd_sub_industries_recover_their_known_share_of_the_parent(twin_tables: dict[str, pd.DataFrame], twin_truth: dict) -> None:
    """Software publishers (5112) and computer systems design (5415) take a known fraction of
    their parent in every year: equal up to the rounding of both cells to whole $ millions."""
    panel = twin_tables["berd"]
    shares = twin_truth["sub_industry_share_of_parent"]
    assert set(shares) == {"5112", "5415"}
    for measure in ("rd_amount", "ai_rd_amount"):
        amounts = panel[(panel["measure"] == measure) & (panel["status"] == "reported")].pivot_table(
            index="naics_code", columns="year", values="value")
        assert list(amounts.columns) == [2019, 2020, 2021, 2022]
        for code, parent in (("5112", "51"), ("5415", "54")):
            assert ((amounts.loc[code] - shares[code] * amounts.loc[parent]).abs() <= 1).all(), (code, measure)


BERD_MIGRATION_CODES = ["51", "52", "54", "5415", "621–23"]
ABS_MIGRATION_CODES = ["51", "52", "54", "5415", "62", "621–23"]


@pytest.mark.parametrize(("table", "loaded", "codes"), [
    *[(table, "berd", BERD_MIGRATION_CODES) for table in ncses.BERD_TABLES],
    *[(table, "use", ABS_MIGRATION_CODES) for table in ncses.AI_USE_TABLES],
    (ncses.AI_WORKERS_TABLE, "workers", ABS_MIGRATION_CODES),
])
def test_twin_nests_the_migration_industries_as_the_real_tables_do(real_tables: dict[str, pd.DataFrame], twin_tables: dict[str, pd.DataFrame],
                                                                   table: str, loaded: str, codes: list[str]) -> None:
    """The rows the migration notebook groups by (computer systems design inside professional
    services, health care services) have the real tables' labels, parents and depths."""
    def layout(tidy: pd.DataFrame) -> list[list[object]]:
        rows = tidy[(tidy["table_id"] == table) & tidy["naics_code"].isin(codes)].drop_duplicates("row_id")
        return rows.sort_values("naics_code")[["naics_code", "industry_path", "parent", "depth"]].values.tolist()

    assert layout(twin_tables[loaded]) == layout(real_tables[loaded])


def test_ai_use_loader_recovers_the_twins_adoption_shares(twin_tables: dict[str, pd.DataFrame], twin_truth: dict) -> None:
    """Leaf industries (health care services and computer systems design among them) carry the
    drawn share of companies using AI; their parents (54, 62) the company-weighted average."""
    use = twin_tables["use"]
    using = {"2016–18": ["low_use", "moderate_use", "high_use"], "2021": ["a_lot", "somewhat", "a_little"]}
    truth_key = {"2016–18": "ai_use_percent_2016_18", "2021": "ai_use_percent_2021"}
    companies = pd.Series(twin_truth["companies"])
    assert {"5415", "621–23"} <= set(companies.index)
    for period, answers in using.items():
        share = use[(use["period"] == period) & use["measure"].isin(answers)].groupby("naics_code")["value"].sum()
        truth = pd.Series(twin_truth[truth_key[period]])
        assert (share[truth.index] - truth).abs().max() < 0.16, period
        for parent, children in (("54", ["5415", "other 54"]), ("62", ["621–23", "624"])):
            weighted = (truth[children] * companies[children]).sum() / companies[children].sum()
            assert share[parent] == pytest.approx(weighted, abs=0.16), (period, parent)
    counts = use[(use["measure"] == "companies") & (use["period"] == "2021")].set_index("naics_code")["value"]
    assert abs(counts["62"] - companies[["621–23", "624"]].sum()) <= 0.5


def test_migration_groups_resolve_on_the_twin_and_recover_tech_ai_rd(twin_tables: dict[str, pd.DataFrame], twin_truth: dict) -> None:
    """The migration notebook's default industry groups exist in every twin table it reads, and its
    tech group (51 + 5415 + 334) adds up to the truth behind those rows."""
    groups = migration.parse_groups(oews.INDUSTRY_GROUPS)
    berd = migration.summarize_berd(twin_tables["berd"], groups, [2019, 2020, 2021, 2022])
    use = migration.summarize_ai_use(twin_tables["use"], groups)
    assert set(use["group"]) == set(groups) and use["use_rate_pct"].notna().all()
    tech = berd["ai_rd_amount"].set_index(["group", "year"]).loc[(oews.TECH_GROUP, 2019), "value"]
    level = twin_truth["ai_rd_2019"]
    expected = level["51"] + twin_truth["sub_industry_share_of_parent"]["5415"] * level["54"] + level["334"]
    assert tech == pytest.approx(expected, abs=1.5)


def test_state_loader_recovers_the_twins_ai_shares(synthetic_store: DataStore, twin_truth: dict) -> None:
    states = ncses.load_ai_postings_by_state(synthetic_store).set_index("state")
    expected = pd.Series(twin_truth["state_ai_share_percent"])[states.index]
    assert (states["ai_share_percent"] - expected).abs().max() < 0.006
