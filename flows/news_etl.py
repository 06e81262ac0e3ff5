"""The ``news_etl`` flow: extract, transform, validate, load, report.

Tasks work on batches of files (hundreds per task), never on one article, so Prefect's per-task
overhead stays small and memory stays flat. Only tasks that do I/O retry.
"""

from __future__ import annotations

from flows.settings import configure_prefect_environment

configure_prefect_environment()

import csv  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import get_run_context  # noqa: E402

from expectations.runner import ValidationReport, validate_tables  # noqa: E402
from flows.extract import FileRead, FileScan, Manifest, read_file, read_manifest, scan_folder  # noqa: E402
from flows.quality import validation_parameters  # noqa: E402
from flows.report import write_report  # noqa: E402
from flows.settings import Settings  # noqa: E402
from flows.tables import article_tables, entity_table, file_rows  # noqa: E402
from transforms.article import ArticleContext, process_articles  # noqa: E402
from transforms.metadata import OutletDirectory  # noqa: E402
from transforms.names import AliasIndex, build_alias_index  # noqa: E402
from transforms.records import Article, RawArticle, Rejection  # noqa: E402
from warehouse.loader import (  # noqa: E402
    WarehousePaths,
    known_hashes,
    load_run,
    read_ledger,
    recover_staging,
)
from warehouse.schema import ARTICLE_TABLES, FILES, RUNS, VALIDATIONS  # noqa: E402

# Only tasks that touch files or the database retry; transforms are deterministic.
IO_RETRIES = 2
IO_RETRY_DELAYS = [1.0, 5.0]


@dataclass(frozen=True, slots=True)
class ReferenceData:
    aliases: AliasIndex
    alias_rows: tuple[dict[str, str], ...]
    outlets: OutletDirectory


@dataclass(frozen=True, slots=True)
class BatchResult:
    articles: tuple[Article, ...]
    files: tuple[dict[str, Any], ...]
    counts: Counter[str]


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    status: str  # "loaded" | "failed_validation"
    exit_code: int
    report_path: str
    message: str
    counts: dict[str, int] = field(default_factory=dict)
    critical_failures: tuple[str, ...] = ()


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def load_reference_data(seeds_dir: Path) -> ReferenceData:
    alias_rows = _read_csv(seeds_dir / "aliases.csv")
    return ReferenceData(
        aliases=build_alias_index(alias_rows),
        alias_rows=tuple(alias_rows),
        outlets=OutletDirectory.from_rows(_read_csv(seeds_dir / "outlets.csv")),
    )


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def scan_raw_folder(
    raw_dir: Path, paths: WarehousePaths
) -> tuple[list[FileScan], Manifest, dict[str, str]]:
    recover_staging(paths)
    ledger = read_ledger(paths)
    return scan_folder(raw_dir, ledger), read_manifest(raw_dir), known_hashes(paths)


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def read_files(scans: Sequence[FileScan], manifest: Manifest, max_bytes: int) -> list[FileRead]:
    from transforms.records import SourceHints

    return [
        read_file(s, manifest.hints.get(s.path, SourceHints()), max_bytes=max_bytes) for s in scans
    ]


def _file_row(
    read: FileRead, status: str, reason: str | None, detail: str, count: int
) -> dict[str, Any]:
    return {
        "path": read.scan.path,
        "sha256": read.sha256,
        "size_bytes": read.scan.size_bytes,
        "mtime_ns": read.scan.mtime_ns,
        "source_format": read.scan.source_format,
        "encoding": read.encoding,
        "status": status,
        "reason": reason,
        "detail": detail or None,
        "article_count": count,
        "duplicate_of": read.duplicate_of,
    }


