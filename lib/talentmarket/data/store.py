"""Find, verify and read source files; hand back validated, typed frames.

Resolution order for a registered file of one vintage (``<source>/<folder>/<file>``, see
:mod:`talentmarket.data.sources`):
1. an explicit ``data_dir`` argument (a mirror laid out like ``../shared/data/real``);
2. the directory named by ``TALENTMARKET_DATA_DIR``;
3. the user cache (files downloaded before, re-checked against their sha256);
4. a download from the pinned URL, with a total deadline, hash-checked before it enters the cache.

A :class:`DataStore` ties one analysis to one origin of data — real files or the
seeded synthetic twins — and to one vintage of every source, and records every file
it served, so results can cite exactly what they were computed from. Validated frames
are kept as Parquet in the user cache, keyed by the file's sha256 and the schema, so the
notebooks of one run (and later runs) read and validate each source file once.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow
import requests
import urllib3

from talentmarket import paths
from talentmarket.data.schemas import FileSchema, schema_for, validate_frame
from talentmarket.data.sources import DataFile, Vintage, get_source, selected_vintages
from talentmarket.errors import DataUnavailableError, DataValidationError

DOWNLOAD_TIMEOUT_SECONDS = 60
"""Longest wait for the server to connect or to send the next bytes."""
DOWNLOAD_DEADLINE_SECONDS = 900
"""Longest a whole download may take (a server trickling bytes never trips the per-read timeout)."""
_CHUNK_BYTES = 1 << 16

MISSING_MARKERS = ["NA", "-"]
"""Text that marks a missing number in the source files (Indeed writes NA, BLS writes -)."""
_NUMBER_MISSING = sorted({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NULL", "NaN", "None", "n/a", "nan", "null", *MISSING_MARKERS,
})
"""Missing-value text in number and date columns: pandas' default set plus :data:`MISSING_MARKERS`.
Text columns treat only an empty field as missing, so a code such as NA (Namibia) stays a code."""

FRAME_CACHE_VERSION = 1
"""Part of every frame-cache key: bump it when the way a CSV is read into a frame changes."""
FRAME_CACHE_ENV_VAR = "TALENTMARKET_FRAME_CACHE"
"""Set to ``0`` to read and validate every file afresh (the cache is on otherwise)."""

_HOW_TO_FIX = (
    f"Point {paths.MIRROR_ENV_VAR} (or --data-dir) at a mirror laid out as <source>/<file> "
    "(for example ../shared/data/real), connect to the internet once to fill the cache, "
    "or run in synthetic demo mode (--synthetic)."
)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file(source: str, file_name: str, data_dir: str | Path | None = None, vintage: str | None = None) -> Path:
    """Local path of a registered file of one vintage (default: the newest), verified against its pinned sha256.

    Raises DataValidationError when a mirror holds different bytes than registered,
    ParameterError for an unknown vintage, and DataUnavailableError when the file cannot
    be found or downloaded (naming a directory or a corrupt cached copy in its way).
    """
    chosen = get_source(source).vintage(vintage)
    entry = chosen.file(source, file_name)
    relative = Path(source, chosen.folder, file_name)
    for mirror in (Path(data_dir).expanduser() if data_dir else None, paths.mirror_dir()):
        if mirror is None:
            continue
        candidate = mirror / relative
        if candidate.is_dir():
            raise DataUnavailableError(
                f"mirror entry {candidate} is a directory, not the file {file_name} of {source} (vintage {chosen.name}): "
                f"put the registered file there (sha256 {entry.sha256}) or remove the directory"
            )
        if candidate.is_file():
            return _verified_mirror_file(candidate, entry, source, chosen)
    return _download(source, chosen, entry)


@cache
def _known_hash(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a mirror or cache file, remembered per (path, size, mtime) within one process."""
    return sha256_of(path)


def _hash_of(path: Path) -> str:
    stat = path.stat()
    return _known_hash(path.resolve(), stat.st_size, stat.st_mtime_ns)


def _verified_mirror_file(path: Path, entry: DataFile, source: str, vintage: Vintage) -> Path:
    actual = _hash_of(path)
    if actual != entry.sha256:
        raise DataValidationError(
            source, None,
            f"mirror file {path} has sha256 {actual}, expected {entry.sha256} (vintage {vintage.name}). "
            "The mirror holds another version of this file: replace it with the pinned one, register the "
            "new release as a vintage in sources.py, or pass your own data through the notebook's "
            "bring-your-own-data parameters.",
        )
    return path


