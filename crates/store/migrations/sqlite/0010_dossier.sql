-- Dossiers of administrative procedures (the workflow engine in app/src/workflow.rs): one row
-- per dossier with its current state, the people it concerns, and a log line per step.
-- Keep in step with ../postgres/0010_dossier.sql: the queries are shared.

CREATE TABLE dossier (
    id            BLOB PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,  -- printed on the applicant's receipt
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    is_open       BOOLEAN NOT NULL,      -- status is not terminal
    unit          TEXT NOT NULL,         -- handling commune, '2025:26743'
    unit_commune  TEXT NOT NULL,
    unit_province TEXT NOT NULL,
    subjects      TEXT NOT NULL,         -- JSON [{person_id, pin, name, role}]
    applicant     TEXT NOT NULL,         -- JSON
    form          TEXT NOT NULL,         -- JSON owned by the kind
    assignee_id   BLOB,
    assignee      TEXT,                  -- JSON actor
    received_at   INTEGER NOT NULL,
    deadline      TEXT,                  -- ISO date; NULL while paused
    note          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX dossier_commune ON dossier (unit_commune, received_at);
CREATE INDEX dossier_province ON dossier (unit_province, received_at);
CREATE INDEX dossier_received ON dossier (received_at);
CREATE INDEX dossier_deadline ON dossier (is_open, deadline);

-- Who a dossier is about, for "the dossiers of this person".
CREATE TABLE dossier_subject (
    dossier_id BLOB NOT NULL,
    person_id  BLOB NOT NULL,
    PRIMARY KEY (dossier_id, person_id)
);
CREATE INDEX dossier_subject_person ON dossier_subject (person_id);

CREATE TABLE dossier_transition (
    id         BLOB PRIMARY KEY,
    dossier_id BLOB NOT NULL,
    version    INTEGER NOT NULL,   -- the dossier's version after the step
    at         INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   BLOB NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    note       TEXT NOT NULL,
    deadline   TEXT
);
CREATE INDEX dossier_transition_dossier ON dossier_transition (dossier_id, version);
