-- The attributes of an Apple export's Me element that no modelled characteristic holds
-- (a characteristic newer than the catalogue, or a value not understood), kept verbatim so
-- that an export writes them back. Only the person reads them; apps never do.
CREATE TABLE me_attributes (
    user_id INTEGER NOT NULL,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
) WITHOUT ROWID;
