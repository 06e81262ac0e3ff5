"""The Great Expectations suites: they match the warehouse's declared tables, pass on good
rows and fail, by name, on deliberately broken ones."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from expectations.runner import (
    CRITICAL,
    DOCUMENT_KEY_COLUMN,
    WARNING,
    load_suite_documents,
    validate_tables,
    with_document_keys,
)
from flows.quality import literal_alternation, validation_parameters
from warehouse.schema import TABLES_BY_NAME

ALIAS_ROWS = [
    {"entity_id": "plc_karabakh", "canonical": "Karabakh", "alias": "Garabagh"},
    {"entity_id": "plc_karabakh", "canonical": "Karabakh", "alias": "Karabakh"},
]
PARAMETERS = validation_parameters(
    doc_ids=["d1", "d2"],
    alias_rows=ALIAS_ROWS,
    entity_ids=["plc_karabakh"],
    today=dt.date(2026, 11, 23),
)


def test_every_suite_states_its_tables_grain_and_key() -> None:
    suites = load_suite_documents()
    assert set(suites) == {"files", "documents", "paragraphs", "mentions", "entities"}
    for name, suite in suites.items():
        table = TABLES_BY_NAME[name]
        assert suite["meta"]["grain"] == table.grain
        assert tuple(suite["meta"]["key"]) == table.key
        for expectation in suite["expectations"]:
            assert expectation["severity"] in (CRITICAL, WARNING)
            assert expectation["meta"]["name"]
            kwargs = expectation["kwargs"]
            named = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
            for column in [*named, *kwargs.get("column_list", [])]:
                # The one column added for validation: the documents' key (a lookup).
                known = column in (*table.column_names, DOCUMENT_KEY_COLUMN)
                assert column is None or known, (name, column)


def _documents(**overrides: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "doc_id": ["d1", "d2"],
            "source_path": ["/a.txt", "/b.txt"],
            "language": ["en", "az"],
            "language_confidence": [0.99, 0.8],
            "published_date": pd.to_datetime([dt.date(2024, 4, 23), None]),
            "raw_text": ["raw one", "raw two"],
            "clean_text": ["Karabakh is a region.", "Body two."],
            "normalized_text": ["Karabakh is a region.", "Body two."],
            "outlet": ["News.Az", "Turan"],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _paragraphs(**overrides: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d2"],
            "position": [0, 1, 0],
            "text": ["Title", "Body", "Body two."],
            "language": ["en", "en", "az"],
            "language_confidence": [0.9, 0.9, 0.8],
            "reason": ["title", "body", "body"],
            "is_boilerplate": [True, False, False],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _failed(frames: dict[str, pd.DataFrame]) -> set[tuple[str, str, str]]:
    report = validate_tables(frames, PARAMETERS)
    return {(o.table_name, o.expectation, o.severity) for o in report.outcomes if not o.success}


def test_good_rows_pass() -> None:
    assert _failed({"documents": _documents(), "paragraphs": _paragraphs()}) == set()


@pytest.mark.parametrize(
    ("table", "broken", "expectation", "severity"),
    [
        ("documents", {"clean_text": ["", "Body two."]}, "clean_text_not_empty", CRITICAL),
        (
            "documents",
            {"published_date": pd.to_datetime([dt.date(2099, 1, 1), None])},
            "published_date_range",
            CRITICAL,
        ),
        ("documents", {"doc_id": ["d1", "d1"]}, "doc_id_unique", CRITICAL),
        ("documents", {"language_confidence": [1.5, 0.8]}, "language_confidence_range", CRITICAL),
        (
            "documents",
            {"clean_text": ["Body.\nLeave a review\n", "Body two."]},
            "no_boilerplate_phrase_in_clean_text",
            CRITICAL,
        ),
        (
            "documents",
            {"normalized_text": ["Garabagh is a region.", "Body two."]},
            "no_raw_variant_in_normalized_text",
            WARNING,
        ),
        ("paragraphs", {"language": ["en", "xx", "az"]}, "language_accepted", CRITICAL),
        ("paragraphs", {"reason": ["title", "body", "made_up"]}, "reason_accepted", CRITICAL),
        ("paragraphs", {"doc_id": ["d1", "d1", "d9"]}, "doc_exists", CRITICAL),
        ("paragraphs", {"position": [0, 0, 0]}, "key_unique", CRITICAL),
    ],
)
def test_broken_rows_fail_the_named_expectation(
    table: str, broken: dict[str, list[object]], expectation: str, severity: str
) -> None:
    frames = {"documents": _documents(), "paragraphs": _paragraphs()}
    frames[table] = _documents(**broken) if table == "documents" else _paragraphs(**broken)
    assert (table, expectation, severity) in _failed(frames)


def test_mentions_must_point_at_known_entities_and_documents() -> None:
    mentions = pd.DataFrame(
        {
            "doc_id": ["d1", "d3"],
            "start": [0, 5],
            "end": [8, 3],
            "entity_id": ["plc_karabakh", "plc_nowhere"],
            "match_kind": ["exact", "guessed"],
            "surface": ["Karabakh", ""],
        }
    )
    failed = {name for table, name, _ in _failed({"mentions": mentions})}
    assert failed == {
        "doc_exists",
        "entity_exists",
        "match_kind_accepted",
        "offsets_ordered",
        "surface_not_empty",
    }


def _flat_alternation(words: list[str]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in ordered) + r")(?!\w)")


@pytest.mark.parametrize(
    "text",
    [
        "Garabagh and Qarabağ are spellings; Qarabağlı is another word.",
        "Shainoglu, Şahinoğlu, Shain, Shainogluu, Elhan-Shainoglu",
        "ab abc abd abcd x xx",
        "",
        "Нагорный Карабах, Карабахе, Карабах.",
    ],
)
def test_the_trie_regex_finds_what_the_flat_alternation_finds(text: str) -> None:
    words = [
        "Garabagh",
        "Qarabağ",
        "Shainoglu",
        "Şahinoğlu",
        "ab",
        "abc",
        "abd",
        "x",
        "Карабах",
        "Нагорный Карабах",
    ]
    trie = re.compile(r"(?<!\w)" + literal_alternation(words) + r"(?!\w)")
    flat = _flat_alternation(words)
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)]
    assert all(trie.fullmatch(word) for word in words)


def test_document_keys_are_a_left_join_on_the_batchs_documents() -> None:
    paragraphs = _paragraphs(doc_id=["d1", "d9", None])
    keyed = with_document_keys(paragraphs, {"d1", "d2"})
    assert keyed[DOCUMENT_KEY_COLUMN].tolist() == ["d1", None, None]
    assert DOCUMENT_KEY_COLUMN not in paragraphs.columns  # the caller's frame is left as it was
