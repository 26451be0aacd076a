-- A stored tsvector: the GIN index's recheck reads it instead of re-parsing search_text for
-- every candidate row, which dominated name searches on common surnames.
ALTER TABLE person ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX person_search_tsv ON person USING gin (search_tsv);
DROP INDEX person_search;
