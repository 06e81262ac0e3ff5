"""The ``news_etl`` flow: extract, transform, validate, load, report.

Tasks work on batches of files (hundreds per task), never on one article, so Prefect's per-task
overhead stays small and memory stays flat. Only tasks that do I/O retry.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pickle
import re
import shutil
import threading
import uuid
from collections import Counter, deque
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Generic, TypeVar, cast

import pyarrow as pa
import pyarrow.parquet as pq
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import quote

from expectations.data_docs import build_data_docs
from expectations.runner import (
    ValidationReport,
    validate_tables,
)
from flows.extract import FileRead, FileScan, Manifest, read_file
from flows.memory import configure_heap, return_free_memory
from flows.quality import validation_parameters
from flows.report import write_report
from flows.run_index import PENDING_CHANGES, RunIndex
from flows.settings import Settings
from flows.startup import warm_up_language_models
from flows.tables import article_tables, entity_table, file_rows, to_arrow
from flows.validate import merge_reports, validate_batch_tables
from transforms.article import (
    ArticleContext,
    StageSeconds,
    process_articles,
    release_transform_memory,
)
from transforms.metadata import OutletDirectory
from transforms.names import AliasIndex, build_alias_index
from transforms.records import Article, RawArticle, Rejection, SourceHints
from warehouse.loader import (
    LoadOutOfMemory,
    WarehousePaths,
    learned_outlet_chrome,
    load_run,
    recover_staging,
    run_lock,
)
from warehouse.schema import ENTITIES, FILES, REJECTS, RUNS, VALIDATIONS

# Only tasks that touch files or the database retry; transforms are deterministic.
IO_RETRIES = 2
IO_RETRY_DELAYS = [1.0, 5.0]


@dataclass(frozen=True, slots=True)
class ReferenceData:
    aliases: AliasIndex
    alias_rows: tuple[dict[str, str], ...]
    outlets: OutletDirectory
    #: Learned from the warehouse: outlet -> normalised lines it prints on many pages.
    outlet_chrome: dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class BatchResult:
    articles: tuple[Article, ...]
    files: tuple[dict[str, Any], ...]
    rejects: tuple[dict[str, Any], ...]
    counts: Counter[str]


_Value = TypeVar("_Value")
#: What an unpickled seal holds until its value is first read.
_NOT_YET: Final = object()


class Sealed(Generic[_Value]):
    """A task parameter Prefect neither walks nor unwraps, for tasks submitted to Dask.

    Prefect walks lists, tuples, dicts, dataclasses and pydantic models in every parameter when
    a task is submitted; ``quote()`` stops that in this process, but prefect-dask hands the
    worker a bare tuple instead. A plain object is neither walked nor unwrapped: it pickles to
    the worker as it is, and the task reads ``.value``. The value is pickled once, however many
    tasks it is sent to (the reference data goes with every batch), and Dask names the task by
    the seal's own token instead of pickling and unpickling the value twice to hash it.

    Unpickled, a seal holds its bytes and unpickles its value only when ``.value`` is first
    read. Dask's scheduler (in the flow's process, for a local cluster) unpickles every task it
    is given and pickles it again to send it to a worker: with the value unpickled on arrival,
    that round trip cost the flow's process ~5 CPU-s per 10,000 files, on a machine whose cores
    the workers need.
    """

    __slots__ = ("_lock", "_pickled", "_token", "_value")

    def __init__(self, value: _Value) -> None:
        self._value: _Value | object = value
        self._pickled: bytes | None = None
        self._token = uuid.uuid4().hex
        self._lock = threading.Lock()

    @classmethod
    def _from_pickled(cls, pickled: bytes, token: str) -> Sealed[Any]:
        sealed: Sealed[Any] = cls.__new__(cls)
        sealed._value, sealed._pickled, sealed._token = _NOT_YET, pickled, token
        sealed._lock = threading.Lock()
        return sealed

    @property
    def value(self) -> _Value:
        if self._value is _NOT_YET:
            # A worker with several threads may hand one seal to more than one of them.
            with self._lock:
                if self._value is _NOT_YET:
                    assert self._pickled is not None
                    self._value = pickle.loads(self._pickled)
                    # Read where it is used (a worker's task): the bytes are not needed there.
                    self._pickled = None
        return cast(_Value, self._value)

    def __dask_tokenize__(self) -> str:
        return self._token

    def __reduce__(self) -> tuple[Any, tuple[bytes, str]]:
        with self._lock:
            if self._pickled is None:
                self._pickled = pickle.dumps(self._value, protocol=pickle.HIGHEST_PROTOCOL)
            return _unseal, (self._pickled, self._token)


def _unseal(pickled: bytes, token: str) -> Sealed[Any]:
    return Sealed._from_pickled(pickled, token)


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    status: str  # "loaded" | "failed_validation"
    exit_code: int
    report_path: str
    message: str
    counts: dict[str, float] = field(default_factory=dict)  # counts, and seconds_<step>
    critical_failures: tuple[str, ...] = ()


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


# --- extract -------------------------------------------------------------------------------


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def load_reference_data(seeds_dir: Path, paths: WarehousePaths) -> ReferenceData:
    """The reviewed seeds (aliases, outlets) and what earlier runs learned (outlet chrome)."""
    alias_rows = _read_csv(seeds_dir / "aliases.csv")
    return ReferenceData(
        aliases=build_alias_index(alias_rows),
        alias_rows=tuple(alias_rows),
        outlets=OutletDirectory.from_rows(_read_csv(seeds_dir / "outlets.csv")),
        outlet_chrome=learned_outlet_chrome(paths),
    )


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def scan_raw_folder(raw_dir: Path, paths: WarehousePaths, run_id: str) -> RunIndex:
    """Finish what a killed run left, then index the folder against the files ledger (on disk:
    see ``flows.run_index``)."""
    recover_staging(paths)
    shutil.rmtree(paths.run_indexes, ignore_errors=True)  # a killed run's; we hold the lock
    return RunIndex.build(paths.run_indexes / f"{run_id}.sqlite", raw_dir, paths)


@dataclass(frozen=True, slots=True)
class ReadBatch:
    """One batch's files as read.

    A holder rather than a bare list: Prefect links every top-level item of a task's return
    value to the task's state, for dependency tracking, and keeps the links until the flow run
    ends (``FlowRunContext.run_results``). A list of 500 reads left 500 links per batch, a
    number growing with the run; a holder leaves two.
    """

    reads: tuple[FileRead, ...]


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def read_files(scans: Sequence[FileScan], manifest: Manifest, max_bytes: int) -> ReadBatch:
    reads = []
    for scan in scans:
        if scan.change == "unreadable":
            reads.append(FileRead(scan, None, None, failure=scan.reason))
        else:
            hints = manifest.hints.get(scan.path, SourceHints())
            reads.append(read_file(scan, hints, max_bytes=max_bytes))
    return ReadBatch(tuple(reads))


def mark_duplicates(reads: Sequence[FileRead], seen: MutableMapping[str, str]) -> list[FileRead]:
    """Exact duplicate content under another name is recorded as a duplicate of the first."""
    marked = []
    for read in reads:
        if read.sha256 and read.failure is None:
            first = seen.setdefault(read.sha256, read.scan.path)
            if first != read.scan.path:
                read = replace(read, duplicate_of=first)
        marked.append(read)
    return marked


# --- transform ------------------------------------------------------------------------------


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


def _describe(rejections: Sequence[Rejection]) -> str:
    return "; ".join(
        f"{r.record_key or 'article'}: {r.reason} {r.detail}".strip() for r in rejections
    )


def file_outcomes(
    reads: Sequence[FileRead], articles: Sequence[Article], rejections: Sequence[Rejection]
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """One ``files`` row per file read, and the per-reason counts."""
    counts: Counter[str] = Counter()
    rejected_by_file: dict[str, list[Rejection]] = {}
    for rejection in rejections:
        rejected_by_file.setdefault(rejection.source_path, []).append(rejection)
    loaded_by_file = Counter(a.source_path for a in articles)
    rows = []
    for read in reads:
        path = read.scan.path
        refused = [*read.rejections, *rejected_by_file.get(path, [])]
        for rejection in refused:
            counts[f"articles_dropped_{rejection.reason}"] += 1
        if read.failure is not None:
            rows.append(_file_row(read, "rejected", read.failure, read.detail, 0))
            counts[f"files_rejected_{read.failure}"] += 1
        elif read.duplicate_of is not None:
            detail = f"same content as {read.duplicate_of}"
            rows.append(_file_row(read, "duplicate", "duplicate_content", detail, 0))
            counts["files_duplicate"] += 1
        elif loaded_by_file[path]:
            rows.append(_file_row(read, "loaded", None, _describe(refused), loaded_by_file[path]))
            counts["files_loaded"] += 1
        else:
            reason = refused[0].reason if refused else "no_article"
            rows.append(_file_row(read, "rejected", reason, _describe(refused), 0))
            counts[f"files_rejected_{reason}"] += 1
    return rows, counts


def article_counts(articles: Sequence[Article]) -> Counter[str]:
    counts: Counter[str] = Counter()
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
    return counts


def transform_batch(
    reads: Sequence[FileRead], reference: ReferenceData, today: dt.date, run_id: str
) -> BatchResult:
    """The transforms over one batch's articles, and its files' outcomes (inside
    ``process_batch``: no I/O of its own, so not a task of its own)."""
    context = ArticleContext(
        aliases=reference.aliases,
        outlets=reference.outlets,
        today=today,
        outlet_chrome=reference.outlet_chrome,
    )
    raws: list[RawArticle] = [
        article
        for read in reads
        if read.failure is None and read.duplicate_of is None
        for article in read.articles
    ]
    processed = process_articles(raws, context)
    articles, rejections = processed.articles, processed.rejections
    files, counts = file_outcomes(reads, articles, rejections)
    counts.update(article_counts(articles))
    counts.update({f"seconds_{stage}": s for stage, s in processed.stage_seconds.items()})
    record_rejections = [r for read in reads for r in read.rejections] + rejections
    rejects = tuple(
        {
            "run_id": run_id,
            "source_path": r.source_path,
            "record_key": r.record_key,
            "doc_id": None,
            "stage": "transform",
            "reason": r.reason,
            "detail": r.detail or None,
        }
        for r in record_rejections
    )
    return BatchResult(tuple(articles), tuple(files), rejects, counts)


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    """A batch's tables after validation, its report and its counts."""

    tables: dict[str, pa.Table]
    report: ValidationReport
    counts: Counter[str]


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """What travels back to the flow once a batch is staged: no rows, only the verdicts."""

    report: ValidationReport
    counts: Counter[str]


