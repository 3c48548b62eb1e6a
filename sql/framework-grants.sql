-- framework-grants.sql - what the broker's database role needs of
-- sql/framework.sql, and nothing more (no DDL, no TRUNCATE).
--
--   psql -v broker_role=moat_broker -f sql/framework-grants.sql
GRANT SELECT, INSERT, UPDATE, DELETE
    ON moat_users, moat_sessions, moat_throttle TO :"broker_role";
GRANT EXECUTE ON FUNCTION moat_throttle_wait(text[], text),
    moat_throttle_trust(text),
    moat_throttle_fail(text, integer, integer, integer) TO :"broker_role";
