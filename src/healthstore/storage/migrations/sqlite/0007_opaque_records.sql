-- Records of types this version does not know (Apple adds types with each iOS), kept as
-- the export wrote them: attributes and metadata entries as JSON text, in order
-- (healthstore/opaque.py). Read by the person and written back to Apple exports; apps
-- never read them.
CREATE TABLE opaque_records (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    uuid        BLOB NOT NULL,
    type        TEXT NOT NULL,
    start_us    INTEGER,
    element     TEXT NOT NULL,
    created_us  INTEGER NOT NULL,
    UNIQUE (user_id, uuid)
);
CREATE INDEX opaque_records_by_type ON opaque_records (user_id, type, start_us);
