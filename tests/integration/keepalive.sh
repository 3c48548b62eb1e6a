#!/usr/bin/env bash
# keepalive.sh - shedding kept connections and retiring workers lose
# nothing.
#
# Far more concurrent POSTs through nginx than workers x
# max_kept_connections, so the workers shed connections all the time;
# then the same again with workers retiring every few requests
# (max_requests), so they pass their kept connections on all the time.
# nginx re-sends a GET that a closed connection swallowed, but answers a
# POST with 502; so every POST must get its 200, and its row must be in
# the database exactly once.  Nothing may stall either: no request timed
# out, and nginx saw no upstream connection close under it.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup ka
psql_it >/dev/null <<SQL
CREATE TABLE it_notes (id bigserial PRIMARY KEY, owner int8 NOT NULL,
    title text NOT NULL, body text NOT NULL);
GRANT SELECT, INSERT ON it_notes TO $ROLE;
GRANT USAGE ON SEQUENCE it_notes_id_seq TO $ROLE;
SQL

POSTS=${KEEPALIVE_POSTS:-1200}
CLIENTS=32
IT_APP="$MOAT_BUILDDIR/tests/integration/broker-app"
IT_WORKERS=2
IT_TIMEOUT=10
IT_LOG_LEVEL=debug
CONF_BASE="catalogue = $MOAT_SRCDIR/tests/integration/keepalive.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
max_kept_connections = 2"
IT_CONF_EXTRA=$CONF_BASE
it_setup

# post_storm NAME: POSTS POSTs over CLIENTS connections, each with its own
# title NAME-N; each must get 200 and its row exactly once.
post_storm() {
	local name=$1 i
	# (A "next" closes a group; one after the last would be a group with
	# no URL, which makes curl abort every transfer.)
	for i in $(seq 1 "$POSTS"); do
		[ "$i" = 1 ] || printf 'next\n'
		printf 'url = "%s/notes"\ndata = "title=%s-%d&body=b"\n' "$IT_BASE" "$name" "$i"
		printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
	done > "$IT_DIR/posts.curl"
	curl -s --parallel --parallel-max "$CLIENTS" --max-time 30 -K "$IT_DIR/posts.curl" \
		> "$IT_DIR/codes" 2>/dev/null
	it_check "$name: every one of $POSTS POSTs over $CLIENTS connections got 200" "$POSTS" \
		"$(grep -c '^200$' "$IT_DIR/codes")"
	it_check "$name: none got a 502" 0 "$(grep -c '^502$' "$IT_DIR/codes")"
	it_check "$name: every POST's row is there" "$POSTS" \
		"$(psql_it -c "SELECT count(DISTINCT title) FROM it_notes WHERE title LIKE '$name-%'")"
	it_check "$name: and only once" "$POSTS" \
		"$(psql_it -c "SELECT count(*) FROM it_notes WHERE title LIKE '$name-%'")"
	it_check "$name: nginx saw no upstream close under a request" 0 \
		"$(grep -c 'upstream prematurely closed' "$IT_DIR/nginx/logs/error.log")"
	it_check "$name: no request timed out behind a kept connection" 0 \
		"$(grep -c 'request timeout' "$IT_DIR/moat.log")"
}

post_storm shed
shed=$(grep -c 'kept connection shed: goodbye sent' "$IT_DIR/moat.log")
if [ "$shed" -gt 0 ]; then it_pass "the workers shed connections ($shed goodbyes)"
else it_fail "the workers shed connections" "no goodbye in the log: the test proved nothing"; fi
it_check "no worker was replaced" 0 \
	"$(grep -cE 'killed by signal|exited with status|violated' "$IT_DIR/moat.log")"

# Workers retiring every 40 requests, each passing its kept connections on.
IT_CONF_EXTRA="$CONF_BASE
max_requests = 40"
it_write_config
it_restart_app /pid || exit 1
post_storm retire
retired=$(grep -c 'retired$' "$IT_DIR/moat.log")
passed=$(grep -c 'kept connections to other workers' "$IT_DIR/moat.log")
if [ "$retired" -ge 10 ] && [ "$passed" -ge 10 ]; then
	it_pass "workers retired ($retired) and passed their connections on ($passed times)"
else
	it_fail "workers retired and passed their connections on" \
		"$retired retirements, $passed hand-offs: the test proved nothing"
fi
it_check "no worker died" 0 \
	"$(grep -cE 'killed by signal|exited with status|violated' "$IT_DIR/moat.log")"

it_finish
