"""Run the Great Expectations suites of ``expectations/*.json`` against pandas frames.

Each suite file names its table and states the table's grain and key. Each expectation carries
a ``meta.name`` (the ``validations.expectation`` value) and a GX ``severity``: a failed
``critical`` expectation stops the load; a failed ``warning`` loads and is flagged.
Run-time values (today's date, the run's document ids, the entity ids) come in as GX suite
parameters (``{"$PARAMETER": name}`` in a suite).

A row-level expectation may also carry ``meta.quarantine: true``: the rows that break it are
moved out of the run (to the ``rejects`` table) and the rest loads; see ``expectations/README.md``.

Besides the outcomes, :func:`validate_tables` keeps each table's GX
``ExpectationSuiteValidationResult`` as a compact JSON dict (``ValidationReport.results``): plain
data that pickles across worker processes, from which ``expectations.data_docs`` builds Data Docs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SUITES_DIR = Path(__file__).resolve().parent
CRITICAL = "critical"
WARNING = "warning"
#: Longest list of rows or values kept in a result dict (``ValidationReport.results``).
MAX_RESULT_ITEMS = 20
#: Longest list kept in an expectation's arguments (value sets filled from ``$PARAMETER``, such as
#: the run's document ids); longer lists end with a "… N more" marker.
MAX_PARAMETER_ITEMS = 100
#: The run-time value that holds the documents of the rows being validated: not handed to GX.
DOC_IDS_PARAMETER = "doc_ids"
#: Column added to each validated frame whose rows belong to a document (see
#: :func:`with_document_keys`); the ``doc_exists`` expectations compare it with ``doc_id``.
DOCUMENT_KEY_COLUMN = "document_doc_id"
#: What a failed expectation did to the run (``validations.action``).
STOPPED_LOAD = "stopped_load"
QUARANTINED = "quarantined"
FLAGGED = "flagged"


@dataclass(frozen=True, slots=True)
class ExpectationOutcome:
    table_name: str
    expectation: str
    expectation_type: str
    column_name: str | None
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    details: str
    quarantine: bool = False
    #: Positions (0-based) in the validated frame of the rows that broke the expectation.
    unexpected_rows: tuple[int, ...] = ()
    action: str | None = None

    @property
    def stops_load(self) -> bool:
        return not self.success and self.severity == CRITICAL and self.action != QUARANTINED


@dataclass(frozen=True, slots=True)
class ValidationReport:
    outcomes: tuple[ExpectationOutcome, ...]
    #: One GX ``ExpectationSuiteValidationResult`` per validated table, as its JSON dict with long
    #: lists trimmed (see :func:`compact_result`); input of ``expectations.data_docs``.
    results: tuple[dict[str, Any], ...] = ()

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.success for o in self.outcomes)

    @property
    def critical_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if o.stops_load)


def load_suite_documents(suites_dir: Path = SUITES_DIR) -> dict[str, dict[str, Any]]:
    """Suite JSON documents by table name."""
    suites = {}
    for path in sorted(suites_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        suites[document["meta"]["table"]] = document
    return suites


def suite_name(table: str) -> str:
    """The GX suite name a table is validated under (``suite_name`` of its results)."""
    return f"{table}_suite"


_context_lock = threading.Lock()
_built_context: list[Any] = []


def _context() -> Any:
    # Under a lock: prepare_validation_in_background may be building it while a validation asks.
    with _context_lock:
        if not _built_context:
            _built_context.append(_new_context())
        return _built_context[0]


def _new_context() -> Any:
    # Imported here: great_expectations takes seconds to import and most commands never need it.
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX logs an INFO line per ephemeral context; only errors are worth a user's attention.
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.data_sources.add_pandas("newsetl")
    return context


def prepare_validation_in_background() -> threading.Thread:
    """Import Great Expectations and set up its context in a thread, instead of inside the
    first validation: the import (~2 s of Python) then runs while this process waits on
    Prefect's server and reads files; a validation that comes first waits for it."""
    thread = threading.Thread(target=_prepare_quietly, name="prepare-validation")
    thread.start()
    return thread


def _prepare_quietly() -> None:
    # A failure here is raised again, to the run, by the first validation that asks.
    with contextlib.suppress(Exception):
        _context()


def _batch(table: str, frame: pd.DataFrame) -> Any:
    source = _context().data_sources.get("newsetl")
    try:
        asset = source.get_asset(table)
    except LookupError:
        asset = source.add_dataframe_asset(table)
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, LookupError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    return definition.get_batch(batch_parameters={"dataframe": frame})


def _details(result: Mapping[str, Any]) -> str:
    sample = result.get("partial_unexpected_list") or []
    shown = [str(value)[:80] for value in sample[:5]]
    observed = result.get("observed_value")
    parts = []
    if shown:
        parts.append("unexpected: " + "; ".join(shown))
    if observed is not None:
        parts.append(f"observed: {str(observed)[:120]}")
    return " | ".join(parts)


def _trim_list(values: list[Any], limit: int, *, marker: bool) -> list[Any]:
    if len(values) <= limit:
        return values
    kept = values[:limit]
    return [*kept, f"… {len(values) - limit} more"] if marker else kept


