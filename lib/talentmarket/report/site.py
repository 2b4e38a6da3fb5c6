"""The shareable report site: one static ``reports/index.html`` over everything the main job wrote,
and a short "How we judge" page (``reports/how_we_judge.html``) beside it.

At the top, the claims scorecard (every claim of the essay, its verdict, estimate, 95% CI, threshold
and Benjamini–Hochberg q-value); then one card per executed notebook (its claims and verdicts, its key
figure, links to the reader version without code, the full version with code and its results.json);
then the claims open data cannot settle; then every data source with its licence, attribution and
version; and a build stamp (package version, git commit, data vintages, date of the run).

The pages are plain HTML with inline CSS and relative links only, so they read the same opened
from disk or served by any static web server, with no JavaScript and nothing loaded from the network.
Everything taken from results files, the registry or file names is escaped (jinja autoescape). The
stamp names the last commit that changed the library, registry or dependencies (not the checked-out
commit, which changes whenever the reports or the executed notebooks are committed) and the day these results were first
built, recorded with a hash of every results.json in ``reports/build.json``: a re-run on an unchanged
checkout, or a fresh clone, gives the same bytes; any changed result dates the build anew.

Key-figure convention: a notebook saves figures with :func:`talentmarket.results.figures.save_figure` into
``reports/<notebook>/figures/``; its card shows the figure whose name starts with ``key``
(e.g. ``figures/key_ai_postings_index.png``), or the alphabetically first PNG when none does.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import jinja2
import pandas as pd

from talentmarket import paths
from talentmarket.report import scorecard as claims
from talentmarket.results.contract import RESULTS_FILE, package_version
from talentmarket.results.display import VERDICT_STYLES, short_sha256
from talentmarket.results.registry import load_registry

INDEX_FILE = "index.html"
METHODS_FILE = "how_we_judge.html"
HISTORY_FILE, HISTORY_DATA = "history.html", "history.json"
"""The "What changed when the data were updated" page and its data (``talentmarket.report.history.HISTORY_HTML``
and ``HISTORY_JSON``; repeated here so that building the site does not import the history's runner, and a test
keeps them equal). The index links it when it exists in the reports folder (``write_history(..., page=reports/history.html)``)."""
KEY_FIGURE_PREFIX = "key"
SITE_TITLE = "Does the AI talent market match the story? Claims tested against open data"
ESSAY = "“The AI Talent Market in 2026”"
ESSAY_ATTRIBUTION = (
    "The claims come from the published essay “The AI Talent Market in 2026”. We restate each claim in our own "
    "words (none of the essay's text is reproduced here) and test it against openly licensed data."
)


def build_site(reports_root: Path) -> Path:
    """Write ``<reports_root>/index.html`` (and the "How we judge" page) from the registry and every
    ``<reports_root>/*/results.json``; return the index's path."""
    reports_root = Path(reports_root)
    reports_root.mkdir(parents=True, exist_ok=True)
    documents = claims.read_all_results(reports_root)
    scorecard = claims.build_scorecard(load_registry(), documents)
    rows = _scorecard_rows(scorecard)
    sources = [use | {"sha256_short": short_sha256(use["sha256"]), "link": safe_url(use["url"])} for use in claims.shown_sources(documents)]
    page = _TEMPLATE.render(
        title=SITE_TITLE,
        essay=ESSAY,
        attribution=ESSAY_ATTRIBUTION,
        styles=VERDICT_STYLES,
        synthetic_notebooks=[d["notebook"] for d in documents if d["data_kind"] == "synthetic"],
        summary=_summary_sentence(scorecard),
        scorecard=rows,
        scorecard_links=_notebook_links(reports_root, claims.SCORECARD_NOTEBOOK),
        scorecard_figure=_key_figure(reports_root, claims.SCORECARD_NOTEBOOK),
        cards=[_card(reports_root, document, rows) for document in documents],
        carded={document["notebook"] for document in documents},
        not_run=sorted({n for n in scorecard.loc[scorecard["status"] == claims.STATUS_NOT_RUN, "notebook"]}),
        untestable=[row for row in rows if row["testable"] != "yes"],
        sources=sources,
        versions=_versions(documents),
        stamp=build_stamp(reports_root, documents),
        methods=METHODS_FILE,
        history=HISTORY_FILE if (reports_root / HISTORY_FILE).is_file() else None,
    )
    (reports_root / METHODS_FILE).write_text(_METHODS.render(title=SITE_TITLE, essay=ESSAY), encoding="utf-8")
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
            "written by `make all`) gives each claim's metric, threshold, rationale and the notebook section behind it.\n"
            + _flips_markdown(Path(reports_root) / HISTORY_DATA))
    readme.write_text(text[:start] + body + text[end:], encoding="utf-8")
    return readme


def _flips_markdown(history: Path) -> str:
    """A paragraph on the claims whose verdict changed between data releases (``history.json`` written by
    ``python -m talentmarket history --page reports/history.html``); empty before any history run."""
    if not history.is_file():
        return ""
    document = json.loads(history.read_text(encoding="utf-8"))
    sets, flips = document["vintage_sets"], document["flips"]
    intro = (f"\n**When the data were updated** ([history](reports/{HISTORY_FILE}), vintage sets "
             + ", ".join(f"`{label}`" for label in sets) + "): ")
    if not flips:
        return intro + "no claim changed its verdict.\n"
    changes = "; ".join(f"`{flip['id']}` " + " → ".join(str(flip.get(label) or "no result") for label in reversed(sets)) for flip in flips)
    return intro + f"{len(flips)} claim(s) changed verdict, oldest release first: {changes}.\n"


def safe_url(url: str) -> str | None:
    """``url`` when it is a web address (http, https); None otherwise (a bare file name of user-supplied
    data, or a ``javascript:`` address smuggled into a results file), so the page links only to the web."""
    return url if urlparse(url).scheme in ("http", "https") else None


CODE_PATHS = ("lib", "data", "pyproject.toml")
"""What decides the results: the library, the claims registry and the dependencies. A commit that touches none of
these — one that adds reports, or the executed notebooks the main job stores in ``notebooks/`` — builds nothing new."""
BUILD_RECORD = "build.json"


def git_commit(repo: Path = paths.REPO_ROOT) -> str:
    """The short hash of the last commit that changed :data:`CODE_PATHS`; ``unknown`` outside a git checkout."""
    try:
        return subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h", "--abbrev=12", "--", *CODE_PATHS],
                              capture_output=True, text=True, check=True, timeout=30).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_date(reports_root: Path, documents: list[dict[str, Any]]) -> str:
    """The UTC day these results were first built (``no run yet`` without results).

    ``reports_root/build.json`` keeps the day with a sha256 over every results.json: unchanged results keep
    their day, changed ones are dated today and recorded."""
    if not documents:
        return "no run yet"
    digest = hashlib.sha256()
    for path in sorted(reports_root.glob(f"*/{RESULTS_FILE}")):
        digest.update(path.parent.name.encode() + b"\0" + path.read_bytes())
    record_path = reports_root / BUILD_RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    if record.get("results_sha256") != digest.hexdigest():
        record = {"results_sha256": digest.hexdigest(), "run_date": datetime.now(UTC).strftime("%Y-%m-%d")}
        record_path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return str(record["run_date"])


