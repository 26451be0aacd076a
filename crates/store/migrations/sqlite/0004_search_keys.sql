-- Name search through word-combination keys in a B-tree (see src/search.rs), replacing FTS5:
-- an FTS5 query intersects the posting lists of every word, and a common surname's list holds a
-- third of the population. A key of one, two or three folded words is selective by itself, so a
-- search reads one short key range. The keys are filled by the store (SqlStore::migrate
-- backfills a register that predates this table; the `store_step` marker records it).
DROP TRIGGER person_fts_insert;
DROP TRIGGER person_fts_delete;
DROP TRIGGER person_fts_update;
DROP TABLE person_fts;

CREATE TABLE person_search_key (
    skey      TEXT NOT NULL,
    person_id BLOB NOT NULL,
    yob       INTEGER NOT NULL,
    sex       TEXT NOT NULL,
    PRIMARY KEY (skey, person_id)
) WITHOUT ROWID;
CREATE INDEX person_search_key_person ON person_search_key (person_id);

-- One-off data steps of the store that SQL alone cannot do (done when the row exists).
CREATE TABLE store_step (
    name    TEXT PRIMARY KEY,
    done_at INTEGER NOT NULL
);