def compact_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """A suite validation result's JSON dict, small enough to ship between processes.

    Lists of unexpected values and row indices keep their first ``MAX_RESULT_ITEMS`` items (the
    counts stay exact); ``unexpected_index_query`` (a pandas snippet listing every index) goes;
    list arguments of expectations longer than ``MAX_PARAMETER_ITEMS`` end with a marker.
    """
    compact = dict(result)
    items = []
    for item in result.get("results", ()):
        item = dict(item)
        values = dict(item.get("result") or {})
        values.pop("unexpected_index_query", None)
        for key, value in values.items():
            if isinstance(value, list):
                values[key] = _trim_list(value, MAX_RESULT_ITEMS, marker=False)
        item["result"] = values
        config = dict(item.get("expectation_config") or {})
        kwargs = dict(config.get("kwargs") or {})
        for key, value in kwargs.items():
            if isinstance(value, list):
                kwargs[key] = _trim_list(value, MAX_PARAMETER_ITEMS, marker=True)
        config["kwargs"] = kwargs
        item["expectation_config"] = config
        items.append(item)
    compact["results"] = items
    return compact


def with_document_keys(frame: pd.DataFrame, doc_ids: Collection[str]) -> pd.DataFrame:
    """``frame`` with :data:`DOCUMENT_KEY_COLUMN`: each row's ``doc_id`` where ``doc_ids`` has
    it, null where it does not (a left join on the documents, as dbt's ``relationships`` test
    does).

    GX 1.x has no expectation across two tables. A value set of the batch's document ids
    (``expect_column_values_to_be_in_set``) did the same check, but GX copies an expectation's
    arguments each time it reads its configuration (~130 times per validation): with a
    1,000-file batch's ids that copying was a third of the batch's validation time.
    """
    keyed = frame.copy(deep=False)
    keyed[DOCUMENT_KEY_COLUMN] = frame["doc_id"].where(frame["doc_id"].isin(doc_ids), None)
    return keyed


def _validate(
    table: str,
    frame: pd.DataFrame,
    suite_document: Mapping[str, Any],
    parameters: Mapping[str, Any],
) -> tuple[list[ExpectationOutcome], dict[str, Any]]:
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name=suite_name(table),
        expectations=[dict(e) for e in suite_document["expectations"]],
        meta=dict(suite_document.get("meta", {})),
    )
    # COMPLETE lists the index of every failing row: quarantine needs them all.
    result = _batch(table, frame.reset_index(drop=True)).validate(
        suite, expectation_parameters=dict(parameters), result_format="COMPLETE"
    )
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        kwargs = config.kwargs
        column = (
            kwargs.get("column")
            or kwargs.get("column_A")
            or ",".join(kwargs.get("column_list", []))
            or None
        )
        exception = (item.exception_info or {}).get("exception_message")
        severity = str(getattr(config.severity, "value", config.severity))
        success = bool(item.success)
        outcomes.append(
            ExpectationOutcome(
                table_name=table,
                expectation=str(config.meta.get("name") or config.type),
                expectation_type=config.type,
                column_name=column,
                severity=severity,
                success=success,
                element_count=item.result.get("element_count"),
                unexpected_count=item.result.get("unexpected_count"),
                details=f"error: {exception}" if exception else _details(item.result),
                quarantine=bool(config.meta.get("quarantine")),
                unexpected_rows=tuple(
                    int(i) for i in item.result.get("unexpected_index_list") or ()
                ),
                action=None if success else (STOPPED_LOAD if severity == CRITICAL else FLAGGED),
            )
        )
        # Trimmed before serialising: a broken column can list every row of the batch.
        for key, value in list(item.result.items()):
            if isinstance(value, list) and len(value) > MAX_RESULT_ITEMS:
                item.result[key] = value[:MAX_RESULT_ITEMS]
    return outcomes, compact_result(result.to_json_dict())


def validate_tables(
    frames: Mapping[str, pd.DataFrame],
    parameters: Mapping[str, Any],
    suites_dir: Path = SUITES_DIR,
) -> ValidationReport:
    """Validate every frame that has a suite; tables without a frame are skipped. Rows of
    frames with a ``doc_id`` (other than the documents') are checked against the parameter
    ``doc_ids`` (:func:`with_document_keys`)."""
    outcomes: list[ExpectationOutcome] = []
    results: list[dict[str, Any]] = []
    doc_ids = set(parameters.get(DOC_IDS_PARAMETER, ()))
    suite_parameters = {k: v for k, v in parameters.items() if k != DOC_IDS_PARAMETER}
    for table, document in load_suite_documents(suites_dir).items():
        if table in frames:
            frame = frames[table]
            if table != "documents" and "doc_id" in frame.columns:
                frame = with_document_keys(frame, doc_ids)
            table_outcomes, result = _validate(table, frame, document, suite_parameters)
            outcomes.extend(table_outcomes)
            results.append(result)
    return ValidationReport(tuple(outcomes), tuple(results))
