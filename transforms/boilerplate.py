"""Boilerplate removal on plain text: keep the article body, drop the page chrome.

Scraped articles reach newsetl as plain text: the body plus whatever the scraper caught
(widgets, share bars, menus, teasers, footers, captions, repeated titles, end marks). HTML-based
extractors cannot help once the markup is gone, so every decision here is taken on the text of
a line and on its neighbours. Design notes and the reasoning behind the thresholds are in
``docs/boilerplate.md``.

The classifier works in three passes over the non-empty lines of a page:

1. **Local evidence** per line: cue phrases (share/follow/review widgets, footers, captions,
   end marks, bylines), shape (letters, words, sentence ends, bullets, separators) and the
   stopword density in the page's main language. Each line gets a local class: ``good``
   (reads like prose), ``near`` (some prose signal), ``short`` (too short to judge alone)
   or ``bad`` (carries a chrome cue or no prose signal at all).
2. **The body region**: article bodies are one contiguous run of prose, chrome sits around
   it. Each line gets a weight (prose letters count for, chrome counts against, cue lines that
   close an article — "Leave a review", "Follow us", "Related" — count heavily against) and
   the maximum-sum run of lines is the body region.
3. **Score**: a logistic model over shape, stopword, region and neighbourhood features (weights
   fitted on the development set, see ``_FEATURE_WEIGHTS``) decides body or not for lines
   without a specific reason. Cues, language switches, repeated titles, duplicates and outlet
   chrome are removed wherever they are, with their own reason.

Everything here is a pure function of its arguments: no I/O, no global state.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from transforms.records import UNDETERMINED, LanguageGuess

BODY = "body"

#: Why a line was removed. Closed set: every non-body verdict carries one of these.
BOILERPLATE_REASONS: frozenset[str] = frozenset(
    {
        "title",  # the headline: metadata, not body (the pipeline stores it as the title)
        "repeated_title",  # a later copy of the headline
        "duplicate",  # a later copy of any other line already seen on the page
        "widget",  # font-size/print/listen controls, counters, symbol-heavy UI residue
        "share",  # share bars, "Leave a review", "Follow us on social networks", comment prompts
        "navigation",  # menus, breadcrumbs, short list items, "Home", "Search", "Login"
        "teaser",  # headlines of other articles (related/most-read lists), outside the body
        "other_language",  # a confident language switch against the page's main language
        "caption",  # photo/illustration captions and credits
        "byline",  # date/time/author lines with no sentence ("Published 06.12.2022")
        "signature",  # the outlet/author sign-off after the body ("News.Az")
        "end_mark",  # end-of-article marks on their own line ("— 0—", "###", "(END)")
        "footer",  # copyright, imprint, privacy/cookie notices
        "outlet_chrome",  # a line learned to recur across many articles of the outlet
        "low_content",  # no prose signal and no more specific cue (fallback)
    }
)

# --------------------------------------------------------------------------------------------
# Stopwords: the most frequent function words per language. Prose is dense in them, menus and
# teaser headlines are not; the lists are short on purpose (the top words carry the signal).
# --------------------------------------------------------------------------------------------


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "a an the and or but if of to in on at by for with from as into about than that "
        "this these those there here it its is are was were be been being has have had do "
        "does did not no so we you he she they i me my our your his her their them us who "
        "which what when where how all also can could would should will may might must "
        "just more most such only other some any over after before while because between "
        "through during up out"
    ),
    "de": _wordset(
        "der die das den dem des ein eine einer eines einem einen und oder aber wenn weil "
        "dass daß ist sind war waren wird werden wurde wurden hat haben hatte hatten sein "
        "kann können muss müssen soll sollen will nicht kein keine auch noch schon nur "
        "sehr mehr so wie als bei mit von vom zu zum zur im in an am auf aus für über "
        "unter nach vor durch um bis gegen ohne sich er sie es wir ihr ich man uns ihm "
        "ihn ihre ihren seine seiner seinen dies diese dieser dieses denn doch da dann "
        "hier wo was wer"
    ),
    "fr": _wordset(
        "le la les un une des du de et ou mais si que qui quoi dont où ce cet cette ces "
        "il elle ils elles on nous vous je tu se sa son ses leur leurs est sont était été "
        "être a ont avait pas ne plus dans en au aux par pour sur avec sans sous entre "
        "comme aussi très tout tous cela ça y"
    ),
    "es": _wordset(
        "el la los las un una unos unas y o pero si que quien cual donde cuando como de "
        "del al a en por para con sin sobre entre es son era fue ser ha han había se su "
        "sus le les lo no más muy también ya este esta estos estas ese esa eso nos"
    ),
    "it": _wordset(
        "il lo la i gli le un una uno e o ma se che chi cui dove quando come di del della "
        "dei delle al alla a da dal in nel nella con per su tra fra è sono era stato "
        "essere ha hanno non più anche molto si suo sua loro questo questa"
    ),
    "nl": _wordset(
        "de het een en of maar als dat die dit deze van in op aan met voor door naar bij "
        "uit over is zijn was waren wordt worden heeft hebben niet geen ook nog wel er "
        "hij zij ze we wij ik je u hun om te tot"
    ),
    "pt": _wordset(
        "o a os as um uma e ou mas se que quem onde quando como de do da dos das ao em no "
        "na nos nas por para com sem sobre entre é são era foi ser tem não mais muito "
        "também já este esta isso seu sua"
    ),
    "pl": _wordset(
        "i w z na do że się nie jest to jak a o od po za dla przez są być był była było "
        "ale lub czy co który która które jego jej ich tak już też oraz przy"
    ),
    "ru": _wordset(
        "и в во не что он она оно они на я с со как а то все всё так его её их но да ты к "
        "у же вы за бы по только ее мне было был была были от меня еще ещё нет о из ему "
        "теперь когда даже ну вдруг ли если уже или ни быть него до вас нибудь опять уж "
        "вам ведь там потом себя ничего ей может тут где есть надо для мы тебя чем сам "
        "без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой "
        "совсем ним здесь этом один почти мой тем чтобы нее сейчас при это также которые "
        "который которая после"
    ),
    "uk": _wordset(
        "і й та в у на з із зі що як але або не це цей ця ці до від за по про для при "
        "його її їх він вона воно вони ми ви я був була було були є бути також які який "
        "яка після"
    ),
    "az": _wordset(
        "və ilə bu da də ki bir üçün olan olaraq isə amma lakin həm ya çox daha sonra "
        "onun onlar biz siz mən o var yox deyil kimi qədər görə artıq hər bütün edir etdi "
        "olub olunur"
    ),
    "tr": _wordset(
        "ve ile bu da de ki bir için olan olarak ise ama fakat hem ya çok daha sonra onun "
        "onlar biz siz ben o var yok değil gibi kadar göre artık her tüm eder etti oldu "
        "olan"
    ),
}
_ALL_STOPWORDS: frozenset[str] = frozenset().union(*_STOPWORDS.values())

# --------------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

# Cue words and phrases. Each cue only fires on short lines (see ``_cue_reason``), so a body
# sentence that mentions Twitter or a photo is never removed for it. Cues are word sets and
# plain substrings rather than big regex alternations: those cost ~15 µs a line, these ~1 µs.
# --------------------------------------------------------------------------------------------

_SHARE_WORDS = _wordset(
    "share shares teilen tweet tweeten whatsapp facebook twitter telegram linkedin xing "
    "pinterest reddit flipboard instagram youtube tiktok vk drucken print mailen email "
    "newsletter subscribe abonnieren comment comments kommentar kommentare kommentieren "
    "поделиться подписывайтесь подпишитесь комментарии paylaş paylaşın bewerten"
)
_SHARE_PHRASES = (
    "leave a review",
    "leave a comment",
    "leave a reply",
    "follow us",
    "folgen sie uns",
    "folge uns",
    "copy link",
    "link kopieren",
    "pin it",
    "per e-mail",
    "bizi izləyin",
    "write a review",
    "rate this",
    "like us",
    "rəy yazın",
)
# Cues after which an article does not continue: they close the body region.
_CLOSING_CUE = re.compile(
    r"^(?:leave a (?:review|comment|reply)|follow us\b|folgen sie uns|"
    r"related|related (?:articles|news|posts|stories)|read (?:also|more)|see also|more from|"
    r"more news|latest news|news line|most (?:read|popular|viewed)|you (?:may|might) also like|"
    r"recommended|mehr zum thema|mehr aus|das könnte sie auch interessieren|auch interessant|"
    r"weitere (?:artikel|beiträge|meldungen|nachrichten)|ähnliche (?:artikel|beiträge)|"
    r"meistgelesen|neueste (?:beiträge|artikel)|kommentare?\b|comments?\b|"
    r"читайте также|по теме|похожие|последние новости|oxşar xəbərlər|digər xəbərlər|"
    r"son xəbərlər|xəbər lenti)",
)
_FOOTER_WORDS = _wordset(
    "copyright impressum datenschutz datenschutzerklärung cookie cookies agb nutzungsbedingungen"
)
_FOOTER_PHRASES = (
    "©",
    "all rights reserved",
    "alle rechte vorbehalten",
    "privacy policy",
    "terms of use",
    "terms of service",
    "все права защищены",
    "bütün hüquqlar",
    "powered by",
    "designed by",
)
_CAPTION_LABELS = _wordset(
    "photo photos foto fotos bild bilder image illustration illüstrasiya şəkil фото "
    "иллюстрация credit credits quelle source kaynak mənbə"
)
_CAPTION_WORDS = frozenset(["getty", "shutterstock", "imago"])
_LABEL = re.compile(r"([^\W\d_]+)\s*:")
_WIDGET_PHRASES = (
    "↺",
    "↻",
    "⟳",
    "font size",
    "schriftgröße",
    "listen to this article",
    "escucha esta noticia",
    "vorlesen",
    "artikel anhören",
    "browser not compatible",
    "reading time",
    "lesezeit",
    "min read",
    "minute read",
    "minutes read",
)
# A phrase can only match when the line has one of its words (or symbols): checking that with
# a set operation first skips the phrase scan on almost every line.
_PHRASE_GATE = frozenset(
    word
    for phrase in (*_SHARE_PHRASES, *_FOOTER_PHRASES, *_WIDGET_PHRASES)
    for word in _WORD.findall(phrase)
)
_SYMBOL_CUES = frozenset("©↺↻⟳")
_PIXELS = re.compile(r"\d\s*px\b")
_COUNTER_WORDS = frozenset(["views", "aufrufe", "просмотров", "просмотры", "baxış", "baxılıb"])
_NAVIGATION_CUE = re.compile(
    r"^(?:home|startseite|menu|menü|search|suche|suchen|login|log in|sign in|anmelden|"
    r"registrieren|register|skip to (?:main )?content|zum inhalt springen|"
    r"pasar al contenido principal|navigation\b.*|back to top|nach oben|zurück|back|next|"
    r"previous|weiter|vorherige?r?|nächste[rs]?|more|mehr|alle anzeigen|show all|"
    r"главная|поиск|меню|ana səhifə|axtar\w*)$",
)
_BYLINE_CUE = re.compile(
    r"^(?:by|von|autor(?:in)?|author|posted|published|veröffentlicht|aktualisiert|updated|"
    r"stand|erstellt|geschrieben|redaktion|автор|опубликовано|müəllif)\b",
)
_DATE = re.compile(
    r"\b(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}|"
    r"\d{1,2}\.?\s+(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)\w*)",
)
# End marks of wire copy: "— 0—", "-0-", "###", "(END)", "■". Matched as a suffix so that a mark
# glued to the last sentence can be cut off without losing the sentence.
_END_MARK = re.compile(
    r"(?:\s*(?:[—–-]+\s*0\s*[—–-]+|#{3,}|\*{3,}|\((?:end|ende|конец)\)|[■□▪]|-{2,}\s*end))+\s*$",
    re.IGNORECASE,
)
_END_MARK_LAST_CHARS = frozenset("—–-#*)■□▪dD")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[*+•·▪►▸o-]|\d{1,3}[.)])\s+")
_SEPARATORS = re.compile(r"\s[|•·»›/]\s|\s[|•·»›]$|^[|•·»›]\s")
_SENTENCE_END = re.compile(r"[.!?…](?:[\"'”“»«)\]]*)(?=\s|$)")
_TERMINAL_PUNCT = re.compile(r"[.!?…:;,\"'”“»«)\]]\s*$")
_DIGITS = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LineVerdict:
    """The decision on one line: ``reason`` is ``"body"`` when kept, else why it was removed."""

    is_boilerplate: bool
    reason: str


_KEEP = LineVerdict(False, BODY)


def normalize_line(line: str) -> str:
    """The key under which lines are compared for repetition and outlet chrome.

    List bullets and end marks dropped, NFKC, casefolded, whitespace collapsed, every digit run
    folded to ``0`` so that counters, dates and view counts do not make one widget look like
    many.
    """
    stripped = line.strip()
    bullet = _BULLET.match(stripped)
    body = stripped[bullet.end() :] if bullet else stripped
    return _fold(trim_end_marks(body) or body)


def _casefold(text: str) -> str:
    # Turkic capital dotted I casefolds to "i" + combining dot, which splits words; fold it to
    # the plain "i" first.
    return text.replace("İ", "i").casefold()


def _fold(text: str) -> str:
    folded = _casefold(text if text.isascii() else unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", _DIGITS.sub("0", folded)).strip()


def _end_mark_at(line: str) -> int | None:
    """Where a trailing end mark starts in ``line``, or None (only the tail is searched)."""
    tail = line.rstrip()
    if not tail or tail[-1] not in _END_MARK_LAST_CHARS:
        return None
    offset = max(len(tail) - 40, 0)
    match = _END_MARK.search(tail, offset)
    return match.start() if match else None


def trim_end_marks(line: str) -> str:
    """Cut a wire-copy end mark (``— 0—``, ``###``, ``(END)``) off the end of a line.

    ``'...the deputy told Turan. — 0—'`` becomes ``'...the deputy told Turan.'``; a line that
    is nothing but an end mark becomes ``''``. Lines without an end mark come back unchanged.
    """
    start = _end_mark_at(line)
    return line if start is None else line[:start].rstrip()


# --------------------------------------------------------------------------------------------
# Local evidence
# --------------------------------------------------------------------------------------------

_GOOD, _NEAR, _SHORT, _BAD = "good", "near", "short", "bad"


class _LineFacts(NamedTuple):
    """What one line shows on its own (a NamedTuple: built for every line, so cheap to make)."""

    text: str  # stripped, end mark removed
    norm: str
    indent: int
    is_bullet: bool
    letters: int
    words: tuple[str, ...]  # casefolded
    sentence_ends: int
    ends_like_sentence: bool
    has_separators: bool
    cue: str | None  # a chrome reason from cue phrases, or None
    closes_body: bool  # a cue after which the article does not continue
    capitalised: int  # words starting with a capital letter (headline case, menus)
    digits: int


def _cue_reason(text: str, words: Sequence[str], letters: int) -> str | None:
    """A chrome reason when a short line carries an unmistakable cue, else None.

    ``text`` is casefolded. Cues only count on short lines: chrome is terse, prose that
    mentions "Twitter" or a photo is not.
    """
    count = len(words)
    if letters == 0:
        return "end_mark" if _end_mark_at(text) is not None else "widget"
    if count > 25:
        return None
    phrases = not (_PHRASE_GATE.isdisjoint(words) and _SYMBOL_CUES.isdisjoint(text))
    if count <= 12 and (
        (phrases and any(p in text for p in _WIDGET_PHRASES))
        or ("px" in text and _PIXELS.search(text))
        or (_COUNTER_WORDS.intersection(words) and _DIGIT.search(text))
    ):
        return "widget"
    if (":" in text and any(m.group(1) in _CAPTION_LABELS for m in _LABEL.finditer(text))) or (
        _CAPTION_WORDS.intersection(words) or text.startswith(("(photo", "(foto", "(фото"))
    ):
        return "caption"
    if count <= 20 and (
        _FOOTER_WORDS.intersection(words) or (phrases and any(p in text for p in _FOOTER_PHRASES))
    ):
        return "footer"
    if count <= 6 and (
        _SHARE_WORDS.intersection(words) or (phrases and any(p in text for p in _SHARE_PHRASES))
    ):
        return "share"
    if count <= 6 and _CLOSING_CUE.match(text):
        return "navigation"  # "Related", "Most read", "News Line": list headers
    if count <= 4 and _NAVIGATION_CUE.match(text.strip(" :>»›-–—*")):
        return "navigation"
    if count <= 10 and (
        _BYLINE_CUE.match(text) or (count <= 6 and _DIGIT.search(text) and _DATE.search(text))
    ):
        return "byline"
    if count <= 3 and ("http" in text or "www." in text) and _URL.fullmatch(text):
        return "navigation"
    return None


_SEPARATOR_CHARS = frozenset("|•·»›/")


def _facts(raw: str) -> _LineFacts:
    stripped = raw.strip()
    indent = len(raw) - len(raw.lstrip())
    bullet = _BULLET.match(stripped)
    body = stripped[bullet.end() :] if bullet else stripped
    body = trim_end_marks(body) or body
    original_words = _WORD.findall(body)
    folded = _casefold(body)
    # Casefolding never splits or joins words once the dotted capital I is handled, so the
    # folded words come from one join/split instead of a second regex pass.
    words = tuple(_casefold(" ".join(original_words)).split())
    letters = sum(map(len, words))
    digits = len(_DIGIT.findall(body))
    norm = " ".join((folded if body.isascii() else _fold(body)).split())
    if digits:
        norm = _DIGITS.sub("0", norm)
    return _LineFacts(
        text=body,
        norm=norm,
        indent=indent,
        is_bullet=bullet is not None,
        letters=letters,
        words=words,
        sentence_ends=len(_SENTENCE_END.findall(body)),
        ends_like_sentence=_TERMINAL_PUNCT.search(body[-4:]) is not None,
        has_separators=not _SEPARATOR_CHARS.isdisjoint(body)
        and _SEPARATORS.search(body) is not None,
        cue=_cue_reason(folded, words, letters),
        closes_body=len(words) <= 8 and _CLOSING_CUE.match(folded.strip(" :>»›-–—*")) is not None,
        capitalised=sum(map(str.istitle, original_words)),
        digits=digits,
    )


def _stopword_ratio(words: Sequence[str], stopwords: frozenset[str]) -> float:
    if not words:
        return 0.0
    return sum(map(stopwords.__contains__, words)) / len(words)


def stopword_language(words: Sequence[str]) -> str:
    """The language whose stopword list covers most of ``words`` (``"und"`` if none fits).

    A cheap profile, not a detector: it tells which lines are worth sending to the detector.
    """
    best, best_hits = UNDETERMINED, 1  # one hit is chance; ask for at least two
    for lang, stopwords in _STOPWORDS.items():
        hits = sum(map(stopwords.__contains__, words))
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


# Tunable constants, fitted on the development set (see docs/boilerplate.md for the procedure
# and for the figures on held-out rows); round numbers on purpose.
_SHORT_LETTERS = 40  # below: too short to judge alone
_GOOD_LETTERS = 80  # at or above, with enough stopwords: prose
_GOOD_STOP = 0.25
_NEAR_STOP = 0.12
_SHORT_WEIGHT = -12.0  # a short line inside a run of prose costs little ...
_BAD_WEIGHT = -30.0  # ... a chrome line costs more ...
_CLOSING_WEIGHT = -600.0  # ... and a closing cue ("Leave a review") ends the article
_NEAR_FACTOR = 0.4
_OTHER_LANGUAGE_CONFIDENCE = 0.7
_OTHER_LANGUAGE_LETTERS = 15


def _local_class(facts: _LineFacts, stop_ratio: float) -> str:
    if facts.cue is not None:
        return _BAD
    if facts.letters < _SHORT_LETTERS:
        return _SHORT
    if facts.has_separators and facts.sentence_ends == 0:
        return _BAD
    prose_shape = facts.ends_like_sentence or facts.sentence_ends > 0 or len(facts.words) >= 15
    if facts.letters >= _GOOD_LETTERS and stop_ratio >= _GOOD_STOP and prose_shape:
        return _GOOD
    if stop_ratio >= _NEAR_STOP:
        return _NEAR
    return _BAD


def _weight(facts: _LineFacts, cls: str) -> float:
    if facts.closes_body:
        return _CLOSING_WEIGHT
    if cls == _GOOD:
        return float(facts.letters)
    if cls == _NEAR:
        return _NEAR_FACTOR * facts.letters
    if cls == _SHORT:
        return _SHORT_WEIGHT
    return _BAD_WEIGHT - 0.5 * facts.letters


def _best_region(weights: Sequence[float]) -> tuple[int, int]:
    """The maximum-sum run ``[start, end)`` of ``weights`` (Kadane); ``(0, 0)`` if none > 0."""
    best_sum, best = 0.0, (0, 0)
    run_sum, run_start = 0.0, 0
    for i, weight in enumerate(weights):
        if run_sum <= 0:
            run_sum, run_start = 0.0, i
        run_sum += weight
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i + 1)
    return best


def _main_language(facts: Sequence[_LineFacts], languages: Sequence[LanguageGuess]) -> str:
    """The page's language: letters-weighted vote of confident guesses on lines of prose size.

    Falls back to the stopword profile of the whole page when the guesses say nothing.
    """
    votes: dict[str, float] = {}
    for fact, guess in zip(facts, languages, strict=True):
        if guess.lang != UNDETERMINED and fact.letters >= _SHORT_LETTERS:
            votes[guess.lang] = votes.get(guess.lang, 0.0) + fact.letters * guess.confidence
    if votes:
        return max(votes, key=votes.__getitem__)
    return stopword_language([w for fact in facts for w in fact.words])


def _title_index(facts: Sequence[_LineFacts], body_start: int) -> int | None:
    """The headline: a heading-shaped line near the top that the page repeats.

    Pages often print the headline twice (page title and article heading). Only a repeated
    heading is taken for the title: a lone short line at the top may be a widget or a kicker.
    """
    seen: dict[str, int] = {}
    for i, fact in enumerate(facts[: max(body_start, 0) + 1]):
        if len(fact.words) < 2 or fact.sentence_ends > 1 or fact.letters > 200:
            continue
        if fact.norm in seen:
            return seen[fact.norm]
        seen[fact.norm] = i
    return None


_LOCAL_SCORE = {_GOOD: 1.0, _NEAR: 0.5, _SHORT: 0.0, _BAD: -1.0}


def _window_mean(values: Sequence[float], radius: int) -> list[float]:
    """Mean of ``values`` over ``[i - radius, i + radius]`` without ``i`` itself (prefix sums)."""
    prefix = [0.0]
    for value in values:
        prefix.append(prefix[-1] + value)
    count = len(values)
    means = []
    for i in range(count):
        low, high = max(i - radius, 0), min(i + radius + 1, count)
        span = high - low - 1
        means.append((prefix[high] - prefix[low] - values[i]) / span if span else 0.0)
    return means


def _classify(
    facts: Sequence[_LineFacts],
    languages: Sequence[LanguageGuess],
    main_language: str,
    outlet_chrome: frozenset[str],
) -> list[LineVerdict]:
    stopwords = _STOPWORDS.get(main_language, _ALL_STOPWORDS)
    stop_ratios = [_stopword_ratio(f.words, stopwords) for f in facts]
    classes = [_local_class(f, r) for f, r in zip(facts, stop_ratios, strict=True)]

    reasons: list[str | None] = [None] * len(facts)
    for i, (fact, guess) in enumerate(zip(facts, languages, strict=True)):
        if not fact.text:
            reasons[i] = "widget"
        elif fact.cue is not None:
            reasons[i] = fact.cue
        elif fact.norm in outlet_chrome:
            reasons[i] = "outlet_chrome"
        elif _is_language_switch(fact, guess, main_language, stop_ratios[i]):
            reasons[i] = "other_language"
        if reasons[i] is not None:
            classes[i] = _BAD

    weights = [_weight(f, c) for f, c in zip(facts, classes, strict=True)]
    start, end = _best_region(weights)

    title = _title_index(facts, start)
    seen: set[str] = set()
    for i, fact in enumerate(facts):
        if reasons[i] is None and fact.norm and fact.norm in seen:
            is_title_copy = title is not None and fact.norm == facts[title].norm
            reasons[i] = "repeated_title" if is_title_copy else "duplicate"
        seen.add(fact.norm)
    if title is not None:
        reasons[title] = "title"

    scores = _body_scores(facts, classes, stop_ratios, start, end)
    verdicts: list[LineVerdict] = []
    for i, fact in enumerate(facts):
        reason = reasons[i]
        if reason is None:
            reason = BODY if scores[i] >= 0.0 else _removal_reason(i, fact, classes[i], start, end)
        verdicts.append(_KEEP if reason == BODY else LineVerdict(True, reason))
    return verdicts


def _line_features(
    facts: Sequence[_LineFacts],
    classes: Sequence[str],
    stop_ratios: Sequence[float],
    start: int,
    end: int,
) -> list[tuple[float, ...]]:
    """Numeric features per line, in the order of ``_FEATURE_WEIGHTS``."""
    local = [_LOCAL_SCORE[c] for c in classes]
    near1, near3, near10 = (_window_mean(local, r) for r in (1, 3, 10))
    body_indents = Counter(facts[i].indent for i in range(start, end) if classes[i] == _GOOD)
    region_indent = body_indents.most_common(1)[0][0] if body_indents else -1
    count = len(facts)
    first_closing = next((i for i in range(start, count) if facts[i].closes_body), count)
    rows: list[tuple[float, ...]] = []
    for i, fact in enumerate(facts):
        words = len(fact.words)
        distance = 0 if start <= i < end else (start - i if i < start else i - end + 1)
        rows.append(
            (
                1.0,
                math.log1p(fact.letters) / 5.0,
                stop_ratios[i],
                _stopword_ratio(fact.words, _ALL_STOPWORDS),
                float(fact.ends_like_sentence),
                min(fact.sentence_ends, 5) / 5.0,
                float(fact.is_bullet),
                float(fact.has_separators),
                float(words > 0 and fact.letters / words > 12),  # unsegmented script (CJK)
                float(distance == 0),
                math.log1p(distance) / 5.0,
                float(i >= end),
                float(i > first_closing),
                float(fact.indent == region_indent),
                near1[i],
                near3[i],
                near10[i],
                i / count,
                fact.capitalised / words if words else 0.0,
                fact.digits / (fact.letters + fact.digits) if fact.digits else 0.0,
                local[i],
            )
        )
    return rows


#: Logistic-regression weights over ``_line_features`` (fitted on the development set, see
#: docs/boilerplate.md); a line is body when the score is >= 0.
_FEATURE_WEIGHTS: tuple[float, ...] = (
    -2.174,  # bias
    2.665,  # log letters
    -0.149,  # stopword share, page language
    -0.460,  # stopword share, any language
    0.876,  # ends like a sentence
    0.710,  # sentence ends (capped at 5)
    0.414,  # list bullet
    -0.852,  # separators (| · »)
    -0.134,  # unsegmented script (CJK)
    0.351,  # inside the body region
    0.339,  # log distance to the region
    -1.205,  # after the region
    -1.687,  # after a closing cue
    1.398,  # indent of the region's prose
    0.654,  # local class, neighbours ±1
    0.584,  # local class, neighbours ±3
    -0.430,  # local class, neighbours ±10
    -1.460,  # relative position on the page
    -1.071,  # share of capitalised words
    1.194,  # share of digits
    -0.108,  # own local class
)


def _body_scores(
    facts: Sequence[_LineFacts],
    classes: Sequence[str],
    stop_ratios: Sequence[float],
    start: int,
    end: int,
) -> list[float]:
    weights = _FEATURE_WEIGHTS
    return [
        sum(w * x for w, x in zip(weights, row, strict=True))
        for row in _line_features(facts, classes, stop_ratios, start, end)
    ]


def _removal_reason(index: int, fact: _LineFacts, cls: str, start: int, end: int) -> str:
    """Why a line without a specific cue is not body, from its shape and its place."""
    if index >= end and index - end < 3 and _looks_like_signature(fact):
        return "signature"
    if fact.is_bullet or len(fact.words) <= 3:
        return "navigation"
    if index >= end:
        return "teaser"
    return "low_content" if cls == _BAD else "navigation"


def _is_language_switch(
    fact: _LineFacts, guess: LanguageGuess, main_language: str, stop_ratio: float
) -> bool:
    """A line confidently in another language than the page, and not prose of the page's own.

    The stopword check guards against detector noise on short lines and quotes with names.
    """
    return (
        main_language != UNDETERMINED
        and guess.lang not in (UNDETERMINED, main_language)
        and guess.confidence >= _OTHER_LANGUAGE_CONFIDENCE
        and fact.letters >= _OTHER_LANGUAGE_LETTERS
        and stop_ratio < _NEAR_STOP
    )


def _looks_like_signature(fact: _LineFacts) -> bool:
    """An outlet or author sign-off: a domain ("News.Az") or a few capitalised words."""
    if _DOMAIN.match(fact.text):
        return True
    return 1 <= len(fact.words) <= 4 and fact.sentence_ends == 0 and fact.text[:1].isupper()


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def classify_lines(
    lines: Sequence[str],
    languages: Sequence[LanguageGuess],
    *,
    outlet_chrome: frozenset[str] = frozenset(),
) -> list[LineVerdict]:
    """One verdict per line (same order): body, or boilerplate with a reason.

    ``lines`` are the non-empty lines of one page in page order (leading whitespace may be kept:
    indentation is used as a layout hint when present); ``languages`` the detected language of
    each line (``UNDETERMINED`` where not detected); ``outlet_chrome`` normalised lines known
    to recur across the outlet's pages (``learn_outlet_chrome``).
    """
    if len(lines) != len(languages):
        raise ValueError(f"{len(lines)} lines but {len(languages)} language guesses")
    if not lines:
        return []
    facts = [_facts(line) for line in lines]
    return _classify(facts, languages, _main_language(facts, languages), outlet_chrome)


def learn_outlet_chrome(
    pages: Sequence[Sequence[str]], *, min_share: float = 0.3, min_pages: int = 5
) -> frozenset[str]:
    """Normalised lines that recur on at least ``min_share`` of an outlet's pages.

    Needs at least ``min_pages`` pages: below that, recurrence says nothing. A line counts once
    per page. Long lines of prose are never chrome: a quote reused by many articles is still
    content, so lines with a sentence of 200+ letters are not learned.
    """
    if len(pages) < max(min_pages, 1):
        return frozenset()
    per_page: Counter[str] = Counter()
    for page in pages:
        per_page.update({normalize_line(line) for line in page if line.strip()})
    threshold = max(min_share * len(pages), 2)
    return frozenset(
        norm
        for norm, count in per_page.items()
        if count >= threshold and norm and sum(c.isalpha() for c in norm) < 200
    )


def strip_boilerplate(
    text: str,
    *,
    detect: Callable[[Sequence[str]], list[LanguageGuess]] | None = None,
) -> str:
    """The article body of a plain-text page: kept lines, end marks trimmed, joined by blank lines.

    Detects languages itself, but only where it matters: the page language comes from the
    stopword profile (one detector call on a sample when the profile is inconclusive) and the
    detector is asked only about lines whose stopword profile disagrees with the page.
    ``detect`` replaces the batch detector (tests, benchmarks).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    detector = detect or _default_detector()
    facts = [_facts(line) for line in lines]
    languages, main_language = _sparse_languages(facts, detector)
    verdicts = _classify(facts, languages, main_language, frozenset())
    kept = [
        trim_end_marks(line.strip())
        for line, verdict in zip(lines, verdicts, strict=True)
        if not verdict.is_boilerplate
    ]
    return "\n\n".join(line for line in kept if line)


def _sparse_languages(
    facts: Sequence[_LineFacts], detect: Callable[[Sequence[str]], list[LanguageGuess]]
) -> tuple[list[LanguageGuess], str]:
    """Language guesses for the lines where a switch is plausible, and the page language."""
    prose = [f for f in facts if f.letters >= _SHORT_LETTERS]
    main_language = stopword_language([w for f in prose for w in f.words])
    if main_language == UNDETERMINED:
        sample = " ".join(f.text for f in sorted(prose, key=lambda f: -f.letters)[:5])[:1000]
        guess = detect([sample])[0] if sample else LanguageGuess(UNDETERMINED, 0.0)
        main_language = guess.lang
    unknown = LanguageGuess(UNDETERMINED, 0.0)
    languages = [unknown] * len(facts)
    if main_language == UNDETERMINED:
        return languages, main_language
    main_stopwords = _STOPWORDS.get(main_language, _ALL_STOPWORDS)
    suspects = [
        i
        for i, f in enumerate(facts)
        if f.letters >= _OTHER_LANGUAGE_LETTERS
        and f.cue is None
        and _stopword_ratio(f.words, main_stopwords) < _NEAR_STOP
        and _looks_non_native(f, main_language)
    ]
    if suspects:
        for i, guess in zip(suspects, detect([facts[i].text for i in suspects]), strict=True):
            languages[i] = guess
    return languages, main_language


def _looks_non_native(fact: _LineFacts, main_language: str) -> bool:
    """Cheap pre-filter: the line shows another language's stopwords or another script."""
    other = stopword_language(fact.words)
    if other not in (UNDETERMINED, main_language):
        return True
    latin_page = main_language not in ("ru", "uk")
    cyrillic = any("\u0400" <= c <= "\u04ff" for c in fact.text)
    return cyrillic == latin_page


def _default_detector() -> Callable[[Sequence[str]], list[LanguageGuess]]:
    """The project's batch detector, or the single-text one mapped over the batch."""
    from transforms import language

    batch = getattr(language, "detect_languages", None)
    if callable(batch):
        return batch
    return lambda texts: [language.detect_language(t) for t in texts]
