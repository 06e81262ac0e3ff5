"""The DuckDB warehouse: schema, idempotent keyed loads, rollback, staging recovery."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse import loader
from warehouse.loader import (
    LoadOutOfMemory,
    WarehousePaths,
    connect,
    load_memory_limit,
    load_run,
    memory_size_bytes,
    migrate,
    recover_staging,
)
from warehouse.schema import (
    DOCUMENTS,
    ENTITIES,
    FILES,
    PARAGRAPHS,
    RUNS,
    SCHEMA_VERSION,
    TABLES,
    VALIDATIONS,
)


def _stage(paths: WarehousePaths, run_id: str, table: str, rows: list[dict[str, object]]) -> None:
    schema = {t.name: t for t in TABLES}[table].arrow_schema
    folder = paths.staging_for(run_id) / table
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / "part-00000.parquet")


def _file(path: str, run_id: str) -> dict[str, object]:
    return {"path": path, "sha256": "0" * 64, "status": "loaded", "run_id": run_id}


def _document(doc_id: str, path: str, run_id: str, text: str) -> dict[str, object]:
    return {
        "doc_id": doc_id,
        "source_path": path,
        "record_key": "",
        "language": "en",
        "raw_text": text,
        "clean_text": text,
        "normalized_text": text,
        "run_id": run_id,
    }


def _paragraph(doc_id: str, position: int) -> dict[str, object]:
    return {
        "doc_id": doc_id,
        "position": position,
        "text": "t",
        "language": "en",
        "is_boilerplate": False,
        "reason": "body",
    }


def _load(paths: WarehousePaths, run_id: str) -> None:
    load_run(
        paths,
        run_id,
        entities=ENTITIES.arrow_schema.empty_table(),
        run_row=pa.Table.from_pylist(
            [{"run_id": run_id, "status": "loaded", "started_at": dt.datetime.now(dt.UTC)}],
            schema=RUNS.arrow_schema,
        ),
        validations=VALIDATIONS.arrow_schema.empty_table(),
    )


def _count(paths: WarehousePaths, table: str) -> int:
    with connect(paths, read_only=True) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_migrate_creates_every_table_and_records_the_version(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        assert migrate(connection) == 0
        assert migrate(connection) == SCHEMA_VERSION  # idempotent
        names = {
            r[0] for r in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        views = {
            r[0] for r in connection.execute("SELECT view_name FROM duckdb_views()").fetchall()
        }
    assert {t.name for t in TABLES} <= names
    assert {"name_candidates", "mention_counts"} <= views


def _primary_keys(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    return {r[0] for r in rows}


def test_migrate_rebuilds_paragraphs_and_mentions_without_a_key_index(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        # A schema-2 warehouse: every table's key was a primary key.
        for table in TABLES:
            connection.execute(replace(table, indexed_key=True).ddl())
        connection.execute("CREATE TABLE warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        connection.execute("INSERT INTO warehouse_meta VALUES ('schema_version', '2')")
        connection.execute(
            "INSERT INTO paragraphs (doc_id, position, text, language, is_boilerplate, reason) "
            "VALUES ('d1', 0, 'kept', 'en', false, 'body'), ('d1', 1, 'too', 'en', false, 'body')"
        )
        assert "paragraphs" in _primary_keys(connection)
        assert migrate(connection) == 2
        assert migrate(connection) == SCHEMA_VERSION
        keyed = _primary_keys(connection)
        rows = connection.execute("SELECT doc_id, position, text FROM paragraphs ORDER BY 2")
        assert rows.fetchall() == [("d1", 0, "kept"), ("d1", 1, "too")]
        tables = {
            r[0] for r in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
    assert not keyed & {"paragraphs", "mentions"}
    assert {"files", "documents", "name_candidate_occurrences", "runs"} <= keyed
    assert {t.name for t in TABLES} | {"warehouse_meta"} == tables  # no table left behind


def test_reloading_a_file_replaces_its_articles_and_is_idempotent(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path)
    for run_id in ("r1", "r2"):
        _stage(paths, run_id, FILES.name, [_file("/a.txt", run_id)])
        _stage(paths, run_id, DOCUMENTS.name, [_document("d1", "/a.txt", run_id, f"text {run_id}")])
        _stage(paths, run_id, PARAGRAPHS.name, [_paragraph("d1", 0), _paragraph("d1", 1)])
        _load(paths, run_id)
        assert _count(paths, "documents") == 1
        assert _count(paths, "paragraphs") == 2
    with connect(paths, read_only=True) as connection:
        assert connection.execute("SELECT clean_text FROM documents").fetchall() == [("text r2",)]
    # The file now holds one paragraph fewer: the stale one goes with the old version.
    _stage(paths, "r3", FILES.name, [_file("/a.txt", "r3")])
    _stage(paths, "r3", DOCUMENTS.name, [_document("d1", "/a.txt", "r3", "short")])
    _stage(paths, "r3", PARAGRAPHS.name, [_paragraph("d1", 0)])
    _load(paths, "r3")
    assert _count(paths, "paragraphs") == 1
    assert (paths.parquet / "documents" / "run_id=r3" / "part-00000.parquet").exists()
    assert not paths.staging_for("r3").exists()


def _stage_batch(paths: WarehousePaths, run_id: str, batch: int, path: str, doc_id: str) -> None:
    part = f"part-{batch:05d}.parquet"
    for table, rows in (
        (FILES, [_file(path, run_id)]),
        (DOCUMENTS, [_document(doc_id, path, run_id, f"text of {doc_id}")]),
        (PARAGRAPHS, [_paragraph(doc_id, 0)]),
    ):
        folder = paths.staging_for(run_id) / table.name
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=table.arrow_schema), folder / part)


def test_each_batch_commits_with_its_files_and_a_failing_batch_rolls_back(
    tmp_path: Path,
) -> None:
    paths = WarehousePaths(tmp_path)
    _stage_batch(paths, "r1", 0, "/a.txt", "d1")
    _stage_batch(paths, "r1", 1, "/b.txt", "d2")
    # Batch 2 is broken: a document without its required text (NOT NULL).
    _stage_batch(paths, "r1", 2, "/c.txt", "d3")
    broken = paths.staging_for("r1") / DOCUMENTS.name / "part-00002.parquet"
    pq.write_table(pa.Table.from_pylist([{"doc_id": "d3"}]), broken)
    with pytest.raises(duckdb.Error):
        _load(paths, "r1")
    # Batches 0 and 1 are in, with their ledger rows; batch 2 left nothing, the run no row.
    assert _count(paths, "documents") == 2
    assert _count(paths, "files") == 2
    assert _count(paths, "runs") == 0
    # The next run finds batches 0 and 1 committed: published, the rest dropped.
    assert recover_staging(paths) == ["r1"]
    assert not paths.staging_for("r1").exists()
    published = sorted(p.name for p in paths.published_for("r1", DOCUMENTS.name).iterdir())
    assert published == ["part-00000.parquet", "part-00001.parquet"]


def test_recovery_publishes_only_the_batches_a_killed_load_committed(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path)
    _stage_batch(paths, "r1", 0, "/a.txt", "d1")
    _load(paths, "r1")
    # A second run staged two batches and was killed after committing the first, before
    # moving its parts (the window between commit and publish).
    _stage_batch(paths, "r2", 0, "/b.txt", "d2")
    _stage_batch(paths, "r2", 1, "/c.txt", "d3")
    with connect(paths) as connection:
        connection.execute("BEGIN TRANSACTION")
        for table in (FILES, DOCUMENTS, PARAGRAPHS):
            part = paths.staging_for("r2") / table.name / "part-00000.parquet"
            connection.execute(
                f"INSERT INTO {table.name} SELECT * FROM read_parquet(?)", [str(part)]
            )
        connection.execute("COMMIT")
    assert recover_staging(paths) == ["r2"]
    assert [p.name for p in paths.published_for("r2", FILES.name).iterdir()] == [
        "part-00000.parquet"
    ]
    assert not paths.staging.exists() or not any(paths.staging.iterdir())
    with connect(paths, read_only=True) as connection:
        ledger = connection.execute("SELECT path, run_id FROM files ORDER BY path").fetchall()
    assert ledger == [("/a.txt", "r1"), ("/b.txt", "r2")]  # /c.txt is new to the next run


def test_recovery_publishes_a_committed_run_left_in_staging(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path)
    _stage(paths, "r1", FILES.name, [_file("/a.txt", "r1")])
    _load(paths, "r1")
    # As if the process died after COMMIT but before moving the parts into place.
    _stage(paths, "r1", DOCUMENTS.name, [_document("d1", "/a.txt", "r1", "one")])
    assert recover_staging(paths) == []
    assert (paths.parquet / "documents" / "run_id=r1" / "part-00000.parquet").exists()


def test_table_reference_is_up_to_date() -> None:
    from warehouse.schema import describe_markdown

    readme = Path(__file__).resolve().parents[1] / "warehouse" / "README.md"
    assert readme.read_text(encoding="utf-8") == describe_markdown(), (
        "regenerate with: .venv/bin/python -m warehouse.schema > warehouse/README.md"
    )


@pytest.mark.parametrize("value", ["256MB", "1GB", "1.5GiB", "512 MB"])
def test_the_load_memory_limit_takes_duckdb_sizes(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("NEWSETL_LOAD_MEMORY_LIMIT", value)
    assert load_memory_limit() == value


@pytest.mark.parametrize("value", ["lots", "256", "1GB'; DROP TABLE runs; --"])
def test_a_bad_load_memory_limit_is_refused_with_its_name(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("NEWSETL_LOAD_MEMORY_LIMIT", value)
    with pytest.raises(ValueError, match="NEWSETL_LOAD_MEMORY_LIMIT"):
        load_memory_limit()


def test_a_load_out_of_memory_names_the_limit_and_keeps_what_it_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = WarehousePaths(tmp_path)
    _stage_batch(paths, "r1", 0, "/a.txt", "d1")
    _load(paths, "r1")  # the warehouse exists, with one article
    for batch in range(3):
        _stage_batch(paths, "r2", batch, f"/b{batch}.txt", f"e{batch}")
    monkeypatch.setenv("NEWSETL_LOAD_MEMORY_LIMIT", "1MB")
    with pytest.raises(LoadOutOfMemory, match=r"NEWSETL_LOAD_MEMORY_LIMIT=1MB.*raise the limit"):
        _load(paths, "r2")
    monkeypatch.delenv("NEWSETL_LOAD_MEMORY_LIMIT")
    _load(paths, "r2")  # with the default cap, what was left loads
    assert _count(paths, "documents") == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("128MB", 128_000_000),
        ("1GB", 1_000_000_000),
        ("1.5GiB", 1_610_612_736),
        ("512 MiB", 536_870_912),
        ("64KB", 64_000),
    ],
)
def test_memory_sizes_are_read_as_duckdb_reads_them(value: str, expected: int) -> None:
    assert memory_size_bytes(value) == expected


def test_a_load_short_of_memory_grows_its_cap_and_loads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    roomy, tight = WarehousePaths(tmp_path / "roomy"), WarehousePaths(tmp_path / "tight")
    for paths in (roomy, tight):
        for batch in range(3):
            _stage_batch(paths, "r1", batch, f"/b{batch}.txt", f"e{batch}")
    _load(roomy, "r1")
    monkeypatch.setattr(loader, "LOAD_MEMORY_START", "1MB")  # far too little to start with
    with caplog.at_level(logging.INFO, logger="warehouse.loader"):
        _load(tight, "r1")
    assert "its cap is now" in caplog.text
    for table in ("documents", "files", "runs"):
        assert _count(tight, table) == _count(roomy, table) > 0
