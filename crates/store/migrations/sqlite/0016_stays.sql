-- Stay notifications (app/src/stay.rs, Law on Residence Art. 30): batches as sent by an officer
-- or a host's API client, and one row per guest. Keep in step with the other engine's
-- 0016_stays.sql: the queries are shared.

CREATE TABLE stay_batch (
    id              BLOB PRIMARY KEY,
    actor_kind      TEXT NOT NULL,
    actor_id        BLOB NOT NULL,
    actor_name      TEXT NOT NULL,
    idempotency_key TEXT,               -- chosen by the sender; NULL when none was given
    digest          TEXT NOT NULL,      -- SHA-256 of the content: a repeat vs a reused key
    created_at      INTEGER NOT NULL
);
-- One batch per sender and key: a concurrent repeat fails here and reads the first.
CREATE UNIQUE INDEX stay_batch_key ON stay_batch (actor_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE stay_notification (
    id            BLOB PRIMARY KEY,
    batch_id      BLOB NOT NULL REFERENCES stay_batch (id),
    seq           INTEGER NOT NULL,     -- position in the batch
    person_id     BLOB NOT NULL,
    pin           TEXT NOT NULL,
    guest_name    TEXT NOT NULL,        -- as the register held it when notified
    host_kind     TEXT NOT NULL,        -- household, establishment
    host_name     TEXT NOT NULL,
    unit          TEXT NOT NULL,        -- '2025:26743'
    detail        TEXT NOT NULL,
    commune       TEXT NOT NULL,        -- 2025 commune and province codes, for the police's lists
    province      TEXT NOT NULL,
    arrival_at    INTEGER NOT NULL,
    departure_on  TEXT NOT NULL,        -- ISO date
    reason        TEXT NOT NULL,
    deadline_at   INTEGER NOT NULL,
    notified_at   INTEGER NOT NULL,
    late          INTEGER NOT NULL
);
CREATE INDEX stay_notification_batch ON stay_notification (batch_id, seq);
CREATE INDEX stay_notification_commune ON stay_notification (commune, arrival_at);
CREATE INDEX stay_notification_province ON stay_notification (province, arrival_at);
CREATE INDEX stay_notification_arrival ON stay_notification (arrival_at);
CREATE INDEX stay_notification_person ON stay_notification (person_id);
