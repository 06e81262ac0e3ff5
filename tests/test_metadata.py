"""Metadata from plain text: dates, datelines, outlets, titles."""

from __future__ import annotations

import datetime as dt

import pytest

from transforms.metadata import OutletDirectory, extract_metadata, find_dateline, parse_date
from transforms.records import SourceHints

TODAY = dt.date(2026, 11, 23)
OUTLETS = OutletDirectory.from_rows(
    [
        {"outlet": "News.Az", "aliases": "news.az", "domains": "news.az"},
        {"outlet": "Turan", "aliases": "Turan Information Agency", "domains": "turan.az"},
        {"outlet": "Modern.az", "aliases": "", "domains": "modern.az"},
        {"outlet": "Azadliq Radiosu", "aliases": "Radio Azadlig", "domains": "azadliq.org"},
        {"outlet": "Report.az", "aliases": "Report News Agency", "domains": "report.az"},
    ]
)
PLACES = {"Bakı": "Baku", "Baku": "Baku", "BAKU": "Baku", "Yerevan": "Yerevan"}


def resolve_place(surface: str) -> str | None:
    return PLACES.get(surface.strip())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" date 2024-04-23 + ↺ − 16 px", dt.date(2024, 4, 23)),
        ("23.11.20", dt.date(2020, 11, 23)),
        ("23/11/2020", dt.date(2020, 11, 23)),
        ("Published: November 23, 2020", dt.date(2020, 11, 23)),
        ("23 ноября 2020", dt.date(2020, 11, 23)),
        ("23 noyabr 2020", dt.date(2020, 11, 23)),
        ("18 апреля, 2023", dt.date(2023, 4, 18)),
        ("23 нояб. 2020", dt.date(2020, 11, 23)),
        ("23 Kasım 2020", dt.date(2020, 11, 23)),
        ("Mayıs 10, 2020", dt.date(2020, 5, 10)),
        ("sentyabr 1, 2019", dt.date(2019, 9, 1)),
        # A time unit where a month name would be is no date (it was read as one counted
        # back from the machine's clock).
        ("for 3 years 2015-2018", None),
        ("10 дней 2020", None),
        ("10 gün 2020", None),
        ("2099-01-01", None),  # the future is not a publication date
        ("1985-05-05", None),  # nor is anything before 1990
        ("31.02.2020", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("line", "place", "published", "outlet"),
    [
        (
            "Bakı/23.11.20/Turan: On November 21, Russian ministers",
            "Baku",
            dt.date(2020, 11, 23),
            "Turan",
        ),
        ("BAKU, 23.11.2020 (Turan): Talks went on", "Baku", dt.date(2020, 11, 23), "Turan"),
        ("Yerevan, November 23, 2020 – The talks", "Yerevan", dt.date(2020, 11, 23), None),
    ],
)
def test_find_dateline(line: str, place: str, published: dt.date, outlet: str | None) -> None:
    dateline = find_dateline(line, outlets=OUTLETS, resolve_place=resolve_place, today=TODAY)
    assert dateline is not None
    assert (dateline.place, dateline.published, dateline.outlet) == (place, published, outlet)
    assert line[dateline.length :][:1].isupper()


@pytest.mark.parametrize(
    "line",
    [
        "According to Lavrov, Russia is coordinating with Azerbaijan: it said",
        "The expert mentioned that in 2023, US military spending amounted to $905 billion.",
        "Political scientist Elhan Shainoglu: a quote",
    ],
)
def test_body_lines_are_not_datelines(line: str) -> None:
    assert find_dateline(line, outlets=OUTLETS, resolve_place=resolve_place, today=TODAY) is None


def _metadata(lines: list[str], reasons: list[str], hints: SourceHints | None = None) -> object:
    metadata, _ = extract_metadata(
        lines,
        reasons,
        hints or SourceHints(),
        outlets=OUTLETS,
        resolve_place=resolve_place,
        today=TODAY,
    )
    return metadata


def test_outlet_from_signature_and_date_from_widget() -> None:
    metadata = _metadata(
        [" date 2024-04-23 + ↺ − 16 px", "On April 17, peacekeepers began to leave.", "News.Az"],
        ["widget", "body", "signature"],
    )
    assert metadata.outlet == "News.Az"  # type: ignore[attr-defined]
    assert metadata.published_date == dt.date(2024, 4, 23)  # type: ignore[attr-defined]


def test_body_dates_are_events_not_publication_dates() -> None:
    metadata = _metadata(["On November 29, 2025, a delegation departed."], ["body"])
    assert metadata.published_date is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "outlet"),
    [
        ("In a statement to Modern.az, the analyst said so.", "Modern.az"),
        ("Bortnik, in an exclusive interview with News.Az, said so.", "News.Az"),
        (
            "Abbas expressed concerns in a comment for Turan. Orujlu, in an interview with "
            "Radio Azadlig, stressed interests.",
            "Turan",
        ),
        ("Analysts had to report the numbers to parliament.", None),  # not Report.az
    ],
)
def test_outlet_from_the_bodys_own_references(body: str, outlet: str | None) -> None:
    assert _metadata([body], ["body"]).outlet == outlet  # type: ignore[attr-defined]


def test_hints_win_and_unknown_outlets_are_kept_as_given() -> None:
    hints = SourceHints(outlet="Some Blog", published="2021-05-06", title="Given title")
    metadata = _metadata(["Body text here."], ["body"], hints)
    assert metadata.outlet == "Some Blog"  # type: ignore[attr-defined]
    assert metadata.published_date == dt.date(2021, 5, 6)  # type: ignore[attr-defined]
    assert metadata.title == "Given title"  # type: ignore[attr-defined]


def test_outlet_from_url() -> None:
    assert OUTLETS.from_url("https://www.turan.az/ext/news/2020/11/free/politics") == "Turan"
    assert OUTLETS.from_url("https://example.com/x") is None


def test_title_from_repeated_title_and_headline_shape() -> None:
    lines = ["Russian military contingent in Karabakh", "Russian military contingent in Karabakh"]
    metadata = _metadata([*lines, "Body sentence."], ["title", "repeated_title", "body"])
    assert metadata.title == "Russian military contingent in Karabakh"  # type: ignore[attr-defined]
    assert _metadata(["A long first sentence that ends.", "More."], ["body", "body"]).title is None  # type: ignore[attr-defined]
