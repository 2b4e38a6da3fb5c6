"""Growth of AI postings against occupational sectors: trends with autocorrelation-robust CIs.

Monthly posting indices are strongly autocorrelated (they are averages of 7-day
trailing averages, and the labour market moves slowly), so every trend is a
log-linear OLS fit whose standard errors are heteroskedasticity- and
autocorrelation-robust. We use the equal-weighted cosine (EWC) estimator with
``ν = 0.4 T^(2/3)`` cosine terms and Student-t(ν) critical values, the choice
Lazarus, Lewis, Stock & Watson (2018, JBES) recommend because Newey–West with
its textbook bandwidth under-covers badly in samples of a few dozen months
(our own Monte Carlo: about 80% coverage of a nominal 95% interval).
Growth is reported in percent per year: ``100 · (exp(slope) − 1)``. Verdicts follow the one rule
of :mod:`talentmarket.results.judging` with the countries as a Holm-adjusted family; breaks in the
tracker's series are detected by :mod:`talentmarket.analyses.demand.breaks`.

This package's ``__init__`` re-exports every public name of its submodules: it is the notebook's API.
It imports data, stats, scale and results; never another analysis.
"""

from talentmarket.analyses.demand.breaks import (
    JUMP_SDS,
    PERSIST_MONTHS,
    detect_breaks,
    detect_level_shifts,
    relative_log_share,
)
from talentmarket.analyses.demand.estimates import (
    LevelShift,
    ai_growth_after_sector_end,
    ai_trend_in_window,
    compare_ai_with_sectors,
    estimate_level_shift,
    estimate_level_shifts,
    estimate_share_trends,
    from_sustained_positive,
    load_own_postings,
)
from talentmarket.analyses.demand.judges import (
    binding_tech_sectors,
    compare_verdicts,
    ewc_inference,
    judge_ai_share_rise,
    judge_ai_vs_tech_sectors,
    judge_demand,
    judge_genai_takeoff,
    judge_tech_sector_family,
    level_shift_inference,
)
from talentmarket.analyses.demand.parameters import (
    AI_MEASURE_CHOICES,
    DATE_PARAMETERS,
    DEMAND_COUNTRIES,
    check_ai_measure,
    check_primary_country,
    check_tech_sectors,
    parse_date,
)
from talentmarket.analyses.demand.plots import (
    plot_ai_against_sectors,
    plot_ai_shares,
    plot_owid_shares,
    plot_sector_growth,
    plot_tech_gaps,
)

__all__ = [
    "AI_MEASURE_CHOICES",
    "DATE_PARAMETERS",
    "DEMAND_COUNTRIES",
    "JUMP_SDS",
    "PERSIST_MONTHS",
    "LevelShift",
    "ai_growth_after_sector_end",
    "ai_trend_in_window",
    "binding_tech_sectors",
    "check_ai_measure",
    "check_primary_country",
    "check_tech_sectors",
    "compare_ai_with_sectors",
    "compare_verdicts",
    "detect_breaks",
    "detect_level_shifts",
    "estimate_level_shift",
    "estimate_level_shifts",
    "estimate_share_trends",
    "ewc_inference",
    "from_sustained_positive",
    "judge_ai_share_rise",
    "judge_ai_vs_tech_sectors",
    "judge_demand",
    "judge_genai_takeoff",
    "judge_tech_sector_family",
    "level_shift_inference",
    "load_own_postings",
    "parse_date",
    "plot_ai_against_sectors",
    "plot_ai_shares",
    "plot_owid_shares",
    "plot_sector_growth",
    "plot_tech_gaps",
    "relative_log_share",
]
