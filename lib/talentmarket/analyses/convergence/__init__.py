"""Do AI pay levels converge across countries, and does remote work close the geography gap?

Pure functions on salary postings (the frame :func:`prepare_postings` returns: the shared
:func:`talentmarket.data.salaries.prepare_salaries` with its ``posting_id`` clusters and
``log_salary_usd``, plus each title's role class), and the Indeed Wage Tracker and the
BLS OEWS area file for context. Each estimator returns a small result object; each
``judge_*`` function turns one into a :class:`~talentmarket.results.contract.ClaimResult`. The
figures are in :mod:`talentmarket.analyses.convergence.plots`.

Methods, and why:

- **Country pay effects** come from one regression of log pay on country × year cells
  holding seniority, role (job title) and employment type fixed (and the source file
  when several are stacked), so a country does not look cheaper only because its
  postings are more junior. Countries are compared on their *residents* — people
  who live and work in the same country — so cross-border remote workers, whom
  :func:`estimate_remote_gap` studies, do not blur local pay levels.
- **σ-convergence** is a falling cross-country standard deviation of those effects.
  An estimated effect carries sampling noise, which inflates any spread computed
  from estimates; each year's variance is corrected by subtracting the mean noise
  variance of the effects (clustered by posting). Countries must be observed with
  at least ``min_cell`` postings in *every* selected year, so a change in spread is
  not a change in which countries are counted.
- **β-convergence** is a negative slope of the change in a country's effect (first
  to last year) on its initial effect. Noise in the initial effect biases that
  slope towards −1 (regression to the mean); the estimate is corrected for it
  (errors-in-variables, method of moments). σ and β are tested separately because
  β can hold while σ does not (Young, Higgins & Levy 2008).
- **Uncertainty reflects few years and few countries.** A trend over three or four
  yearly values is the OLS slope with a t(T−2) interval
  (:func:`talentmarket.stats.inference.few_points_trend`): each year's value deviates
  from the line by a year-level shock, which a bootstrap over postings cannot see.
  The β slope is a cross-section of a handful of countries: its interval is the
  delete-one-country jackknife with t(U−1)
  (:func:`talentmarket.stats.inference.jackknife_over_units`). Below three years or four
  countries there is no credible interval; the change is then descriptive and the
  claim inconclusive. ``tests/test_convergence.py`` proves the coverage by simulation.
- **Comparisons are clustered where they are assigned**: the remote gap by residence
  country, the research/lead title premium by job title, with the small-cluster
  inference of :func:`talentmarket.stats.inference.fit_clustered`. The cluster bootstrap
  over postings within cells remains for the yearly dispersion levels and the top decile.
- Small cells are never used silently: countries below ``min_cell`` are dropped
  and job titles below it are pooled into one role, and every such step leaves a
  note on the result.

This package's ``__init__`` re-exports every public name of its submodules: it is the notebook's API.
It imports data, stats, scale and results; never another analysis.
"""

from talentmarket.analyses.convergence.context import (
    WageGrowthBeta,
    estimate_area_dispersion,
    estimate_wage_growth_beta,
)
from talentmarket.analyses.convergence.estimates import (
    BetaConvergence,
    ConvergenceResult,
    CountryGaps,
    SigmaConvergence,
    estimate_beta,
    estimate_convergence,
    estimate_country_gaps,
    estimate_sigma_trend,
    noise_corrected_dispersion,
)
from talentmarket.analyses.convergence.judges import (
    SECTIONS,
    SIGMA_READINGS,
    judge_beta,
    judge_remote_gap,
    judge_remote_share,
    judge_sigma,
    judge_top_premium,
)
from talentmarket.analyses.convergence.plots import (
    plot_beta,
    plot_country_gaps,
    plot_dispersion,
    plot_remote,
    plot_top_premium,
    salary_sources,
)
from talentmarket.analyses.convergence.remote import (
    RemoteGap,
    RemoteShare,
    estimate_remote_gap,
    estimate_remote_share,
)
from talentmarket.analyses.convergence.sample import (
    ARRANGEMENTS,
    DEFAULT_BOOTSTRAP,
    DEFAULT_MIN_CELL,
    MIN_COUNTRIES,
    MIN_JACKKNIFE_UNITS,
    POOLED_TITLES,
    RANGE_SUMMARIES,
    REMOTE_LABELS,
    REQUIRED_COLUMNS,
    TOP_TITLE_PATTERN,
    Interval,
    check_draws,
    classify_arrangements,
    describe_sample,
    load_salary_rows,
    prepare_postings,
    select_sample,
    show_synthetic_truth,
)
from talentmarket.analyses.convergence.sensitivity import (
    estimate_convergence_sensitivity,
)
from talentmarket.analyses.convergence.top_premium import (
    TopPremium,
    estimate_top_premium,
)

__all__ = [
    "ARRANGEMENTS",
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_MIN_CELL",
    "MIN_COUNTRIES",
    "MIN_JACKKNIFE_UNITS",
    "POOLED_TITLES",
    "RANGE_SUMMARIES",
    "REMOTE_LABELS",
    "REQUIRED_COLUMNS",
    "SECTIONS",
    "SIGMA_READINGS",
    "TOP_TITLE_PATTERN",
    "BetaConvergence",
    "ConvergenceResult",
    "CountryGaps",
    "Interval",
    "RemoteGap",
    "RemoteShare",
    "SigmaConvergence",
    "TopPremium",
    "WageGrowthBeta",
    "check_draws",
    "classify_arrangements",
    "describe_sample",
    "estimate_area_dispersion",
    "estimate_beta",
    "estimate_convergence",
    "estimate_convergence_sensitivity",
    "estimate_country_gaps",
    "estimate_remote_gap",
    "estimate_remote_share",
    "estimate_sigma_trend",
    "estimate_top_premium",
    "estimate_wage_growth_beta",
    "judge_beta",
    "judge_remote_gap",
    "judge_remote_share",
    "judge_sigma",
    "judge_top_premium",
    "load_salary_rows",
    "noise_corrected_dispersion",
    "plot_beta",
    "plot_country_gaps",
    "plot_dispersion",
    "plot_remote",
    "plot_top_premium",
    "prepare_postings",
    "salary_sources",
    "select_sample",
    "show_synthetic_truth",
]
