"""Reading raw folders: change detection and the bad-input catalogue, file by file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.extract import read_file, read_manifest, scan_folder
from transforms.records import SourceHints
from warehouse.loader import LedgerEntry

ENGLISH = (
    "Russian Foreign Minister Sergey Lavrov met his Azerbaijani counterpart in Baku on Monday. "
    "The ministers discussed the peace process and the opening of transport links in the region."
)


def _scan_one(folder: Path, name: str) -> object:
    scans = [s for s in scan_folder(folder, {}) if Path(s.path).name == name]
    assert len(scans) == 1
    return scans[0]


def _read(folder: Path, name: str, max_bytes: int = 10_000_000) -> object:
    scan = _scan_one(folder, name)
    return read_file(scan, SourceHints(), max_bytes=max_bytes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "content", "failure"),
    [
        ("empty.txt", b"", "empty_file"),
        ("blank.txt", b"  \n\n \t", "empty_file"),
        ("binary.txt", b"\x00\x01\x02\x03PK\x00", "binary_or_undecodable"),
    ],
)
def test_unreadable_files_get_a_reason(
    tmp_path: Path, name: str, content: bytes, failure: str
) -> None:
    (tmp_path / name).write_bytes(content)
    assert _read(tmp_path, name).failure == failure  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-16", b""), ("cp1251", b""), ("utf-8", b"\xef\xbb\xbf")],
)
def test_text_in_other_encodings_is_decoded(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = (
        "Министр иностранных дел России Сергей Лавров встретился с коллегой в Баку в понедельник."
    )
    (tmp_path / "a.txt").write_bytes(bom + text.encode(encoding))
    read = _read(tmp_path, "a.txt")
    assert read.failure is None  # type: ignore[attr-defined]
    assert read.articles[0].text == text  # type: ignore[attr-defined]


def test_too_large_files_are_refused_without_reading(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(ENGLISH * 100, encoding="utf-8")
    assert _read(tmp_path, "big.txt", max_bytes=1000).failure == "too_large"  # type: ignore[attr-defined]


def test_jsonl_malformed_line_is_rejected_and_the_others_load(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": ENGLISH, "url": "https://news.az/a", "outlet": "News.Az"}),
        "{not json",
        json.dumps({"title": "no text field"}),
        json.dumps({"text": ENGLISH, "published": "2024-04-23"}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines), encoding="utf-8")
    read = _read(tmp_path, "feed.jsonl")
    assert [a.record_key for a in read.articles] == ["line:1", "line:4"]  # type: ignore[attr-defined]
    assert read.articles[0].hints.outlet == "News.Az"  # type: ignore[attr-defined]
    assert [(r.record_key, r.reason) for r in read.rejections] == [  # type: ignore[attr-defined]
        ("line:2", "malformed_json"),
        ("line:3", "missing_text"),
    ]


def test_html_is_extracted_without_scripts(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Lavrov in Baku</title><script>alert('x')</script></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Lavrov in Baku</h1><p>{ENGLISH}</p><p>{ENGLISH}</p></article>"
        "<iframe src='https://ads.example'></iframe><footer>Copyright</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    read = _read(tmp_path, "page.html")
    article = read.articles[0]  # type: ignore[attr-defined]
    assert "Sergey Lavrov" in article.text
    assert "alert" not in article.text
    assert article.hints.title == "Lavrov in Baku"


def test_scan_detects_new_changed_unchanged_and_unsupported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "b.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "c.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,outlet\na.txt,News.Az\n", encoding="utf-8")
    stat_a, stat_b = (tmp_path / "a.txt").stat(), (tmp_path / "b.txt").stat()
    ledger = {
        str(tmp_path / "a.txt"): LedgerEntry("x", stat_a.st_size, stat_a.st_mtime_ns, "loaded"),
        str(tmp_path / "b.txt"): LedgerEntry("x", stat_b.st_size, stat_b.st_mtime_ns + 1, "loaded"),
    }
    changes = {Path(s.path).name: (s.change, s.reason) for s in scan_folder(tmp_path, ledger)}
    assert changes == {
        "a.txt": ("unchanged", ""),
        "b.txt": ("changed", ""),
        "c.txt": ("new", ""),
        "doc.pdf": ("unreadable", "unsupported_format"),
    }
    assert read_manifest(tmp_path).hints[str((tmp_path / "a.txt").resolve())].outlet == "News.Az"


def test_manifest_rows_are_keyed_as_the_scan_keys_their_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "a.txt").write_text(ENGLISH, encoding="utf-8")
    (raw / "target.txt").write_text(ENGLISH, encoding="utf-8")
    (raw / "link.txt").symlink_to(raw / "target.txt")
    (raw / "manifest.csv").write_text(
        "file,outlet\n./sub/../sub/a.txt,APA\nlink.txt,Turan\n", encoding="utf-8"
    )
    (tmp_path / "alias").symlink_to(raw, target_is_directory=True)
    folder = (tmp_path / "alias").resolve()  # a run resolves the folder it is given

    scanned = {s.path for s in scan_folder(folder, {})}
    hints = read_manifest(tmp_path / "alias").hints
    assert hints.keys() <= scanned
    assert hints[str(raw / "sub" / "a.txt")].outlet == "APA"
    assert hints[str(raw / "link.txt")].outlet == "Turan"  # the link's row, not its target's


def test_symlink_loops_and_unreadable_files_do_not_stop_the_scan(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    secret = tmp_path / "secret.txt"
    secret.write_text(ENGLISH, encoding="utf-8")
    secret.chmod(0)
    changes = {Path(s.path).name: s for s in scan_folder(tmp_path, {})}
    assert changes["good.txt"].change == "new"
    assert changes["loop"].change == "unreadable"
    if os.geteuid() != 0:  # root reads anything
        assert read_file(changes["secret.txt"], SourceHints(), max_bytes=10**6).failure == (
            "permission_denied"
        )


def test_a_file_that_vanishes_after_the_scan_is_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_text(ENGLISH, encoding="utf-8")
    scan = _scan_one(tmp_path, "gone.txt")
    (tmp_path / "gone.txt").unlink()
    assert read_file(scan, SourceHints(), max_bytes=10**6).failure == "vanished"  # type: ignore[arg-type]


def test_a_file_name_that_is_not_utf8_gets_a_storable_key_and_a_reason(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/caf\xe9.txt"  # Latin-1, as old archives name files
    with open(bad, "wb") as handle:
        handle.write(ENGLISH.encode("utf-8"))
    (scan,) = scan_folder(tmp_path, {})
    assert scan.path == str(tmp_path / "caf\\xe9.txt")  # stays the same from run to run
    scan.path.encode("utf-8")  # what DuckDB and SQLite can store
    assert (scan.change, scan.reason) == ("unreadable", "undecodable_name")
    assert scan.size_bytes == len(ENGLISH.encode("utf-8"))  # unchanged next run, not re-judged
    ledger = {scan.path: LedgerEntry(None, scan.size_bytes, scan.mtime_ns, "rejected")}
    assert [s.change for s in scan_folder(tmp_path, ledger)] == ["unchanged"]
