"""The static report site: what reports/index.html contains, that its links resolve, and that it needs no JavaScript."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

import matplotlib.pyplot as plt
import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from talentmarket import paths
from talentmarket.report import history, pages, site
from talentmarket.report import scorecard as claims
from talentmarket.results import registry as claims_registry
from talentmarket.results.figures import save_figure
from test_claims import FIXTURE_RESULTS, write_fixture_reports

RENDERED = ("01_demand_growth", "02_salary_premium")
"""Fixture notebooks that also get rendered HTML and figures; 03 has results only."""


def _save_line_figure(out_dir: Path, name: str, title: str) -> None:
    figure, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot([2020, 2022, 2024], [1.0, 2.5, 4.0], marker="o")
    ax.set_title(title)
    save_figure(figure, out_dir, name)
    plt.close(figure)


def write_fixture_notebooks(reports_root: Path) -> Path:
    """Fixture reports as the main job leaves them: results.json for three notebooks, and for two of
    them figures plus full and reader HTML pages."""
    write_fixture_reports(reports_root)
    for notebook in RENDERED:
        folder = reports_root / notebook
        _save_line_figure(folder, "a_detail", f"{notebook}: a detail figure")
        _save_line_figure(folder, "key_growth", f"{notebook}: the key figure")
        for suffix, heading in (("", "Full notebook with code"), ("_reader", "Reader version")):
            (folder / f"{notebook}{suffix}.html").write_text(
                f"<!DOCTYPE html><html><head><title>{notebook}</title></head><body><h1>{heading}: {notebook}</h1>"
                f'<p>Back to the <a href="../index.html">report site</a>.</p></body></html>',
                encoding="utf-8",
            )
    return reports_root


def write_scorecard_and_site(reports_root: Path) -> Path:
    """The scorecard's forest plot over whatever results the folder holds, then the site; returns index.html."""
    documents = claims.read_all_results(reports_root)
    scorecard = claims.build_scorecard(claims_registry.load_registry(), documents)
    forest = claims.plot_forest(scorecard, claims.provenance_store(documents))
    save_figure(forest, reports_root / claims.SCORECARD_NOTEBOOK, "key_forest_plot")
    plt.close(forest)
    return site.build_site(reports_root)


def local_targets(page: BeautifulSoup) -> list[str]:
    """Every href and src on the page that is not an http(s) link."""
    targets = [tag.get("href") for tag in page.find_all(href=True)] + [tag.get("src") for tag in page.find_all(src=True)]
    return [t for t in targets if urlparse(t).scheme not in ("http", "https")]


