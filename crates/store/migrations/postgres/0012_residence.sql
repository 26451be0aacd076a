-- Residence (app/src/residence.rs): households, memberships and registrations, each with its
-- validity dates; the unique indexes hold the invariants even against concurrent writers.
-- Keep in step with ../sqlite/0012_residence.sql: the queries are shared.

CREATE TABLE household (
    id            uuid PRIMARY KEY,
    unit          TEXT NOT NULL,        -- '2025:26743'
    detail        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE household_member (
    household_id  uuid NOT NULL REFERENCES household (id),
    person_id     uuid NOT NULL,
    relation      TEXT NOT NULL,        -- head, wife, child … (domain::residence::HouseholdRelation)
    valid_from    TEXT NOT NULL,        -- ISO date
    valid_to      TEXT                  -- first day it no longer holds; NULL while current
);
CREATE INDEX household_member_household ON household_member (household_id);
CREATE INDEX household_member_person ON household_member (person_id);
-- Exactly one current head per household, one current household per person.
CREATE UNIQUE INDEX household_one_head ON household_member (household_id) WHERE relation = 'head' AND valid_to IS NULL;
CREATE UNIQUE INDEX household_one_current ON household_member (person_id) WHERE valid_to IS NULL;

CREATE TABLE residence_registration (
    id            uuid PRIMARY KEY,
    person_id     uuid NOT NULL,
    kind          TEXT NOT NULL,        -- permanent, temporary
    unit          TEXT NOT NULL,
    detail        TEXT NOT NULL,
    household_id  uuid,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT,                 -- last day of a temporary term
    ended_on      TEXT,                 -- first day it no longer holds
    end_reason    TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX residence_registration_person ON residence_registration (person_id, valid_from);
-- One permanent residence per person.
CREATE UNIQUE INDEX residence_one_permanent ON residence_registration (person_id) WHERE kind = 'permanent' AND ended_on IS NULL;
