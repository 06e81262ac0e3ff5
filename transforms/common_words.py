"""Ordinary words that name matching never fuzzes, precomputed from wordfreq.

``transforms.names`` fuzzes a short single word (a key of 5 to 7 letters: Tbilsi, Erivan,
Gumri, but also Schneeloch, whose key is shorter than its spelling) only when it is not an
ordinary English word or a word of wordfreq's Russian list (which holds the Latin words Russian
text uses): a Zipf frequency below ``COMMON_ZIPF`` in both. Asking wordfreq at run time means
loading its large English and Russian lists: half a second and about 150 MB per process, for
one yes/no per word. The answer for every plain lowercase ASCII word (``don't`` included) is
therefore shipped as ``data/common_words.txt``. Any other word (with a digit, or a letter
beyond ASCII: ``covid19``, ``jahre3``) counts as not ordinary without asking: of the 43 such
words the names module met in the 10,000-file benchmark corpus, wordfreq called none ordinary,
and asking about them loaded the lists anyway. Regenerate the file after changing wordfreq's
pin or the threshold (a test compares it with wordfreq)::

    .venv/bin/python -m transforms.common_words > transforms/data/common_words.txt
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

#: Zipf frequency (log10 of occurrences per billion words) at which a word is ordinary.
COMMON_ZIPF = 2.5
#: The languages whose lists are asked.
COMMON_WORD_LANGUAGES = ("en", "ru")
#: The shape of the words the shipped file answers for (every length).
_SHIPPED_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_DATA = ("data", "common_words.txt")


def compute_common_words() -> list[str]:
    """Every word the shipped file must hold, from wordfreq's large lists (slow: ~2 s)."""
    from wordfreq import get_frequency_dict

    words: set[str] = set()
    for lang in COMMON_WORD_LANGUAGES:
        words.update(
            word
            for word in get_frequency_dict(lang, "best")
            if _SHIPPED_WORD.fullmatch(word) and _zipf(word, lang) >= COMMON_ZIPF
        )
    return sorted(words)


@cache
def shipped_common_words() -> frozenset[str]:
    text = resources.files("transforms").joinpath(*_DATA).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def is_common_word(folded: str) -> bool:
    """Whether lowercase ``folded`` is an ordinary English or Russian-list word."""
    return folded in shipped_common_words()


def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, lang))


def main() -> None:
    print(
        f"# wordfreq large {'+'.join(COMMON_WORD_LANGUAGES)}: words of ASCII letters (and ') with "
        f"Zipf >= {COMMON_ZIPF}; made by: python -m transforms.common_words"
    )
    for word in compute_common_words():
        print(word)


if __name__ == "__main__":
    main()
