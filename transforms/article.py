"""One raw article in, one processed ``Article`` (or a ``Rejection``) out.

This composes the transforms in the order of the architecture: repair, split, language per
paragraph, boilerplate, article language, scraper-damage repair, metadata, names. Everything it
needs (alias index, outlets, learned chrome, today's date) comes in through ``ArticleContext``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from transforms.boilerplate import (
    BODY,
    LineVerdict,
    classify_lines,
    normalize_line,
    trim_end_marks,
)
from transforms.coherence import assess_coherence
from transforms.language import (
    aggregate_language,
    clear_language_cache,
    detect_languages,
    release_language_models,
)
from transforms.metadata import OutletDirectory, extract_metadata
from transforms.names import (
    AliasIndex,
    clear_caches,
    find_mentions,
    find_name_candidates,
    normalize,
)
from transforms.records import (
    RAW_TEXT_FIELD,
    UNDETERMINED,
    Article,
    Mention,
    Paragraph,
    RawArticle,
    Rejection,
)
from transforms.repair import repair_scraper_damage, repair_text

_LINE = re.compile(r"[^\n]*\S[^\n]*")
OUTLET_CHROME = "outlet_chrome"
#: Lines with this many letters or more are prose, never learned as an outlet's chrome.
CHROME_MAX_LETTERS = 200


def line_key(line: str) -> str | None:
    """The key a short line is learned under as outlet chrome (None for prose)."""
    # A line shorter than CHROME_MAX_LETTERS characters cannot hold that many letters.
    if len(line) >= CHROME_MAX_LETTERS and sum(map(str.isalpha, line)) >= CHROME_MAX_LETTERS:
        return None
    return normalize_line(line) or None


_NON_LETTERS = re.compile(r"[\W\d_]+")

#: Quality flags an article can carry (``documents.quality_flags``).
QUALITY_FLAGS = (
    "scraper_damage",
    "scrambled_text",
    "mixed_language",
    "no_date",
    "no_outlet",
    "no_title",
    "repaired_encoding",
)


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """What processing an article needs besides the article: reference data and the clock."""

    aliases: AliasIndex
    outlets: OutletDirectory
    today: dt.date
    outlet_chrome: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def resolve_place(self, surface: str) -> str | None:
        for mention in find_mentions(surface, self.aliases):
            if mention.start == 0 and mention.end == len(surface.rstrip()):
                entity = self.aliases.entity(mention.entity_id)
                if entity is not None and entity.entity_type == "place":
                    return entity.canonical
        return None


def _extracted_verdicts(lines: Sequence[str], title: str | None) -> list[LineVerdict]:
    """Lines trafilatura already extracted from HTML: it judged them with the page structure,
    which plain-text cues cannot beat, so only a repeat of the headline is taken out."""
    headline = " ".join(title.split()).casefold() if title else None
    seen_title = False
    verdicts = []
    for line in lines:
        if headline is not None and " ".join(line.split()).casefold() == headline:
            verdicts.append(LineVerdict(True, "repeated_title" if seen_title else "title"))
            seen_title = True
        else:
            verdicts.append(LineVerdict(False, BODY))
    return verdicts


def make_doc_id(source_path: str, record_key: str) -> str:
    """Stable id of an article: its source file and its place in it, not its content."""
    identity = f"{source_path}#{record_key}" if record_key else source_path
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def _letter_count(text: str) -> int:
    # Deleting the complement is twice as fast as listing the letters, for the same count.
    return len(_NON_LETTERS.sub("", text))


#: Removed paragraphs whose names still belong to the story: the headline and a photo caption
#: name the people and places the article is about, unlike a teaser for another article.
MENTION_BEARING_CHROME = frozenset({"title", "caption"})


def _story_chrome_mentions(
    text: str,
    spans: Sequence[tuple[int, int]],
    reasons: Sequence[str],
    aliases: AliasIndex,
    body_mentions: Sequence[Mention],
) -> tuple[Mention, ...]:
    """Mentions in the headline and captions, offsets into the raw text (``text_field``)."""
    taken = {m.start for m in body_mentions}  # the table's key is (doc_id, start)
    found: list[Mention] = []
    for (start, end), reason in zip(spans, reasons, strict=True):
        if reason not in MENTION_BEARING_CHROME:
            continue
        for mention in find_mentions(text[start:end], aliases):
            shifted = replace(
                mention,
                start=mention.start + start,
                end=mention.end + start,
                text_field=RAW_TEXT_FIELD,
            )
            if shifted.start not in taken:
                taken.add(shifted.start)
                found.append(shifted)
    return tuple(found)


@dataclass(slots=True)
class StageSeconds:
    """Seconds spent per stage over many articles (the benchmark's per-stage figures)."""

    seconds: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now


def process_article(
    raw: RawArticle, context: ArticleContext, clock: StageSeconds | None = None
) -> Article | Rejection:
    clock = clock if clock is not None else StageSeconds()
    clock.lap("other")
    repaired = repair_text(raw.text)
    text = repaired.text
    # Offsets of each stripped line in the repaired text, so every paragraph can be found again.
    spans = [
        (
            m.start() + len(m.group()) - len(m.group().lstrip()),
            m.end() - len(m.group()) + len(m.group().rstrip()),
        )
        for m in _LINE.finditer(text)
    ]
    lines = [text[start:end] for start, end in spans]
    if not lines:
        return Rejection(raw.source_path, raw.record_key, "empty_text", "no text after repair")

    clock.lap("repair")
    guesses = detect_languages(lines)
    clock.lap("language")
    outlet_hint = context.outlets.canonical(raw.hints.outlet) if raw.hints.outlet else None
    chrome = context.outlet_chrome.get(outlet_hint or "", frozenset())
    if raw.source_format == "html":
        verdicts = _extracted_verdicts(lines, raw.hints.title)
    else:
        verdicts = classify_lines(lines, guesses, outlet_chrome=chrome)
    reasons = [v.reason for v in verdicts]
    clock.lap("boilerplate")

    body_parts = [
        (guess, _letter_count(line))
        for line, guess, verdict in zip(lines, guesses, verdicts, strict=True)
        if not verdict.is_boilerplate
    ]
    article_language = aggregate_language(body_parts)

    # Scraper damage is judged per kept line in that line's language; the mend keeps lengths.
    damaged_words = 0
    mended_lines = list(lines)
    for i, (line, guess, verdict) in enumerate(zip(lines, guesses, verdicts, strict=True)):
        if verdict.is_boilerplate:
            continue
        result = repair_scraper_damage(line, guess.lang if guess.lang != UNDETERMINED else "en")
        damaged_words += result.scraper_damage
        mended_lines[i] = result.text

    clock.lap("repair")
    metadata, dateline = extract_metadata(
        mended_lines,
        reasons,
        raw.hints,
        outlets=context.outlets,
        resolve_place=context.resolve_place,
        today=context.today,
    )

    # Lines this outlet prints on many of its pages (learned from the warehouse) are chrome,
    # whatever they look like; the outlet is known only now when the source did not say.
    learned = context.outlet_chrome.get(metadata.outlet or "", frozenset())
    if learned and not chrome:
        verdicts = [
            LineVerdict(True, OUTLET_CHROME)
            if not verdict.is_boilerplate and normalize_line(line) in learned
            else verdict
            for line, verdict in zip(lines, verdicts, strict=True)
        ]
        reasons = [v.reason for v in verdicts]

    body_lines: list[str] = []
    for line, verdict in zip(mended_lines, verdicts, strict=True):
        if verdict.is_boilerplate:
            continue
        if dateline is not None and not body_lines:
            line = line[dateline.length :].lstrip()
        line = trim_end_marks(line)
        if line:
            body_lines.append(line)
    clean_text = "\n\n".join(body_lines)
    if not clean_text.strip():
        return Rejection(raw.source_path, raw.record_key, "empty_body", "every line is boilerplate")

    clock.lap("metadata")
    mentions = find_mentions(clean_text, context.aliases)
    normalized = normalize(clean_text, context.aliases, mentions)
    caption_mentions = _story_chrome_mentions(text, spans, reasons, context.aliases, mentions)
    candidates = find_name_candidates(clean_text, context.aliases, mentions)

    clock.lap("names")
    flags: list[str] = []
    notes: list[str] = []
    if damaged_words:
        flags.append("scraper_damage")
        notes.append(f"scraper_damage: {damaged_words} damaged word start(s)")
    coherence = assess_coherence(body_lines, article_language.guess.lang)
    if coherence.scrambled:
        flags.append("scrambled_text")
        notes.extend(f"scrambled_text: {evidence}" for evidence in coherence.evidence)
    if article_language.mixed:
        flags.append("mixed_language")
    if metadata.published_date is None:
        flags.append("no_date")
    if metadata.outlet is None:
        flags.append("no_outlet")
    if metadata.title is None:
        flags.append("no_title")
    if "mojibake_or_unicode" in repaired.repairs:
        flags.append("repaired_encoding")

    paragraphs = tuple(
        Paragraph(
            position=i,
            text=mended,
            start=start,
            end=end,
            language=guess.lang,
            language_confidence=guess.confidence,
            is_boilerplate=verdict.is_boilerplate,
            reason=verdict.reason,
            line_key=line_key(line),
        )
        for i, (line, mended, (start, end), guess, verdict) in enumerate(
            zip(lines, mended_lines, spans, guesses, verdicts, strict=True)
        )
    )
    clock.lap("quality")
    return Article(
        doc_id=make_doc_id(raw.source_path, raw.record_key),
        source_path=raw.source_path,
        record_key=raw.record_key,
        source_format=raw.source_format,
        metadata=metadata,
        language=article_language.guess,
        language_shares=article_language.shares,
        raw_text=text,  # decoded and Unicode-repaired: every offset below indexes into it
        clean_text=clean_text,
        normalized_text=normalized,
        paragraphs=paragraphs,
        mentions=mentions + caption_mentions,
        name_candidates=candidates,
        quality_flags=tuple(flags),
        quality_notes=tuple(notes),
        url=raw.hints.url,
    )


@dataclass(frozen=True, slots=True)
class ProcessedBatch:
    articles: list[Article]
    rejections: list[Rejection]
    stage_seconds: dict[str, float]


def process_articles(raws: Sequence[RawArticle], context: ArticleContext) -> ProcessedBatch:
    clock = StageSeconds()
    articles: list[Article] = []
    rejections: list[Rejection] = []
    for raw in raws:
        result = process_article(raw, context, clock)
        if isinstance(result, Article):
            articles.append(result)
        else:
            rejections.append(result)
    clock.lap("other")
    return ProcessedBatch(articles, rejections, dict(clock.seconds))


def release_transform_memory(aliases: AliasIndex) -> None:
    """Drop what the transforms keep between articles, once a run has none left: lingua's
    models (about 300 MB), the language guesses and the names' memos of ``aliases`` (together
    about 100 MB after 20,000 files). The next article builds them again."""
    release_language_models()
    clear_language_cache()
    clear_caches(aliases)


__all__ = [
    "QUALITY_FLAGS",
    "ArticleContext",
    "ProcessedBatch",
    "StageSeconds",
    "make_doc_id",
    "process_article",
    "process_articles",
    "release_transform_memory",
]
