"""Tests of bench/make_corpus.py: determinism, N, variety, sizes, manifest and corpus.json."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

pytestmark = pytest.mark.skipif(
    not (SHARED / "benchmarks").is_dir(), reason="../shared/benchmarks not available"
)

sys.path.insert(0, str(ROOT / "bench"))

import make_corpus as mc  # noqa: E402
from corpus_parts import DAMAGE_LETTERS  # noqa: E402

N = 200
EXTRA = {"manifest.csv", "corpus.json"}
CYRILLIC = re.compile(r"[а-яА-ЯёЁ]")
AZ_LETTERS = re.compile(r"[əƏ]")
DAMAGED = re.compile(r"(?<![^\W\d_])[" + "".join(sorted(set(DAMAGE_LETTERS))) + r"][a-z]{2}")
KARABAKH = ("Garabagh", "Qarabağ", "Karabagh", "Garabakh", "Gharabagh")
SHOIGU = ("Shoygu", "Şoyqu", "Шойгу")


@pytest.fixture(scope="module")
def sources() -> mc.Sources:
    return mc.load_sources(SHARED)


@pytest.fixture(scope="module")
def corpus(sources: mc.Sources, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "out"
    mc.make_corpus(N, out, seed=7, sources=sources)
    return out


def corpus_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.is_file() and p.name not in EXTRA)


def tree_hash(out: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        digest.update(path.relative_to(out).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "corpus.json").read_text(encoding="utf-8"))
    return data


def texts(out: Path) -> dict[Path, str]:
    """Every file that decodes as UTF-8, decoded."""
    decoded = {}
    for path in corpus_files(out):
        try:
            decoded[path] = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
    return decoded


# --- determinism and N ----------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes(corpus: Path, sources: mc.Sources, tmp_path: Path) -> None:
    again = tmp_path / "again"
    mc.make_corpus(N, again, seed=7, sources=sources, writers=0)
    assert tree_hash(again) == tree_hash(corpus)
    other = tmp_path / "other"
    mc.make_corpus(N, other, seed=8, sources=sources)
    assert tree_hash(other) != tree_hash(corpus)


def test_smaller_n_is_a_prefix(corpus: Path, sources: mc.Sources, tmp_path: Path) -> None:
    small = tmp_path / "small"
    mc.make_corpus(60, small, seed=7, sources=sources)
    big = {p.relative_to(corpus): p.read_bytes() for p in corpus_files(corpus)}
    for path in corpus_files(small):
        assert big[path.relative_to(small)] == path.read_bytes()


@pytest.mark.parametrize("n", [0, 1, 37])
def test_n_is_respected(n: int, sources: mc.Sources, tmp_path: Path) -> None:
    out = tmp_path / "out"
    mc.make_corpus(n, out, seed=1, sources=sources)
    assert len(corpus_files(out)) == n
    assert summary(out)["files"] == n == sum(summary(out)["files_by_kind"].values())


def test_n_files_and_counts_agree(corpus: Path) -> None:
    files = corpus_files(corpus)
    info = summary(corpus)
    assert len(files) == N == info["files"] == sum(info["files_by_kind"].values())
    assert info["total_bytes"] == sum(p.stat().st_size for p in files)
    assert info["duplicates"] == info["files_by_kind"]["duplicate"] > 0
    assert sum(info["outlets"].values()) == sum(info["languages"].values()) == info["articles"]


def test_folders_hold_at_most_the_limit_and_jobs_change_nothing(
    sources: mc.Sources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mc, "FILES_PER_FOLDER", 40)
    out = tmp_path / "out"
    mc.make_corpus(130, out, seed=3, sources=sources, jobs=2)
    per_folder = Counter(p.parent.name for p in corpus_files(out))
    assert sorted(per_folder.values()) == [10, 40, 40, 40]
    assert all(p.parent.parent == out for p in corpus_files(out))
    serial = tmp_path / "serial"
    mc.make_corpus(130, serial, seed=3, sources=sources, jobs=1, writers=0)
    assert tree_hash(serial) == tree_hash(out)


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    assert mc.main(["3", str(tmp_path)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert mc.main(["12", str(out), "--seed", "5", "--shared", str(SHARED)]) == 0
    assert len(corpus_files(out)) == 12
    assert "files/s" in capsys.readouterr().err


# --- variety --------------------------------------------------------------------------------


def test_several_outlets_and_languages(corpus: Path) -> None:
    info = summary(corpus)
    outlets = [name for name, n in info["outlets"].items() if n and name != "(none)"]
    assert len(outlets) >= 8
    for lang in ("en", "az", "ru"):
        assert info["languages"][lang] >= 10
    decoded = texts(corpus).values()
    assert (
        sum(bool(AZ_LETTERS.search(t)) and len(AZ_LETTERS.findall(t)) > 20 for t in decoded) >= 10
    )
    assert sum(len(CYRILLIC.findall(t)) > 200 for t in decoded) >= 10


def test_outlet_chrome_and_dates(corpus: Path) -> None:
    joined = "\n".join(texts(corpus).values())
    assert re.search(r" date \d{4}-\d\d-\d\d \+ ↺ − 16 px", joined)  # News.Az widget
    assert re.search(r"Bakı/\d\d\.\d\d\.\d\d/Turan: ", joined)  # Turan dateline
    assert "— 0—" in joined and "Leave a review" in joined
    assert re.search(r"(?m)^News\.Az$", joined)  # signature
    assert re.search(r"\(UTC \+04:00\)", joined)  # APA / Trend widgets


def test_exact_duplicates(corpus: Path) -> None:
    digests = Counter(
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in corpus_files(corpus)
        if p.stat().st_size > 100
    )
    copies = sum(n - 1 for n in digests.values() if n > 1)
    assert copies >= summary(corpus)["duplicates"] >= 4


def test_scraper_damage(corpus: Path) -> None:
    damaged = [t for t in texts(corpus).values() if DAMAGED.search(t)]
    assert len(damaged) >= 3
    assert summary(corpus)["damaged_files"] >= 3


def test_name_variants(corpus: Path) -> None:
    joined = "\n".join(texts(corpus).values())
    assert "Karabakh" in joined
    assert sum(variant in joined for variant in KARABAKH) >= 3
    assert sum(variant in joined for variant in ("Shoigu", *SHOIGU)) >= 2
    assert sum(v in joined for v in ("Shahinoglu", "Shainoglu", "Şahinoğlu")) >= 2
    variants = summary(corpus)["name_variants"]
    assert len(variants["Karabakh"]) >= 3


def test_jsonl_files(corpus: Path) -> None:
    files = [p for p in corpus_files(corpus) if p.suffix == ".jsonl"]
    assert len(files) == summary(corpus)["jsonl"]["files"] >= 2
    records = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut mid-write (counted as malformed)
    assert len(records) == summary(corpus)["jsonl"]["articles"] >= 4
    for record in records:
        assert set(record) <= {"text", "url", "title", "published", "outlet"}
        assert record["text"].strip()
    assert any({"url", "title", "published", "outlet"} <= set(r) for r in records)


def test_bad_files(corpus: Path) -> None:
    bad = summary(corpus)["bad_files"]
    assert bad["empty"] >= 1 and bad["binary"] >= 1 and bad["cp1251"] >= 1
    empty = binary = cp1251 = 0
    for path in corpus_files(corpus):
        data = path.read_bytes()
        if not data.strip():
            empty += 1
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            if b"\0" in data or not CYRILLIC.search(data.decode("cp1251", errors="replace")):
                binary += 1
            else:
                cp1251 += 1
    assert empty == bad["empty"]
    assert binary >= bad["binary"]
    assert cp1251 >= bad["cp1251"]


# --- sizes and manifest ---------------------------------------------------------------------


def test_sizes_within_bounds(corpus: Path) -> None:
    sizes = [p.stat().st_size for p in corpus_files(corpus) if p.stat().st_size > 16]
    assert max(sizes) <= mc.MAX_BYTES
    text_sizes = [len(t.strip()) for t in texts(corpus).values() if t.strip()]
    assert min(text_sizes) >= mc.MIN_BODY_CHARS
    histogram = summary(corpus)["text_file_bytes"]["histogram"]
    assert histogram["<1k"] > 0 and histogram["20-50k"] > 0


def test_manifest_covers_about_half(corpus: Path) -> None:
    with (corpus / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["file", "outlet", "url", "published", "title"]
    names = {p.relative_to(corpus).as_posix() for p in corpus_files(corpus)}
    assert all(row["file"] in names for row in rows)
    assert len({row["file"] for row in rows}) == len(rows)
    filled = [r for r in rows if any(r[k] for k in ("outlet", "url", "published", "title"))]
    assert 0.3 * N <= len(filled) <= 0.7 * N
    assert len(rows) < N  # the others are left for the pipeline to find
    assert summary(corpus)["manifest"]["filled"] == len(filled)


def test_no_file_exceeds_the_cap_after_crlf_and_bom(sources: mc.Sources, tmp_path: Path) -> None:
    writer = mc.BlockWriter(str(tmp_path), 10, 0, 0, sources)
    writer.rng.random = lambda: 0.0  # type: ignore[method-assign]  # CRLF and BOM both
    text = ("x" * 99 + "\n") * 499  # 49,900 bytes before CRLF and BOM
    data = writer.encode_text(text)
    assert len(data) <= mc.MAX_BYTES
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
