-- The warehouse schema as released with schema version 1 (frozen: migration tests start here).
CREATE TABLE warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR);
INSERT INTO warehouse_meta VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS files (
    "path" VARCHAR NOT NULL,
    "sha256" VARCHAR,
    "size_bytes" BIGINT,
    "mtime_ns" BIGINT,
    "source_format" VARCHAR,
    "encoding" VARCHAR,
    "status" VARCHAR NOT NULL,
    "reason" VARCHAR,
    "detail" VARCHAR,
    "article_count" INTEGER,
    "duplicate_of" VARCHAR,
    "run_id" VARCHAR NOT NULL,
    PRIMARY KEY ("path")
);
CREATE TABLE IF NOT EXISTS documents (
    "doc_id" VARCHAR NOT NULL,
    "source_path" VARCHAR NOT NULL,
    "record_key" VARCHAR NOT NULL,
    "source_format" VARCHAR,
    "url" VARCHAR,
    "outlet" VARCHAR,
    "published_date" DATE,
    "dateline_place" VARCHAR,
    "title" VARCHAR,
    "author" VARCHAR,
    "language" VARCHAR NOT NULL,
    "language_confidence" DOUBLE,
    "language_shares" STRUCT(lang VARCHAR, share DOUBLE)[],
    "raw_text" VARCHAR NOT NULL,
    "clean_text" VARCHAR NOT NULL,
    "normalized_text" VARCHAR NOT NULL,
    "quality_flags" VARCHAR[],
    "paragraph_count" INTEGER,
    "removed_paragraph_count" INTEGER,
    "removed_char_share" DOUBLE,
    "mention_count" INTEGER,
    "run_id" VARCHAR NOT NULL,
    PRIMARY KEY ("doc_id")
);
CREATE TABLE IF NOT EXISTS paragraphs (
    "doc_id" VARCHAR NOT NULL,
    "position" INTEGER NOT NULL,
    "text" VARCHAR NOT NULL,
    "start" INTEGER,
    "end" INTEGER,
    "language" VARCHAR NOT NULL,
    "language_confidence" DOUBLE,
    "is_boilerplate" BOOLEAN NOT NULL,
    "reason" VARCHAR NOT NULL,
    PRIMARY KEY ("doc_id", "position")
);
CREATE TABLE IF NOT EXISTS mentions (
    "doc_id" VARCHAR NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "entity_id" VARCHAR NOT NULL,
    "canonical" VARCHAR NOT NULL,
    "surface" VARCHAR NOT NULL,
    "match_kind" VARCHAR NOT NULL,
    "text_field" VARCHAR NOT NULL,
    PRIMARY KEY ("doc_id", "start")
);
CREATE TABLE IF NOT EXISTS name_candidate_occurrences (
    "doc_id" VARCHAR NOT NULL,
    "surface" VARCHAR NOT NULL,
    "resembles_entity_id" VARCHAR NOT NULL,
    "resembles_canonical" VARCHAR NOT NULL,
    "score" DOUBLE,
    "context" VARCHAR,
    PRIMARY KEY ("doc_id", "surface")
);
CREATE TABLE IF NOT EXISTS entities (
    "entity_id" VARCHAR NOT NULL,
    "entity_type" VARCHAR NOT NULL,
    "canonical" VARCHAR NOT NULL,
    "contested_with" VARCHAR,
    "alias_count" INTEGER,
    PRIMARY KEY ("entity_id")
);
CREATE TABLE IF NOT EXISTS runs (
    "run_id" VARCHAR NOT NULL,
    "flow_run_id" VARCHAR,
    "started_at" TIMESTAMPTZ,
    "finished_at" TIMESTAMPTZ,
    "status" VARCHAR NOT NULL,
    "raw_dir" VARCHAR,
    "files_seen" BIGINT,
    "files_processed" BIGINT,
    "files_unchanged" BIGINT,
    "files_rejected" BIGINT,
    "articles_loaded" BIGINT,
    "articles_rejected" BIGINT,
    "paragraphs_removed" BIGINT,
    "mentions_found" BIGINT,
    "expectations_passed" BIGINT,
    "expectations_failed" BIGINT,
    "counts_json" VARCHAR,
    "report_path" VARCHAR,
    PRIMARY KEY ("run_id")
);
CREATE TABLE IF NOT EXISTS validations (
    "run_id" VARCHAR NOT NULL,
    "table_name" VARCHAR NOT NULL,
    "expectation" VARCHAR NOT NULL,
    "expectation_type" VARCHAR,
    "column_name" VARCHAR,
    "severity" VARCHAR NOT NULL,
    "success" BOOLEAN NOT NULL,
    "element_count" BIGINT,
    "unexpected_count" BIGINT,
    "details" VARCHAR,
    PRIMARY KEY ("run_id", "table_name", "expectation")
);
CREATE VIEW name_candidates AS SELECT surface, any_value(resembles_entity_id) AS resembles_entity_id, any_value(resembles_canonical) AS resembles_canonical, max(score) AS score, count(*) AS occurrences, count(DISTINCT doc_id) AS document_count, any_value(context) AS example FROM name_candidate_occurrences WHERE surface NOT IN (SELECT DISTINCT surface FROM mentions) GROUP BY surface;
CREATE VIEW mention_counts AS SELECT m.entity_id, m.canonical, d.outlet, date_trunc('month', d.published_date) AS month, count(*) AS mentions, count(DISTINCT m.doc_id) AS documents FROM mentions m JOIN documents d USING (doc_id) GROUP BY ALL;
CREATE VIEW surface_forms AS SELECT m.entity_id, m.canonical, m.surface, d.outlet, count(*) AS mentions FROM mentions m JOIN documents d USING (doc_id) GROUP BY ALL;
INSERT INTO files (path, sha256, size_bytes, mtime_ns, source_format, encoding, status, article_count, run_id) VALUES ('/old/raw/a.txt', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 120, 1, 'txt', 'utf-8', 'loaded', 1, 'v1run');
INSERT INTO documents (doc_id, source_path, record_key, source_format, outlet, language, language_confidence, raw_text, clean_text, normalized_text, quality_flags, run_id) VALUES ('0123456789abcdef', '/old/raw/a.txt', '', 'txt', 'Turan', 'en', 0.99, 'Lavrov visited Garabagh.', 'Lavrov visited Garabagh.', 'Sergey Lavrov visited Karabakh.', ['no_date'], 'v1run');
INSERT INTO paragraphs VALUES ('0123456789abcdef', 0, 'Lavrov visited Garabagh.', 0, 24, 'en', 0.99, false, 'body');
INSERT INTO mentions VALUES ('0123456789abcdef', 0, 6, 'per_sergey_lavrov', 'Sergey Lavrov', 'Lavrov', 'exact', 'clean_text');
INSERT INTO runs (run_id, status, articles_loaded) VALUES ('v1run', 'loaded', 1);
INSERT INTO validations (run_id, table_name, expectation, severity, success) VALUES ('v1run', 'documents', 'doc_id_unique', 'critical', true);
