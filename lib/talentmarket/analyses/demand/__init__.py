"""Growth of AI postings against occupational sectors: trends with autocorrelation-robust CIs.

Monthly posting indices are strongly autocorrelated (they are averages of 7-day
trailing averages, and the labour market moves slowly), so every trend is a
log-linear OLS fit whose standard errors are heteroskedasticity- and
autocorrelation-robust. We use the equal-weighted cosine (EWC) estimator with
``ν = 0.4 T^(2/3)`` cosine terms and Student-t(ν) critical values, the choice
Lazarus, Lewis, Stock & Watson (2018, JBES) recommend because Newey–West with
its textbook bandwidth under-covers badly in samples of a few dozen months
(our own Monte Carlo: about 80% coverage of a nominal 95% interval).
Growth is reported in percent per year: ``100 · (exp(slope) − 1)``.

This package's ``__init__`` re-exports every public name of its submodules: it is the notebook's API.
It imports data, stats, scale and results; never another analysis.
"""

from talentmarket.analyses.demand.estimates import (
    LevelShift,
    compare_ai_with_sectors,
    estimate_level_shift,
    estimate_level_shifts,
    estimate_share_trends,
    load_own_postings,
)
from talentmarket.analyses.demand.judges import (
    GENAI_TAKEOFF_RATIO,
    ai_trend_in_window,
    judge_ai_share_rise,
    judge_ai_vs_tech_sectors,
    judge_genai_takeoff,
    outgrew_every_tech_sector,
)
from talentmarket.analyses.demand.plots import (
    plot_ai_against_sectors,
    plot_ai_shares,
    plot_owid_shares,
    plot_sector_growth,
    plot_tech_gaps,
)

__all__ = [
    "GENAI_TAKEOFF_RATIO",
    "LevelShift",
    "ai_trend_in_window",
    "compare_ai_with_sectors",
    "estimate_level_shift",
    "estimate_level_shifts",
    "estimate_share_trends",
    "judge_ai_share_rise",
    "judge_ai_vs_tech_sectors",
    "judge_genai_takeoff",
    "load_own_postings",
    "outgrew_every_tech_sector",
    "plot_ai_against_sectors",
    "plot_ai_shares",
    "plot_owid_shares",
    "plot_sector_growth",
    "plot_tech_gaps",
]
