"""Benchmark of the data layer: cold vs cached vs mirror data loading (the main job: bench_main_job.py).

Run on demand (``make bench`` or ``.venv/bin/python benchmarks/bench_foundation.py``); prints a table.
"Cold" downloads every registered file from a local HTTP server on 127.0.0.1 that serves the mirror
(no machine here reaches the real URLs), so it measures pooch's hashing and caching, not the internet.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from talentmarket import paths
from talentmarket.data import sources
from talentmarket.data.store import fetch_file

MIRROR = paths.REPO_ROOT.parent / "shared" / "data" / "real"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _files() -> list[tuple[str, str]]:
    return [(s.name, f.name) for s in sources.SOURCES.values() for f in s.files.values() if f.extract is None]


def _time_fetch_all(data_dir: Path | None) -> float:
    started = time.perf_counter()
    for source, name in _files():
        fetch_file(source, name, data_dir)
    return time.perf_counter() - started


def _point_registry_at(base_url: str) -> None:
    for source in sources.SOURCES.values():
        for name, entry in source.files.items():
            if entry.extract is None:
                source.files[name] = dataclasses.replace(entry, url=f"{base_url}/{source.name}/{name}")


def bench_loading() -> list[tuple[str, float, str]]:
    os.environ.pop(paths.MIRROR_ENV_VAR, None)
    server, url = _serve(MIRROR)
    _point_registry_at(url)
    total_mb = sum((MIRROR / s / n).stat().st_size for s, n in _files()) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        os.environ[paths.CACHE_ENV_VAR] = cache
        rows.append(("cold: download + sha256 into empty cache", _time_fetch_all(None), f"{total_mb:.1f} MB"))
        rows.append(("cached: sha256 check of cached files", _time_fetch_all(None), f"{total_mb:.1f} MB"))
    rows.append(("mirror: sha256 check (first time in process)", _time_fetch_all(MIRROR), f"{total_mb:.1f} MB"))
    rows.append(("mirror: again (hash remembered per process)", _time_fetch_all(MIRROR), f"{total_mb:.1f} MB"))
    server.shutdown()
    return rows


def main() -> None:
    print(f"{'data loading (all registered files)':50} {'seconds':>9} {'size':>10}")
    for label, seconds, size in bench_loading():
        print(f"{label:50} {seconds:9.2f} {size:>10}")


if __name__ == "__main__":
    main()
