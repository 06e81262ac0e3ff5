"""Metadata from plain text: title, outlet, publication date, dateline place, author.

Each field is taken from the most reliable place that has it, in this order: what the source
told us (manifest, JSONL fields, HTML meta), the page chrome (widget lines, signatures), the
dateline that opens the first body paragraph, and last the body's own references to an outlet.
Dates in body sentences are events, never the publication date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import dateparser

from transforms.records import Metadata, SourceHints

EARLIEST_PUBLICATION = dt.date(1990, 1, 1)

_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\b")
_MONTH_DATE = re.compile(
    r"\b(?:\d{1,2}\s+[^\W\d_]{3,10}\.?,?\s+(?:19|20)\d\d|[^\W\d_]{3,10}\.?\s+\d{1,2},?\s+(?:19|20)\d\d)\b"
)
# "Bakı/23.11.20/Turan:", "BAKU, Nov 23 (Trend):", "Yerevan, November 23. /ARKA/." -- a short
# prefix of the first body line, ended by a colon, a dash or an agency in slashes/brackets.
_DATELINE = re.compile(r"^\s*(?P<prefix>[^\n:—–]{3,80}?)\s*(?::|\s[—–-]\s)\s*")
_BYLINE = re.compile(
    r"^\s*(?:by|author|автор|müəllif|yazar)\s*:?\s+(?P<name>[^\W\d_][^\n,;|]{2,60})$",
    re.IGNORECASE,
)
_OUTLET_REFERENCE_WEIGHTS = (
    (re.compile(r"\bexclusive(?: interview| comment)?\s+(?:with|to|for)\s+$", re.I), 3),
    (re.compile(r"\b(?:told|to|for)\s+$", re.I), 2),
    (re.compile(r"\b(?:with|at)\s+$", re.I), 1),
)
_TITLE_MAX_WORDS = 25
_TITLE_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Dateline:
    """The dateline found at the start of the first body line, and where it ends."""

    place: str | None
    published: dt.date | None
    outlet: str | None
    length: int  # characters of the line taken by the dateline


@dataclass(frozen=True, slots=True)
class OutletDirectory:
    """Known outlets: every spelling (casefolded) and web domain mapped to the canonical name."""

    by_name: Mapping[str, str]
    by_domain: Mapping[str, str]
    #: Every spelling as written, longest first, in one alternation. Body references are matched
    #: case-sensitively because "to report" is not "to Report".
    reference_pattern: re.Pattern[str] | None = None
    by_spelling: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> OutletDirectory:
        by_name: dict[str, str] = {}
        by_domain: dict[str, str] = {}
        rows_seen = list(rows)
        for row in rows_seen:
            outlet = row["outlet"].strip()
            names = [outlet, *(n.strip() for n in row.get("aliases", "").split("|"))]
            for name in filter(None, names):
                by_name[name.casefold()] = outlet
            for domain in filter(None, (d.strip() for d in row.get("domains", "").split("|"))):
                by_domain[domain.casefold()] = outlet
        by_spelling = dict(_spellings(rows_seen))
        alternation = "|".join(re.escape(s) for s in sorted(by_spelling, key=len, reverse=True))
        pattern = re.compile(r"(?<![\w.])(?:" + alternation + r")(?!\w)") if by_spelling else None
        return cls(by_name, by_domain, pattern, by_spelling)

    def canonical(self, name: str | None) -> str | None:
        if not name:
            return None
        return self.by_name.get(name.strip().strip("/()[]").casefold())

    def from_url(self, url: str | None) -> str | None:
        if not url:
            return None
        host = re.sub(r"^[a-z]+://", "", url.strip().casefold()).split("/")[0]
        host = host.removeprefix("www.")
        for domain, outlet in self.by_domain.items():
            if host == domain or host.endswith("." + domain):
                return outlet
        return None

    def references(self, text: str) -> Counter[str]:
        """Weighted count of body phrases that name a known outlet as the story's own."""
        counts: Counter[str] = Counter()
        if self.reference_pattern is None:
            return counts
        for match in self.reference_pattern.finditer(text):
            before = text[max(0, match.start() - 40) : match.start()]
            for pattern, weight in _OUTLET_REFERENCE_WEIGHTS:
                if pattern.search(before):
                    counts[self.by_spelling[match.group(0)]] += weight
                    break
        return counts


def _spellings(rows: Iterable[Mapping[str, str]]) -> Iterable[tuple[str, str]]:
    for row in rows:
        outlet = row["outlet"].strip()
        yield outlet, outlet
        for name in filter(None, (n.strip() for n in row.get("aliases", "").split("|"))):
            yield name, outlet


#: Only dateparser's absolute-date parser. A phrase here has the shape of "<day> <month name>
#: <year>" (_MONTH_DATE), and so does "3 years 2015" or "10 дней 2020": its relative-date parser
#: read those as dates counted back from the machine's clock, not from the run's ``today``.
#: (It also took a quarter of each call; the 4,818 distinct phrases of the 10,000-file corpus
#: get the same dates.)
_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "STRICT_PARSING": True,
    "PARSERS": ["absolute-time"],
}


