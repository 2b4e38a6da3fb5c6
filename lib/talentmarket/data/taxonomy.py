"""Which job titles count as AI roles: a small, versioned, rule-based taxonomy.

Every title falls into exactly one class, decided by the first matching rule:

- ``core_ai`` — building or researching AI/ML systems: machine learning, AI, deep
  learning, NLP, computer vision, MLOps, prompt engineering, and the research/applied
  scientist titles big labs use for ML staff;
- ``ai_adjacent_data`` — data science, data engineering, analytics, BI, statistics,
  quantitative and computational-science roles: the data work around AI;
- ``non_ai_tech`` — software, infrastructure, DevOps/SRE, cloud, security, networks,
  QA, IT: technical roles with no AI or data title;
- ``other`` — non-technical or ambiguous titles ("Engineer", "Manager", "Analyst",
  "Consultant", sales, product, privacy/compliance/audit, robotics, "Member of
  Technical Staff"): left out of AI-vs-non-AI comparisons because the title does
  not say whether the job is AI work, tech work or neither.

Rules are case-insensitive regular expressions on the title. Core-AI rules run
first, so "AI Security Engineer" is core AI; security rules run before data rules,
so "Data Security Analyst" is security; a few non-technical words (sales, counsel,
compliance) are caught before the broad technical rules. Changing a rule changes results, so the
rules carry a version that notebooks record in their parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from talentmarket.errors import ParameterError

TAXONOMY_VERSION = "2026.1"
CORE_AI = "core_ai"
AI_ADJACENT_DATA = "ai_adjacent_data"
NON_AI_TECH = "non_ai_tech"
OTHER = "other"
ROLE_CLASSES = (CORE_AI, AI_ADJACENT_DATA, NON_AI_TECH, OTHER)

RULES: tuple[tuple[str, str], ...] = (
    (CORE_AI, r"\b(ai|a\.i\.|ml|mlops|nlp|llm|genai)\b"),
    (CORE_AI, r"artificial intelligence|machine learning|deep learning|computer vision|machine vision"),
    (CORE_AI, r"natural language|prompt engineer|chatbot|\bapplied (research )?scientist\b"),
    (CORE_AI, r"^(ai |principal |staff |senior )?research (scientist|engineer)$|^applied scientist$"),
    (OTHER, r"\bsales\b|account (executive|manager)|customer success|attorney|counsel|accountant|administrative assistant"),
    (NON_AI_TECH, r"secur|cyber|infosec|\bsoc\b|siem|soar|penetration|pentest|threat|vulnerab|malware|exploit"),
    (NON_AI_TECH, r"incident|attack surface|forensic|red team|\biam\b|identity engineer|\bpki\b|\bgrc\b|firewall|zero trust"),
    (NON_AI_TECH, r"\bisso\b|\bissm\b|ciso|ethical hacker|detection|osint|intrusion|electronic warfare|crypto"),
    (NON_AI_TECH, r"reverse engineer|information assurance|security control|splunk|cyberark|\bsecops\b|devsecops"),
    (OTHER, r"privacy|compliance|audit|robotics|autonomous|member of technical staff"),
    (AI_ADJACENT_DATA, r"\bdata\b|\bdatos\b|dataops|databricks|analytics|\bbi\b|business intelligence|power bi"),
    (AI_ADJACENT_DATA, r"statistic|quantitative|bioinformatic|computational biolog|decision scientist"),
    (AI_ADJACENT_DATA, r"\betl\b|big data|\bsas developer\b|scala spark|elasticsearch|insight analyst"),
    (NON_AI_TECH, r"software|developer|programmer|backend|back-end|frontend|front-end|full ?stack"),
    (NON_AI_TECH, r"devops|site reliability|\bsre\b|cloud|platform engineer|infrastructure|automation engineer"),
    (NON_AI_TECH, r"system(s)? (engineer|administrator|architect|integration|analyst|specialist)|network"),
    (NON_AI_TECH, r"solutions? (architect|engineer)|enterprise architect|technical architect|software architect"),
    (NON_AI_TECH, r"database|\bqa\b|test engineer|quality engineer|\bit (manager|director|specialist|support)"),
    (NON_AI_TECH, r"director of (it|information technology|infrastructure)|head of it|help desk|user support"),
    (NON_AI_TECH, r"technical (lead|support)|tech lead|lead engineer|principal engineer"),
    (NON_AI_TECH, r"servicenow|mainframe|linux|windows system|endpoint engineer|computer (operator|support)"),
    (NON_AI_TECH, r"engineering manager|resident engineer|support engineer|integration engineer|controls engineer"),
)
"""(class, pattern) in priority order; the first pattern found in the title decides its class."""

_COMPILED = tuple((role, re.compile(pattern, re.IGNORECASE)) for role, pattern in RULES)

AI_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "core_ai": (CORE_AI,),
    "core_ai_and_data": (CORE_AI, AI_ADJACENT_DATA),
}
"""Title-based AI definitions: name → role classes counted as AI. The comparison group is always
``non_ai_tech``. (Notebooks add a file-level definition, ``ai_field_files``, that ignores titles.)"""

SOFTWARE_ENGINEERING_PATTERN = re.compile(
    r"software|developer|programmer|backend|back-end|frontend|front-end|full ?stack", re.IGNORECASE
)
"""Non-AI tech titles that are general software engineering (the comparison in the entry-level claim)."""

OEWS_AI_ADJACENT_OCCUPATIONS: dict[str, str] = {
    "15-2051": "Data Scientists",
    "15-1221": "Computer and Information Research Scientists",
}
"""SOC 2018 occupations closest to AI work in official statistics (OEWS has no AI occupation)."""

OEWS_COMPARISON_OCCUPATIONS: dict[str, str] = {
    "15-1252": "Software Developers",
    "00-0000": "All Occupations",
}


def classify_title(title: str) -> str:
    """The role class of one job title (``other`` when no rule matches)."""
    text = " ".join(str(title).split())
    for role, pattern in _COMPILED:
        if pattern.search(text):
            return role
    return OTHER


def classify_titles(titles: Iterable[str] | pd.Series) -> pd.Series:
    """Role class of every title, as a Series aligned with ``titles``: each distinct title is classified once
    and its class spread to its rows by code (mapping every row's string through a dict was most of the cost)."""
    series = titles if isinstance(titles, pd.Series) else pd.Series(list(titles), dtype="str")
    codes, distinct = pd.factorize(series, use_na_sentinel=False)
    classes = np.array([classify_title(title) for title in distinct], dtype=object)
    return pd.Series(classes[codes], index=series.index, dtype="str", name="role_class")


def software_engineering_mask(titles: pd.Series) -> pd.Series:
    """True where a title is non-AI tech *and* general software engineering (not security, DevOps, IT, networks)."""
    is_software = titles.astype("str").str.contains(SOFTWARE_ENGINEERING_PATTERN)
    return is_software & (classify_titles(titles) == NON_AI_TECH).to_numpy()


def ai_role_classes(definition: str) -> tuple[str, ...]:
    """Role classes counted as AI under a named title-based definition; ParameterError if unknown."""
    try:
        return AI_DEFINITIONS[definition]
    except KeyError:
        raise ParameterError(f"unknown AI definition {definition!r}; choose from {sorted(AI_DEFINITIONS)}") from None


def title_class_table(titles: pd.Series) -> pd.DataFrame:
    """Every distinct title with its class and row count, sorted by class then frequency: the audit list."""
    counts = titles.value_counts().rename_axis("job_title").reset_index(name="rows")
    counts["role_class"] = classify_titles(counts["job_title"]).to_numpy()
    return counts.sort_values(["role_class", "rows", "job_title"], ascending=[True, False, True]).reset_index(drop=True)
