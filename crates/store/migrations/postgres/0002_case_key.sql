-- Import re-runs look cases up by their duplicate key.
CREATE INDEX adjudication_case_key ON adjudication_case (duplicate_key);
