"""Records to Arrow tables with the warehouse's explicit schemas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from transforms.names import Entity
from transforms.records import Article
from warehouse.schema import (
    CANDIDATE_OCCURRENCES,
    DOCUMENTS,
    ENTITIES,
    FILES,
    MENTIONS,
    PARAGRAPHS,
    Table,
)


def to_arrow(table: Table, rows: Iterable[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=table.arrow_schema)


def file_rows(files: Sequence[dict[str, Any]], run_id: str) -> pa.Table:
    return to_arrow(FILES, ({**row, "run_id": run_id} for row in files))


def document_rows(articles: Sequence[Article], run_id: str) -> Iterable[dict[str, Any]]:
    for article in articles:
        removed = [p for p in article.paragraphs if p.is_boilerplate]
        total_chars = sum(len(p.text) for p in article.paragraphs) or 1
        yield {
            "doc_id": article.doc_id,
            "source_path": article.source_path,
            "record_key": article.record_key,
            "source_format": article.source_format,
            "url": article.url,
            "outlet": article.metadata.outlet,
            "published_date": article.metadata.published_date,
            "dateline_place": article.metadata.dateline_place,
            "title": article.metadata.title,
            "author": article.metadata.author,
            "language": article.language.lang,
            "language_confidence": article.language.confidence,
            "language_shares": [
                {"lang": lang, "share": share} for lang, share in article.language_shares
            ],
            "raw_text": article.raw_text,
            "clean_text": article.clean_text,
            "normalized_text": article.normalized_text,
            "quality_flags": list(article.quality_flags),
            "quality_notes": list(article.quality_notes),
            "paragraph_count": len(article.paragraphs),
            "removed_paragraph_count": len(removed),
            "removed_char_share": sum(len(p.text) for p in removed) / total_chars,
            "mention_count": len(article.mentions),
            "run_id": run_id,
        }


def paragraph_rows(articles: Sequence[Article]) -> Iterable[dict[str, Any]]:
    for article in articles:
        for p in article.paragraphs:
            yield {
                "doc_id": article.doc_id,
                "position": p.position,
                "text": p.text,
                "start": p.start,
                "end": p.end,
                "language": p.language,
                "language_confidence": p.language_confidence,
                "is_boilerplate": p.is_boilerplate,
                "reason": p.reason,
                "line_key": p.line_key,
            }


def mention_rows(articles: Sequence[Article]) -> Iterable[dict[str, Any]]:
    for article in articles:
        for m in article.mentions:
            yield {
                "doc_id": article.doc_id,
                "start": m.start,
                "end": m.end,
                "entity_id": m.entity_id,
                "canonical": m.canonical,
                "surface": m.surface,
                "match_kind": m.match_kind,
                "text_field": m.text_field,
            }


def candidate_rows(articles: Sequence[Article]) -> Iterable[dict[str, Any]]:
    for article in articles:
        seen: set[str] = set()
        for c in article.name_candidates:
            if c.surface in seen:  # the table's key is (doc_id, surface)
                continue
            seen.add(c.surface)
            yield {
                "doc_id": article.doc_id,
                "surface": c.surface,
                "resembles_entity_id": c.resembles_entity_id,
                "resembles_canonical": c.resembles_canonical,
                "score": c.score,
                "context": c.context,
            }


def article_tables(articles: Sequence[Article], run_id: str) -> dict[str, pa.Table]:
    return {
        DOCUMENTS.name: to_arrow(DOCUMENTS, document_rows(articles, run_id)),
        PARAGRAPHS.name: to_arrow(PARAGRAPHS, paragraph_rows(articles)),
        MENTIONS.name: to_arrow(MENTIONS, mention_rows(articles)),
        CANDIDATE_OCCURRENCES.name: to_arrow(CANDIDATE_OCCURRENCES, candidate_rows(articles)),
    }


def entity_table(entities: Sequence[Entity], alias_counts: dict[str, int]) -> pa.Table:
    return to_arrow(
        ENTITIES,
        (
            {
                "entity_id": e.entity_id,
                "entity_type": e.entity_type,
                "canonical": e.canonical,
                "contested_with": e.contested_with,
                "alias_count": alias_counts.get(e.entity_id, 0),
            }
            for e in entities
        ),
    )
