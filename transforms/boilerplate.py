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
3. **Score**, in two logistic stages (weights fitted by ``bench/fit_boilerplate.py``, see
   ``_MODEL``): stage 1 scores each line from its shape, stopword, density, region, indentation
   block and neighbourhood features; stage 2 re-scores it from the stage-1 scores of its
   neighbours (previous/next, window means, the body mass before and after it, a second region
   on the scores, its indentation block), so a line is judged with its context. Lines with a
   specific reason (cues, language switches, repeated titles, duplicates, outlet chrome) are
   removed wherever they are, with that reason.

Everything here is a pure function of its arguments: no I/O. The only state is a bounded LRU
cache of per-line facts (``_cached_facts``, short lines only), which never changes a result.
"""

from __future__ import annotations

import functools
import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

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
_COUNTER_WORDS = frozenset(["views", "aufrufe", "просмотров", "просмотры", "baxış", "baxılıb"])
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
_CUE_WORDS = _SHARE_WORDS | _FOOTER_WORDS | _CAPTION_WORDS | frozenset(_COUNTER_WORDS)
_PIXELS = re.compile(r"\d\s*px\b")
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
_BULLET_FIRST = frozenset("*+•·▪►▸o-0123456789")
_SEPARATORS = re.compile(r"\s[|•·»›/]\s|\s[|•·»›]$|^[|•·»›]\s")
_SENTENCE_END = re.compile(r"[.!?…](?:[\"'”“»«)\]]*)(?=\s|$)")
_DIGITS = re.compile(r"\d+")
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


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


class _LineFacts(NamedTuple):
    """What one line shows on its own: built for every line, so a (NamedTuple) tuple.

    The numbers the page passes use as numpy columns (indent, bullet, shape counts, cue flags)
    are only in ``row``; the fields are what the Python-level passes read.
    """

    text: str  # stripped, bullet and end mark removed
    norm: str
    letters: int
    words: tuple[str, ...]  # casefolded
    sentence_ends: int
    cue: str | None  # a chrome reason from cue phrases, or None ("widget" when no text is left)
    stop_all: float  # share of words in any stopword list
    stops: tuple[str, ...]  # the words that are in some stopword list, in order
    row: bytes  # the line-local numbers, packed float64 (``_ROW``; columns ``_COL_*``)


# The numbers of a line that the page passes need as numpy columns, packed once per line by
# ``_facts`` (and cached with it): a page's matrix is then one ``bytes.join`` + ``frombuffer``
# instead of ~3,000 Python-to-numpy conversions. Columns 0-13 are stage-1 features as they are.
_ROW = struct.Struct("=19d")
_ROW_WIDTH = 19
(_COL_LETTERS, _COL_WORDS, _COL_STOP_ALL, _COL_ENDS, _COL_SENTENCES, _COL_BULLET,
 _COL_SEPARATORS, _COL_CAPITALISED, _COL_DIGITS, _COL_INDENT, _COL_COMMAS, _COL_COLON,
 _COL_LOWER, _COL_LINKISH, _COL_CUE, _COL_CLOSES, _COL_READER, _COL_PROMPT,
 _COL_DIGIT_START) = range(_ROW_WIDTH)  # fmt: skip


def _cue_reason(
    text: str, words: Sequence[str], letters: int, digits: int, trimmed: str, closes: bool
) -> str | None:
    """A chrome reason when a short line carries an unmistakable cue, else None.

    ``text`` is casefolded, ``trimmed`` is ``text`` stripped of ``_CUE_STRIP``, ``closes``
    whether ``_CLOSING_CUE`` matches ``trimmed`` (computed by ``_facts`` for lines of up to 8
    words), ``digits`` the number of digits. Cues only count on short lines: chrome is terse,
    prose that mentions "Twitter" or a photo is not.
    """
    count = len(words)
    if letters == 0:
        return "end_mark" if _end_mark_at(text) is not None else "widget"
    if count > 25:
        return None
    phrases = not _PHRASE_GATE.isdisjoint(words) or (
        not text.isascii() and _SYMBOL_CUE.search(text) is not None
    )
    cue_words = not _CUE_WORDS.isdisjoint(words)  # one gate for the four word sets below
    if count <= 12 and (
        (phrases and any(p in text for p in _WIDGET_PHRASES))
        or ("px" in text and _PIXELS.search(text))
        or (cue_words and digits and not _COUNTER_WORDS.isdisjoint(words))
    ):
        return "widget"
    if (":" in text and not _CAPTION_LABELS.isdisjoint(_LABEL.findall(text))) or (
        (cue_words and not _CAPTION_WORDS.isdisjoint(words))
        or text.startswith(("(photo", "(foto", "(фото"))
    ):
        return "caption"
    if count <= 20 and (
        (cue_words and not _FOOTER_WORDS.isdisjoint(words))
        or (phrases and any(p in text for p in _FOOTER_PHRASES))
    ):
        return "footer"
    if count > 10:
        return None
    if count <= 6:
        if (cue_words and not _SHARE_WORDS.isdisjoint(words)) or (
            phrases and any(p in text for p in _SHARE_PHRASES)
        ):
            return "share"
        # The closing cue ends in a letter or ``\b``, so stripping the trailing ``_CUE_STRIP``
        # characters never changes whether it matches: reuse the match on ``trimmed`` unless
        # the line starts with one of those characters.
        if closes if text[:1] not in _CUE_STRIP_SET else _CLOSING_CUE.match(text):
            return "navigation"  # "Related", "Most read", "News Line": list headers
        if count <= 4 and _NAVIGATION_CUE.match(trimmed):
            return "navigation"
    if _BYLINE_CUE.match(text) or (count <= 6 and digits and _DATE.search(text)):
        return "byline"
    if count <= 3 and ("http" in text or "www." in text) and _URL.fullmatch(text):
        return "navigation"
    return None


#: Words of a line that addresses the reader (second person). A soft stage-1 feature only.
_READER_WORDS = _wordset(
    "you your yours yourself du dich dir dein deine deinen deinem deiner deines euch euer eure "
    "euren ihnen usted ustedes tu tus te vous votre vos"
)
#: Call-to-action vocabulary (subscribe, read more, support us, download the app, advertising):
#: its share of a line's words is a soft stage-1 feature, never a cue on its own.
_PROMPT_WORDS = _wordset(
    "subscribe subscriber subscribers subscription subscriptions newsletter newsletters signup "
    "sign register registration login log abonnieren abonnement abo abonnenten anmelden "
    "anmeldung registrieren einloggen click klicken klick tap download app apps ios android "
    "support unterstützen unterstütze spende spenden donate donation donations paywall "
    "advertisement advertising anzeige werbung sponsored gesponsert partner affiliate read "
    "lesen weiterlesen mehr more also auch follow folgen podcast episode video videos live "
    "stream email e-mail mail inbox free kostenlos gratis jetzt now today heute suscríbete "
    "suscribirse suscripción boletín abonnez abonnement inscrivez"
)
_SOFT_WORDS = _READER_WORDS | _PROMPT_WORDS
_ASCII_DIGIT = re.compile("[0-9]")  # ``\d`` on an ASCII string, twice as fast
_SYMBOL_CUE = re.compile("[©↺↻⟳]")
_CUE_STRIP = " :>»›-–—*"
_CUE_STRIP_SET = frozenset(_CUE_STRIP)


_TERMINAL_CHARS = frozenset(".!?…:;,\"'”“»«)]")
#: Characters that can neither be part of a ``_WORD`` match (not letters) nor join two parts
#: of one (not apostrophes): stripping them off a whitespace token leaves its words as they
#: are. ASCII punctuation and digits, common quotes, dashes and symbols.
_EDGE_CHARS = '!"#$%&()*+,-./0123456789:;<=>?@[\\]^_`{|}~«»„“”‚‘‹›…–—‐‑−·•►▸▪■□©®°€£¡¿§¶†‡'
_LONG_LINE = 80  # characters: above, words from whitespace tokens (``_facts``)
_EDGES = repeat(_EDGE_CHARS)  # for ``map(str.strip, tokens, _EDGES)``: map stops at tokens
_SPACED_SEPARATORS = tuple(f" {sep} " for sep in "|•·»›/")
_SPACED_SEPARATOR_ENDS = frozenset(f" {sep}" for sep in "|•·»›")
_SPACED_SEPARATOR_STARTS = frozenset(f"{sep} " for sep in "|•·»›")


def _token_words(tokens: list[str]) -> list[str]:
    """``_WORD.findall`` over tokens (``_EDGE_CHARS`` stripped), keeping letter-only ones whole."""
    words: list[str] = []
    findall = _WORD.findall
    for token in tokens:
        if token.isalpha():
            words.append(token)
        else:
            words += findall(token)
    return words


_new_facts = tuple.__new__  # skips the Python-level ``_LineFacts.__new__`` (~0.5 µs a line)


def _facts(raw: str) -> _LineFacts:
    """What ``raw`` shows on its own. The hot loop of the module: ~160 calls per page.

    Written for few C calls per line: ASCII lines (most) skip casefolding and NFKC, the folded
    words come from one join/lower/split instead of a second regex pass, every regex behind a
    cheap substring gate; see ``docs/boilerplate.md`` for the measured costs.
    """
    stripped = raw.strip()
    body = stripped
    is_bullet = False
    if stripped[:1] in _BULLET_FIRST:
        bullet = _BULLET.match(stripped)
        if bullet is not None:
            body = stripped[bullet.end() :]
            is_bullet = True
    if body[-1:] in _END_MARK_LAST_CHARS:
        body = trim_end_marks(body) or body
    # On long lines the words come from the whitespace tokens (see ``_EDGE_CHARS``): a
    # ``split`` and C-level strips instead of a regex pass over every character (~25 % less on
    # lines over 80 characters, ~15 µs on 380 characters; on shorter ones the regex is cheaper).
    if len(body) > _LONG_LINE:
        tokens = body.split()
        original_words = list(filter(None, map(str.strip, tokens, _EDGES)))
        if not all(map(str.isalpha, original_words)):
            original_words = _token_words(original_words)
        # The only whitespace in the line is single spaces (97 % of lines): whitespace needs
        # no collapsing, and ``\s`` in the separator pattern can only be a space.
        spaced = " ".join(tokens) == body
    else:
        original_words = _WORD.findall(body)
        spaced = False
    # Casefolding never splits or joins words once the dotted capital I is handled, so the
    # folded words come from one join/split instead of a second regex pass.
    if body.isascii():
        normalized, digit = True, _ASCII_DIGIT
        folded = body.lower()
        joined = " ".join(original_words).lower()
        norm = folded if spaced else " ".join(folded.split())
    else:
        digit = _DIGIT
        folded = _casefold(body)
        joined = _casefold(" ".join(original_words))
        # Casefolding keeps digits digits (and non-digits non-digits); NFKC may make some
        # ("½", "²"), so a non-normalised line needs the digit folding below regardless.
        # Casefolding never makes or removes whitespace, so a ``spaced`` line stays one.
        normalized = unicodedata.is_normalized("NFKC", body)
        if normalized:
            norm = folded if spaced else " ".join(folded.split())
        else:
            norm = " ".join(_fold(body).split())
    words = tuple(joined.split())
    count = len(words)
    # Words hold no whitespace, before or after casefolding: the letters are the joined
    # length minus the separating spaces.
    letters = len(joined) - count + 1 if count else 0
    digits = len(digit.findall(body)) if digit.search(body) else 0
    if digits or not normalized:
        norm = _DIGITS.sub("0", norm)
    if count <= 8:
        trimmed = folded.strip(_CUE_STRIP)
        closes = _CLOSING_CUE.match(trimmed) is not None
    else:
        trimmed, closes = folded, False
    if "." in body or "!" in body or "?" in body or "…" in body:
        sentence_ends = len(_SENTENCE_END.findall(body))
    else:
        sentence_ends = 0
    indent = len(raw) - len(raw.lstrip())
    ends = body[-1:] in _TERMINAL_CHARS
    # Six substring scans are ~10x faster than a character-class search on a long line.
    if not ("/" in body or "|" in body or "•" in body or "·" in body or "»" in body or "›" in body):
        separators = False
    elif spaced:  # ``_SEPARATORS`` with a space for every ``\s``
        separators = (
            any(sep in body for sep in _SPACED_SEPARATORS)
            or body[-2:] in _SPACED_SEPARATOR_ENDS
            or body[:2] in _SPACED_SEPARATOR_STARTS
        )
    else:
        separators = _SEPARATORS.search(body) is not None
    cue = (
        _cue_reason(folded, words, letters, digits, trimmed, closes)
        if count <= 25 or not letters
        else None
    )
    capitalised = sum(map(str.istitle, original_words))
    stops = tuple(filter(_ALL_STOPWORDS.__contains__, words))
    stop_all = len(stops) / count if count else 0.0
    commas = body.count(",")
    linkish = "@" in body or "http" in body or "www." in body
    # Addresses the reader ("you", "du", formal "Sie"/"Ihr" inside a sentence): pitches,
    # newsletter boxes and comment rules do, reports rarely.
    # One set operation for both word lists; most lines hit neither.
    soft = _SOFT_WORDS.intersection(words)
    reader = (
        (bool(soft) and not _READER_WORDS.isdisjoint(soft))
        or ("Sie " in body and (" Sie " in body or body[:4] == "Sie "))
        or ("Ihr" in body and (" Ihr" in body or body[:3] == "Ihr"))
    )
    row = _ROW.pack(
        letters, count, stop_all, ends, sentence_ends, is_bullet, separators, capitalised,
        digits, indent, commas, body[-1:] == ":", body[:1].islower(), linkish,
        cue is not None, closes, reader, len(soft & _PROMPT_WORDS) if soft else 0,
        body[:1].isdigit(),
    )  # fmt: skip
    return _new_facts(
        _LineFacts,
        (body, norm, letters, words, sentence_ends, cue, stop_all, stops, row),
    )  # fmt: skip


#: Lines of up to this many characters are cached across pages: menus, footers, widgets and
#: sign-offs repeat across an outlet's articles and are short; prose lines are long and
#: (almost) never repeat on another page (dev set: 16 % of the short lines of a page were seen
#: on an earlier page, 1.5 % of the longer ones).
_FACTS_CACHE_MAX_CHARS = 100
#: At most this many lines are cached (least recently used dropped first): ~1.7 KB a line
#: (key, facts, words, packed row, LRU node), so ~7 MB per process.
_FACTS_CACHE_SIZE = 4096
#: ``_facts`` behind a bounded LRU cache keyed by the raw line (indentation included). The facts
#: are immutable and a pure function of the line, so the cache never changes a result.
_cached_facts = functools.lru_cache(maxsize=_FACTS_CACHE_SIZE)(_facts)


def _page_facts(lines: Sequence[str]) -> list[_LineFacts]:
    """``_facts`` of every line; short lines (repeated chrome) come from ``_cached_facts``."""
    limit, cached, facts = _FACTS_CACHE_MAX_CHARS, _cached_facts, _facts
    return [cached(line) if len(line) <= limit else facts(line) for line in lines]


def _stopword_ratio(words: Sequence[str], stopwords: frozenset[str]) -> float:
    if not words:
        return 0.0
    return sum(map(stopwords.__contains__, words)) / len(words)


def _page_stop_ratios(facts: Sequence[_LineFacts], main_language: str) -> list[float]:
    """``_stopword_ratio`` of every line in the page language (any list if it has none).

    Only a line's stopwords (``stops``) can hit a list, so only they are looked up; with no
    list for the language the ratio is ``stop_all``, computed the same way by ``_facts``.
    """
    stopwords = _STOPWORDS.get(main_language)
    if stopwords is None:
        return [f.stop_all for f in facts]
    hit = stopwords.__contains__
    return [sum(map(hit, f.stops)) / len(f.words) if f.stops else 0.0 for f in facts]


def stopword_language(words: Sequence[str]) -> str:
    """The language whose stopword list covers most of ``words`` (``"und"`` if none fits).

    A cheap profile, not a detector: it tells which lines are worth sending to the detector.
    """
    best, best_hits = UNDETERMINED, 1  # one hit is chance; ask for at least two
    counts = Counter(words) if len(words) > 50 else None
    for lang, stopwords in _STOPWORDS.items():
        if counts is None:
            hits = sum(map(stopwords.__contains__, words))
        else:
            hits = sum(counts[w] for w in stopwords.intersection(counts))
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
_SMALL_REGION_LETTERS = 800  # a body region with fewer letters is "small" (list/table bodies)
_OTHER_LANGUAGE_CONFIDENCE = 0.7
_OTHER_LANGUAGE_LETTERS = 15


def _local_classes(local: _Vector, stop_ratios: _Vector, forced: npt.NDArray[np.bool_]) -> _Codes:
    """The local class of every line (``_GOOD`` … ``_BAD``); lines with a forced reason are bad.

    A line with a cue always has a forced reason, so the cue needs no test of its own.
    """
    letters, sentences = local[:, _COL_LETTERS], local[:, _COL_SENTENCES]
    prose_shape = (local[:, _COL_ENDS] > 0) | (sentences > 0) | (local[:, _COL_WORDS] >= 15)
    # The first test that holds decides: assigned from the last test to the first.
    classes = np.full(len(local), _BAD)
    classes[stop_ratios >= _NEAR_STOP] = _NEAR
    classes[(letters >= _GOOD_LETTERS) & (stop_ratios >= _GOOD_STOP) & prose_shape] = _GOOD
    classes[(local[:, _COL_SEPARATORS] > 0) & (sentences == 0)] = _BAD
    classes[letters < _SHORT_LETTERS] = _SHORT
    classes[forced] = _BAD
    return classes


def _weights(local: _Vector, classes: _Codes) -> _Vector:
    """Region weight of every line: prose letters for the body, chrome and closing cues against."""
    letters = local[:, _COL_LETTERS]
    weights = _BAD_WEIGHT - 0.5 * letters
    weights[classes == _GOOD] = letters[classes == _GOOD]
    weights[classes == _NEAR] = _NEAR_FACTOR * letters[classes == _NEAR]
    weights[classes == _SHORT] = _SHORT_WEIGHT
    weights[local[:, _COL_CLOSES] > 0] = _CLOSING_WEIGHT
    return weights


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
    # Only stopwords count for the profile: the lines' ``stops`` give the same hits.
    return stopword_language(list(chain.from_iterable(fact.stops for fact in facts)))


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


#: Local class of each line, then its score for the features (``_CLASS_SCORE[class]``).
_GOOD, _NEAR, _SHORT, _BAD = 0, 1, 2, 3
_CLASS_SCORE = np.array([1.0, 0.5, 0.0, -1.0])
_Vector = npt.NDArray[np.float64]
_Codes = npt.NDArray[np.int64]


def _window_means(values: _Vector, radii: tuple[int, ...]) -> _Vector:
    """Mean of ``values`` over ``[i - r, i + r]`` without ``i`` itself: one row per radius."""
    count = len(values)
    prefix = np.concatenate(([0.0], np.cumsum(values)))
    index = np.arange(count)
    radius = np.array(radii)[:, None]
    low = np.maximum(index - radius, 0)
    high = np.minimum(index + radius + 1, count)
    span = high - low - 1
    total = prefix[high] - prefix[low] - values
    return np.divide(total, span, out=np.zeros(span.shape), where=span > 0)


def _window_mean(values: _Vector, radius: int) -> _Vector:
    """Mean of ``values`` over ``[i - radius, i + radius]`` without ``i`` itself."""
    return _window_means(values, (radius,))[0]


def _blocks(indents: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Runs of consecutive lines at one indentation: each line's run id, run start, run end."""
    count = len(indents)
    starts_here = np.ones(count, dtype=bool)
    starts_here[1:] = indents[1:] != indents[:-1]
    block = np.cumsum(starts_here) - 1
    starts = np.flatnonzero(starts_here)
    ends = np.append(starts[1:], count)
    return block, starts[block], ends[block]


