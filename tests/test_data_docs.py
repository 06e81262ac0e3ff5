"""Data Docs of a run: per-batch GX results merged per suite, rendered by GX into a folder."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from expectations.data_docs import build_data_docs, merge_results
from expectations.runner import MAX_RESULT_ITEMS, ValidationReport, validate_tables
from flows.quality import validation_parameters

RUN_ID = "20261123T120000Z-abc123"
TODAY = dt.date(2026, 11, 23)


def _documents(doc_ids: list[str], **overrides: list[Any]) -> pd.DataFrame:
    n = len(doc_ids)
    frame = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "source_path": [f"/raw/{d}.txt" for d in doc_ids],
            "language": ["en"] * n,
            "language_confidence": [0.9] * n,
            "published_date": pd.to_datetime([dt.date(2024, 4, 23)] * n),
            "raw_text": ["Raw text."] * n,
            "clean_text": ["Body text."] * n,
            "normalized_text": ["Body text."] * n,
            "outlet": ["News.Az"] * n,
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _paragraphs(doc_ids: list[str], languages: list[str]) -> pd.DataFrame:
    n = len(doc_ids)
    return pd.DataFrame(
        {
            "doc_id": doc_ids,
            "position": [0] * n,
            "text": ["Body text."] * n,
            "language": languages,
            "language_confidence": [0.9] * n,
            "reason": ["body"] * n,
            "is_boilerplate": [False] * n,
        }
    )


def _validate(doc_ids: list[str], frames: dict[str, pd.DataFrame]) -> ValidationReport:
    parameters = validation_parameters(doc_ids=doc_ids, alias_rows=[], entity_ids=[], today=TODAY)
    return validate_tables(frames, parameters)


@pytest.fixture(scope="module")
def batches() -> tuple[ValidationReport, ValidationReport]:
    good_ids = ["g1", "g2", "g3"]
    good = _validate(
        good_ids,
        {"documents": _documents(good_ids), "paragraphs": _paragraphs(good_ids, ["en"] * 3)},
    )
    # 30 paragraphs in a made-up language: more than a result dict keeps.
    broken_ids = ["b1", "b2"]
    paragraph_ids = ["b1"] * 30 + ["b2"]
    broken_paragraphs = _paragraphs(paragraph_ids, ["xx"] * 30 + ["en"])
    broken_paragraphs["position"] = range(len(paragraph_ids))
    broken = _validate(
        broken_ids,
        {
            "documents": _documents(broken_ids, clean_text=["", "Body text."]),
            "paragraphs": broken_paragraphs,
        },
    )
    return good, broken


def _by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["expectation_config"]["meta"]["name"]: r for r in result["results"]}


def test_reports_carry_small_picklable_results(
    batches: tuple[ValidationReport, ValidationReport],
) -> None:
    good, broken = batches
    assert [r["suite_name"] for r in good.results] == ["documents_suite", "paragraphs_suite"]
    assert [r["success"] for r in good.results] == [True, True]
    assert pickle.loads(pickle.dumps(broken)) == broken
    language = _by_name(broken.results[1])["language_accepted"]
    assert language["result"]["unexpected_count"] == 30
    assert len(language["result"]["unexpected_index_list"]) == MAX_RESULT_ITEMS
    assert "unexpected_index_query" not in language["result"]
    # The outcomes still see every broken row (quarantine needs them).
    [outcome] = [
        o
        for o in broken.outcomes
        if (o.table_name, o.expectation) == ("paragraphs", "language_accepted")
    ]
    assert len(outcome.unexpected_rows) == 30


def test_merge_results_one_result_per_suite(
    batches: tuple[ValidationReport, ValidationReport],
) -> None:
    good, broken = batches
    merged = merge_results([*good.results, *broken.results], run_id=RUN_ID)
    assert [(m["suite_name"], m["success"]) for m in merged] == [
        ("documents_suite", False),
        ("paragraphs_suite", False),
    ]
    documents, paragraphs = (_by_name(m) for m in merged)
    empty = documents["clean_text_not_empty"]
    assert empty["success"] is False
    assert (empty["result"]["element_count"], empty["result"]["unexpected_count"]) == (5, 1)
    assert empty["result"]["unexpected_percent"] == pytest.approx(20.0)
    assert documents["doc_id_unique"]["success"] is True
    language = paragraphs["language_accepted"]
    assert (language["result"]["element_count"], language["result"]["unexpected_count"]) == (
        34,
        30,
    )
    assert language["result"]["partial_unexpected_counts"] == [{"value": "xx", "count": 30}]
    assert len(language["result"]["partial_unexpected_list"]) == MAX_RESULT_ITEMS
    assert "unexpected_index_list" not in language["result"]
    statistics = merged[0]["statistics"]
    assert statistics["evaluated_expectations"] == len(documents)
    assert statistics["unsuccessful_expectations"] == 1
    assert merged[0]["meta"]["run_id"]["run_name"] == RUN_ID
    assert merged[0]["meta"]["batch_count"] == 2
    # Only good batches: the merged suites pass.
    assert [m["success"] for m in merge_results(list(good.results))] == [True, True]


def test_merging_batch_by_batch_gives_the_merge_of_all(
    batches: tuple[ValidationReport, ValidationReport],
) -> None:
    # The flow folds each batch's report into the run's as it arrives (flows.validate).
    good, broken = batches
    at_once = merge_results([*good.results, *broken.results, *good.results])
    folded = merge_results([*merge_results([*good.results, *broken.results]), *good.results])
    assert folded == at_once
    assert [m["meta"]["batch_count"] for m in folded] == [3, 3]


def test_build_data_docs_renders_the_run(
    batches: tuple[ValidationReport, ValidationReport], tmp_path: Path
) -> None:
    good, broken = batches
    index = build_data_docs([*good.results, *broken.results], tmp_path / "gx", run_id=RUN_ID)
    assert index == (tmp_path / "gx" / "index.html").resolve()
    assert index.is_file()
    site = index.parent
    assert {p.stem for p in (site / "expectations").glob("*.html")} == {
        "documents_suite",
        "entities_suite",
        "files_suite",
        "mentions_suite",
        "paragraphs_suite",
    }
    [page] = (site / "validations" / "documents_suite" / RUN_ID).glob("*/documents.html")
    html = page.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # newsetl's name and severity, in the description GX shows for each expectation.
    assert "clean_text_not_empty [critical, quarantine]" in text
    assert re.search(r"Evaluated Expectations\s+12\b", text)
    assert re.search(r"Unsuccessful Expectations\s+1\b", text)
    assert re.search(r"Observed Value", text)
    assert "1 unexpected values found. 20% of 5 total rows" in text  # summed over the batches
    [paragraph_page] = (site / "validations" / "paragraphs_suite" / RUN_ID).glob("*/*.html")
    paragraph_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", paragraph_page.read_text()))
    assert "language_accepted [critical, quarantine]" in paragraph_text
    assert "30 unexpected values found. ≈88.24% of 34 total rows" in paragraph_text
    suite_page = (site / "expectations" / "documents_suite.html").read_text(encoding="utf-8")
    assert "one row per article" in suite_page
    assert "doc_id" in suite_page
    index_html = index.read_text(encoding="utf-8")
    assert RUN_ID in index_html
    assert "documents_suite" in index_html
