-- Name search through word-combination keys in a B-tree (see src/search.rs), replacing the GIN
-- full-text index: a GIN query intersects the posting lists of every word, and a common
-- surname's list holds a third of the population. A key of one, two or three folded words is
-- selective by itself, so a search reads one short key range, index only (yob and sex are
-- included so filters need no heap fetch). "C" collation: byte order, for prefix ranges.
-- The keys are filled by the store (SqlStore::migrate backfills a register that predates this
-- table; the `store_step` marker records it).
DROP INDEX person_search_tsv;
ALTER TABLE person DROP COLUMN search_tsv;

CREATE TABLE person_search_key (
    skey      TEXT COLLATE "C" NOT NULL,
    person_id UUID NOT NULL,
    yob       INTEGER NOT NULL,
    sex       TEXT NOT NULL,
    PRIMARY KEY (skey, person_id) INCLUDE (yob, sex)
);
CREATE INDEX person_search_key_person ON person_search_key (person_id);

-- One-off data steps of the store that SQL alone cannot do (done when the row exists).
CREATE TABLE store_step (
    name    TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