@task(cache_policy=NO_CACHE)
def transform_batch(
    reads: Sequence[FileRead], reference: ReferenceData, today: dt.date
) -> BatchResult:
    context = ArticleContext(aliases=reference.aliases, outlets=reference.outlets, today=today)
    counts: Counter[str] = Counter()
    raws: list[RawArticle] = []
    for read in reads:
        if read.failure is None and read.duplicate_of is None:
            raws.extend(read.articles)
    articles, rejections = process_articles(raws, context)
    rejected_by_file: dict[str, list[Rejection]] = {}
    for rejection in rejections:
        rejected_by_file.setdefault(rejection.source_path, []).append(rejection)
    loaded_by_file = Counter(a.source_path for a in articles)

    files = []
    for read in reads:
        path = read.scan.path
        record_rejections = list(read.rejections) + rejected_by_file.get(path, [])
        for rejection in record_rejections:
            counts[f"articles_dropped_{rejection.reason}"] += 1
        if read.failure is not None:
            files.append(_file_row(read, "rejected", read.failure, read.detail, 0))
            counts[f"files_rejected_{read.failure}"] += 1
        elif read.duplicate_of is not None:
            files.append(
                _file_row(
                    read,
                    "duplicate",
                    "duplicate_content",
                    f"same content as {read.duplicate_of}",
                    0,
                )
            )
            counts["files_duplicate"] += 1
        elif loaded_by_file[path]:
            detail = "; ".join(
                f"{r.record_key or 'article'}: {r.reason} {r.detail}".strip()
                for r in record_rejections
            )
            files.append(_file_row(read, "loaded", None, detail, loaded_by_file[path]))
            counts["files_loaded"] += 1
        else:
            first = record_rejections[0] if record_rejections else Rejection(path, "", "no_article")
            detail = "; ".join(
                f"{r.record_key or 'article'}: {r.reason} {r.detail}".strip()
                for r in record_rejections
            )
            files.append(_file_row(read, "rejected", first.reason, detail, 0))
            counts[f"files_rejected_{first.reason}"] += 1
    counts["articles_loaded"] += len(articles)
    for article in articles:
        counts[f"language_{article.language.lang}"] += 1
        counts["mentions_found"] += len(article.mentions)
        for paragraph in article.paragraphs:
            if paragraph.is_boilerplate:
                counts["paragraphs_removed"] += 1
                counts[f"paragraphs_removed_{paragraph.reason}"] += 1
            else:
                counts["paragraphs_kept"] += 1
        for flag in article.quality_flags:
            counts[f"flag_{flag}"] += 1
    return BatchResult(tuple(articles), tuple(files), counts)


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def stage_batch(batch: BatchResult, paths: WarehousePaths, run_id: str, batch_number: int) -> int:
    """Write the batch's rows as Parquet parts under the run's staging folder."""
    staging = paths.staging_for(run_id)
    tables = {FILES.name: file_rows(batch.files, run_id), **article_tables(batch.articles, run_id)}
    written = 0
    for name, table in tables.items():
        if table.num_rows == 0:
            continue
        folder = staging / name
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"part-{batch_number:05d}.parquet"
        pq.write_table(table, part.with_suffix(".tmp"))
        part.with_suffix(".tmp").replace(part)
        written += table.num_rows
    return written


def _staged_frame(paths: WarehousePaths, run_id: str, name: str, schema: pa.Schema) -> pd.DataFrame:
    folder = paths.staging_for(run_id) / name
    parts = sorted(folder.glob("*.parquet")) if folder.exists() else []
    table = pa.concat_tables([pq.read_table(p) for p in parts]) if parts else schema.empty_table()
    frame = table.to_pandas()
    for column in table.schema:
        if pa.types.is_date(column.type):
            frame[column.name] = pd.to_datetime(frame[column.name])
    return frame


@task(cache_policy=NO_CACHE)
def validate_run(
    paths: WarehousePaths,
    run_id: str,
    reference: ReferenceData,
    entities: pa.Table,
    today: dt.date,
    suites_dir: Path,
) -> ValidationReport:
    frames = {
        table.name: _staged_frame(paths, run_id, table.name, table.arrow_schema)
        for table in (FILES, *ARTICLE_TABLES)
    }
    frames["entities"] = entities.to_pandas()
    parameters = validation_parameters(
        doc_ids=frames["documents"]["doc_id"].tolist(),
        alias_rows=reference.alias_rows,
        entity_ids=[e.entity_id for e in reference.aliases.entities],
        today=today,
    )
    present = {name: frame for name, frame in frames.items() if len(frame) or name == "entities"}
    return validate_tables(present, parameters, suites_dir)


