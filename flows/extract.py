"""Reading raw folders: which files are new or changed, and their articles.

Everything that touches the raw files lives here. A file that cannot be read becomes a
``files`` row with a reason, never a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.settings import MANIFEST_NAME, SUPPORTED_SUFFIXES
from transforms.records import RawArticle, Rejection, SourceHints
from transforms.repair import UnreadableInput, decode_bytes
from warehouse.loader import LedgerEntry


@dataclass(frozen=True, slots=True)
class FileScan:
    """A file found in the raw folder and what the ledger says about it."""

    path: str
    size_bytes: int | None
    mtime_ns: int | None
    source_format: str | None
    change: str  # "new" | "changed" | "unchanged" | "unreadable"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FileRead:
    """A file's content as read: its articles, or why it gave none."""

    scan: FileScan
    sha256: str | None
    encoding: str | None
    articles: tuple[RawArticle, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    failure: str | None = None  # the file as a whole could not be used
    detail: str = ""
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    hints: Mapping[str, SourceHints] = field(default_factory=dict)


def iter_manifest(raw_dir: Path) -> Iterator[tuple[str, SourceHints]]:
    """(path, hints) for each row of the folder's manifest, if it has one.

    The path is the one ``scan_folder`` gives the file when the folder is resolved: the folder
    resolved once, the row's name joined to it and normalised. Resolving each row's path
    instead cost a ``stat`` per path component (0.3 s per 6,600 rows, on every run, unchanged
    ones included), and named a symlinked file by its target, which the scan never does.
    """
    path = raw_dir / MANIFEST_NAME
    if not path.is_file():
        return
    folder = str(raw_dir.resolve())
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("file") or "").strip()
            if not name:
                continue
            yield (
                os.path.normpath(os.path.join(folder, name)),
                SourceHints(
                    url=(row.get("url") or "").strip() or None,
                    title=(row.get("title") or "").strip() or None,
                    outlet=(row.get("outlet") or "").strip() or None,
                    published=(row.get("published") or "").strip() or None,
                    author=(row.get("author") or "").strip() or None,
                ),
            )


def read_manifest(raw_dir: Path) -> Manifest:
    """The manifest in memory (a run keeps it on disk: ``flows.run_index``)."""
    return Manifest(dict(iter_manifest(raw_dir)))


