"""What a notebook shows a reader besides figures: the synthetic-data banner, tables and the verdict block.

Kept here so every notebook looks alike. Every table a reader sees is an HTML table made by
:func:`reader_table` (a pandas Styler: no new dependency, and the Styler's ``escape="html"`` and fixed
``uuid`` give escaped, byte-identical output): numbers formatted with their unit in the header, 95%
intervals as ``[low, high]``, no index column, a caption saying what the table shows. Each table also
carries a short plain-text twin (its ``text/plain`` output), which is what nbval compares in cells marked
``# NBVAL_CHECK_OUTPUT`` and what a terminal shows.

Everything that comes from data, parameters or file names is HTML-escaped, so a file called
``evil<img src=x onerror=alert(1)>.csv`` shows as text, never as a tag.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jinja2
import pandas as pd
from IPython.display import HTML, Markdown, display

from talentmarket.data.store import DataStore
from talentmarket.data.synthetic import TWINS
from talentmarket.errors import ParameterError
from talentmarket.results.contract import ClaimResult
from talentmarket.results.registry import load_registry

SYNTHETIC_BANNER = (
    '<div style="border:3px solid #b00020;background:#fdecea;color:#b00020;padding:12px;'
    'font-size:1.2em;font-weight:bold;margin:8px 0">'
    "SYNTHETIC DATA — illustration only. Every number below comes from a seeded synthetic twin "
    "with a known ground truth; nothing here is a finding about the real labour market."
    "</div>"
)
MISSING = "—"
"""What a table shows for a missing number."""
SHORT_CELL = 12
"""Text columns whose cells are all this short (``above +10``, ``real``) are kept on one line."""
SHA256_SHOWN = 12
"""How many hex digits of a sha256 a table shows (enough to tell versions apart)."""
_TABLE_ID = re.compile(r"^[a-z0-9_-]+$")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_NUMBER_TEXT = re.compile(r"^(?:[<>]\s?)?[-+]?[\d,]*\.?\d+%?$|^\[[-+]?[\d,.]+, [-+]?[\d,.]+\]$|^—$|^n/a$|^$")
"""Cells that read as a number, a ``[low, high]`` interval or a missing mark: right-aligned, never wrapped."""


@dataclass(frozen=True)
class ReaderTable:
    """A table as a notebook shows it: ``html`` for the rendered page, ``text`` for ``text/plain``.

    Jupyter calls ``_repr_html_`` for the page and ``repr`` for the plain-text output, so a cell ending
    in a ReaderTable stores both; neither holds an object address or a random id.
    """

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_data_banner(store: DataStore) -> None:
    """A loud banner when the data are synthetic; a one-line note when they are real."""
    if store.synthetic:
        display(HTML(SYNTHETIC_BANNER))
    else:
        display(Markdown("**Data: real, openly licensed files, pinned by version and sha256 (see the provenance table).**"))


def short_sha256(digest: str) -> str:
    """The first 12 hex digits of a sha256; any other text (``not applicable (generated)``) in full."""
    return digest[:SHA256_SHOWN] if _HEX_DIGEST.match(digest) else digest


def provenance_frame(store: DataStore) -> pd.DataFrame:
    """What the analysis read, one row per file: on real data its version, licence and sha256; on
    synthetic data the generator that drew it and the seed, since the real files' versions and hashes
    describe nothing that was read."""
    rows = store.provenance()
    if store.synthetic:
        columns = ["source", "file", "generator", "seed"]
        return pd.DataFrame(
            [{"source": use["source"], "file": use["file"], "generator": _generator(use["source"], use["citation"]),
              "seed": str(store.seed)} for use in rows],  # an identifier, not a quantity: no thousands separators
            columns=columns,
        )
    columns = ["source", "file", "version", "license", "sha256"]
    table = pd.DataFrame(rows, columns=[*columns, "url", "citation"])[columns]
    table["sha256"] = table["sha256"].map(short_sha256)
    return table.reset_index(drop=True)


def _generator(source: str, citation: str) -> str:
    """The function that drew a synthetic file: the source's twin, or the citation of a generated case."""
    return f"{TWINS[source]}.generate" if source in TWINS else citation