def _block_mean_without_self(
    values: _Vector, block: npt.NDArray[np.int64], size: _Vector, empty: float
) -> _Vector:
    sums = np.bincount(block, weights=values)[block] - values
    return np.divide(sums, size - 1, out=np.full(len(values), empty), where=size > 1)


class _Page(NamedTuple):
    """A page after the local and region passes: what the scoring stages need."""

    facts: Sequence[_LineFacts]
    letters: _Vector
    indents: npt.NDArray[np.int64]
    reasons: list[str | None]  # a forced reason (cue, chrome, language, title, duplicate)
    classes: _Codes  # local class per line (``_GOOD`` … ``_BAD``)
    stop_ratios: list[float]
    start: int  # body region [start, end)
    end: int
    local: _Vector  # the lines' packed rows (``_LineFacts.row``) as a matrix, ``_COL_*`` columns
    block: _Codes  # indent block of each line (``_blocks``): its id, first line, end
    block_start: _Codes
    block_end: _Codes


_ROW_OF = attrgetter("row")
_CUE_OF = attrgetter("cue")
_NORM_OF = attrgetter("norm")
_LANG_OF = attrgetter("lang")


class _Model(NamedTuple):
    """Logistic weights of the two stages (``bench/fit_boilerplate.py`` prints them)."""

    line: tuple[float, ...]  # over ``_line_features``
    context: tuple[float, ...]  # over ``_context_features`` (stage-1 scores of the neighbours)


