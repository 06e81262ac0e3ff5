"""Scrambled text (the ``scrambled_text`` flag): sentences out of order or cut mid-thought.

Some scrapers hand over an article whose sentences were reordered, within a paragraph or
across paragraph breaks, as in sample 002: "Secondly, …" comes before "First, …", a paragraph
ends "… presidents on Nov." while "10, 2020, the parties pledged …" sits earlier in it, a
sentence ends "its own," and runs into another paragraph's start. No single cue proves the
damage and clean text shows each cue now and then, so ``assess_coherence`` adds up the weights
of independent signals and flags the article when the sum reaches ``SCRAMBLED_THRESHOLD``
(2.0). A quirk that repeats through one text (an unknown abbreviation, a list style) is one
piece of evidence, so each kind of signal is capped (``SIGNAL_WEIGHTS``): a flag needs a
strong kind plus any other kind, three weak kinds, or two ordinal inversions.

Signals (kind: weight per occurrence, cap):

- ``ordinal`` (1.5, 3.0): an ordinal discourse marker after a higher one of its series, within
  10 sentences: "Secondly, …" then "First, …"; Во-вторых / Во-первых; По-друге / По-перше;
  İkincisi / Birincisi; "On the other hand" / "On the one hand". "Finally" before "First"
  counts inside one paragraph only; "First" needs its comma ("First Deputy …" is a title).
- ``cut`` (1.5, 1.5): a paragraph ends on an abbreviation that needs a follower ("… on Nov.",
  "Mr."), or a month abbreviation is followed by a capitalised word ("Nov. The question").
- ``comma`` (1.5, 1.5): a paragraph of two or more sentences (or six or more words) ends with a
  comma, or a comma runs without a space into a capitalised sentence ("its own,At the same").
- ``date`` (1.5, 1.5): a sentence starts with the rest of a split date ("10, 2020, the …").
- ``continuation`` (0.75, 0.75): a sentence starts with a number and a comma, or in small
  letters after a full stop, or a whole paragraph-long sentence starts in small letters (not a
  tag, a bullet, "iPhone", "de Gaulle" or an excerpt opening with "…").
- ``opener`` (0.75, 0.75): the article's first sentence opens with a connective or pronoun that
  needs an antecedent ("However,", "Secondly,", "He", "This", "Однако", "Lakin", "Bu", …;
  "This week", "Bu gün" are times, not antecedents).
- ``no_terminal`` (0.5, 0.5): a paragraph of two or more sentences ends without . ! ? … : ;
  (a heading glued to a paragraph). A one-sentence paragraph without one is a subheading.
- ``glued`` (0.25, 0.5): a full stop with no space before a capitalised word
  ("opponents.According"); outlet names ("News.Az") do not count.

A paragraph break inside one sentence (the paragraph stops mid-sentence and the next picks up
with a small letter or a number: hard-wrapped lines) is text in order: neither side counts.

The transform is pure (values in, a ``CoherenceReport`` out), linear in the text, never raises
on any ``str`` input and is deterministic. ``language`` (ISO 639-1, the article's language)
selects the opener list (en, ru, uk, az, tr; no opener signal for other languages); the other
signals are the same in every language and script.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

#: An article whose score reaches this value is flagged ``scrambled_text``.
SCRAMBLED_THRESHOLD = 2.0

#: At most this many evidence strings (the occurrences that counted, in text order).
MAX_EVIDENCE = 10

#: Signal kind -> (weight of one occurrence, most the kind adds to the score). A quirk that
#: repeats through one text (an unknown abbreviation, a list style) is one piece of evidence,
#: so each kind is capped; only an ordinal inversion may count twice.
SIGNAL_WEIGHTS: dict[str, tuple[float, float]] = {
    "ordinal": (1.5, 3.0),
    "cut": (1.5, 1.5),
    "comma": (1.5, 1.5),
    "date": (1.5, 1.5),
    "continuation": (0.75, 0.75),
    "opener": (0.75, 0.75),
    "no_terminal": (0.5, 0.5),
    "glued": (0.25, 0.5),
}

#: Sentences between an ordinal marker and a lower one that still make an inversion.
_ORDINAL_WINDOW = 10
#: Characters of a sentence quoted in an evidence string.
_QUOTE_CHARS = 40
#: Spaces (words - 1) below which a one-sentence paragraph may be a salutation, tag or heading.
_MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class CoherenceReport:
    """Whether an article reads as scrambled, its score and the evidence behind it.

    ``score`` is the sum of the weights of the signals found (0.0 for clean text);
    ``scrambled`` is ``score >= SCRAMBLED_THRESHOLD``. ``evidence`` holds one short quote per
    signal found (at most ``MAX_EVIDENCE``), in text order, so an analyst can see why.
    """

    scrambled: bool
    score: float
    evidence: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Sentences

# A spaced sentence end (full stop, ellipsis, ! or ?, closing quotes or brackets, whitespace),
# or a full stop or comma glued between two words ("opponents.According", "own,At"). The
# leading look-ahead lets the regex engine skip to punctuation at C speed; the look-behind and
# the possessive quantifier keep a long run of punctuation linear.
_BOUNDARY = re.compile(
    r"(?=[.!?…,])(?:(?<![.!?…])(?P<end>\.{2,}|…+|[.!?]+)[\"”»’'\)\]]*+(?P<gap>\s+)"
    r"|(?P<glue>[.,])(?=[^\W\d_]{2}))"
)
_OPENING = "\"“«„‘'([—–‒―-•*· "
_CLOSING = "\"”»’'“)] "
_TERMINAL = frozenset(".!?…:;")
_TOKEN_LOOKBACK = 40
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LEADING_WORD = re.compile(r"[^\W\d_]+")

# Abbreviations after which a full stop does not end a sentence (case-folded, no dot).
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "capt"),
        *("sgt", "adm", "cmdr", "maj", "pres", "hon", "rev", "fr", "sr", "jr", "st", "mt"),
        *("ft", "no", "nos", "art", "vol", "vols", "pp", "fig", "figs", "ed", "eds"),
        *("approx", "est", "ca", "cf", "vs", "al", "etc", "inc", "ltd", "co", "corp", "dept"),
        *("univ", "assn", "bros", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep"),
        *("sept", "oct", "nov", "dec", "mln", "mlrd", "min", "man"),
        *("тыс", "млн", "млрд", "руб", "долл", "коп", "гг", "вв", "см", "ст", "ул", "им"),
        *("пр", "др", "проф", "акад", "тов"),
    }
)
_MONTH_ABBREVIATIONS = frozenset(
    {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
# Abbreviations that always need a follower: a paragraph ending on one was cut.
_CUT_ABBREVIATIONS = _MONTH_ABBREVIATIONS | frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "capt", "sgt"}
)
# "News.Az", "Oxu.Az", "Report.Ge": outlet names, not glued sentences.
_DOMAIN_ENDINGS = frozenset(
    {
        *("az", "ru", "ge", "am", "ua", "kz", "uz", "by", "tr", "com", "net", "org", "info"),
        *("gov", "edu", "io", "co", "uk", "de", "fr", "eu", "us", "news", "tv", "fm", "ir"),
    }
)
_DATE_CONTINUATION = re.compile(r"\d{1,2},\s*(?:1[89]|2[01])\d\d\b")
_NUMBER_COMMA = re.compile(r"\d[\d.]*(?:st|nd|rd|th)?,\s")
_LOWERCASE_PARTICLES = frozenset(
    {"de", "van", "von", "der", "den", "al", "el", "ibn", "bin", "da", "di", "du", "la", "le"}
)


def _cased_lower(char: str) -> bool:
    """A small letter of a cased script (Georgian Mkhedruli has no capital at sentence start)."""
    return char.islower() and char.title() != char


def _cased_upper(char: str) -> bool:
    return char.isupper() or char.istitle()


@dataclass(slots=True)
class _Sentence:
    text: str
    paragraph: int
    start: str  # how it begins: "paragraph", "space", "glued", "comma", "cut", "lower"
    cut_by: str = ""  # the month abbreviation before a "cut" start


def _token_before(text: str, end: int) -> str:
    """The whitespace-delimited token that ends at ``end``, without leading quotes/brackets.

    Looks back at most ``_TOKEN_LOOKBACK`` characters (a longer token is a long word anyway),
    so a paragraph without spaces stays linear.
    """
    start = max(0, end - _TOKEN_LOOKBACK)
    token = text[text.rfind(" ", start, end) + 1 or start : end]
    if not token.isprintable():  # a tab, line break or no-break space inside
        parts = token.split()
        token = parts[-1] if parts and not token[-1:].isspace() else ""
    return token.lstrip(_OPENING)


def _glued(paragraph: str, m: re.Match[str]) -> bool:
    """Whether a full stop or comma between two words joins two sentences."""
    left = _token_before(paragraph, m.start())
    right = _LEADING_WORD.match(paragraph, m.end())
    word = right.group() if right else ""
    return (
        len(left) >= 2
        and left.isalpha()
        and left.islower()
        and _cased_upper(word[:1])
        and word[1:].islower()
        and word.casefold() not in _DOMAIN_ENDINGS
    )


def _split(paragraph: str, number: int) -> list[_Sentence]:
    """The sentences of one paragraph, each with how it begins (``_Sentence.start``)."""
    split = _sentences if len(paragraph) <= _REMEMBERED_MAX_CHARS else _sentences.__wrapped__
    return [_Sentence(text, number, start, cut_by) for text, start, cut_by in split(paragraph)]


#: Paragraphs whose sentences are remembered (one an outlet reprints, a syndicated story), up
#: to this length: a few MB at most.
_REMEMBERED_PARAGRAPHS = 8192
_REMEMBERED_MAX_CHARS = 2000


@lru_cache(maxsize=_REMEMBERED_PARAGRAPHS)
def _sentences(paragraph: str) -> tuple[tuple[str, str, str], ...]:
    """(text, start, cut_by) of each sentence of ``paragraph`` (see ``_Sentence``)."""
    sentences: list[tuple[str, str, str]] = []
    begin, kind, cut_by = 0, "paragraph", ""
    for m in _BOUNDARY.finditer(paragraph):
        glue = m.group("glue")
        if glue is not None:
            if not _glued(paragraph, m):
                continue
            split_at = resume = m.end()
            new_kind, new_cut_by = ("glued" if glue == "." else "comma"), ""
        else:
            resume = m.end()
            nxt = paragraph[resume : resume + 6].lstrip(_OPENING)[:1]
            if not nxt:
                continue
            new_kind, new_cut_by = "space", ""
            if m.group("end") == ".":
                token = _token_before(paragraph, m.start())
                folded = token.casefold()
                if _cased_lower(nxt):
                    if len(token) < 3 or not token.isalpha() or not token.islower():
                        continue
                    if folded in _ABBREVIATIONS:
                        continue
                    new_kind = "lower"
                elif folded in _MONTH_ABBREVIATIONS and token[:1].isupper():
                    if not _cased_upper(nxt):
                        continue  # "Nov. 10": the date goes on
                    new_kind, new_cut_by = "cut", token
                elif (
                    len(token) <= 1
                    or "." in token
                    or folded in _ABBREVIATIONS
                    or (not sentences and begin == 0 and token.isdigit() and len(token) <= 2)
                ):
                    continue  # an initial ("I. Aliyev"), "U.S.", "Mr.", a list number
            elif _cased_lower(nxt):
                continue  # "… and then", "why? he asked": the sentence goes on
            split_at = m.start("gap")
        text = paragraph[begin:split_at].strip()
        if text:
            sentences.append((text, kind, cut_by))
        begin, kind, cut_by = resume, new_kind, new_cut_by
    text = paragraph[begin:].strip()
    if text:
        sentences.append((text, kind, cut_by))
    return tuple(sentences)


# --------------------------------------------------------------------------------------------
# Ordinal discourse markers

_FIRST, _LAST = 1, 99
# (first word, pattern at a sentence start, series, rank). Patterns are matched
# case-insensitively after the leading quotes and dashes.
_ORDINAL_TABLE: tuple[tuple[str, str, str, int], ...] = (
    # English. "First"/"Second" need their comma: "First Deputy …", "Second World War".
    ("first", r"first(?:ly)?\s*,|firstly\b|first of all\b", "ord", 1),
    ("firstly", r"firstly\b", "ord", 1),
    ("in", r"in the first place\b", "ord", 1),
    ("second", r"second\s*,", "ord", 2),
    ("secondly", r"secondly\b", "ord", 2),
    ("in", r"in the second place\b", "ord", 2),
    ("third", r"third\s*,", "ord", 3),
    ("thirdly", r"thirdly\b", "ord", 3),
    ("fourth", r"fourth\s*,", "ord", 4),
    ("fourthly", r"fourthly\b", "ord", 4),
    ("finally", r"finally\s*,", "ord", _LAST),
    ("lastly", r"lastly\b", "ord", _LAST),
    ("last", r"last but not least\b", "ord", _LAST),
    ("on", r"on (?:the )?one hand\b", "hand", 1),
    ("on", r"on the other hand\b", "hand", 2),
    # Russian, Ukrainian
    ("во-первых", r"во-первых\b", "ord", 1),
    ("во-вторых", r"во-вторых\b", "ord", 2),
    ("в-третьих", r"в-третьих\b", "ord", 3),
    ("в-четвертых", r"в-четвертых\b", "ord", 4),
    ("в-четвёртых", r"в-четвёртых\b", "ord", 4),
    ("наконец", r"наконец\s*,", "ord", _LAST),
    ("по-перше", r"по-перше\b", "ord", 1),
    ("по-друге", r"по-друге\b", "ord", 2),
    ("по-третє", r"по-третє\b", "ord", 3),
    ("по-четверте", r"по-четверте\b", "ord", 4),
    ("нарешті", r"нарешті\s*,", "ord", _LAST),
    ("с", r"с одной стороны\b", "hand", 1),
    ("с", r"с другой стороны\b", "hand", 2),
    ("з", r"з одного боку\b", "hand", 1),
    ("з", r"з іншого боку\b", "hand", 2),
    # Azerbaijani, Turkish (the first word is keyed with İ folded to i)
    ("birincisi", r"birincisi\b", "ord", 1),
    ("birinci", r"birinci\s*,", "ord", 1),
    ("ilk", r"[iİ]lk (?:olarak|növbədə)\b", "ord", 1),
    ("ikincisi", r"[iİ]kincisi\b", "ord", 2),
    ("ikinci", r"[iİ]kinci(?:\s*,| olarak\b)", "ord", 2),
    ("üçüncüsü", r"üçüncüsü\b", "ord", 3),
    ("üçüncü", r"üçüncü(?:\s*,| olarak\b)", "ord", 3),
    ("dördüncüsü", r"dördüncüsü\b", "ord", 4),
    ("nəhayət", r"nəhayət\s*,", "ord", _LAST),
    ("son", r"son olarak\b", "ord", _LAST),
    ("bir", r"bir (?:tərəfdən|yandan)\b", "hand", 1),
    ("digər", r"digər tərəfdən\b", "hand", 2),
    ("öte", r"öte yandan\b", "hand", 2),
    ("diğer", r"diğer yandan\b", "hand", 2),
)


def _index_ordinals() -> dict[str, tuple[tuple[re.Pattern[str], str, int], ...]]:
    index: dict[str, list[tuple[re.Pattern[str], str, int]]] = {}
    for key, pattern, series, rank in _ORDINAL_TABLE:
        index.setdefault(key, []).append((re.compile(pattern, re.IGNORECASE), series, rank))
    return {key: tuple(entries) for key, entries in index.items()}


_ORDINALS = _index_ordinals()
# Cheap pre-checks: the first letter (either case) and first two case-folded letters of every
# keyed first word.
_ORDINAL_INITIALS = frozenset(
    {key[0] for key in _ORDINALS} | {key[0].upper() for key in _ORDINALS} | {"İ"}
)
_ORDINAL_PREFIXES = frozenset(key[:2] for key in _ORDINALS)


def _fold(word: str) -> str:
    return word.replace("İ", "i").casefold()


def _ordinal(body: str) -> tuple[str, int] | None:
    """(series, rank) of the ordinal marker that opens ``body``, if one does."""
    if body[:1] not in _ORDINAL_INITIALS or _fold(body[:2]) not in _ORDINAL_PREFIXES:
        return None
    m = _WORD.match(body)
    entries = _ORDINALS.get(_fold(m.group())) if m else None
    for pattern, series, rank in entries or ():
        if pattern.match(body):
            return series, rank
    return None


# --------------------------------------------------------------------------------------------
# Anaphoric openers of an article's first sentence

# Per language: phrases (case-folded words) that lean on something said before. A trailing
# "," means the phrase needs its comma ("However," but not "However hard they tried, …").
_OPENERS: dict[str, tuple[str, ...]] = {
    "en": (
        *("however ,", "but", "and", "yet", "moreover", "furthermore", "also", "therefore"),
        *("thus", "hence", "nevertheless", "nonetheless", "besides", "meanwhile"),
        *("consequently", "instead", "otherwise", "still ,", "secondly", "second ,"),
        *("thirdly", "third ,", "finally ,", "lastly", "he", "she", "they", "his", "her"),
        *("their", "this", "these", "those", "that", "such", "in addition", "as a result"),
        *("at the same time", "on the other hand", "in turn", "even so", "after that"),
        *("the latter", "the former", "apart from that", "in contrast", "by contrast"),
        *("for this reason", "because of this"),
    ),
    "ru": (
        *("однако", "но", "а", "и", "кроме того", "также", "поэтому", "при этом"),
        *("тем не менее", "вместе с тем", "впрочем", "во-вторых", "в-третьих", "наконец ,"),
        *("он", "она", "они", "его", "её", "ее", "это", "этот", "эта", "эти", "такой"),
        *("такая", "такие", "с другой стороны"),
    ),
    "uk": (
        *("однак", "але", "проте", "а", "і", "крім того", "також", "тому", "водночас"),
        *("по-друге", "по-третє", "нарешті ,", "він", "вона", "вони", "його", "її", "це"),
        *("цей", "ця", "ці", "з іншого боку"),
    ),
    "az": (
        *("lakin", "amma", "ancaq ,", "həmçinin", "bundan əlavə", "bununla belə"),
        *("buna görə", "buna baxmayaraq", "eyni zamanda", "digər tərəfdən", "ikincisi"),
        *("üçüncüsü", "nəhayət ,", "o", "onlar", "onun", "bu", "həmin"),
    ),
    "tr": (
        *("ancak", "fakat", "ama", "ayrıca", "bununla birlikte", "bu nedenle", "bu yüzden"),
        *("buna rağmen", "öte yandan", "diğer yandan", "ikincisi", "üçüncüsü", "son olarak"),
        *("o", "onlar", "onun", "bu"),
    ),
}
# Demonstratives opening a sentence about a time, not an antecedent ("This week, …").
_DEMONSTRATIVES = frozenset(
    {"this", "that", "these", "those", "это", "этот", "эта", "эти", "це", "цей", "ця", "ці"}
    | {"bu", "o", "həmin"}
)
_TIME_WORDS = frozenset(
    {
        *("week", "weekend", "weeks", "year", "years", "month", "months", "morning"),
        *("afternoon", "evening", "night", "time", "spring", "summer", "autumn", "fall"),
        *("winter", "season", "past", "coming", "day", "days", "decade", "century"),
        *("quarter", "летом", "весной", "осенью", "зимой", "утром", "вечером", "год"),
        *("неделе", "неделю", "месяц", "року", "тижня", "місяця", "gün", "günlərdə", "il"),
        *("ilin", "ay", "ayın", "həftə", "həftənin", "səhər", "axşam", "dəfə", "günlerde"),
        *("yıl", "yılın", "hafta", "haftanın", "sabah", "akşam", "kez", "sefer"),
    }
)


def _index_openers(phrases: tuple[str, ...]) -> dict[str, tuple[tuple[tuple[str, ...], bool], ...]]:
    index: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
    for phrase in phrases:
        words = tuple(phrase.removesuffix(" ,").split())
        index.setdefault(words[0], []).append((words, phrase.endswith(" ,")))
    return {key: tuple(entries) for key, entries in index.items()}


_OPENER_INDEX = {language: _index_openers(phrases) for language, phrases in _OPENERS.items()}


def _anaphoric_opener(body: str, language: str) -> str | None:
    """The connective or pronoun opening ``body`` that needs an antecedent, if any."""
    index = _OPENER_INDEX.get(language.split("-")[0].lower())
    if index is None:
        return None
    matches = list(_WORD.finditer(body, 0, 80))[:5]
    if not matches or matches[0].start() != 0:
        return None
    words = [_fold(m.group()) for m in matches]
    after_first = body[matches[0].end() : matches[0].end() + 1]
    if words[0] not in index or after_first == ".":
        return None  # "O. Aliyev" is an initial, not the pronoun "o"
    for phrase, needs_comma in index[words[0]]:
        n = len(phrase)
        if tuple(words[:n]) != phrase:
            continue
        following = words[1].removesuffix("'s").removesuffix("’s") if n < len(words) else ""
        if n == 1 and phrase[0] in _DEMONSTRATIVES and following in _TIME_WORDS:
            continue  # "This week's talks", "Bu gün": a time, not an antecedent
        end = matches[n - 1].end()
        if needs_comma and not body[end:].lstrip().startswith(","):
            continue
        return body[:end]
    return None


# --------------------------------------------------------------------------------------------
# Paragraph ends and sentence starts


def _quote(text: str, *, tail: bool = False) -> str:
    if len(text) <= _QUOTE_CHARS:
        return f"“{text}”"
    if tail:
        return f"“…{text[-_QUOTE_CHARS:].lstrip()}”"
    return f"“{text[:_QUOTE_CHARS].rstrip()}…”"


@dataclass(slots=True)
class _Paragraph:
    sentences: list[_Sentence]
    tail: str  # the last sentence without closing quotes and brackets
    cut: bool  # ends on an abbreviation that needs a follower ("on Nov.")
    open_end: bool  # stops mid-sentence: comma, no terminal punctuation, or ``cut``
    head: str  # first character after the opening quotes and dashes

    @classmethod
    def of(cls, sentences: list[_Sentence]) -> _Paragraph:
        last = sentences[-1].text
        tail = last.rstrip(_CLOSING)
        cut = False
        if tail.endswith(".") and not tail.endswith(".."):
            token = _token_before(tail, len(tail) - 1)
            cut = token[:1].isupper() and token.casefold() in _CUT_ABBREVIATIONS
        open_end = cut or not tail or tail[-1] not in _TERMINAL
        head = sentences[0].text.lstrip(_OPENING)[:1]
        return cls(sentences, tail, cut, open_end, head)

    def continued_by(self, following: _Paragraph) -> bool:
        """A paragraph break inside one sentence, in order (hard-wrapped lines)."""
        return self.open_end and (following.head.isdigit() or _cased_lower(following.head))

    def end_signal(self) -> tuple[str, str] | None:
        """(kind, evidence) when the paragraph stops mid-sentence; a subheading does not."""
        last = self.sentences[-1].text
        if self.cut:
            return "cut", f"paragraph ends at an abbreviation {_quote(last, tail=True)}"
        if len(self.sentences) < 2 and last.count(" ") < _MIN_WORDS:
            return None  # "Dear friends,", a subheading, a list item
        if self.tail.endswith(","):
            return "comma", f"paragraph ends with a comma {_quote(last, tail=True)}"
        if self.open_end and self.tail and len(self.sentences) >= 2:
            return "no_terminal", f"paragraph ends without punctuation {_quote(last, tail=True)}"
        return None


def _start_signal(
    sentence: _Sentence, body: str, part: _Paragraph, before: str
) -> tuple[str, str] | None:
    """(kind, evidence) when a sentence starts in the middle of another one.

    ``before`` is the previous sentence of the paragraph ("" for the first one).
    """
    first = body[:1]
    if first.isdigit():
        if _ends_on_abbreviation(before):
            return None  # "Bd. 1, 1911", "Nr. 53, Seite": an unknown abbreviation before
        if _DATE_CONTINUATION.match(body):
            return "date", f"sentence starts mid-date {_quote(body)}"
        if _NUMBER_COMMA.match(body):
            return "continuation", f"sentence starts with a number and a comma {_quote(body)}"
        return None
    if not _cased_lower(first):
        return None
    if sentence.start == "lower":
        return "continuation", f"sentence starts in small letters {_quote(body)}"
    if sentence.start != "paragraph" or sentence.text.startswith(("…", "..")):
        return None
    # A whole sentence in small letters, not a tag, a bullet ("o Item"), "iPhone" or "de Gaulle".
    if part.open_end or sentence.text.count(" ") < _MIN_WORDS:
        return None
    word = _LEADING_WORD.match(body)
    lead = word.group() if word else ""
    if len(lead) < 2 or lead != lead.lower() or lead in _LOWERCASE_PARTICLES:
        return None
    return "continuation", f"paragraph starts in small letters {_quote(body)}"


def _ends_on_abbreviation(text: str) -> bool:
    """Whether a sentence ends on a short capitalised token, likely an abbreviation ("Bd.")."""
    if not text.endswith("."):
        return False
    token = _token_before(text, len(text) - 1)
    return 0 < len(token) <= 4 and token[:1].isupper() and token.isalpha()


def _ordinal_signals(sentences: list[_Sentence]) -> list[tuple[int, str, str]]:
    """Ordinal markers that follow a higher one of their series (Secondly … First)."""
    found: list[tuple[int, str, str]] = []
    last: dict[str, tuple[int, int]] = {}  # series -> (rank, sentence) of its last marker
    # series -> (rank, sentence, quote, paragraph) of a higher marker not preceded by a lower
    # one ("Secondly" with no "First" just before it): a lower one after it is an inversion.
    waiting: dict[str, tuple[int, int, str, int]] = {}
    for at, sentence in enumerate(sentences):
        body = sentence.text.lstrip(_OPENING)
        marker = _ordinal(body)
        if marker is None:
            continue
        series, rank = marker
        high = waiting.get(series)
        if (
            high is not None
            and rank < high[0]
            and at - high[1] <= _ORDINAL_WINDOW
            and (high[0] != _LAST or high[3] == sentence.paragraph)
        ):
            found.append((at, "ordinal", f"ordinal out of order: {high[2]} before {_quote(body)}"))
            del waiting[series]
            last.pop(series, None)
            continue
        before = last.get(series)
        in_series = before is not None and before[0] < rank and at - before[1] <= _ORDINAL_WINDOW
        if rank > _FIRST and not in_series:
            waiting[series] = (rank, at, _quote(body), sentence.paragraph)
        elif rank == _FIRST:
            waiting.pop(series, None)
        last[series] = (rank, at)
    return found


# --------------------------------------------------------------------------------------------
# The transform


def _split_paragraphs(paragraphs: Sequence[str] | str) -> list[_Paragraph]:
    if isinstance(paragraphs, str):
        paragraphs = re.split(r"\n\s*\n", paragraphs)
    result: list[_Paragraph] = []
    for text in paragraphs:
        if not isinstance(text, str):
            continue
        sentences = _split(text.strip(), len(result))
        if sentences:
            result.append(_Paragraph.of(sentences))
    return result


def assess_coherence(paragraphs: Sequence[str], language: str = "en") -> CoherenceReport:
    """Score how scrambled an article's body reads (signals: see the module docstring).

    ``paragraphs`` are the kept body paragraphs of one article, in order (``clean_text`` split
    on blank lines; a single string is split that way too). ``language`` is the article's
    ISO 639-1 code. Never raises on text; the same input always gives the same report.
    """
    found: list[tuple[int, str, str]] = []  # (sentence number, signal kind, evidence)
    parts = _split_paragraphs(paragraphs)
    sentences = [sentence for part in parts for sentence in part.sentences]

    at = 0
    for number, part in enumerate(parts):
        joined = number > 0 and parts[number - 1].continued_by(part)
        for index, sentence in enumerate(part.sentences):
            body = sentence.text.lstrip(_OPENING)
            before = sentences[at - 1].text if at else ""
            if sentence.start == "comma":
                found.append(
                    (
                        at,
                        "comma",
                        f"sentence ends with a comma {_quote(before, tail=True)} + {_quote(body)}",
                    )
                )
            elif sentence.start == "cut":
                found.append(
                    (
                        at,
                        "cut",
                        f"sentence cut at “{sentence.cut_by}.”: "
                        f"{_quote(before, tail=True)} + {_quote(body)}",
                    )
                )
            elif sentence.start == "glued":
                found.append((at, "glued", f"sentences glued without a space: {_quote(body)}"))
            if not (index == 0 and joined):
                start = _start_signal(sentence, body, part, before if index else "")
                if start is not None:
                    found.append((at, *start))
            at += 1
        if number + 1 < len(parts) and part.continued_by(parts[number + 1]):
            continue
        end = part.end_signal()
        if end is not None:
            found.append((at - 1, *end))

    found.extend(_ordinal_signals(sentences))

    if sentences:
        body = sentences[0].text.lstrip(_OPENING)
        opener = _anaphoric_opener(body, language if isinstance(language, str) else "")
        if opener is not None:
            found.append(
                (0, "opener", f"article opens with “{opener}” (no antecedent): {_quote(body)}")
            )

    return _report(found)


def _report(found: list[tuple[int, str, str]]) -> CoherenceReport:
    """Sum the capped weights; the evidence is the occurrences that counted, in text order."""
    totals: dict[str, float] = {}
    counted: list[tuple[int, str, str]] = []
    for item in sorted(found, key=lambda item: item[0]):
        weight, cap = SIGNAL_WEIGHTS[item[1]]
        total = totals.get(item[1], 0.0)
        if total + weight <= cap + 1e-9:
            totals[item[1]] = total + weight
            counted.append(item)
    score = round(sum(totals.values()), 2)
    evidence = tuple(text for *_, text in counted[:MAX_EVIDENCE])
    return CoherenceReport(score >= SCRAMBLED_THRESHOLD, score, evidence)


__all__ = ["MAX_EVIDENCE", "SCRAMBLED_THRESHOLD", "CoherenceReport", "assess_coherence"]
