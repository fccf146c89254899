-- The person's source order per type for merging statistics (first = highest priority).
CREATE TABLE source_priorities (
    user_id    INTEGER NOT NULL,
    type_id    INTEGER NOT NULL,
    bundle_ids TEXT NOT NULL,
    PRIMARY KEY (user_id, type_id)
) WITHOUT ROWID;
