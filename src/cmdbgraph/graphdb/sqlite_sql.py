"""SQL of the embedded store: schema and statements as named constants. Values are always
bound parameters; no statement is ever built from input."""

from typing import Final

SCHEMA_VERSION: Final = "1"

PRAGMAS: Final = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA cache_size=-65536",  # 64 MiB page cache: bulk writes touch many B-tree pages
    "PRAGMA temp_store=MEMORY",
)

CREATE_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- current state: one row per live CI / relationship, pointing at the history entry that
-- holds its document (so each document is stored once)
CREATE TABLE IF NOT EXISTS ci (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rel (
    source TEXT NOT NULL,
    type   TEXT NOT NULL,
    target TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    seq    INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    entity TEXT NOT NULL CHECK (entity IN ('ci', 'relationship')),
    a      TEXT NOT NULL,
    t      TEXT,
    b      TEXT,
    op     TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    before TEXT,
    after  TEXT
);
CREATE INDEX IF NOT EXISTS history_a ON history (a);
CREATE INDEX IF NOT EXISTS history_b ON history (b) WHERE b IS NOT NULL;
"""

GET_META: Final = "SELECT value FROM meta WHERE key = ?"
SET_META: Final = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"

SELECT_CI_DOCS: Final = "SELECT h.after FROM ci JOIN history AS h ON h.seq = ci.seq"
SELECT_REL_DOCS: Final = (
    "SELECT rel.source, rel.type, rel.target, h.after FROM rel JOIN history AS h ON h.seq = rel.seq"
)

UPSERT_CI: Final = (
    "INSERT INTO ci (id, kind, seq) VALUES (?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, seq = excluded.seq"
)
DELETE_CI: Final = "DELETE FROM ci WHERE id = ?"
UPSERT_REL: Final = (
    "INSERT INTO rel (source, type, target, seq) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (source, type, target) DO UPDATE SET seq = excluded.seq"
)
DELETE_REL: Final = "DELETE FROM rel WHERE source = ? AND type = ? AND target = ?"

INSERT_HISTORY: Final = (
    "INSERT INTO history (seq, at, actor, entity, a, t, b, op, before, after) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
LAST_SEQ: Final = "SELECT coalesce(max(seq), 0) FROM history"
LAST_AT: Final = "SELECT at FROM history ORDER BY seq DESC LIMIT 1"
DATA_VERSION: Final = "PRAGMA data_version"

SELECT_CHANGES_SINCE: Final = (
    "SELECT seq, at, actor, entity, a, t, b, op, before, after FROM history "
    "WHERE seq > ? ORDER BY seq LIMIT ?"
)
SELECT_HISTORY_OF: Final = (
    "SELECT seq, at, actor, entity, a, t, b, op, before, after FROM history "
    "WHERE a = ? OR b = ? ORDER BY seq DESC LIMIT ?"
)
SELECT_EVER_EXISTED: Final = "SELECT 1 FROM history WHERE entity = 'ci' AND a = ? LIMIT 1"
SEQ_AT_OR_BEFORE: Final = "SELECT coalesce(max(seq), 0) FROM history WHERE at <= ?"
SELECT_STATE_AT: Final = """
SELECT h.entity, h.op, h.a, h.t, h.b, h.after FROM history AS h
JOIN (
    SELECT max(seq) AS seq FROM history WHERE seq <= ? GROUP BY entity, a, t, b
) AS last ON last.seq = h.seq
ORDER BY h.entity, h.seq
"""