def _download(source: str, vintage: Vintage, entry: DataFile) -> Path:
    """The cached copy of a file, downloaded first when the cache lacks a good one.

    A download is written to a temporary file next to its target, checked against its
    sha256 and only then renamed into place, so the cache never holds partial or wrong bytes.
    Files extracted from an archive are built next to the cached archive, checked against
    their own sha256, and only then moved into place.
    """
    target_dir = paths.cache_dir() / source / vintage.folder
    notes: list[str] = []
    try:
        if entry.extract is None:
            return _cached_download(entry.url, entry.sha256, target_dir / entry.name, source, notes)
        archive = _cached_download(entry.url, entry.archive_sha256, target_dir / entry.url.rsplit("/", 1)[-1], source, notes)
        return _extract_verified(source, entry, archive, target_dir)
    except DataUnavailableError:  # an OSError too, but already says what is wrong
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        found = " ".join(notes) or "not in a mirror or the cache"
        raise DataUnavailableError(
            f"cannot get {source}/{entry.name} (vintage {vintage.name}): {found}, and downloading {entry.url} "
            f"failed ({type(error).__name__}: {error}). {_HOW_TO_FIX}"
        ) from None


def _cached_download(url: str, sha256: str | None, target: Path, source: str, notes: list[str]) -> Path:
    """``target`` if it holds the pinned bytes; otherwise a fresh, verified download into it.

    A corrupt cached copy is removed (and said so in ``notes``); a directory in its place is refused.
    """
    if target.is_dir():
        raise DataUnavailableError(f"cache entry {target} is a directory, not the file {target.name}: remove it and run again")
    if target.is_file():
        actual = _hash_of(target)
        if actual == sha256:
            return target
        target.unlink()
        notes.append(f"the cached copy {target} was corrupt (sha256 {actual}, expected {sha256}) and was removed")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    partial = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        actual = _stream_to(url, partial)
        if actual != sha256:
            raise DataValidationError(
                source, None,
                f"download of {target.name} from {url} has sha256 {actual}, expected {sha256} "
                "(corrupt, truncated or changed upstream); nothing was cached",
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _stream_to(url: str, out: Path) -> str:
    """Download ``url`` into ``out`` within :data:`DOWNLOAD_DEADLINE_SECONDS`; the sha256 of what arrived.

    Each read waits at most :data:`DOWNLOAD_TIMEOUT_SECONDS` (less when the deadline is nearer),
    so a stalled or trickling server ends the download at the deadline instead of hanging the run.
    """
    deadline = time.monotonic() + DOWNLOAD_DEADLINE_SECONDS
    read_timeout = min(DOWNLOAD_TIMEOUT_SECONDS, DOWNLOAD_DEADLINE_SECONDS)
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=(read_timeout, read_timeout)) as response:
        response.raise_for_status()
        with open(out, "wb") as handle:
            while chunk := response.raw.read1(_CHUNK_BYTES, decode_content=True):
                handle.write(chunk)
                digest.update(chunk)
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the download did not finish within DOWNLOAD_DEADLINE_SECONDS = {DOWNLOAD_DEADLINE_SECONDS} s "
                        f"({out.stat().st_size} bytes arrived)"
                    )
    return digest.hexdigest()


def _remove_stale_partials(target: Path) -> None:
    """Delete temporary files of downloads into ``target`` that no live download can still own
    (older than the deadline plus one read), e.g. left by a process that was killed."""
    oldest_live = time.time() - DOWNLOAD_DEADLINE_SECONDS - DOWNLOAD_TIMEOUT_SECONDS
    for stale in target.parent.glob(f".{target.name}.*.partial"):
        if stale.stat().st_mtime < oldest_live:
            stale.unlink(missing_ok=True)


