"""Validating a staged run: read its Parquet parts, run the suites, quarantine broken articles.

Quarantine works on whole articles: a document whose row, paragraph or mention breaks an
expectation marked ``quarantine`` leaves the run with everything it owns, gets a ``rejects``
row per broken expectation, and its file is marked ``rejected`` when none of its articles is
left. The suites then run again on what remains, and only that second result decides whether
the run loads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from expectations.runner import QUARANTINED, ValidationReport, validate_tables
from flows.quality import validation_parameters
from warehouse.loader import WarehousePaths
from warehouse.schema import ARTICLE_TABLES, DOCUMENTS, FILES, REJECTS, TABLES_BY_NAME

#: Above this share of a run's articles quarantined, the run stops instead: that many broken
#: rows mean the pipeline, not the input, is broken.
MAX_QUARANTINE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class RunValidation:
    report: ValidationReport
    quarantined_docs: int
    rejects: tuple[dict[str, Any], ...]


def read_staged(paths: WarehousePaths, run_id: str, table: str) -> pa.Table:
    folder = paths.staging_for(run_id) / table
    parts = sorted(folder.glob("*.parquet")) if folder.exists() else []
    schema = TABLES_BY_NAME[table].arrow_schema
    if not parts:
        return schema.empty_table()
    return pa.concat_tables([pq.read_table(part, schema=schema) for part in parts])


def write_staged(paths: WarehousePaths, run_id: str, table: str, rows: pa.Table) -> None:
    """Replace a table's staged parts by one part holding ``rows``."""
    folder = paths.staging_for(run_id) / table
    folder.mkdir(parents=True, exist_ok=True)
    merged = folder / "part-merged.parquet.tmp"
    pq.write_table(rows, merged)
    for part in folder.glob("*.parquet"):
        part.unlink()
    merged.replace(folder / "part-merged.parquet")


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    for column in table.schema:
        if pa.types.is_date(column.type):  # GX compares dates as datetimes
            frame[column.name] = pd.to_datetime(frame[column.name])
    return frame


def _docs_to_quarantine(
    report: ValidationReport, frames: Mapping[str, pd.DataFrame]
) -> dict[str, list[str]]:
    docs: dict[str, list[str]] = {}
    for outcome in report.outcomes:
        if outcome.success or not outcome.quarantine or outcome.table_name not in frames:
            continue
        frame = frames[outcome.table_name]
        if "doc_id" not in frame.columns:
            continue
        label = f"{outcome.table_name}.{outcome.expectation}"
        for doc_id in frame["doc_id"].iloc[list(outcome.unexpected_rows)].dropna().unique():
            docs.setdefault(str(doc_id), []).append(label)
    return docs


def _quarantine(
    paths: WarehousePaths,
    run_id: str,
    tables: dict[str, pa.Table],
    docs: Mapping[str, list[str]],
    details: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Move the articles ``docs`` out of the staged run; returns their ``rejects`` rows."""
    documents = tables[DOCUMENTS.name].to_pylist()
    by_id = {row["doc_id"]: row for row in documents}
    rejects = []
    for doc_id, labels in docs.items():
        row = by_id.get(doc_id)
        for label in labels:
            rejects.append(
                {
                    "run_id": run_id,
                    "source_path": row["source_path"] if row else "",
                    "record_key": row["record_key"] if row else doc_id,
                    "doc_id": doc_id,
                    "stage": "validation",
                    "reason": f"expectation:{label}",
                    "detail": details.get(label, ""),
                }
            )
    for table in ARTICLE_TABLES:
        staged = tables[table.name]
        mask = pa.array([d not in docs for d in staged["doc_id"].to_pylist()], type=pa.bool_())
        tables[table.name] = staged.filter(mask)
        write_staged(paths, run_id, table.name, tables[table.name])

    # A file none of whose articles is left is rejected; the others count fewer articles.
    left: dict[str, int] = {}
    for path in tables[DOCUMENTS.name]["source_path"].to_pylist():
        left[path] = left.get(path, 0) + 1
    quarantined_paths = {by_id[d]["source_path"] for d in docs if d in by_id}
    files = []
    for row in tables[FILES.name].to_pylist():
        if row["path"] in quarantined_paths and row["status"] == "loaded":
            row["article_count"] = left.get(row["path"], 0)
            if not row["article_count"]:
                row["status"], row["reason"] = "rejected", "quarantined"
        files.append(row)
    tables[FILES.name] = pa.Table.from_pylist(files, schema=FILES.arrow_schema)
    write_staged(paths, run_id, FILES.name, tables[FILES.name])
    return rejects


def validate_staged_run(
    paths: WarehousePaths,
    run_id: str,
    *,
    entities: pa.Table,
    alias_rows: Sequence[Mapping[str, str]],
    entity_ids: Sequence[str],
    today: dt.date,
    suites_dir: Path,
) -> RunValidation:
    tables = {t.name: read_staged(paths, run_id, t.name) for t in (FILES, *ARTICLE_TABLES)}

    def validate() -> ValidationReport:
        frames = {name: _frame(table) for name, table in tables.items() if table.num_rows}
        frames["entities"] = _frame(entities)
        parameters = validation_parameters(
            doc_ids=tables[DOCUMENTS.name]["doc_id"].to_pylist(),
            alias_rows=alias_rows,
            entity_ids=entity_ids,
            today=today,
        )
        return validate_tables(frames, parameters, suites_dir)

    first = validate()
    frames = {name: _frame(table) for name, table in tables.items() if table.num_rows}
    docs = _docs_to_quarantine(first, frames)
    article_count = tables[DOCUMENTS.name].num_rows
    if not docs or len(docs) > MAX_QUARANTINE_SHARE * article_count:
        return RunValidation(first, 0, ())

    details = {f"{o.table_name}.{o.expectation}": o.details for o in first.outcomes}
    rejects = _quarantine(paths, run_id, tables, docs, details)
    if rejects:
        write_staged(
            paths,
            run_id,
            REJECTS.name,
            pa.concat_tables(
                [
                    read_staged(paths, run_id, REJECTS.name),
                    pa.Table.from_pylist(rejects, schema=REJECTS.arrow_schema),
                ]
            ),
        )
    second = validate()
    # The record keeps what broke (first pass) for quarantined expectations, and the verdict
    # on what is left (second pass) for everything else.
    quarantined = {
        (o.table_name, o.expectation): replace(o, action=QUARANTINED)
        for o in first.outcomes
        if not o.success and o.quarantine
    }
    outcomes = tuple(
        quarantined.get((o.table_name, o.expectation), o) if o.success else o
        for o in second.outcomes
    )
    return RunValidation(ValidationReport(outcomes), len(docs), tuple(rejects))
