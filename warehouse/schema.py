"""The warehouse's tables: grain, key and columns, declared once.

The Arrow schemas (Parquet parts) and the DuckDB DDL are both derived from ``TABLES``, so the two
cannot drift apart. Table and column names marked stable in ARCHITECTURE.md only ever grow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

#: Bumped whenever the DDL changes; ``warehouse.loader.migrate`` brings an older warehouse up
#: to it (see the README's migration notes).
SCHEMA_VERSION = 3


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    arrow: pa.DataType
    sql: str
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    #: Whether DuckDB enforces ``key`` with a primary-key index. Not for the tables with a
    #: row per paragraph or mention: DuckDB keeps a primary key's index in memory while
    #: loading, and theirs grow with the archive (131 MB at 100,000 articles, past the load's
    #: 256 MB cap well before a million). Their key holds without one: the suite's critical
    #: ``key_unique`` refuses a batch that repeats it, and the load replaces a file's
    #: documents whole (``doc_id`` comes from the file's path).
    indexed_key: bool = True

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow, nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        columns = ",\n    ".join(
            f'"{c.name}" {c.sql}{"" if c.nullable else " NOT NULL"}' for c in self.columns
        )
        key = ", ".join(f'"{k}"' for k in self.key)
        primary_key = f",\n    PRIMARY KEY ({key})" if self.indexed_key else ""
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n    {columns}{primary_key}\n)"


_STR = pa.string()
_SHARES = pa.list_(pa.struct([("lang", pa.string()), ("share", pa.float64())]))

FILES = Table(
    "files",
    grain="one row per input file ever seen",
    key=("path",),
    columns=(
        Column("path", _STR, "VARCHAR", nullable=False),
        Column("sha256", _STR, "VARCHAR"),
        Column("size_bytes", pa.int64(), "BIGINT"),
        Column("mtime_ns", pa.int64(), "BIGINT"),
        Column("source_format", _STR, "VARCHAR"),
        Column("encoding", _STR, "VARCHAR"),
        Column("status", _STR, "VARCHAR", nullable=False),
        Column("reason", _STR, "VARCHAR"),
        Column("detail", _STR, "VARCHAR"),
        Column("article_count", pa.int32(), "INTEGER"),
        Column("duplicate_of", _STR, "VARCHAR"),
        Column("run_id", _STR, "VARCHAR", nullable=False),
    ),
)

DOCUMENTS = Table(
    "documents",
    grain="one row per article (latest version)",
    key=("doc_id",),
    columns=(
        Column("doc_id", _STR, "VARCHAR", nullable=False),
        Column("source_path", _STR, "VARCHAR", nullable=False),
        Column("record_key", _STR, "VARCHAR", nullable=False),
        Column("source_format", _STR, "VARCHAR"),
        Column("url", _STR, "VARCHAR"),
        Column("outlet", _STR, "VARCHAR"),
        Column("published_date", pa.date32(), "DATE"),
        Column("dateline_place", _STR, "VARCHAR"),
        Column("title", _STR, "VARCHAR"),
        Column("author", _STR, "VARCHAR"),
        Column("language", _STR, "VARCHAR", nullable=False),
        Column("language_confidence", pa.float64(), "DOUBLE"),
        Column("language_shares", _SHARES, "STRUCT(lang VARCHAR, share DOUBLE)[]"),
        Column("raw_text", _STR, "VARCHAR", nullable=False),
        Column("clean_text", _STR, "VARCHAR", nullable=False),
        Column("normalized_text", _STR, "VARCHAR", nullable=False),
        Column("quality_flags", pa.list_(pa.string()), "VARCHAR[]"),
        Column("quality_notes", pa.list_(pa.string()), "VARCHAR[]"),
        Column("paragraph_count", pa.int32(), "INTEGER"),
        Column("removed_paragraph_count", pa.int32(), "INTEGER"),
        Column("removed_char_share", pa.float64(), "DOUBLE"),
        Column("mention_count", pa.int32(), "INTEGER"),
        Column("run_id", _STR, "VARCHAR", nullable=False),
    ),
)

PARAGRAPHS = Table(
    "paragraphs",
    grain="one row per paragraph or line of an article's raw text, kept or removed",
    key=("doc_id", "position"),
    indexed_key=False,
    columns=(
        Column("doc_id", _STR, "VARCHAR", nullable=False),
        Column("position", pa.int32(), "INTEGER", nullable=False),
        Column("text", _STR, "VARCHAR", nullable=False),
        Column("start", pa.int32(), "INTEGER"),
        Column("end", pa.int32(), "INTEGER"),
        Column("language", _STR, "VARCHAR", nullable=False),
        Column("language_confidence", pa.float64(), "DOUBLE"),
        Column("is_boilerplate", pa.bool_(), "BOOLEAN", nullable=False),
        Column("reason", _STR, "VARCHAR", nullable=False),
        Column("line_key", _STR, "VARCHAR"),
    ),
)

MENTIONS = Table(
    "mentions",
    grain="one row per occurrence of a known entity in an article",
    key=("doc_id", "start"),
    indexed_key=False,
    columns=(
        Column("doc_id", _STR, "VARCHAR", nullable=False),
        Column("start", pa.int32(), "INTEGER", nullable=False),
        Column("end", pa.int32(), "INTEGER", nullable=False),
        Column("entity_id", _STR, "VARCHAR", nullable=False),
        Column("canonical", _STR, "VARCHAR", nullable=False),
        Column("surface", _STR, "VARCHAR", nullable=False),
        Column("match_kind", _STR, "VARCHAR", nullable=False),
        Column("text_field", _STR, "VARCHAR", nullable=False),
    ),
)

ENTITIES = Table(
    "entities",
    grain="one row per entity of seeds/aliases.csv",
    key=("entity_id",),
    columns=(
        Column("entity_id", _STR, "VARCHAR", nullable=False),
        Column("entity_type", _STR, "VARCHAR", nullable=False),
        Column("canonical", _STR, "VARCHAR", nullable=False),
        Column("contested_with", _STR, "VARCHAR"),
        Column("alias_count", pa.int32(), "INTEGER"),
    ),
)

CANDIDATE_OCCURRENCES = Table(
    "name_candidate_occurrences",
    grain="one row per occurrence of an unknown spelling that looks like a known entity",
    key=("doc_id", "surface"),
    columns=(
        Column("doc_id", _STR, "VARCHAR", nullable=False),
        Column("surface", _STR, "VARCHAR", nullable=False),
        Column("resembles_entity_id", _STR, "VARCHAR", nullable=False),
        Column("resembles_canonical", _STR, "VARCHAR", nullable=False),
        Column("score", pa.float64(), "DOUBLE"),
        Column("context", _STR, "VARCHAR"),
    ),
)

RUNS = Table(
    "runs",
    grain="one row per flow run that loaded",
    key=("run_id",),
    columns=(
        Column("run_id", _STR, "VARCHAR", nullable=False),
        Column("flow_run_id", _STR, "VARCHAR"),
        Column("started_at", pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ"),
        Column("finished_at", pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ"),
        Column("status", _STR, "VARCHAR", nullable=False),
        Column("raw_dir", _STR, "VARCHAR"),
        Column("files_seen", pa.int64(), "BIGINT"),
        Column("files_processed", pa.int64(), "BIGINT"),
        Column("files_unchanged", pa.int64(), "BIGINT"),
        Column("files_rejected", pa.int64(), "BIGINT"),
        Column("articles_loaded", pa.int64(), "BIGINT"),
        Column("articles_rejected", pa.int64(), "BIGINT"),
        Column("paragraphs_removed", pa.int64(), "BIGINT"),
        Column("mentions_found", pa.int64(), "BIGINT"),
        Column("expectations_passed", pa.int64(), "BIGINT"),
        Column("expectations_failed", pa.int64(), "BIGINT"),
        Column("counts_json", _STR, "VARCHAR"),
        Column("report_path", _STR, "VARCHAR"),
    ),
)

VALIDATIONS = Table(
    "validations",
    grain="one row per expectation per table per run",
    key=("run_id", "table_name", "expectation"),
    columns=(
        Column("run_id", _STR, "VARCHAR", nullable=False),
        Column("table_name", _STR, "VARCHAR", nullable=False),
        Column("expectation", _STR, "VARCHAR", nullable=False),
        Column("expectation_type", _STR, "VARCHAR"),
        Column("column_name", _STR, "VARCHAR"),
        Column("severity", _STR, "VARCHAR", nullable=False),
        Column("success", pa.bool_(), "BOOLEAN", nullable=False),
        Column("element_count", pa.int64(), "BIGINT"),
        Column("unexpected_count", pa.int64(), "BIGINT"),
        Column("details", _STR, "VARCHAR"),
        # What the failure did: "stopped_load", "quarantined" (rows moved to rejects), "flagged".
        Column("action", _STR, "VARCHAR"),
    ),
)

REJECTS = Table(
    "rejects",
    grain="one row per article or record a run refused, and why",
    key=("run_id", "source_path", "record_key", "reason"),
    columns=(
        Column("run_id", _STR, "VARCHAR", nullable=False),
        Column("source_path", _STR, "VARCHAR", nullable=False),
        Column("record_key", _STR, "VARCHAR", nullable=False),
        Column("doc_id", _STR, "VARCHAR"),
        Column("stage", _STR, "VARCHAR", nullable=False),  # "transform" | "validation"
        Column("reason", _STR, "VARCHAR", nullable=False),
        Column("detail", _STR, "VARCHAR"),
    ),
)

OUTLET_CHROME = Table(
    "outlet_chrome",
    grain="one row per short line that recurs on many pages of one outlet (learned)",
    key=("outlet", "line_key"),
    columns=(
        Column("outlet", _STR, "VARCHAR", nullable=False),
        Column("line_key", _STR, "VARCHAR", nullable=False),
        Column("page_count", pa.int64(), "BIGINT", nullable=False),
        Column("outlet_pages", pa.int64(), "BIGINT", nullable=False),
        Column("run_id", _STR, "VARCHAR", nullable=False),
    ),
)

#: Learning outlet chrome: at least this many pages of an outlet, and a line on this share.
CHROME_MIN_PAGES = 5
CHROME_MIN_SHARE = 0.3
LEARN_OUTLET_CHROME = f"""
    WITH outlet_pages AS (
        SELECT outlet, count(*) AS pages FROM documents
        WHERE outlet IS NOT NULL GROUP BY outlet HAVING count(*) >= {CHROME_MIN_PAGES}
    ),
    line_pages AS (
        SELECT d.outlet, p.line_key, count(DISTINCT p.doc_id) AS pages
        FROM paragraphs p JOIN documents d USING (doc_id)
        WHERE p.line_key IS NOT NULL AND d.outlet IS NOT NULL
        GROUP BY ALL
    )
    SELECT l.outlet, l.line_key, l.pages, o.pages, ?
    FROM line_pages l JOIN outlet_pages o USING (outlet)
    WHERE l.pages >= greatest({CHROME_MIN_SHARE} * o.pages, 2)
