-- Identity cards: every produced card, its status, and EF.SOD. EF.COM and the data groups
-- (DG2 holds the face) are sealed by the application like the identity store's biometrics.
CREATE TABLE card (
    id                BLOB PRIMARY KEY,
    person_id         BLOB NOT NULL,
    pin               TEXT NOT NULL,     -- as printed on the card
    document_number   TEXT NOT NULL,     -- last 9 digits of the PIN (MRZ)
    application_id    BLOB,              -- the dossier
    application_kind  TEXT NOT NULL,
    status            TEXT NOT NULL,     -- active, lost, revoked, replaced (expired is computed)
    issued_on         TEXT NOT NULL,     -- YYYY-MM-DD
    expires_on        TEXT,              -- NULL: no expiry
    produced_at       INTEGER NOT NULL,
    delivered_at      INTEGER,
    status_changed_at INTEGER NOT NULL,
    status_reason     TEXT NOT NULL,
    replaced_by       BLOB,
    ds_serial         TEXT NOT NULL,
    face_capture_id   BLOB,
    sod               BLOB NOT NULL,
    chip_key_id       INTEGER NOT NULL,
    chip_nonce        BLOB NOT NULL,
    chip_data         BLOB NOT NULL
);
CREATE INDEX card_person ON card (person_id, produced_at);
CREATE INDEX card_pin ON card (pin);

-- At most one open card application per person.
CREATE TABLE card_open_application (
    person_id BLOB PRIMARY KEY
);
