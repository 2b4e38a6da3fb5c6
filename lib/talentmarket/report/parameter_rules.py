"""What each notebook parameter accepts beyond its type: one declarative table, checked before a kernel starts.

The runner first checks names and types against the notebook's ``parameters``
cell; then :func:`check_parameter_values` applies :data:`RULES` — choices taken
from the analysis and data modules' own constants (so a new AI definition or
source is accepted as soon as the module knows it), ranges, ISO dates, regular
expressions and paths (resolved against the user's working directory). A
refused value names the notebook, the parameter, what it accepts and the fix,
so a bad value costs a second, not a kernel start and a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from talentmarket.data import ncses, oews, postings, salaries, wages
from talentmarket.data.sources import get_source
from talentmarket.data.taxonomy import ROLE_CLASSES
from talentmarket.errors import ParameterError, TalentMarketError
from talentmarket.stats.inference import MIN_DRAWS

ISO_COUNTRY = re.compile(r"^[A-Z]{2}$")
MIN_FLOW_DRAWS = 100
"""Fewest person-bootstrap draws ``migration.flows`` accepts (it refuses fewer inside the kernel)."""
MAX_SEED = 2**32 - 1
"""numpy's seeds are 32-bit."""


@dataclass(frozen=True)
class RunContext:
    """What a rule may look at: every parameter value of the run (defaults overlaid by the user's) and the data origin."""

    values: Mapping[str, Any]
    defaults: Mapping[str, Any]
    data_dir: str | None
    synthetic: bool
    cwd: Path


Choices = Sequence[Any] | Callable[[RunContext], Sequence[Any] | None]
"""Allowed values, or a function of the run that returns them (None: they cannot be known before the run)."""


def _allowed(choices: Choices, context: RunContext) -> Sequence[Any] | None:
    return choices(context) if callable(choices) else choices


class Rule:
    """One parameter's constraint. ``check`` returns the (possibly normalised) value or raises a ParameterError."""

    expects: str = ""

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        raise NotImplementedError


