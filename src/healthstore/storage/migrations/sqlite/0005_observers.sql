-- Background delivery: the observers apps register and the durable outbox of webhook
-- notifications. A notification row is written in the same transaction as the change it
-- announces, so a crash can lose neither.
CREATE TABLE observers (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    public_id    TEXT NOT NULL UNIQUE,
    app_id       INTEGER NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    type_id      INTEGER NOT NULL,
    frequency    TEXT NOT NULL CHECK (frequency IN ('immediate', 'hourly', 'daily', 'weekly')),
    url          TEXT NOT NULL,
    created_us   INTEGER NOT NULL,
    unacked      INTEGER NOT NULL DEFAULT 0,
    last_sent_us INTEGER
);
CREATE INDEX observers_by_type ON observers (user_id, type_id);

-- state: 'pending' (to send, possibly after failed attempts), 'sending' (a POST is out:
-- changes from now on start a new notification), 'delivered', 'failed' (gave up after the
-- last retry) or 'dropped' (the app may no longer see the change).
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL,
    public_id    TEXT NOT NULL UNIQUE,
    observer_id  INTEGER NOT NULL REFERENCES observers (id) ON DELETE CASCADE,
    own_change   INTEGER NOT NULL DEFAULT 0,
    created_us   INTEGER NOT NULL,
    due_us       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'dropped')),
    last_error   TEXT,
    finished_us  INTEGER
);
CREATE INDEX deliveries_due ON deliveries (state, due_us);
CREATE INDEX deliveries_by_observer ON deliveries (observer_id, state);
