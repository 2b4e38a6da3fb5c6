"""Figure footers cite exactly the sources a figure shows, and shout when the data are synthetic; log axes,
codes and long labels read as plain words and numbers."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pytest
from talentmarket.data.store import DataStore
from talentmarket.results.figures import (
    FIGURE_DPI,
    PlainLogLocator,
    add_footer,
    apply_style,
    hollow_marker_handle,
    plain_label,
    plain_log_axis,
    source_line,
    wrap_label,
)


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


def test_plain_log_axis_labels_several_round_numbers_on_a_narrow_range() -> None:
    figure, ax = plt.subplots()
    try:
        ax.plot([0, 1, 2], [45, 100, 240])
        plain_log_axis(ax)
        ax.set_ylim(40, 320)
        figure.canvas.draw()
        shown = [label.get_text() for label in ax.get_yticklabels() if label.get_text()]
        assert shown == ["50", "70", "100", "150", "200", "300"]
    finally:
        plt.close(figure)


@pytest.mark.parametrize(("low", "high", "expected"), [
    (80, 130, [80.0, 90.0, 100.0, 120.0]),
    (1, 1e5, [1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]),
])
def test_plain_log_ticks_refine_narrow_and_thin_wide_ranges(low: float, high: float, expected: list[float]) -> None:
    assert PlainLogLocator().tick_values(low, high) == expected


def test_codes_read_as_words_and_long_labels_wrap() -> None:
    assert plain_label("health_care") == "Health care"
    assert plain_label("Finance and insurance") == "Finance and insurance"
    assert max(len(line) for line in wrap_label("pay vs remote residents of the employer's country, %", 30).splitlines()) <= 30


def test_hollow_marker_handle_is_a_white_filled_legend_entry() -> None:
    handle = hollow_marker_handle("hollow: more than half imputed")
    assert handle.get_markerfacecolor() == "white" and handle.get_label() == "hollow: more than half imputed"


def _footed_figure() -> plt.Figure:
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    for ax in axes:
        ax.plot([1, 2, 3], [3, 1, 2])
        ax.set_title("A long title that tight layout has to make room for")
        ax.set_ylabel("postings per 1,000")
    return fig


def test_footer_lays_the_figure_out_like_tight_layout_and_savefig_draws_it_once() -> None:
    apply_style()
    reference = _footed_figure()
    reference.text(0.01, 0.005, "Source: a test", fontsize=7.5, ha="left", va="bottom", wrap=True, color="#555555")
    reference.tight_layout(rect=(0, 0.05, 1, 1))
    footed = _footed_figure()
    add_footer(footed, "Source: a test")
    draws = []
    footed.canvas.mpl_connect("draw_event", draws.append)
    parameters = ("left", "right", "bottom", "top", "wspace", "hspace")
    assert [getattr(footed.subplotpars, name) for name in parameters] == [getattr(reference.subplotpars, name) for name in parameters]
    assert _png(footed) == _png(reference)
    assert len(draws) == 1 and footed.get_layout_engine() is None
    assert all("get_tightbbox" not in vars(ax) for ax in footed.axes), "the axes' own method is back"
    plt.close("all")


def test_footer_layout_measures_each_axes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    apply_style()
    footed, measured = _footed_figure(), []
    original = type(footed.axes[0]).get_tightbbox
    monkeypatch.setattr(type(footed.axes[0]), "get_tightbbox",
                        lambda ax, *args, **kwargs: measured.append(ax) or original(ax, *args, **kwargs))
    add_footer(footed, "Source: a test")
    assert len(footed.axes) > 1 and sorted(map(id, measured)) == sorted(map(id, footed.axes))
    plt.close("all")


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return buffer.getvalue()
