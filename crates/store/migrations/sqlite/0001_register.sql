-- The population register on SQLite. Timestamps are microseconds since the Unix epoch (UTC),
-- dates are ISO text ('1990', '1990-05', '1990-05-14'), ids are 16-byte UUIDs.
-- Keep in step with ../postgres/0001_register.sql: the queries are shared.

CREATE TABLE person (
    id               BLOB PRIMARY KEY,
    pin              TEXT NOT NULL UNIQUE,
    version          INTEGER NOT NULL,
    exists_from      TEXT NOT NULL,     -- first day the person's facts hold (the birth)
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    created_event_id BLOB,
    name             TEXT NOT NULL,
    name_folded      TEXT NOT NULL,
    dob              TEXT NOT NULL,
    sex              TEXT NOT NULL,
    status           TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL,
    search_text      TEXT NOT NULL,     -- folded name words and filter tokens (see search.rs)
    doc              TEXT NOT NULL      -- the whole record as JSON (see codec.rs)
);
CREATE INDEX person_dedupe ON person (dedupe_key);

-- Name search: an external-content FTS5 index over search_text, kept in step by triggers.
CREATE VIRTUAL TABLE person_fts USING fts5(
    search_text, content = 'person', content_rowid = 'rowid', tokenize = 'ascii', prefix = '2 3'
);
CREATE TRIGGER person_fts_insert AFTER INSERT ON person BEGIN
    INSERT INTO person_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER person_fts_delete AFTER DELETE ON person BEGIN
    INSERT INTO person_fts (person_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER person_fts_update AFTER UPDATE OF search_text ON person BEGIN
    INSERT INTO person_fts (person_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO person_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

-- Every number ever reserved or issued; never deleted, so a number is never issued twice.
CREATE TABLE pin_registry (
    pin         TEXT PRIMARY KEY,
    person_id   BLOB,
    state       TEXT NOT NULL,          -- reserved | active | cancelled
    reserved_at INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
);
CREATE INDEX pin_registry_person ON pin_registry (person_id);

CREATE TABLE life_event (
    id             BLOB PRIMARY KEY,
    kind           TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL,
    actor_kind     TEXT NOT NULL,
    actor_id       BLOB NOT NULL,
    actor_name     TEXT NOT NULL,
    legal_basis    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    subjects       TEXT NOT NULL        -- JSON [[person id, role], ...]
);

-- One row per changed field: old and new value as JSON (to rebuild the record "as of" a date)
-- and as display text (for the history page).
CREATE TABLE person_change (
    id          BLOB PRIMARY KEY,
    person_id   BLOB NOT NULL,
    event_id    BLOB NOT NULL,
    version     INTEGER NOT NULL,       -- the version this change produced
    field       TEXT NOT NULL,
    old_json    TEXT NOT NULL,
    new_json    TEXT NOT NULL,
    old_text    TEXT NOT NULL,
    new_text    TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX person_change_person ON person_change (person_id, version);

CREATE TABLE audit_log (
    id          BLOB PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    BLOB NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    person_id   BLOB,
    fields      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    event_id    BLOB,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log (person_id, at);

CREATE TABLE adjudication_case (
    id            BLOB PRIMARY KEY,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,        -- JSON actor
    status        TEXT NOT NULL,
    duplicate_key TEXT NOT NULL,
    candidate     TEXT NOT NULL,        -- JSON (codec.rs)
    matches       TEXT NOT NULL,        -- JSON [person id, ...]
    juris         TEXT NOT NULL,        -- JSON {communes: [...], provinces: [...]}
    decided_by    TEXT,
    decided_at    INTEGER,
    decision_note TEXT NOT NULL,
    person_id     BLOB,
    source_line   INTEGER
);
CREATE INDEX adjudication_case_status ON adjudication_case (status, created_at);

CREATE TABLE officer (
    id            BLOB PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL
);

CREATE TABLE officer_session (
    token_digest TEXT PRIMARY KEY,
    officer_id   BLOB NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX officer_session_officer ON officer_session (officer_id);

CREATE TABLE api_client (
    id           BLOB PRIMARY KEY,
    name         TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,         -- space-separated
    jurisdiction TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
