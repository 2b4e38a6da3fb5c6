"""The source registry: every file pinned to an immutable version, with a hash that matches the mirror."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from talentmarket.data.store import sha256_of
from talentmarket.data.sources import SOURCES, get_source

PINNED_GITHUB_URL = re.compile(r"^https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/.+")


def _registered() -> list[tuple[str, str]]:
    return [(source.name, name) for source in SOURCES.values() for name in source.files]


def test_every_source_has_provenance() -> None:
    for source in SOURCES.values():
        assert source.license and source.citation and source.publisher and source.description, source.name
        assert source.files, source.name


@pytest.mark.parametrize(("source", "file_name"), _registered())
def test_every_file_is_pinned_and_hashed(source: str, file_name: str) -> None:
    entry = get_source(source).file(file_name)
    assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
    if entry.extract is None:
        assert PINNED_GITHUB_URL.match(entry.url), entry.url
    else:
        assert re.fullmatch(r"[0-9a-f]{64}", entry.archive_sha256 or "")


@pytest.mark.parametrize(("source", "file_name"), _registered())
def test_mirror_file_matches_registered_hash(mirror_dir: Path, source: str, file_name: str) -> None:
    assert sha256_of(mirror_dir / source / file_name) == get_source(source).file(file_name).sha256


def test_every_mirror_data_file_is_registered(mirror_dir: Path) -> None:
    on_disk = {(p.parent.name, p.name) for p in mirror_dir.glob("*/*") if p.suffix in {".csv", ".json"}}
    assert on_disk == set(_registered())


def test_unknown_source_and_file_are_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="unknown data source 'nope'"):
        get_source("nope")
    with pytest.raises(KeyError, match="has no file 'missing.csv'"):
        get_source("indeed_ai_tracker").file("missing.csv")
