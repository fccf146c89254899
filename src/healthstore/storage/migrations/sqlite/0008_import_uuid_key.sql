-- Uuids the Apple import derives from content are keyed by a secret of the store
-- (secrets row 'apple-import-uuids', 32 random bytes made on first import). A store that
-- already holds samples, or deleted ones, was made before: its imports derived uuids
-- without a key, and must go on doing so or its next import of the same export would add
-- everything again. An empty key marks that legacy derivation.
INSERT INTO secrets (name, value)
SELECT 'apple-import-uuids', X''
WHERE EXISTS (SELECT 1 FROM samples) OR EXISTS (SELECT 1 FROM deleted_objects);