def _prepare(
    facts: Sequence[_LineFacts],
    languages: Sequence[LanguageGuess],
    main_language: str,
    outlet_chrome: frozenset[str],
    stop_ratios: list[float] | None = None,
) -> _Page:
    """Forced reasons, local classes and the body region of a page.

    ``stop_ratios`` (``_page_stop_ratios`` in ``main_language``) when the caller has them.
    """
    count = len(facts)
    local = np.frombuffer(b"".join(map(_ROW_OF, facts)), dtype=np.float64)
    local = local.reshape(count, _ROW_WIDTH)
    if stop_ratios is None:
        stop_ratios = _page_stop_ratios(facts, main_language)

    # A line with no text left (only a bullet or an end mark) always has a cue ("widget").
    reasons: list[str | None] = list(map(_CUE_OF, facts))
    forced = local[:, _COL_CUE] > 0
    if outlet_chrome:
        for i, fact in enumerate(facts):
            if reasons[i] is None and fact.norm in outlet_chrome:
                reasons[i] = "outlet_chrome"
                forced[i] = True
    if main_language != UNDETERMINED:
        # Only the lines with a guess (few: ``strip_boilerplate`` asks about suspects only).
        guessed = compress(range(count), map(UNDETERMINED.__ne__, map(_LANG_OF, languages)))
        for i in guessed:
            guess = languages[i]
            if reasons[i] is None and _is_language_switch(
                facts[i], guess, main_language, stop_ratios[i]
            ):
                reasons[i] = "other_language"
                forced[i] = True
    classes = _local_classes(local, np.array(stop_ratios, dtype=np.float64), forced)
    start, end = _best_region(_weights(local, classes).tolist())

    title = _title_index(facts, start)
    norms = list(map(_NORM_OF, facts))
    # Where each normalised line first occurs; a later copy is a duplicate (or the title's).
    first = dict(zip(reversed(norms), range(count - 1, -1, -1), strict=True))
    if len(first) < count:
        title_norm = norms[title] if title is not None else None
        for i, norm in enumerate(norms):
            if first[norm] != i and reasons[i] is None and norm:
                reasons[i] = "repeated_title" if norm == title_norm else "duplicate"
    if title is not None:
        reasons[title] = "title"
    indents = local[:, _COL_INDENT].astype(np.int64)
    block, block_start, block_end = _blocks(indents)
    return _Page(
        facts, local[:, _COL_LETTERS], indents, reasons, classes, stop_ratios, start, end,
        local, block, block_start, block_end,
    )  # fmt: skip


