-- Identity store (Identity Law 2023 Art. 15): biometric captures, kept apart from the register.
-- The application seals every capture (AES-256-GCM) before it reaches this table.
CREATE TABLE identity_biometric (
    id          uuid PRIMARY KEY,
    person_id   uuid NOT NULL,
    kind        TEXT NOT NULL,          -- face, finger.1 … finger.10
    format      TEXT NOT NULL,          -- image/jpeg, image/png, iso19794-2
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    byte_len    BIGINT NOT NULL,
    captured_at BIGINT NOT NULL,
    captured_by TEXT NOT NULL,
    active      BOOLEAN NOT NULL,       -- the newest capture of its kind
    key_id      BIGINT NOT NULL,       -- data key that sealed it
    nonce       BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL
);
CREATE INDEX identity_biometric_person ON identity_biometric (person_id, captured_at);
CREATE INDEX identity_biometric_key ON identity_biometric (key_id);
