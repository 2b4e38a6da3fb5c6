"""Resolution order, hash checks and the download path (against a local HTTP server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from talentmarket import paths
from talentmarket.data import store as load
from talentmarket.data.sources import (
    SOURCES,
    VINTAGES_ENV_VAR,
    DataFile,
    Source,
    Vintage,
)
from talentmarket.data.store import DataStore, fetch_file, frame_cache_path
from talentmarket.errors import (
    DataUnavailableError,
    DataValidationError,
    ParameterError,
)

BODY = b"date,jobcountry,AI_share_postings\n2020-01-01,US,1.5\n2020-01-02,US,1.6\n"
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()
NEW_BODY = BODY + b"2020-01-03,US,1.7\n"
"""The bytes of the test source's newer vintage ("new"; the older one, "old", is BODY)."""


class _Handler(BaseHTTPRequestHandler):
    """Serves /ok, /new (NEW_BODY), /changed (other bytes), /truncated (closes early), /slow (never answers
    in time), /trickle (one byte every 0.2 s, like a stalled server that never trips a per-read timeout), else 404."""

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
        if self.path in ("/ok", "/slow"):
            self._send(BODY, len(BODY))
        elif self.path == "/new":
            self._send(NEW_BODY, len(NEW_BODY))
        elif self.path == "/changed":
            self._send(BODY.replace(b"1.6", b"9.9"), len(BODY))
        elif self.path == "/truncated":
            self._send(BODY[:20], len(BODY))
        elif self.path == "/trickle":
            self._trickle(BODY)
        else:
            self.send_error(404)

    def _send(self, body: bytes, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _source(old_url: str, new_url: str | None = None) -> Source:
    """A test source whose vintage "old" (BODY, at <source>/<file>) is served from ``old_url`` and, when
    ``new_url`` is given, whose newer, default vintage "new" (NEW_BODY, at <source>/new/<file>) from ``new_url``."""
    vintages = [Vintage("old", "two days", {"AI_posting.csv": DataFile("AI_posting.csv", old_url, BODY_SHA256, "old")})]
    if new_url is not None:
        entry = DataFile("AI_posting.csv", new_url, hashlib.sha256(NEW_BODY).hexdigest(), "new")
        vintages.append(Vintage("new", "three days", {"AI_posting.csv": entry}, folder="new"))
    return Source("indeed_ai_tracker", "t", "p", "CC0", "c", "d", "h", tuple(vintages))


def _register(monkeypatch: pytest.MonkeyPatch, url: str, new_url: str | None = None) -> None:
    """Register the test source under indeed_ai_tracker, with no mirror and one-second timeouts."""
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", _source(url, new_url))
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(paths.cache_dir() / "no-mirror"))
    monkeypatch.setattr(load, "DOWNLOAD_TIMEOUT_SECONDS", 1)


def _cached_files() -> list[Path]:
    return sorted(p for p in paths.cache_dir().rglob("*") if p.is_file())


def _mirror(root: Path, body: bytes = BODY, folder: str = "") -> Path:
    """A mirror under ``root`` holding ``body`` as indeed_ai_tracker/<folder>/AI_posting.csv."""
    target = root / "indeed_ai_tracker" / folder / "AI_posting.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return root


def test_download_is_cached_and_reused(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, f"{server}/ok")
    first = fetch_file("indeed_ai_tracker", "AI_posting.csv")
    assert first.read_bytes() == BODY
    _register(monkeypatch, f"{server}/gone")  # the cached copy is used: no request reaches the 404
    assert fetch_file("indeed_ai_tracker", "AI_posting.csv") == first