#: One verdict per removal reason, shared (frozen, so safe): building a slotted frozen
#: dataclass per removed line costs ~1 µs.
_REMOVED = {reason: LineVerdict(True, reason) for reason in BOILERPLATE_REASONS}
#: The fallback reasons of ``_decide``, by code.
_NAVIGATION, _TEASER, _LOW_CONTENT = (_REMOVED[r] for r in ("navigation", "teaser", "low_content"))


def _decide(page: _Page, scores: _Vector) -> list[LineVerdict]:
    """Verdicts: the forced reason, else body when the score is >= 0, else a fallback reason.

    The fallback for a scored-out line: ``signature`` (a short sign-off within 3 lines after
    the region), ``navigation`` (bullets, <= 3 words), ``teaser`` (after the region), else
    ``low_content`` for a bad local class and ``navigation`` for the others.
    """
    end, count = page.end, len(page.reasons)
    index = np.arange(count)
    after = index >= end
    shape_navigation = (page.local[:, _COL_BULLET] > 0) | (page.local[:, _COL_WORDS] <= 3)
    codes = np.where(shape_navigation | (~after & (page.classes != _BAD)), 0, np.where(after, 1, 2))
    fallback = [(_NAVIGATION, _TEASER, _LOW_CONTENT)[code] for code in codes.tolist()]
    for i in range(end, min(end + 3, count)):
        if _looks_like_signature(page.facts[i]):
            fallback[i] = _REMOVED["signature"]
    return [
        (_KEEP if is_body else otherwise) if reason is None else _REMOVED[reason]
        for reason, is_body, otherwise in zip(
            page.reasons, (scores >= 0.0).tolist(), fallback, strict=True
        )
    ]


