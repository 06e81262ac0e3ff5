"""The records that cross newsetl's boundaries, each defined once.

Every record is a frozen, slotted dataclass: values in, values out. A record that should be
rejected is not dropped; it carries a reason and is counted (see ``Rejection``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: ISO 639-1 code used when there is too little text to tell the language.
UNDETERMINED = "und"


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language decision: ISO 639-1 code (or ``"und"``) and a confidence in [0, 1]."""

    lang: str
    confidence: float


@dataclass(frozen=True, slots=True)
class SourceHints:
    """What is known about an article from outside its text (manifest, JSONL fields, HTML)."""

    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as read from a raw file, text decoded but not yet repaired.

    ``source_path`` identifies the file; ``record_key`` tells articles of one file apart
    (the line number of a JSONL file, empty for one-article files).
    """

    source_path: str
    record_key: str
    text: str
    source_format: str  # "txt" | "html" | "jsonl"
    encoding: str
    hints: SourceHints = field(default_factory=SourceHints)


@dataclass(frozen=True, slots=True)
class RepairResult:
    """Text after repair, with the names of the repairs that changed something."""

    text: str
    repairs: tuple[str, ...] = ()
    scraper_damage: int = 0  # damaged word starts seen, repaired or not


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One non-empty line of an article's repaired text and the decisions taken on it.

    ``start``/``end`` are character offsets into the repaired (pre-boilerplate) text.
    """

    position: int
    text: str
    start: int
    end: int
    language: str
    language_confidence: float
    is_boilerplate: bool
    reason: str  # "body" when kept, else why it was removed
    #: Normalised form of a short line, under which outlet chrome is learned (None for prose).
    line_key: str | None = None


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None = None
    outlet: str | None = None
    published_date: dt.date | None = None
    dateline_place: str | None = None
    author: str | None = None


CLEAN_TEXT_FIELD = "clean_text"
RAW_TEXT_FIELD = "raw_text"


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of a known entity.

    ``start``/``end`` index into the document's ``text_field``: ``clean_text`` for the body,
    ``raw_text`` for names in removed paragraphs that still belong to the story (captions).
    """

    entity_id: str
    canonical: str
    surface: str
    start: int
    end: int
    match_kind: str  # "exact" | "folded" | "transliterated" | "fuzzy"
    text_field: str = CLEAN_TEXT_FIELD


@dataclass(frozen=True, slots=True)
class NameCandidate:
    """A spelling that looks like a known entity but is not in the alias table."""

    surface: str
    resembles_entity_id: str
    resembles_canonical: str
    score: float
    context: str


@dataclass(frozen=True, slots=True)
class Article:
    """One processed article: the unit that becomes a ``documents`` row."""

    doc_id: str
    source_path: str
    record_key: str
    source_format: str
    metadata: Metadata
    language: LanguageGuess
    language_shares: tuple[tuple[str, float], ...]
    raw_text: str
    clean_text: str
    normalized_text: str
    paragraphs: tuple[Paragraph, ...]
    mentions: tuple[Mention, ...]
    name_candidates: tuple[NameCandidate, ...]
    quality_flags: tuple[str, ...]
    #: Why each flag was raised, for the analyst ("scrambled_text: 'Secondly,' before 'First,'").
    quality_notes: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that did not become an article, and why (a ``files`` row)."""

    source_path: str
    record_key: str
    reason: str
    detail: str = ""