"""

#: Tables whose rows a run produces per article batch (staged as Parquet, validated, loaded).
ARTICLE_TABLES = (DOCUMENTS, PARAGRAPHS, MENTIONS, CANDIDATE_OCCURRENCES)
TABLES = (FILES, *ARTICLE_TABLES, REJECTS, OUTLET_CHROME, ENTITIES, RUNS, VALIDATIONS)
TABLES_BY_NAME = {t.name: t for t in TABLES}

VIEWS = {
    "name_candidates": """
        SELECT surface,
               any_value(resembles_entity_id) AS resembles_entity_id,
               any_value(resembles_canonical) AS resembles_canonical,
               max(score) AS score,
               count(*) AS occurrences,
               count(DISTINCT doc_id) AS document_count,
               any_value(context) AS example
        FROM name_candidate_occurrences
        WHERE surface NOT IN (SELECT DISTINCT surface FROM mentions)
        GROUP BY surface
    """,
    "mention_counts": """
        SELECT m.entity_id, m.canonical, d.outlet,
               date_trunc('month', d.published_date) AS month,
               count(*) AS mentions, count(DISTINCT m.doc_id) AS documents
        FROM mentions m JOIN documents d USING (doc_id)
        GROUP BY ALL
    """,
    "surface_forms": """
        SELECT m.entity_id, m.canonical, m.surface, d.outlet, count(*) AS mentions
        FROM mentions m JOIN documents d USING (doc_id)
        GROUP BY ALL
    """,
}


def describe_markdown() -> str:
    """The table reference of ``warehouse/README.md``, generated so it cannot drift."""
    lines = [
        "<!-- generated by `python -m warehouse.schema`; do not edit by hand -->",
        "# Warehouse tables",
        "",
        f"Schema version {SCHEMA_VERSION}. Keys are enforced as DuckDB primary keys, except "
        "where a table says otherwise; every table has a Great Expectations suite of the same "
        "name in `expectations/` (where the table holds pipeline output).",
        "",
    ]
    for table in TABLES:
        lines += [
            f"## `{table.name}`",
            "",
            f"- grain: {table.grain}",
            f"- key: `{', '.join(table.key)}`"
            + (
                ""
                if table.indexed_key
                else " (not a DuckDB primary key: its index would grow with the archive in "
                "the load's memory; the suite's `key_unique` and the load, which replaces a "
                "file's documents whole, keep it)"
            ),
            "",
            "| column | type | null |",
            "|---|---|---|",
            *(f"| `{c.name}` | {c.sql} | {'yes' if c.nullable else 'no'} |" for c in table.columns),
            "",
        ]
    lines += ["## Views", ""]
    for name, query in VIEWS.items():
        lines += [f"### `{name}`", "", "```sql", " ".join(query.split()), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe_markdown(), end="")