def broken_links(index: Path) -> list[str]:
    """Local links of ``index`` that point at no file, or at an id the page does not have."""
    page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    ids = {tag["id"] for tag in page.find_all(id=True)}
    broken = []
    for target in local_targets(page):
        if target.startswith("#"):
            if target[1:] not in ids:
                broken.append(target)
        elif not (index.parent / unquote(urlparse(target).path)).is_file():
            broken.append(target)
    return broken


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module: the tests below only read it."""
    return write_scorecard_and_site(write_fixture_notebooks(tmp_path_factory.mktemp("site") / "reports"))


@pytest.fixture
def page(index: Path) -> BeautifulSoup:
    return BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")


def test_site_is_written_as_index_html_in_the_reports_root(index):
    assert index.name == "index.html" and (index.parent / "01_demand_growth" / "results.json").is_file()


def test_scorecard_lists_every_registered_claim_with_its_shown_verdict(page):
    registry = claims_registry.load_registry()
    rows = page.select("#scorecard-table tr.claim-row")
    assert [row.find("code").get_text() for row in rows] == registry["id"].tolist()
    verdicts = {row.find("code").get_text(): row.select_one(".badge").get_text() for row in rows}
    assert verdicts["salary.senior_premium_not_decreasing"] == "contradicted"
    assert verdicts["hiring.talent_gap"] == "not testable with open data"
    assert verdicts["migration.into_healthcare_finance"] == "not run yet"


def test_scorecard_row_shows_label_estimate_interval_unit_threshold_q_value_and_data_kind(page):
    cells = [td.get_text(" ", strip=True) for td in page.select_one("#claim-salary\\.ai_premium").find_all("td")]
    label = claims_registry.load_registry().set_index("id").at["salary.ai_premium", "label"]
    assert cells[0].startswith(label)
    assert cells[2:8] == ["12.4", "[10.1, 14.8]", "percent", "above +5", "—", "real"], "results without p-values show no q-value"


def test_synthetic_results_are_bannered_and_never_shown_as_verdicts(page):
    assert "03_compensation_convergence" in page.select_one("#synthetic-banner").get_text()
    synthetic_rows = [row for row in page.select("tr.claim-row") if row.find_all("td")[7].get_text() == "synthetic"]
    assert len(synthetic_rows) == len(FIXTURE_RESULTS["03_compensation_convergence"][1])
    assert {row.select_one(".badge").get_text() for row in synthetic_rows} == {"synthetic — not a finding"}


def test_summary_sentence_gives_the_counts(page):
    assert page.select_one("#summary").get_text().startswith("Of the essay's 22 claims, 9 have a verdict from real data")


def test_one_card_per_notebook_with_its_claims_key_figure_and_links(page):
    cards = {card["id"]: card for card in page.select("article.card")}
    assert sorted(cards) == [f"notebook-{name}" for name in FIXTURE_RESULTS]
    demand = cards["notebook-01_demand_growth"]
    assert demand.find("img")["src"] == "01_demand_growth/figures/key_growth.png"
    assert len(demand.select("li")) == 3
    links = {a.get_text(): a["href"] for a in demand.select(".links a")}
    assert links == {
        "Read the report (no code)": "01_demand_growth/01_demand_growth_reader.html",
        "Full notebook with code": "01_demand_growth/01_demand_growth.html",
        "results.json": "01_demand_growth/results.json",
    }


def test_a_notebook_without_figures_or_html_gets_a_card_without_dead_links(page):
    convergence = page.select_one("#notebook-03_compensation_convergence")
    assert convergence.find("img") is None
    assert [a.get_text() for a in convergence.select(".links a")] == ["results.json"]
    assert "synthetic data — not a finding" in convergence.get_text()


def test_every_local_link_and_image_resolves(index, page):
    assert broken_links(index) == []
    assert all(not target.startswith("/") for target in local_targets(page)), "links must be relative to open from disk"


def test_scorecard_forest_plot_is_shown(page):
    assert page.select_one("#scorecard .figure img")["src"] == "00_claims_scorecard/figures/key_forest_plot.png"


def test_untestable_claims_are_listed_with_reason_and_missing_data(page):
    rows = page.select("#untestable tr.untestable-row")
    registry = claims_registry.load_registry()
    assert len(rows) == int((registry["testable"] != "yes").sum())
    cells = {row.find("code").get_text(): [td.get_text() for td in row.find_all("td")] for row in rows}
    assert cells["hiring.talent_gap"][1] == "no"
    assert "applicants" in cells["hiring.talent_gap"][4]


def test_sources_table_gives_licence_attribution_and_version_once_per_file(page):
    rows = page.select("#sources tr.source-row")
    assert len(rows) == 2
    real, twin = (row.get_text(" ", strip=True) for row in rows)
    for expected in ("indeed_ai_tracker", "AI_posting.csv", "41392c3f5a65", "CC BY 4.0", "Indeed Hiring Lab", "01_demand_growth 02_salary_premium"):
        assert expected in real
    assert "synthetic twin (seed 1)" in twin and "not applicable (synthetic)" in twin and "03_compensation_convergence" in twin
    assert "41392c3f5a65" not in twin and "0000000000" not in twin, "a synthetic run shows no real file's version or hash"


def test_versions_section_names_package_and_data_kind_per_notebook(page):
    text = page.select_one("#versions").get_text(" ", strip=True)
    assert "Site built by talentmarket" in text
    assert "03_compensation_convergence : talentmarket" in text and "synthetic data" in text


def test_build_stamp_gives_version_commit_run_date_and_data_vintages(index, page):
    stamp = page.select_one("header #build-stamp").get_text(" ", strip=True)
    assert f"talentmarket {site.package_version()}" in stamp
    commit = stamp.split("commit ", 1)[1].split(" ", 1)[0]
    known = subprocess.run(["git", "-C", str(paths.REPO_ROOT), "cat-file", "-e", f"{commit}^{{commit}}"], check=False)
    assert len(commit) == 12 and known.returncode == 0, f"{commit!r} is not a commit of this repository"
    assert f"Run {json.loads((index.parent / site.BUILD_RECORD).read_text())['run_date']}" in stamp
    assert "indeed_ai_tracker 41392c3f5a65" in stamp and "real and synthetic" in stamp


def test_the_run_date_is_kept_while_the_results_are_unchanged_and_renewed_when_they_change(tmp_path):
    reports_root = write_fixture_reports(tmp_path / "reports")
    documents = claims.read_all_results(reports_root)
    record = reports_root / site.BUILD_RECORD
    assert site.run_date(reports_root, documents) == datetime.now(UTC).strftime("%Y-%m-%d")
    kept = json.loads(record.read_text()) | {"run_date": "2026-01-02"}
    record.write_text(json.dumps(kept))
    assert site.run_date(reports_root, documents) == "2026-01-02", "a rebuild from the same results keeps its day"
    results = next(reports_root.glob("*/results.json"))
    results.write_text(results.read_text().replace("Fixture", "Changed fixture"))
    assert site.run_date(reports_root, documents) == datetime.now(UTC).strftime("%Y-%m-%d")


def test_readme_findings_name_the_claims_whose_verdict_changed_with_the_data(tmp_path):
    reports_root = write_fixture_reports(tmp_path / "reports")
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{site.FINDINGS_START}\nold\n{site.FINDINGS_END}\nrest\n", encoding="utf-8")
    site.write_readme_findings(reports_root, readme)
    assert "When the data were updated" not in readme.read_text(), "no history run yet: nothing said"
    history_document = {"vintage_sets": ["newest", "aijobs_net_salaries=2025-01-19"], "flips": [
        {"id": "salary.stratification", "label": "AI pay tiers drifting apart", "newest": "inconclusive",
         "aijobs_net_salaries=2025-01-19": "contradicted"}]}
    (reports_root / "history.json").write_text(json.dumps(history_document), encoding="utf-8")
    site.write_readme_findings(reports_root, readme)
    text = readme.read_text()
    assert "1 claim(s) changed verdict" in text and "`salary.stratification` contradicted → inconclusive" in text
    assert text.endswith("rest\n")


def test_essay_is_named_and_attributed_as_a_published_essay(page):
    text = page.select_one("#essay").get_text(" ", strip=True)
    assert "published essay “The AI Talent Market in 2026”" in text and "own words" in text


def test_how_we_judge_page_is_written_and_linked_from_the_index(index, page):
    assert page.select_one("nav").find("a", string="How we judge")["href"] == site.METHODS_FILE
    methods = BeautifulSoup((index.parent / site.METHODS_FILE).read_text(encoding="utf-8"), "html.parser")
    assert {section["id"] for section in methods.find_all("h2")} == {"thresholds", "intervals", "rule", "multiplicity", "synthetic"}
    assert methods.find("a", href="index.html") is not None
    assert methods.find("script") is None


def test_history_page_is_linked_only_once_it_exists(tmp_path):
    assert (site.HISTORY_FILE, site.HISTORY_DATA) == (history.HISTORY_HTML, history.HISTORY_JSON), "the files report/history.py writes"
    reports_root = write_fixture_reports(tmp_path / "reports")
    first = BeautifulSoup(site.build_site(reports_root).read_text(encoding="utf-8"), "html.parser")
    assert first.find("a", href=site.HISTORY_FILE) is None
    (reports_root / site.HISTORY_FILE).write_text("<!DOCTYPE html><title>history</title>", encoding="utf-8")
    second = BeautifulSoup(site.build_site(reports_root).read_text(encoding="utf-8"), "html.parser")
    assert second.find("a", href=site.HISTORY_FILE).get_text() == "What changed when the data were updated"


def test_cards_show_a_large_linked_thumbnail_with_the_claims_flowing_around_it(page):
    card = page.select_one("#notebook-01_demand_growth")
    link = card.select_one(".thumb a")
    assert link["href"] == link.find("img")["src"] == "01_demand_growth/figures/key_growth.png"
    assert ".card .thumb { float: left; width: 56%" in page.find("style").get_text(), "claims flow beside and under the figure"


def test_page_needs_no_javascript(page):
    assert page.find("script") is None
    assert not any(attribute.startswith("on") for tag in page.find_all(True) for attribute in tag.attrs)


def test_same_results_give_byte_identical_site(index, tmp_path, monkeypatch):
    """A first build and a re-build over the same results, on a copy of the module's reports without its build
    record (as the fixture notebooks leave them: drawing their figures again would add nothing)."""
    monkeypatch.setattr(site, "git_commit", lambda: "0123456789ab")  # others may commit between two builds
    reports_root = shutil.copytree(index.parent, tmp_path / "reports")
    (reports_root / site.BUILD_RECORD).unlink()
    site.build_site(reports_root)
    first = (reports_root / "index.html").read_bytes(), (reports_root / site.METHODS_FILE).read_bytes()
    site.build_site(reports_root)
    assert ((reports_root / "index.html").read_bytes(), (reports_root / site.METHODS_FILE).read_bytes()) == first


HOSTILE_FILE = "evil<img src=x onerror=alert(1)>.csv"


def test_text_from_results_and_file_names_is_escaped(tmp_path):
    reports_root = write_fixture_reports(tmp_path, {"01_demand_growth": FIXTURE_RESULTS["01_demand_growth"]})
    results = reports_root / "01_demand_growth" / "results.json"
    text = results.read_text(encoding="utf-8").replace("Fixture 01_demand_growth", "<script>alert(1)</script>")
    results.write_text(text.replace('"file": "AI_posting.csv"', f'"file": "{HOSTILE_FILE}"')
                       .replace('"url": "https://example.org/AI_posting.csv"', '"url": "javascript:alert(1)"')
                       .replace("fixture rationale for demand.genai_takeoff", f"read from {HOSTILE_FILE}"), encoding="utf-8")
    index = site.build_site(reports_root)
    page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    assert page.find("script") is None and page.find("img") is None
    assert not any(attribute.startswith("on") for tag in page.find_all(True) for attribute in tag.attrs)
    assert "&lt;script&gt;" in index.read_text(encoding="utf-8") and HOSTILE_FILE in page.select_one("#sources").get_text()
    assert not any(a["href"].startswith("javascript:") for a in page.find_all("a", href=True)), "only web addresses are linked"


def test_site_builds_before_any_notebook_has_run(tmp_path):
    index = site.build_site(tmp_path / "empty")
    page = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser")
    assert "No notebook has run yet" in page.select_one("#notebooks").get_text()
    assert len(page.select("tr.claim-row")) == len(claims_registry.load_registry())
    assert broken_links(index) == []


def test_readme_findings_section_is_replaced_from_the_reports(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# t\n{site.FINDINGS_START}\nold text\n{site.FINDINGS_END}\n## Set-up\n", encoding="utf-8")
    site.write_readme_findings(tmp_path / "reports", readme)
    text = readme.read_text(encoding="utf-8")
    assert "old text" not in text and "## Findings" in text and text.endswith(f"{site.FINDINGS_END}\n## Set-up\n")
    assert "cannot be tested with open data" in text


def _executed_notebook(path: Path) -> Path:
    """A small executed notebook: a heading, a code cell with printed text and an HTML table."""
    table = nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1.5</td></tr></table>", "text/plain": "1.5"})
    notebook = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}}, cells=[
        nbformat.v4.new_markdown_cell("# Premium\n\nThe *estimate*."),
        nbformat.v4.new_code_cell("for x in range(2):\n    print(f'{x:.1f}')  # two lines", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="0.0\n1.0\n"), table]),
    ])
    nbformat.write(notebook, path)
    return path


def test_prepared_exporters_render_the_same_pages(tmp_path):
    executed = _executed_notebook(tmp_path / "premium.ipynb")
    pages.notebook_exporter.cache_clear()
    unprepared = [path.read_bytes() for path in pages.render_html(executed)]
    pages.notebook_exporter.cache_clear()
    pages.prepare()
    assert [path.read_bytes() for path in pages.render_html(executed)] == unprepared
    assert b"<title>Premium</title>" in unprepared[0] and b"# two lines</span>" in unprepared[0]
    assert b"two lines" not in unprepared[1], "the reader page has no code"


def _richer_notebook() -> nbformat.NotebookNode:
    """Every kind of tag nbconvert's BeautifulSoup pass edits, and some it must leave alone."""
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    html = '<div class="jp-OutputArea-output-like"><img src="a.png"><img alt="kept" src="b.png"></div><p>a &amp; b &lt; c</p>'
    outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
               nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "table"}),
               nbformat.v4.new_output("stream", name="stderr", text="a warning <with> & brackets\n"),
               nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["\x1b[31mValueError\x1b[0m: bad"])]
    return nbformat.v4.new_notebook(metadata={"language_info": {"name": "python", "pygments_lexer": "ipython3"}}, cells=[
        nbformat.v4.new_markdown_cell("# Title & more\n\nText with `code`, <b>bold</b> and a [link](https://example.org)."),
        nbformat.v4.new_code_cell('x = \'<div class="jp-OutputArea-output">\'  # in a string\nprint(x < 3)',
                                  execution_count=1, outputs=outputs),
        nbformat.v4.new_raw_cell("raw text"),
    ])