def build_stamp(reports_root: Path, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """What the site was built from: package version, code commit, the data vintages (each source's file
    versions) and the day the results were first built (:func:`run_date`)."""
    vintages: dict[str, set[str]] = {}
    for use in claims.shown_sources(documents):
        vintages.setdefault(use["source"], set()).add(use["version"])
    return {
        "version": package_version(),
        "commit": git_commit(),
        "run_date": run_date(reports_root, documents),
        "vintages": [(source, ", ".join(sorted(versions))) for source, versions in sorted(vintages.items())],
        "data_kinds": sorted({d["data_kind"] for d in documents}),
    }


def _summary_sentence(scorecard: pd.DataFrame) -> str:
    """The first paragraph of claims.summary_markdown: the counts, in one sentence."""
    return claims.summary_markdown(scorecard).split("\n", 1)[0]


def _scorecard_rows(scorecard: pd.DataFrame) -> list[dict[str, Any]]:
    table = claims.scorecard_table(scorecard)
    rows = []
    for entry, shown in zip(scorecard.to_dict("records"), table.to_dict("records")):
        rows.append(shown | {
            "label": entry["label"], "text": entry["claim"], "status": entry["status"], "notebook": entry["notebook"],
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


_ENVIRONMENT = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1240px; padding: 0 24px 48px; color: #1d2330; line-height: 1.45; }
header { border-bottom: 3px solid #1d2330; margin-bottom: 8px; }
h1 { font-size: 1.7em; margin: 24px 0 6px; }
h2 { margin-top: 36px; border-bottom: 1px solid #ccd; padding-bottom: 4px; }
nav a { margin-right: 14px; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border-bottom: 1px solid #dde; padding: 6px 7px; text-align: left; vertical-align: top; }
td.file { overflow-wrap: anywhere; width: 30%; }
td.nowrap, th.nowrap { white-space: nowrap; }
th { background: #f2f4f8; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.claim { min-width: 17em; }
.claim-text { color: #444; font-size: 0.92em; }
.claim-id { color: #777; font-size: 0.85em; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 0.85em; font-weight: bold; white-space: nowrap; }
{% for name, colours in styles.items() %}
.{{ name }} { background: {{ colours[0] }}; color: {{ colours[1] }}; }
{% endfor %}
.synthetic { border: 1px dashed #b00020; }
.not-run, .not-reported, .untestable { background: #fff; color: #555; border: 1px solid #bbb; }
.banner { border: 3px solid #b00020; background: #fdecea; color: #b00020; padding: 12px; font-weight: bold; margin: 12px 0; }
.card { display: flow-root; border: 1px solid #ccd; border-radius: 8px; padding: 16px 18px; background: #fbfcfe; margin-bottom: 20px; }
.card .thumb { float: left; width: 56%; margin: 0 22px 10px 0; }
.card h3 { margin: 0 0 4px; }
.card ul { padding-left: 1.1em; margin: 8px 0; }
.card li { margin-bottom: 8px; }
.figure { max-width: 1000px; margin: 18px auto; }
.card img, .figure img { width: 100%; height: auto; border: 1px solid #dde; background: #fff; }
.figure-note { font-size: 0.85em; color: #666; margin: 4px 0 0; }
.links a { margin-right: 12px; font-weight: bold; }
.muted { color: #666; font-size: 0.9em; }
.rationale { color: #333; font-size: 0.88em; }
.stamp { font-size: 0.9em; color: #333; background: #f6f7fa; border: 1px solid #dde; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.stamp dt { font-weight: bold; display: inline; }
.stamp dd { display: inline; margin: 0 18px 0 4px; }
code { font-size: 0.95em; }
"""
_TEMPLATE = _ENVIRONMENT.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
""" + _CSS + """
</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
<p id="essay">{{ attribution }} Each claim gets an effect size, a 95% confidence interval, a threshold set from the
essay's wording and an explicit verdict: <em>supported</em>, <em>contradicted</em>, <em>mixed</em> or <em>inconclusive</em>
(<a href="{{ methods }}">how we judge</a>).</p>
<nav><a href="#scorecard">Scorecard</a><a href="#notebooks">Notebooks</a><a href="#untestable">What open data cannot settle</a><a href="#sources">Sources and licences</a><a href="{{ methods }}">How we judge</a>{% if history %}<a href="{{ history }}">What changed when the data were updated</a>{% endif %}<a href="#versions">Build</a></nav>
<dl class="stamp" id="build-stamp"><dt>Built from</dt><dd>talentmarket {{ stamp.version }}, commit <code>{{ stamp.commit }}</code></dd><dt>Run</dt><dd>{{ stamp.run_date }}</dd><dt>Data</dt><dd>{{ stamp.data_kinds | join(" and ") if stamp.data_kinds else "none yet" }}{% if stamp.vintages %}; vintages: {% for source, versions in stamp.vintages %}<code>{{ source }}</code> {{ versions }}{% if not loop.last %} · {% endif %}{% endfor %}{% endif %}</dd></dl>
</header>
{% if synthetic_notebooks %}
<div class="banner" id="synthetic-banner">SYNTHETIC DATA in {{ synthetic_notebooks | join(", ") }}: those results come from seeded synthetic twins and are illustrations, not findings; their verdicts are withheld.</div>
{% endif %}

<section id="scorecard">
<h2>Scorecard</h2>
<p id="summary">{{ summary }}</p>
<p class="muted">A claim is <em>supported</em> when its whole 95% CI lies beyond the threshold in the claim's direction and
<em>contradicted</em> when it lies entirely on the other side; the q-value (Benjamini–Hochberg over every claim's primary
test) shows how the verdicts stand up to testing many claims at once and changes none of them. <a href="{{ methods }}">How we judge</a>.</p>
{% if scorecard_links %}
<p class="links">Scorecard notebook:
{% if "reader" in scorecard_links %}<a href="{{ scorecard_links.reader }}">read</a>{% endif %}
{% if "full" in scorecard_links %}<a href="{{ scorecard_links.full }}">with code</a>{% endif %}
{% if "results" in scorecard_links %}<a href="{{ scorecard_links.results }}">results.json</a>{% endif %}
</p>
{% endif %}
<table id="scorecard-table">
<thead><tr><th>Claim</th><th>Verdict</th><th class="nowrap">Estimate</th><th class="nowrap">95% CI</th><th>Unit</th><th>Threshold</th><th class="nowrap">q-value</th><th>Data</th><th>Notebook section</th></tr></thead>
<tbody>
{% for row in scorecard %}
<tr class="claim-row" id="claim-{{ row.claim }}">
<td class="claim"><strong>{{ row.label }}</strong><br><span class="claim-text">{{ row.text }}</span><br><code class="claim-id">{{ row.claim }}</code></td>
<td><span class="badge {{ row.css }}" title="{{ row.rationale }}">{{ row.verdict }}</span></td>
<td class="num">{{ row.estimate }}</td>
<td class="num">{{ row["95% CI"] }}</td>
<td>{{ row.unit }}</td>
<td>{{ row.threshold }}</td>
<td class="num">{{ row["q-value"] }}</td>
<td>{{ row.data }}</td>
<td>{% if row.notebook in carded %}<a href="#notebook-{{ row.notebook }}">{{ row["notebook section"] }}</a>{% else %}{{ row["notebook section"] }}{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% if scorecard_figure %}
<div class="figure"><a href="{{ scorecard_figure }}"><img src="{{ scorecard_figure }}" alt="Forest plot: each claim's estimate and 95% CI against its threshold, grouped by notebook"></a>
<p class="figure-note">Click the figure for full size.</p></div>
{% endif %}
</section>

<section id="notebooks">
<h2>Notebooks</h2>
{% if not cards %}<p>No notebook has run yet: run the main job (<code>make all</code>).</p>{% endif %}
{% for card in cards %}
<article class="card" id="notebook-{{ card.notebook }}">
{% if card.figure %}<div class="thumb"><a href="{{ card.figure }}" title="Full-size figure"><img src="{{ card.figure }}" alt="Key figure of {{ card.notebook }}"></a></div>{% endif %}
<h3>{{ card.title }}</h3>
<p class="muted"><code>{{ card.notebook }}</code> · {% if card.synthetic %}<span class="badge synthetic">synthetic data — not a finding</span>{% else %}real data{% endif %}</p>
<ul>
{% for row in card.claims %}
<li><span class="badge {{ row.css }}">{{ row.verdict }}</span> <strong>{{ row.label }}</strong>{% if row.estimate %} <span class="muted">({{ row.estimate }} {{ row["95% CI"] }} {{ row.unit }}; threshold {{ row.threshold }})</span>{% endif %}
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
<tr class="source-row"><td class="file"><code>{{ use.source }}</code><br>{% if use.link %}<a href="{{ use.link }}">{{ use.file }}</a>{% else %}{{ use.file }}{% endif %}</td><td class="nowrap">{{ use.version }}</td><td>{{ use.license }}</td><td>{{ use.citation }}</td><td><code>{{ use.sha256_short }}</code></td><td class="nowrap">{% for notebook in use.used_by %}<a href="#notebook-{{ notebook }}">{{ notebook }}</a>{% if not loop.last %}<br>{% endif %}{% endfor %}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>No data source has been read yet.</p>
{% endif %}
</section>

<section id="versions">
<h2>Build</h2>
<p>Site built by talentmarket {{ versions.site }} at commit <code>{{ stamp.commit }}</code>. Every file above is pinned by version and sha256.</p>
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

_METHODS = _ENVIRONMENT.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>How we judge — {{ title }}</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 860px; padding: 0 24px 48px; color: #1d2330; line-height: 1.55; }
h1 { font-size: 1.6em; margin: 24px 0 6px; }
h2 { margin-top: 28px; border-bottom: 1px solid #ccd; padding-bottom: 4px; font-size: 1.2em; }
</style>
</head>
<body>
<p><a href="index.html">← Back to the scorecard</a></p>
<h1 id="how-we-judge">How we judge a claim</h1>
<p>Each claim of the published essay {{ essay }} is restated in our own words in the claims registry and tested by one
notebook. Five steps turn data into a verdict; they are the same for every claim.</p>
<h2 id="thresholds">1. A threshold from the essay's wording, fixed in advance</h2>
<p>Before looking at any estimate we wrote down, for every claim, the smallest effect that matches its wording
("clearly more" pay, "much faster" growth, a "take-off") in the claim's own unit, whether the claim puts the effect
above or below it, and why (a yardstick from the literature or the data's usual wobble). Thresholds are never tuned
afterwards.</p>
<h2 id="intervals">2. An estimate with an honest 95% confidence interval</h2>
<p>Whether a role counts as "AI" is decided by its job title, and postings of one title share that title's pay, so
salary regressions treat job titles as clusters. A few titles hold most postings, so there are far fewer independent
pieces of information than postings: in a simulation of that design, nominal 95% intervals that ignore titles cover the
truth only about a third of the time. Our intervals come from a wild cluster bootstrap by title (about 95% coverage in the
same simulation), or from a delete-one-cluster jackknife with small-sample Student-t critical values; each result records
its method, cluster variable, number of clusters, effective number of clusters and degrees of freedom. Monthly time
trends, which are strongly autocorrelated, use autocorrelation-robust cosine (EWC) intervals with Student-t critical
values; trends over only a few years or countries use t intervals with their few degrees of freedom.</p>
<h2 id="rule">3. One verdict rule</h2>
<p><strong>Supported</strong>: the whole 95% CI lies beyond the threshold in the claim's direction.
<strong>Contradicted</strong>: the whole CI lies on the other side of the threshold — the effect is smaller than the
wording claims, though it may still have the claimed sign. <strong>Inconclusive</strong>: the CI straddles the threshold,
or the data cannot measure the claim. <strong>Mixed</strong>: only when a family of sub-tests declared in advance
(countries, specifications, sectors) disagrees — at least one member supported and one contradicted after adjustment.</p>
<h2 id="multiplicity">4. Many tests at once</h2>
<p>Within a claim, the sub-tests of its family are Holm-adjusted (controlling the chance of any false verdict in the
family). Across the scorecard, every claim's primary test gets a Benjamini–Hochberg q-value from its one-sided p-value
of "the effect is not beyond the threshold": a small q-value means the support survives testing all the claims together.
The q-value is shown beside the verdict and never changes it.</p>
<h2 id="synthetic">5. Synthetic data are never findings</h2>
<p>Every notebook can run on seeded synthetic twins of its sources, with a known truth, to show that the methods recover
it. Such results carry a red banner and their verdicts are withheld from the scorecard.</p>
</body>
</html>
"""
)
