-- Identity cards: every produced card, its status, and EF.SOD. EF.COM and the data groups
-- (DG2 holds the face) are sealed by the application like the identity store's biometrics.
CREATE TABLE card (
    id                uuid PRIMARY KEY,
    person_id         uuid NOT NULL,
    pin               TEXT NOT NULL,     -- as printed on the card
    document_number   TEXT NOT NULL,     -- last 9 digits of the PIN (MRZ)
    application_id    uuid,              -- the dossier
    application_kind  TEXT NOT NULL,
    status            TEXT NOT NULL,     -- active, lost, revoked, replaced (expired is computed)
    issued_on         TEXT NOT NULL,     -- YYYY-MM-DD
    expires_on        TEXT,              -- NULL: no expiry
    produced_at       BIGINT NOT NULL,
    delivered_at      BIGINT,
    status_changed_at BIGINT NOT NULL,
    status_reason     TEXT NOT NULL,
    replaced_by       uuid,
    ds_serial         TEXT NOT NULL,
    face_capture_id   uuid,
    sod               BYTEA NOT NULL,
    chip_key_id       BIGINT NOT NULL,
    chip_nonce        BYTEA NOT NULL,
    chip_data         BYTEA NOT NULL
);
CREATE INDEX card_person ON card (person_id, produced_at);
CREATE INDEX card_pin ON card (pin);

-- At most one open card application per person.
CREATE TABLE card_open_application (
    person_id uuid PRIMARY KEY
);
