"""Decoding and text repair: bytes to clean Unicode, mojibake fixed, scraper damage mended.

The scraper damage of sample 002 replaces the first letter of a paragraph or sentence with an
unrelated accented letter (``Īccording``, ``īelarus``, ``Įxperts``). We mend such a word only
when exactly one ASCII letter turns it into a known word of the article's language, and count
every damaged word either way, so the article can be flagged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import ftfy
import ftfy.badness
import ftfy.chardata
import ftfy.fixes
from charset_normalizer import from_bytes
from wordfreq import zipf_frequency

from transforms.records import RepairResult

# Control characters and bidi overrides never belong in article text; \n and \t stay.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]"
)
_LINE_BREAKS = re.compile(r"\r\n?|\u2028|\u2029|\x85")

# A word that starts with a Latin letter carrying a diacritic, followed only by plain ASCII
# lowercase letters. In an English text such a word is the mark of the scraper damage.
_DAMAGED_WORD = re.compile(r"(?<![^\W\d_])([^\W\d_])([a-z]+)\b")
# The same words, only those whose initial is not ASCII (the only ones that can be damaged): a
# match of _DAMAGED_WORD never starts inside another (a letter precedes every position in it),
# so this finds exactly the matches of _DAMAGED_WORD that ``mend`` does not hand back as is.
_NON_ASCII_INITIAL_WORD = re.compile(r"(?<![^\W\d_])([^\W\d_A-Za-z])([a-z]+)\b")
# Accented capitals and small letters of the orthographies whose names appear in English copy
# (Azerbaijani, Turkish, German, French, Spanish): a word starting with one is a name, not damage.
_NAME_INITIALS = frozenset("ÇŞĞÖÜİƏÄÉÈÀÂÎÔÛËÏÑÁÍÓÚçşğöüıəäéèàâîôûëïñáíóú")
_SENTENCE_ENDS = frozenset(".!?:;\n")
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Zipf frequency above which a word counts as known (once per million words). wordfreq's small
# lists stop at this frequency, so they answer as its large ones do (bar a few hundred words per
# language) for a tenth of the memory: the six large lists cost 320 MB and 1.5 s to load.
_KNOWN_WORD_ZIPF = 3.0
_KNOWN_WORD_LIST = "small"
# Languages whose orthography has no word-initial diacritics on otherwise ASCII words.
_DAMAGE_CHECKED_LANGUAGES = frozenset({"en"})


class UnreadableInput(ValueError):
    """Raised for bytes that are not text in any encoding we can detect."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str


