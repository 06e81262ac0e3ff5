"""The DuckDB side of the warehouse: schema, the files ledger, and the all-or-nothing load.

A run's rows arrive as Parquet parts in a run-specific staging folder. ``load_run`` applies them
in one transaction keyed on the table keys: every file the run processed has its previous
articles (and their paragraphs, mentions, name candidates) replaced, so re-running on unchanged
input changes nothing and a changed file replaces its article.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.schema import (
    ARTICLE_TABLES,
    ENTITIES,
    FILES,
    LEARN_OUTLET_CHROME,
    OUTLET_CHROME,
    REJECTS,
    RUNS,
    SCHEMA_VERSION,
    TABLES,
    VALIDATIONS,
    VIEWS,
)

DATABASE_NAME = "news.duckdb"
RUN_LOCK_NAME = ".newsetl-run.lock"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's write lock."""


class WarehouseTooNew(RuntimeError):
    """The warehouse was written by a newer newsetl than this one."""


@dataclass(frozen=True, slots=True)
class WarehousePaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    @property
    def parquet(self) -> Path:
        return self.root / "parquet"

    @property
    def staging(self) -> Path:
        return self.root / "parquet" / "_staging"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    def staging_for(self, run_id: str) -> Path:
        return self.staging / run_id

    def published_for(self, run_id: str, table: str) -> Path:
        return self.parquet / table / f"run_id={run_id}"


