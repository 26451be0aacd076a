-- What an officer compares when a level-1 registration by chip waits for review: the live selfie
-- the applicant sent and the portrait read from the chip (DG2). Sealed by the application with
-- the identity store's data keys; deleted when the officer decides.
CREATE TABLE eid_review_evidence (
    account_id  BLOB NOT NULL REFERENCES eid_account (id),
    kind        TEXT NOT NULL,          -- selfie, chip_portrait
    byte_len    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    key_id      INTEGER NOT NULL,
    nonce       BLOB NOT NULL,
    ciphertext  BLOB NOT NULL,
    PRIMARY KEY (account_id, kind)
);