def provenance_table(store: DataStore) -> ReaderTable:
    """The provenance of :func:`provenance_frame` as a reader table."""
    caption = (f"Synthetic data: each file was drawn by the generator shown, with seed {store.seed}; no real file was read."
               if store.synthetic else
               f"Files read by this analysis: version, licence and the first {SHA256_SHOWN} hex digits of their sha256.")
    return reader_table(provenance_frame(store), caption=caption, table_id="provenance")


def format_number(value: float | None, digits: int = 1) -> str:
    """``1234.567`` → ``'1,234.6'``, integers without decimals, ``-0.0`` as ``0.0``; missing → ``'—'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{float(value):,.{digits}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def format_interval(low: float | None, high: float | None, digits: int = 1) -> str:
    """``(1.234, 5.678)`` → ``'[1.2, 5.7]'``; missing → ``'n/a'``."""
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)) or (isinstance(high, float) and math.isnan(high)):
        return "n/a"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def format_estimate(estimate: float | None, ci_low: float | None, ci_high: float | None) -> tuple[str, str]:
    """Estimate and ``[low, high]`` as text, with decimals suited to the row's magnitude
    (one decimal from 10 up, two from 1, three below), so small effects do not round to zero. A descriptive
    estimate without an interval (an inconclusive claim's) gets an empty interval."""
    if estimate is None or pd.isna(estimate):
        return "", ""
    bounds = [v for v in (ci_low, ci_high) if v is not None and not pd.isna(v)]
    scale = max([abs(estimate), *(abs(v) for v in bounds)])
    digits = 1 if scale >= 10 else 2 if scale >= 1 else 3

    def text(value: float) -> str:
        rounded = f"{value:.{digits}f}"
        return rounded.lstrip("-") if float(rounded) == 0 else rounded  # no "-0.0"

    return text(estimate), (f"[{text(ci_low)}, {text(ci_high)}]" if len(bounds) == 2 else "")


def format_threshold(threshold: float | None, direction: str | None, unit: str = "") -> str:
    """``(5.0, 'above', 'percent')`` → ``'above +5 percent'``; no threshold → ``'—'``."""
    if threshold is None or direction is None or (isinstance(threshold, float) and math.isnan(threshold)) or not direction:
        return MISSING
    return f"{direction} {float(threshold):+g} {unit}".rstrip()


def reader_table(
    frame: pd.DataFrame,
    *,
    caption: str,
    table_id: str,
    digits: int | Mapping[str, int] = 1,
    intervals: Mapping[str, tuple[str, str]] | None = None,
    units: Mapping[str, str] | None = None,
) -> ReaderTable:
    """``frame`` as a reader sees it: an escaped HTML table (no index) with a caption, and its text twin.

    ``digits`` sets the decimals of float columns (one number, or per column; integers get thousands
    separators, missing values ``—``); ``intervals`` maps a new column name to a ``(low, high)`` pair of
    columns shown as ``[low, high]`` in place of the pair (e.g. ``{"95% CI": ("ci_low", "ci_high")}``);
    ``units`` names a column's unit, shown in its header as ``estimate (percent)``. ``table_id`` (lower
    case letters, digits, ``_``, ``-``) fixes the table's element id, so the same frame gives the same bytes.
    """
    if not _TABLE_ID.match(table_id):
        raise ParameterError(f"table_id {table_id!r} must be lower case letters, digits, '_' or '-' (it becomes the HTML id)")
    shown = _formatted(frame, digits, intervals or {})
    units = dict(units or {})
    unknown = sorted(set(units) - set(shown.columns))
    if unknown:
        raise ParameterError(f"units given for column(s) {unknown} that the table does not have; its columns are {list(shown.columns)}")
    numeric = [name for name in shown.columns if shown[name].map(lambda cell: bool(_NUMBER_TEXT.match(cell))).all()
               and not shown[name].isin([MISSING, "n/a", ""]).all()]
    shown = shown.rename(columns={name: f"{name} ({unit})" for name, unit in units.items()})
    numeric = [f"{name} ({units[name]})" if name in units else name for name in numeric]
    styler = (
        shown.style.set_uuid(table_id).hide(axis="index")
        .format(escape="html").format_index(escape="html", axis=1)
        .set_caption(html.escape(caption))
        .set_table_styles(_TABLE_STYLES)
    )
    # Per-cell rules (the Styler writes them by cell id) outrank JupyterLab's right-aligned table CSS.
    short = [name for name in shown.columns if name not in numeric and len(shown) and shown[name].str.len().max() <= SHORT_CELL]
    prose = [name for name in shown.columns if name not in numeric and name not in short]
    for subset, props in ((numeric, {"text-align": "right", "white-space": "nowrap", "font-variant-numeric": "tabular-nums"}),
                          (short, {"text-align": "left", "white-space": "nowrap"}),
                          (prose, {"text-align": "left", "white-space": "normal"})):
        if subset and len(shown):
            styler = styler.set_properties(subset=subset, **props)
    text = caption + "\n" + (shown.to_string(index=False) if len(shown) else "(no rows)")
    return ReaderTable(html=styler.to_html(), text=text)


_TABLE_STYLES = [
    {"selector": "", "props": [("border-collapse", "collapse"), ("margin", "0.6em 0 1.2em"), ("table-layout", "auto"),
                               ("font-size", "0.92em"), ("max-width", "100%"), ("min-width", "min(100%, 36em)")]},  # room for the caption
    {"selector": "caption", "props": [("caption-side", "top"), ("text-align", "left"), ("font-weight", "bold"),
                                      ("padding", "0 0 6px"), ("color", "#1d2330")]},
    {"selector": "th", "props": [("text-align", "left"), ("background", "#f2f4f8"), ("padding", "5px 8px"),
                                 ("border-bottom", "2px solid #ccd"), ("vertical-align", "bottom")]},
    {"selector": "td", "props": [("vertical-align", "top"), ("padding", "5px 8px"), ("border-bottom", "1px solid #e3e6ee"),
                                 ("overflow-wrap", "break-word")]},
]


def _formatted(frame: pd.DataFrame, digits: int | Mapping[str, int], intervals: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Every cell as display text (numbers rounded, intervals joined), in the frame's column order."""
    def decimals(column: str) -> int:
        return digits.get(column, 1) if isinstance(digits, Mapping) else digits

    missing = sorted({column for pair in intervals.values() for column in pair} - set(frame.columns))
    if missing:
        raise ParameterError(f"interval column(s) {missing} are not in the table; its columns are {list(frame.columns)}")
    out: dict[str, list[str]] = {}
    paired = {low: (name, high) for name, (low, high) in intervals.items()}
    skipped = {high for _, high in paired.values()}
    for column in frame.columns:
        if column in paired:
            name, high = paired[column]
            out[name] = [format_interval(lo, hi, decimals(column)) for lo, hi in zip(frame[column], frame[high])]
        elif column not in skipped:
            values = frame[column]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                out[str(column)] = [format_number(value, decimals(column)) for value in values.tolist()]
            else:
                out[str(column)] = [MISSING if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
                                    for value in values.tolist()]
    return pd.DataFrame(out, index=range(len(frame)))


def verdict_table(claims: Sequence[ClaimResult]) -> pd.DataFrame:
    """One row per claim, sorted by id: id, verdict, estimate and 95% CI (as text), unit, threshold and n."""
    rows = []
    for claim in sorted(claims, key=lambda c: c.id):
        estimate, interval = format_estimate(claim.estimate, claim.ci_low, claim.ci_high)
        rows.append({"claim": claim.id, "verdict": claim.verdict, "estimate": estimate or MISSING,
                     "95% CI": interval or MISSING, "unit": claim.unit,
                     "threshold": format_threshold(claim.threshold, claim.direction, claim.unit), "n": claim.n})
    return pd.DataFrame(rows, columns=["claim", "verdict", "estimate", "95% CI", "unit", "threshold", "n"])


def claim_labels() -> dict[str, str]:
    """Claim id → the registry's short plain-language label."""
    registry = load_registry()
    return dict(zip(registry["id"], registry["label"]))


def verdict_block(claims: Sequence[ClaimResult], *, synthetic: bool = False) -> ReaderTable:
    """The verdicts of one notebook: per claim its label and sentence, a verdict badge, estimate, 95% CI,
    threshold and the rationale (wrapping as prose). On synthetic data every badge reads "synthetic — not a
    finding" with the verdict the rule would give in brackets."""
    labels = claim_labels()
    table = verdict_table(claims)
    rows = []
    for claim, shown in zip(sorted(claims, key=lambda c: c.id), table.to_dict("records")):
        rows.append(shown | {
            "label": labels.get(claim.id, claim.id), "sentence": claim.claim, "rationale": claim.rationale,
            "badge": f"synthetic — not a finding ({claim.verdict})" if synthetic else claim.verdict,
            "css": "synthetic" if synthetic else claim.verdict,
            "shown_estimate": MISSING if shown["estimate"] == MISSING else f"{shown['estimate']} {claim.unit}",
        })
    lines = [f"{row['claim']}: {row['badge']} — {row['estimate']} {row['95% CI']} {row['unit']}"
             f" (threshold: {row['threshold']}; n = {row['n']:,})" for row in rows]
    return ReaderTable(html=_VERDICTS.render(rows=rows, synthetic=synthetic), text="\n".join(lines))


def show_verdicts(claims: Sequence[ClaimResult], store: DataStore) -> None:
    """Show the verdict block (:func:`verdict_block`); on synthetic data, every verdict labelled as not a finding."""
    display(verdict_block(claims, synthetic=store.synthetic))


VERDICT_STYLES = {
    "supported": ("#d9f0de", "#1b5e20"),
    "contradicted": ("#fbe0dd", "#8e1b10"),
    "mixed": ("#fdf0d2", "#7a5200"),
    "inconclusive": ("#e6e6e6", "#333333"),
    "synthetic": ("#fdecea", "#b00020"),
}
"""Background and text colour of each verdict badge (the site uses the same)."""

_VERDICTS = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined).from_string(
    """<style type="text/css">
#tm-verdicts { border-collapse: collapse; width: 100%; table-layout: auto; font-size: 0.92em; margin: 0.6em 0 1.2em; }
#tm-verdicts caption { caption-side: top; text-align: left; font-weight: bold; padding: 0 0 6px; }
#tm-verdicts th { text-align: left; background: #f2f4f8; padding: 5px 8px; border-bottom: 2px solid #ccd; }
#tm-verdicts td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e3e6ee; white-space: normal; overflow-wrap: normal; word-break: normal; }
#tm-verdicts td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
#tm-verdicts td.tm-claim { width: 24%; min-width: 14em; }
#tm-verdicts td.tm-rationale { width: 46%; min-width: 22em; color: #333; line-height: 1.4; }
#tm-verdicts .tm-sentence { color: #555; }
#tm-verdicts .tm-badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-weight: bold; white-space: nowrap; }
{% for name, colours in styles.items() %}
#tm-verdicts .tm-badge.{{ name }} { background: {{ colours[0] }}; color: {{ colours[1] }}; }
{% endfor %}
</style>
<table id="tm-verdicts" class="tm-verdicts">
<caption>Verdicts{% if synthetic %} — synthetic data, not findings{% endif %}: estimate and 95% CI against each claim's threshold</caption>
<thead><tr><th>Claim</th><th>Verdict</th><th>Estimate</th><th>95% CI</th><th>Threshold</th><th>Why</th></tr></thead>
<tbody>
{% for row in rows %}
<tr id="verdict-{{ row.claim }}">
<td class="tm-claim"><strong>{{ row.label }}</strong><br><span class="tm-sentence">{{ row.sentence }}</span><br><code>{{ row.claim }}</code></td>
<td><span class="tm-badge {{ row.css }}">{{ row.badge }}</span></td>
<td class="num">{{ row.shown_estimate }}</td>
<td class="num">{{ row["95% CI"] }}</td>
<td>{{ row.threshold }}</td>
<td class="tm-rationale">{{ row.rationale }} <span class="tm-sentence">(n = {{ "{:,}".format(row.n) }})</span></td>
</tr>
{% endfor %}
</tbody>
</table>
""",
    globals={"styles": VERDICT_STYLES},
)
