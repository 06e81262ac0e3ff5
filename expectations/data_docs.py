"""Great Expectations Data Docs for a run, from the result dicts of ``ValidationReport.results``.

A run validates its batches separately, so a table has one result per batch:
:func:`merge_results` folds them into one result per suite, and :func:`build_data_docs` renders
those as a GX Data Docs site (an index, one page per suite with its expectations, grain and key,
one page per validated table of the run) into any folder, through an ephemeral GX context.
Nothing is fetched while building; the pages GX writes do link CSS and scripts on public CDNs
(see ``expectations/README.md``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from expectations.runner import (
    MAX_RESULT_ITEMS,
    SUITES_DIR,
    load_suite_documents,
    suite_name,
)

SITE_NAME = "newsetl"
#: Result counts that add up over batches.
_SUMMED = ("element_count", "unexpected_count", "missing_count")
#: Lists of values that are concatenated over the failing batches, then capped.
_CONCATENATED = ("partial_unexpected_list", "unexpected_list")
#: Row positions inside one batch's frame: meaningless for the run, dropped when merging.
_BATCH_LOCAL = ("partial_unexpected_index_list", "unexpected_index_list", "unexpected_index_query")
#: Arguments not worth showing in an expectation's description.
_HIDDEN_KWARGS = ("batch_id", "column", "column_list", "column_A", "column_B", "result_format")


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def _expectation_key(item: Mapping[str, Any]) -> tuple[str, str, str]:
    config = item.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    column = kwargs.get("column") or ",".join(kwargs.get("column_list") or ())
    return (str(config.get("type")), str((config.get("meta") or {}).get("name", "")), column)


def _merge_counts(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for item in items:
        for entry in item.get("partial_unexpected_counts") or ():
            key = json.dumps(entry.get("value"), sort_keys=True, default=str)
            merged = counts.setdefault(key, {"value": entry.get("value"), "count": 0})
            merged["count"] += int(entry.get("count") or 0)
    ranked = sorted(counts.values(), key=lambda entry: -entry["count"])
    return ranked[:MAX_RESULT_ITEMS]


def _merge_expectation(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    failing = [item for item in items if not item.get("success")]
    merged = copy.deepcopy(dict(failing[0] if failing else items[0]))
    merged["success"] = not failing
    raised = [i for i in items if (i.get("exception_info") or {}).get("raised_exception")]
    if raised:
        merged["exception_info"] = copy.deepcopy(raised[0]["exception_info"])
    results = [item.get("result") or {} for item in items]
    failing_results = [item.get("result") or {} for item in failing]
    values: dict[str, Any] = dict(merged.get("result") or {})
    for key in _BATCH_LOCAL:
        values.pop(key, None)
    for key in _SUMMED:
        if any(key in result for result in results):
            values[key] = sum(int(result.get(key) or 0) for result in results)
    for key in _CONCATENATED:
        if any(key in result for result in results):
            concatenated = [v for result in failing_results for v in result.get(key) or ()]
            values[key] = concatenated[:MAX_RESULT_ITEMS]
    if any("partial_unexpected_counts" in result for result in results):
        values["partial_unexpected_counts"] = _merge_counts(failing_results)
    if "element_count" in values and "unexpected_count" in values:
        elements, unexpected = values["element_count"], values["unexpected_count"]
        missing = values.get("missing_count", 0)
        values["unexpected_percent"] = _percent(unexpected, elements - missing)
        values["unexpected_percent_nonmissing"] = _percent(unexpected, elements - missing)
        values["unexpected_percent_total"] = _percent(unexpected, elements)
        if "missing_count" in values:
            values["missing_percent"] = _percent(missing, elements)
    merged["result"] = values
    return merged


def _statistics(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    evaluated = len(results)
    successful = sum(bool(r.get("success")) for r in results)
    return {
        "evaluated_expectations": evaluated,
        "successful_expectations": successful,
        "unsuccessful_expectations": evaluated - successful,
        "success_percent": _percent(successful, evaluated),
    }


def _run_meta(run_id: str, run_time: dt.datetime) -> dict[str, str]:
    return {"run_name": run_id, "run_time": run_time.isoformat()}


def _default_run_time(run_id: str) -> dt.datetime:
    """The time newsetl's run ids start with (``20261123T175500Z-1a2b3c``), else now."""
    try:
        return dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime.now(dt.UTC)


