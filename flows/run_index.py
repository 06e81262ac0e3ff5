"""What a run knows per file, kept on disk instead of in memory.

For every file of the raw folder a run needs its change status against the warehouse's files
ledger, the manifest's hints, and, for duplicate detection, the first path seen with each
content hash. As Python objects these grow with the folder: ~0.8 KB a file, 83 MB at 100,000
files (listing 29 MB, manifest 36 MB, hashes 18 MB) and most of a gigabyte at a million, on top
of the transforms. Here they live in a scratch SQLite database under the warehouse (one per run,
removed when the run ends), and the run holds one batch of them at a time plus SQLite's page
cache.

The maps are plain ``Mapping`` / ``MutableMapping`` objects, so ``scan_folder``, ``read_files``
and ``mark_duplicates`` take a dict in tests and a table here.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from flows.extract import FileScan, Manifest, iter_manifest, scan_folder
from transforms.records import SourceHints
from warehouse.loader import LedgerEntry, WarehousePaths, ledger_chunks

#: Rows per ``executemany`` and per fetch from the warehouse.
CHUNK_ROWS = 10_000
#: SQLite's page cache for the index, in KiB (its memory, whatever the folder's size).
PAGE_CACHE_KIB = 8_192
#: Changes a run processes; "unchanged" files are only counted.
PENDING_CHANGES = ("new", "changed", "unreadable")

_SCHEMA = """
CREATE TABLE ledger (
    path TEXT PRIMARY KEY, sha256 TEXT, size_bytes INTEGER, mtime_ns INTEGER, status TEXT
) WITHOUT ROWID;
CREATE TABLE hints (
    path TEXT PRIMARY KEY, url TEXT, title TEXT, outlet TEXT, published TEXT, author TEXT
) WITHOUT ROWID;
CREATE TABLE first_seen (sha256 TEXT PRIMARY KEY, path TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE scans (
    seq INTEGER PRIMARY KEY, path TEXT NOT NULL, size_bytes INTEGER, mtime_ns INTEGER,
    source_format TEXT, change TEXT NOT NULL, reason TEXT NOT NULL
);
"""

_Value = TypeVar("_Value")


class DiskMap(MutableMapping[str, _Value], Generic[_Value]):
    """A str-keyed map kept in one table of the index (``path`` or ``sha256`` is the key)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        table: str,
        key: str,
        columns: tuple[str, ...],
        decode: Callable[..., _Value],
        encode: Callable[[_Value], tuple[Any, ...]],
    ) -> None:
        self._connection = connection
        self._decode = decode
        self._encode = encode
        names = ", ".join(columns)
        self._select = f"SELECT {names} FROM {table} WHERE {key} = ?"
        self._upsert = (
            f"INSERT OR REPLACE INTO {table} ({key}, {names}) VALUES (?{', ?' * len(columns)})"
        )
        self._insert_new = (
            f"INSERT OR IGNORE INTO {table} ({key}, {names}) VALUES (?{', ?' * len(columns)})"
        )
        self._delete = f"DELETE FROM {table} WHERE {key} = ?"
        self._keys = f"SELECT {key} FROM {table} ORDER BY {key}"
        self._count = f"SELECT COUNT(*) FROM {table}"

    def __getitem__(self, key: str) -> _Value:
        row = self._connection.execute(self._select, (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return self._decode(*row)

    def __setitem__(self, key: str, value: _Value) -> None:
        self._connection.execute(self._upsert, (key, *self._encode(value)))

    def __delitem__(self, key: str) -> None:
        if self._connection.execute(self._delete, (key,)).rowcount == 0:
            raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (row[0] for row in self._connection.execute(self._keys))

    def __len__(self) -> int:
        return int(self._connection.execute(self._count).fetchone()[0])

    def setdefault(self, key: str, default: _Value) -> _Value:
        # One statement for the common case (a hash not seen before), not a lookup and a write.
        if self._connection.execute(self._insert_new, (key, *self._encode(default))).rowcount:
            return default
        return self[key]

    def put_many(self, items: Iterable[tuple[str, _Value]]) -> None:
        for chunk in _chunks(((k, *self._encode(v)) for k, v in items), CHUNK_ROWS):
            self._connection.executemany(self._upsert, chunk)


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _hints_row(hints: SourceHints) -> tuple[Any, ...]:
    return (hints.url, hints.title, hints.outlet, hints.published, hints.author)


def _ledger_row(entry: LedgerEntry) -> tuple[Any, ...]:
    return (entry.sha256, entry.size_bytes, entry.mtime_ns, entry.status)


def _same(value: str) -> str:
    return value


def _one(value: str) -> tuple[str]:
    return (value,)


class RunIndex:
    """A run's per-file state in ``path`` (a scratch SQLite file): see the module's docstring.

    ``RunIndex.build`` fills it from the warehouse's ledger, the raw folder and its manifest;
    the run then reads its pending files batch by batch (``pending_batches``), their hints
    (``manifest``) and records content hashes as it reads (``first_seen``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # Used by one thread at a time, but not always the one that built it (Prefect may run
        # a task in a thread of its own).
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode = OFF",  # scratch: a killed run's index is deleted, never replayed
            "synchronous = OFF",
            f"cache_size = -{PAGE_CACHE_KIB}",
            "temp_store = FILE",
        ):
            self._connection.execute(f"PRAGMA {pragma}")
        self.ledger: DiskMap[LedgerEntry] = DiskMap(
            self._connection,
            "ledger",
            "path",
            ("sha256", "size_bytes", "mtime_ns", "status"),
            LedgerEntry,
            _ledger_row,
        )
        self.hints: DiskMap[SourceHints] = DiskMap(
            self._connection,
            "hints",
            "path",
            ("url", "title", "outlet", "published", "author"),
            SourceHints,
            _hints_row,
        )
        #: Content hash -> the first path read with it (this run, or loaded before).
        self.first_seen: DiskMap[str] = DiskMap(
            self._connection, "first_seen", "sha256", ("path",), _same, _one
        )

    @classmethod
    def build(cls, path: Path, raw_dir: Path, paths: WarehousePaths) -> RunIndex:
        """A new index (replacing any file at ``path``) of ``raw_dir`` against the warehouse."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        index = cls(path)
        try:
            index._connection.executescript(_SCHEMA)
            with index.writing():
                index._copy_ledger(paths)
                # Content loaded before: a copy under another name is a duplicate of it.
                index._connection.execute(
                    "INSERT INTO first_seen SELECT sha256, MIN(path) FROM ledger "
                    "WHERE status = 'loaded' AND sha256 IS NOT NULL GROUP BY sha256"
                )
                index.hints.put_many(iter_manifest(raw_dir))
                index._add_scans(scan_folder(raw_dir, index.ledger))
        except BaseException:
            index.remove()
            raise
        return index

    def _copy_ledger(self, paths: WarehousePaths) -> None:
        for rows in ledger_chunks(paths, CHUNK_ROWS):
            self._connection.executemany("INSERT INTO ledger VALUES (?, ?, ?, ?, ?)", rows)

    def _add_scans(self, scans: Iterable[FileScan]) -> None:
        rows = (
            (s.path, s.size_bytes, s.mtime_ns, s.source_format, s.change, s.reason) for s in scans
        )
        for chunk in _chunks(rows, CHUNK_ROWS):
            self._connection.executemany(
                "INSERT INTO scans (path, size_bytes, mtime_ns, source_format, change, reason) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                chunk,
            )

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Many writes as one transaction (one write to the file, not one per row). With no
        journal there is no rollback: an index that failed half-way is thrown away."""
        self._connection.execute("BEGIN")
        try:
            yield
        finally:
            self._connection.execute("COMMIT")

    @property
    def manifest(self) -> Manifest:
        return Manifest(self.hints)

    def change_counts(self) -> Counter[str]:
        """Files per change status ("new", "changed", "unchanged", "unreadable")."""
        rows = self._connection.execute("SELECT change, COUNT(*) FROM scans GROUP BY change")
        return Counter({change: count for change, count in rows})

    def pending_batches(self, size: int) -> Iterator[tuple[FileScan, ...]]:
        """The files to process, in the folder's order, ``size`` at a time."""
        marks = ", ".join("?" * len(PENDING_CHANGES))
        query = (
            "SELECT seq, path, size_bytes, mtime_ns, source_format, change, reason FROM scans "
            f"WHERE seq > ? AND change IN ({marks}) ORDER BY seq LIMIT ?"
        )
        after = 0
        while rows := self._connection.execute(query, (after, *PENDING_CHANGES, size)).fetchall():
            after = rows[-1][0]
            yield tuple(FileScan(*row[1:]) for row in rows)

    def close(self) -> None:
        self._connection.close()

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
