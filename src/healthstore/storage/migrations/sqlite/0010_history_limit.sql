-- The history limit: an app reads others' data only from 30 days before the person first
-- let it read anything, unless the person granted it history. first_read_us: when that
-- first read grant was made (kept when grants are revoked and made again); history: 1 when
-- granted. Apps that could read before this version keep their full history.
CREATE TABLE app_history (
    user_id       INTEGER NOT NULL,
    app_id        INTEGER NOT NULL,
    first_read_us INTEGER,
    history       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, app_id)
) WITHOUT ROWID;
INSERT INTO app_history (user_id, app_id, first_read_us, history)
SELECT user_id, app_id, MIN(COALESCE(decided_us, requested_us)), 1
FROM authorizations WHERE mode = 'read' AND status = 'authorized'
GROUP BY user_id, app_id;

-- A tombstone keeps its sample's start, so the change feed applies the same bound (NULL in
-- tombstones written before: older than any bound). The index lets a read within the bound
-- reach tombstones without scanning the older ones.
ALTER TABLE deleted_objects ADD COLUMN start_us INTEGER;
CREATE INDEX deleted_objects_by_type_start ON deleted_objects (user_id, type_id, start_us);
