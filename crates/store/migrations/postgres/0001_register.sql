-- The population register on PostgreSQL. Timestamps are microseconds since the Unix epoch (UTC),
-- dates are ISO text ('1990', '1990-05', '1990-05-14'), ids are UUIDs.
-- Keep in step with ../sqlite/0001_register.sql: the queries are shared.

CREATE TABLE person (
    id               uuid PRIMARY KEY,
    pin              TEXT NOT NULL UNIQUE,
    version          BIGINT NOT NULL,
    exists_from      TEXT NOT NULL,     -- first day the person's facts hold (the birth)
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    created_event_id uuid,
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

-- Name search: a GIN full-text index over search_text. 'simple' neither stems nor drops words;
-- folding already happened in Rust, so the same tokens match on both engines.
CREATE INDEX person_search ON person USING gin (to_tsvector('simple', search_text));

-- Every number ever reserved or issued; never deleted, so a number is never issued twice.
CREATE TABLE pin_registry (
    pin         TEXT PRIMARY KEY,
    person_id   uuid,
    state       TEXT NOT NULL,          -- reserved | active | cancelled
    reserved_at BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL
);
CREATE INDEX pin_registry_person ON pin_registry (person_id);

CREATE TABLE life_event (
    id             uuid PRIMARY KEY,
    kind           TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    actor_kind     TEXT NOT NULL,
    actor_id       uuid NOT NULL,
    actor_name     TEXT NOT NULL,
    legal_basis    TEXT NOT NULL,
    reason         TEXT NOT NULL,
    subjects       TEXT NOT NULL        -- JSON [[person id, role], ...]
);

-- One row per changed field: old and new value as JSON (to rebuild the record "as of" a date)
-- and as display text (for the history page).
CREATE TABLE person_change (
    id          uuid PRIMARY KEY,
    person_id   uuid NOT NULL,
    event_id    uuid NOT NULL,
    version     BIGINT NOT NULL,       -- the version this change produced
    field       TEXT NOT NULL,
    old_json    TEXT NOT NULL,
    new_json    TEXT NOT NULL,
    old_text    TEXT NOT NULL,
    new_text    TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX person_change_person ON person_change (person_id, version);

CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    uuid NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    person_id   uuid,
    fields      TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    event_id    uuid,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log (person_id, at);

CREATE TABLE adjudication_case (
    id            uuid PRIMARY KEY,
    created_at    BIGINT NOT NULL,
    created_by    TEXT NOT NULL,        -- JSON actor
    status        TEXT NOT NULL,
    duplicate_key TEXT NOT NULL,
    candidate     TEXT NOT NULL,        -- JSON (codec.rs)
    matches       TEXT NOT NULL,        -- JSON [person id, ...]
    juris         TEXT NOT NULL,        -- JSON {communes: [...], provinces: [...]}
    decided_by    TEXT,
    decided_at    BIGINT,
    decision_note TEXT NOT NULL,
    person_id     uuid,
    source_line   BIGINT
);
CREATE INDEX adjudication_case_status ON adjudication_case (status, created_at);

CREATE TABLE officer (
    id            uuid PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);

CREATE TABLE officer_session (
    token_digest TEXT PRIMARY KEY,
    officer_id   uuid NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX officer_session_officer ON officer_session (officer_id);

CREATE TABLE api_client (
    id           uuid PRIMARY KEY,
    name         TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,         -- space-separated
    jurisdiction TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
