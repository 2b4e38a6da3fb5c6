"""The notebook pages: every executed notebook as two self-contained HTML pages, ``<stem>.html`` with its
code and ``<stem>_reader.html`` with only its prose and outputs.

Separate from the site (:mod:`talentmarket.report.site`) because the runner's workers render pages and
nothing else: this module imports nbconvert and nbformat only, not the scorecard's pandas, SciPy and
pandera. :func:`prepare` does, in the runner's process before its workers fork, what every process's
first page would otherwise do for itself.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

if TYPE_CHECKING:
    from nbformat import NotebookNode

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

_NOTEBOOK_LANGUAGE = {"name": "python", "pygments_lexer": "ipython3", "codemirror_mode": {"name": "ipython", "version": 3}}
"""The ``language_info`` of the notebooks' kernel (ipykernel's), which picks the lexer that highlights their code."""


_IMAGE_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)([^>]*?)(\s*/?>)")
_FOCUSABLE_DIV = re.compile(r'(<div class="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^"]*)?"'
                            r'(?![^>]*\stabindex=)[^>]*?)(\s*/?>)')
MISSING_ALT_TEXT = "No description has been provided for this image"
"""What nbconvert writes as the text of an image that has none (our figures are shown as PNG outputs without any)."""


class PageExporter(HTMLExporter):
    """nbconvert's HTML exporter without the BeautifulSoup round trip that ends its ``from_notebook_node``:
    parsing and re-serialising the whole page (more than half of a page's rendering time: 2.3 of 4.5 s of CPU
    for the main job's ten pages) to give images without alternative text nbconvert's stand-in text and make
    code inputs and outputs keyboard-focusable (``tabindex="0"``). Those attributes are added to the rendered
    page's tags directly (:func:`with_nbconvert_attributes`), so a page parses to the same document tree as
    nbconvert's (``tests/test_site.py`` compares the two)."""

    def from_notebook_node(self, nb: NotebookNode, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        # HTMLExporter.from_notebook_node (nbconvert 7.17) up to its BeautifulSoup pass
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return with_nbconvert_attributes(html), resources


def with_nbconvert_attributes(html: str) -> str:
    """``html`` with the attributes nbconvert's BeautifulSoup pass adds: ``alt`` on every image without one, and
    ``tabindex="0"`` on every code input wrapper and output area (the page's tags come from nbconvert's lab
    template, which writes each ``class`` attribute first and double-quoted; text is escaped, so a ``<`` in the
    page always opens a tag)."""
    html = _IMAGE_WITHOUT_ALT.sub(lambda match: f'<img{match[1]} alt="{MISSING_ALT_TEXT}"{match[2]}', html)
    return _FOCUSABLE_DIV.sub(lambda match: f'{match[1]} tabindex="0"{match[2]}', html)


@functools.cache
def notebook_exporter(*, reader: bool) -> PageExporter:
    """The HTML exporter of every notebook page: self-contained (see ``_OFFLINE_LOADER``); the
    ``reader`` version hides code cells and prompts, the full version keeps them.

    One exporter per version and process, so its Jinja templates are compiled once rather than for every
    page; the notebook is validated once after all preprocessors (``optimistic_validation``) rather than
    after each of them. Each costs about a tenth of a page's rendering time.
    """
    hide = {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True} if reader else {}
    return PageExporter(template_name="lab", template_file=_OFFLINE_TEMPLATE, extra_loaders=[_OFFLINE_LOADER],
                        optimistic_validation=True, **hide)


def first_heading(notebook: NotebookNode) -> str | None:
    """The text of the notebook's first Markdown heading (a notebook page's title), if it has one."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


def render_html(executed: Path, synthetic: bool = False) -> tuple[Path, Path]:
    """Write ``<stem>.html`` (with code) and ``<stem>_reader.html`` (outputs and prose only) beside ``executed``.

    The page title is the notebook's first heading; a synthetic run gets the banner as
    the very first thing on the page and "SYNTHETIC" in its title.
    """
    notebook = nbformat.read(executed, as_version=4)
    title = first_heading(notebook) or executed.stem
    if synthetic:
        # imported here: the display module pulls in pandas and SciPy, which a page of real data does not need
        from talentmarket.results.display import SYNTHETIC_BANNER

        title = f"SYNTHETIC DATA — {title}"
        notebook.cells.insert(0, new_markdown_cell(SYNTHETIC_BANNER, id="synthetic-banner"))
    full = executed.with_suffix(".html")
    reader = executed.with_name(f"{executed.stem}_reader.html")
    full.write_text(_page(notebook, title, reader=False), encoding="utf-8")
    reader.write_text(_page(notebook, title, reader=True), encoding="utf-8")
    return full, reader


def _page(notebook: NotebookNode, title: str, *, reader: bool) -> str:
    return notebook_exporter(reader=reader).from_notebook_node(notebook, resources={"metadata": {"name": title}})[0]


def prepare() -> None:
    """Do once what a process's first page does besides rendering: compile both exporters' Jinja templates,
    nbformat's schema validator and the code lexer's rules, and import the lexer and Markdown modules
    (1.4 s of CPU, against 0.3–2 s for a page). Called before the runner's workers fork, so they inherit
    all of it instead of each doing it for its first page, on the critical path for the scorecard's."""
    sample = new_notebook(metadata={"language_info": _NOTEBOOK_LANGUAGE}, cells=[
        new_markdown_cell("# Sample\n\nA *paragraph*, a [link](https://example.org) and `code`."),
        new_code_cell("answer = 6 * 7\nprint(answer)", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="42\n"),
            new_output("display_data", data={"text/html": "<table><tr><td>42</td></tr></table>", "text/plain": "42"}),
        ]),
    ])
    nbformat.validate(sample)
    for reader in (False, True):
        _page(sample, "Sample", reader=reader)