def _classify(
    facts: Sequence[_LineFacts],
    languages: Sequence[LanguageGuess],
    main_language: str,
    outlet_chrome: frozenset[str],
    model: _Model | None = None,
    stop_ratios: list[float] | None = None,
) -> list[LineVerdict]:
    page = _prepare(facts, languages, main_language, outlet_chrome, stop_ratios)
    return _decide(page, _scores(page, model or _MODEL))


#: Column names of ``_line_features`` (``bench/fit_boilerplate.py`` prints weights with them).
_LINE_FEATURES = (
    "bias",
    "log letters",
    "stopword share, page language",
    "stopword share, any language",
    "ends like a sentence",
    "sentence ends (capped at 5)",
    "list bullet",
    "separators (| · »)",
    "unsegmented script (CJK)",
    "inside the body region",
    "log distance to the region",
    "after the region",
    "after a closing cue",
    "indent of the region's prose",
    "local class, neighbours ±1",
    "local class, neighbours ±3",
    "local class, neighbours ±10",
    "relative position on the page",
    "share of capitalised words",
    "share of digits",
    "own local class",
    "commas per word",
    "ends with a colon",
    "starts lower-case",
    "URL, e-mail or handle",
    "short-line share, ±5",
    "indented deeper than the region",
    "indented less than the region",
    "log indent gap to the region",
    "log size of the indent block",
    "local class, rest of the indent block",
    "starts with a digit",
    "indent block: share ending like a sentence",
    "indent block: share of bullets",
    "indent block: mean log letters",
    "addresses the reader",
    "call-to-action word share",
    "log letters of the region",
    "region's share of the page's letters",
    "after a small region",
    "before a small region",
    "inside a small region",
    "after the region x region's share",
)
#: Column names of ``_context_features``.
_CONTEXT_FEATURES = (
    "bias",
    "stage-1 score",
    "previous line's score",
    "next line's score",
    "max score, 3 lines before",
    "max score, 3 lines after",
    "mean score, ±2",
    "mean score, ±5",
    "mean score, ±15",
    "body mass before",
    "body mass after",
    "inside the score region",
    "log distance to the score region",
    "after the score region",
    "relative position on the page",
    "mean score, rest of the indent block",
    "max score of the indent block",
    "log letters relative to the body lines' median",
    "score below the top tenth's mean",
    "score rank on the page",
    "max score, ±5",
    "min score, ±5",
    "share of body scores, 5 lines before",
    "share of body scores, 5 lines after",
    "max score, ±10",
    "min score, ±10",
    "share of body scores, 10 lines before",
    "share of body scores, 10 lines after",
)


