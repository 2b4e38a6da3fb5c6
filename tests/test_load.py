"""Resolution order, hash checks and the download path (against a local HTTP server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from talentmarket.data import store as load
from talentmarket import paths
from talentmarket.errors import DataUnavailableError, DataValidationError
from talentmarket.data.store import DataStore, fetch_file
from talentmarket.data.sources import SOURCES, DataFile, Source

BODY = b"date,jobcountry,AI_share_postings\n2020-01-01,US,1.5\n2020-01-02,US,1.6\n"
BODY_SHA256 = hashlib.sha256(BODY).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Serves /ok, /changed (other bytes), /truncated (closes early), /slow (never answers in time), else 404."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/slow":
            time.sleep(3)
        if self.path in ("/ok", "/slow"):
            self._send(BODY, len(BODY))
        elif self.path == "/changed":
            self._send(BODY.replace(b"1.6", b"9.9"), len(BODY))
        elif self.path == "/truncated":
            self._send(BODY[:20], len(BODY))
        else:
            self.send_error(404)

    def _send(self, body: bytes, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _register(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Register a one-file test source whose bytes are BODY, served from ``url``."""
    entry = DataFile(name="AI_posting.csv", url=url, sha256=BODY_SHA256, version="test")
    source = Source("indeed_ai_tracker", "t", "p", "CC0", "c", "d", "h", {"AI_posting.csv": entry})
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", source)
    monkeypatch.delenv(paths.MIRROR_ENV_VAR, raising=False)
    monkeypatch.setattr(load, "DOWNLOAD_TIMEOUT_SECONDS", 1)


def _cached_files() -> list[Path]:
    return sorted(p for p in paths.cache_dir().rglob("*") if p.is_file())


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


def test_store_records_provenance_of_what_it_read(real_store: DataStore) -> None:
    store = DataStore(data_dir=real_store.data_dir)
    frame = store.read("owid_ai_index_ai_job_postings_share", "share-artificial-intelligence-job-postings.csv")
    assert len(frame) == 134  # data rows of the pinned file (its SOURCE.md says 133)
    [used] = store.provenance()
    assert used["source"] == "owid_ai_index_ai_job_postings_share" and used["license"] == "CC BY-ND 4.0"


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
    monkeypatch.setitem(SOURCES, "indeed_ai_tracker", Source("indeed_ai_tracker", "t", "p", "l", "c", "d", "h", {"AI_posting.csv": entry}))
    with pytest.raises(DataValidationError, match="indeed_ai_tracker/AI_posting.csv: column 'AI_share_postings': missing column"):
        DataStore(data_dir=tmp_path).query("SELECT * FROM t", {"t": ("indeed_ai_tracker", ["AI_posting.csv"])})


def test_own_files_are_cited_by_name_and_hash_not_path(tmp_path: Path) -> None:
    own = tmp_path / "my_salaries.csv"
    own.write_bytes(BODY)
    store = DataStore()
    store.record_own_file(own)
    [used] = store.provenance()
    assert used["source"] == "own:my_salaries" and used["sha256"] == BODY_SHA256
    assert str(tmp_path) not in str(used)


def test_generated_data_are_cited_as_synthetic() -> None:
    store = DataStore(synthetic=True, seed=3)
    store.record_generated("geography", "synthetic geography generator")
    [used] = store.provenance()
    assert used["source"] == "generated:geography" and used["license"] == "synthetic" and used["version"] == "seed 3"
