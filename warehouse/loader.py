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
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

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

logger = logging.getLogger(__name__)

DATABASE_NAME = "news.duckdb"
RUN_LOCK_NAME = ".newsetl-run.lock"
#: The most DuckDB may hold in memory while loading a run (``NEWSETL_LOAD_MEMORY_LIMIT``).
DEFAULT_LOAD_MEMORY_LIMIT = "1GB"
#: Where the load's cap starts. It doubles each time DuckDB runs out, up to the limit: a
#: usual load stays at the start (the cap is most of what the load adds to the run's memory),
#: and a warehouse whose indexes outgrow it still loads.
LOAD_MEMORY_START = "128MB"
#: Where DuckDB spills while loading (it removes its files when done).
SPILL_DIR_NAME = ".duckdb-spill"


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse's write lock."""


class LoadOutOfMemory(RuntimeError):
    """DuckDB needed more memory than the load may use (``NEWSETL_LOAD_MEMORY_LIMIT``)."""


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

    @property
    def run_indexes(self) -> Path:
        """Scratch: a running run's per-file index (``flows.run_index``), removed at its end."""
        return self.root / ".run-index"

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
    _drop_unindexed_keys(connection)
    for name, query in VIEWS.items():
        connection.execute(f"CREATE OR REPLACE VIEW {name} AS {query}")
    if found != SCHEMA_VERSION:
        connection.execute(
            "INSERT OR REPLACE INTO warehouse_meta VALUES ('schema_version', ?)",
            [str(SCHEMA_VERSION)],
        )
    return found


