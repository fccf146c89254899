-- A sample's uuid identifies it within its source (the writer's idempotency key), so
-- that no app can squat the uuid of a sample it cannot read, nor learn of its existence.
-- Uniqueness moves from (user_id, uuid) to (user_id, uuid, source_id): existing rows are
-- unique on the narrower key, so they are unique on this one, and no row changes. Leading
-- with uuid keeps the index usable for look-ups by uuid alone (the person's view).
DROP INDEX samples_by_uuid;
CREATE UNIQUE INDEX samples_by_uuid ON samples (user_id, uuid, source_id);

-- An app refused reading a type sees only what it wrote: these reach its own rows without
-- scanning anyone else's, so a refused read costs the same however much is hidden.
CREATE INDEX samples_by_source ON samples (user_id, source_id, type_id, start_us);
CREATE INDEX deleted_objects_by_source ON deleted_objects (user_id, source_id, type_id, anchor);
-- The change feed of readable types, which then never walks the tombstones of others.
CREATE INDEX deleted_objects_by_type ON deleted_objects (user_id, type_id, anchor);

-- The longest duration per type and source: a refused read bounds its scan of the app's
-- own rows by the app's own longest sample, not by anyone's (type_extents).
CREATE TABLE source_extents (
    user_id         INTEGER NOT NULL,
    type_id         INTEGER NOT NULL,
    source_id       INTEGER NOT NULL,
    max_duration_us INTEGER NOT NULL,
    PRIMARY KEY (user_id, type_id, source_id)
) WITHOUT ROWID;
INSERT INTO source_extents (user_id, type_id, source_id, max_duration_us)
    SELECT user_id, type_id, source_id, MAX(end_us - start_us) FROM samples
    GROUP BY user_id, type_id, source_id;