def _refuse(name: str, value: Any, problem: str, fix: str) -> ParameterError:
    return ParameterError(f"parameter {name!r} = {value!r}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class OneOf(Rule):
    """One value from a list of choices."""

    choices: Choices

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        allowed = _allowed(self.choices, context)
        if allowed is not None and value not in allowed:
            raise _refuse(name, value, f"not one of {list(allowed)}", f"choose one of them, e.g. -p {name} {allowed[0]!r}"
                          if allowed else "change the parameter it depends on")
        return value


@dataclass(frozen=True)
class SubsetOf(Rule):
    """A list of distinct values, each from a list of choices, with at least ``min_items`` of them."""

    choices: Choices
    min_items: int = 1

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        allowed = _allowed(self.choices, context)
        if allowed is not None:
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise _refuse(name, value, f"{unknown} not available; choose from {list(allowed)}",
                              f"drop or correct {unknown}")
        if len(set(map(repr, value))) != len(value):
            raise _refuse(name, value, "a value is repeated", "list each value once")
        if len(value) < self.min_items:
            raise _refuse(name, value, f"needs at least {self.min_items} value(s)", f"list {self.min_items} or more")
        return value


@dataclass(frozen=True)
class Whole(Rule):
    """A whole number (or, with ``each``, a list of them) between ``low`` and ``high`` (inclusive)."""

    low: int
    high: int | None = None
    why: str = ""
    each: bool = False

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        for item in (value if self.each else [value]):
            if item < self.low or (self.high is not None and item > self.high):
                bound = f"≥ {self.low}" if self.high is None else f"from {self.low} to {self.high}"
                raise _refuse(name, value, f"out of range: expected whole numbers {bound}{self.why}",
                              f"pass a value {bound}, e.g. the default {context.defaults.get(name, self.low)!r}"
                              if not self.each else f"keep every value {bound}")
        return value


@dataclass(frozen=True)
class Number(Rule):
    """A number with ``low <= value`` (``low < value`` when ``strict``) and, if given, ``value < high``."""

    low: float
    high: float | None = None
    strict: bool = False

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        too_low = value <= self.low if self.strict else value < self.low
        if too_low or (self.high is not None and value >= self.high):
            bound = f"{'>' if self.strict else '≥'} {self.low}" + (f" and < {self.high}" if self.high is not None else "")
            raise _refuse(name, value, f"out of range: expected a number {bound}", f"pass a number {bound}")
        return value


@dataclass(frozen=True)
class IsoDate(Rule):
    """A calendar date written ``YYYY-MM-DD``."""

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise _refuse(name, value, "not a date in the form YYYY-MM-DD", f"e.g. -p {name} 2022-12-01") from None
        return value


@dataclass(frozen=True)
class CountryCodes(Rule):
    """A list of distinct ISO 3166 alpha-2 codes, at least ``min_items`` of them."""

    min_items: int = 0

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        bad = [c for c in value if not ISO_COUNTRY.match(c)]
        if bad:
            raise _refuse(name, value, f"{bad} not ISO 3166 alpha-2 codes (two capital letters)", "write e.g. US, GB, DE")
        return SubsetOf(lambda _: None, min_items=self.min_items).check(name, value, context)


@dataclass(frozen=True)
class Pattern(Rule):
    """A regular expression Python can compile."""

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        try:
            re.compile(value)
        except re.error as error:
            raise _refuse(name, value, f"not a valid regular expression ({error})", "fix the pattern or keep the default") from None
        return value


@dataclass(frozen=True)
class ExistingPath(Rule):
    """A path to an existing file or directory (``kind``), relative to the user's working directory; None allowed."""

    kind: str = "file"

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        if value is None:
            return value
        path = context.cwd / Path(value).expanduser()
        if not path.exists():
            raise _refuse(name, value, f"{path} does not exist", f"give the path of an existing {self.kind} (relative paths "
                          "start from the directory you run from)")
        if (self.kind == "directory") != path.is_dir():
            raise _refuse(name, value, f"{path} is not a {self.kind}", f"give the path of a {self.kind}")
        return value


@dataclass(frozen=True)
class OwnFiles(Rule):
    """Bring-your-own salary files: ``{path: "ai" or "comparison"}``, every path an existing file."""

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        for path, field in value.items():
            ExistingPath("file").check(name, path, context)
            if field not in salaries.FIELDS:
                raise _refuse(name, value, f"{path!r} is tagged {field!r}, not one of {list(salaries.FIELDS)}",
                              "tag each file as 'ai' or 'comparison'")
        return value


@dataclass(frozen=True)
class Groups(Rule):
    """``{group name: [codes]}``. NAICS codes may be given as integers; they are passed on as text."""

    member: Rule | None = None
    example: str = '{Tech: ["51", "5415"]}'

    def check(self, name: str, value: Any, context: RunContext) -> Any:
        normalised = {}
        for group, codes in value.items():
            if not isinstance(group, str) or not isinstance(codes, list) or not codes:
                raise _refuse(name, value, f"group {group!r} must map a name to a non-empty list of codes",
                              f"write e.g. -p {name} '{self.example}'")
            if not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in codes):
                raise _refuse(name, value, f"group {group!r} holds codes that are neither text nor whole numbers",
                              "write NAICS codes such as \"51\" or \"-334\"")
            normalised[group] = [str(c) for c in codes]
            if self.member is not None:
                self.member.check(name, normalised[group], context)
        return normalised


# --- choices that come from the data modules' constants and registries -----------------------------------------

def _sector_file_countries() -> tuple[str, ...]:
    files = get_source(postings.SOURCE_POSTINGS).files
    prefix = "job_postings_by_sector_"
    return tuple(sorted(name[len(prefix):-4] for name in files if name.startswith(prefix)))


def _demand_countries(context: RunContext) -> Sequence[str]:
    return [c for c in postings.AI_TRACKER_COUNTRIES if c in _sector_file_countries()]


@cache
def _file_values(source: str, file_name: str, column: str, data_dir: str | None, synthetic: bool) -> tuple[str, ...] | None:
    """The distinct values of one column of a registered file (real or its synthetic twin); None when it cannot be read."""
    from talentmarket.data.store import DataStore

    try:
        frame = DataStore(data_dir=data_dir, synthetic=synthetic).read(source, file_name)
    except TalentMarketError:
        return None  # the notebook will report the missing data itself
    return tuple(sorted(frame[column].dropna().unique()))