@contextlib.contextmanager
def run_lock(paths: WarehousePaths) -> Iterator[None]:
    """One run at a time per warehouse; a second one is refused with who holds the lock.

    An OS file lock: it goes away with the process, so a killed run never leaves it behind.
    """
    paths.root.mkdir(parents=True, exist_ok=True)
    with (paths.root / RUN_LOCK_NAME).open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise WarehouseBusy(
                f"another newsetl run is loading {paths.root} ({holder}); "
                "it was left alone: try again when it has finished"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    sha256: str | None
    size_bytes: int | None
    mtime_ns: int | None
    status: str


@contextlib.contextmanager
def connect(
    paths: WarehousePaths, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection; a lock held by another process becomes ``WarehouseBusy``."""
    if not read_only:
        paths.root.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(paths.database), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseBusy(
                f"the warehouse {paths.database} is in use by another process; try again later"
            ) from error
        raise
    try:
        yield connection
    finally:
        connection.close()


def migrate(connection: duckdb.DuckDBPyConnection) -> int:
    """Bring the warehouse to ``SCHEMA_VERSION`` in place; returns the version found before.

    Schema changes are additive (the stable names only ever grow): a missing table is created,
    a missing column is added (nullable, so old rows stay valid). Call inside a transaction or
    on a fresh connection; it is idempotent.
    """
    connection.execute(
        "CREATE TABLE IF NOT EXISTS warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
    )
    row = connection.execute(
        "SELECT value FROM warehouse_meta WHERE key = 'schema_version'"
    ).fetchone()
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise WarehouseTooNew(
            f"this warehouse has schema version {found}; this newsetl knows up to "
            f"{SCHEMA_VERSION}: upgrade newsetl"
        )
    existing = {
        (table, column)
        for table, column in connection.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
        ).fetchall()
    }
    existing_tables = {table for table, _ in existing}
    for table in TABLES:
        if table.name not in existing_tables:
            connection.execute(table.ddl())
            continue
        for column in table.columns:
            if (table.name, column.name) not in existing:
                connection.execute(
                    f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {column.sql}'
                )
    for name, query in VIEWS.items():
        connection.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")
    if found != SCHEMA_VERSION:
        connection.execute(
            "INSERT OR REPLACE INTO warehouse_meta VALUES ('schema_version', ?)",
            [str(SCHEMA_VERSION)],
        )
    return found


def _table_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }


def read_ledger(paths: WarehousePaths) -> dict[str, LedgerEntry]:
    if not paths.database.exists():
        return {}
    with connect(paths, read_only=True) as connection:
        if "files" not in _table_names(connection):
            return {}
        rows = connection.execute(
            "SELECT path, sha256, size_bytes, mtime_ns, status FROM files"
        ).fetchall()
    return {path: LedgerEntry(sha, size, mtime, status) for path, sha, size, mtime, status in rows}


def learned_outlet_chrome(paths: WarehousePaths) -> dict[str, frozenset[str]]:
    """Outlet -> the normalised lines learned to be its chrome."""
    if not paths.database.exists():
        return {}
    with connect(paths, read_only=True) as connection:
        if OUTLET_CHROME.name not in _table_names(connection):
            return {}
        rows = connection.execute(f"SELECT outlet, line_key FROM {OUTLET_CHROME.name}").fetchall()
    learned: dict[str, set[str]] = {}
    for outlet, key in rows:
        learned.setdefault(outlet, set()).add(key)
    return {outlet: frozenset(keys) for outlet, keys in learned.items()}


def loaded_hashes(ledger: Mapping[str, LedgerEntry]) -> dict[str, str]:
    """Content hash -> path of the file that was loaded with it (for duplicate detection)."""
    first: dict[str, str] = {}
    for path, entry in ledger.items():
        if entry.status == "loaded" and entry.sha256 and path < first.get(entry.sha256, "\uffff"):
            first[entry.sha256] = path
    return first


def _parquet_glob(folder: Path) -> str:
    return str(folder / "*.parquet")


def load_run(
    paths: WarehousePaths,
    run_id: str,
    *,
    entities: pa.Table,
    run_row: pa.Table,
    validations: pa.Table,
) -> None:
    """Apply a staged run in one transaction; the staging folder is published after commit."""
    staging = paths.staging_for(run_id)
    with connect(paths) as connection:
        connection.execute("BEGIN TRANSACTION")
        try:
            migrate(connection)
            files_part = staging / FILES.name
            if any(files_part.glob("*.parquet")):
                connection.execute(
                    "CREATE TEMP TABLE run_files AS SELECT * FROM read_parquet(?)",
                    [_parquet_glob(files_part)],
                )
                # Every processed file loses its previous articles; the new ones come next.
                connection.execute(
                    "CREATE TEMP TABLE replaced_docs AS SELECT doc_id FROM documents "
                    "WHERE source_path IN (SELECT path FROM run_files)"
                )
                for table in ARTICLE_TABLES:
                    connection.execute(
                        f"DELETE FROM {table.name} "
                        "WHERE doc_id IN (SELECT doc_id FROM replaced_docs)"
                    )
                connection.execute("INSERT OR REPLACE INTO files SELECT * FROM run_files")
                for table in ARTICLE_TABLES:
                    part = staging / table.name
                    if any(part.glob("*.parquet")):
                        columns = ", ".join(f'"{c}"' for c in table.column_names)
                        connection.execute(
                            f"INSERT OR REPLACE INTO {table.name} ({columns}) "
                            f"SELECT {columns} FROM read_parquet(?)",
                            [_parquet_glob(part)],
                        )
                rejects_part = staging / REJECTS.name
                if any(rejects_part.glob("*.parquet")):
                    connection.execute(
                        f"INSERT OR REPLACE INTO {REJECTS.name} SELECT * FROM read_parquet(?)",
                        [_parquet_glob(rejects_part)],
                    )
                # What recurs across an outlet's pages, relearned from everything now loaded.
                connection.execute(f"DELETE FROM {OUTLET_CHROME.name}")
                connection.execute(
                    f"INSERT INTO {OUTLET_CHROME.name} {LEARN_OUTLET_CHROME}", [run_id]
                )
                connection.execute("DROP TABLE run_files")
                connection.execute("DROP TABLE replaced_docs")
            connection.register("entities_in", entities)
            connection.execute(f"DELETE FROM {ENTITIES.name}")
            connection.execute(f"INSERT INTO {ENTITIES.name} SELECT * FROM entities_in")
            connection.register("validations_in", validations)
            connection.execute(
                f"INSERT OR REPLACE INTO {VALIDATIONS.name} SELECT * FROM validations_in"
            )
            connection.register("run_in", run_row)
            connection.execute(f"INSERT OR REPLACE INTO {RUNS.name} SELECT * FROM run_in")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    publish_staging(paths, run_id)


def publish_staging(paths: WarehousePaths, run_id: str) -> None:
    """Move a committed run's Parquet parts from staging to ``parquet/<table>/run_id=<id>/``."""
    staging = paths.staging_for(run_id)
    if not staging.exists():
        return
    for table_dir in staging.iterdir():
        if table_dir.is_dir() and any(table_dir.iterdir()):
            target = paths.published_for(run_id, table_dir.name)
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            table_dir.replace(target)
    shutil.rmtree(staging, ignore_errors=True)


def recover_staging(paths: WarehousePaths) -> list[str]:
    """Finish or discard what a crashed run left in staging; returns the run ids discarded.

    A staged run that committed (it has a ``runs`` row) is published; any other is dropped, so
    the next run redoes its work from the ledger.
    """
    # Half-written files of a killed run (reports, Parquet parts) are written as *.tmp first.
    for leftover in paths.root.glob("*/**/*.tmp"):
        leftover.unlink(missing_ok=True)
    if not paths.staging.exists():
        return []
    committed: set[str] = set()
    if paths.database.exists():
        with connect(paths, read_only=True) as connection:
            if RUNS.name in _table_names(connection):
                committed = {r[0] for r in connection.execute("SELECT run_id FROM runs").fetchall()}
    discarded = []
    for run_dir in sorted(paths.staging.iterdir()):
        if run_dir.name in committed:
            publish_staging(paths, run_dir.name)
        else:
            shutil.rmtree(run_dir, ignore_errors=True)
            discarded.append(run_dir.name)
    return discarded
