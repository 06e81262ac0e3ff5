"""The DuckDB warehouse: schema, idempotent keyed loads, rollback, staging recovery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from warehouse.loader import WarehousePaths, connect, load_run, migrate, recover_staging
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


def test_a_failing_load_rolls_back_everything(tmp_path: Path) -> None:
    paths = WarehousePaths(tmp_path)
    _stage(paths, "r1", FILES.name, [_file("/a.txt", "r1")])
    _stage(paths, "r1", DOCUMENTS.name, [_document("d1", "/a.txt", "r1", "one")])
    _load(paths, "r1")
    _stage(paths, "r2", FILES.name, [_file("/b.txt", "r2")])
    _stage(paths, "r2", DOCUMENTS.name, [_document("d2", "/b.txt", "r2", "two")])
    broken_run_row = pa.Table.from_pylist([{"run_id": "r2"}])  # no status: NOT NULL violated
    with pytest.raises(duckdb.Error):
        load_run(
            paths,
            "r2",
            entities=ENTITIES.arrow_schema.empty_table(),
            run_row=broken_run_row,
            validations=VALIDATIONS.arrow_schema.empty_table(),
        )
    assert _count(paths, "documents") == 1
    assert _count(paths, "files") == 1
    assert _count(paths, "runs") == 1
    # The next run finds the uncommitted staging folder and discards it.
    assert recover_staging(paths) == ["r2"]
    assert not paths.staging_for("r2").exists()


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
