-- Authenticator (TOTP) secrets are sealed by the application with the data keys
-- (`aes1:KEY:NONCE:CIPHERTEXT`). Secrets stored in clear before are dropped: their holders enrol
-- the authenticator app again (the SMS code and passkeys still complete a sign-in).
UPDATE eid_account SET totp_secret = NULL, totp_last_step = NULL
    WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'aes1:%';
UPDATE eid_account SET totp_pending = NULL
    WHERE totp_pending IS NOT NULL AND totp_pending NOT LIKE 'aes1:%';