@dataclass(slots=True)
class StagedSoFar:
    """The verdicts of the batches staged so far, folded in as each arrives: the run holds one
    merged report (GX results merged per suite), not one per batch (a 100,000-file run has
    about 200)."""

    report: ValidationReport | None = None
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, batch: StagedBatch) -> None:
        reports = [batch.report] if self.report is None else [self.report, batch.report]
        self.report = merge_reports(reports)
        self.counts.update(batch.counts)


@task(cache_policy=NO_CACHE)
def validate_batch(
    batch: BatchResult,
    reference: ReferenceData,
    today: dt.date,
    run_id: str,
    suites_dir: Path,
) -> CheckedBatch:
    """Run the suites on the batch; articles that break quarantine expectations leave it."""
    tables = {
        FILES.name: file_rows(batch.files, run_id),
        REJECTS.name: to_arrow(REJECTS, batch.rejects),
        **article_tables(batch.articles, run_id),
    }
    checked = validate_batch_tables(
        tables,
        run_id=run_id,
        alias_rows=reference.alias_rows,
        entity_ids=[e.entity_id for e in reference.aliases.entities],
        today=today,
        suites_dir=suites_dir,
    )
    counts = Counter(batch.counts)
    if checked.quarantined_docs:
        counts["articles_loaded"] -= checked.quarantined_docs
        counts["articles_quarantined"] += checked.quarantined_docs
    return CheckedBatch(checked.tables, checked.report, counts)


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def stage_batch(
    batch: CheckedBatch, paths: WarehousePaths, run_id: str, batch_number: int
) -> StagedBatch:
    """Write the batch's rows as Parquet parts under the run's staging folder."""
    for name, table in batch.tables.items():
        if table.num_rows == 0:
            continue
        folder = paths.staging_for(run_id) / name
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"part-{batch_number:05d}.parquet"
        pq.write_table(table, part.with_suffix(".tmp"))
        part.with_suffix(".tmp").replace(part)
    return StagedBatch(batch.report, batch.counts)


