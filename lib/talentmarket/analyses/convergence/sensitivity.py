"""The sensitivity table of σ- and β-convergence: the headline re-estimated under other analyst choices, with its verdicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from talentmarket.analyses.convergence.estimates import (
    ConvergenceResult,
    estimate_convergence,
)
from talentmarket.analyses.convergence.judges import (
    judge_beta,
    judge_sigma,
)
from talentmarket.analyses.convergence.sample import (
    DEFAULT_BOOTSTRAP,
    RANGE_SUMMARIES,
    Interval,
    _prepare_postings_by_handling,
    check_draws,
    select_sample,
)
from talentmarket.data.taxonomy import ROLE_CLASSES
from talentmarket.errors import ParameterError
from talentmarket.results.contract import ClaimResult


def estimate_convergence_sensitivity(
    rows: pd.DataFrame,
    headline: ConvergenceResult,
    *,
    years: Sequence[int],
    roles: Sequence[str],
    min_cell: int,
    pair_handling: str,
    countries: Sequence[str] | None = None,
    country_groups: Mapping[str, Sequence[str]] | None = None,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
) -> pd.DataFrame:
    """σ and β verdicts under other reasonable choices: all role classes, half and double the minimum cell
    size, without the first year, and posted ranges read at their other summaries (midpoint, max, min).

    ``rows`` are the raw salary rows (:func:`load_salary_rows`), so that range pairs can be
    resolved another way; ``headline`` is the :func:`estimate_convergence` result for the
    choices given here and fills the row "as chosen", so that row shows exactly the headline
    estimates. Every row's σ and β intervals use the headline's inference (t(T−2) over the years,
    the jackknife over countries); ``n_bootstrap`` draws (at least 99) give the other rows' yearly
    dispersions their intervals. One row per specification; thin ones say why in their cells
    ("n/a", "descriptive", inconclusive).

    The specifications run one after the other: in threads (:func:`talentmarket.stats.parallel.map_in_threads`)
    they gave the same numbers at about 15% more CPU and no shorter wall time on busy cores, as their bootstrap
    is mostly pandas and small NumPy calls, which hold the GIL.
    """
    check_draws("n_bootstrap", n_bootstrap)
    if headline.min_cell != min_cell or list(headline.years) != sorted(years):
        raise ParameterError(
            f"the headline result was estimated with min_cell {headline.min_cell} over {list(headline.years)}, "
            f"not with min_cell {min_cell} over {sorted(years)}: pass the headline of these choices"
        )
    later_years = sorted(years)[1:]
    specifications = {
        "all role classes": (pair_handling, years, ROLE_CLASSES, min_cell),
        f"min_cell {2 * min_cell}": (pair_handling, years, roles, 2 * min_cell),
        f"min_cell {max(min_cell // 2, 3)}": (pair_handling, years, roles, max(min_cell // 2, 3)),
    }
    if len(later_years) >= 2:
        specifications[f"from {later_years[0]}"] = (pair_handling, later_years, roles, min_cell)
    for handling in RANGE_SUMMARIES:
        if handling != pair_handling:
            specifications[f"pair_handling {handling}"] = (handling, years, roles, min_cell)
    postings = _prepare_postings_by_handling(rows, {handling for handling, *_ in specifications.values()})
    records = [_sensitivity_record("as chosen", headline)]
    for name, (handling, spec_years, spec_roles, spec_min_cell) in specifications.items():
        sample = select_sample(postings[handling], years=spec_years, roles=spec_roles, countries=countries, country_groups=country_groups)
        result = estimate_convergence(sample, min_cell=spec_min_cell, n_bootstrap=n_bootstrap, seed=seed)
        records.append(_sensitivity_record(name, result))
    return pd.DataFrame(records)


def _sensitivity_record(name: str, result: ConvergenceResult) -> dict[str, object]:
    sigma, beta = judge_sigma(result), judge_beta(result)
    return {
        "specification": name, "countries": len(result.units), "postings": result.n_postings,
        "sigma_trend": _interval_text(sigma), "sigma_verdict": sigma.verdict,
        "gap_closed_percent": _interval_text(beta), "beta_verdict": beta.verdict,
    }


def _interval_text(claim: ClaimResult) -> str:
    """The estimate with its interval, the estimate alone marked descriptive, or 'n/a'."""
    if claim.estimate is None:
        return "n/a"
    if claim.ci_low is None:
        return f"{claim.estimate:.1f} (descriptive)"
    return Interval(claim.estimate, claim.ci_low, claim.ci_high).text()
