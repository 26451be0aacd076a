-- Absence declarations (khai báo tạm vắng, Law on Residence 2020 Art. 31), written when the
-- dossier of the declaration is approved (app/src/residence/procedures.rs). They also exempt a
-- person from the 12-month-absence rule (Art. 24.1(d)).
-- Keep in step with ../postgres/0013_residence_absence.sql: the queries are shared.

CREATE TABLE residence_absence (
    id            BLOB PRIMARY KEY,
    person_id     BLOB NOT NULL,
    case_code     TEXT NOT NULL,        -- domain::residence::ABSENCE_CASES
    unit          TEXT NOT NULL,        -- the commune of residence the person is absent from
    destination   TEXT NOT NULL,
    valid_from    TEXT NOT NULL,        -- ISO date
    valid_until   TEXT,                 -- last day declared; NULL when open-ended
    reason        TEXT NOT NULL,
    dossier_id    BLOB,
    recorded_at   INTEGER NOT NULL
);
CREATE INDEX residence_absence_person ON residence_absence (person_id, valid_from);
