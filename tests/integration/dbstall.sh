#!/usr/bin/env bash
# dbstall.sh - a database that accepts connections and never answers
# holds up nothing but the statements that need it: while the broker
# waits for a connection, it answers every other worker at once, and the
# waiting statement gets 503 once connect_timeout has passed.
#
# The broker reaches the database through stall-proxy, which forwards to
# PostgreSQL's Unix socket until told to stall; then a new connection is
# taken by the kernel's backlog and never hears a byte.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

PG_SOCK="$PGHOST/.s.PGSQL.${PGPORT:-5432}"
if [ ! -S "$PG_SOCK" ]; then
	echo "SKIP: PostgreSQL is not on a Unix socket ($PG_SOCK)"
	exit 77
fi
it_db_setup stall
PROXY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-stall.XXXXXX")
"$MOAT_BUILDDIR/tests/integration/stall-proxy" "$PROXY_DIR/port" "$PG_SOCK" &
PROXY_PID=$!
cleanup_all() {
	it_db_cleanup
	kill "$PROXY_PID" 2>/dev/null
	rm -rf "$PROXY_DIR"
}
IT_CLEANUP=cleanup_all
trap cleanup_all EXIT
it_wait_for "$PROXY_DIR/port" || { it_log "stall-proxy did not start"; exit 1; }
PROXY_PORT=$(cat "$PROXY_DIR/port")

CONNECT_TIMEOUT=3
"$MOAT_SRCDIR/deploy/moat-keygen" "$SECRETS_DIR/stall.secrets" \
	--database "hostaddr=127.0.0.1 port=$PROXY_PORT dbname=$DB user=$ROLE password=$MARKER sslmode=disable gssencmode=disable connect_timeout=$CONNECT_TIMEOUT" \
	--file-store "$SECRETS_DIR/store" >/dev/null || exit 1
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=2
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/stall.secrets"
it_setup

it_check "before: a statement runs" 1 "$(it_curl /db/ping)"

# Connections from the broker to the proxy that the kernel completed and
# nobody reads (/proc/net/tcp: established, remote port ours).
stalled_connects() {
	local hex
	hex=$(printf '%04X' "$PROXY_PORT")
	awk -v p=":$hex" '$3 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l
}
# the time curl took, in milliseconds, and the status: "MS CODE"
timed() {
	curl -s -o /dev/null --max-time 30 -w '%{time_total} %{http_code}' "$@" |
		awk '{ printf "%d %s", $1 * 1000, $2 }'
}

# Every channel's connection must be up before the stall: one still
# being made when the server drops the others would miss the drop.
for i in $(seq 1 200); do
	[ "$(psql_it -c "SELECT count(*) FROM pg_stat_activity WHERE usename = '$ROLE' AND state IS NOT NULL")" -ge "$IT_WORKERS" ] && break
	sleep 0.1
done
# Stall: no new connection is answered, and the server drops the ones
# the broker has, which it notices at once (restart.sh).
kill -USR1 "$PROXY_PID"
psql_it -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$ROLE'" >/dev/null
for i in $(seq 1 200); do
	[ "$(grep -c 'idle database connection closed' "$IT_DIR/moat.log")" -ge "$IT_WORKERS" ] && break
	sleep 0.1
done
it_check "the broker saw both connections go" "$IT_WORKERS" \
	"$(grep -c 'idle database connection closed' "$IT_DIR/moat.log")"

# One worker runs a statement: its channel reconnects, and gets no answer.
timed "$IT_BASE/db/ping" > "$IT_DIR/stmt" &
stmt_pid=$!
for i in $(seq 1 50); do
	[ "$(stalled_connects)" -ge 1 ] && break
	sleep 0.1
done
it_check "the statement's connection is waiting for the database" yes \
	"$([ "$(stalled_connects)" -ge 1 ] && echo yes)"

# Meanwhile the broker answers the other worker at once: a log-in it
# refuses without the database (the password is too short to be anyone's).
read -r ms code <<<"$(timed --data 'username=nobody&password=short' "$IT_BASE/login")"
it_check "while it waits, the broker answers another worker" 401 "$code"
it_check "and at once (under a second, not after connect_timeout)" yes \
	"$([ "$ms" -lt 1000 ] && echo yes || echo "no: $ms ms")"
read -r ms code <<<"$(timed "$IT_BASE/plain")"
it_check "a page that needs no database answers at once" "200 yes" \
	"$code $([ "$ms" -lt 1000 ] && echo yes || echo "no: $ms ms")"
it_check "the statement is still waiting" yes "$(kill -0 "$stmt_pid" 2>/dev/null && echo yes)"

wait "$stmt_pid"
read -r ms code < "$IT_DIR/stmt"
it_check "the waiting statement gets 503" 503 "$code"
it_check "once connect_timeout has passed, and not much later" yes \
	"$([ "$ms" -ge $((CONNECT_TIMEOUT * 1000 - 200)) ] && [ "$ms" -lt $((CONNECT_TIMEOUT * 1000 + 2500)) ] &&
		echo yes || echo "no: $ms ms")"
it_contains "the timeout is logged" "database: no connection within ${CONNECT_TIMEOUT}000 ms" "$(it_log_text)"
it_check "nothing crashed and no worker was replaced" "" \
	"$(grep -E 'violated|exited with status|killed by signal|AddressSanitizer|runtime error' "$IT_DIR/moat.log" "$IT_DIR/app.stderr")"
it_check "and the broker still serves" "401" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --data 'username=nobody&password=short' "$IT_BASE/login")"

it_finish