def merge_results(
    results: Sequence[Mapping[str, Any]],
    *,
    run_id: str | None = None,
    run_time: dt.datetime | None = None,
) -> list[dict[str, Any]]:
    """One result per suite from the per-batch result dicts of a run, in first-seen order.

    A suite succeeds when every batch did; an expectation likewise. Counts are summed and the
    percentages recomputed; unexpected values come from the failing batches in order, capped at
    ``MAX_RESULT_ITEMS``; row indices (positions within one batch) are dropped; statistics are
    recomputed. ``meta`` is the first batch's, with ``batch_count`` and, when given, ``run_id``
    as GX writes it (``{"run_name", "run_time"}``). The input is not modified.
    """
    by_suite: dict[str, list[Mapping[str, Any]]] = {}
    for result in results:
        by_suite.setdefault(str(result["suite_name"]), []).append(result)
    merged_suites = []
    for name, batches in by_suite.items():
        by_expectation: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
        for batch in batches:
            for item in batch.get("results") or ():
                by_expectation.setdefault(_expectation_key(item), []).append(item)
        expectations = [_merge_expectation(items) for items in by_expectation.values()]
        meta = copy.deepcopy(dict(batches[0].get("meta") or {}))
        meta["batch_count"] = sum(int(b.get("meta", {}).get("batch_count", 1)) for b in batches)
        if len(batches) > 1:
            markers = dict(meta.get("batch_markers") or {})
            markers.pop("pandas_data_fingerprint", None)  # one batch's, not the run's
            meta["batch_markers"] = markers
        if run_id is not None:
            meta["run_id"] = _run_meta(run_id, run_time or _default_run_time(run_id))
        merged_suites.append(
            {
                "success": all(bool(b.get("success")) for b in batches),
                "results": expectations,
                "suite_name": name,
                "suite_parameters": copy.deepcopy(dict(batches[0].get("suite_parameters") or {})),
                "statistics": _statistics(expectations),
                "meta": meta,
                "id": None,
            }
        )
    return merged_suites


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return f"run-time {value['$PARAMETER']}"
    if isinstance(value, list):
        items = [str(v) for v in value if not str(v).startswith("… ")]
        more = f", … ({len(items)} values)" if len(items) > 5 else ""
        return "[" + ", ".join(items[:5]) + more + "]"
    return str(value)[:80]