def _walk(raw_dir: Path) -> Iterator[Path]:
    # Symlinks are not followed into directories: a link loop cannot trap the scan.
    for folder, dirs, files in os.walk(raw_dir, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name != MANIFEST_NAME:
                yield Path(folder) / name


def scan_folder(raw_dir: Path, ledger: Mapping[str, LedgerEntry]) -> Iterator[FileScan]:
    """Every candidate file with its change status, as the walk finds it: an unchanged file
    costs one stat and one ledger lookup."""
    for path in _walk(raw_dir):
        absolute = str(path.absolute())
        key = storable_key(absolute)
        source_format = SUPPORTED_SUFFIXES.get(path.suffix.lower())
        try:
            stat = path.stat()
        except OSError as error:
            yield FileScan(key, None, None, source_format, "unreadable", _os_reason(error))
            continue
        entry = ledger.get(key)
        if entry is not None and (entry.size_bytes, entry.mtime_ns) == (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            # Rejected ones too: a file is judged again only once it changes.
            yield FileScan(key, stat.st_size, stat.st_mtime_ns, source_format, "unchanged")
        elif source_format is None:
            yield FileScan(
                key, stat.st_size, stat.st_mtime_ns, None, "unreadable", "unsupported_format"
            )
        elif key != absolute:
            yield FileScan(
                key, stat.st_size, stat.st_mtime_ns, source_format, "unreadable", "undecodable_name"
            )
        else:
            change = "new" if entry is None else "changed"
            yield FileScan(key, stat.st_size, stat.st_mtime_ns, source_format, change)


def storable_key(absolute: str) -> str:
    """A file's absolute path as the warehouse keeps it. A name that is not UTF-8 (a
    Latin-1 ``café.txt`` copied from an old archive) reaches Python with its bad bytes as lone
    surrogates, which no UTF-8 table can store: they are written as ``\\xe9`` instead, so the
    file still gets its row (rejected, ``undecodable_name``) and the same key on every run."""
    try:
        absolute.encode("utf-8")
    except UnicodeEncodeError:
        return absolute.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return absolute


def _os_reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission_denied"
    if isinstance(error, FileNotFoundError):
        return "vanished"
    if error.errno == 40:  # ELOOP
        return "symlink_loop"
    return "os_error"


def read_file(scan: FileScan, hints: SourceHints, *, max_bytes: int) -> FileRead:
    """Read, hash and decode one file, and split it into raw articles."""
    if scan.size_bytes is not None and scan.size_bytes > max_bytes:
        return FileRead(scan, None, None, failure="too_large", detail=f"{scan.size_bytes} bytes")
    path = Path(scan.path)
    try:
        data = path.read_bytes()
        after = path.stat()
    except OSError as error:
        return FileRead(scan, None, None, failure=_os_reason(error), detail=str(error))
    unchanged = (after.st_size, after.st_mtime_ns) == (scan.size_bytes, scan.mtime_ns)
    if not unchanged or len(data) != after.st_size:
        # A scraper is still writing it: the next run reads it whole (the ledger keeps the scan's
        # stat, which no longer matches).
        return FileRead(scan, None, None, failure="changed_while_reading")
    sha256 = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return FileRead(scan, sha256, None, failure="empty_file")
    try:
        decoded = decode_bytes(data)
    except UnreadableInput as error:
        return FileRead(scan, sha256, None, failure="binary_or_undecodable", detail=str(error))
    if scan.source_format == "jsonl":
        articles, rejections = _split_jsonl(scan.path, decoded.text, decoded.encoding, hints)
    elif scan.source_format == "html":
        articles, rejections = _extract_html(scan.path, decoded.text, decoded.encoding, hints)
    else:
        articles = (RawArticle(scan.path, "", decoded.text, "txt", decoded.encoding, hints),)
        rejections = ()
    return FileRead(scan, sha256, decoded.encoding, articles, rejections)


def _split_jsonl(
    path: str, text: str, encoding: str, hints: SourceHints
) -> tuple[tuple[RawArticle, ...], tuple[Rejection, ...]]:
    articles = []
    rejections = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key = f"line:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            rejections.append(
                Rejection(path, key, "malformed_json", f"{error.msg} at column {error.colno}")
            )
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            rejections.append(Rejection(path, key, "missing_text", "no string field 'text'"))
            continue

        def field_or(
            name: str, fallback: str | None, record: dict[str, object] = record
        ) -> str | None:
            value = record.get(name)
            return str(value) if value not in (None, "") else fallback

        record_hints = SourceHints(
            url=field_or("url", hints.url),
            title=field_or("title", hints.title),
            outlet=field_or("outlet", hints.outlet),
            published=field_or("published", hints.published),
            author=field_or("author", hints.author),
        )
        articles.append(RawArticle(path, key, record["text"], "jsonl", encoding, record_hints))
    return tuple(articles), tuple(rejections)


def _extract_html(
    path: str, text: str, encoding: str, hints: SourceHints
) -> tuple[tuple[RawArticle, ...], tuple[Rejection, ...]]:
    # trafilatura does HTML well: body, title, date, author, site name, scripts dropped.
    import trafilatura

    extracted = trafilatura.bare_extraction(
        text, with_metadata=True, include_comments=False, include_tables=False
    )
    if extracted is None:
        document: dict[str, Any] = {}
    else:
        document = extracted if isinstance(extracted, dict) else extracted.as_dict()
    body = document.get("text")
    if not body:
        return (), (Rejection(path, "", "no_article_in_html", "trafilatura found no main text"),)

    def meta(name: str, fallback: str | None) -> str | None:
        value = document.get(name)
        return str(value) if value else fallback

    html_hints = SourceHints(
        url=meta("url", hints.url) if not hints.url else hints.url,
        title=hints.title or meta("title", None),
        outlet=hints.outlet or meta("sitename", None),
        published=hints.published or meta("date", None),
        author=hints.author or meta("author", None),
    )
    return (RawArticle(path, "", str(body), "html", encoding, html_hints),), ()
