"""Find, verify and read source files; hand back validated, typed frames.

Resolution order for a registered file:
1. an explicit ``data_dir`` argument (a mirror laid out as ``<source>/<file>``);
2. the directory named by ``TALENTMARKET_DATA_DIR``;
3. the user cache (files downloaded before, re-checked against their sha256);
4. a download from the pinned URL, hash-checked before it enters the cache.

A :class:`DataStore` ties one analysis to one origin of data — real files or the
seeded synthetic twins — and records every file it served, so results can cite
exactly what they were computed from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path

import duckdb
import pandas as pd
import pooch
import requests

from talentmarket import paths
from talentmarket.data.schemas import schema_for, validate_frame
from talentmarket.data.sources import DataFile, get_source
from talentmarket.errors import DataUnavailableError, DataValidationError

DOWNLOAD_TIMEOUT_SECONDS = 60
pooch.get_logger().setLevel("WARNING")  # its per-file INFO lines would print cache paths into notebook outputs
MISSING_MARKERS = ["NA", "-"]
"""Text that marks a missing value in the source files (Indeed writes NA, BLS writes -)."""

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


def fetch_file(source: str, file_name: str, data_dir: str | Path | None = None) -> Path:
    """Local path of a registered file, verified against its pinned sha256.

    Raises DataValidationError when a mirror holds different bytes than registered
    and DataUnavailableError when the file cannot be found or downloaded.
    """
    entry = get_source(source).file(file_name)
    for mirror in (Path(data_dir).expanduser() if data_dir else None, paths.mirror_dir()):
        if mirror is not None and (mirror / source / file_name).is_file():
            return _verified_mirror_file(mirror / source / file_name, entry, source)
    return _download(source, entry)


@cache
def _mirror_hash(path: Path, size: int, mtime_ns: int) -> str:
    """sha256 of a mirror file, remembered per (path, size, mtime) within one process."""
    return sha256_of(path)


def _verified_mirror_file(path: Path, entry: DataFile, source: str) -> Path:
    stat = path.stat()
    actual = _mirror_hash(path.resolve(), stat.st_size, stat.st_mtime_ns)
    if actual != entry.sha256:
        raise DataValidationError(
            source, None,
            f"mirror file {path} has sha256 {actual}, expected {entry.sha256} (version {entry.version}). "
            "The mirror holds another version of this file: replace it with the pinned one, "
            "or pass your own data through the notebook's bring-your-own-data parameters.",
        )
    return path


def _download(source: str, entry: DataFile) -> Path:
    """Download into the cache via pooch: written to a temporary file and kept only if its hash matches.

    Files extracted from an archive are built next to the cached archive, checked
    against their own sha256, and only then moved into place.
    """
    target_dir = paths.cache_dir() / source
    try:
        if entry.extract is None:
            return _retrieve(entry.url, entry.sha256, entry.name, target_dir)
        archive = _retrieve(entry.url, entry.archive_sha256, entry.url.rsplit("/", 1)[-1], target_dir)
        return _extract_verified(source, entry, archive, target_dir)
    except ValueError as error:  # pooch's hash mismatch; the bad download was already removed
        if isinstance(error, DataValidationError):
            raise
        raise DataValidationError(
            source, None,
            f"download of {entry.name} from {entry.url} does not match its pinned sha256 "
            f"(corrupt, truncated or changed upstream); nothing was cached. Details: {error}",
        ) from None
    except (requests.RequestException, OSError) as error:
        raise DataUnavailableError(
            f"cannot get {source}/{entry.name}: not in a mirror or the cache, and downloading {entry.url} "
            f"failed ({type(error).__name__}: {error}). {_HOW_TO_FIX}"
        ) from None


def _retrieve(url: str, sha256: str | None, file_name: str, target_dir: Path) -> Path:
    return Path(
        pooch.retrieve(
            url=url,
            known_hash=f"sha256:{sha256}",
            fname=file_name,
            path=target_dir,
            downloader=pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT_SECONDS, progressbar=False),
            progressbar=False,
        )
    )


def _extract_verified(source: str, entry: DataFile, archive: Path, target_dir: Path) -> Path:
    target = target_dir / entry.name
    if target.is_file() and sha256_of(target) == entry.sha256:
        return target
    module_name, function_name = entry.extract.split(":")
    extract = getattr(import_module(module_name), function_name)
    partial = target.with_name(target.name + ".partial")
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


def read_csv_validated(path: str | Path, source: str, file_name: str) -> pd.DataFrame:
    """Read a CSV and validate it against the schema registered for ``source``/``file_name``."""
    schema = schema_for(source, file_name)
    text_columns = {name: str for name, column in schema.columns.items() if column.kind == "str"}
    try:
        # Text columns stay text (codes keep leading zeros); "NA" and OEWS's "-" mean missing.
        frame = pd.read_csv(path, na_values=MISSING_MARKERS, keep_default_na=True, dtype=text_columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(source, None, f"{file_name} is not a readable CSV: {error}") from None
    return validate_frame(frame, schema, f"{source}/{file_name}")


@dataclass(frozen=True)
class FileUse:
    """One file an analysis read: enough to cite it and to fetch it again."""

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
    """

    data_dir: str | Path | None = None
    synthetic: bool = False
    seed: int = 20260101
    used: dict[tuple[str, str], FileUse] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "synthetic" if self.synthetic else "real"

    def path(self, source: str, file_name: str) -> Path:
        """Verified local path of a real file (not available in synthetic mode)."""
        if self.synthetic:
            raise DataUnavailableError(f"{source}/{file_name}: synthetic mode has no files on disk; use DataStore.read")
        found = fetch_file(source, file_name, self.data_dir)
        self._record(source, file_name)
        return found

    def read(self, source: str, file_name: str) -> pd.DataFrame:
        """The validated frame of one file (or of its synthetic twin, same schema)."""
        if self.synthetic:
            from talentmarket.data.synthetic import synthetic_frame

            frame = synthetic_frame(source, file_name, self.seed)
            self._record(source, file_name)
            return validate_frame(frame, schema_for(source, file_name), f"{source}/{file_name} (synthetic)")
        return read_csv_validated(self.path(source, file_name), source, file_name)

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
        for file_path in file_paths:
            header = con.execute("SELECT * FROM read_csv(?, header=true, all_varchar=true) LIMIT 0", [str(file_path)]).df()
            missing = sorted(set(types) - set(header.columns))
            if missing:
                raise DataValidationError(f"{source}/{file_path.name}", missing[0], f"missing column (found {sorted(header.columns)})")
        relation = con.read_csv([str(p) for p in file_paths], header=True, dtype=types, na_values=[*MISSING_MARKERS, ""])
        relation.create_view(view)

    def _record(self, source: str, file_name: str) -> None:
        meta = get_source(source)
        entry = meta.file(file_name)
        self.used[(source, file_name)] = FileUse(
            source=source, file=file_name, version=entry.version, sha256=entry.sha256,
            url=entry.url, license=meta.license, citation=meta.citation,
        )

    def record_own_file(self, path: str | Path) -> None:
        """Cite user-supplied data (bring your own) by name and sha256; its absolute path is not kept.

        A directory of Parquet parts (large data) is cited by name only: hashing it would
        cost a full read.
        """
        own = Path(path)
        digest = sha256_of(own) if own.is_file() else "not computed (directory)"
        self.used[(f"own:{own.stem}", own.name)] = FileUse(
            source=f"own:{own.stem}", file=own.name, version="user-supplied", sha256=digest,
            url=own.name, license="user-supplied", citation=f"user-supplied data {own.name}",
        )

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
