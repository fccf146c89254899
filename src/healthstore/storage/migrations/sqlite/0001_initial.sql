-- healthstore schema, version 1. Every table leads with user_id so that a multi-user
-- deployment can distribute rows by person.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('anchor', 0);

CREATE TABLE object_types (
    id         INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE
);

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    bundle_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    UNIQUE (user_id, bundle_id)
);

CREATE TABLE source_revisions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    version      TEXT,
    product_type TEXT,
    os_version   TEXT,
    identity     TEXT NOT NULL,
    UNIQUE (user_id, identity)
);

CREATE TABLE devices (
    id                    INTEGER PRIMARY KEY,
    user_id               INTEGER NOT NULL,
    name                  TEXT,
    manufacturer          TEXT,
    model                 TEXT,
    hardware_version      TEXT,
    firmware_version      TEXT,
    software_version      TEXT,
    local_identifier      TEXT,
    udi_device_identifier TEXT,
    identity              TEXT NOT NULL,
    UNIQUE (user_id, identity)
);

-- One row per live sample. anchor is the store-wide change number given at insert.
-- value: quantity in the type's canonical unit, category raw value, workout activity type.
-- unit/unit_value: the writer's unit and value when it was not the canonical unit.
-- detail: kind-specific JSON (workout events, activities, statistics and totals).
CREATE TABLE samples (
    anchor       INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    uuid         BLOB NOT NULL,
    type_id      INTEGER NOT NULL,
    start_us     INTEGER NOT NULL,
    end_us       INTEGER NOT NULL,
    tz           TEXT,
    value        REAL,
    unit         TEXT,
    unit_value   REAL,
    count        INTEGER,
    source_id    INTEGER NOT NULL,
    revision_id  INTEGER NOT NULL,
    device_id    INTEGER,
    sync_id      TEXT,
    sync_version REAL,
    metadata     TEXT,
    detail       TEXT
);
CREATE UNIQUE INDEX samples_by_uuid ON samples (user_id, uuid);
CREATE INDEX samples_by_type_start ON samples (user_id, type_id, start_us);
CREATE UNIQUE INDEX samples_by_sync_id ON samples (user_id, source_id, sync_id)
    WHERE sync_id IS NOT NULL;

-- The longest sample duration seen per type: bounds overlap queries on the start index.
CREATE TABLE type_extents (
    user_id         INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    max_duration_us INTEGER NOT NULL,
    PRIMARY KEY (user_id, type_id)
) WITHOUT ROWID;

-- Tombstones: what the change feed reports as deleted objects.
CREATE TABLE deleted_objects (
    anchor       INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    uuid         BLOB NOT NULL,
    type_id      INTEGER NOT NULL,
    source_id    INTEGER NOT NULL,
    sync_id      TEXT,
    sync_version REAL,
    deleted_us   INTEGER NOT NULL
);
CREATE INDEX deleted_objects_by_uuid ON deleted_objects (user_id, uuid);

CREATE TABLE correlation_members (
    user_id            INTEGER NOT NULL,
    correlation_anchor INTEGER NOT NULL,
    member_anchor      INTEGER NOT NULL,
    PRIMARY KEY (user_id, correlation_anchor, member_anchor)
) WITHOUT ROWID;
CREATE INDEX correlation_members_by_member ON correlation_members (user_id, member_anchor);

CREATE TABLE workout_samples (
    user_id        INTEGER NOT NULL,
    workout_anchor INTEGER NOT NULL,
    sample_anchor  INTEGER NOT NULL,
    PRIMARY KEY (user_id, workout_anchor, sample_anchor)
) WITHOUT ROWID;
CREATE INDEX workout_samples_by_sample ON workout_samples (user_id, sample_anchor);

CREATE TABLE characteristics (
    user_id INTEGER NOT NULL,
    type_id INTEGER NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, type_id)
) WITHOUT ROWID;
