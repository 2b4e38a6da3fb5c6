"""The allowed values of notebook 01's parameters and the checks that name them.

The runner imports these constants for its up-front checks; the estimators call the checks, so a bad
parameter fails with a ParameterError naming the parameter, the allowed values and the fix, never deep
inside pandas (``NaTType does not support strftime``, an IndexError, a DateParseError).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentmarket.data.postings import AI_MEASURES, AI_TRACKER_COUNTRIES
from talentmarket.data.sources import SECTOR_COUNTRIES
from talentmarket.errors import ParameterError, check_choice

AI_MEASURE_CHOICES: tuple[str, ...] = tuple(sorted(AI_MEASURES))
"""Values of ``ai_measure``: ``"ai"`` (AI keywords) or ``"genai"`` (generative-AI keywords)."""
DEMAND_COUNTRIES: tuple[str, ...] = tuple(sorted(set(AI_TRACKER_COUNTRIES) & set(SECTOR_COUNTRIES)))
"""Countries with both an AI-share series and sector postings: the values of ``countries`` and ``primary_country``."""
DATE_PARAMETERS: tuple[str, ...] = ("share_trend_start", "share_baseline_end", "comparison_start", "sensitivity_start", "event_date")
"""Parameters of notebook 01 that must be ISO dates (``YYYY-MM-DD``)."""


def parse_date(name: str, value: str | pd.Timestamp) -> pd.Timestamp:
    """``value`` as a Timestamp, or a ParameterError naming the parameter and the expected format."""
    try:
        when = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ParameterError(f"{name} = {value!r} is not a date; write it as 'YYYY-MM-DD', e.g. '2022-12-01'") from None
    if pd.isna(when):
        raise ParameterError(f"{name} = {value!r} is not a date; write it as 'YYYY-MM-DD', e.g. '2022-12-01'")
    return when


def check_ai_measure(ai_measure: str) -> str:
    """``ai_measure`` itself, or a ParameterError listing :data:`AI_MEASURE_CHOICES`."""
    if ai_measure not in AI_MEASURE_CHOICES:
        raise ParameterError(f"ai_measure = {ai_measure!r} is not one of {list(AI_MEASURE_CHOICES)}")
    return ai_measure


def check_primary_country(primary_country: str, available: Sequence[str]) -> str:
    """``primary_country`` when the comparison has it, else a ParameterError naming the countries it has."""
    if primary_country not in set(available):
        raise ParameterError(
            f"primary_country = {primary_country!r} has no AI-against-sector comparison; choose one of {sorted(set(available))} "
            f"(countries with both AI-share and sector data: {list(DEMAND_COUNTRIES)}) and list it in countries"
        )
    return primary_country


def check_tech_sectors(sector_index: pd.DataFrame, tech_sectors: Sequence[str]) -> list[str]:
    """The tech sectors, checked against the sector names the chosen countries publish.

    A sector some country does not publish (Mathematics is missing in a few) is simply absent from that
    country's comparison; a name no country publishes is an error.
    """
    if not len(tech_sectors):
        raise ParameterError("tech_sectors is empty; name at least one Indeed occupational sector, e.g. 'Software Development'")
    return check_choice("tech_sectors (Indeed occupational sector names)", list(tech_sectors), sorted(sector_index["sector"].unique()))