@pytest.mark.parametrize("reader", [False, True])
def test_notebook_pages_parse_to_the_tree_nbconverts_exporter_writes(reader):
    """PageExporter skips nbconvert's BeautifulSoup round trip and adds its attributes itself: the pages must
    parse to the same document as nbconvert's own (on a notebook with every edited tag, and on a real one)."""
    exporter = pages.notebook_exporter(reader=reader)
    executed = paths.MAIN_REPORTS_DIR / "00_claims_scorecard" / "00_claims_scorecard.ipynb"
    for notebook in (_richer_notebook(), nbformat.read(executed, as_version=4)):
        resources = {"metadata": {"name": "A page"}}
        ours = exporter.from_notebook_node(notebook, resources=dict(resources))[0]
        nbconverts = HTMLExporter.from_notebook_node(exporter, notebook, resources=dict(resources))[0]
        assert BeautifulSoup(ours, "html.parser") == BeautifulSoup(nbconverts, "html.parser")
        assert f'alt="{pages.MISSING_ALT_TEXT}"' in ours and ours.count('tabindex="0"') == nbconverts.count('tabindex="0"') > 0


def test_notebook_pages_render_without_the_analysis_stack(tmp_path):
    """The runner's workers render pages only: what they import for it must stay nbconvert's, not pandas or SciPy."""
    executed = _executed_notebook(tmp_path / "premium.ipynb")
    check = ("import sys\nfrom pathlib import Path\nfrom talentmarket.report import pages\n"
             f"pages.prepare()\npages.render_html(Path({str(executed)!r}))\n"
             "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib', 'pandera') if m in sys.modules))")
    imported = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
    assert executed.with_suffix(".html").is_file()