def _stack_columns(count: int, columns: Sequence[npt.ArrayLike]) -> _Vector:
    """``np.column_stack(columns).astype(np.float64)`` (scalars broadcast), ~4x cheaper: one
    allocation and a copy per column instead of a 2-D view of each and a concatenation."""
    out = np.empty((count, len(columns)))
    for k, column in enumerate(columns):
        out[:, k] = column
    return out


def _line_features(page: _Page) -> _Vector:
    """Stage-1 features, one row per line, columns in the order of ``_MODEL.line``."""
    start, end, count = page.start, page.end, len(page.facts)
    (letters, words, stop_all, ends, sentences, bullet, separators, capitalised, digits,
     indent, commas, colon, lower, linkish) = page.local[:, :14].T  # fmt: skip
    local = _CLASS_SCORE[page.classes]
    index = np.arange(count)
    distance = np.where(index < start, start - index, np.maximum(index - end + 1, 0))
    good_in_region = page.classes[start:end] == _GOOD
    body_indents = Counter(page.indents[start:end][good_in_region].tolist())
    region_indent = body_indents.most_common(1)[0][0] if body_indents else -1
    closing = np.flatnonzero(page.local[start:, _COL_CLOSES])
    first_closing = start + int(closing[0]) if len(closing) else count
    block, size = page.block, (page.block_end - page.block_start).astype(np.float64)
    indent_gap = indent - region_indent if region_indent >= 0 else np.zeros(count)
    some_words = np.maximum(words, 1.0)
    near_1, near_3, near_10 = _window_means(local, (1, 3, 10))
    log_letters = np.log1p(letters)
    # Per indent block: share of lines ending like a sentence, of bullets, mean log letters.
    block_firsts = np.flatnonzero(page.block_start == index)
    block_means = np.add.reduceat(np.column_stack((ends, bullet, log_letters)), block_firsts)
    block_means = block_means[block] / size[:, None]
    region_letters = float(letters[start:end].sum())
    region_share = region_letters / max(float(letters.sum()), 1.0)
    small_region = float(region_letters < _SMALL_REGION_LETTERS)
    return _stack_columns(
        count,
        (
            np.ones(count),
            log_letters / 5.0,
            np.array(page.stop_ratios, dtype=np.float64),
            stop_all,
            ends,
            np.minimum(sentences, 5.0) / 5.0,
            bullet,
            separators,
            (letters > 12 * words) & (words > 0),  # unsegmented script (CJK)
            distance == 0,
            np.log1p(distance) / 5.0,
            index >= end,
            index > first_closing,
            indent == region_indent,
            near_1,
            near_3,
            near_10,
            index / count,
            capitalised / some_words,
            digits / np.maximum(letters + digits, 1.0),
            local,
            np.minimum(commas / some_words, 1.0),
            colon,
            lower,
            linkish,
            _window_mean((letters < _SHORT_LETTERS).astype(np.float64), 5),
            indent_gap > 0,
            indent_gap < 0,
            np.log1p(np.abs(indent_gap)) / 3.0,
            np.log1p(size) / 5.0,
            _block_mean_without_self(local, block, size, 0.0),
            page.local[:, _COL_DIGIT_START],
            block_means[:, 0],
            block_means[:, 1],
            block_means[:, 2] / 5.0,
            page.local[:, _COL_READER],
            page.local[:, _COL_PROMPT] / some_words,
            # The region's size: when it holds little prose the body is probably a list or a
            # table, and being outside the region says less.
            np.log1p(region_letters) / 8.0,
            region_share,
            (index >= end) * small_region,
            (index < start) * small_region,
            (distance == 0) * small_region,
            (index >= end) * region_share,
        ),
    )