@pytest.mark.parametrize("route", ["changed", "truncated"])
def test_bad_bytes_raise_and_leave_nothing_in_the_cache(server: str, monkeypatch: pytest.MonkeyPatch, route: str) -> None:
    _register(monkeypatch, f"{server}/{route}")
    with pytest.raises((DataValidationError, DataUnavailableError), match="AI_posting.csv"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv")
    assert _cached_files() == []


@pytest.mark.parametrize("route", ["missing", "slow"])
def test_unreachable_file_names_url_and_fix(server: str, monkeypatch: pytest.MonkeyPatch, route: str) -> None:
    _register(monkeypatch, f"{server}/{route}")
    with pytest.raises(DataUnavailableError) as error:
        fetch_file("indeed_ai_tracker", "AI_posting.csv")
    message = str(error.value)
    assert f"{server}/{route}" in message and paths.MIRROR_ENV_VAR in message and "--synthetic" in message
    assert _cached_files() == []


def test_trickling_server_hits_the_total_deadline_and_leaves_no_temp_file(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, f"{server}/trickle")  # a byte every 0.2 s: each read is quick, the whole takes 14 s
    monkeypatch.setattr(load, "DOWNLOAD_DEADLINE_SECONDS", 2)
    monkeypatch.setattr(load, "DOWNLOAD_TIMEOUT_SECONDS", 5)  # capped at the deadline: a 0.2 s gap never trips it
    started = time.monotonic()
    with pytest.raises(DataUnavailableError, match="did not finish within DOWNLOAD_DEADLINE_SECONDS = 2 s"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv")
    assert time.monotonic() - started < 5
    assert _cached_files() == []


def test_stale_temp_file_of_a_killed_download_is_removed(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, f"{server}/ok")
    stale = paths.cache_dir() / "indeed_ai_tracker" / ".AI_posting.csv.999-dead.partial"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    fetch_file("indeed_ai_tracker", "AI_posting.csv")
    assert _cached_files() == [paths.cache_dir() / "indeed_ai_tracker" / "AI_posting.csv"]


def test_corrupt_cached_copy_is_named_and_replaced(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cached = paths.cache_dir() / "indeed_ai_tracker" / "AI_posting.csv"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"damaged")
    _register(monkeypatch, f"{server}/missing")
    with pytest.raises(DataUnavailableError, match=f"the cached copy {cached} was corrupt .* and was removed"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv")
    assert not cached.exists()
    cached.write_bytes(b"damaged")
    _register(monkeypatch, f"{server}/ok")
    assert fetch_file("indeed_ai_tracker", "AI_posting.csv").read_bytes() == BODY


def test_directory_in_place_of_a_cached_file_is_named(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, f"{server}/ok")
    (paths.cache_dir() / "indeed_ai_tracker" / "AI_posting.csv").mkdir(parents=True)
    with pytest.raises(DataUnavailableError, match=r"^cache entry .*AI_posting.csv is a directory, not the file AI_posting.csv: remove it"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv")


def test_directory_in_place_of_a_mirror_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "indeed_ai_tracker" / "AI_posting.csv").mkdir(parents=True)
    with pytest.raises(DataUnavailableError, match="AI_posting.csv is a directory, not the file AI_posting.csv of indeed_ai_tracker"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv", data_dir=tmp_path)


def test_explicit_directory_wins_over_environment(mirror_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(tmp_path / "nowhere"))
    found = fetch_file("indeed_ai_tracker", "AI_posting.csv", data_dir=mirror_dir)
    assert found == mirror_dir / "indeed_ai_tracker" / "AI_posting.csv"


def test_mirror_with_other_bytes_is_refused(mirror_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "indeed_ai_tracker" / "AI_posting.csv"
    target.parent.mkdir()
    shutil.copyfile(mirror_dir / "indeed_ai_tracker" / "GenAI_posting.csv", target)
    with pytest.raises(DataValidationError, match="has sha256 .* expected"):
        fetch_file("indeed_ai_tracker", "AI_posting.csv", data_dir=tmp_path)


@pytest.mark.parametrize(("vintage", "folder", "body"), [("old", "", BODY), ("new", "new", NEW_BODY)])
def test_each_vintage_resolves_argument_then_mirror_then_cache_then_download(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vintage: str, folder: str, body: bytes,
) -> None:
    _register(monkeypatch, f"{server}/ok", f"{server}/new")
    argument, environment = _mirror(tmp_path / "argument", body, folder), _mirror(tmp_path / "environment", body, folder)
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(environment))
    relative = Path("indeed_ai_tracker", folder, "AI_posting.csv")
    assert fetch_file("indeed_ai_tracker", "AI_posting.csv", argument, vintage) == argument / relative
    assert fetch_file("indeed_ai_tracker", "AI_posting.csv", None, vintage) == environment / relative
    monkeypatch.setenv(paths.MIRROR_ENV_VAR, str(tmp_path / "no-mirror"))
    downloaded = fetch_file("indeed_ai_tracker", "AI_posting.csv", None, vintage)
    assert downloaded == paths.cache_dir() / relative and downloaded.read_bytes() == body
    _register(monkeypatch, f"{server}/gone", f"{server}/gone")  # now only the cache can answer
    assert fetch_file("indeed_ai_tracker", "AI_posting.csv", None, vintage) == downloaded


def test_store_reads_the_newest_vintage_unless_the_argument_or_environment_selects_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old", "http://127.0.0.1:9/new")
    mirror = _mirror(_mirror(tmp_path, BODY), NEW_BODY, "new")
    assert len(DataStore(data_dir=mirror).read("indeed_ai_tracker", "AI_posting.csv")) == 3
    monkeypatch.setenv(VINTAGES_ENV_VAR, "indeed_ai_tracker=old")
    from_environment = DataStore(data_dir=mirror)
    assert len(from_environment.read("indeed_ai_tracker", "AI_posting.csv")) == 2
    [used] = from_environment.provenance()
    assert used["version"] == "old" and used["sha256"] == BODY_SHA256
    from_argument = DataStore(data_dir=mirror, vintages={"indeed_ai_tracker": "new"})
    assert len(from_argument.read("indeed_ai_tracker", "AI_posting.csv")) == 3
    assert from_argument.provenance()[0]["version"] == "new"


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"indeed_ai_tracker": "2019-01-01"}, "no vintage '2019-01-01'; known vintages: old, new"),
        ({"nope": "old"}, "unknown data source 'nope'"),
    ],
)
def test_unknown_vintage_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch, selection: dict[str, str], message: str) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old", "http://127.0.0.1:9/new")
    with pytest.raises(ParameterError, match=message):
        DataStore(vintages=selection)
    monkeypatch.setenv(VINTAGES_ENV_VAR, ",".join(f"{k}={v}" for k, v in selection.items()))
    with pytest.raises(ParameterError, match=message):
        DataStore()


