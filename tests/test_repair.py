"""Decoding and text repair: table-driven cases and invariants."""

from __future__ import annotations

import contextlib
import re

import ftfy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from transforms import repair
from transforms.records import RepairResult
from transforms.repair import (
    UnreadableInput,
    decode_bytes,
    repair_scraper_damage,
    repair_text,
)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Qarabağ bölgəsi".encode(), "Qarabağ bölgəsi", "utf-8"),
        (b"\xef\xbb\xbfHello", "Hello", "utf-8"),
        ("Карабах".encode("utf-16"), "Карабах", "utf-16"),
        (
            "Россия и Азербайджан обсудили ситуацию в регионе сегодня утром".encode("cp1251"),
            "Россия и Азербайджан обсудили ситуацию в регионе сегодня утром",
            "cp1251",
        ),
    ],
)
def test_decode_bytes(data: bytes, text: str, encoding: str) -> None:
    decoded = decode_bytes(data)
    assert decoded.text == text
    assert decoded.encoding == encoding


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary\x00", b"PK\x03\x04\x00\x00"])
def test_decode_bytes_refuses_binary(data: bytes) -> None:
    with pytest.raises(UnreadableInput):
        decode_bytes(data)


@pytest.mark.parametrize(
    ("raw", "repaired", "repairs"),
    [
        ("plain text", "plain text", ()),
        ("Ã¢â‚¬Å“helloÃ¢â‚¬Â\x9d", "“hello”", ("mojibake_or_unicode",)),
        ("line one\r\nline two\rthree", "line one\nline two\nthree", ()),
        ("evil\u202etext\x07", "eviltext", ("control_characters",)),
        ("Bak\u0131 e\u0301", "Bakı é", ("mojibake_or_unicode",)),  # NFC
    ],
)
def test_repair_text(raw: str, repaired: str, repairs: tuple[str, ...]) -> None:
    result = repair_text(raw)
    assert result.text == repaired
    assert result.repairs == repairs


@pytest.mark.parametrize(
    ("text", "expected", "damaged"),
    [
        ("opponents.Īccording to Moscow", "opponents.According to Moscow", 1),
        ("proactive.īelarus: a friend", "proactive.Belarus: a friend", 1),
        ("people.Įxperts on the region", "people.Experts on the region", 1),
        # As, Is and Us all fit: a word list cannot decide, so the word stays (and is counted).
        ("him.Īs he moves closer", "him.Īs he moves closer", 1),
        # Names in the region's orthographies are not damage.
        ("Sergey Şoyqu and Ömer Çelik met", "Sergey Şoyqu and Ömer Çelik met", 0),
        ("the café and Élysée", "the café and Élysée", 0),
    ],
)
def test_repair_scraper_damage(text: str, expected: str, damaged: int) -> None:
    result = repair_scraper_damage(text, "en")
    assert result.text == expected
    assert result.scraper_damage == damaged
    assert len(result.text) == len(text)  # the mend keeps every offset


def test_scraper_damage_is_only_judged_in_english() -> None:
    assert repair_scraper_damage("Īccording", "az").text == "Īccording"


@given(st.text())
def test_repair_never_raises_and_leaves_no_control_characters(text: str) -> None:
    # Not idempotent in general: ftfy may find mojibake in what a first pass produced.
    repaired = repair_text(text).text
    assert "\r" not in repaired and "\u202e" not in repaired and "\x00" not in repaired
    mended = repair_scraper_damage(repaired, "en")
    assert len(mended.text) == len(repaired)


@given(st.binary(max_size=512))
def test_decode_never_raises_anything_but_unreadable(data: bytes) -> None:
    with contextlib.suppress(UnreadableInput):
        decode_bytes(data)


# --- The shortcut past ftfy gives ftfy's result -------------------------------------------
_FTFY_KWARGS = {
    "normalization": "NFC",
    "uncurl_quotes": False,
    "fix_latin_ligatures": False,
    "fix_character_width": False,
    "remove_terminal_escapes": True,
    "fix_line_breaks": False,
    "remove_control_chars": False,
}


def _ftfy_reference(text: str) -> RepairResult:
    """``repair_text`` as it was: ftfy on every text."""
    fixed = ftfy.fix_text(text, **_FTFY_KWARGS)
    repairs = ["mojibake_or_unicode"] if fixed != text else []
    unified = repair._LINE_BREAKS.sub("\n", fixed)
    cleaned = repair._CONTROL.sub("", unified)
    if cleaned != unified:
        repairs.append("control_characters")
    return RepairResult(cleaned, tuple(repairs))


# Characters ftfy's checks look at (mojibake, entities, escapes, NFC), mixed with plain text.
_TRICKY = st.text(
    alphabet=st.sampled_from(
        list("abz AZ.,;&#\n\r\t\x1b[0m")
        + list("ÃÂÎÐØÙÅâ€™œ¢£€©®°±²³µ·»«“”„‘’–—…\xa0\xad\x85\x93\u0301\u0308")
        + list("əşğıİÇÖÜçöüвЂВГРСўґΒΓΞΟβā√≈‚╔▒█�\ud83d\udca9")
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ASCII text\nwith lines",
        "AT&amp;T &lt;b&gt; and AT&T",
        "Ã  la carte\nÂ next",  # ^[ÃÂ][ ] holds at a line start only
        "word\nÃ ",
        "cafÃ© and naÃ¯ve",
        "вЂ” Р В Р В»",
        "C1 \x93quoted\x94",
        "escape \x1b[36mblue\x1b[0m",
        "decomposed e\u0301 and a\u0308",
        "Qarabağ bölgəsi «цитата» “quote” — 10 € × 2",
        "lone surrogate \ud83d here",
    ],
)
def test_repair_text_matches_ftfy(text: str) -> None:
    assert repair_text(text) == _ftfy_reference(text)


@given(_TRICKY)
def test_repair_text_matches_ftfy_on_tricky_text(text: str) -> None:
    assert repair_text(text) == _ftfy_reference(text)


@given(_TRICKY)
def test_badness_check_finds_every_bad_line(text: str) -> None:
    # The trigger-window search answers exactly what a search of the whole text would.
    assert repair._looks_bad(text) == bool(repair._BADNESS_LINES.search(text))
    for line in text.splitlines(keepends=True):
        if ftfy.badness.is_bad(line):
            assert repair._looks_bad(text)


def test_badness_triggers_cover_the_pinned_ftfy() -> None:
    # A newer ftfy whose badness regex this reading does not cover falls back to a full
    # search (correct but slow): this test says when that happens.
    assert repair._BADNESS is not None
    triggers, longest = repair._BADNESS
    assert "€" in triggers and longest <= 10


@given(st.text(alphabet=st.sampled_from(list("ab Īīcording Įxperts.é\nÉ")), max_size=30))
def test_scraper_damage_shortcuts_agree(text: str) -> None:
    # Only non-ASCII initials are looked at: the result is that of the full word scan.
    result = repair_scraper_damage(text, "en")
    damaged = 0

    def mend(match: re.Match[str]) -> str:
        nonlocal damaged
        initial, rest = match.group(1), match.group(2)
        if repair._is_damaged_initial(initial) and not repair._is_known_word(
            (initial + rest).lower(), "en"
        ):
            damaged += 1
        return match.group(0)

    repair._DAMAGED_WORD.sub(mend, text)
    assert result.scraper_damage == damaged
    assert len(result.text) == len(text)
