-- notes-grants.sql - what the broker's role needs of Moat Notes' tables:
-- exactly what sql/notes.catalogue does, nothing more (no DDL, no
-- TRUNCATE, no REFERENCES).  Apply after sql/framework-grants.sql, which
-- covers moat_users (account_get and admin_users read it).
--
--   psql -v broker_role=moat_broker -f sql/notes-grants.sql
--
-- Deleting a note removes its attachments through the foreign key's
-- ON DELETE CASCADE, which PostgreSQL runs as the tables' owner: the
-- broker needs no DELETE on attachments.  Re-sealing after a data-key
-- rotation (--reencrypt notes.body:owner,attachments.name:owner) needs
-- UPDATE on attachments (name) while it runs; grant it then and revoke
-- it after.
GRANT SELECT, INSERT, DELETE ON notes TO :"broker_role";
GRANT UPDATE (title, body, updated_at) ON notes TO :"broker_role";
GRANT SELECT, INSERT ON attachments TO :"broker_role";
GRANT SELECT, INSERT ON guestbook TO :"broker_role";
