"""Quarantine: articles that break row-level expectations leave the run, the rest loads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from expectations.runner import QUARANTINED
from flows.validate import ValidatedBatch, merge_reports, validate_batch_tables
from tests.conftest import ROOT, PipelineRun, copy_seed_articles, run_pipeline, suites_with
from warehouse.schema import CANDIDATE_OCCURRENCES, DOCUMENTS, FILES, MENTIONS, PARAGRAPHS, REJECTS

TODAY = dt.date(2026, 11, 23)


def _tables(**rows: list[dict[str, object]]) -> dict[str, pa.Table]:
    schemas = {
        t.name: t.arrow_schema
        for t in (FILES, DOCUMENTS, PARAGRAPHS, MENTIONS, CANDIDATE_OCCURRENCES, REJECTS)
    }
    return {
        name: pa.Table.from_pylist(rows.get(name, []), schema=schema)
        for name, schema in schemas.items()
    }


def _validate(tables: dict[str, pa.Table]) -> ValidatedBatch:
    return validate_batch_tables(
        tables,
        run_id="r1",
        alias_rows=[],
        entity_ids=[],
        today=TODAY,
        suites_dir=ROOT / "expectations",
    )


def _document(doc_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "doc_id": doc_id,
        "source_path": f"/raw/{doc_id}.txt",
        "record_key": "",
        "language": "en",
        "language_confidence": 0.99,
        "published_date": dt.date(2024, 4, 23),
        "raw_text": "Body text.",
        "clean_text": "Body text.",
        "normalized_text": "Body text.",
        "outlet": "News.Az",
        "run_id": "r1",
    }
    row.update(overrides)
    return row


def _paragraph(doc_id: str, language: str = "en") -> dict[str, object]:
    return {
        "doc_id": doc_id,
        "position": 0,
        "text": "Body text.",
        "language": language,
        "language_confidence": 0.9,
        "is_boilerplate": False,
        "reason": "body",
    }


def test_a_broken_batch_is_quarantined_by_the_named_expectations() -> None:
    good = [f"good{i}" for i in range(7)]
    broken = {"empty": {"clean_text": ""}, "future": {"published_date": dt.date(2099, 1, 1)}}
    documents = [_document(d) for d in good] + [_document(d, **o) for d, o in broken.items()]
    documents.append(_document("badlang"))
    paragraphs = [_paragraph(str(d["doc_id"])) for d in documents[:-1]]
    paragraphs.append(_paragraph("badlang", "xx"))
    files = [
        {
            "path": d["source_path"],
            "sha256": "0" * 64,
            "status": "loaded",
            "article_count": 1,
            "run_id": "r1",
        }
        for d in documents
    ]
    result = _validate(_tables(documents=documents, paragraphs=paragraphs, files=files))

    assert result.quarantined_docs == 3
    assert result.report.critical_failures == ()
    actions = {
        (o.table_name, o.expectation): o.action for o in result.report.outcomes if not o.success
    }
    assert actions == {
        ("documents", "clean_text_not_empty"): QUARANTINED,
        ("documents", "published_date_range"): QUARANTINED,
        ("paragraphs", "language_accepted"): QUARANTINED,
    }
    assert sorted(result.tables["documents"]["doc_id"].to_pylist()) == good
    assert sorted(result.tables["paragraphs"]["doc_id"].to_pylist()) == good
    rejects = result.tables[REJECTS.name].to_pylist()
    assert {(r["doc_id"], r["reason"]) for r in rejects} == {
        ("empty", "expectation:documents.clean_text_not_empty"),
        ("future", "expectation:documents.published_date_range"),
        ("badlang", "expectation:paragraphs.language_accepted"),
    }
    statuses = {r["path"]: (r["status"], r["reason"]) for r in result.tables["files"].to_pylist()}
    assert statuses["/raw/future.txt"] == ("rejected", "quarantined")
    assert statuses["/raw/good0.txt"] == ("loaded", None)


def test_too_many_broken_articles_stop_the_run_instead() -> None:
    documents = [_document("a", clean_text=""), _document("b", clean_text=""), _document("c")]
    result = _validate(_tables(documents=documents))
    assert result.quarantined_docs == 0
    assert [o.expectation for o in result.report.critical_failures] == ["clean_text_not_empty"]


def test_merged_batch_reports_fail_if_any_batch_failed() -> None:
    good = _validate(_tables(documents=[_document("a")])).report
    bad = _validate(
        _tables(documents=[_document("b", clean_text=""), _document("c", clean_text="")])
    )
    merged = merge_reports([good, bad.report])
    outcome = next(o for o in merged.outcomes if o.expectation == "clean_text_not_empty")
    assert not outcome.success
    assert outcome.element_count == 3 and outcome.unexpected_count == 2
    assert [o.expectation for o in merged.critical_failures] == ["clean_text_not_empty"]


@pytest.mark.e2e
def test_flow_quarantines_and_loads_the_rest(prefect_server: None, tmp_path: Path) -> None:
    raw_dir = copy_seed_articles(tmp_path / "articles")
    # A contract that one sample breaks: this outlet's articles are refused row by row.
    suites = suites_with(
        tmp_path / "suites",
        "documents",
        {
            "type": "expect_column_values_to_not_be_in_set",
            "kwargs": {"column": "outlet", "value_set": ["Modern.az"]},
            "severity": "critical",
            "meta": {"name": "outlet_not_blocked", "quarantine": True},
        },
        # And a warning the samples break (four have no title): it flags, it does not block.
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "title"},
            "severity": "warning",
            "meta": {"name": "title_present"},
        },
    )
    warehouse_dir = tmp_path / "warehouse"
    summary = run_pipeline(raw_dir, warehouse_dir, suites_dir=str(suites))
    run = PipelineRun(raw_dir, warehouse_dir, summary)
    assert summary.exit_code == 0
    assert run.query("SELECT count(*) FROM documents") == [(4,)]
    assert run.query("SELECT count(*) FROM documents WHERE outlet = 'Modern.az'") == [(0,)]
    assert run.query("SELECT stage, reason FROM rejects") == [
        ("validation", "expectation:documents.outlet_not_blocked")
    ]
    assert run.query("SELECT status, reason FROM files WHERE path LIKE '%000_%'") == [
        ("rejected", "quarantined")
    ]
    assert run.query(
        "SELECT success, action FROM validations WHERE expectation = 'outlet_not_blocked'"
    ) == [(False, QUARANTINED)]
    assert run.query(
        "SELECT success, severity, action FROM validations WHERE expectation = 'title_present'"
    ) == [(False, "warning", "flagged")]
    assert "title_present" in Path(summary.report_path).read_text(encoding="utf-8")
    assert run.query(
        "SELECT count(*) FROM paragraphs p JOIN files f ON f.path LIKE '%000_%' "
        "JOIN documents d ON d.doc_id = p.doc_id AND d.source_path = f.path"
    ) == [(0,)]
