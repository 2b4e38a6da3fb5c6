"""Is AI work moving out of tech into traditional industries? The real evidence, industry by industry.

No open data follows AI workers from one industry to another (for flows see
:mod:`talentmarket.analyses.migration`). What exists are *stocks* by industry and their
changes: AI R&D by industry 2019–2022 (NCSES BERD), AI use by industry in
2016–18 and 2021 (NCSES ABS), where AI-adjacent occupations work in May 2025
(BLS OEWS), postings and posted-wage growth by occupational sector (Indeed), and job-to-job
hires by destination sector for all workers (Census LEHD J2J, context only: no occupation, no origin).

Industries are grouped by NAICS codes as the NCSES tables print them, by default
the groups of :data:`talentmarket.data.oews.INDUSTRY_GROUPS`, which notebook 02 compares
wages on too: a group is a list of codes whose values are added, a code with a
leading ``-`` is subtracted (``["31–33", "-334"]`` is manufacturing without
computers and electronics), and ``"ALL"`` is the all-industries row. Plain hyphens
in codes (``"31-33"``) are read as the tables' en dashes. Two reference groups are
always added: ``All industries`` and ``Outside tech`` (all industries minus the tech group).

Uncertainty. NCSES publishes these tables without standard errors, so annual
changes are summarised by a linear trend over the survey years whose 95% CI
comes from the year-to-year scatter around it (Student t with years − 2 degrees
of freedom, :func:`talentmarket.stats.inference.few_points_trend`); with four years that interval
is wide, and honestly so. Verdicts go through :func:`talentmarket.results.judging.judge_claim`. Cells
published as ranges enter as their midpoints and bound the changes; flags
(``i`` imputed, ``r`` revised) travel with every group value. OEWS employment
comes with relative standard errors, which give CIs for industry shares.

This package's ``__init__`` re-exports every public name of its submodules: it is the notebook's API.
It imports data, stats, scale and results; never another analysis.
"""

from talentmarket.analyses.migration.estimates import (
    AI_USE_ANSWERS,
    ALL_INDUSTRIES,
    FLOW_DATA_NEEDED,
    OUTSIDE_TECH,
    AnnualTrend,
    add_combined_group,
    add_shares,
    aggregate_groups,
    ai_using_companies,
    compare_sector_postings,
    compare_wage_growth,
    decompose_ai_intensity,
    estimate_annual_trend,
    estimate_growth,
    estimate_share_trends,
    oews_group_shares,
    parse_groups,
    summarize_ai_use,
    summarize_berd,
)
from talentmarket.analyses.migration.flow_plots import (
    plot_flow_diagram,
    plot_net_flows,
    plot_transition_heatmap,
)
from talentmarket.analyses.migration.flows import (
    FLOW_DEMO_BANNER,
    DestinationTest,
    TransitionEstimate,
    compare_destination_growth,
    compare_with_truth,
    describe_panel_source,
    estimate_transitions,
    load_panel,
    transition_tensor,
)
from talentmarket.analyses.migration.hiring import (
    J2J_DESTINATIONS,
    J2J_REFERENCES,
    compare_j2j_hiring,
    sector_label,
)
from talentmarket.analyses.migration.judges import (
    judge_ai_spreading,
    judge_growth_outside_tech,
    judge_into_healthcare_finance,
)
from talentmarket.analyses.migration.plots import (
    plot_ai_use,
    plot_j2j_rates,
    plot_oews_shares,
    plot_sector_postings,
    plot_shares,
    plot_shift_share,
)

__all__ = [
    "AI_USE_ANSWERS",
    "ALL_INDUSTRIES",
    "FLOW_DATA_NEEDED",
    "FLOW_DEMO_BANNER",
    "J2J_DESTINATIONS",
    "J2J_REFERENCES",
    "OUTSIDE_TECH",
    "AnnualTrend",
    "DestinationTest",
    "TransitionEstimate",
    "add_combined_group",
    "add_shares",
    "aggregate_groups",
    "ai_using_companies",
    "compare_destination_growth",
    "compare_j2j_hiring",
    "compare_sector_postings",
    "compare_wage_growth",
    "compare_with_truth",
    "decompose_ai_intensity",
    "describe_panel_source",
    "estimate_annual_trend",
    "estimate_growth",
    "estimate_share_trends",
    "estimate_transitions",
    "judge_ai_spreading",
    "judge_growth_outside_tech",
    "judge_into_healthcare_finance",
    "load_panel",
    "oews_group_shares",
    "parse_groups",
    "plot_ai_use",
    "plot_flow_diagram",
    "plot_j2j_rates",
    "plot_net_flows",
    "plot_oews_shares",
    "plot_sector_postings",
    "plot_shares",
    "plot_shift_share",
    "plot_transition_heatmap",
    "sector_label",
    "summarize_ai_use",
    "summarize_berd",
    "transition_tensor",
]