def _validation_table(report: ValidationReport, run_id: str) -> pa.Table:
    rows = [
        {
            "run_id": run_id,
            "table_name": o.table_name,
            "expectation": o.expectation,
            "expectation_type": o.expectation_type,
            "column_name": o.column_name,
            "severity": o.severity,
            "success": o.success,
            "element_count": o.element_count,
            "unexpected_count": o.unexpected_count,
            "details": o.details,
        }
        for o in report.outcomes
    ]
    return pa.Table.from_pylist(rows, schema=VALIDATIONS.arrow_schema)


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def load_warehouse(
    paths: WarehousePaths,
    run_id: str,
    entities: pa.Table,
    run_row: dict[str, Any],
    report: ValidationReport,
) -> None:
    load_run(
        paths,
        run_id,
        entities=entities,
        run_row=pa.Table.from_pylist([run_row], schema=RUNS.arrow_schema),
        validations=_validation_table(report, run_id),
    )


def _batches(items: Sequence[FileScan], size: int) -> Iterator[Sequence[FileScan]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _mark_duplicates(reads: list[FileRead], seen: dict[str, str]) -> list[FileRead]:
    """Exact duplicate content under another name is recorded as a duplicate of the first."""
    marked = []
    for read in reads:
        if read.sha256 and read.failure is None:
            first = seen.setdefault(read.sha256, read.scan.path)
            if first != read.scan.path:
                read = replace(read, duplicate_of=first)
        marked.append(read)
    return marked


def _flow_run_id() -> str | None:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # pragma: no cover - outside a flow run there is no id to record
        return None


@flow(name="news_etl", log_prints=True)
def news_etl(
    raw_dir: str = str(Settings().raw_dir),
    warehouse_dir: str = str(Settings().warehouse_dir),
    batch_size: int | None = None,
    suites_dir: str | None = None,
) -> RunSummary:
    """Raw article files in ``raw_dir`` to the validated DuckDB warehouse in ``warehouse_dir``."""
    settings = Settings(raw_dir=Path(raw_dir), warehouse_dir=Path(warehouse_dir))
    if suites_dir:
        settings = replace(settings, suites_dir=Path(suites_dir))
    size = batch_size or settings.batch_size
    logger = get_run_logger()
    started = dt.datetime.now(dt.UTC)
    today = started.date()
    run_id = new_run_id(started)
    paths = WarehousePaths(settings.warehouse_dir.resolve())
    counts: Counter[str] = Counter()
    timings: dict[str, float] = {}

    # Extract: which files are new or changed.
    clock = time.perf_counter()
    reference = load_reference_data(settings.seeds_dir)
    scans, manifest, seen_hashes = scan_raw_folder(settings.raw_dir.resolve(), paths)
    counts["files_seen"] = len(scans)
    to_read = [s for s in scans if s.change in ("new", "changed")]
    unreadable = [s for s in scans if s.change == "unreadable"]
    counts["files_unchanged"] = sum(s.change == "unchanged" for s in scans)
    counts["files_new"] = sum(s.change == "new" for s in scans)
    counts["files_changed"] = sum(s.change == "changed" for s in scans)
    timings["scan"] = time.perf_counter() - clock

    # Transform and stage, batch by batch.
    for number, batch in enumerate(_batches([*to_read, *unreadable], size)):
        clock = time.perf_counter()
        reads = read_files(
            [s for s in batch if s.change != "unreadable"], manifest, settings.max_file_bytes
        )
        reads += [
            FileRead(s, None, None, failure=s.reason) for s in batch if s.change == "unreadable"
        ]
        reads = _mark_duplicates(reads, seen_hashes)
        timings["read"] = timings.get("read", 0.0) + time.perf_counter() - clock
        clock = time.perf_counter()
        result = transform_batch(reads, reference, today)
        timings["transform"] = timings.get("transform", 0.0) + time.perf_counter() - clock
        counts.update(result.counts)
        clock = time.perf_counter()
        stage_batch(result, paths, run_id, number)
        timings["stage"] = timings.get("stage", 0.0) + time.perf_counter() - clock
    counts["files_processed"] = len(to_read) + len(unreadable)

    # Validate the staged run.
    clock = time.perf_counter()
    alias_counts = Counter(row["entity_id"] for row in reference.alias_rows)
    entities = entity_table(reference.aliases.entities, dict(alias_counts))
    validation = validate_run(paths, run_id, reference, entities, today, settings.suites_dir)
    timings["validate"] = time.perf_counter() - clock
    counts["expectations_passed"] = validation.passed
    counts["expectations_failed"] = validation.failed
    files_rejected = sum(v for k, v in counts.items() if k.startswith("files_rejected_"))

    report_path = paths.reports / f"run-{run_id}.html"
    critical = tuple(f"{o.table_name}.{o.expectation}" for o in validation.critical_failures)
    status = "failed_validation" if critical else "loaded"
    run_row = {
        "run_id": run_id,
        "flow_run_id": _flow_run_id(),
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC),
        "status": status,
        "raw_dir": str(settings.raw_dir.resolve()),
        "files_seen": counts["files_seen"],
        "files_processed": counts["files_processed"],
        "files_unchanged": counts["files_unchanged"],
        "files_rejected": files_rejected,
        "articles_loaded": counts["articles_loaded"],
        "articles_rejected": sum(v for k, v in counts.items() if k.startswith("articles_dropped_")),
        "paragraphs_removed": counts["paragraphs_removed"],
        "mentions_found": counts["mentions_found"],
        "expectations_passed": validation.passed,
        "expectations_failed": validation.failed,
        "counts_json": json.dumps(
            {**counts, **{f"seconds_{k}": round(v, 3) for k, v in timings.items()}}, sort_keys=True
        ),
        "report_path": str(report_path),
    }

    # Load: all or nothing; a critical failure leaves the warehouse as it was.
    if critical:
        shutil.rmtree(paths.staging_for(run_id), ignore_errors=True)
        message = "not loaded: critical expectations failed: " + ", ".join(critical)
        logger.error(message)
    else:
        clock = time.perf_counter()
        load_warehouse(paths, run_id, entities, run_row, validation)
        timings["load"] = time.perf_counter() - clock
        message = (
            f"loaded {counts['articles_loaded']} articles from {counts['files_processed']} files"
        )

    # Report.
    written = write_report(paths, run_row, validation, counts, report_path, loaded=not critical)
    _publish_artifacts(run_row, counts, validation, written)
    return RunSummary(
        run_id=run_id,
        status=status,
        exit_code=1 if critical else 0,
        report_path=str(written),
        message=message,
        counts=dict(counts),
        critical_failures=critical,
    )


