"""Validating a run batch by batch: suites on each batch's tables, broken articles quarantined.

Each batch is validated on its own (memory stays flat, and on a cluster the work happens where
the batch is), and the batch reports are merged into the run's report.

Quarantine works on whole articles: a document whose row, paragraph or mention breaks an
expectation marked ``quarantine`` leaves the batch with everything it owns, gets a ``rejects``
row per broken expectation, and its file is marked ``rejected`` when none of its articles is
left. The suites then run again on what remains, and only that second result decides whether
the run may load. Above ``MAX_QUARANTINE_SHARE`` of a batch's articles nothing is quarantined
and the failure stops the run instead: that many broken rows mean the pipeline is broken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from expectations.data_docs import merge_results
from expectations.runner import (
    FLAGGED,
    QUARANTINED,
    STOPPED_LOAD,
    ExpectationOutcome,
    ValidationReport,
    validate_tables,
)
from flows.quality import validation_parameters
from warehouse.schema import ARTICLE_TABLES, DOCUMENTS, FILES, REJECTS

MAX_QUARANTINE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class ValidatedBatch:
    """A batch's tables after validation (quarantined articles removed) and its report."""

    tables: dict[str, pa.Table]
    report: ValidationReport
    quarantined_docs: int


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    for column in table.schema:
        if pa.types.is_date(column.type):  # GX compares dates as datetimes
            frame[column.name] = pd.to_datetime(frame[column.name])
    return frame


def _docs_to_quarantine(
    report: ValidationReport, tables: Mapping[str, pa.Table]
) -> dict[str, list[str]]:
    docs: dict[str, list[str]] = {}
    for outcome in report.outcomes:
        table = tables.get(outcome.table_name)
        if outcome.success or not outcome.quarantine or table is None:
            continue
        if "doc_id" not in table.column_names:
            continue
        doc_ids = table["doc_id"].to_pylist()
        label = f"{outcome.table_name}.{outcome.expectation}"
        for row in outcome.unexpected_rows:
            labels = docs.setdefault(str(doc_ids[row]), [])
            if label not in labels:
                labels.append(label)
    return docs


def _without(table: pa.Table, doc_ids: Mapping[str, object]) -> pa.Table:
    mask = pa.array([d not in doc_ids for d in table["doc_id"].to_pylist()], type=pa.bool_())
    return table.filter(mask)


def quarantine(
    tables: Mapping[str, pa.Table],
    docs: Mapping[str, Sequence[str]],
    details: Mapping[str, str],
    run_id: str,
) -> dict[str, pa.Table]:
    """The batch's tables without the articles ``docs``, with their ``rejects`` rows added."""
    by_id = {row["doc_id"]: row for row in tables[DOCUMENTS.name].to_pylist()}
    rejects = [
        {
            "run_id": run_id,
            "source_path": by_id[doc_id]["source_path"] if doc_id in by_id else "",
            "record_key": by_id[doc_id]["record_key"] if doc_id in by_id else doc_id,
            "doc_id": doc_id,
            "stage": "validation",
            "reason": f"expectation:{label}",
            "detail": details.get(label, ""),
        }
        for doc_id, labels in docs.items()
        for label in labels
    ]
    result = dict(tables)
    for table in ARTICLE_TABLES:
        result[table.name] = _without(tables[table.name], docs)
    result[REJECTS.name] = pa.concat_tables(
        [tables[REJECTS.name], pa.Table.from_pylist(rejects, schema=REJECTS.arrow_schema)]
    )

    # A file none of whose articles is left is rejected; the others count fewer articles.
    left: dict[str, int] = {}
    for path in result[DOCUMENTS.name]["source_path"].to_pylist():
        left[path] = left.get(path, 0) + 1
    touched = {by_id[d]["source_path"] for d in docs if d in by_id}
    files = []
    for row in tables[FILES.name].to_pylist():
        if row["path"] in touched and row["status"] == "loaded":
            row["article_count"] = left.get(row["path"], 0)
            if not row["article_count"]:
                row["status"], row["reason"] = "rejected", "quarantined"
        files.append(row)
    result[FILES.name] = pa.Table.from_pylist(files, schema=FILES.arrow_schema)
    return result


def validate_batch_tables(
    tables: Mapping[str, pa.Table],
    *,
    run_id: str,
    alias_rows: Sequence[Mapping[str, str]],
    entity_ids: Sequence[str],
    today: dt.date,
    suites_dir: Path,
) -> ValidatedBatch:
    """Validate one batch's tables (files, documents, paragraphs, mentions, ...)."""

    def validate(current: Mapping[str, pa.Table]) -> ValidationReport:
        # Empty tables are validated too: every run then has a row per expectation.
        frames = {name: _frame(table) for name, table in current.items()}
        parameters = validation_parameters(
            doc_ids=current[DOCUMENTS.name]["doc_id"].to_pylist(),
            alias_rows=alias_rows,
            entity_ids=entity_ids,
            today=today,
        )
        return validate_tables(frames, parameters, suites_dir)

    first = validate(tables)
    docs = _docs_to_quarantine(first, tables)
    if not docs or len(docs) > MAX_QUARANTINE_SHARE * tables[DOCUMENTS.name].num_rows:
        return ValidatedBatch(dict(tables), first, 0)

    details = {f"{o.table_name}.{o.expectation}": o.details for o in first.outcomes}
    kept = quarantine(tables, docs, details, run_id)
    second = validate(kept)
    # Keep what broke (first pass) for quarantined expectations, and the verdict on what is left
    # (second pass) for everything else.
    quarantined = {
        (o.table_name, o.expectation): replace(o, action=QUARANTINED)
        for o in first.outcomes
        if not o.success and o.quarantine
    }
    outcomes = tuple(
        quarantined.get((o.table_name, o.expectation), o) if o.success else o
        for o in second.outcomes
    )
    # The Data Docs show the first pass: what broke, before the quarantine.
    return ValidatedBatch(kept, ValidationReport(outcomes, first.results), len(docs))


_ACTION_RANK = {None: 0, FLAGGED: 1, QUARANTINED: 2, STOPPED_LOAD: 3}


def merge_reports(reports: Sequence[ValidationReport]) -> ValidationReport:
    """One report for the run: per expectation, failed if any batch failed, counts summed;
    GX results merged per suite (``expectations.data_docs.merge_results``). Merging merged
    reports again gives the same (so a run folds each batch in as it comes: its memory then
    does not grow with its batch count), except that the ``partial_unexpected_counts`` of a
    result, capped, can rank its values differently."""
    merged: dict[tuple[str, str], ExpectationOutcome] = {}
    for report in reports:
        for outcome in report.outcomes:
            key = (outcome.table_name, outcome.expectation)
            seen = merged.get(key)
            if seen is None:
                merged[key] = replace(outcome, unexpected_rows=())
                continue
            action: Any = max(seen.action, outcome.action, key=lambda a: _ACTION_RANK[a])
            merged[key] = replace(
                seen,
                success=seen.success and outcome.success,
                element_count=(seen.element_count or 0) + (outcome.element_count or 0),
                unexpected_count=(seen.unexpected_count or 0) + (outcome.unexpected_count or 0),
                details=seen.details if not seen.success or outcome.success else outcome.details,
                action=action,
            )
    results = merge_results([result for report in reports for result in report.results])
    return ValidationReport(tuple(merged.values()), tuple(results))
