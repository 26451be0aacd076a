-- e-ID accounts of citizens and organisations, and how their holders authenticate.
-- Keep in step with ../postgres/0030_eid.sql: the queries are shared.

CREATE TABLE eid_account (
    id             BLOB PRIMARY KEY,
    person_id      BLOB NOT NULL UNIQUE,
    pin            TEXT NOT NULL UNIQUE,    -- the user name
    level          INTEGER NOT NULL,        -- 1 | 2
    state          TEXT NOT NULL,           -- pending | approved | active | locked | revoked
    phone          TEXT NOT NULL,
    password_hash  TEXT,                    -- Argon2id PHC string, set at activation
    passcode_hash  TEXT,                    -- Argon2id PHC string of the 6-digit passcode
    totp_secret    TEXT,                    -- base32
    totp_pending   TEXT,
    totp_last_step INTEGER,
    lock_by        TEXT,                    -- holder | officer | failures
    lock_reason    TEXT,
    lock_at        INTEGER,
    channel        TEXT NOT NULL,           -- counter | chip
    note           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    activated_at   INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX eid_account_state ON eid_account (state, created_at);

CREATE TABLE eid_session (
    token_digest TEXT PRIMARY KEY,
    id           BLOB NOT NULL UNIQUE,
    account_id   BLOB NOT NULL,
    csrf_token   TEXT NOT NULL,
    stage        TEXT NOT NULL,             -- second_factor | full
    methods      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT NOT NULL,
    device       TEXT NOT NULL
);
CREATE INDEX eid_session_account ON eid_session (account_id);

-- SMS codes, as salted digests.
CREATE TABLE eid_sms_code (
    id          BLOB PRIMARY KEY,
    account_id  BLOB NOT NULL,
    phone       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    salt        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    consumed_at INTEGER
);
CREATE INDEX eid_sms_code_account ON eid_sms_code (account_id, purpose, created_at);
CREATE INDEX eid_sms_code_phone ON eid_sms_code (phone, created_at);

-- Consecutive failures per PIN (whether or not it has an account) or per passcode.
CREATE TABLE eid_throttle (
    key             TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER,
    locked          BOOLEAN NOT NULL
);

CREATE TABLE eid_passkey (
    credential_id   BLOB PRIMARY KEY,
    account_id      BLOB NOT NULL,
    public_key_cose BLOB NOT NULL,
    algorithm       INTEGER NOT NULL,
    sign_count      INTEGER NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backup_state    BOOLEAN NOT NULL,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX eid_passkey_account ON eid_passkey (account_id);

CREATE TABLE eid_challenge (
    id          BLOB PRIMARY KEY,
    account_id  BLOB,
    purpose     TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER
);

-- Devices an account signed in from (a digest), to tell a risky sign-in.
CREATE TABLE eid_device (
    account_id   BLOB NOT NULL,
    fingerprint  TEXT NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, fingerprint)
);

CREATE TABLE eid_org (
    id                   BLOB PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    name_vi              TEXT NOT NULL,
    name_abbr            TEXT NOT NULL,
    name_foreign         TEXT NOT NULL,
    established          TEXT NOT NULL,
    head_office_unit     TEXT NOT NULL,
    head_office_detail   TEXT NOT NULL,
    tax_code             TEXT NOT NULL UNIQUE,
    legal_representative BLOB NOT NULL,
    created_at           INTEGER NOT NULL
);

CREATE TABLE eid_org_member (
    org_id     BLOB NOT NULL,
    account_id BLOB NOT NULL,
    role       TEXT NOT NULL,
    added_at   INTEGER NOT NULL,
    added_by   BLOB NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
CREATE INDEX eid_org_member_account ON eid_org_member (account_id);

-- Login history reads a person's authentication lines.
CREATE INDEX audit_log_person_action ON audit_log (person_id, action, at);
