"""Generate a realistic benchmark corpus of raw scraped articles from real text (issue 8).

Usage::

    .venv/bin/python bench/make_corpus.py N OUT_DIR [--seed S] [--shared DIR] [--truth FILE]
                                          [--jobs J] [--writers W]
    .venv/bin/python bench/make_corpus.py 10000 /tmp/corpus10k

writes N files into ``OUT_DIR/<folder>/`` (at most 1,000 files per folder), plus
``OUT_DIR/manifest.csv`` (``file,outlet,url,published,title``, filled for about half of the
files) and ``OUT_DIR/corpus.json`` (what the corpus holds: files per kind, articles per outlet and
language, duplicates, bad files, damaged letters, name variants, sizes, input hashes).

The text is real: the English body paragraphs, title, caption and teasers of the sample
articles in ``seeds/articles/``, the sentences of ``<shared>/benchmarks/langid/dev.jsonl``
(Azerbaijani, Russian, Armenian and Georgian articles, teasers, headlines) and the whole pages,
passages and boilerplate lines of ``<shared>/benchmarks/boilerplate/dev.jsonl``. They are read
where they are, never copied into the repository. What is synthetic is the arrangement: each
outlet's chrome (``bench/corpus_parts.py``), dates, spellings of names, scraper damage, bad files.

The same N, seed and inputs give the same bytes: every folder of 1,000 files is drawn from its
own ``random.Random(f"{seed}/{folder}")``, so ``--jobs`` processes can make folders in parallel
without changing a byte, and the corpus for N is the first N files of the corpus for any larger
N. Files are streamed to disk (memory does not grow with N). OUT_DIR must be absent or empty.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import multiprocessing.pool
import os
import queue
import random
import re
import resource
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_parts import (
    BINARY_HEADERS,
    CAPTION_CREDITS,
    CAPTION_PEOPLE,
    DAMAGE_LETTERS,
    MONTHS_AZ,
    MONTHS_EN,
    MONTHS_HY_GEN,
    MONTHS_KA,
    MONTHS_RU_GEN,
    NAME_VARIANTS,
    OUTLETS,
    REVIEW_LINE,
    SLUG_TABLE,
    Outlet,
)

_T = TypeVar("_T")
ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "seeds" / "articles"
DEFAULT_SHARED = ROOT.parent / "shared"
FORMAT_VERSION = 1

MAX_BYTES = 50_000  # no file is larger
MIN_BODY_CHARS = 150  # the smallest article is one paragraph of at least this many characters
FILES_PER_FOLDER = 1_000
BLOCK = 100  # kinds are allotted per block of 100 files, so every 100 files have the same mix
KIND_QUOTA: tuple[tuple[str, int], ...] = (
    ("article", 84),
    ("web_page", 6),
    ("jsonl", 2),
    ("duplicate", 4),
    ("empty", 1),
    ("binary", 1),
    ("cp1251", 2),
)
FIRST_DATE = dt.date(2019, 1, 1)
DATE_SPAN_DAYS = (dt.date(2026, 10, 31) - FIRST_DATE).days
DUPLICATE_POOL = 400  # recent files a duplicate may copy (bounded memory)
SIZE_BINS = ((1_000, "<1k"), (5_000, "1-5k"), (10_000, "5-10k"), (20_000, "10-20k"))

MANIFEST_FIELDS = ("file", "outlet", "url", "published", "title")
TRUTH_FIELDS = (
    "file", "line", "kind", "outlet", "language", "published", "title",
    "damaged_letters", "mixed_language", "duplicate_of",
)  # fmt: skip

_ENTITIES = tuple(NAME_VARIANTS)
_VARIANTS = tuple(NAME_VARIANTS[e] for e in _ENTITIES)
_SPELLING_TO_ENTITY = {v: i for i, e in enumerate(_ENTITIES) for v in NAME_VARIANTS[e]}
_NAME_RE = re.compile(
    r"(?<!\w)(?:"
    + "|".join(re.escape(s) for s in sorted(_SPELLING_TO_ENTITY, key=lambda s: (-len(s), s)))
    + r")(?!\w)"
)
_DAMAGE_SET = frozenset(DAMAGE_LETTERS)
_DAMAGED_RE = re.compile("(?<![^\\W\\d_])[" + "".join(sorted(_DAMAGE_SET)) + "](?=[a-z])")
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?”\"] ))[A-Z](?=[a-z]{2})")
_WORD_REST = re.compile(r"[a-z]+")
_WIDGET_RE = re.compile(r"^\s*date \d{4}-\d\d-\d\d\b")
_DATELINE_RE = re.compile(r"^\S+/\d\d\.\d\d\.\d\d/\S+?:\s*")
_END_MARK_RE = re.compile(r"\s*—\s*0\s*—\s*$")
_CAPTION_RE = re.compile(r"(?:İllüstrasiya|Foto|Photo|Фото): [^.]{0,40}$")
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
_LOG_1500 = math.log(1_500)
_LOG_8000 = math.log(8_000)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
_AZ_LETTERS = frozenset("əğışçöüİƏĞŞÇÖÜ")


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of English text, split at the names whose spelling may change."""

    pid: int  # identity in the render cache
    parts: tuple[str | int, ...]  # text, or the index of an entity of NAME_VARIANTS
    plain: str | None  # the text itself when no name in it varies
    nbytes: int
    damaged: int  # damaged letters left in the source (ambiguous ones of sample 002)
    headlines: tuple[Para, ...] = ()  # its sentences short enough for a headline


@dataclass(frozen=True, slots=True)
class WebPage:
    url: str
    text: str
    lang: str


