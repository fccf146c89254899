-- Apps, the person's decisions about them, the audit log and consent records.

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE apps (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    bundle_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    manifest    TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_us  INTEGER NOT NULL,
    UNIQUE (user_id, bundle_id)
);

-- One row per (app, type, mode): what the app asked for and what the person decided.
-- mode: 'read' or 'share'; status: 'requested', 'authorized' or 'denied'.
CREATE TABLE authorizations (
    user_id      INTEGER NOT NULL,
    app_id       INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    type_id      INTEGER NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('read', 'share')),
    status       TEXT NOT NULL CHECK (status IN ('requested', 'authorized', 'denied')),
    requested_us INTEGER NOT NULL,
    decided_us   INTEGER,
    PRIMARY KEY (user_id, app_id, type_id, mode)
) WITHOUT ROWID;

-- Append-only: who did what to which types, how many objects, when. Never values.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL,
    at_us     INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    operation TEXT NOT NULL,
    types     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    detail    TEXT
);
CREATE INDEX audit_log_by_actor ON audit_log (user_id, actor, at_us);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE consents (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    recipient  TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    types      TEXT NOT NULL,
    granted_us INTEGER NOT NULL,
    statement  TEXT NOT NULL
);
