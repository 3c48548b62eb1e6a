-- framework-grants.sql - what the broker's database role needs of
-- sql/framework.sql, and nothing more (no DDL, no TRUNCATE).
--
--   psql -v broker_role=moat_broker -f sql/framework-grants.sql
--
-- moat_users is granted column by column: the broker reads accounts,
-- creates them (name and hash only), changes a password and locks or
-- unlocks; it never deletes one.  So stolen broker credentials cannot
-- make anyone an admin: is_admin changes only as the owner role
-- (deploy/moat-admin).  The revoke first makes re-applying this file
-- take back the table-wide rights that older versions granted.
REVOKE INSERT, UPDATE, DELETE ON moat_users FROM :"broker_role";
GRANT SELECT ON moat_users TO :"broker_role";
GRANT INSERT (username, password_hash) ON moat_users TO :"broker_role";
GRANT UPDATE (password_hash, password_changed_at, locked)
    ON moat_users TO :"broker_role";
GRANT SELECT, INSERT, UPDATE, DELETE
    ON moat_sessions, moat_throttle TO :"broker_role";
-- moat_throttle_attempt calls moat_throttle_wait and moat_throttle_fail.
GRANT EXECUTE ON FUNCTION
    moat_throttle_attempt(text[], text, integer[], integer[], integer),
    moat_throttle_release(text, integer),
    moat_throttle_wait(text[], text),
    moat_throttle_trust(text),
    moat_throttle_fail(text, integer, integer, integer) TO :"broker_role";
