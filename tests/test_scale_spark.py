"""The same expressions on a local Spark session give the same results as on DuckDB.

Counts and shares must be identical (integers are exact and both engines divide
the same integers in IEEE double); the regression, whose cell means and
variances are floating-point sums in a different order, must agree to 1e-9.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentmarket.scale import (
    SALARY_FIELDS,
    ai_posting_shares,
    connect,
    fit_cell_ols,
    monthly_ai_share,
    monthly_sector_postings,
    write_synthetic_postings,
    write_synthetic_salaries,
)

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
    reason="Spark needs a Java runtime (Java 17: apt-get install openjdk-17-jre-headless); none found on PATH or in JAVA_HOME",
)


SPARK_TEST_DEFAULTS = (
    "spark.driver.extraJavaOptions -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1"
    " -XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote\n"
    "spark.ui.showConsoleProgress false\n"
)
"""Defaults for the test's JVM only (``SPARK_CONF_DIR``): compile with the quick C1 compiler alone and collect
garbage serially. A session that lives for a few small queries otherwise spends most of its CPU compiling hot
code with C2 in background threads that compete with the queries for the two cores. The bytecode of the ~18,000
classes Spark loads from the installed pyspark's jars is not verified (the ~1,200 the JDK's class-data archive
serves come verified): 2-6 s less JVM CPU per session (of 20-30 s; three pairs side by side, load 3-9). None of these
options changes a query plan or a result; the console progress bar is switched off because it only fills the
test log."""


SPARK_TEST_SQL_SETTINGS = {"spark.sql.shuffle.partitions": "2", "spark.sql.adaptive.enabled": "false"}
"""SQL settings for the test's tiny inputs (60,000 postings, 20,000 salaries), set on the session talentmarket
starts (whose own 8 shuffle partitions suit real data): two shuffle partitions, one per core, instead of eight
tasks per shuffle for a few thousand rows, and no adaptive re-planning between stages. Spark computes the same
counts either way (the regression's sums may add in another order, within the 1e-9 the test allows); the five
tests' queries took 20-28 s instead of 35-36 s (two runs each, side by side, load 5-7)."""


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """The Spark backend talentmarket starts itself (a local session, with the JVM defaults and SQL settings
    above), stopped after this module."""
    from pyspark.sql import SparkSession

    conf_dir = tmp_path_factory.mktemp("spark_conf")
    (conf_dir / "spark-defaults.conf").write_text(SPARK_TEST_DEFAULTS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_CONF_DIR", str(conf_dir))
        backend = connect("pyspark")
    for key, value in SPARK_TEST_SQL_SETTINGS.items():
        SparkSession.getActiveSession().conf.set(key, value)
    yield backend
    SparkSession.getActiveSession().stop()


@pytest.fixture(scope="module")
def postings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("spark_postings")
    write_synthetic_postings(directory, 60_000, seed=4, chunk_rows=20_000)
    return directory


@pytest.fixture(scope="module")
def salaries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("spark_salaries")
    write_synthetic_salaries(directory, 20_000, seed=4, employers=200)
    return directory


def test_monthly_ai_share_is_identical_on_spark(spark, postings):
    on_spark = monthly_ai_share(postings, engine=spark)
    pd.testing.assert_frame_equal(on_spark, monthly_ai_share(postings), check_exact=True)
    assert len(on_spark) == 9 * 90


def test_sector_and_industry_counts_are_identical_on_spark(spark, postings):
    for dimension in ("sector", "industry"):
        pd.testing.assert_frame_equal(
            monthly_sector_postings(postings, engine=spark, countries=["US", "IE"], dimension=dimension),
            monthly_sector_postings(postings, countries=["US", "IE"], dimension=dimension),
            check_exact=True,
        )


def test_industry_shares_are_identical_on_spark(spark, postings):
    pd.testing.assert_frame_equal(
        ai_posting_shares(postings, engine=spark, period="quarter", within=["country"]),
        ai_posting_shares(postings, period="quarter", within=["country"]),
        check_exact=True,
    )


def test_title_rule_gives_the_stored_flag_on_spark(spark, postings):
    without_flag = spark.read_parquet(str(postings)).drop("is_ai")
    pd.testing.assert_frame_equal(monthly_ai_share(without_flag), monthly_ai_share(postings), check_exact=True)


def test_clustered_regression_agrees_on_spark(spark, salaries):
    controls = ["experience_level", "work_year", "company_location", "company_size"]
    on_spark = fit_cell_ols(salaries, categorical=controls, cluster="employer_id", engine=spark)
    on_duckdb = fit_cell_ols(salaries, categorical=controls, cluster="employer_id")
    assert on_spark.n_cells == on_duckdb.n_cells and on_spark.n_obs == on_duckdb.n_obs == 20_000
    np.testing.assert_allclose(on_spark.params, on_duckdb.params, rtol=1e-9)
    np.testing.assert_allclose(on_spark.cov, on_duckdb.cov, rtol=1e-9, atol=1e-15)
    assert {field.name for field in SALARY_FIELDS} <= set(spark.read_parquet(str(salaries)).columns)