@dataclass
class Sources:
    seed_bodies: list[list[Para]]
    seed_titles: list[Para | None]
    captions: list[str]
    teasers: dict[str, list[str]]
    sentences: dict[str, list[str]]
    sentence_bytes: dict[str, list[int]]
    headlines: dict[str, list[str]]
    pages: list[WebPage]
    digest: list[Para]
    web_chrome: list[str]
    hashes: dict[str, str]


class ParaCompiler:
    """Turns text into ``Para`` records with consecutive ids."""

    def __init__(self) -> None:
        self.next_id = 0

    def __call__(self, text: str, *, headlines: bool = False) -> Para:
        parts: list[str | int] = []
        at = 0
        for match in _NAME_RE.finditer(text):
            if match.start() > at:
                parts.append(text[at : match.start()])
            parts.append(_SPELLING_TO_ENTITY[match.group(0)])
            at = match.end()
        if at < len(text):
            parts.append(text[at:])
        heads: tuple[Para, ...] = ()
        if headlines:
            heads = tuple(
                self(sentence.rstrip(" .:;"))
                for sentence in _SENTENCE_SPLIT.split(text)
                if 35 <= len(sentence) <= 110
                and sentence[0].isupper()
                and not any(q in sentence for q in '"“”')  # no half quotations
            )
        self.next_id += 1
        plain = text if all(isinstance(p, str) for p in parts) else None
        damaged = len(_DAMAGED_RE.findall(text))
        return Para(self.next_id, tuple(parts), plain, len(text.encode()), damaged, heads)


def script_language(text: str) -> str:
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return "ru"
    if any(ch in _AZ_LETTERS for ch in text):
        return "az"
    return "en"


def parse_seed(text: str) -> tuple[list[str], str | None, list[str], list[str]]:
    """Body paragraphs, title, captions and teasers of one sample article (chrome removed)."""
    body: list[str] = []
    captions: list[str] = []
    teasers: list[str] = []
    title: str | None = None
    in_teasers = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == REVIEW_LINE:
            in_teasers = True
            continue
        if in_teasers:
            if not line.startswith("Follow us") and line != "News Line":
                teasers.append(line)
            continue
        if _WIDGET_RE.match(line) or line == "News.Az":
            continue
        if _CAPTION_RE.search(line) and len(line) < 200:
            captions.append(line)
            continue
        line = _END_MARK_RE.sub("", _DATELINE_RE.sub("", line))
        if len(line) < 60 and line[-1] not in '.!?"”:':
            if title is None and not body:
                title = line
            continue
        body.append(line)
    return body, title, captions, teasers


def mend_damage(text: str, vocabulary: frozenset[str]) -> str:
    """Undo the sample's own scraper damage where one capital letter makes a word the samples
    use elsewhere (``Īccording`` -> ``According``; ``Īs`` -> ``As``, the first fit). The
    generator adds damage itself, at a rate it controls and counts."""

    def mend(match: re.Match[str]) -> str:
        rest = _WORD_REST.match(text, match.end())
        tail = rest.group(0) if rest else ""
        fits = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if (c + tail).lower() in vocabulary]
        return fits[0] if fits else match.group(0)

    return _DAMAGED_RE.sub(mend, text)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _page_language(text: str) -> str:
    sample = text[:6_000].lower()
    english = sample.count(" the ") + sample.count(" and ") + sample.count(" of ")
    german = sample.count(" der ") + sample.count(" und ") + sample.count(" die ")
    return "en" if english > german else "de"


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data.rfind(b"\n", 0, limit)
    return data[: cut if cut > 0 else limit].decode("utf-8", errors="ignore")


def load_sources(shared: Path, seed_dir: Path = SEED_DIR) -> Sources:
    bench = shared / "benchmarks"
    langid_path = bench / "langid" / "dev.jsonl"
    boiler_path = bench / "boilerplate" / "dev.jsonl"
    seed_paths = sorted(seed_dir.glob("*.txt"))
    missing = [p for p in (langid_path, boiler_path) if not p.is_file()]
    if missing or not seed_paths:
        raise FileNotFoundError(
            f"missing input: {', '.join(map(str, missing)) or seed_dir / '*.txt'}"
        )
    hashes = {f"seeds/articles/{p.name}": _sha256(p) for p in seed_paths}
    hashes["benchmarks/langid/dev.jsonl"] = _sha256(langid_path)
    hashes["benchmarks/boilerplate/dev.jsonl"] = _sha256(boiler_path)

    seed_bodies: list[list[Para]] = []
    seed_titles: list[Para | None] = []
    captions: list[str] = []
    teasers: dict[str, list[str]] = {"en": [], "az": [], "ru": []}
    compile_para = ParaCompiler()
    seed_texts = [p.read_text(encoding="utf-8") for p in seed_paths]
    vocabulary = frozenset(w.lower() for t in seed_texts for w in re.findall(r"[A-Za-z]+", t))
    for text in seed_texts:
        body, title, seed_captions, seed_teasers = parse_seed(text)
        if body:
            seed_bodies.append(
                [compile_para(mend_damage(p, vocabulary), headlines=True) for p in body]
            )
            seed_titles.append(compile_para(title) if title else None)
        captions.extend(seed_captions)
        for line in seed_teasers:
            teasers[script_language(line)].append(line)

    sentences: dict[str, list[str]] = {}
    with langid_path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("kind") == "sentence":
                sentences.setdefault(row["lang"], []).append(row["text"].strip())
    headlines: dict[str, list[str]] = {}
    for lang, pool in sentences.items():
        short = [s.rstrip(".") for s in pool if 25 <= len(s) <= 100]
        headlines[lang] = short
        if lang in teasers:
            teasers[lang].extend(short)

    pages: list[WebPage] = []
    digest: list[Para] = []
    chrome: dict[str, None] = {}
    with boiler_path.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            text = _clip(row["text"], MAX_BYTES)
            if len(text.strip()) < MIN_BODY_CHARS:
                continue
            lang = _page_language(text)
            pages.append(WebPage(row.get("url") or "", text, lang))
            if lang != "en":
                continue
            group: list[str] = []
            for passage in row.get("keep") or ():
                group.append(" ".join(passage.split()))
                if sum(map(len, group)) >= 300:
                    digest.append(compile_para(" ".join(group)))
                    group = []
            if sum(map(len, group)) >= 80:
                digest.append(compile_para(" ".join(group)))
            for passage in row.get("drop") or ():
                passage = " ".join(passage.split())
                if 8 <= len(passage) <= 60 and passage.isascii() and passage[0].isupper():
                    chrome[passage] = None
    return Sources(
        seed_bodies=seed_bodies,
        seed_titles=seed_titles,
        captions=captions,
        teasers=teasers,
        sentences=sentences,
        sentence_bytes={k: [len(x.encode()) + 1 for x in v] for k, v in sentences.items()},
        headlines=headlines,
        pages=pages,
        digest=digest,
        web_chrome=list(chrome),
        hashes=hashes,
    )


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Article:
    text: str
    outlet: Outlet | None
    lang: str
    title: str
    url: str
    published: dt.datetime
    damaged: int = 0
    mixed: bool = False