def decode_bytes(data: bytes) -> DecodedText:
    """Decode raw file bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else detected.

    Raises ``UnreadableInput`` for binary data (NUL bytes outside UTF-16, or no encoding fits).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedText(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableInput(f"invalid UTF-16: {error.reason}") from error
    if b"\x00" in data:
        raise UnreadableInput("binary content (NUL bytes)")
    try:
        return DecodedText(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise UnreadableInput("not text in any detectable encoding")
    # 8-bit Latin code pages decode each other's bytes without error (cp1254's ş is cp1252's
    # þ): among the region's code pages, the decoding whose words a dictionary knows wins.
    candidates = [(str(best), best.encoding)]
    for encoding in REGIONAL_CODE_PAGES:
        try:
            candidates.append((data.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    text, encoding = max(candidates, key=lambda c: _known_word_share(c[0]))
    return DecodedText(text, encoding)


#: 8-bit code pages of the region's press: Cyrillic, Turkish/Azerbaijani Latin, Western.
REGIONAL_CODE_PAGES = ("cp1251", "koi8_r", "cp1254", "cp1252", "iso8859_9", "cp1250")
_WORD = re.compile(r"[^\W\d_]{2,}")
_DICTIONARY_LANGUAGES = ("en", "ru", "tr", "de", "fr", "uk")


def _known_word_share(text: str) -> float:
    """Share of the first words of ``text`` that some dictionary language knows."""
    words = _WORD.findall(text[:4000])[:400]
    if not words:
        return 0.0
    return sum(map(_is_known_in_some_language, words)) / len(words)


@lru_cache(maxsize=65536)
def _is_known_in_some_language(word: str) -> bool:
    # One cache entry per word, not one per word and language: the candidate decodings of a
    # file share most of their words, and the words of the wrong decodings are looked up in
    # every language, in vain.
    lowered = word.lower()
    return any(_is_frequent(lowered, lang) for lang in _DICTIONARY_LANGUAGES)


@lru_cache(maxsize=65536)
def _is_known_word(word: str, lang: str) -> bool:
    return _is_frequent(word, lang)


def _is_frequent(word: str, lang: str) -> bool:
    return zipf_frequency(word, lang, wordlist=_KNOWN_WORD_LIST) >= _KNOWN_WORD_ZIPF


def _is_damaged_initial(letter: str) -> bool:
    return (
        not letter.isascii()
        and letter not in _NAME_INITIALS
        and unicodedata.category(letter).startswith("L")
        and bool(unicodedata.decomposition(letter))
    )


def _mend_word(rest: str, lang: str, *, capital: bool) -> str | None:
    """The single ASCII letter that makes ``?rest`` a known word, or None if not exactly one."""
    fits = [c for c in _ASCII_LETTERS if _is_known_word(c + rest, lang)]
    if len(fits) != 1:
        return None
    return fits[0].upper() if capital else fits[0]


def repair_scraper_damage(text: str, lang: str) -> RepairResult:
    """Mend damaged word starts in a text of language ``lang``; count them all."""
    if lang not in _DAMAGE_CHECKED_LANGUAGES or text.isascii():
        return RepairResult(text)  # an ASCII initial is never damage
    damaged = 0
    mended = 0

    def mend(match: re.Match[str]) -> str:
        nonlocal damaged, mended
        initial, rest = match.group(1), match.group(2)
        if not _is_damaged_initial(initial) or _is_known_word((initial + rest).lower(), lang):
            return match.group(0)
        damaged += 1
        # The damage hits sentence starts, so the lost letter was a capital there.
        before = text[max(0, match.start() - 3) : match.start()].rstrip(" ")
        at_sentence_start = match.start() == 0 or not before or before[-1] in _SENTENCE_ENDS
        letter = _mend_word(rest, lang, capital=initial.isupper() or at_sentence_start)
        if letter is None:
            return match.group(0)
        mended += 1
        return letter + rest

    repaired = _NON_ASCII_INITIAL_WORD.sub(mend, text)
    repairs = ("scraper_damage_mended",) if mended else ()
    return RepairResult(repaired, repairs, damaged)


#: ftfy's settings for ``repair_text``: everything but quote uncurling, ligatures and widths.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    normalization="NFC",
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    remove_terminal_escapes=True,
    # Line breaks and control characters are ours to handle below, and to count apart.
    fix_line_breaks=False,
    remove_control_chars=False,
    explain=False,
)


def repair_text(text: str) -> RepairResult:
    """Unicode repair: mojibake (ftfy), NFC, line endings, control and bidi characters."""
    repairs: list[str] = []
    fixed = text if _ftfy_leaves_alone(text) else ftfy.fix_text(text, _FTFY_CONFIG)
    if fixed != text:
        repairs.append("mojibake_or_unicode")
    unified = _LINE_BREAKS.sub("\n", fixed)
    cleaned = _CONTROL.sub("", unified)
    if cleaned != unified:
        repairs.append("control_characters")
    return RepairResult(cleaned, tuple(repairs))


# --- Proof that ftfy has nothing to fix ----------------------------------------------------
# ``ftfy.fix_text`` with _FTFY_CONFIG fixes each line on its own, and a line comes back as it
# went in when one pass of its fixers changes nothing: HTML entities (HTML_ENTITY_RE), mojibake
# (only tried when ``ftfy.badness.is_bad``), C1 controls, surrogates, terminal escapes, NFC.
# Most articles have none of these, and checking the whole text at once costs a fraction of
# ftfy's line-by-line work; when a check fails, ftfy runs as before.
_FTFY_WORK = re.compile(r"[\x1b\x80-\x9f\ud800-\udfff]|" + ftfy.chardata.HTML_ENTITY_RE.pattern)


def _weight(code: int) -> int:
    """How common a character is in the region's text (to pick the rarest trigger set)."""
    char = chr(code)
    if "\u0410" <= char <= "\u044f" or char in "Ёё":
        return 100
    name = unicodedata.name(char, "")
    return 30 if char.isalpha() and name.startswith(("LATIN", "CYRILLIC", "GREEK")) else 1