def _description(config: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> str:
    """``name [severity, quarantine]: type on columns (arguments)``, shown by GX's pages.

    GX 1.24.1's own way of adding meta columns to validation pages (suite ``meta.notes`` in
    ``meta_properties`` format) breaks every expectation's rendering, so the description,
    which GX shows in place of its generated sentence, carries newsetl's name and severity.
    """
    meta = config.get("meta") or {}
    kwargs = config.get("kwargs") or {}
    name = str(meta.get("name") or config.get("type"))
    flags = str(config.get("severity") or "critical") + (
        ", quarantine" if meta.get("quarantine") else ""
    )
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    columns += list(kwargs.get("column_list") or ())
    target = f" on {', '.join(map(str, columns))}" if columns else ""
    parameters = parameters or {}
    arguments = "; ".join(
        f"{key}={_shown(value)}"
        if key not in parameters
        # A run-time value differs per batch: name it, and show what the first batch had.
        else f"{key}=run-time {parameters[key]}, e.g. {_shown(value)}"
        for key, value in kwargs.items()
        if key not in _HIDDEN_KWARGS
    )
    text = f"{name} [{flags}]: {config.get('type')}{target}" + (
        f" ({arguments})" if arguments else ""
    )
    return text.replace("$", "＄")  # GX treats the description as a $-template


def _docs_suite(table: str, document: Mapping[str, Any]) -> Any:
    """The suite as Data Docs show it: grain and key as notes, names in the descriptions."""
    import great_expectations as gx

    meta = dict(document.get("meta") or {})
    key = ", ".join(str(column) for column in meta.get("key") or ())
    notes = [f"Table {table}: {meta.get('grain', '')}; key: {key}."]
    if meta.get("note"):
        notes.append(str(meta["note"]))
    expectations = []
    for expectation in document["expectations"]:
        expectation = copy.deepcopy(dict(expectation))
        expectation["description"] = _description(expectation)
        expectations.append(expectation)
    return gx.ExpectationSuite(
        name=suite_name(table), expectations=expectations, meta=meta, notes=notes
    )


def _parameter_names(document: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """For each expectation name, its arguments that come from ``$PARAMETER``."""
    names: dict[str, dict[str, str]] = {}
    for expectation in document["expectations"]:
        name = str((expectation.get("meta") or {}).get("name") or expectation.get("type"))
        names[name] = {
            key: str(value["$PARAMETER"])
            for key, value in (expectation.get("kwargs") or {}).items()
            if isinstance(value, dict) and "$PARAMETER" in value
        }
    return names


def _docs_result(
    result: Mapping[str, Any],
    run_meta: Mapping[str, str],
    parameters: Mapping[str, Mapping[str, str]],
) -> Any:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )

    document = copy.deepcopy(dict(result))
    document["meta"] = {**(document.get("meta") or {}), "run_id": dict(run_meta)}
    for item in document.get("results") or ():
        config = item.get("expectation_config") or {}
        name = str((config.get("meta") or {}).get("name") or config.get("type"))
        config["description"] = _description(config, parameters.get(name))
    return ExpectationSuiteValidationResultSchema().load(document)


def build_data_docs(
    results: Sequence[Mapping[str, Any]],
    site_dir: Path,
    *,
    run_id: str,
    run_time: dt.datetime | None = None,
    suites_dir: Path = SUITES_DIR,
) -> Path:
    """Build GX Data Docs for a run's results into ``site_dir``; returns the site's index.html.

    ``results`` are result dicts (per batch or already merged: results of the same suite are
    merged first). Every suite of ``suites_dir`` gets a page; each validated table gets a page
    under ``validations/<suite>/<run_id>/<run time>/<table>.html``. The index lists this build's
    run only (pages of earlier runs built into the same folder stay on disk, unlisted): give
    each run its own folder, e.g. ``warehouse/reports/gx-<run_id>/``.
    """
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    run_time = run_time or _default_run_time(run_id)
    site_dir = Path(site_dir).resolve()
    site_dir.mkdir(parents=True, exist_ok=True)

    # A new context per build: its in-memory stores then hold this run only.
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site_config: Any = {  # GX's TypedDict for it lacks keys the SiteBuilder takes
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),  # absolute: GX would resolve it elsewhere
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_cta_footer": False},
    }
    context.add_data_docs_site(SITE_NAME, site_config)
    tables = {}
    parameters = {}
    for table, document in load_suite_documents(suites_dir).items():
        context.suites.add(_docs_suite(table, document))
        tables[suite_name(table)] = table
        parameters[suite_name(table)] = _parameter_names(document)

    run = RunIdentifier(run_name=run_id, run_time=run_time)
    for result in merge_results(results, run_id=run_id, run_time=run_time):
        name = result["suite_name"]
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name),
            run_id=run,
            batch_identifier=tables.get(name, name.removesuffix("_suite")),
        )
        docs_result = _docs_result(result, result["meta"]["run_id"], parameters.get(name, {}))
        context.validation_results_store.set(key, docs_result)
    context.build_data_docs(site_names=[SITE_NAME])
    return site_dir / "index.html"