def test_store_records_provenance_of_what_it_read(real_store: DataStore) -> None:
    store = DataStore(data_dir=real_store.data_dir)
    frame = store.read("owid_ai_index_ai_job_postings_share", "share-artificial-intelligence-job-postings.csv")
    assert len(frame) == 134  # data rows of the pinned file (its SOURCE.md says 133)
    [used] = store.provenance()
    assert used["source"] == "owid_ai_index_ai_job_postings_share" and used["license"] == "CC BY-ND 4.0"
    assert used["version"] == "2025-04-08"


def test_query_scans_files_with_schema_types(real_store: DataStore) -> None:
    frame = real_store.query(
        "SELECT jobcountry, count(*) AS n, min(date) AS first FROM t GROUP BY ALL ORDER BY ALL",
        {"t": ("indeed_ai_tracker", ["AI_posting.csv"])},
    )
    assert frame["n"].sum() == 24642 and str(frame["first"].min().date()) == "2019-01-01"


def test_query_names_a_missing_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = BODY.replace(b"AI_share_postings", b"share")
    target = tmp_path / "indeed_ai_tracker" / "AI_posting.csv"
    target.parent.mkdir()
    target.write_bytes(bad)
    entry = DataFile("AI_posting.csv", "http://127.0.0.1:9/x", hashlib.sha256(bad).hexdigest(), "test")
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source("indeed_ai_tracker", "t", "p", "l", "c", "d", "h",
                                                             (Vintage("test", "c", {"AI_posting.csv": entry}),)))
    with pytest.raises(DataValidationError, match="indeed_ai_tracker/AI_posting.csv: column 'AI_share_postings': missing column"):
        DataStore(data_dir=tmp_path).query("SELECT * FROM t", {"t": ("indeed_ai_tracker", ["AI_posting.csv"])})