@dataclass
class Stats:
    files_by_kind: Counter[str] = field(default_factory=Counter)
    outlets: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    encodings: Counter[str] = field(default_factory=Counter)
    manifest: Counter[str] = field(default_factory=Counter)
    sizes: Counter[str] = field(default_factory=Counter)
    articles: int = 0
    jsonl_articles: int = 0
    jsonl_malformed_lines: int = 0
    damaged_files: int = 0
    damaged_letters: int = 0
    mixed_language: int = 0
    crlf_files: int = 0
    total_bytes: int = 0
    min_bytes: int = 0
    max_bytes: int = 0
    text_files: int = 0
    text_bytes: int = 0

    def merge(self, other: Stats) -> None:
        if other.text_files:
            low = other.min_bytes
            self.min_bytes = min(self.min_bytes, low) if self.text_files else low
        for name in ("files_by_kind", "outlets", "languages", "encodings", "manifest", "sizes"):
            getattr(self, name).update(getattr(other, name))
        for name in (
            "articles", "jsonl_articles", "jsonl_malformed_lines", "damaged_files",
            "damaged_letters", "mixed_language", "crlf_files", "total_bytes", "text_files",
            "text_bytes",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.max_bytes = max(self.max_bytes, other.max_bytes)


def _month_fields(month: int) -> dict[str, object]:
    return {
        "m": f"{month + 1:02d}",
        "mon_en": MONTHS_EN[month],
        "MON_EN": MONTHS_EN[month].upper(),
        "mon_en3": MONTHS_EN[month][:3],
        "mon_az": MONTHS_AZ[month],
        "Mon_az": MONTHS_AZ[month].capitalize(),
        "mon_ru": MONTHS_RU_GEN[month],
        "MON_RU": MONTHS_RU_GEN[month].upper(),
        "mon_ru3": MONTHS_RU_GEN[month][:3],
        "mon_hy": MONTHS_HY_GEN[month],
        "mon_ka": MONTHS_KA[month],
    }


_MONTH_FIELDS = tuple(_month_fields(month) for month in range(12))


def date_fields(when: dt.datetime, views: int) -> dict[str, object]:
    """Values for the placeholders of widget, dateline and URL formats (see corpus_parts)."""
    fields = dict(_MONTH_FIELDS[when.month - 1])
    fields.update(
        Y=when.year,
        yy=f"{when.year % 100:02d}",
        d=f"{when.day:02d}",
        day=when.day,
        H=f"{when.hour:02d}",
        M=f"{when.minute:02d}",
        views=views,
    )
    return fields


def slugify(text: str) -> str:
    return _SLUG_STRIP.sub("-", text.lower().translate(SLUG_TABLE)).strip("-")[:80].rstrip("-")


def lead_clause(paragraph: str) -> str:
    """A headline cut from the lead sentence, for paragraphs without a short sentence."""
    lead = _SENTENCE_SPLIT.split(paragraph, maxsplit=1)[0]
    if len(lead) <= 110:
        return lead.rstrip(" .,:;")
    cut = lead.rfind(", ", 0, 90)
    if cut < 25:
        cut = lead.rfind(" ", 0, 90)
    return lead[:cut].rstrip(" .,:;")


RENDER_CACHE = 8  # renderings kept per paragraph and outlet (bounded memory, fewer draws)


class CorpusBuilder:
    """Draws every decision of a block of files from one ``random.Random``; bounded state."""

    def __init__(self, sources: Sources, seed: int, block: int = 0) -> None:
        self.src = sources
        # One stream per block of files, so blocks can be made in any order or in parallel.
        self.rng = random.Random(f"{seed}/{block}")
        self.rnd = self.rng.random
        self.outlet_cum = list(_cumulative(o.weight for o in OUTLETS))
        # House style: each outlet prefers one spelling of each name (the same in every block).
        rnd = random.Random(f"{seed}/house").random
        self.house = [
            [int(rnd() * len(v)) if rnd() < 0.6 else 0 for v in _VARIANTS] for _ in OUTLETS
        ]
        self.outlet_langs = [
            ([lang for lang, _ in o.languages], list(_cumulative(w for _, w in o.languages)))
            for o in OUTLETS
        ]
        self.ru_outlets = [
            i for i, o in enumerate(OUTLETS) if any(x == "ru" for x, _ in o.languages)
        ]
        self.ru_cum = list(_cumulative(OUTLETS[i].weight for i in self.ru_outlets))
        self.avg_sentence_bytes = {
            lang: sum(sizes) / max(1, len(sizes)) for lang, sizes in sources.sentence_bytes.items()
        }
        self.steps = {
            lang: [k for k in range(1, len(pool)) if math.gcd(k, len(pool)) == 1] or [1]
            for lang, pool in sources.sentences.items()
        }
        self.cache: dict[int, list[tuple[str, int]]] = {}
        self.walks: dict[str, tuple[list[str], list[int]]] = {}
        self.rendering_choices: list[tuple[tuple[int, int], ...]] = []
        self.rendering_uses: list[int] = []
        self.one_para = [
            p for body in sources.seed_bodies for p in body if p.nbytes >= MIN_BODY_CHARS
        ]

    def pick(self, items: Sequence[_T]) -> _T:
        return items[int(self.rnd() * len(items))]

    # -- text pieces -------------------------------------------------------------------------

    def render(self, para: Para, outlet: int) -> str:
        if para.plain is not None:
            return para.plain
        rnd = self.rnd
        key = para.pid * 64 + outlet
        entries = self.cache.get(key)
        if entries is None:
            entries = self.cache[key] = []
        slot = int(rnd() * RENDER_CACHE)
        if slot < len(entries):
            text, rid = entries[slot]
            self.rendering_uses[rid] += 1
            return text
        house = self.house[outlet]
        out: list[str] = []
        choices: list[tuple[int, int]] = []
        for part in para.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            variants = _VARIANTS[part]
            index = house[part] if rnd() < 0.7 else int(rnd() * len(variants))
            choices.append((part, index))
            out.append(variants[index])
        text = "".join(out)
        entries.append((text, len(self.rendering_uses)))
        self.rendering_choices.append(tuple(choices))
        self.rendering_uses.append(1)
        return text

    def variant_counts(self) -> list[list[int]]:
        counts = [[0] * len(v) for v in _VARIANTS]
        for choices, uses in zip(self.rendering_choices, self.rendering_uses, strict=True):
            for entity, index in choices:
                counts[entity][index] += uses
        return counts

    def target_size(self) -> int:
        """Body size in bytes: 0 means a single paragraph."""
        rnd = self.rnd()
        if rnd < 0.10:
            return 0
        if rnd < 0.75:
            return int(math.exp(_LOG_1500 + self.rnd() * (_LOG_8000 - _LOG_1500)))
        if rnd < 0.93:
            return 8_000 + int(self.rnd() * 12_000)
        return 20_000 + int(self.rnd() * 26_000)

    def english_body(self, target: int, outlet: int) -> tuple[list[str], int, str]:
        """Paragraphs, damaged letters and a headline from the articles' own sentences."""
        rnd = self.rnd
        bodies = self.src.seed_bodies
        if target == 0:
            para = self.pick(self.one_para)
            title = self.render(self.pick(para.headlines), outlet) if para.headlines else ""
            text = self.render(para, outlet)
            return [text], para.damaged, title or lead_clause(text)
        primary = int(rnd() * len(bodies))
        start = 0 if rnd() < 0.7 else int(rnd() * len(bodies[primary]))
        order = [i for i in range(len(bodies)) if i != primary]
        self.rng.shuffle(order)
        digest = self.src.digest
        queue: Iterable[Para] = _chain(
            bodies[primary][start:],
            *(bodies[i] for i in order),
            _rotate(digest, int(rnd() * len(digest))),
        )
        paragraphs: list[str] = []
        heads: list[Para] = []
        size = damaged = 0
        for para in queue:
            if size >= target or size + para.nbytes > MAX_BYTES - 5_000:
                break
            paragraphs.append(self.render(para, outlet))
            if len(paragraphs) <= 3:
                heads.extend(para.headlines)
            size += para.nbytes + 2
            damaged += para.damaged
        seed_title = self.src.seed_titles[primary] if start == 0 else None
        if seed_title is not None and rnd() < 0.8:
            title = self.render(seed_title, outlet)
        elif heads:
            title = self.render(self.pick(heads), outlet)
        else:
            title = lead_clause(paragraphs[0])
        return paragraphs, damaged, title

    def walk(self, lang: str, step: int) -> tuple[list[str], list[int]]:
        """The language's sentences in the order 0, step, 2*step, ... (mod n), twice over, and
        the running byte count; built once per stride and kept (a few hundred references)."""
        key = f"{lang}:{step}"
        walk = self.walks.get(key)
        if walk is None:
            pool = self.src.sentences[lang]
            sizes = self.src.sentence_bytes[lang]
            order = [(j * step) % len(pool) for j in range(len(pool))] * 2
            walk = ([pool[i] for i in order], [0, *itertools.accumulate(sizes[i] for i in order)])
            self.walks[key] = walk
        return walk

    def sentence_body(self, lang: str, target: int) -> list[str]:
        """Paragraphs of 1-4 sentences walked from a random start with a random stride, so an
        article never repeats a sentence and two articles rarely share a sequence."""
        rnd = self.rnd
        n = len(self.src.sentences[lang])
        texts, cum = self.walk(lang, self.pick(self.steps[lang]))
        at = int(rnd() * n)
        if target == 0:  # one paragraph of at least MIN_BODY_CHARS
            end = at + 1
            while end < at + n and sum(map(len, texts[at:end])) < MIN_BODY_CHARS:
                end += 1
            return [" ".join(texts[at:end])]
        limit = min(target, MAX_BYTES - 6_000)
        end = min(at + n, bisect.bisect_left(cum, cum[at] + limit, at) + 1)
        paragraphs: list[str] = []
        while at < end:
            stop = at + 1 + int(rnd() * 4)
            if stop > end:
                stop = end
            paragraphs.append(" ".join(texts[at:stop]))
            at = stop
        return paragraphs

    def damage(self, text: str) -> tuple[str, int]:
        starts = [m.start() for m in _SENTENCE_START.finditer(text)]
        if not starts:
            return text, 0
        at = self.pick(starts)
        letter = self.pick(DAMAGE_LETTERS)
        if at >= 2 and text[at - 1] == " " and self.rnd() < 0.3:
            return text[: at - 1] + letter + text[at + 1 :], 1  # glued: "opponents.Īccording"
        return text[:at] + letter + text[at + 1 :], 1

    def pick_outlet(self, lang: str | None) -> int:
        if lang == "ru":
            return self.ru_outlets[bisect.bisect(self.ru_cum, self.rnd() * self.ru_cum[-1])]
        return bisect.bisect(self.outlet_cum, self.rnd() * self.outlet_cum[-1])

    def pick_language(self, outlet: int) -> str:
        langs, cum = self.outlet_langs[outlet]
        lang = langs[bisect.bisect(cum, self.rnd() * cum[-1])]
        return lang if lang in self.src.sentences or lang == "en" else "en"

    # -- one article -------------------------------------------------------------------------

    def article(self, *, lang: str | None = None, small: bool = False) -> Article:
        rnd = self.rnd
        pick = self.pick
        index = self.pick_outlet(lang)
        outlet = OUTLETS[index]
        lang = lang or self.pick_language(index)
        when = dt.datetime.combine(
            FIRST_DATE + dt.timedelta(days=int(rnd() * DATE_SPAN_DAYS)),
            dt.time(7 + int(rnd() * 16), int(rnd() * 60)),
        )
        target = self.target_size()
        if small:
            target = min(target, 6_000)

        damaged = 0
        mixed = False
        if lang == "en":
            body, damaged, title = self.english_body(target, index)
            if rnd() < 0.10:
                for _ in range(1 + int(rnd() * 3)):
                    at = int(rnd() * len(body))
                    body[at], hit = self.damage(body[at])
                    damaged += hit
            if len(body) > 2 and rnd() < 0.04:
                other = self.src.sentences["ru" if rnd() < 0.5 else "az"]
                body.insert(1 + int(rnd() * (len(body) - 1)), f"{pick(other)} {pick(other)}")
                mixed = True
        else:
            body = self.sentence_body(lang, target)
            title = pick(self.src.headlines[lang])

        fields = date_fields(when, 120 + int(rnd() * 25_000))
        head: list[str] = []
        tail: list[str] = []
        if rnd() < outlet.chrome:
            if outlet.header and rnd() < 0.5:
                head.extend(outlet.header)
            widgets = outlet.widgets.get(lang) or outlet.widgets.get("*")
            widget_first = rnd() < 0.7
            widget = pick(widgets).format_map(fields) if widgets and rnd() < 0.9 else None
            if widget and widget_first:
                head.append(widget)
            if rnd() < 0.8:
                head.append(title)
                if rnd() < outlet.repeat_title:
                    head.append(title)
            if widget and not widget_first:
                head.append(widget)
            if rnd() < outlet.caption:
                head.append(self.caption(lang))
            datelines = outlet.datelines.get(lang) or outlet.datelines.get("*")
            if datelines and rnd() < 0.9:
                body[0] = pick(datelines).format_map(fields) + body[0]
            if outlet.end_mark and rnd() < 0.85:
                body[-1] += outlet.end_mark
            footer = outlet.footer.get(lang) or outlet.footer.get("*")
            if footer and rnd() < 0.6:
                tail.extend(footer[: 1 + int(rnd() * len(footer))])
            if lang == "en" and rnd() < 0.15:
                tail.extend(pick(self.src.web_chrome) for _ in range(1 + int(rnd() * 4)))
            if outlet.signature and rnd() < 0.9:
                tail.extend([""] * int(rnd() * 5))
                tail.append(outlet.signature)
            if outlet.review_teasers and rnd() < 0.5:
                tail.append(REVIEW_LINE)
                tail.extend(self.teasers(("az", "en", "ru")))
            elif outlet.teaser_heading and rnd() < 0.4:
                heading = outlet.teaser_heading
                tail.append(heading.get(lang) or next(iter(heading.values())))
                tail.extend(self.teasers((lang,) if lang in self.src.teasers else ("en",)))
        elif rnd() < 0.4:
            head.append(title)

        sep = "\n\n" if outlet.blank_lines else "\n"
        text = sep.join([*head, *body, *tail])
        if rnd() < 0.1:
            text = "\n" + text
        text += "\n" * int(rnd() * 3)
        url = outlet.url.format(
            slug=slugify(title) or str(int(rnd() * 10**6)),
            id=100_000 + int(rnd() * 2_900_000),
            lang=lang,
            **fields,
        )
        return Article(text, outlet, lang, title, url, when, damaged, mixed)

    def caption(self, lang: str) -> str:
        key = lang if lang in CAPTION_PEOPLE else "az"
        if key == "az" and self.src.captions and self.rnd() < 0.3:
            return self.pick(self.src.captions)
        return f"{self.pick(CAPTION_PEOPLE[key])}. {self.pick(CAPTION_CREDITS[key])}"

    def teasers(self, langs: Sequence[str]) -> list[str]:
        pools = self.src.teasers
        return [self.pick(pools[self.pick(langs)]) for _ in range(2 + int(self.rnd() * 7))]


def _cumulative(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _chain(*groups: Iterable[Para]) -> Iterable[Para]:
    for group in groups:
        yield from group


def _rotate(items: Sequence[Para], start: int) -> Iterable[Para]:
    yield from items[start:]
    yield from items[:start]


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def write_new_file(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class FileSink:
    """Writes files on background threads: the system calls release the GIL, so the disk's
    latency overlaps the generation. The queue is bounded, so memory stays flat. Which file is
    written first does not matter: every file's name and bytes are fixed before it is queued."""

    def __init__(self, threads: int) -> None:
        self.queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=256)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            if not self.errors:
                try:
                    write_new_file(*item)
                except BaseException as error:  # reported by put() / close()
                    self.errors.append(error)

    def put(self, path: str, data: bytes) -> None:
        if self.errors:
            raise self.errors[0]
        if self.threads:
            self.queue.put((path, data))
        else:
            write_new_file(path, data)

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]


@dataclass(slots=True)
class Written:
    name: str
    data: bytes
    manifest: dict[str, str] | None


@dataclass
class BlockResult:
    """What a block of files adds to the manifest, the truth file and the counts."""

    stats: Stats
    variant_counts: list[list[int]]
    manifest: str
    truth: str


class BlockWriter:
    """Writes the files of one folder (block) of the corpus."""

    def __init__(
        self,
        out_dir: str,
        n_files: int,
        seed: int,
        block: int,
        sources: Sources,
        *,
        writers: int = 1,
        truth: bool = False,
    ) -> None:
        self.out = out_dir
        self.first = block * FILES_PER_FOLDER
        self.stop = min(n_files, self.first + FILES_PER_FOLDER)
        self.builder = CorpusBuilder(sources, seed, block)
        self.rng = self.builder.rng
        self.stats = Stats()
        self.folder = f"{block:0{max(4, len(str(max(0, n_files - 1) // FILES_PER_FOLDER)))}d}"
        self.index_width = max(6, len(str(max(0, n_files - 1))))
        self.writers = writers
        self.recent: deque[Written] = deque(maxlen=DUPLICATE_POOL)
        self.manifest_buffer = io.StringIO()
        self.manifest = csv.writer(self.manifest_buffer, lineterminator="\n")
        self.truth_buffer = io.StringIO()
        self.truth = csv.writer(self.truth_buffer, lineterminator="\n") if truth else None
        self.kinds: dict[str, Callable[[int], None]] = {
            "article": self.write_article,
            "web_page": self.write_web_page,
            "jsonl": self.write_jsonl,
            "duplicate": self.write_duplicate,
            "empty": self.write_empty,
            "binary": self.write_binary,
            "cp1251": self.write_cp1251,
        }

    def run(self) -> BlockResult:
        os.makedirs(os.path.join(self.out, self.folder), exist_ok=True)
        self.sink = FileSink(self.writers)
        try:
            schedule: list[str] = []
            for index in range(self.first, self.stop):
                if (index - self.first) % BLOCK == 0:
                    schedule = [kind for kind, count in KIND_QUOTA for _ in range(count)]
                    self.rng.shuffle(schedule)
                kind = schedule[(index - self.first) % BLOCK]
                if kind == "duplicate" and not self.recent:
                    kind = "article"
                self.kinds[kind](index)
        finally:
            self.sink.close()
        return BlockResult(
            self.stats,
            self.builder.variant_counts(),
            self.manifest_buffer.getvalue(),
            self.truth_buffer.getvalue(),
        )

    # -- files -------------------------------------------------------------------------------

    def path_for(self, index: int, suffix: str) -> str:
        serial = self.rng.getrandbits(64)
        return f"{self.folder}/{index:0{self.index_width}d}_{serial:016x}{suffix}"

    def put(self, name: str, kind: str, data: bytes, *, text: bool = True) -> None:
        self.sink.put(os.path.join(self.out, name), data)
        stats = self.stats
        stats.files_by_kind[kind] += 1
        stats.total_bytes += len(data)
        if text:
            size = len(data)
            stats.text_files += 1
            stats.text_bytes += size
            stats.min_bytes = size if stats.text_files == 1 else min(stats.min_bytes, size)
            stats.max_bytes = max(stats.max_bytes, size)
            stats.sizes[next((label for limit, label in SIZE_BINS if size < limit), "20-50k")] += 1

    def manifest_row(
        self, name: str, article: Article | None, url: str = ""
    ) -> dict[str, str] | None:
        rnd = self.rng.random()
        stats = self.stats
        if rnd >= 0.7:
            return None
        if rnd >= 0.5 or (article is None and not url):
            row = {"file": name, "outlet": "", "url": "", "published": "", "title": ""}
            stats.manifest["empty"] += 1
        else:
            row = {"file": name, "outlet": "", "url": url, "published": "", "title": ""}
            if article is not None:
                row.update(
                    outlet=article.outlet.name if article.outlet else "",
                    url=article.url,
                    published=self.published(article.published, article.outlet),
                    title=article.title,
                )
                blank = self.rng.choice(
                    ("", "", "", "", "", "", "outlet", "url", "published", "title")
                )
                if blank:
                    row[blank] = ""
            stats.manifest["filled"] += 1
        stats.manifest["rows"] += 1
        self.manifest.writerow([row[k] for k in MANIFEST_FIELDS])
        return row

    def published(self, when: dt.datetime, outlet: Outlet | None) -> str:
        rnd = self.rng.random()
        if rnd < 0.6:
            return when.date().isoformat()
        if rnd < 0.9:
            offset = "+03:00" if outlet is not None and outlet.domain.endswith(".ru") else "+04:00"
            return when.isoformat(timespec="seconds") + offset
        return when.strftime("%d.%m.%Y")

    def count_article(self, article: Article) -> None:
        stats = self.stats
        stats.articles += 1
        stats.outlets[article.outlet.name if article.outlet else "(none)"] += 1
        stats.languages[article.lang] += 1
        if article.damaged:
            stats.damaged_files += 1
            stats.damaged_letters += article.damaged
        if article.mixed:
            stats.mixed_language += 1

    def write_truth(
        self, name: str, line: int | str, kind: str, article: Article | None, dup: str = ""
    ) -> None:
        if self.truth is None:
            return
        if article is None:
            self.truth.writerow([name, line, kind, "", "", "", "", 0, 0, dup])
            return
        self.truth.writerow([
            name, line, kind, article.outlet.name if article.outlet else "", article.lang,
            article.published.date().isoformat() if article.outlet else "", article.title,
            article.damaged, int(article.mixed), dup,
        ])  # fmt: skip

    def encode_text(self, text: str) -> bytes:
        """UTF-8 (a few with BOM, a few with CRLF), cut at a line end to MAX_BYTES."""
        rnd = self.rng.random()
        if rnd < 0.05:
            self.stats.crlf_files += 1
            text = text.replace("\n", "\r\n")
        if self.rng.random() < 0.02:
            self.stats.encodings["utf-8-sig"] += 1
            return _cap(text.encode("utf-8-sig"))
        self.stats.encodings["utf-8"] += 1
        return _cap(text.encode("utf-8"))

    def write_article(self, index: int) -> None:
        article = self.builder.article()
        name = self.path_for(index, ".txt")
        data = self.encode_text(article.text)
        self.put(name, "article", data)
        self.count_article(article)
        row = self.manifest_row(name, article)
        self.recent.append(Written(name, data, row))
        self.write_truth(name, "", "article", article)

    def write_cp1251(self, index: int) -> None:
        article = self.builder.article(lang="ru")
        name = self.path_for(index, ".txt")
        text = article.text.replace("\n", "\r\n") if self.rng.random() < 0.5 else article.text
        data = _cap(text.encode("cp1251", errors="replace"))
        self.put(name, "cp1251", data)
        self.stats.encodings["cp1251"] += 1
        self.count_article(article)
        self.manifest_row(name, article)
        self.write_truth(name, "", "cp1251", article)

    def write_web_page(self, index: int) -> None:
        rng = self.rng
        page = rng.choice(self.builder.src.pages)
        name = self.path_for(index, ".txt")
        data = self.encode_text(page.text)
        self.put(name, "web_page", data)
        when = dt.datetime(2000, 1, 1)
        article = Article(page.text, None, page.lang, "", page.url, when)
        self.count_article(article)
        row = self.manifest_row(name, None, url=page.url)
        self.recent.append(Written(name, data, row))
        self.write_truth(name, "", "web_page", article)

    def write_jsonl(self, index: int) -> None:
        rng = self.rng
        name = self.path_for(index, ".jsonl")
        lines: list[bytes] = []
        size = 0
        wanted = rng.randint(2, 25)
        malformed = rng.random() < 0.1
        for line_no in range(wanted):
            article = self.builder.article(small=True)
            record: dict[str, Any] = {"text": article.text}
            outlet = article.outlet
            if rng.random() < 0.9:
                record["url"] = article.url
            if rng.random() < 0.8:
                record["title"] = article.title
            if rng.random() < 0.7:
                record["published"] = self.published(article.published, outlet)
            elif rng.random() < 0.3:
                record["published"] = None
            if outlet is not None and rng.random() < 0.6:
                record["outlet"] = outlet.name if rng.random() < 0.7 else outlet.domain
            dumped = json.dumps(record, ensure_ascii=False)
            if malformed and line_no == 1:
                dumped = dumped[: len(dumped) // 2]  # a line cut mid-write: not JSON, still UTF-8
            line = dumped.encode("utf-8") + b"\n"
            if lines and size + len(line) > MAX_BYTES:
                break
            if malformed and line_no == 1:
                self.stats.jsonl_malformed_lines += 1
            else:
                self.count_article(article)
                self.stats.jsonl_articles += 1
                self.write_truth(name, line_no + 1, "jsonl", article)
            lines.append(line)
            size += len(line)
        self.put(name, "jsonl", _cap(b"".join(lines)))

    def write_duplicate(self, index: int) -> None:
        rng = self.rng
        original = self.recent[rng.randrange(len(self.recent))]
        name = self.path_for(index, ".txt")
        self.put(name, "duplicate", original.data)
        if original.manifest is not None and rng.random() < 0.5:
            self.manifest.writerow([name] + [original.manifest[k] for k in MANIFEST_FIELDS[1:]])
            self.stats.manifest["rows"] += 1
            self.stats.manifest[
                "filled" if any(original.manifest[k] for k in MANIFEST_FIELDS[1:]) else "empty"
            ] += 1
        self.write_truth(name, "", "duplicate", None, dup=original.name)

    def write_empty(self, index: int) -> None:
        name = self.path_for(index, ".txt")
        data = (
            b""
            if self.rng.random() < 0.6
            else self.rng.choice((b"\n", b" \n\n", b"\r\n\r\n", b"\t\n"))
        )
        self.put(name, "empty", data, text=False)
        self.write_truth(name, "", "empty", None)

    def write_binary(self, index: int) -> None:
        rng = self.rng
        name = self.path_for(index, ".txt")
        data = rng.choice(BINARY_HEADERS) + rng.randbytes(rng.randrange(64, 8_000))
        self.put(name, "binary", data, text=False)
        self.write_truth(name, "", "binary", None)


def summarize(
    n_files: int, seed: int, stats: Stats, counts: list[list[int]], sources: Sources
) -> dict[str, Any]:
    """The content of ``corpus.json``."""
    bad = {k: stats.files_by_kind[k] for k in ("empty", "binary", "cp1251")}
    variants = {
        entity: {v: n for v, n in zip(_VARIANTS[i], counts[i], strict=True) if n}
        for i, entity in enumerate(_ENTITIES)
    }
    return {
        "generator": "bench/make_corpus.py",
        "format": FORMAT_VERSION,
        "seed": seed,
        "files": n_files,
        "files_by_kind": {k: stats.files_by_kind[k] for k, _ in KIND_QUOTA},
        "articles": stats.articles,
        "outlets": dict(sorted(stats.outlets.items())),
        "languages": dict(sorted(stats.languages.items())),
        "duplicates": stats.files_by_kind["duplicate"],
        "bad_files": bad,
        "jsonl": {
            "files": stats.files_by_kind["jsonl"],
            "articles": stats.jsonl_articles,
            "malformed_lines": stats.jsonl_malformed_lines,
        },
        "damaged_files": stats.damaged_files,
        "damaged_letters": stats.damaged_letters,
        "mixed_language_articles": stats.mixed_language,
        "name_variants": {k: v for k, v in variants.items() if v},
        "manifest": {k: stats.manifest[k] for k in ("rows", "filled", "empty")},
        "encodings": dict(sorted(stats.encodings.items())),
        "crlf_files": stats.crlf_files,
        "total_bytes": stats.total_bytes,
        "text_file_bytes": {
            "min": stats.min_bytes,
            "max": stats.max_bytes,
            "mean": round(stats.text_bytes / stats.text_files) if stats.text_files else 0,
            "histogram": {
                label: stats.sizes[label] for label in (*(b for _, b in SIZE_BINS), "20-50k")
            },
        },
        "sources": sources.hashes,
    }


# Set in the parent before the worker processes fork; read by _run_block in the workers.
_JOB: dict[str, Any] = {}


def _run_block(block: int) -> BlockResult:
    job = _JOB
    writer = BlockWriter(
        job["out"],
        job["n"],
        job["seed"],
        block,
        job["sources"],
        writers=job["writers"],
        truth=job["truth"],
    )
    return writer.run()


def _block_results(blocks: int, jobs: int) -> Iterator[BlockResult]:
    """Results in block order; at most 2 * jobs blocks in flight (memory stays flat)."""
    if jobs <= 1:
        for block in range(blocks):
            yield _run_block(block)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        pending: deque[multiprocessing.pool.AsyncResult[BlockResult]] = deque()
        for block in range(blocks):
            pending.append(pool.apply_async(_run_block, (block,)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def default_jobs() -> int:
    return max(1, min(8, len(os.sched_getaffinity(0))))


def _cap(data: bytes) -> bytes:
    """Cut to MAX_BYTES after the last complete line that fits."""
    if len(data) <= MAX_BYTES:
        return data
    cut = data.rfind(b"\n", 0, MAX_BYTES)
    if cut > 0:
        return data[: cut + 1]
    cut = MAX_BYTES
    while cut > 0 and 0x80 <= data[cut] < 0xC0:  # not inside a UTF-8 character
        cut -= 1
    return data[:cut]


def make_corpus(
    n_files: int,
    out_dir: Path,
    *,
    seed: int = 0,
    shared: Path = DEFAULT_SHARED,
    truth: Path | None = None,
    jobs: int = 1,
    writers: int = 1,
    sources: Sources | None = None,
) -> dict[str, Any]:
    """Write the corpus and return what ``corpus.json`` holds. ``jobs`` processes make blocks
    of ``FILES_PER_FOLDER`` files each, ``writers`` threads per process write them; neither
    changes a byte. ``sources`` (from ``load_sources``) may be passed to reuse loaded inputs."""
    if n_files < 0:
        raise ValueError("N must be >= 0")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    if sources is None:
        sources = load_sources(shared)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = -(-n_files // FILES_PER_FOLDER)
    _JOB.update(
        out=str(out_dir),
        n=n_files,
        seed=seed,
        sources=sources,
        writers=writers,
        truth=truth is not None,
    )
    stats = Stats()
    counts = [[0] * len(v) for v in _VARIANTS]
    truth_handle = truth.open("w", encoding="utf-8", newline="") if truth is not None else None
    try:
        with (out_dir / "manifest.csv").open("w", encoding="utf-8", newline="") as manifest:
            csv.writer(manifest, lineterminator="\n").writerow(MANIFEST_FIELDS)
            if truth_handle is not None:
                csv.writer(truth_handle, lineterminator="\n").writerow(TRUTH_FIELDS)
            for result in _block_results(blocks, max(1, min(jobs, blocks))):
                manifest.write(result.manifest)
                if truth_handle is not None:
                    truth_handle.write(result.truth)
                stats.merge(result.stats)
                for total, part in zip(counts, result.variant_counts, strict=True):
                    total[:] = [a + b for a, b in zip(total, part, strict=True)]
    finally:
        _JOB.clear()
        if truth_handle is not None:
            truth_handle.close()
    summary = summarize(n_files, seed, stats, counts, sources)
    (out_dir / "corpus.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("n", type=int, metavar="N", help="number of files to write")
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="absent or empty folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help=f"folder holding benchmarks/ (default {DEFAULT_SHARED})",
    )
    parser.add_argument(
        "--truth", type=Path, help="also write what each file holds to this CSV (outside OUT_DIR)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="processes making blocks of files (default: usable CPUs, at most 8)",
    )
    parser.add_argument(
        "--writers",
        type=int,
        default=1,
        help="threads per process writing files (0: none; jobs and writers change no byte)",
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    started = time.perf_counter()
    try:
        sources = load_sources(args.shared)
        loaded = time.perf_counter()
        summary = make_corpus(
            args.n,
            args.out_dir,
            seed=args.seed,
            truth=args.truth,
            jobs=max(1, args.jobs),
            writers=max(0, args.writers),
            sources=sources,
        )
    except (FileExistsError, FileNotFoundError) as error:
        print(f"make_corpus: {error}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    cpu = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )
    print(
        f"{args.n:,} files ({summary['articles']:,} articles, "
        f"{summary['total_bytes'] / 1e6:,.1f} MB) -> {args.out_dir}\n"
        f"total {done - started:.2f} s: {args.n / max(done - started, 1e-9):,.0f} files/s "
        f"(inputs loaded in {loaded - started:.2f} s, files written at "
        f"{args.n / max(done - loaded, 1e-9):,.0f} files/s); cpu {cpu:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
