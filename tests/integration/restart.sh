#!/usr/bin/env bash
# restart.sh - the app rides out a PostgreSQL restart: while the database
# is down, pages that need it get 503 and pages that do not still work;
# once it is back, requests succeed again without restarting the app.  And
# a worker killed in the middle of a request loses nothing it committed.
#
# The test restarts the database, so it runs its own throwaway cluster
# (as root: as the postgres user) instead of the shared one.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
	echo "SKIP: no PostgreSQL server binaries"
	exit 77
fi
PG_DIR=$(mktemp -d /tmp/moat-pgrs.XXXXXX)
chmod 755 "$PG_DIR"
as_pg() {
	if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
PG_PORT=$(it_free_port)
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" --auth-local=trust --auth-host=reject \
	--encoding=UTF8 --locale=C.UTF-8 --no-instructions >"$PG_DIR/initdb.log" 2>&1 ||
	{ cat "$PG_DIR/initdb.log"; exit 1; }
cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
port = $PG_PORT
fsync = off
EOF
pg() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 "$@" >/dev/null; }
pg start || { cat "$PG_DIR/server.log"; exit 1; }
PGUSER=$(id -un)
[ "$(id -u)" = 0 ] && PGUSER=postgres
export PGHOST=$PG_DIR PGPORT=$PG_PORT PGUSER PGDATABASE=postgres

. "$MOAT_SRCDIR/tests/integration/lib-db.sh"
it_db_setup rs
psql_it >/dev/null <<SQL
CREATE TABLE it_marks (v text NOT NULL);
GRANT SELECT, INSERT ON it_marks TO $ROLE;
SQL
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=2
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/restart.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets"
it_setup
cleanup_all() {
	it_db_cleanup
	pg stop -m immediate 2>/dev/null
	rm -rf "$PG_DIR"
}
trap cleanup_all EXIT

tok=$(curl -s -D - -o /dev/null --data 'username=rita&password=ritas+password' "$IT_BASE/register" |
	sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/p' | tr -d '\r')
jar="Cookie: __Host-moat=$tok"
id=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'rita'")
it_check "before: a user statement works" "$id" "$(it_curl /db/me -H "$jar")"

pg stop -m fast
it_check "database down: a page that needs it gets 503" 503 "$(it_status /db/me -H "$jar")"
it_check "database down: a form that needs a session gets 503" 503 "$(it_status /form)"
it_check "database down: a page that needs none still works" 200 "$(it_status /plain)"
it_check "database down: a post whose session cannot be checked is 503, not run" 503 \
	"$(it_status /act -H "$jar" --data x=1)"
it_contains "the lost connection is logged" "database connection closed by the server" "$(it_log_text)"
it_check "no worker was replaced for it" "" "$(grep -E 'violated|exited with status' "$IT_DIR/moat.log")"

pg start
ok=""
for i in $(seq 1 50); do
	[ "$(it_curl /db/me -H "$jar")" = "$id" ] && { ok=yes; break; }
	sleep 0.2
done
it_check "database back: the same app serves again, session intact" yes "$ok"
it_contains "the reconnection is logged" "database connection back" "$(it_log_text)"

# A worker killed after its statement committed, before it answered.
curl -s -o /dev/null --max-time 10 --data 'v=kept' "$IT_BASE/mark-then-wait" &
curl_pid=$!
it_wait_log "marked, waiting"
wpid=$(sed -n 's/.*worker\[\([0-9]*\)\].*marked, waiting.*/\1/p' "$IT_DIR/moat.log" | tail -n 1)
[ -n "$wpid" ] && kill -KILL "$wpid"
wait "$curl_pid"
it_check "the killed worker's committed write is kept" 1 "$(psql_it -c "SELECT count(*) FROM it_marks WHERE v = 'kept'")"
it_check "and the app goes on serving" "$id" "$(it_curl /db/me -H "$jar")"

# A reload (SIGHUP) starts new workers with new broker channels.
old_workers=$(pgrep -d ' ' -u moat-worker -P "$IT_APP_PID" || pgrep -d ' ' -P "$IT_APP_PID")
kill -HUP "$(cat "$IT_DIR/moat.pid")"
it_wait_log "reload: starting"
# Wait until the old workers have finished, so the checks below reach a
# new one and its new channel.
old_gone() {
	local p
	for p in $old_workers; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
it_wait_until 30 old_gone
it_check "after a reload the broker still serves" "$id" "$(it_curl /db/me -H "$jar")"
it_check "and no new worker failed to reach it" "" "$(grep -E 'does not answer|not connected' "$IT_DIR/moat.log")"

it_finish