def _artifact_key(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", text.lower())


def _publish_artifacts(
    run_row: dict[str, Any], counts: Counter[str], validation: ValidationReport, report: Path
) -> None:
    create_table_artifact(
        key=_artifact_key("news-etl-counts"),
        table=[{"step": key, "count": value} for key, value in sorted(counts.items())],
        description=f"newsetl run {run_row['run_id']}: counts per step",
    )
    failed = [
        f"- `{o.table_name}.{o.expectation}` ({o.severity})"
        for o in validation.outcomes
        if not o.success
    ]
    create_markdown_artifact(
        key=_artifact_key("news-etl-summary"),
        markdown="\n".join(
            [
                f"# newsetl run `{run_row['run_id']}`: {run_row['status']}",
                f"- articles loaded: {run_row['articles_loaded']}",
                f"- files seen / processed / rejected: {run_row['files_seen']} / "
                f"{run_row['files_processed']} / {run_row['files_rejected']}",
                f"- paragraphs removed as boilerplate: {run_row['paragraphs_removed']}",
                f"- mentions found: {run_row['mentions_found']}",
                f"- expectations passed / failed: {validation.passed} / {validation.failed}",
                *(["", "Failed expectations:", *failed] if failed else []),
                "",
                f"Report: `{report}`",
            ]
        ),
        description="newsetl run summary",
    )
