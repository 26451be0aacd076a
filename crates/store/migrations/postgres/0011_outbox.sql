-- Events to other agencies (app/src/outbox.rs): the transactional outbox, agencies'
-- subscriptions, and each subscription's delivery queue.
-- Keep in step with ../sqlite/0011_outbox.sql: the queries are shared.

-- Written in the transaction of the change it reports; `seq` is the outbox order.
CREATE TABLE outbox (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          uuid NOT NULL UNIQUE,   -- webhook-id, the receivers' idempotency key
    kind        TEXT NOT NULL,          -- person.death, residence.registered …
    person_id   uuid NOT NULL,          -- deliveries keep each person's events in order
    occurred_at BIGINT NOT NULL,
    data        TEXT NOT NULL,          -- JSON object of the fields of app::outbox::FIELDS
    fanned_out  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX outbox_to_fan_out ON outbox (seq) WHERE fanned_out = FALSE;
CREATE INDEX outbox_occurred ON outbox (occurred_at);

CREATE TABLE event_subscription (
    id          uuid PRIMARY KEY,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,          -- whsec_…, signs the deliveries
    kinds       TEXT NOT NULL,          -- JSON array of kinds
    fields      TEXT NOT NULL,          -- JSON array of allowed fields
    legal_basis TEXT NOT NULL,
    status      TEXT NOT NULL,          -- pending, approved, suspended
    created_by  TEXT NOT NULL,          -- JSON actor
    created_at  BIGINT NOT NULL,
    approved_by TEXT,                   -- JSON actor
    approved_at BIGINT
);

-- One row per (subscription, event): pending until delivered or dead.
CREATE TABLE event_delivery (
    subscription_id uuid NOT NULL REFERENCES event_subscription (id),
    seq             BIGINT NOT NULL,
    person_id       uuid NOT NULL,
    state           TEXT NOT NULL,      -- pending, delivered, dead
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    last_error      TEXT NOT NULL,
    PRIMARY KEY (subscription_id, seq)
);
-- The head of each person's queue, and what is due.
CREATE INDEX event_delivery_person ON event_delivery (subscription_id, person_id, seq) WHERE state = 'pending';
CREATE INDEX event_delivery_due ON event_delivery (next_attempt_at) WHERE state = 'pending';
CREATE INDEX event_delivery_state ON event_delivery (subscription_id, state, seq);