def _sector_choices(context: RunContext) -> Sequence[str] | None:
    """Occupational sectors of Indeed's posting indices (their sector-title file lists every one)."""
    return _file_values(postings.SOURCE_POSTINGS, "sector-job-title-examples.csv", "sector", context.data_dir, context.synthetic)


def _wage_sector_choices(context: RunContext) -> Sequence[str] | None:
    """Sectors of Indeed's Wage Tracker: a subset (19) of the posting sectors."""
    return _file_values(wages.SOURCE, wages.SECTOR_FILE, "sector", context.data_dir, context.synthetic)


def _owid_countries(context: RunContext) -> Sequence[str] | None:
    """Country names (OWID entities) of the AI Index posting-share file."""
    return _file_values(postings.SOURCE_OWID, "share-artificial-intelligence-job-postings.csv", "Entity",
                        context.data_dir, context.synthetic)


def _value_of(parameter: str) -> Callable[[RunContext], Sequence[Any]]:
    return lambda context: list(context.values.get(parameter) or [])


def _industry_group_names(context: RunContext) -> Sequence[str]:
    return list(context.values.get("industry_groups") or oews.INDUSTRY_GROUPS)


def _comparison_sources(context: RunContext) -> Sequence[str]:
    own = [f"own:{Path(p).stem}" for p in context.values.get("own_salary_files") or {}]
    return own or list(context.values.get("salary_sources") or salaries.SALARY_SOURCES)


def _reference_countries(context: RunContext) -> Sequence[str] | None:
    groups = list(context.values.get("country_groups") or {})
    countries = list(context.values.get("countries") or [])
    if groups:
        return groups
    return countries or None  # every country with data: known only once the data are read


COMMON: dict[str, Rule] = {
    "seed": Whole(0, MAX_SEED, why=" (numpy seeds are 32-bit)"),
    "data_dir": ExistingPath("directory"),
}

SALARY_RULES: dict[str, Rule] = {
    "salary_sources": SubsetOf(list(salaries.SALARY_SOURCES)),
    "own_salary_files": OwnFiles(),
    "pair_handling": OneOf(salaries.PAIR_HANDLINGS),
    "years": Whole(2000, 2100, each=True),
}

def _scorecard_rules() -> dict[str, Rule]:
    return {
        "results_dir": ExistingPath("directory"),
        "registry_path": ExistingPath("file"),
    }


def _demand_rules() -> dict[str, Rule]:
    return {
        "countries": SubsetOf(_demand_countries),
        "primary_country": OneOf(_value_of("countries")),
        "ai_measure": OneOf(list(postings.AI_MEASURES)),
        "tech_sectors": SubsetOf(_sector_choices),
        "share_trend_start": IsoDate(),
        "share_baseline_end": IsoDate(),
        "comparison_start": IsoDate(),
        "sensitivity_start": IsoDate(),
        "event_date": IsoDate(),
        "owid_countries": SubsetOf(_owid_countries),
        "postings_path": ExistingPath("file or directory"),
    }


def _premium_rules() -> dict[str, Rule]:
    from talentmarket.analyses import (
        premium,  # each notebook imports only its own analysis
    )

    return {
        **SALARY_RULES,
        "ai_definition": OneOf(premium.AI_DEFINITIONS),
        "comparison_group": OneOf(premium.COMPARISON_GROUPS),
        "comparison_sources": SubsetOf(_comparison_sources, min_items=0),
        "employer_countries": CountryCodes(),
        "trend_years": SubsetOf(_value_of("years"), min_items=2),
        "drop_exact_duplicates": OneOf([True, False]),
        "min_cell_size": Whole(2, why=" (a cell of one posting has no spread)"),
        "bootstrap_draws": Whole(premium.MIN_WILD_DRAWS, why=" (the wild cluster bootstrap's minimum)"),
        "title_blocks": Whole(3, why=" (a jackknife needs at least 3 blocks of titles)"),
        "industry_groups": Groups(),
        "tech_group": OneOf(_industry_group_names),
    }