@lru_cache(maxsize=4096)
def _parse_date_phrase(phrase: str) -> dt.date | None:
    parsed = dateparser.parse(
        phrase, settings=_DATEPARSER_SETTINGS, languages=["en", "ru", "az", "tr"]
    )
    return parsed.date() if parsed else None


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """The first plausible calendar date in ``text`` (ISO, numeric day-first, or month names)."""
    candidates: list[tuple[int, dt.date | None]] = []
    for match in _ISO_DATE.finditer(text):
        year, month, day = (int(g) for g in match.groups())
        candidates.append((match.start(), _safe_date(year, month, day)))
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        if len(year_text) == 2 and year > today.year:
            year -= 100
        candidates.append((match.start(), _safe_date(year, month, day)))
    for match in _MONTH_DATE.finditer(text):
        candidates.append((match.start(), _parse_date_phrase(match.group(0))))
    for _, date in sorted(candidates, key=lambda c: c[0]):
        if date is not None and EARLIEST_PUBLICATION <= date <= today + dt.timedelta(days=1):
            return date
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_dateline(
    line: str,
    *,
    outlets: OutletDirectory,
    resolve_place: Callable[[str], str | None],
    today: dt.date,
) -> Dateline | None:
    """A dateline at the start of ``line``: at least two of place, date and outlet."""
    match = _DATELINE.match(line)
    if match is None:
        return None
    parts = [p.strip() for p in re.split(r"[/,()]", match.group("prefix")) if p.strip()]
    if not 2 <= len(parts) <= 5:
        return None
    place = outlet = None
    rest: list[str] = []
    for part in parts:
        if outlet is None and (found := outlets.canonical(part)):
            outlet = found
        elif (
            place is None and not rest and len(part.split()) <= 3 and (found := resolve_place(part))
        ):
            place = found
        else:
            rest.append(part)
    # Whatever is neither place nor outlet must be the date ("November 23, 2020" spans parts).
    published = parse_date(", ".join(rest), today=today) if rest else None
    if rest and published is None:
        return None
    if sum(x is not None for x in (place, published, outlet)) < 2:
        return None
    return Dateline(place, published, outlet, match.end())


def find_title(lines: Sequence[str], reasons: Sequence[str], hints: SourceHints) -> str | None:
    """The headline: the source's, a line the page repeats, or a headline-shaped first line."""
    if hints.title and hints.title.strip():
        return " ".join(hints.title.split())
    for line, reason in zip(lines, reasons, strict=True):
        if reason in ("title", "repeated_title"):
            return line.strip()
    for line, reason in zip(lines, reasons, strict=True):
        if reason == "body":
            candidate = line.strip()
            looks_like_headline = (
                len(candidate) <= _TITLE_MAX_CHARS
                and len(candidate.split()) <= _TITLE_MAX_WORDS
                and not candidate.endswith((".", ",", ";", ":"))
                and candidate[:1].isupper()
            )
            return candidate if looks_like_headline else None
    return None


def find_author(lines: Sequence[str], hints: SourceHints) -> str | None:
    if hints.author:
        return hints.author.strip()
    for line in list(lines[:3]) + list(lines[-3:]):
        if match := _BYLINE.match(line):
            return match.group("name").strip()
    return None


def extract_metadata(
    lines: Sequence[str],
    reasons: Sequence[str],
    hints: SourceHints,
    *,
    outlets: OutletDirectory,
    resolve_place: Callable[[str], str | None],
    today: dt.date,
) -> tuple[Metadata, Dateline | None]:
    """Metadata of one article from its lines and the boilerplate reason of each line.

    Returns the metadata and the dateline found (so the caller can cut it from the body).
    """
    body = [line for line, reason in zip(lines, reasons, strict=True) if reason == "body"]
    chrome = [line for line, reason in zip(lines, reasons, strict=True) if reason != "body"]
    dateline = (
        find_dateline(body[0], outlets=outlets, resolve_place=resolve_place, today=today)
        if body
        else None
    )

    published = parse_date(hints.published, today=today) if hints.published else None
    if published is None:
        published = next(
            (d for line in chrome if (d := parse_date(line, today=today)) is not None), None
        )
    if published is None and dateline is not None:
        published = dateline.published

    hinted_outlet = hints.outlet.strip() if hints.outlet and hints.outlet.strip() else None
    outlet = outlets.canonical(hinted_outlet) or hinted_outlet or outlets.from_url(hints.url)
    if outlet is None:
        outlet = next((o for line in chrome if (o := outlets.canonical(line)) is not None), None)
    if outlet is None and dateline is not None:
        outlet = dateline.outlet
    if outlet is None:
        ranked = outlets.references("\n".join(body)).most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            outlet = ranked[0][0]

    metadata = Metadata(
        title=find_title(lines, reasons, hints),
        outlet=outlet,
        published_date=published,
        dateline_place=dateline.place if dateline else None,
        author=find_author(lines, hints),
    )
    return metadata, dateline
