-- Activity rings: one row per person and calendar day.
CREATE TABLE activity_summaries (
    user_id INTEGER NOT NULL,
    day     TEXT NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
