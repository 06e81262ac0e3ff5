"""End to end: the real ``news_etl`` flow on the sample articles into a temporary warehouse.

These are the acceptance checks of the whole pipeline (issue 2), run on a real Prefect test
server, a real DuckDB file and the real Great Expectations suites.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PipelineRun, copy_seed_articles, run_pipeline, suites_with

pytestmark = pytest.mark.e2e

TABLES = ("files", "documents", "paragraphs", "mentions", "entities", "runs", "validations")


def _doc(run: PipelineRun, prefix: str, column: str) -> object:
    rows = run.query(f"SELECT {column} FROM documents WHERE source_path LIKE ?", [f"%/{prefix}_%"])
    assert len(rows) == 1, f"expected one document for {prefix}, got {len(rows)}"
    return rows[0][0]


def _paragraph_reason(run: PipelineRun, prefix: str, text_like: str) -> list[tuple[object, ...]]:
    return run.query(
        "SELECT p.is_boilerplate, p.reason, p.language "
        "FROM paragraphs p JOIN documents d USING (doc_id) "
        "WHERE d.source_path LIKE ? AND p.text LIKE ? ORDER BY p.position",
        [f"%/{prefix}_%", text_like],
    )


def test_run_loads_every_sample_and_every_table_exists(sample_run: PipelineRun) -> None:
    assert sample_run.summary.exit_code == 0, sample_run.summary.message
    for table in TABLES:
        sample_run.query(f"SELECT count(*) FROM {table}")
    assert sample_run.query("SELECT count(*) FROM documents") == [(5,)]
    assert sample_run.query("SELECT count(*), count(*) FILTER (status = 'loaded') FROM files") == [
        (5, 5)
    ]
    # The run's per-file index is scratch: gone once the run ends.
    assert not list((sample_run.warehouse_dir / ".run-index").glob("*"))


def test_every_sample_is_english(sample_run: PipelineRun) -> None:
    assert sample_run.query("SELECT DISTINCT language FROM documents") == [("en",)]


def test_001_news_az_date_widget_and_signature(sample_run: PipelineRun) -> None:
    assert _doc(sample_run, "001", "published_date") == dt.date(2024, 4, 23)
    assert _doc(sample_run, "001", "outlet") == "News.Az"
    widget = _paragraph_reason(sample_run, "001", "%16 px%")
    assert [row[0] for row in widget] == [True]
    signature = _paragraph_reason(sample_run, "001", "News.Az")
    assert [row[0] for row in signature] == [True]
    clean = str(_doc(sample_run, "001", "clean_text"))
    assert "16 px" not in clean
    assert not clean.rstrip().endswith("News.Az")


def test_003_turan_dateline_caption_and_end_marks(sample_run: PipelineRun) -> None:
    assert _doc(sample_run, "003", "published_date") == dt.date(2020, 11, 23)
    assert _doc(sample_run, "003", "outlet") == "Turan"
    assert _doc(sample_run, "003", "dateline_place") == "Baku"
    caption = _paragraph_reason(sample_run, "003", "Rusiya XİN%")
    assert caption == [(True, "caption", "az")]
    clean = str(_doc(sample_run, "003", "clean_text"))
    assert "İllüstrasiya" not in clean
    assert "— 0—" not in clean and "Leave a review" not in clean
    assert "the deputy told Turan." in clean
    assert clean.startswith("On November 21, Russian Foreign and Defense Ministers")


def test_004_title_once_and_everything_after_leave_a_review_removed(
    sample_run: PipelineRun,
) -> None:
    assert _doc(sample_run, "004", "title") == "Russian military contingent in Karabakh"
    clean = str(_doc(sample_run, "004", "clean_text"))
    assert "Russian military contingent in Karabakh" not in clean
    assert clean.rstrip().endswith("influence broader regional dynamics.")
    tail = sample_run.query(
        "SELECT p.is_boilerplate, p.language, p.text "
        "FROM paragraphs p JOIN documents d USING (doc_id) "
        "WHERE d.source_path LIKE '%/004_%' "
        "AND p.position >= (SELECT min(position) FROM paragraphs q "
        "WHERE q.doc_id = p.doc_id AND q.text = 'Leave a review') ORDER BY p.position"
    )
    assert len(tail) == 11
    assert all(row[0] for row in tail)
    languages = {str(row[2]): row[1] for row in tail}
    assert languages["Əziz Bakı şəhəri sakini!"] == "az"
    assert (
        languages["Siz də Qlobal İqlim Dəyişmələri ilə mübarizəyə öz töhfənizi verə bilərsiniz"]
        == "az"
    )
    assert languages["Дорогой житель города Баку!"] == "ru"
    assert (
        languages["Вы тоже можете внести свой вклад в борьбу с глобальным изменением климата"]
        == "ru"
    )


def _entities(run: PipelineRun, surface_like: str) -> set[object]:
    return {
        row[0]
        for row in run.query(
            "SELECT DISTINCT entity_id FROM mentions WHERE surface LIKE ?", [surface_like]
        )
    }


def test_mentions_link_spellings_to_one_entity(sample_run: PipelineRun) -> None:
    karabakh = _entities(sample_run, "Karabakh") | _entities(sample_run, "Garabagh")
    assert len(karabakh) == 1
    shahinoglu = (
        _entities(sample_run, "Shainoglu")
        | _entities(sample_run, "Elhan Shainoglu")
        | _entities(sample_run, "Elkhan Shahinoglu")
    )
    assert len(shahinoglu) == 1
    assert _entities(sample_run, "Daghlig Garabagh") == _entities(sample_run, "Nagorno-Karabakh")
    assert sample_run.query(
        "SELECT DISTINCT canonical FROM mentions WHERE surface = 'Daghlig Garabagh'"
    ) == [("Nagorno-Karabakh",)]
    shoigu = _entities(sample_run, "%Şoyqu") | _entities(sample_run, "Shoigu")
    assert len(shoigu) == 1
    # Each sample that names them has its own rows: Garabagh in 003, Karabakh in 001 and 004.
    files = {
        Path(str(row[0])).name[:3]
        for row in sample_run.query(
            "SELECT d.source_path FROM mentions m JOIN documents d USING (doc_id) "
            "WHERE m.surface IN ('Karabakh', 'Garabagh')"
        )
    }
    assert {"001", "003", "004"} <= files


def test_mention_offsets_point_at_their_surface(sample_run: PipelineRun) -> None:
    mismatches = sample_run.query(
        "SELECT m.surface FROM mentions m JOIN documents d USING (doc_id) WHERE "
        "CASE m.text_field "
        "WHEN 'clean_text' THEN substr(d.clean_text, m.start + 1, m.\"end\" - m.start) "
        'ELSE substr(d.raw_text, m.start + 1, m."end" - m.start) END <> m.surface'
    )
    assert mismatches == []


def test_002_scraper_damage_repaired_and_flagged_and_nothing_else_changed(
    sample_run: PipelineRun,
) -> None:
    flags = _doc(sample_run, "002", "quality_flags")
    assert "scraper_damage" in list(flags)  # type: ignore[arg-type]
    clean = str(_doc(sample_run, "002", "clean_text"))
    raw = str(_doc(sample_run, "002", "raw_text"))
    for damaged, repaired in (
        ("Īccording", "According"),
        ("īelarus", "Belarus"),
        ("Įxperts", "Experts"),
    ):
        assert damaged not in clean
        assert repaired in clean
    expected = raw.strip()
    for damaged, repaired in (
        ("Īccording", "According"),
        ("īelarus", "Belarus"),
        ("Įxperts", "Experts"),
    ):
        expected = expected.replace(damaged, repaired)
    # "Īs" has three fits (As, Is, Us): a word list cannot decide, so it stays and is flagged.
    assert clean == expected


def test_validations_recorded_and_all_passed(sample_run: PipelineRun) -> None:
    rows = sample_run.query("SELECT table_name, expectation, success FROM validations")
    assert len(rows) >= 30
    assert {row[0] for row in rows} >= {"files", "documents", "paragraphs", "mentions", "entities"}
    assert [row for row in rows if not row[2]] == []
    assert sample_run.query("SELECT status FROM runs") == [("loaded",)]


def test_report_written_with_every_article(sample_run: PipelineRun) -> None:
    report = Path(sample_run.summary.report_path)
    html = report.read_text(encoding="utf-8")
    for prefix in ("000_", "001_", "002_", "003_", "004_"):
        assert prefix in html
    assert "News.Az" in html and "Turan" in html and "2024-04-23" in html
    assert "scraper_damage" in html
    assert "<script" not in html.lower()
    assert (report.parent / "latest.html").exists()
    data_docs = report.parent / "data-docs" / sample_run.summary.run_id / "index.html"
    assert data_docs.exists()
    assert f"data-docs/{sample_run.summary.run_id}/index.html" in html


def test_second_run_changes_nothing_and_changed_file_replaces_its_article(
    prefect_server: None, tmp_path: Path
) -> None:
    raw_dir = copy_seed_articles(tmp_path / "articles")
    warehouse_dir = tmp_path / "warehouse"
    first = run_pipeline(raw_dir, warehouse_dir)
    run = PipelineRun(raw_dir, warehouse_dir, first)
    data_tables = ("files", "documents", "paragraphs", "mentions", "entities")

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        return {
            t: sorted(
                run.query(
                    f"SELECT * EXCLUDE (run_id) FROM {t}"
                    if t in ("files", "documents")
                    else f"SELECT * FROM {t}"
                ),
                key=repr,
            )
            for t in data_tables
        }

    before = snapshot()
    second = run_pipeline(raw_dir, warehouse_dir)
    assert second.exit_code == 0
    assert second.counts.get("articles_loaded", 0) == 0
    assert second.counts["files_unchanged"] == 5
    assert snapshot() == before

    # A changed file replaces its article, paragraphs and mentions; nothing is duplicated.
    target = next(raw_dir.glob("004_*.txt"))
    target.write_text(
        target.read_text(encoding="utf-8").replace("Karabakh", "Garabagh"), encoding="utf-8"
    )
    os.utime(target, ns=(1, 1))  # a different mtime even on coarse clocks
    third = run_pipeline(raw_dir, warehouse_dir)
    assert third.exit_code == 0
    assert third.counts["articles_loaded"] == 1
    assert run.query("SELECT count(*) FROM documents") == [(5,)]
    doc_surfaces = run.query(
        "SELECT count(*) FILTER (surface LIKE '%Karabakh%'), "
        "count(*) FILTER (surface LIKE '%Garabagh%') "
        "FROM mentions JOIN documents USING (doc_id) WHERE source_path LIKE '%/004_%'"
    )
    assert doc_surfaces[0][0] == 0 and doc_surfaces[0][1] > 0
    assert run.query("SELECT count(*) - count(DISTINCT (doc_id, position)) FROM paragraphs") == [
        (0,)
    ]


def test_critical_failure_leaves_warehouse_untouched_and_exit_code_says_so(
    prefect_server: None, tmp_path: Path
) -> None:
    raw_dir = copy_seed_articles(tmp_path / "articles")
    warehouse_dir = tmp_path / "warehouse"
    assert run_pipeline(raw_dir, warehouse_dir).exit_code == 0
    database = warehouse_dir / "news.duckdb"
    before = database.read_bytes()

    # A stricter contract that the samples break: every article must have a publication date.
    suites = suites_with(
        tmp_path / "suites",
        "documents",
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "published_date"},
            "severity": "critical",
            "meta": {"name": "published_date_required"},
        },
    )
    for path in raw_dir.glob("*.txt"):
        os.utime(path, ns=(2, 2))  # changed files: the run re-processes every article

    summary = run_pipeline(raw_dir, warehouse_dir, suites_dir=str(suites))
    assert summary.exit_code == 1
    assert summary.status == "failed_validation"
    assert "documents.published_date_required" in summary.critical_failures
    assert database.read_bytes() == before
    html = Path(summary.report_path).read_text(encoding="utf-8")
    assert "This run was not loaded" in html and "published_date_required" in html
    assert not any((warehouse_dir / "parquet" / "_staging").glob("*"))


def test_cli_sql_and_report_on_the_sample_warehouse(sample_run: PipelineRun) -> None:
    newsetl = [sys.executable, "-m", "flows"]
    result = subprocess.run(
        [
            *newsetl,
            "sql",
            "SELECT count(*) AS n FROM documents",
            "--warehouse",
            str(sample_run.warehouse_dir),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", "5"]
    report = subprocess.run(
        [*newsetl, "report", "--warehouse", str(sample_run.warehouse_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert report.returncode == 0
    assert report.stdout.strip().endswith("latest.html")
    bad = subprocess.run(
        [*newsetl, "sql", "SELEC nonsense", "--warehouse", str(sample_run.warehouse_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "query failed" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_run_on_a_missing_folder_says_why(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows",
            "run",
            "--raw-dir",
            str(tmp_path / "nope"),
            "--warehouse",
            str(tmp_path / "w"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


def test_bad_input_is_accounted_for_and_the_rest_loads(
    prefect_server: None, tmp_path: Path
) -> None:
    raw_dir = copy_seed_articles(tmp_path / "articles")
    sample = next(raw_dir.glob("000_*.txt")).read_text(encoding="utf-8")
    (raw_dir / "empty.txt").write_bytes(b"")
    (raw_dir / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04")
    (raw_dir / "cp1251.txt").write_bytes(
        "Министр иностранных дел России Сергей Лавров встретился с коллегой в Баку.".encode(
            "cp1251"
        )
    )
    (raw_dir / "utf16.txt").write_bytes(sample.encode("utf-16"))
    (raw_dir / "copy of 000 — Карабах.txt").write_text(sample, encoding="utf-8")
    (raw_dir / "feed.jsonl").write_text(
        '{"text": "Lavrov met Bayramov in Baku on Monday to discuss the peace process.", '
        '"outlet": "APA", "published": "2024-05-01"}\n{broken\n',
        encoding="utf-8",
    )
    (raw_dir / "chrome-only.txt").write_text("Leave a review\n\nFollow us on social networks\n")
    (raw_dir / "notes.pdf").write_bytes(b"%PDF-1.4")
    (raw_dir / "loop").symlink_to(raw_dir / "loop")
    (raw_dir / "huge.txt").write_bytes(b"x" * (50 * 1024 * 1024))
    sentence = "Lavrov met Bayramov in Baku and they discussed the peace treaty at length. "
    (raw_dir / "one-long-line.txt").write_text(sentence * 14_000, encoding="utf-8")
    (raw_dir / "turkish-cp1254.txt").write_bytes(
        "Dışişleri Bakanı Hakan Fidan, Bakü'de Azerbaycanlı mevkidaşı ile görüştü. "
        "Görüşmede Karabağ'daki son durum ve barış süreci ele alındı.".encode("cp1254")
    )
    (raw_dir / "latin1.txt").write_bytes(
        "Le ministre français a rencontré son homologue à Bakou, où les négociations "
        "sur la paix ont continué pendant deux jours.".encode("latin-1")
    )
    (raw_dir / "controls.txt").write_text(
        "Lavrov\u202e met Bayramov\x07 in Baku\u200b on Monday to discuss the peace process "
        "and the opening of transport links across the region.\r\n",
        encoding="utf-8",
    )
    (raw_dir / "page.html").write_text(
        "<html><head><title>Lavrov in Baku</title><script>alert(1)</script></head><body>"
        "<iframe src='https://ads.example/x'></iframe><article><h1>Lavrov in Baku</h1>"
        f"<p>{sample.splitlines()[0]}</p><p>{sample.splitlines()[2]}</p></article></body></html>",
        encoding="utf-8",
    )
    # A Latin-1 file name (not UTF-8): Python sees a lone surrogate, no table can store it.
    with open(os.fsencode(raw_dir) + b"/caf\xe9.txt", "w", encoding="utf-8") as handle:
        handle.write(sample)
    warehouse_dir = tmp_path / "warehouse"

    summary = run_pipeline(raw_dir, warehouse_dir)
    run = PipelineRun(raw_dir, warehouse_dir, summary)
    assert summary.exit_code == 0, summary.message
    files = {
        Path(str(p)).name: (s, r) for p, s, r in run.query("SELECT path, status, reason FROM files")
    }
    assert files["empty.txt"] == ("rejected", "empty_file")
    assert files["binary.txt"] == ("rejected", "binary_or_undecodable")
    assert files["cp1251.txt"][0] == "loaded"
    assert files["copy of 000 — Карабах.txt"] == ("duplicate", "duplicate_content")
    assert files["feed.jsonl"][0] == "loaded"
    assert files["chrome-only.txt"][0] == "rejected"
    assert files["notes.pdf"] == ("rejected", "unsupported_format")
    assert files["loop"] == ("rejected", "symlink_loop")
    # utf16.txt holds the same text as 000 but other bytes: a second article, not a duplicate.
    assert files["utf16.txt"][0] == "loaded"
    assert files["huge.txt"] == ("rejected", "too_large")
    assert files["caf\\xe9.txt"] == ("rejected", "undecodable_name")
    for name in (
        "one-long-line.txt",
        "turkish-cp1254.txt",
        "latin1.txt",
        "controls.txt",
        "page.html",
    ):
        assert files[name][0] == "loaded", (name, files[name])
    assert len(files) == 5 + 16
    texts = dict(
        run.query("SELECT regexp_extract(source_path, '[^/]+$'), clean_text FROM documents")
    )
    assert "Dışişleri Bakanı Hakan Fidan" in texts["turkish-cp1254.txt"]
    assert "ministre français a rencontré" in texts["latin1.txt"]
    assert "\u202e" not in texts["controls.txt"] and "\x07" not in texts["controls.txt"]
    assert "alert" not in texts["page.html"]
    languages = dict(
        run.query("SELECT regexp_extract(source_path, '[^/]+$'), language FROM documents")
    )
    assert languages["cp1251.txt"] == "ru"
    assert run.query(
        "SELECT outlet, published_date FROM documents WHERE source_path LIKE '%feed.jsonl'"
    ) == [("APA", dt.date(2024, 5, 1))]
    assert "malformed_json" in str(
        run.query("SELECT detail FROM files WHERE path LIKE '%feed.jsonl'")[0][0]
    )


def test_reading_batches_leaves_prefect_no_link_per_file(prefect_server: None) -> None:
    """Prefect keeps a link per top-level item of every task result until the flow ends: a
    task returning one item per file would make a run's memory grow with its file count."""
    from prefect import flow
    from prefect.context import FlowRunContext

    from flows.extract import read_manifest, scan_folder
    from flows.news_etl import as_is, read_files
    from flows.runtime import quiet_flow_run
    from tests.conftest import SEED_ARTICLES

    scans = list(scan_folder(SEED_ARTICLES.resolve(), {}))
    manifest = read_manifest(SEED_ARTICLES.resolve())

    @flow
    def read_three_batches() -> tuple[int, int]:
        for _ in range(3):
            batch = read_files(as_is(scans), as_is(manifest), 1 << 20)
        context = FlowRunContext.get()
        assert context is not None
        return len(batch.reads), len(context.run_results)

    with quiet_flow_run():
        files, links = read_three_batches()
    assert files == len(scans) == 5
    assert links <= 2 * 3  # the holder and its tuple, per batch


def test_a_load_out_of_its_memory_cap_fails_once_with_the_limit_named(
    prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running out of NEWSETL_LOAD_MEMORY_LIMIT is not I/O: the load is not retried (it would
    fail the same way), and the message says what to raise."""
    import flows.news_etl as etl
    from warehouse.loader import LoadOutOfMemory

    attempts = []
    real_load_run = etl.load_run

    def counted_load_run(*args: object, **kwargs: object) -> None:
        attempts.append(1)
        real_load_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(etl, "load_run", counted_load_run)
    monkeypatch.setenv("NEWSETL_LOAD_MEMORY_LIMIT", "1MB")
    raw_dir = copy_seed_articles(tmp_path / "articles")
    with pytest.raises(LoadOutOfMemory, match="NEWSETL_LOAD_MEMORY_LIMIT=1MB"):
        run_pipeline(raw_dir, tmp_path / "warehouse")
    assert len(attempts) == 1
