"""The AI-role title taxonomy, checked on the real title lists of the three salary files."""

from __future__ import annotations

import pandas as pd
import pytest

from talentmarket.errors import ParameterError
from talentmarket.data.salaries import load_salaries
from talentmarket.data.taxonomy import AI_ADJACENT_DATA, CORE_AI, NON_AI_TECH, OTHER, ROLE_CLASSES, TAXONOMY_VERSION, ai_role_classes, classify_title, classify_titles, title_class_table

# The most frequent real titles (each ≥ 400 rows in its file) with the class a reader would give them.
FREQUENT_REAL_TITLES = {
    "Machine Learning Engineer": CORE_AI,
    "Research Scientist": CORE_AI,
    "Applied Scientist": CORE_AI,
    "Research Engineer": CORE_AI,
    "AI Engineer": CORE_AI,
    "Machine Learning Researcher": CORE_AI,
    "Machine Learning Scientist": CORE_AI,
    "Data Scientist": AI_ADJACENT_DATA,
    "Data Engineer": AI_ADJACENT_DATA,
    "Data Analyst": AI_ADJACENT_DATA,
    "Data Architect": AI_ADJACENT_DATA,
    "Analytics Engineer": AI_ADJACENT_DATA,
    "Business Intelligence Analyst": AI_ADJACENT_DATA,
    "Data Manager": AI_ADJACENT_DATA,
    "Data Specialist": AI_ADJACENT_DATA,
    "Business Intelligence Engineer": AI_ADJACENT_DATA,
    "Business Intelligence Developer": AI_ADJACENT_DATA,
    "BI Analyst": AI_ADJACENT_DATA,
    "Software Engineer": NON_AI_TECH,
    "Software Development Engineer": NON_AI_TECH,
    "Software Developer": NON_AI_TECH,
    "Developer": NON_AI_TECH,
    "Platform Engineer": NON_AI_TECH,
    "Site Reliability Engineer": NON_AI_TECH,
    "Solutions Engineer": NON_AI_TECH,
    "Engineering Manager": NON_AI_TECH,
    "Security Engineer": NON_AI_TECH,
    "Security Analyst": NON_AI_TECH,
    "Security Architect": NON_AI_TECH,
    "Systems Engineer": NON_AI_TECH,
    "DevSecOps Engineer": NON_AI_TECH,
    "Systems Administrator": NON_AI_TECH,
    "System Administrator": NON_AI_TECH,
    "Security Consultant": NON_AI_TECH,
    "Security Specialist": NON_AI_TECH,
    "Security Researcher": NON_AI_TECH,
    "Cyber Engineer": NON_AI_TECH,
    "Cyber Security": NON_AI_TECH,
    "DevSecOps": NON_AI_TECH,
    "Information Security Officer": NON_AI_TECH,
    "Network Engineer": NON_AI_TECH,
    "Penetration Tester": NON_AI_TECH,
    "SOC Analyst": NON_AI_TECH,
    "DevOps Engineer": NON_AI_TECH,
    "Solutions Architect": NON_AI_TECH,
    "Engineer": OTHER,
    "Manager": OTHER,
    "Analyst": OTHER,
    "Consultant": OTHER,
    "Product Manager": OTHER,
    "Associate": OTHER,
    "Program Manager": OTHER,
    "Compliance Analyst": OTHER,
    "Director": OTHER,
    "Architect": OTHER,
    "Business Analyst": OTHER,
    "Research Analyst": OTHER,
}


@pytest.fixture(scope="module")
def real_titles(real_store) -> pd.DataFrame:
    salaries = load_salaries(real_store)
    return salaries.groupby(["source", "job_title"]).size().rename("rows").reset_index()


def test_frequent_real_titles_get_the_expected_class(real_titles: pd.DataFrame) -> None:
    frequent = set(real_titles.loc[real_titles["rows"] >= 400, "job_title"])
    assert frequent <= set(FREQUENT_REAL_TITLES), f"classify these new frequent titles in the test list: {frequent - set(FREQUENT_REAL_TITLES)}"
    wrong = {t: classify_title(t) for t, expected in FREQUENT_REAL_TITLES.items() if classify_title(t) != expected}
    assert not wrong


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("AI Security Engineer", CORE_AI),          # AI rules run first
        ("Data Security Analyst", NON_AI_TECH),     # security before data
        ("AI Data Scientist", CORE_AI),
        ("NLP Engineer", CORE_AI),
        ("MLOps Engineer", CORE_AI),
        ("Computer Vision Software Engineer", CORE_AI),
        ("Machine Learning Engineer 5", CORE_AI),
        ("Security Research Engineer", NON_AI_TECH),  # not an ML research engineer
        ("Cyber Incident Response Attorney", OTHER),
        ("Member of Technical Staff", OTHER),
        ("Compliance Data Analyst", OTHER),
        ("Quantitative Researcher", AI_ADJACENT_DATA),
        ("Site Reliability Engineer", NON_AI_TECH),
        ("  data   scientist ", AI_ADJACENT_DATA),  # case and spacing do not matter
        ("Email Marketing Specialist", OTHER),
    ],
)
def test_rule_order_and_edge_titles(title: str, expected: str) -> None:
    assert classify_title(title) == expected


def test_comparison_files_are_overwhelmingly_non_ai(real_titles: pd.DataFrame) -> None:
    real_titles["role_class"] = classify_titles(real_titles["job_title"]).to_numpy()
    shares = real_titles.pivot_table(index="source", columns="role_class", values="rows", aggfunc="sum", fill_value=0)
    shares = shares.div(shares.sum(axis=1), axis=0)
    assert shares.loc["devops_jobs_net_salaries", NON_AI_TECH] > 0.99
    assert shares.loc["isecjobs_infosec_salaries", NON_AI_TECH] > 0.75
    assert shares.loc["isecjobs_infosec_salaries", CORE_AI] < 0.001
    # A majority of AI and data titles: 68.6% of rows in the 2025-01-19 release, 58.4% in the final one (2025-08-03).
    assert shares.loc["aijobs_net_salaries", [CORE_AI, AI_ADJACENT_DATA]].sum() > 0.5


def test_classify_titles_keeps_alignment_and_classes() -> None:
    titles = pd.Series(["Data Engineer", "Manager", "Data Engineer"], index=[10, 20, 30])
    classes = classify_titles(titles)
    assert classes.index.tolist() == [10, 20, 30]
    assert classes.tolist() == [AI_ADJACENT_DATA, OTHER, AI_ADJACENT_DATA]
    assert set(classify_titles(["x"]).unique()) <= set(ROLE_CLASSES)


def test_title_class_table_is_an_audit_list_with_counts() -> None:
    table = title_class_table(pd.Series(["Data Engineer", "Data Engineer", "AI Engineer"]))
    assert table.to_dict("records") == [
        {"job_title": "Data Engineer", "rows": 2, "role_class": AI_ADJACENT_DATA},
        {"job_title": "AI Engineer", "rows": 1, "role_class": CORE_AI},
    ]


def test_ai_definitions_are_named_and_unknown_names_fail() -> None:
    assert ai_role_classes("core_ai") == (CORE_AI,)
    assert ai_role_classes("core_ai_and_data") == (CORE_AI, AI_ADJACENT_DATA)
    with pytest.raises(ParameterError, match="unknown AI definition"):
        ai_role_classes("anything_with_python")
    assert TAXONOMY_VERSION
