#!/usr/bin/env bash
# keepalive.sh - shedding kept connections loses nothing.
#
# Far more concurrent POSTs through nginx than workers x
# max_kept_connections, so the workers shed connections all the time.
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
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/keepalive.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
max_kept_connections = 2"
it_setup

# One curl config line pair per POST, each with its own title.
# (A "next" closes a group; one after the last would be a group with no
# URL, which makes curl abort every transfer.)
for i in $(seq 1 "$POSTS"); do
	[ "$i" = 1 ] || printf 'next\n'
	printf 'url = "%s/notes"\ndata = "title=post-%d&body=b"\n' "$IT_BASE" "$i"
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
done > "$IT_DIR/posts.curl"
curl -s --parallel --parallel-max "$CLIENTS" --max-time 30 -K "$IT_DIR/posts.curl" \
	> "$IT_DIR/codes" 2>/dev/null

it_check "every one of $POSTS POSTs over $CLIENTS connections got 200" "$POSTS" \
	"$(grep -c '^200$' "$IT_DIR/codes")"
it_check "none got a 502" 0 "$(grep -c '^502$' "$IT_DIR/codes")"
it_check "every POST's row is there" "$POSTS" \
	"$(psql_it -c "SELECT count(DISTINCT title) FROM it_notes WHERE title LIKE 'post-%'")"
it_check "and only once" "$POSTS" \
	"$(psql_it -c "SELECT count(*) FROM it_notes WHERE title LIKE 'post-%'")"
shed=$(grep -c 'kept connection shed: goodbye sent' "$IT_DIR/moat.log")
if [ "$shed" -gt 0 ]; then it_pass "the workers shed connections ($shed goodbyes)"
else it_fail "the workers shed connections" "no goodbye in the log: the test proved nothing"; fi
it_check "nginx saw no upstream close under a request" 0 \
	"$(grep -c 'upstream prematurely closed' "$IT_DIR/nginx/logs/error.log")"
it_check "no request timed out behind a kept connection" 0 \
	"$(grep -c 'request timeout' "$IT_DIR/moat.log")"
it_check "no worker was replaced" 0 \
	"$(grep -cE 'killed by signal|exited with status|violated' "$IT_DIR/moat.log")"

it_finish
