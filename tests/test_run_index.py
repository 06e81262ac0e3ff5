"""The run's per-file index on disk: the same answers as the in-memory scan, manifest and hash
map it replaces, for a warehouse with a ledger and a folder with every kind of change."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.extract import read_manifest, scan_folder
from flows.news_etl import mark_duplicates
from flows.run_index import PENDING_CHANGES, DiskMap, RunIndex
from tests.test_extract import ENGLISH
from warehouse.loader import LedgerEntry, WarehousePaths, connect, migrate


def _warehouse_with_ledger(
    root: Path, rows: list[tuple[str, str | None, int, int, str]]
) -> WarehousePaths:
    paths = WarehousePaths(root)
    with connect(paths) as connection:
        migrate(connection)
        connection.executemany(
            "INSERT INTO files (path, sha256, size_bytes, mtime_ns, status, run_id) "
            "VALUES (?, ?, ?, ?, ?, 'earlier')",
            rows,
        )
    return paths


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "c.txt", "sub/d.txt", "sub/e.txt", "doc.pdf"):
        (raw / name).write_text(f"{name}\n{ENGLISH}", encoding="utf-8")
    (raw / "manifest.csv").write_text(
        "file,outlet,title\na.txt,News.Az,A\nsub/d.txt,Turan,\n", encoding="utf-8"
    )
    return raw


def _ledger(folder: Path) -> list[tuple[str, str | None, int, int, str]]:
    a, b = (folder / "a.txt").stat(), (folder / "b.txt").stat()
    return [
        (str(folder / "a.txt"), "hash-a", a.st_size, a.st_mtime_ns, "loaded"),  # unchanged
        (str(folder / "b.txt"), "hash-b", b.st_size, b.st_mtime_ns + 1, "loaded"),  # changed
        (str(folder / "gone.txt"), "hash-a", 10, 1, "loaded"),  # same content, later path
        (str(folder / "zz.txt"), "hash-z", 10, 1, "rejected"),  # never loaded
    ]


def test_the_index_answers_as_the_in_memory_scan_and_manifest(folder: Path, tmp_path: Path) -> None:
    ledger_rows = _ledger(folder)
    paths = _warehouse_with_ledger(tmp_path / "wh", ledger_rows)
    ledger = {row[0]: LedgerEntry(*row[1:]) for row in ledger_rows}
    in_memory = list(scan_folder(folder, ledger))

    index = RunIndex.build(paths.run_indexes / "run.sqlite", folder, paths)
    try:
        assert dict(index.ledger) == ledger
        assert index.change_counts() == {"unchanged": 1, "changed": 1, "new": 3, "unreadable": 1}
        pending = [s for s in in_memory if s.change in PENDING_CHANGES]
        for size in (1, 2, 5, 500):
            batches = list(index.pending_batches(size))
            assert [s for batch in batches for s in batch] == pending  # same order, each once
            assert all(len(batch) <= size for batch in batches)
        assert dict(index.manifest.hints) == read_manifest(folder).hints
        assert index.manifest.hints[str(folder / "a.txt")].outlet == "News.Az"
        assert index.manifest.hints.get(str(folder / "c.txt")) is None
        # Loaded content is seeded under its first path; rejected content is not seeded.
        assert dict(index.first_seen) == {
            "hash-a": str(folder / "a.txt"),
            "hash-b": str(folder / "b.txt"),
        }
    finally:
        index.remove()
    assert not (paths.run_indexes / "run.sqlite").exists()


def test_a_folder_without_warehouse_or_manifest_is_all_new(folder: Path, tmp_path: Path) -> None:
    (folder / "manifest.csv").unlink()
    paths = WarehousePaths(tmp_path / "never-loaded")
    index = RunIndex.build(tmp_path / "index.sqlite", folder, paths)
    try:
        assert index.change_counts() == {"new": 5, "unreadable": 1}
        assert len(index.ledger) == len(index.hints) == len(index.first_seen) == 0
    finally:
        index.remove()


def test_building_again_replaces_an_old_index(folder: Path, tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path / "wh")
    first = RunIndex.build(tmp_path / "index.sqlite", folder, paths)
    first.first_seen["stale"] = "left by a killed run"
    first.close()
    second = RunIndex.build(tmp_path / "index.sqlite", folder, paths)
    try:
        assert "stale" not in second.first_seen
        assert second.change_counts()["new"] == 5
    finally:
        second.remove()


def test_disk_map_behaves_as_a_dict(tmp_path: Path) -> None:
    index = RunIndex.build(tmp_path / "index.sqlite", tmp_path / "empty", WarehousePaths(tmp_path))
    disk: DiskMap[str] = index.first_seen
    memory: dict[str, str] = {}
    try:
        for mapping in (disk, memory):
            assert mapping.setdefault("h1", "p1") == "p1"
            assert mapping.setdefault("h1", "p2") == "p1"  # the first path stays
            mapping["h2"] = "p2"
            mapping["h2"] = "p3"
            mapping["h3"] = "p4"
            del mapping["h3"]
            with pytest.raises(KeyError):
                del mapping["h3"]
            with pytest.raises(KeyError):
                _ = mapping["missing"]
        assert dict(disk) == memory == {"h1": "p1", "h2": "p3"}
        assert len(disk) == 2 and list(disk) == ["h1", "h2"]
    finally:
        index.remove()


def test_duplicates_are_marked_against_the_index_as_against_a_dict(
    folder: Path, tmp_path: Path
) -> None:
    from flows.extract import read_file
    from transforms.records import SourceHints

    (folder / "copy-of-c.txt").write_bytes((folder / "c.txt").read_bytes())
    paths = WarehousePaths(tmp_path / "wh")
    index = RunIndex.build(tmp_path / "index.sqlite", folder, paths)
    try:
        reads = [
            read_file(scan, SourceHints(), max_bytes=1 << 20)
            for batch in index.pending_batches(3)
            for scan in batch
        ]
        with index.writing():
            on_disk = mark_duplicates(reads, index.first_seen)
        in_memory = mark_duplicates(reads, {})
        assert on_disk == in_memory
        duplicates = {Path(r.scan.path).name: r.duplicate_of for r in on_disk if r.duplicate_of}
        assert duplicates == {"copy-of-c.txt": str(folder / "c.txt")}  # c.txt is read first
    finally:
        index.remove()