def _context_features(page: _Page, scores: _Vector) -> _Vector:
    """Stage-2 features: a line's stage-1 score and its neighbours' (``_MODEL.context``).

    Scores are clipped to ±6 and scaled by 1/4; neighbours beyond the page count as chrome.
    """
    count = len(scores)
    clipped = np.clip(scores, -6.0, 6.0) / 4.0
    edge = -1.0
    padded = np.concatenate(([edge] * 3, clipped, [edge] * 3))
    # Body mass (letters weighted by the stage-1 probability) before and after each line.
    mass = page.letters / (1.0 + np.exp(-np.clip(scores, -30.0, 30.0)))
    total = float(mass.sum()) or 1.0
    before = np.cumsum(mass) - mass
    # A second body region on the stage-1 scores: the maximum-sum run of letters-weighted
    # scores, as the first region was on the local classes.
    start, end = _best_region((clipped * np.minimum(page.letters, 400.0)).tolist())
    index = np.arange(count)
    distance = np.where(index < start, start - index, np.maximum(index - end + 1, 0))
    block, size = page.block, (page.block_end - page.block_start).astype(np.float64)
    starts = np.flatnonzero(np.diff(block, prepend=-1))
    mean_2, mean_5, mean_15 = _window_means(clipped, (2, 5, 15))
    positive = clipped > 0
    body_letters = _median(page.letters[positive]) if positive.any() else 100.0
    order = np.argsort(clipped)
    rank = np.empty(count)
    rank[order] = index
    return _stack_columns(
        count,
        (
            np.ones(count),
            clipped,
            padded[2 : count + 2],
            padded[4 : count + 4],
            np.maximum(np.maximum(padded[0:count], padded[1 : count + 1]), padded[2 : count + 2]),
            np.maximum(np.maximum(padded[4 : count + 4], padded[5 : count + 5]), padded[6:]),
            mean_2,
            mean_5,
            mean_15,
            before / total,
            (total - before - mass) / total,
            distance == 0,
            np.log1p(distance) / 5.0,
            index >= end,
            index / count,
            _block_mean_without_self(clipped, block, size, edge),
            np.maximum.reduceat(clipped, starts)[block],
            # The line against the page's best lines: letters relative to the median of the
            # lines scored as body, score below the mean of the top tenth, rank on the page.
            np.clip(np.log1p(page.letters) - np.log1p(body_letters), -3.0, 3.0) / 3.0,
            clipped - clipped[order[-max(3, count // 10) :]].mean(),
            rank / max(count - 1, 1),
            *_second_order(clipped),
        ),
    )


def _median(values: _Vector) -> float:
    """``np.median`` of a non-empty vector, without its overhead (~6x faster on a page)."""
    middle = len(values) // 2
    if len(values) % 2:
        return float(np.partition(values, middle)[middle])
    low, high = np.partition(values, (middle - 1, middle))[middle - 1 : middle + 1]
    return float((low + high) / 2.0)


def _second_order(clipped: _Vector) -> list[_Vector]:
    """Max and min score over ±5 and ±10 lines (the line included), and the share of body
    scores among the 5 and 10 lines before and after it. Beyond the page counts as chrome for
    the max and the shares; the min is over the page's own lines only (short pages).

    Window maxima by doubling (spans of 2, 4, 8, 16 lines): ~10 vector operations instead of a
    reduction over a strided ``(lines, 21)`` view, which costs ~5x more.
    """
    count = len(clipped)
    edge = np.full(10, -1.5)
    columns: dict[str, _Vector] = {}
    for name, padded, pick in (
        ("max", np.concatenate((edge, clipped, edge)), np.maximum),
        ("min", np.concatenate((-edge, clipped, -edge)), np.minimum),  # edges never the min
    ):
        # span_k[j] covers padded[j : j + k]; line i is padded[i + 10].
        span_2 = pick(padded[:-1], padded[1:])
        span_4 = pick(span_2[:-2], span_2[2:])
        span_8 = pick(span_4[:-4], span_4[4:])
        span_16 = pick(span_8[:-8], span_8[8:])
        columns[name + "5"] = pick(span_8[5 : 5 + count], span_4[12 : 12 + count])
        columns[name + "10"] = pick(span_16[:count], span_8[13 : 13 + count])
    # Body lines among padded[: j], so the count over padded[a : b] is counts[b] - counts[a].
    counts = np.concatenate(([0.0], np.cumsum(np.concatenate((edge, clipped, edge)) > 0)))
    index = np.arange(count) + 10
    result = []
    for radius in (5, 10):
        result += [
            columns[f"max{radius}"],
            columns[f"min{radius}"],
            (counts[index] - counts[index - radius]) / radius,
            (counts[index + 1 + radius] - counts[index + 1]) / radius,
        ]
    return result


def _scores(page: _Page, model: _Model) -> _Vector:
    """Body score per line (>= 0: body): stage 1 on the line, stage 2 on its context."""
    line, context = _model_arrays(model)
    return _context_features(page, _line_features(page) @ line) @ context


@functools.lru_cache(maxsize=8)
def _model_arrays(model: _Model) -> tuple[_Vector, _Vector]:
    """The weights of both stages as arrays (converted once per model, not per page)."""
    line, context = np.array(model.line), np.array(model.context)
    line.flags.writeable = context.flags.writeable = False
    return line, context


#: Fitted weights: the output of ``bench/fit_boilerplate.py`` on the development set (5-fold
#: held-out F1 0.901, see docs/benchmarks-boilerplate.md). Refit, never hand-edit.
_MODEL = _Model(
    line=(
        -2.248,  # bias
        3.019,  # log letters
        0.166,  # stopword share, page language
        0.167,  # stopword share, any language
        0.668,  # ends like a sentence
        0.394,  # sentence ends (capped at 5)
        0.638,  # list bullet
        -1.044,  # separators (| · »)
        -0.013,  # unsegmented script (CJK)
        0.505,  # inside the body region
        0.011,  # log distance to the region
        -1.092,  # after the region
        -1.418,  # after a closing cue
        0.062,  # indent of the region's prose
        0.497,  # local class, neighbours ±1
        0.319,  # local class, neighbours ±3
        0.325,  # local class, neighbours ±10
        -1.401,  # relative position on the page
        -0.636,  # share of capitalised words
        1.948,  # share of digits
        -0.057,  # own local class
        1.784,  # commas per word
        -0.047,  # ends with a colon
        1.002,  # starts lower-case
        -0.612,  # URL, e-mail or handle
        0.380,  # short-line share, ±5
        -1.049,  # indented deeper than the region
        -0.439,  # indented less than the region
        -0.225,  # log indent gap to the region
        2.437,  # log size of the indent block
        0.051,  # local class, rest of the indent block
        0.978,  # starts with a digit
        0.531,  # indent block: share ending like a sentence
        -0.153,  # indent block: share of bullets
        1.014,  # indent block: mean log letters
        -0.641,  # addresses the reader
        -3.093,  # call-to-action word share
        -1.102,  # log letters of the region
        -1.185,  # region's share of the page's letters
        0.418,  # after a small region
        0.687,  # before a small region
        0.295,  # inside a small region
        -0.748,  # after the region x region's share
    ),
    context=(
        1.251,  # bias
        1.775,  # stage-1 score
        0.453,  # previous line's score
        0.354,  # next line's score
        -0.032,  # max score, 3 lines before
        -0.025,  # max score, 3 lines after
        -0.300,  # mean score, ±2
        -0.658,  # mean score, ±5
        -0.354,  # mean score, ±15
        -1.293,  # body mass before
        0.111,  # body mass after
        0.193,  # inside the score region
        -0.518,  # log distance to the score region
        -0.067,  # after the score region
        0.595,  # relative position on the page
        0.221,  # mean score, rest of the indent block
        0.375,  # max score of the indent block
        0.551,  # log letters relative to the body lines' median
        1.111,  # score below the top tenth's mean
        -0.825,  # score rank on the page
        -0.017,  # max score, ±5
        0.029,  # min score, ±5
        0.426,  # share of body scores, 5 lines before
        0.559,  # share of body scores, 5 lines after
        -0.055,  # max score, ±10
        0.083,  # min score, ±10
        -0.028,  # share of body scores, 10 lines before
        0.055,  # share of body scores, 10 lines after
    ),
)


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
    facts = _page_facts(lines)
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
    facts = _page_facts(lines)
    languages, main_language, stop_ratios = _sparse_languages_and_ratios(facts, detector)
    verdicts = _classify(facts, languages, main_language, frozenset(), stop_ratios=stop_ratios)
    return _join_body(lines, verdicts)


def _join_body(lines: Sequence[str], verdicts: Sequence[LineVerdict]) -> str:
    kept = []
    for line, verdict in zip(lines, verdicts, strict=True):
        if not verdict.is_boilerplate:
            text = line.strip()
            if text[-1:] in _END_MARK_LAST_CHARS:  # what trim_end_marks checks first
                text = trim_end_marks(text)
            if text:
                kept.append(text)
    return "\n\n".join(kept)


def _sparse_languages(
    facts: Sequence[_LineFacts], detect: Callable[[Sequence[str]], list[LanguageGuess]]
) -> tuple[list[LanguageGuess], str]:
    """Language guesses for the lines where a switch is plausible, and the page language."""
    languages, main_language, _ = _sparse_languages_and_ratios(facts, detect)
    return languages, main_language


def _sparse_languages_and_ratios(
    facts: Sequence[_LineFacts], detect: Callable[[Sequence[str]], list[LanguageGuess]]
) -> tuple[list[LanguageGuess], str, list[float] | None]:
    """``_sparse_languages`` and the stopword ratios in the page language (for ``_prepare``)."""
    prose = [f for f in facts if f.letters >= _SHORT_LETTERS]
    # Only stopwords count for the profile: the lines' ``stops`` give the same hits.
    main_language = stopword_language(list(chain.from_iterable(f.stops for f in prose)))
    if main_language == UNDETERMINED:
        sample = " ".join(f.text for f in sorted(prose, key=lambda f: -f.letters)[:5])[:1000]
        guess = detect([sample])[0] if sample else LanguageGuess(UNDETERMINED, 0.0)
        main_language = guess.lang
    unknown = LanguageGuess(UNDETERMINED, 0.0)
    languages = [unknown] * len(facts)
    if main_language == UNDETERMINED:
        return languages, main_language, None
    stop_ratios = _page_stop_ratios(facts, main_language)
    suspects = [
        i
        for i, f in enumerate(facts)
        if f.letters >= _OTHER_LANGUAGE_LETTERS
        and f.cue is None
        and stop_ratios[i] < _NEAR_STOP
        and _looks_non_native(f, main_language)
    ]
    if suspects:
        for i, guess in zip(suspects, detect([facts[i].text for i in suspects]), strict=True):
            languages[i] = guess
    return languages, main_language, stop_ratios


def _looks_non_native(fact: _LineFacts, main_language: str) -> bool:
    """Cheap pre-filter: the line shows another language's stopwords or another script."""
    # stopword_language needs two hits: skip it when the line has fewer stopwords of any list.
    if fact.stop_all * len(fact.words) > 1.5:
        other = stopword_language(fact.stops)
        if other not in (UNDETERMINED, main_language):
            return True
    latin_page = main_language not in ("ru", "uk")
    cyrillic = not fact.text.isascii() and _CYRILLIC.search(fact.text) is not None
    return cyrillic == latin_page


def _default_detector() -> Callable[[Sequence[str]], list[LanguageGuess]]:
    """The project's batch detector, or the single-text one mapped over the batch."""
    from transforms import language

    batch = getattr(language, "detect_languages", None)
    if callable(batch):
        return batch
    return lambda texts: [language.detect_language(t) for t in texts]