@task(cache_policy=NO_CACHE)
def process_batch(
    reads: Sealed[list[FileRead]],
    reference: Sealed[ReferenceData],
    today: dt.date,
    run_id: str,
    suites_dir: Path,
    paths: WarehousePaths,
    batch_number: int,
) -> StagedBatch:
    """Transform, validate and stage one batch in one task, in the flow's process or on a Dask
    worker.

    As three tasks, Prefect resolves each batch's articles as the next task's parameter (on a
    worker) and walks every one of them: that doubled the CPU per article. Here they never leave
    the task, and the batch's files and the reference data travel sealed (see ``Sealed``).
    Staging writes files, so it runs as a task of its own, with I/O retries.
    """
    return_free_memory()  # what the process's previous batch left in the heap
    transformed = transform_batch(reads.value, reference.value, today, run_id)
    checked = validate_batch.fn(transformed, reference.value, today, run_id, suites_dir)
    return stage_batch(as_is(checked), paths, run_id, batch_number)


@task(cache_policy=NO_CACHE)
def validate_entities(
    entities: pa.Table, reference: ReferenceData, today: dt.date, suites_dir: Path
) -> ValidationReport:
    parameters = validation_parameters(
        doc_ids=[],
        alias_rows=reference.alias_rows,
        entity_ids=[e.entity_id for e in reference.aliases.entities],
        today=today,
    )
    return validate_tables({ENTITIES.name: entities.to_pandas()}, parameters, suites_dir)