def _badness_triggers(pattern: re.Pattern[str]) -> tuple[str, int] | None:
    """Characters of which every match of ``pattern`` contains one, and its longest match.

    Each alternative of ftfy's badness regex is a short sequence of character sets; one set
    per alternative (the rarest in our text) goes into the trigger set. None if the pattern
    has a shape this reading does not cover (a newer ftfy): the caller then always runs ftfy.
    """
    import re._constants as sre
    import re._parser as sre_parse

    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    if len(tree.data) != 1 or tree.data[0][0] is not sre.BRANCH:
        return None
    triggers: set[int] = set()
    for alternative in tree.data[0][1][1]:
        required: list[set[int]] = []
        for op, arg in alternative.data:
            if op is sre.LITERAL:
                required.append({arg})
            elif op is sre.IN:
                members: set[int] = set()
                for item, value in arg:
                    if item is sre.LITERAL:
                        members.add(value)
                    elif item is sre.RANGE:
                        members.update(range(value[0], value[1] + 1))
                    else:  # a category or a negation: not a finite set of characters
                        members = set()
                        break
                if members:
                    required.append(members)
            elif not (
                op is sre.ANY
                or (op is sre.MAX_REPEAT and arg[0] == 0)
                or (op is sre.AT and arg is sre.AT_BEGINNING)
            ):
                return None
        rare = [members for members in required if min(members) > 0x7F]
        if not rare:
            return None
        triggers |= min(rare, key=lambda members: (sum(map(_weight, members)), len(members)))
    longest = tree.getwidth()[1]
    if longest >= 100:
        return None
    return "".join(chr(code) for code in sorted(triggers)), longest


# ftfy tests each line alone, where ^ is the line's start: MULTILINE makes the same true here.
_BADNESS_LINES = re.compile(
    ftfy.badness.BADNESS_RE.pattern, ftfy.badness.BADNESS_RE.flags | re.MULTILINE
)
_BADNESS = _badness_triggers(ftfy.badness.BADNESS_RE)
_BADNESS_TRIGGER = (
    re.compile("[" + "".join(re.escape(c) for c in _BADNESS[0]) + "]") if _BADNESS else None
)


def _looks_bad(text: str) -> bool:
    """Whether some line of ``text`` is ``ftfy.badness.is_bad`` (False is certain, True may
    be a false alarm: a match across a line break)."""
    if _BADNESS is None or _BADNESS_TRIGGER is None:
        return bool(_BADNESS_LINES.search(text))
    longest = _BADNESS[1]
    # Every match holds a trigger character, so it lies within ``longest`` of one.
    checked_to = 0
    for m in _BADNESS_TRIGGER.finditer(text):
        start = max(m.start() - longest + 1, checked_to - longest + 1, 0)
        end = m.start() + longest
        if _BADNESS_LINES.search(text, start, end):
            return True
        checked_to = end
    return False


def _ftfy_leaves_alone(text: str) -> bool:
    """True only if ``ftfy.fix_text(text, _FTFY_CONFIG)`` would return ``text`` unchanged."""
    if len(text) > _FTFY_CONFIG.max_decode_length:  # ftfy would cut it into more segments
        return False
    if _FTFY_WORK.search(text):
        return False
    if text.isascii():
        return True  # no mojibake test, and NFC leaves ASCII alone
    return unicodedata.is_normalized("NFC", text) and not _looks_bad(text)
