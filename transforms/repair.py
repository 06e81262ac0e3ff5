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
# Accented capitals and small letters of the orthographies whose names appear in English copy
# (Azerbaijani, Turkish, German, French, Spanish): a word starting with one is a name, not damage.
_NAME_INITIALS = frozenset("ÇŞĞÖÜİƏÄÉÈÀÂÎÔÛËÏÑÁÍÓÚçşğöüıəäéèàâîôûëïñáíóú")
_SENTENCE_ENDS = frozenset(".!?:;\n")
_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Zipf frequency above which a word counts as known (about once per 10 million words).
_KNOWN_WORD_ZIPF = 3.0
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
    known = sum(
        any(_is_known_word(word.lower(), lang) for lang in _DICTIONARY_LANGUAGES) for word in words
    )
    return known / len(words)


@lru_cache(maxsize=65536)
def _is_known_word(word: str, lang: str) -> bool:
    return zipf_frequency(word, lang) >= _KNOWN_WORD_ZIPF


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
    if lang not in _DAMAGE_CHECKED_LANGUAGES:
        return RepairResult(text)
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

    repaired = _DAMAGED_WORD.sub(mend, text)
    repairs = ("scraper_damage_mended",) if mended else ()
    return RepairResult(repaired, repairs, damaged)


def repair_text(text: str) -> RepairResult:
    """Unicode repair: mojibake (ftfy), NFC, line endings, control and bidi characters."""
    repairs: list[str] = []
    fixed = ftfy.fix_text(
        text,
        normalization="NFC",
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        remove_terminal_escapes=True,
        # Line breaks and control characters are ours to handle below, and to count apart.
        fix_line_breaks=False,
        remove_control_chars=False,
    )
    if fixed != text:
        repairs.append("mojibake_or_unicode")
    unified = _LINE_BREAKS.sub("\n", fixed)
    cleaned = _CONTROL.sub("", unified)
    if cleaned != unified:
        repairs.append("control_characters")
    return RepairResult(cleaned, tuple(repairs))