def validation_rows(report: ValidationReport, run_id: str) -> pa.Table:
    return to_arrow(
        VALIDATIONS,
        (
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
                "action": o.action,
            }
            for o in report.outcomes
        ),
    )


# --- load and report ------------------------------------------------------------------------


def _unless_out_of_memory(task: Any, task_run: Any, state: Any) -> bool:
    """Retry the load's I/O failures, not a load that outgrew its memory cap: it would again."""
    return not isinstance(state.data, LoadOutOfMemory)


@task(
    cache_policy=NO_CACHE,
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAYS,
    retry_condition_fn=_unless_out_of_memory,
)
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
        run_row=to_arrow(RUNS, [run_row]),
        validations=validation_rows(report, run_id),
    )


@task(cache_policy=NO_CACHE, retries=IO_RETRIES, retry_delay_seconds=IO_RETRY_DELAYS)
def publish_report(
    paths: WarehousePaths,
    run_row: dict[str, Any],
    report: ValidationReport,
    counts: Counter[str],
    loaded: bool,
) -> Path:
    data_docs = build_data_docs(
        report.results, paths.reports / "data-docs" / run_row["run_id"], run_id=run_row["run_id"]
    )
    written = write_report(
        paths,
        run_row,
        report,
        counts,
        Path(run_row["report_path"]),
        loaded=loaded,
        data_docs=data_docs,
    )
    _publish_artifacts(run_row, counts, report, written)
    return written


def _artifact_key(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", text.lower())


def _publish_artifacts(
    run_row: dict[str, Any], counts: Counter[str], report: ValidationReport, path: Path
) -> None:
    create_table_artifact(
        key=_artifact_key("news-etl-counts"),
        table=[{"step": key, "count": value} for key, value in sorted(counts.items())],
        description=f"newsetl run {run_row['run_id']}: counts per step",
    )
    failed = [
        f"- `{o.table_name}.{o.expectation}` ({o.severity}, {o.action})"
        for o in report.outcomes
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
                f"- articles refused: {run_row['articles_rejected']}",
                f"- paragraphs removed as boilerplate: {run_row['paragraphs_removed']}",
                f"- mentions found: {run_row['mentions_found']}",
                f"- expectations passed / failed: {report.passed} / {report.failed}",
                *(["", "Failed expectations:", *failed] if failed else []),
                "",
                f"Report: `{path}`",
            ]
        ),
        description="newsetl run summary",
    )


