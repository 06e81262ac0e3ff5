"""The shipped list of ordinary words answers exactly as wordfreq would."""

from __future__ import annotations

import pytest
from wordfreq import zipf_frequency

from transforms.common_words import (
    COMMON_WORD_LANGUAGES,
    COMMON_ZIPF,
    compute_common_words,
    is_common_word,
    shipped_common_words,
)


def _wordfreq_says(word: str) -> bool:
    return max(zipf_frequency(word, lang) for lang in COMMON_WORD_LANGUAGES) >= COMMON_ZIPF


def test_shipped_file_is_what_wordfreq_gives() -> None:
    """Fails after a wordfreq upgrade or a threshold change until the file is regenerated."""
    assert sorted(shipped_common_words()) == compute_common_words()


@pytest.mark.parametrize(
    "word",
    [
        # ordinary words, shipped
        "house", "people", "martini", "child", "holiday", "war", "government", "richtung",
        "don't",
        # place names that must stay fuzzable: misspelt, or too rare to be ordinary
        "tbilsi", "erivan", "gumri", "shusha", "schneeloch",
    ],
)  # fmt: skip
def test_is_common_word_agrees_with_wordfreq(word: str) -> None:
    assert is_common_word(word) == _wordfreq_says(word)


@pytest.mark.parametrize("word", ["covid19", "jahre3", "naïve", "москва", "well-known", ""])
def test_words_of_other_shapes_are_never_ordinary(word: str) -> None:
    """Decided without wordfreq (whose large lists cost 150 MB to ask): names may fuzz them."""
    assert not is_common_word(word)


def test_agrees_with_wordfreq_on_every_word_of_a_text() -> None:
    text = (
        "Tbilisi Baku Yerevan Gyumri Shusha Stepanakert Ganja Sumgait Batumi Kutaisi martini "
        "perkov peskov aliyev pashinyan garibashvili lavrov would could should these those"
    )
    for word in text.lower().split():
        assert is_common_word(word) == _wordfreq_says(word), word
