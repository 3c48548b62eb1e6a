#!/usr/bin/env bash
# instances.sh - two app instances (two supervisors, two sockets, each with
# its own broker) behind one nginx upstream, sharing one PostgreSQL: a
# session made through one works through the other, and logging out
# through one ends it on both.  Ports A and B reach one instance each, so
# the test knows which one answers.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_find_nginx || { echo "SKIP: nginx not installed"; exit 77; }
it_db_setup two
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
# A registration or log-in costs a scrypt hash at OWASP's cost, which on
# a busy machine takes longer than lib.sh's two seconds.
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets"
IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-it.XXXXXX")
chmod 755 "$IT_DIR"
PORT_A=$(it_free_port)
PORT_B=$(it_free_port)
fcgi='fastcgi_keep_conn on; include /etc/nginx/fastcgi_params;'
IT_UPSTREAM="server unix:$IT_DIR/a/moat.sock; server unix:$IT_DIR/b/moat.sock;"
IT_NGINX_EXTRA="
	server { listen 127.0.0.1:$PORT_A; location / { fastcgi_pass unix:$IT_DIR/a/moat.sock; $fcgi } }
	server { listen 127.0.0.1:$PORT_B; location / { fastcgi_pass unix:$IT_DIR/b/moat.sock; $fcgi } }"

# Instance b's config is instance a's with its own socket, pidfile and log.
mkdir -p "$IT_DIR/a" "$IT_DIR/b"
it_write_config
for x in a b; do
	sed -e "s|$IT_DIR/moat\\.|$IT_DIR/$x/moat.|" "$IT_DIR/moat.conf" > "$IT_DIR/$x/moat.conf"
	"$IT_APP" -c "$IT_DIR/$x/moat.conf" >> "$IT_DIR/$x/app.stderr" 2>&1 &
	eval "PID_$x=\$!"
done
it_wait_for "$IT_DIR/a/moat.sock" && it_wait_for "$IT_DIR/b/moat.sock" ||
	{ cat "$IT_DIR"/*/app.stderr "$IT_DIR"/*/moat.log >&2; exit 1; }
IT_PORT=$(it_free_port)
IT_BASE="http://127.0.0.1:$IT_PORT"
it_write_nginx
"$IT_NGINX" -p "$IT_DIR/nginx" -c "$IT_DIR/nginx/nginx.conf" 2>>"$IT_DIR/nginx/logs/start.log" ||
	{ cat "$IT_DIR/nginx/logs/start.log" >&2; exit 1; }
it_wait_for "$IT_DIR/nginx/nginx.pid" || exit 1
stop_all() {
	kill -TERM "$PID_a" "$PID_b" 2>/dev/null
	wait "$PID_a" "$PID_b" 2>/dev/null
	it_db_cleanup
}
trap stop_all EXIT

A="http://127.0.0.1:$PORT_A"
B="http://127.0.0.1:$PORT_B"
token() { sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/p' | tr -d '\r'; }
me() { curl -s -H "Cookie: __Host-moat=$2" "$1/me"; }

it_check "two supervisors run" 2 "$(ls "$IT_DIR"/a/moat.pid "$IT_DIR"/b/moat.pid 2>/dev/null | wc -l)"
tok=$(curl -s -D - -o /dev/null --data 'username=ivy&password=ivys+password' "$A/register" | token)
id=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'ivy'")
it_check "signed up through instance a" "user $id admin 0" "$(me "$A" "$tok")"
it_check "the session works through instance b" "user $id admin 0" "$(me "$B" "$tok")"
seen=0
for i in $(seq 1 10); do
	[ "$(me "$IT_BASE" "$tok")" = "user $id admin 0" ] && seen=$((seen + 1))
done
it_check "and through the shared upstream, whichever answers" 10 "$seen"

csrf=$(curl -s -H "Cookie: __Host-moat=$tok" "$B/form" | sed -n 's/^csrf=//p')
it_check "log-out through instance b" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: __Host-moat=$tok" --data "csrf_token=$csrf" "$B/logout")"
it_check "ends the session on instance b" "user 0 admin 0" "$(me "$B" "$tok")"
it_check "and on instance a" "user 0 admin 0" "$(me "$A" "$tok")"

# One log-in through a, the other through b: both live, both end.
t1=$(curl -s -D - -o /dev/null --data 'username=ivy&password=ivys+password' "$A/login" | token)
t2=$(curl -s -D - -o /dev/null --data 'username=ivy&password=ivys+password' "$B/login" | token)
it_check "a session from each instance" "user $id admin 0|user $id admin 0" "$(me "$B" "$t1")|$(me "$A" "$t2")"

it_finish