def _flow_run_id() -> str | None:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # pragma: no cover - outside a flow run there is no id to record
        return None


def as_is(value: Any) -> Any:
    """Pass ``value`` to a task run in this process without Prefect walking every object inside
    it (looking for futures to resolve): on a batch of articles, or the alias index, that walk
    cost more than the transforms themselves."""
    return quote(value)


def stage_batches(
    index: RunIndex,
    reference: ReferenceData,
    settings: Settings,
    paths: WarehousePaths,
    today: dt.date,
    run_id: str,
    batch_size: int,
    parallelism: int,
    clock: StageSeconds,
) -> StagedSoFar:
    """Read, transform, validate and stage the pending files batch by batch: memory holds one
    batch per worker, and what the run knows per file stays in ``index``."""
    staged = StagedSoFar()
    in_flight: deque[PrefectFuture[StagedBatch]] = deque()
    sealed_reference = Sealed(reference)
    manifest = as_is(index.manifest)
    for number, batch in enumerate(index.pending_batches(batch_size)):
        read = read_files(as_is(batch), manifest, settings.max_file_bytes)
        with index.writing():
            reads = mark_duplicates(read.reads, index.first_seen)
        clock.lap("read")
        batch_args = (
            Sealed(reads),
            sealed_reference,
            today,
            run_id,
            settings.suites_dir,
            paths,
            number,
        )
        if parallelism <= 1:
            staged.add(process_batch(*batch_args))
        else:
            in_flight.append(process_batch.submit(*batch_args))
            while len(in_flight) > 2 * parallelism:
                staged.add(in_flight.popleft().result())
        clock.lap("process")
    while in_flight:
        staged.add(in_flight.popleft().result())
    clock.lap("process")
    return staged


# --- the flow -------------------------------------------------------------------------------


@flow(name="news_etl", log_prints=True)
def news_etl(
    raw_dir: str = str(Settings().raw_dir),
    warehouse_dir: str = str(Settings().warehouse_dir),
    batch_size: int | None = None,
    suites_dir: str | None = None,
    parallelism: int = 1,
) -> RunSummary:
    """Raw article files in ``raw_dir`` to the validated DuckDB warehouse in ``warehouse_dir``.

    ``parallelism`` > 1 submits batches to the flow's task runner (a Dask cluster, see
    ``flows.runtime.dask_task_runner``) with that many batches at work at once.
    """
    settings = Settings(raw_dir=Path(raw_dir), warehouse_dir=Path(warehouse_dir))
    if suites_dir:
        settings = replace(settings, suites_dir=Path(suites_dir))
    paths = WarehousePaths(settings.warehouse_dir.resolve())
    configure_heap()
    with run_lock(paths):
        return _run(settings, paths, batch_size or settings.batch_size, parallelism)


