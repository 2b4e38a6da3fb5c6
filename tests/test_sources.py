"""The source registry: every file of every vintage pinned to an immutable version, with a hash that matches the mirror."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from talentmarket.data.sources import (
    SOURCES,
    VINTAGES_ENV_VAR,
    format_vintages,
    get_source,
    older_vintages,
    parse_vintages,
    selected_vintages,
)
from talentmarket.data.store import sha256_of
from talentmarket.errors import ParameterError

PINNED_GITHUB_URL = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/.+")


def _registered() -> list[tuple[str, str, str]]:
    """(source, vintage, file) of every registered file of every vintage."""
    return [(source.name, vintage.name, name) for source in SOURCES.values() for vintage in source.vintages for name in vintage.files]


def _mirror_path(source: str, vintage: str, file_name: str) -> Path:
    return Path(source, get_source(source).vintage(vintage).folder, file_name)


def test_every_source_has_provenance() -> None:
    for source in SOURCES.values():
        assert source.license and source.citation and source.publisher and source.description, source.name
        assert source.files, source.name
        for vintage in source.vintages:
            assert vintage.coverage and vintage.files, (source.name, vintage.name)


def test_later_vintages_sit_in_a_folder_named_after_them() -> None:
    for source in SOURCES.values():
        first, *later = source.vintages
        assert first.folder == "", source.name
        assert [v.folder for v in later] == [v.name for v in later], source.name


@pytest.mark.parametrize(("source", "vintage", "file_name"), _registered())
def test_every_file_is_pinned_and_hashed(source: str, vintage: str, file_name: str) -> None:
    entry = get_source(source).file(file_name, vintage)
    assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
    if entry.extract is None:
        assert PINNED_GITHUB_URL.match(entry.url), entry.url
    else:
        assert re.fullmatch(r"[0-9a-f]{64}", entry.archive_sha256 or "")


@pytest.mark.parametrize(("source", "vintage", "file_name"), _registered())
def test_mirror_file_matches_registered_hash(mirror_dir: Path, source: str, vintage: str, file_name: str) -> None:
    assert sha256_of(mirror_dir / _mirror_path(source, vintage, file_name)) == get_source(source).file(file_name, vintage).sha256


def test_every_mirror_data_file_is_registered(mirror_dir: Path) -> None:
    on_disk = {p.relative_to(mirror_dir) for pattern in ("*/*", "*/*/*") for p in mirror_dir.glob(pattern)
               if p.is_file() and p.suffix in {".csv", ".json"}}
    assert on_disk == {_mirror_path(*registered) for registered in _registered()}


def test_final_aijobs_release_is_the_default_and_the_first_stays_selectable() -> None:
    aijobs = get_source("aijobs_net_salaries")
    newest = aijobs.file("salaries.csv")
    assert aijobs.default_vintage.name == "2025-08-03" and aijobs.default_vintage.folder == "2025-08-03"
    assert newest.url.endswith("/foorilla/ai-jobs-net-salaries/981ad0974c6508e18573087a52f2de9be2a2d1f2/salaries.csv")
    assert newest.sha256 == "ceea75a58f85f2a8ecb805648b693c9fc541a80a6c3bf7121b53f9ecf6198f03"
    assert aijobs.file("salaries.csv", "2025-01-19").sha256 == "fce1318d2fa6f574cd36ce192bf3c38debcb61892d15255eb8f772a05e4a5aef"


def test_unknown_source_file_and_vintage_are_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="unknown data source 'nope'"):
        get_source("nope")
    with pytest.raises(KeyError, match="has no file 'missing.csv'"):
        get_source("indeed_ai_tracker").file("missing.csv")
    with pytest.raises(ParameterError, match=r"no vintage '2024-01-01'; known vintages: 2025-01-19, 2025-08-03 \(default 2025-08-03\)"):
        get_source("aijobs_net_salaries").vintage("2024-01-01")


def test_vintage_selection_text_round_trips_and_bad_text_is_refused() -> None:
    text = "isecjobs_infosec_salaries=2025-08-03, aijobs_net_salaries=2025-01-19"
    parsed = parse_vintages(text)
    assert parsed == {"aijobs_net_salaries": "2025-01-19", "isecjobs_infosec_salaries": "2025-08-03"}
    assert parse_vintages(format_vintages(parsed)) == parsed and parse_vintages("") == {}
    for bad, message in [("aijobs_net_salaries", "expected SOURCE=VINTAGE"),
                         ("aijobs_net_salaries=2025-01-19,aijobs_net_salaries=2025-08-03", "twice"),
                         ("nope=1", "unknown data source 'nope'")]:
        with pytest.raises(ParameterError, match=message):
            parse_vintages(bad)


def test_argument_wins_over_environment_which_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert selected_vintages()["aijobs_net_salaries"] == "2025-08-03"
    monkeypatch.setenv(VINTAGES_ENV_VAR, "aijobs_net_salaries=2025-01-19")
    assert selected_vintages()["aijobs_net_salaries"] == "2025-01-19"
    assert selected_vintages({"aijobs_net_salaries": "2025-08-03"})["aijobs_net_salaries"] == "2025-08-03"
    assert set(selected_vintages()) == set(SOURCES)
    assert older_vintages() == {"aijobs_net_salaries": "2025-01-19"}
    assert older_vintages({"aijobs_net_salaries": "2025-08-03"}) == {}