def test_query_stacks_files_read_in_the_csv_dialect_and_refuses_reordered_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bodies = {
        "AI_posting.csv": b'\xef\xbb\xbfdate,jobcountry,AI_share_postings\r\n2020-01-01,"U""S, x",1.5\r\n',
        "GenAI_posting.csv": b"date,jobcountry,AI_share_postings\n2020-01-02,NA,\n",
        "reordered.csv": b"jobcountry,date,AI_share_postings\nUS,2020-01-03,1.7\n",
    }
    (tmp_path / "indeed_ai_tracker").mkdir()
    entries = {}
    for name, body in bodies.items():
        (tmp_path / "indeed_ai_tracker" / name).write_bytes(body)
        entries[name] = DataFile(name, "http://127.0.0.1:9/x", hashlib.sha256(body).hexdigest(), "test")
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source("indeed_ai_tracker", "t", "p", "l", "c", "d", "h",
                                                             (Vintage("test", "c", entries),)))
    store = DataStore(data_dir=tmp_path)
    frame = store.query("SELECT * FROM t ORDER BY date", {"t": ("indeed_ai_tracker", ["AI_posting.csv", "GenAI_posting.csv"])})
    assert frame["jobcountry"].tolist() == ['U"S, x', "NA"] and frame["AI_share_postings"].isna().tolist() == [False, True]
    with pytest.raises(DataValidationError, match="reordered.csv: table: columns .* differ from .* of AI_posting.csv"):
        store.query("SELECT * FROM t", {"t": ("indeed_ai_tracker", ["AI_posting.csv", "reordered.csv"])})

def test_validated_frame_is_cached_by_hash_and_served_without_reading_the_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old")
    mirror = _mirror(tmp_path)
    first = DataStore(data_dir=mirror).read("indeed_ai_tracker", "AI_posting.csv")
    assert frame_cache_path("indeed_ai_tracker", "AI_posting.csv", BODY_SHA256).is_file()

    def no_csv(*args: object, **kwargs: object) -> None:
        raise AssertionError("the CSV was read again")

    monkeypatch.setattr(load.pd, "read_csv", no_csv)
    again = DataStore(data_dir=mirror).read("indeed_ai_tracker", "AI_posting.csv")
    pd.testing.assert_frame_equal(again, first)


def test_frame_cache_never_serves_a_frame_of_other_bytes_or_another_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old")
    DataStore(data_dir=_mirror(tmp_path / "a")).read("indeed_ai_tracker", "AI_posting.csv")
    entry = DataFile("AI_posting.csv", "http://127.0.0.1:9/new", hashlib.sha256(NEW_BODY).hexdigest(), "test")
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source("indeed_ai_tracker", "t", "p", "l", "c", "d", "h",
                                                             (Vintage("old", "c", {"AI_posting.csv": entry}),)))
    assert len(DataStore(data_dir=_mirror(tmp_path / "b", NEW_BODY)).read("indeed_ai_tracker", "AI_posting.csv")) == 3
    before = frame_cache_path("indeed_ai_tracker", "AI_posting.csv", BODY_SHA256)
    monkeypatch.setattr(load, "FRAME_CACHE_VERSION", load.FRAME_CACHE_VERSION + 1)
    assert frame_cache_path("indeed_ai_tracker", "AI_posting.csv", BODY_SHA256) != before


def test_frame_cache_filled_by_concurrent_readers_serves_whole_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old")
    mirror = _mirror(tmp_path)
    with ThreadPoolExecutor(4) as pool:
        frames = list(pool.map(lambda _: DataStore(data_dir=mirror).read("indeed_ai_tracker", "AI_posting.csv"), range(8)))
    for frame in frames:
        pd.testing.assert_frame_equal(frame, frames[0])
    cached = frame_cache_path("indeed_ai_tracker", "AI_posting.csv", BODY_SHA256)
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]  # no temporary file left behind


def test_own_files_are_cited_by_name_and_hash_not_path(tmp_path: Path) -> None:
    own = tmp_path / "my_salaries.csv"
    own.write_bytes(BODY)
    store = DataStore()
    store.record_own_file(own)
    [used] = store.provenance()
    assert used["source"] == "own:my_salaries" and used["sha256"] == BODY_SHA256
    assert str(tmp_path) not in str(used)