def test_notebook_pages_load_nothing_from_the_network_and_escape_their_title(tmp_path):
    notebook = nbformat.v4.new_notebook()
    printed = nbformat.v4.new_output("stream", name="stdout", text=f"read {HOSTILE_FILE}\n")
    notebook.cells = [nbformat.v4.new_markdown_cell("# A report"), nbformat.v4.new_code_cell("print(name)", outputs=[printed])]
    for reader in (False, True):
        page = pages.notebook_exporter(reader=reader).from_notebook_node(notebook, resources={"metadata": {"name": HOSTILE_FILE}})[0]
        soup = BeautifulSoup(page, "html.parser")
        assert soup.find("script") is None and soup.find("img") is None
        assert not [tag for tag in soup.find_all(src=True) if urlparse(tag["src"]).scheme in ("http", "https")]
        assert not [tag for tag in soup.find_all("link", href=True) if urlparse(tag["href"]).scheme in ("http", "https")]
        assert HOSTILE_FILE in soup.title.get_text()
        assert bool(soup.select(".jp-CodeCell .jp-InputArea")) is not reader, "the reader version hides the code"


def test_readme_stays_short_and_every_link_in_it_and_the_docs_resolves():
    readme = paths.README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 150, "reference material belongs in docs/"
    assert site.FINDINGS_START in readme and site.FINDINGS_END in readme
    assert "published essay *\"The AI Talent Market in 2026\"*" in readme
    pages = [paths.README, *sorted((paths.REPO_ROOT / "docs").glob("*.md"))]
    broken = [(page.name, target) for page in pages
              for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
              if urlparse(target).scheme not in ("http", "https") and not (page.parent / target).exists()]
    assert broken == []