def _convergence_rules() -> dict[str, Rule]:
    from talentmarket.data.synthetic import geography

    return {
        **SALARY_RULES,
        "roles": SubsetOf(ROLE_CLASSES),
        "countries": CountryCodes(),
        "country_groups": Groups(member=CountryCodes(min_items=1), example="{Nordics: [DK, NO, SE]}"),
        "reference_country": OneOf(_reference_countries),
        "min_cell": Whole(2, why=" (a cell of one posting has no spread)"),
        "top_title_pattern": Pattern(),
        "oews_occupations": SubsetOf(oews.SELECTED_OCCUPATIONS),
        "n_bootstrap": Whole(MIN_DRAWS, why=" (the cluster bootstrap's minimum)"),
        "sensitivity_bootstrap": Whole(MIN_DRAWS, why=" (the cluster bootstrap's minimum)"),
        "synthetic_case": OneOf(geography.CASES),
    }


def _migration_rules() -> dict[str, Rule]:
    return {
        "industry_groups": Groups(),
        "tech_group": OneOf(_industry_group_names),
        "destinations": SubsetOf(_industry_group_names),
        "years": SubsetOf(sorted(ncses.BERD_TABLES.values()), min_items=3),
        "oews_occupations": SubsetOf(oews.SELECTED_OCCUPATIONS),
        "postings_country": OneOf(_sector_file_countries()),
        "postings_sectors": SubsetOf(_sector_choices),
        "postings_reference": OneOf(_sector_choices),
        "postings_start": IsoDate(),
        "wage_sectors": SubsetOf(_wage_sector_choices),
        "wage_start": IsoDate(),
        "job_history_file": ExistingPath("file"),
        "job_history_sectors": SubsetOf(lambda _: None, min_items=2),
        "origin_sector": OneOf(_value_of("job_history_sectors")),
        "ai_roles_only": OneOf([True, False]),
        "bootstrap_draws": Whole(MIN_FLOW_DRAWS, why=" (the person bootstrap's minimum)"),
    }


RULES: dict[str, Callable[[], dict[str, Rule]]] = {
    "00": _scorecard_rules, "01": _demand_rules, "02": _premium_rules, "03": _convergence_rules, "04": _migration_rules,
}
"""Per notebook (by its two-digit prefix): the function building its table of parameter name → rule, so
checking one notebook imports only the modules its choices come from. Parameters not listed are checked for
type only."""

RUNNER_OWNED = {"output_dir": "--out DIR"}
"""Parameters the runner sets itself (so a run stays staged and never writes over another): refused with the option to use."""


def rules_for(notebook_stem: str) -> dict[str, Rule]:
    """The rules of one notebook: the common ones plus its own."""
    build = RULES.get(notebook_stem[:2])
    return COMMON | (build() if build else {})


def check_parameter_values(notebook_stem: str, defaults: Mapping[str, Any], given: Mapping[str, Any], *,
                           data_dir: str | None, synthetic: bool, cwd: Path) -> dict[str, Any]:
    """Check the user's ``given`` values against the rules (a rule may look at every value of the run).

    Returns ``given`` with normalised values (e.g. integer NAICS codes as text); raises a ParameterError
    naming the notebook, the parameter, what it accepts and the fix.
    """
    for name, option in RUNNER_OWNED.items():
        if name in given:
            raise ParameterError(f"{notebook_stem}: parameter {name!r} is set by the runner, which stages each run "
                                 f"and replaces the report only when it succeeds. Fix: use {option} instead")
    values = dict(defaults) | dict(given)
    context = RunContext(values=values, defaults=defaults, data_dir=data_dir, synthetic=synthetic, cwd=cwd)
    rules = rules_for(notebook_stem)
    checked = dict(given)
    try:
        for name in sorted(given):
            if name in rules and given[name] is not None:
                checked[name] = rules[name].check(name, given[name], context)
        # a value the user did not change can still be refused by one they did (primary_country by countries)
        for name in sorted(set(rules) & set(values) - set(given)):
            if values[name] is not None and _depends_on_given(rules[name], given):
                rules[name].check(name, values[name], context)
    except ParameterError as error:
        raise ParameterError(f"{notebook_stem}: {error}") from None
    return checked


def _depends_on_given(rule: Rule, given: Mapping[str, Any]) -> bool:
    """Whether a default value must be re-checked because the user changed a parameter its choices come from."""
    return bool(given) and callable(getattr(rule, "choices", None))
