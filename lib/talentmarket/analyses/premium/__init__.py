"""Estimators for the AI salary premium: frames in, tables and claim verdicts out.

Every model is a regression of ``log_salary_usd`` on an AI indicator and dummy controls. A coefficient ``b``
in log points is reported as a premium of ``100·(exp(b) − 1)`` percent, its 95% CI transformed the same way.

Inference is by **job title**, the level at which a posting becomes "AI" or "comparison": titles carry their
own pay effects and a few titles hold most postings (Machine Learning Engineer is about 40% of the AI rows,
≈ 4.5 effective titles), so postings of one title are not independent. Regression intervals are the restricted
wild cluster bootstrap by title (:func:`talentmarket.stats.inference.wild_cluster_bootstrap`); quantile
premiums, dispersion trends and the Oaxaca–Blinder parts use a jackknife over blocks of titles with t(B − 1)
(:mod:`talentmarket.analyses.premium.distribution`). ``tests/test_premium.py`` proves their coverage by Monte
Carlo with title effects and the real files' title shares. Since titles nest range-pair halves and duplicate
copies, clustering by title also counts those once.

What is here:

- :func:`label_comparison` — which rows are AI roles and which are the comparison group;
- :func:`restrict_to_common_support` — like with like: the (file, year) cells that have both groups;
- :func:`estimate_premium`, :func:`estimate_control_ladder`, :func:`compare_clustering` — the premium, with
  controls added step by step, and under four kinds of standard error;
- :func:`estimate_premium_by` — premium per experience level or year, with a test of equality;
- :func:`estimate_premium_trend` — change of the premium per year;
- :func:`estimate_quantile_premiums` — the premium at the 10th/50th/90th percentile;
- :func:`measure_dispersion` — within-group residual dispersion per year and its trend;
- :func:`decompose_gap` — Oaxaca–Blinder two-fold decomposition;
- :func:`estimate_company_size_gaps` — large vs medium vs small employers among AI roles;
- :func:`run_specification_curve`, :func:`run_specification_study` — the premium across AI definitions,
  comparison groups, designs and pair handling;
- :func:`compare_oews_occupations`, :func:`compare_oews_industry_pay` — official OEWS wages by occupation and
  by industry group (the groups of :data:`talentmarket.data.oews.INDUSTRY_GROUPS`, shared with notebook 04);
- ``judge_*`` — the claim verdicts notebook 02 writes to results.json, through
  :func:`talentmarket.results.judging.judge_claim`.

The figures are in :mod:`talentmarket.analyses.premium.plots`. Quantile regressions are solved as linear
programmes (the dual, with HiGHS), several times faster than iteratively reweighted least squares at these sizes.

This package's ``__init__`` re-exports every public name of its submodules: it is the notebook's API.
It imports data, stats, scale and results; never another analysis.
"""

from talentmarket.analyses.premium.distribution import (
    DEFAULT_TITLE_BLOCKS,
    QUANTILES,
    assign_title_blocks,
    decompose_gap,
    estimate_quantile_premiums,
    measure_dispersion,
)
from talentmarket.analyses.premium.estimates import (
    AI_DEFINITIONS,
    ALL_CONTROLS,
    COMPARISON_GROUPS,
    CONTROL_LADDER,
    DEFAULT_CLUSTER,
    DEFAULT_DRAWS,
    DEFAULT_MIN_CELL_SIZE,
    ENTRY_LEVEL_METRIC,
    HEADLINE_COMPARISON,
    LIKE_WITH_LIKE_CONTROLS,
    MIN_WILD_DRAWS,
    SENIOR_LEVELS,
    CompanySizeGaps,
    GroupPremiums,
    Premium,
    SpecificationStudy,
    compare_clustering,
    estimate_company_size_gaps,
    estimate_control_ladder,
    estimate_premium,
    estimate_premium_by,
    estimate_premium_trend,
    label_comparison,
    restrict_to_common_support,
    run_specification_curve,
    run_specification_study,
)
from talentmarket.analyses.premium.industries import (
    compare_oews_industry_pay,
    compare_oews_occupations,
    judge_traditional_industries,
)
from talentmarket.analyses.premium.judges import (
    judge_ai_premium,
    judge_company_size,
    judge_entry_level_premium,
    judge_senior_premium_trend,
    judge_stratification,
)
from talentmarket.analyses.premium.plots import (
    LITERATURE_CITATION,
    LITERATURE_PREMIUMS,
    plot_gap_and_company_size,
    plot_oews,
    plot_premium_by_level_and_year,
    plot_premium_overview,
    plot_sample,
    plot_stratification,
)

__all__ = [
    "AI_DEFINITIONS",
    "ALL_CONTROLS",
    "COMPARISON_GROUPS",
    "CONTROL_LADDER",
    "DEFAULT_CLUSTER",
    "DEFAULT_DRAWS",
    "DEFAULT_MIN_CELL_SIZE",
    "DEFAULT_TITLE_BLOCKS",
    "ENTRY_LEVEL_METRIC",
    "HEADLINE_COMPARISON",
    "LIKE_WITH_LIKE_CONTROLS",
    "LITERATURE_CITATION",
    "LITERATURE_PREMIUMS",
    "MIN_WILD_DRAWS",
    "QUANTILES",
    "SENIOR_LEVELS",
    "CompanySizeGaps",
    "GroupPremiums",
    "Premium",
    "SpecificationStudy",
    "assign_title_blocks",
    "compare_clustering",
    "compare_oews_industry_pay",
    "compare_oews_occupations",
    "decompose_gap",
    "estimate_company_size_gaps",
    "estimate_control_ladder",
    "estimate_premium",
    "estimate_premium_by",
    "estimate_premium_trend",
    "estimate_quantile_premiums",
    "judge_ai_premium",
    "judge_company_size",
    "judge_entry_level_premium",
    "judge_senior_premium_trend",
    "judge_stratification",
    "judge_traditional_industries",
    "label_comparison",
    "measure_dispersion",
    "plot_gap_and_company_size",
    "plot_oews",
    "plot_premium_by_level_and_year",
    "plot_premium_overview",
    "plot_sample",
    "plot_stratification",
    "restrict_to_common_support",
    "run_specification_curve",
    "run_specification_study",
]