def test_own_files_with_one_name_in_two_folders_are_both_cited(tmp_path: Path) -> None:
    store = DataStore()
    for folder, body in (("a", BODY), ("b", NEW_BODY)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "salaries.csv").write_bytes(body)
        store.record_own_file(tmp_path / folder / "salaries.csv")
    assert sorted(use["sha256"] for use in store.provenance()) == sorted(hashlib.sha256(b).hexdigest() for b in (BODY, NEW_BODY))


def test_missing_own_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataUnavailableError, match="own data .*nothing.csv does not exist"):
        DataStore().record_own_file(tmp_path / "nothing.csv")


def test_generated_data_are_cited_as_synthetic() -> None:
    store = DataStore(synthetic=True, seed=3)
    store.record_generated("geography", "synthetic geography generator")
    [used] = store.provenance()
    assert used["source"] == "generated:geography" and used["license"] == "synthetic" and used["version"] == "seed 3"


def test_own_salary_file_is_read_by_the_store_rules(tmp_path: Path, synthetic_store: DataStore) -> None:
    from talentmarket.data.salaries import load_salaries

    header = "work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,employee_residence,remote_ratio,company_location,company_size"
    namibia = tmp_path / "namibia.csv"
    namibia.write_text(f"{header}\n2024,SE,FT,ML Engineer,900000,NAD,50000,NA,0,NA,M\n", encoding="utf-8")
    assert load_salaries(DataStore(synthetic=True), own_files={namibia: "ai"})["company_location"].tolist() == ["NA"]
    twice = tmp_path / "twice.csv"
    twice.write_text(f"{header},salary\n2024,SE,FT,ML Engineer,900000,NAD,50000,NA,0,NA,M,1\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="own:twice: column 'salary': column name appears 2 times"):
        load_salaries(synthetic_store, own_files={twice: "ai"})
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataValidationError, match="folder.csv is a directory, expected a CSV file"):
        load_salaries(synthetic_store, own_files={tmp_path / "folder.csv": "ai"})


def test_query_keeps_namibia_a_code_and_reads_na_numbers_as_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = b"date,jobcountry,AI_share_postings\n2020-01-01,NA,1.5\n2020-01-02,NA,NA\n"
    target = tmp_path / "indeed_ai_tracker" / "AI_posting.csv"
    target.parent.mkdir()
    target.write_bytes(body)
    entry = DataFile("AI_posting.csv", "http://127.0.0.1:9/x", hashlib.sha256(body).hexdigest(), "test")
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source("indeed_ai_tracker", "t", "p", "l", "c", "d", "h",
                                                             (Vintage("test", "c", {"AI_posting.csv": entry}),)))
    frame = DataStore(data_dir=tmp_path).query("SELECT * FROM t ORDER BY date", {"t": ("indeed_ai_tracker", ["AI_posting.csv"])})
    assert frame["jobcountry"].tolist() == ["NA", "NA"] and frame["AI_share_postings"].isna().tolist() == [False, True]
    assert str(frame["date"].dtype).startswith("datetime64")


def _read_in_child(mirror: Path) -> str:
    """Run in a forked process: read the test file through a fresh store; a digest of the frame it got."""
    frame = DataStore(data_dir=mirror).read("indeed_ai_tracker", "AI_posting.csv")
    return hashlib.sha256(pd.util.hash_pandas_object(frame).to_numpy().tobytes()).hexdigest()


def test_frame_cache_filled_by_two_processes_at_once_serves_whole_frames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "http://127.0.0.1:9/old")
    mirror = _mirror(tmp_path)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        digests = list(pool.map(_read_in_child, [mirror] * 4))
    assert len(set(digests)) == 1 and digests[0] == _read_in_child(mirror)  # the last read is served from the cache
    cached = frame_cache_path("indeed_ai_tracker", "AI_posting.csv", BODY_SHA256)
    assert [p.name for p in cached.parent.iterdir()] == [cached.name]
