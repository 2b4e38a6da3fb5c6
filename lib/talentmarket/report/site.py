"""The shareable report site: one static ``reports/index.html`` over everything the main job wrote.

At the top, the claims scorecard (every claim of the essay, its verdict, estimate and 95% CI);
then one card per executed notebook (its claims and verdicts, its key figure, links to the
reader version without code, the full version with code and its results.json); then the claims
open data cannot settle; then every data source with its licence, attribution and version.

The page is plain HTML with inline CSS and relative links only, so it reads the same opened
from disk or served by any static web server, with no JavaScript. It holds no timestamps, so
the same results give the same bytes.

Key-figure convention: a notebook saves figures with :func:`talentmarket.results.figures.save_figure` into
``reports/<notebook>/figures/``; its card shows the figure whose name starts with ``key``
(e.g. ``figures/key_ai_postings_index.png``), or the alphabetically first PNG when none does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import pandas as pd
from nbconvert import HTMLExporter

from talentmarket import paths
from talentmarket.report import scorecard as claims
from talentmarket.results.registry import load_registry
from talentmarket.results.contract import RESULTS_FILE, package_version

INDEX_FILE = "index.html"
KEY_FIGURE_PREFIX = "key"
SITE_TITLE = "Does the AI talent market match the story? Claims tested against open data"
ESSAY = "“The AI Talent Market in 2026”"


_OFFLINE_TEMPLATE = "talentmarket_offline.html.j2"
_OFFLINE_LOADER = jinja2.DictLoader({_OFFLINE_TEMPLATE: """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
"""})
"""nbconvert's lab template without its script tags: require.js and MathJax load from a CDN (a page
opened offline waits for them), mermaid.js is imported from one, and the notebooks use none of them
(no TeX, no widgets, no diagrams). Figures are embedded as data URIs and the CSS is inlined, so a
page built with this template loads nothing from the network."""


def notebook_exporter(*, reader: bool) -> HTMLExporter:
    """The HTML exporter of every notebook page: self-contained (see ``_OFFLINE_LOADER``); the
    ``reader`` version hides code cells and prompts, the full version keeps them."""
    hide = {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True} if reader else {}
    return HTMLExporter(template_name="lab", template_file=_OFFLINE_TEMPLATE, extra_loaders=[_OFFLINE_LOADER], **hide)


def build_site(reports_root: Path) -> Path:
    """Write ``<reports_root>/index.html`` from the registry and every ``<reports_root>/*/results.json``; return its path."""
    reports_root = Path(reports_root)
    reports_root.mkdir(parents=True, exist_ok=True)
    documents = claims.read_all_results(reports_root)
    scorecard = claims.build_scorecard(load_registry(), documents)
    rows = _scorecard_rows(scorecard)
    page = _TEMPLATE.render(
        title=SITE_TITLE,
        essay=ESSAY,
        synthetic_notebooks=[d["notebook"] for d in documents if d["data_kind"] == "synthetic"],
        summary=_summary_sentence(scorecard),
        scorecard=rows,
        scorecard_links=_notebook_links(reports_root, claims.SCORECARD_NOTEBOOK),
        scorecard_figure=_key_figure(reports_root, claims.SCORECARD_NOTEBOOK),
        cards=[_card(reports_root, document, rows) for document in documents],
        carded={document["notebook"] for document in documents},
        not_run=sorted({n for n in scorecard.loc[scorecard["status"] == claims.STATUS_NOT_RUN, "notebook"]}),
        untestable=[row for row in rows if row["testable"] != "yes"],
        sources=[use | {"sha256_short": use["sha256"][:12]} for use in claims.merged_sources(documents)],
        versions=_versions(documents),
    )
    target = reports_root / INDEX_FILE
    target.write_text(page, encoding="utf-8")
    return target


FINDINGS_START, FINDINGS_END = "<!-- section:findings -->", "<!-- /section:findings -->"


def write_readme_findings(reports_root: Path, readme: Path = paths.README) -> Path:
    """Replace the README's findings section with the scorecard summary of ``reports_root``,
    so the summary a visitor sees first is the one the notebooks computed."""
    scorecard = claims.build_scorecard(load_registry(), claims.read_all_results(Path(reports_root)))
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(FINDINGS_START) + len(FINDINGS_START), text.index(FINDINGS_END)
    body = ("\n## Findings\n\n" + claims.summary_markdown(scorecard)
            + "\nEstimates are effect sizes with 95% confidence intervals; the report site (`reports/index.html`, "
            "written by `make all`) gives each claim's metric, rationale and the notebook section behind it.\n")
    readme.write_text(text[:start] + body + text[end:], encoding="utf-8")
    return readme


def _summary_sentence(scorecard: pd.DataFrame) -> str:
    """The first paragraph of claims.summary_markdown: the counts, in one sentence."""
    return claims.summary_markdown(scorecard).split("\n", 1)[0]


def _scorecard_rows(scorecard: pd.DataFrame) -> list[dict[str, Any]]:
    table = claims.scorecard_table(scorecard)
    rows = []
    for entry, shown in zip(scorecard.to_dict("records"), table.to_dict("records")):
        rows.append(shown | {
            "text": entry["claim"], "status": entry["status"], "notebook": entry["notebook"],
            "testable": entry["testable"], "limitation": entry["limitation"], "data_needed": entry["data_needed"],
            "css": _verdict_class(entry["status"], entry["verdict"]), "rationale": entry["rationale"] or "",
        })
    return rows


def _verdict_class(status: str, verdict: str) -> str:
    """CSS class of a verdict badge: the verdict itself for real findings, else the status."""
    return verdict if status == claims.STATUS_FINDING else status.replace(" ", "-")


def _link(reports_root: Path, path: Path) -> str:
    """A URL relative to index.html, percent-encoded, that works from disk and from a server."""
    return quote(path.relative_to(reports_root).as_posix())


def _notebook_links(reports_root: Path, notebook: str) -> dict[str, str]:
    """Links to the notebook's reader HTML, full HTML and results.json, for those files that exist."""
    folder = reports_root / notebook
    candidates = {
        "reader": folder / f"{notebook}_reader.html",
        "full": folder / f"{notebook}.html",
        "results": folder / RESULTS_FILE,
    }
    return {kind: _link(reports_root, path) for kind, path in candidates.items() if path.is_file()}


def _key_figure(reports_root: Path, notebook: str) -> str | None:
    """Link to the notebook's key figure (see the module docstring), or None when it saved no PNG."""
    figures = sorted((reports_root / notebook / "figures").glob("*.png"),
                     key=lambda path: (not path.stem.startswith(KEY_FIGURE_PREFIX), path.name))
    return _link(reports_root, figures[0]) if figures else None


def _card(reports_root: Path, document: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    notebook = document["notebook"]
    return {
        "notebook": notebook,
        "title": document["title"],
        "synthetic": document["data_kind"] == "synthetic",
        "claims": [row for row in rows if row["notebook"] == notebook],
        "figure": _key_figure(reports_root, notebook),
        "links": _notebook_links(reports_root, notebook),
        "package_version": document["package_version"],
    }


def _versions(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "site": package_version(),
        "notebooks": sorted({(d["notebook"], d["package_version"], d["data_kind"]) for d in documents}),
    }


_TEMPLATE = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 0 24px 48px; color: #1d2330; line-height: 1.45; }
header { border-bottom: 3px solid #1d2330; margin-bottom: 8px; }
h1 { font-size: 1.7em; margin: 24px 0 6px; }
h2 { margin-top: 36px; border-bottom: 1px solid #ccd; padding-bottom: 4px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th, td { border-bottom: 1px solid #dde; padding: 6px 8px; text-align: left; vertical-align: top; }
td.file { overflow-wrap: anywhere; width: 34%; }
td.nowrap { white-space: nowrap; }
th { background: #f2f4f8; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.claim-text { color: #444; font-size: 0.92em; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 0.85em; font-weight: bold; white-space: nowrap; }
.supported { background: #d9f0de; color: #1b5e20; }
.contradicted { background: #fbe0dd; color: #8e1b10; }
.mixed { background: #fdf0d2; color: #7a5200; }
.inconclusive { background: #e6e6e6; color: #333; }
.synthetic { background: #fdecea; color: #b00020; border: 1px dashed #b00020; }
.not-run, .not-reported, .untestable { background: #fff; color: #555; border: 1px solid #bbb; }
.banner { border: 3px solid #b00020; background: #fdecea; color: #b00020; padding: 12px; font-weight: bold; margin: 12px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 18px; }
.card { border: 1px solid #ccd; border-radius: 8px; padding: 14px 16px; background: #fbfcfe; }
.card h3 { margin: 0 0 4px; }
.figure { max-width: 900px; margin: 18px auto; }
.card img, .figure img { width: 100%; height: auto; border: 1px solid #dde; background: #fff; }
.links a { margin-right: 12px; font-weight: bold; }
.muted { color: #666; font-size: 0.9em; }
.rationale { color: #333; font-size: 0.88em; }
.card li { margin-bottom: 6px; }
code { font-size: 0.95em; }
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p>Each claim of the essay {{ essay }}, stated in our own words, is tested against openly licensed data
with an effect size, a 95% confidence interval and an explicit verdict: <em>supported</em>, <em>contradicted</em>,
<em>mixed</em> or <em>inconclusive</em>.</p>
<nav><a href="#scorecard">Scorecard</a><a href="#notebooks">Notebooks</a><a href="#untestable">What open data cannot settle</a><a href="#sources">Sources and licences</a><a href="#versions">Versions</a></nav>
</header>
{% if synthetic_notebooks %}
<div class="banner" id="synthetic-banner">SYNTHETIC DATA in {{ synthetic_notebooks | join(", ") }}: those results come from seeded synthetic twins and are illustrations, not findings; their verdicts are withheld.</div>
{% endif %}

<section id="scorecard">
<h2>Scorecard</h2>
<p id="summary">{{ summary }}</p>
{% if scorecard_links %}
<p class="links">Scorecard notebook:
{% if "reader" in scorecard_links %}<a href="{{ scorecard_links.reader }}">read</a>{% endif %}
{% if "full" in scorecard_links %}<a href="{{ scorecard_links.full }}">with code</a>{% endif %}
{% if "results" in scorecard_links %}<a href="{{ scorecard_links.results }}">results.json</a>{% endif %}
</p>
{% endif %}
<table id="scorecard-table">
<thead><tr><th>Claim</th><th>Verdict</th><th>Estimate</th><th>95% CI</th><th>Unit</th><th>Data</th><th>Notebook section</th></tr></thead>
<tbody>
{% for row in scorecard %}
<tr class="claim-row" id="claim-{{ row.claim }}">
<td><code>{{ row.claim }}</code><br><span class="claim-text">{{ row.text }}</span></td>
<td><span class="badge {{ row.css }}" title="{{ row.rationale }}">{{ row.verdict }}</span></td>
<td class="num">{{ row.estimate }}</td>
<td class="num">{{ row["95% CI"] }}</td>
<td>{{ row.unit }}</td>
<td>{{ row.data }}</td>
<td>{% if row.notebook in carded %}<a href="#notebook-{{ row.notebook }}">{{ row["notebook section"] }}</a>{% else %}{{ row["notebook section"] }}{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% if scorecard_figure %}
<div class="figure"><a href="{{ scorecard_figure }}"><img src="{{ scorecard_figure }}" alt="Forest plot of the effect size and 95% CI behind each verdict, one panel per unit"></a></div>
{% endif %}
</section>

<section id="notebooks">
<h2>Notebooks</h2>
{% if not cards %}<p>No notebook has run yet: run the main job (<code>make all</code>).</p>{% endif %}
<div class="cards">
{% for card in cards %}
<article class="card" id="notebook-{{ card.notebook }}">
<h3>{{ card.title }}</h3>
<p class="muted"><code>{{ card.notebook }}</code> · {% if card.synthetic %}<span class="badge synthetic">synthetic data — not a finding</span>{% else %}real data{% endif %}</p>
{% if card.figure %}<a href="{{ card.figure }}"><img src="{{ card.figure }}" alt="Key figure of {{ card.notebook }}"></a>{% endif %}
<ul>
{% for row in card.claims %}
<li><span class="badge {{ row.css }}">{{ row.verdict }}</span> {{ row.text }}{% if row.estimate %} <span class="muted">({{ row.estimate }} {{ row["95% CI"] }} {{ row.unit }})</span>{% endif %}
{% if row.status == "finding" %}<br><span class="rationale">{{ row.rationale }}</span>{% endif %}</li>
{% endfor %}
</ul>
<p class="links">
{% if "reader" in card.links %}<a href="{{ card.links.reader }}">Read the report (no code)</a>{% endif %}
{% if "full" in card.links %}<a href="{{ card.links.full }}">Full notebook with code</a>{% endif %}
{% if "results" in card.links %}<a href="{{ card.links.results }}">results.json</a>{% endif %}
</p>
</article>
{% endfor %}
</div>
{% if not_run %}<p class="muted">Not run yet: {{ not_run | join(", ") }}.</p>{% endif %}
</section>

<section id="untestable">
<h2>What open data cannot settle</h2>
<p>Claims open data cannot test at all (<em>no</em>) or only through proxies (<em>partly</em>): why, and what data would settle them.</p>
<table>
<thead><tr><th>Claim</th><th>Testable</th><th>Verdict</th><th>Why not (fully)</th><th>Data that would settle it</th></tr></thead>
<tbody>
{% for row in untestable %}
<tr class="untestable-row"><td><code>{{ row.claim }}</code></td><td>{{ row.testable }}</td><td>{{ row.verdict }}</td><td>{{ row.limitation }}</td><td>{{ row.data_needed }}</td></tr>
{% endfor %}
</tbody>
</table>
</section>

<section id="sources">
<h2>Sources, licences and attribution</h2>
{% if sources %}
<table>
<thead><tr><th>Source / file</th><th>Version</th><th>Licence</th><th>Attribution</th><th>sha256</th><th>Used by</th></tr></thead>
<tbody>
{% for use in sources %}
<tr class="source-row"><td class="file"><code>{{ use.source }}</code><br><a href="{{ use.url }}">{{ use.file }}</a></td><td class="nowrap">{{ use.version }}</td><td>{{ use.license }}</td><td>{{ use.citation }}</td><td class="nowrap"><code>{{ use.sha256_short }}</code></td><td class="nowrap">{% for notebook in use.used_by %}<a href="#notebook-{{ notebook }}">{{ notebook }}</a>{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>No data source has been read yet.</p>
{% endif %}
</section>

<section id="versions">
<h2>Versions</h2>
<p>Site built by talentmarket {{ versions.site }}. Every file above is pinned by version and sha256.</p>
<ul>
{% for notebook, version, kind in versions.notebooks %}
<li><code>{{ notebook }}</code>: talentmarket {{ version }}, {{ kind }} data</li>
{% endfor %}
</ul>
</section>
</body>
</html>
"""
)
