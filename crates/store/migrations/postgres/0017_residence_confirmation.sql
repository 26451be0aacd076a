-- Residence confirmations (app/src/residence_confirmation.rs): each issued document with the
-- digest of the person's residence data at issue, which verification recomputes. Keep in step
-- with the other engine's 0017_residence_confirmation.sql: the queries are shared.

CREATE TABLE residence_confirmation (
    id            uuid PRIMARY KEY,
    person_id     uuid NOT NULL,
    pin           TEXT NOT NULL,
    digest        TEXT NOT NULL,        -- SHA-256 (hex) of the residence data at issue
    token         TEXT NOT NULL,        -- the signed document (compact JWS)
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      uuid NOT NULL,
    actor_name    TEXT NOT NULL
);
CREATE INDEX residence_confirmation_person ON residence_confirmation (person_id, issued_at);
