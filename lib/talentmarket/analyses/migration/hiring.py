"""Context for the migration claim from Census LEHD Job-to-Job Flows: is job-to-job hiring into health care and
finance rising relative to tech-heavy sectors?

J2J counts hires of workers who came straight from another job, by the *destination* sector, for all workers:
no occupation, no AI flag and no origin sector. It can show that health care or finance take in more (or fewer)
job changers relative to information and professional services than they used to; it cannot show AI engineers
leaving tech for them. The rate is ``J2JHire / MainB`` summed over whole years (the series are not seasonally
adjusted; :func:`talentmarket.data.j2j.annual_rates`).

Uncertainty. The gap is the log-linear trend of the ratio of two sectors' annual rates over the complete years
(2015–2024), with the classical t(T−2) interval of :func:`estimate_annual_trend`. Annual hiring rates move with
the business cycle (the 2020 slump, the 2021–22 boom), so residuals are not independent and the interval is a
rough guide: the table is context, never a test of the claim. Destinations form one family against each
reference, Holm-adjusted (:func:`talentmarket.stats.verdicts.judge_family`, threshold 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from talentmarket.analyses.migration.estimates import estimate_annual_trend
from talentmarket.data.j2j import SECTOR_NAMES
from talentmarket.errors import ParameterError
from talentmarket.stats.verdicts import FamilyMember, judge_family

J2J_DESTINATIONS: tuple[str, ...] = ("62", "52")
"""Health care and social assistance; finance and insurance (NAICS sectors, as text)."""
J2J_REFERENCES: dict[str, str] = {"Tech-heavy (51 + 54)": "51+54", "Manufacturing (31-33)": "31-33"}
"""Label → J2J sector code or ``+``-joined group the destinations are compared with."""


def sector_label(code: str) -> str:
    """A J2J sector code or ``+`` group as words: ``"51+54"`` → ``"Information + Professional and technical services"``."""
    return " + ".join(SECTOR_NAMES[part] for part in code.split("+"))


def compare_j2j_hiring(rates: pd.DataFrame, destinations: Sequence[str] = J2J_DESTINATIONS,
                       references: Mapping[str, str] = J2J_REFERENCES) -> pd.DataFrame:
    """Per reference and destination: the job-to-job hire rate in the first and last year, and the trend of
    the ratio destination ÷ reference in percent per year with its t(T−2) 95% CI and Holm-adjusted verdict.

    ``rates`` is :func:`talentmarket.data.j2j.annual_rates` output covering the destinations and references.
    """
    needed = sorted({*destinations, *references.values()} - set(rates["sector"]))
    if needed:
        raise ParameterError(f"J2J rates lack sectors {needed}; pass them to talentmarket.data.j2j.annual_rates")
    wide = rates.pivot(index="year", columns="sector", values="rate_pct").sort_index()
    first, last = int(wide.index.min()), int(wide.index.max())
    rows = []
    for reference_label, reference in references.items():
        trends = {destination: estimate_annual_trend(wide[destination] / wide[reference], log=True) for destination in destinations}
        family = judge_family([FamilyMember(d, t.slope, t.se, t.dof) for d, t in trends.items()], threshold=0.0, direction="above")
        for destination, trend, verdict in zip(destinations, trends.values(), family["verdict"]):
            gap, low, high = trend.per_year
            rows.append({
                "reference": reference_label, "destination": destination, "destination_name": sector_label(destination),
                "first_year": first, "last_year": last, "years": len(trend.years), "dof": trend.dof,
                "rate_first_pct": wide.at[first, destination], "rate_last_pct": wide.at[last, destination],
                "reference_first_pct": wide.at[first, reference], "reference_last_pct": wide.at[last, reference],
                "ratio_first": wide.at[first, destination] / wide.at[first, reference],
                "ratio_last": wide.at[last, destination] / wide.at[last, reference],
                "gap_pct_per_year": gap, "gap_ci_low": low, "gap_ci_high": high, "verdict_holm": verdict,
            })
    table = pd.DataFrame(rows)
    table["ratio_change_pct"] = 100 * (table["ratio_last"] / table["ratio_first"] - 1)
    return table