def _run(
    settings: Settings, paths: WarehousePaths, batch_size: int, parallelism: int
) -> RunSummary:
    logger = get_run_logger()
    started = dt.datetime.now(dt.UTC)
    today = started.date()
    run_id = new_run_id(started)
    counts: Counter[str] = Counter()
    clock = StageSeconds()

    # Extract: what is new or changed since the last run.
    index = scan_raw_folder(settings.raw_dir.resolve(), paths, run_id)
    try:
        reference = load_reference_data(settings.seeds_dir, paths)
        changes = index.change_counts()
        pending = sum(changes[change] for change in PENDING_CHANGES)
        # lingua builds its detectors (native, ~2 s) while the first batch is read; a run with
        # nothing to do, or whose batches go to Dask workers, never loads its models (360 MB).
        warm_up = warm_up_language_models() if pending and parallelism <= 1 else None
        counts["files_seen"] = changes.total()
        counts["files_processed"] = pending
        for change in ("new", "changed", "unchanged"):
            counts[f"files_{change}"] = changes[change]
        clock.lap("scan")
        staged = stage_batches(
            index, reference, settings, paths, today, run_id, batch_size, parallelism, clock
        )
    finally:
        index.remove()
    quoted_reference = as_is(reference)
    # The load is a run's memory peak (DuckDB's share comes on top of everything resident), and
    # the transforms' models and memos are done with: they go, with the heap's freed pages
    # (once the warm-up has finished: batches with no text to detect can end before it).
    if warm_up is not None:
        warm_up.join()
    release_transform_memory(reference.aliases)
    return_free_memory()

    if staged.report is None:  # nothing new: the suites still run, on empty tables
        nothing = BatchResult((), (), (), Counter())
        checked = validate_batch(nothing, quoted_reference, today, run_id, settings.suites_dir)
        staged.add(StagedBatch(checked.report, Counter()))

    # The run's verdict: every batch's report, and the entities of seeds/aliases.csv.
    alias_counts = Counter(row["entity_id"] for row in reference.alias_rows)
    entities = entity_table(reference.aliases.entities, dict(alias_counts))
    assert staged.report is not None  # at least one batch, if only the empty one
    entities_report = validate_entities(entities, quoted_reference, today, settings.suites_dir)
    report = merge_reports([staged.report, entities_report])
    counts.update(staged.counts)
    counts["expectations_passed"] = report.passed
    counts["expectations_failed"] = report.failed
    critical = tuple(f"{o.table_name}.{o.expectation}" for o in report.critical_failures)
    status = "failed_validation" if critical else "loaded"

    clock.lap("validate")

    # Load: all or nothing; a critical failure leaves the warehouse as it was.
    run_row = _run_row(run_id, started, status, settings, counts, report, clock.seconds, paths)
    if critical:
        shutil.rmtree(paths.staging_for(run_id), ignore_errors=True)
        message = "not loaded: critical expectations failed: " + ", ".join(critical)
        logger.error(message)
    else:
        load_warehouse(paths, run_id, entities, run_row, as_is(report))
        message = (
            f"loaded {counts['articles_loaded']} articles from {counts['files_processed']} files"
        )

    clock.lap("load")

    # Report.
    written = publish_report(paths, run_row, as_is(report), counts, not critical)
    clock.lap("report")
    return RunSummary(
        run_id=run_id,
        status=status,
        exit_code=1 if critical else 0,
        report_path=str(written),
        message=message,
        counts={**counts, **{f"seconds_{k}": round(v, 3) for k, v in clock.seconds.items()}},
        critical_failures=critical,
    )


def _run_row(
    run_id: str,
    started: dt.datetime,
    status: str,
    settings: Settings,
    counts: Counter[str],
    report: ValidationReport,
    seconds: dict[str, float],
    paths: WarehousePaths,
) -> dict[str, Any]:
    def total(prefix: str) -> int:
        return sum(v for k, v in counts.items() if k.startswith(prefix))

    timings = {f"seconds_{k}": round(v, 3) for k, v in seconds.items()}
    return {
        "run_id": run_id,
        "flow_run_id": _flow_run_id(),
        "started_at": started,
        "finished_at": dt.datetime.now(dt.UTC),
        "status": status,
        "raw_dir": str(settings.raw_dir.resolve()),
        "files_seen": counts["files_seen"],
        "files_processed": counts["files_processed"],
        "files_unchanged": counts["files_unchanged"],
        "files_rejected": total("files_rejected_"),
        "articles_loaded": counts["articles_loaded"],
        "articles_rejected": total("articles_dropped_") + counts["articles_quarantined"],
        "paragraphs_removed": counts["paragraphs_removed"],
        "mentions_found": counts["mentions_found"],
        "expectations_passed": report.passed,
        "expectations_failed": report.failed,
        "counts_json": json.dumps({**counts, **timings}, sort_keys=True),
        "report_path": str(paths.reports / f"run-{run_id}.html"),
    }
