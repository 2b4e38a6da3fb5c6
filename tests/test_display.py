"""What a notebook shows a reader: escaped, reproducible HTML tables with a plain-text twin, provenance
that fits the data kind, and the verdict block."""

from __future__ import annotations

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from talentmarket.data.store import DataStore
from talentmarket.errors import ParameterError
from talentmarket.results import display
from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import load_registry

HOSTILE = "evil<img src=x onerror=alert(1)>.csv"


def _premium_frame() -> pd.DataFrame:
    return pd.DataFrame({"group": ["senior", HOSTILE], "percent": [12.345, -0.04], "ci_low": [10.1, -7.9],
                         "ci_high": [14.8, 1.6], "postings": [12345, 67]})


def _no_live_tags(html: str) -> bool:
    page = BeautifulSoup(html, "html.parser")
    return page.find("img") is None and page.find("script") is None and not any(
        attribute.startswith("on") for tag in page.find_all(True) for attribute in tag.attrs)


def test_reader_table_formats_numbers_joins_intervals_and_puts_units_in_headers():
    table = display.reader_table(_premium_frame(), caption="AI premium by group", table_id="premium",
                                 intervals={"95% CI": ("ci_low", "ci_high")}, units={"percent": "percent"})
    page = BeautifulSoup(table.html, "html.parser")
    assert [th.get_text() for th in page.select("thead th")] == ["group", "percent (percent)", "95% CI", "postings"]
    assert [td.get_text() for td in page.select("tbody tr")[0].find_all("td")] == ["senior", "12.3", "[10.1, 14.8]", "12,345"]
    assert page.select("tbody tr")[1].find_all("td")[1].get_text() == "0.0", "no '-0.0'"
    assert page.select_one("caption").get_text() == "AI premium by group"
    assert page.select(".row_heading") == [], "no pandas index column"
    assert table.text.splitlines()[0] == "AI premium by group" and "[10.1, 14.8]" in table.text


def test_reader_table_escapes_cells_headers_and_caption():
    frame = _premium_frame().rename(columns={"group": HOSTILE})
    table = display.reader_table(frame, caption=f"Files: {HOSTILE}", table_id="hostile")
    assert _no_live_tags(table.html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in table.html


def test_reader_table_is_byte_identical_for_the_same_frame():
    first = display.reader_table(_premium_frame(), caption="c", table_id="same")
    second = display.reader_table(_premium_frame(), caption="c", table_id="same")
    assert first.html == second.html and 'id="T_same"' in first.html
    assert repr(first) == first.text and first._repr_html_() == first.html


@pytest.mark.parametrize(("options", "named"), [
    ({"table_id": "Bad Id"}, "table_id"),
    ({"table_id": "ok", "intervals": {"CI": ("low", "high")}}, "interval column"),
    ({"table_id": "ok", "units": {"absent": "percent"}}, "units given for column"),
])
def test_reader_table_refuses_bad_options_by_name(options, named):
    with pytest.raises(ParameterError, match=named):
        display.reader_table(_premium_frame(), caption="c", **options)


def test_real_provenance_shows_version_licence_and_short_hash_and_keeps_non_hashes_whole():
    store = DataStore()
    store.record_generated("case", "a generated case")
    store.record_own_file(__file__)
    frame = display.provenance_frame(store)
    assert list(frame.columns) == ["source", "file", "version", "license", "sha256"]
    by_source = frame.set_index("source")["sha256"]
    assert by_source["generated:case"] == "not applicable (generated)"
    assert len(by_source["own:test_display"]) == display.SHA256_SHOWN


def test_synthetic_provenance_names_the_generator_and_seed_not_real_file_hashes():
    store = DataStore(synthetic=True, seed=7)
    store.read("indeed_wage_tracker", "posted-wage-growth-by-country.csv")
    store.record_generated("geography_case", "talentmarket convergence case generator")
    frame = display.provenance_frame(store).set_index("source")
    assert list(frame.columns) == ["file", "generator", "seed"]
    assert frame.loc["indeed_wage_tracker", "generator"] == "talentmarket.data.synthetic.wages.generate"
    assert frame.loc["generated:geography_case", "generator"] == "talentmarket convergence case generator"
    assert (frame["seed"] == "7").all()
    assert "seed 7" in display.provenance_table(store).text
    large = DataStore(synthetic=True, seed=20260101)
    large.read("indeed_wage_tracker", "posted-wage-growth-by-country.csv")
    assert ">20260101<" in display.provenance_table(large).html, "a seed is printed as it is passed, without separators"


def _claim(rationale: str = "The whole CI lies above 5%.") -> ClaimResult:
    return ClaimResult(id="salary.ai_premium", claim="AI roles pay clearly more.", metric="premium", estimate=21.6,
                       ci_low=20.1, ci_high=23.1, unit="percent", verdict="supported", rationale=rationale, n=12345,
                       section="5. Verdicts", threshold=5.0, direction="above")


def test_verdict_block_shows_label_badge_numbers_threshold_and_rationale_as_prose():
    block = display.verdict_block([_claim()])
    row = BeautifulSoup(block.html, "html.parser").select_one("tr#verdict-salary\\.ai_premium")
    cells = [td.get_text(" ", strip=True) for td in row.find_all("td")]
    label = load_registry().set_index("id").at["salary.ai_premium", "label"]
    assert cells[0].startswith(label) and "AI roles pay clearly more." in cells[0]
    assert cells[1:5] == ["supported", "21.6 percent", "[20.1, 23.1]", "above +5 percent"]
    assert cells[5].startswith("The whole CI lies above 5%.")
    assert "word-break: normal" in block.html, "rationales wrap between words, not inside them"
    assert block.text == "salary.ai_premium: supported — 21.6 [20.1, 23.1] percent (threshold: above +5 percent; n = 12,345)"


def test_verdict_block_on_synthetic_data_is_never_a_finding_and_escapes_rationales():
    block = display.verdict_block([_claim(rationale=f"read from {HOSTILE}")], synthetic=True)
    assert "synthetic — not a finding (supported)" in block.text
    assert _no_live_tags(block.html)


def test_thresholds_read_as_words():
    assert display.format_threshold(-10.0, "above", "percent") == "above -10 percent"
    assert display.format_threshold(0.0, "below") == "below +0"
    assert display.format_threshold(None, None) == display.MISSING


def test_reader_table_aligns_by_cell_so_notebook_css_cannot_override_it():
    table = display.reader_table(_premium_frame(), caption="c", table_id="align", intervals={"95% CI": ("ci_low", "ci_high")})
    style = BeautifulSoup(table.html, "html.parser").find("style").get_text()
    rules = {selectors.strip(): body for selectors, body in (rule.split("{", 1) for rule in style.split("}") if "{" in rule)}
    assert "text-align" not in rules["#T_align td"], "a table-wide td rule would lose to JupyterLab's :not(...) td rule"
    numeric = next(body for selectors, body in rules.items() if "#T_align_row0_col2" in selectors)  # the 95% CI cell
    text = next(body for selectors, body in rules.items() if "#T_align_row1_col0" in selectors)  # a group name
    assert "text-align: right" in numeric and "white-space: nowrap" in numeric
    assert "text-align: left" in text


def test_provenance_of_a_hostile_own_file_name_is_escaped(tmp_path):
    own = tmp_path / HOSTILE
    own.write_text("work_year\n2024\n", encoding="utf-8")
    store = DataStore()
    store.record_own_file(own)
    table = display.provenance_table(store)
    assert _no_live_tags(table.html) and HOSTILE in BeautifulSoup(table.html, "html.parser").get_text()
