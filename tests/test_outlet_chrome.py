"""Outlet chrome: a line an outlet prints on many of its pages is learned into the warehouse
and removed from that outlet's later articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PipelineRun, run_pipeline

pytestmark = pytest.mark.e2e

PROMO = "Our editorial team thanks every reader for the trust and for staying with Trend today."
BODIES = [
    "Azerbaijan and Armenia continued talks on the peace treaty in Washington on Monday, and "
    "both delegations said the text of the agreement is now almost agreed.",
    "The Ministry of Economy of Azerbaijan said that trade with Georgia grew by twelve percent "
    "in the first nine months of the year, led by exports of food products.",
    "Georgia's parliament adopted the budget for next year after a long debate in which the "
    "opposition criticised the spending on infrastructure and defence.",
    "Russian Foreign Minister Sergey Lavrov said in Moscow that Russia is ready to host a new "
    "round of consultations on the opening of transport links in the region.",
    "The Central Bank of Azerbaijan kept its refinancing rate unchanged, citing stable inflation "
    "and the outlook for oil prices in the coming months.",
    "Kazakhstan and Azerbaijan signed an agreement on the transit of oil through the Baku "
    "Tbilisi Ceyhan pipeline, officials said after the meeting in Astana.",
]


def _write(folder: Path, names: range) -> None:
    folder.mkdir(exist_ok=True)
    with (folder / "manifest.csv").open("a", encoding="utf-8") as manifest:
        if manifest.tell() == 0:
            manifest.write("file,outlet\n")
        for number in names:
            body = BODIES[number % len(BODIES)] + f" Report {number} was updated in the evening."
            (folder / f"trend-{number}.txt").write_text(f"{body}\n\n{PROMO}\n", encoding="utf-8")
            manifest.write(f"trend-{number}.txt,Trend\n")


def test_recurring_outlet_lines_are_learned_and_removed(
    prefect_server: None, tmp_path: Path
) -> None:
    raw_dir = tmp_path / "articles"
    _write(raw_dir, range(6))
    warehouse_dir = tmp_path / "warehouse"
    run = PipelineRun(raw_dir, warehouse_dir, run_pipeline(raw_dir, warehouse_dir))
    learned = run.query(
        "SELECT outlet, page_count FROM outlet_chrome WHERE line_key LIKE 'our editorial team%'"
    )
    assert learned == [("Trend", 6)]

    _write(raw_dir, range(6, 7))
    assert run_pipeline(raw_dir, warehouse_dir).exit_code == 0
    new = run.query(
        "SELECT p.is_boilerplate, p.reason FROM paragraphs p JOIN documents d USING (doc_id) "
        "WHERE d.source_path LIKE '%trend-6.txt' AND p.text = ?",
        [PROMO],
    )
    assert new == [(True, "outlet_chrome")]
    assert PROMO not in str(
        run.query("SELECT clean_text FROM documents WHERE source_path LIKE '%trend-6.txt'")[0][0]
    )