def _extract_verified(source: str, entry: DataFile, archive: Path, target_dir: Path) -> Path:
    target = target_dir / entry.name
    if target.is_file() and _hash_of(target) == entry.sha256:
        return target
    module_name, function_name = entry.extract.split(":")
    extract = getattr(import_module(module_name), function_name)
    partial = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        extract(archive, entry.name, partial)
        actual = sha256_of(partial)
        if actual != entry.sha256:
            raise DataValidationError(
                source, None,
                f"{entry.name} rebuilt from {archive.name} has sha256 {actual}, expected {entry.sha256}; nothing was cached",
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def csv_header(path: Path, label: str) -> list[str]:
    """The column names on the first line of a CSV; refuses a directory and a duplicated column name
    (which pandas and DuckDB would silently rename, so one of the two columns would be lost)."""
    if path.is_dir():
        raise DataValidationError(label, None, f"{path.name} is a directory, expected a CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataValidationError(label, None, f"{path.name} is not a readable CSV: {error}") from None
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataValidationError(
            label, repeated[0],
            f"column name appears {header.count(repeated[0])} times in the header of {path.name}: "
            "rename or drop the copies so that every column has one name",
        )
    return header


def read_csv_checked(path: str | Path, schema: FileSchema, label: str) -> pd.DataFrame:
    """Read a CSV whose header has no duplicated names and validate it against ``schema``.

    Text columns stay text: codes keep leading zeros, and only an empty field is missing
    (NA is Namibia, not a missing value); number and date columns read NA, - and pandas'
    usual markers as missing. ``label`` (``source/file``) starts every error message.
    """
    path = Path(path)
    header = csv_header(path, label)
    text = {name for name, column in schema.columns.items() if column.kind == "str"}
    try:
        frame = pd.read_csv(
            path, keep_default_na=False, dtype={name: str for name in text if name in header},
            na_values={name: ([""] if name in text else _NUMBER_MISSING) for name in header},
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(label, None, f"{path.name} is not a readable CSV: {error}") from None
    return validate_frame(frame, schema, label)


def read_csv_validated(path: str | Path, source: str, file_name: str) -> pd.DataFrame:
    """Read a CSV and validate it against the schema registered for ``source``/``file_name``."""
    return read_csv_checked(path, schema_for(source, file_name), f"{source}/{file_name}")


def frame_cache_path(source: str, file_name: str, sha256: str) -> Path:
    """Where the validated frame of the file with this sha256 is kept.

    The key covers everything the frame depends on: the file's bytes (sha256), its schema,
    the reading rules (:data:`FRAME_CACHE_VERSION`) and the pandas and pyarrow versions, so a
    cached frame is never served for other bytes, another schema or another reader.
    """
    key = hashlib.sha256(
        "|".join([str(FRAME_CACHE_VERSION), sha256, schema_for(source, file_name).fingerprint(),
                  pd.__version__, pyarrow.__version__]).encode()
    ).hexdigest()[:32]
    return paths.cache_dir() / "frames" / source / f"{Path(file_name).stem}-{key}.parquet"


def read_registered_csv(path: Path, source: str, file_name: str, sha256: str) -> pd.DataFrame:
    """The validated frame of a verified registered file, from the frame cache when it holds it.

    A miss reads and validates the CSV and stores the frame, written to a temporary file and
    renamed, so two processes filling the cache at once never see a half-written frame.
    """
    if os.environ.get(FRAME_CACHE_ENV_VAR, "").strip() == "0":
        return read_csv_validated(path, source, file_name)
    cached = frame_cache_path(source, file_name, sha256)
    if cached.is_file():
        try:
            return pd.read_parquet(cached)
        except (OSError, ValueError, pyarrow.ArrowException):
            cached.unlink(missing_ok=True)  # unreadable (e.g. a damaged disk block): rebuild it below
    frame = read_csv_validated(path, source, file_name)
    partial = cached.with_name(f".{cached.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(partial, index=False)
        partial.replace(cached)
    except OSError:
        pass  # a read-only or full cache only costs speed
    finally:
        partial.unlink(missing_ok=True)
    return frame


@dataclass(frozen=True)
class FileUse:
    """One file an analysis read: enough to cite it and to fetch it again. ``version`` is the vintage."""

    source: str
    file: str
    version: str
    sha256: str
    url: str
    license: str
    citation: str


@dataclass
class DataStore:
    """Where one analysis gets its data: real files (mirror, cache, download) or the synthetic twins.

    ``kind`` is ``"real"`` or ``"synthetic"``; every read is recorded in ``used`` for provenance.
    ``vintages`` selects older releases, e.g. ``{"aijobs_net_salaries": "2025-01-19"}``; it wins
    over ``TALENTMARKET_VINTAGES``, and every other source is read at its newest vintage. After
    construction it holds the vintage of every registered source.
    """

    data_dir: str | Path | None = None
    synthetic: bool = False
    seed: int = 20260101
    vintages: Mapping[str, str] | None = None
    used: dict[tuple[str, ...], FileUse] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vintages = selected_vintages(self.vintages)

    @property
    def kind(self) -> str:
        return "synthetic" if self.synthetic else "real"

    def path(self, source: str, file_name: str) -> Path:
        """Verified local path of a real file (not available in synthetic mode)."""
        if self.synthetic:
            raise DataUnavailableError(f"{source}/{file_name}: synthetic mode has no files on disk; use DataStore.read")
        found = fetch_file(source, file_name, self.data_dir, self.vintages[source])
        self._record(source, file_name)
        return found

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        """The validated frame of one file (or of its synthetic twin, same schema)."""
        if self.synthetic:
            from talentmarket.data.synthetic import synthetic_frame

            frame = synthetic_frame(source, file_name, self.seed)
            self._record(source, file_name)
            return validate_frame(frame, schema_for(source, file_name), f"{source}/{file_name} (synthetic)")
        entry = get_source(source).file(file_name, self.vintages[source])
        return read_registered_csv(self.path(source, file_name), source, file_name, entry.sha256)

    def read_many(self, source: str, file_names: Iterable[str]) -> pd.DataFrame:
        """Several files of one source with one schema, stacked."""
        return pd.concat([self.read(source, name) for name in file_names], ignore_index=True)

    def query(self, sql: str, tables: dict[str, tuple[str, list[str]]]) -> pd.DataFrame:
        """Run DuckDB SQL over source files without loading them into pandas first.

        ``tables`` maps a view name used in ``sql`` to ``(source, [file names])``;
        real files are scanned by DuckDB with the schema's column types, so the
        query works on files larger than memory. Synthetic twins are registered as frames.
        """
        con = duckdb.connect()
        try:
            for view, (source, file_names) in tables.items():
                if self.synthetic:
                    con.register(view, self.read_many(source, file_names))
                else:
                    self._register_scan(con, view, source, file_names)
            return con.execute(sql).df()
        except duckdb.ConversionException as error:
            raise DataValidationError(", ".join(s for s, _ in tables.values()), None, f"wrong type in a column: {error}") from None
        finally:
            con.close()

    def _register_scan(self, con: duckdb.DuckDBPyConnection, view: str, source: str, file_names: list[str]) -> None:
        file_paths = [self.path(source, name) for name in file_names]
        types = schema_for(source, file_names[0]).duckdb_types()
        headers = [csv_header(file_path, f"{source}/{file_path.name}") for file_path in file_paths]
        first = headers[0]
        for file_path, header in zip(file_paths, headers):
            missing = sorted(set(types) - set(header))
            if missing:
                raise DataValidationError(f"{source}/{file_path.name}", missing[0], f"missing column (found {sorted(header)})")
            if header != first:  # DuckDB stacks the files by position, so a reordered column would be misread
                raise DataValidationError(
                    f"{source}/{file_path.name}", None,
                    f"columns {header} differ from {first} of {file_paths[0].name}: give every file the same columns in the same order",
                )
        # Read as text in the dialect csv_header and pandas read (comma, double quotes doubled inside quotes),
        # with the columns of that header: naming the dialect and columns spares DuckDB's sniffer, which
        # samples every file again on each query and cost most of a query's time. Then type with the pandas
        # reader's rules: in text columns only an empty field is missing (NA is Namibia); in number and date
        # columns the missing markers are, and other text fails.
        con.read_csv(
            [str(p) for p in file_paths], header=True, auto_detect=False, delimiter=",", quotechar='"', escapechar='"',
            columns=dict.fromkeys(first, "VARCHAR"),
        ).create_view(f"{view}__text")
        markers = ", ".join("'" + marker.replace("'", "''") + "'" for marker in _NUMBER_MISSING if marker)
        typed = [f'CAST(CASE WHEN "{name}" IN ({markers}) THEN NULL ELSE "{name}" END AS {kind}) AS "{name}"'
                 for name, kind in types.items() if kind != "VARCHAR"]
        replace = f" REPLACE ({', '.join(typed)})" if typed else ""
        con.execute(f'CREATE VIEW "{view}" AS SELECT *{replace} FROM "{view}__text"')

    def _record(self, source: str, file_name: str) -> None:
        meta = get_source(source)
        vintage = self.vintages[source]
        entry = meta.file(file_name, vintage)
        self.used[(source, file_name)] = FileUse(
            source=source, file=file_name, version=vintage, sha256=entry.sha256,
            url=entry.url, license=meta.license, citation=meta.citation,
        )

    def record_own_file(self, path: str | Path) -> None:
        """Cite user-supplied data (bring your own) by name and sha256; its absolute path is not kept.

        Files are told apart by name and sha256, so two own files called ``salaries.csv`` in
        different folders are both cited. A directory of Parquet parts (large data) is cited by
        name only: hashing it would cost a full read.
        """
        own = Path(path).expanduser()
        if not own.exists():
            raise DataUnavailableError(f"own data {own} does not exist: check the path given to the notebook's parameters")
        digest = sha256_of(own) if own.is_file() else "not computed (directory)"
        use = FileUse(
            source=f"own:{own.stem}", file=own.name, version="user-supplied", sha256=digest,
            url=own.name, license="user-supplied", citation=f"user-supplied data {own.name}",
        )
        self.used[(use.source, use.file, digest if own.is_file() else str(own.resolve()))] = use

    def record_generated(self, name: str, citation: str) -> None:
        """Cite a synthetic generator that is not the twin of a registered source (e.g. a case with a
        known convergence pattern), so results list everything the numbers came from."""
        self.used[(f"generated:{name}", name)] = FileUse(
            source=f"generated:{name}", file=name, version=f"seed {self.seed}", sha256="not applicable (generated)",
            url=name, license="synthetic", citation=citation,
        )

    def provenance(self) -> list[dict[str, str]]:
        """Every file read so far, sorted, as plain dicts for results.json and the notebook."""
        return [vars(use) for _, use in sorted(self.used.items())]