def _drop_unindexed_keys(connection: duckdb.DuckDBPyConnection) -> None:
    """Rebuild without its primary key a table whose key is no longer indexed (schema 3:
    ``paragraphs``, ``mentions``); DuckDB cannot drop a primary key in place."""
    with_primary_key = {
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    for table in TABLES:
        if table.indexed_key or table.name not in with_primary_key:
            continue
        kept = f"{table.name}__before_v{SCHEMA_VERSION}"
        connection.execute(f"ALTER TABLE {table.name} RENAME TO {kept}")
        connection.execute(table.ddl())
        columns = ", ".join(f'"{c}"' for c in table.column_names)
        connection.execute(f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {kept}")
        connection.execute(f"DROP TABLE {kept}")


def _table_names(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
    }


def ledger_chunks(paths: WarehousePaths, rows: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    """The files ledger, what each file was when last judged, ``rows`` at a time:
    (path, sha256, size_bytes, mtime_ns, status), the last four a ``LedgerEntry``."""
    if not paths.database.exists():
        return
    with connect(paths, read_only=True) as connection:
        if FILES.name not in _table_names(connection):
            return
        result = connection.execute(
            f"SELECT path, sha256, size_bytes, mtime_ns, status FROM {FILES.name}"
        )
        while chunk := result.fetchmany(rows):
            yield chunk


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


#: A memory size as DuckDB takes it: ``256MB``, ``1GB``, ``1.5GiB``, ``512 MB``.
_MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT])(i?)B", flags=re.IGNORECASE)


def memory_size_bytes(value: str) -> int:
    """A DuckDB memory size in bytes: ``KB``... are powers of 1000, ``KiB``... of 1024, as
    DuckDB reads them."""
    match = _MEMORY_SIZE.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a memory size: {value!r}")
    number, unit, binary = match.groups()
    return int(float(number) * (1024 if binary else 1000) ** ("KMGT".index(unit.upper()) + 1))


@dataclass(slots=True)
class _MemoryCap:
    """The load's DuckDB memory cap: from ``LOAD_MEMORY_START``, doubled on demand up to the
    limit."""

    current: int
    ceiling: int

    def grow(self) -> bool:
        """Double the cap, up to the ceiling; False when it is there already."""
        if self.current >= self.ceiling:
            return False
        self.current = min(2 * self.current, self.ceiling)
        return True

    def apply(self, connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute(f"SET memory_limit = '{self.current}B'")


def _with_headroom(
    connection: duckdb.DuckDBPyConnection, cap: _MemoryCap, step: Callable[[], None]
) -> None:
    """Run ``step`` (a transaction, or a checkpoint: safe to run again once it failed), with
    a larger cap each time DuckDB runs out, until the limit."""
    while True:
        try:
            step()
            return
        except duckdb.OutOfMemoryException:
            if not cap.grow():
                raise
            logger.info("the load ran out of memory; its cap is now %d MB", cap.current >> 20)
            cap.apply(connection)


def load_memory_limit() -> str:
    """The most DuckDB may use while loading a run (``NEWSETL_LOAD_MEMORY_LIMIT``, e.g. ``1GB``);
    the load's cap starts at ``LOAD_MEMORY_START`` and grows up to it."""
    value = os.environ.get("NEWSETL_LOAD_MEMORY_LIMIT", DEFAULT_LOAD_MEMORY_LIMIT).strip()
    if not _MEMORY_SIZE.fullmatch(value):
        raise ValueError(f"NEWSETL_LOAD_MEMORY_LIMIT must look like 256MB or 1GB, not {value!r}")
    return value


#: WAL size at which the load checkpoints (see ``load_run``).
LOAD_CHECKPOINT_THRESHOLD = "1GB"


def load_run(
    paths: WarehousePaths,
    run_id: str,
    *,
    entities: pa.Table,
    run_row: pa.Table,
    validations: pa.Table,
) -> None:
    """Apply a staged run: batch by batch, then the run's own rows.

    Each staged batch is one transaction together with its files' ledger rows, so DuckDB holds
    one batch, not the run (a single transaction for a whole run grows with it: about 1 GB for
    10,000 articles, and out of memory under any cap at a few tens of thousands). A run killed
    during its load keeps the batches it committed: their files are then unchanged to the next
    run, which redoes only the rest (``recover_staging``). The run's row, its validations, the
    entities and the relearned outlet chrome come last, in one transaction.
    """
    limit = load_memory_limit()
    ceiling = memory_size_bytes(limit)
    # Most of what the load adds to the run's memory is DuckDB's cap: it starts low and grows
    # only for a warehouse that needs it (its key indexes grow with it).
    cap = _MemoryCap(min(memory_size_bytes(LOAD_MEMORY_START), ceiling), ceiling)
    try:
        _apply_staged_run(paths, run_id, cap, entities, run_row, validations)
    except duckdb.OutOfMemoryException as error:
        raise LoadOutOfMemory(
            f"loading run {run_id} needed more memory than NEWSETL_LOAD_MEMORY_LIMIT={limit}. "
            "The batches it committed are kept, and the next run processes the other files "
            "again: raise the limit (NEWSETL_LOAD_MEMORY_LIMIT=4GB, say) and run again."
        ) from error


def _apply_staged_run(
    paths: WarehousePaths,
    run_id: str,
    cap: _MemoryCap,
    entities: pa.Table,
    run_row: pa.Table,
    validations: pa.Table,
) -> None:
    staging = paths.staging_for(run_id)
    with connect(paths) as connection:
        # Capped, DuckDB spills to disk instead of growing with the batch; one thread keeps it
        # from thrashing at the cap (two were no faster).
        cap.apply(connection)
        connection.execute("SET temp_directory = ?", [str(paths.root / SPILL_DIR_NAME)])
        connection.execute("SET threads = 1")
        # At DuckDB's default (16 MB of WAL) nearly every batch's commit also checkpointed,
        # rewriting the tables' grown indexes each time: 60 % of a 10,000-article load, and a
        # database file 1.8x the size. Commits still reach the WAL on disk (a killed load
        # replays it); the checkpoint comes at close, or once per gigabyte of WAL.
        connection.execute(f"SET checkpoint_threshold = '{LOAD_CHECKPOINT_THRESHOLD}'")
        _with_headroom(connection, cap, partial(_atomically, connection, migrate))
        batches = staged_batches(staging)
        for batch in batches:
            step = partial(_atomically, connection, _load_batch, staging, batch)
            _with_headroom(connection, cap, step)
            _publish_batch(paths, run_id, batch)
        # The batches' rows, committed but not yet checkpointed, sit in DuckDB's memory (see
        # the checkpoint threshold above) and leave the relearning below too little of it.
        _with_headroom(connection, cap, partial(_checkpoint, connection))
        finish = partial(
            _atomically,
            connection,
            _finish_run,
            run_id,
            bool(batches),
            entities,
            run_row,
            validations,
        )
        _with_headroom(connection, cap, finish)
    publish_staging(paths, run_id)


def _atomically(
    connection: duckdb.DuckDBPyConnection,
    step: Callable[..., object],
    *arguments: Any,
) -> None:
    with _transaction(connection):
        step(connection, *arguments)


def _checkpoint(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("CHECKPOINT")


def _finish_run(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    loaded_batches: bool,
    entities: pa.Table,
    run_row: pa.Table,
    validations: pa.Table,
) -> None:
    """The run's own rows, and the outlet chrome relearned from everything loaded."""
    if loaded_batches:
        # What recurs across an outlet's pages, relearned from everything now loaded.
        connection.execute(f"DELETE FROM {OUTLET_CHROME.name}")
        connection.execute(f"INSERT INTO {OUTLET_CHROME.name} {LEARN_OUTLET_CHROME}", [run_id])
    connection.register("entities_in", entities)
    connection.execute(f"DELETE FROM {ENTITIES.name}")
    connection.execute(f"INSERT INTO {ENTITIES.name} SELECT * FROM entities_in")
    connection.register("validations_in", validations)
    connection.execute(f"INSERT OR REPLACE INTO {VALIDATIONS.name} SELECT * FROM validations_in")
    connection.register("run_in", run_row)
    connection.execute(f"INSERT OR REPLACE INTO {RUNS.name} SELECT * FROM run_in")


@contextlib.contextmanager
def _transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    connection.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def staged_batches(staging: Path) -> list[str]:
    """The part names (``part-00003.parquet``) of a run's staged batches, in order.

    Every batch stages a ``files`` part (a batch is a list of files), so its name is the batch's.
    """
    return sorted(part.name for part in (staging / FILES.name).glob("*.parquet"))


def _load_batch(connection: duckdb.DuckDBPyConnection, staging: Path, batch: str) -> None:
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE batch_files AS SELECT * FROM read_parquet(?)",
        [str(staging / FILES.name / batch)],
    )
    # Every file of the batch loses its previous articles; the new ones come next. (A doc_id
    # comes from its file's path, so this also keeps the key of tables without a key index.)
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE replaced_docs AS SELECT doc_id FROM documents "
        "WHERE source_path IN (SELECT path FROM batch_files)"
    )
    replaced = connection.execute("SELECT count(*) FROM replaced_docs").fetchone()
    if replaced is not None and replaced[0]:
        # Only files seen before have rows to drop: a new file's batch skips scanning
        # tables that grow with the archive.
        for table in ARTICLE_TABLES:
            connection.execute(
                f"DELETE FROM {table.name} WHERE doc_id IN (SELECT doc_id FROM replaced_docs)"
            )
    connection.execute("INSERT OR REPLACE INTO files SELECT * FROM batch_files")
    for table in (*ARTICLE_TABLES, REJECTS):
        part = staging / table.name / batch
        if part.exists():
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            insert = "INSERT OR REPLACE" if table.indexed_key else "INSERT"
            connection.execute(
                f"{insert} INTO {table.name} ({columns}) SELECT {columns} FROM read_parquet(?)",
                [str(part)],
            )
    connection.execute("DROP TABLE batch_files")
    connection.execute("DROP TABLE replaced_docs")


def _publish_batch(paths: WarehousePaths, run_id: str, batch: str) -> None:
    """Move one committed batch's parts to ``parquet/<table>/run_id=<id>/``."""
    staging = paths.staging_for(run_id)
    for table_dir in staging.iterdir():
        part = table_dir / batch
        if table_dir.is_dir() and part.exists():
            target = paths.published_for(run_id, table_dir.name)
            target.mkdir(parents=True, exist_ok=True)
            part.replace(target / batch)


def publish_staging(paths: WarehousePaths, run_id: str) -> None:
    """Publish whatever a committed run still has in staging, then remove its staging folder."""
    staging = paths.staging_for(run_id)
    if not staging.exists():
        return
    batches = {part.name for part in staging.glob("*/*.parquet")}
    for batch in sorted(batches):
        _publish_batch(paths, run_id, batch)
    shutil.rmtree(staging, ignore_errors=True)


def _committed_batches(
    connection: duckdb.DuckDBPyConnection, staging: Path, run_id: str
) -> list[str]:
    """The staged batches of an unfinished run that its load committed: their files' ledger
    rows carry the run's id (a batch's files are written in the batch's transaction)."""
    committed = []
    for batch in staged_batches(staging):
        row = connection.execute(
            "SELECT count(*) FROM files WHERE run_id = ? "
            "AND path IN (SELECT path FROM read_parquet(?))",
            [run_id, str(staging / FILES.name / batch)],
        ).fetchone()
        if row is not None and row[0] > 0:
            committed.append(batch)
    return committed


def recover_staging(paths: WarehousePaths) -> list[str]:
    """Finish or discard what a crashed run left in staging; returns the run ids discarded.

    A staged run that finished (it has a ``runs`` row) is published. Of any other, the batches
    its load committed are published and the rest is dropped, so the next run redoes that work
    from the ledger.
    """
    # Half-written files of a killed run (reports, Parquet parts) are written as *.tmp first.
    for leftover in paths.root.glob("*/**/*.tmp"):
        leftover.unlink(missing_ok=True)
    if not paths.staging.exists():
        return []
    finished: set[str] = set()
    partly_loaded: dict[str, list[str]] = {}
    if paths.database.exists():
        with connect(paths, read_only=True) as connection:
            tables = _table_names(connection)
            if RUNS.name in tables:
                finished = {r[0] for r in connection.execute("SELECT run_id FROM runs").fetchall()}
            if FILES.name in tables:
                for run_dir in sorted(paths.staging.iterdir()):
                    if run_dir.is_dir() and run_dir.name not in finished:
                        partly_loaded[run_dir.name] = _committed_batches(
                            connection, run_dir, run_dir.name
                        )
    discarded = []
    for run_dir in sorted(paths.staging.iterdir()):
        if run_dir.name in finished:
            publish_staging(paths, run_dir.name)
            continue
        for batch in partly_loaded.get(run_dir.name, []):
            _publish_batch(paths, run_dir.name, batch)
        shutil.rmtree(run_dir, ignore_errors=True)
        discarded.append(run_dir.name)
    return discarded
