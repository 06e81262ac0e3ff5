"""Decoding and text repair: table-driven cases and invariants."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
