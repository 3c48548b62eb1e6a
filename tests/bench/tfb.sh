#!/usr/bin/env bash
# tests/bench/tfb.sh SRC_DIR BUILD_DIR - TechEmpower's test types (plaintext,
# json, db, queries, fortunes, updates) side by side on one machine, through
# one nginx, against one throwaway PostgreSQL 15 cluster:
#
#   moat   tests/bench/tfb-moat, the public API only, Moat's default config
#          but workers = 4; nginx upstream as Moat ships it (keepalive 32,
#          fastcgi_keep_conn on)
#   bare   tests/bench/tfb-bare: libfcgi and libpq, prepared statements,
#          pipeline mode for queries and updates, 4 preforked processes with
#          one connection each; the same upstream keep-alive as moat
#   php    tests/bench/tfb.php in PHP-FPM: static pool of 4, persistent PDO
#          (pdo_pgsql), prepared statements.  nginx reaches it the way PHP
#          sites are set up (Debian's snippets/fastcgi-php.conf): a new
#          connection per request, no fastcgi_keep_conn, because PHP-FPM's
#          children serve one connection at a time and stall behind idle
#          kept ones.  BENCH_PHP_KEEPALIVE=1 gives it moat's settings anyway.
#   nginx  return 200 "Hello, World!": the ceiling, plaintext only
#
# One more type is Moat's alone: "session", the db page of tfb-moat's
# /session/db twice, anonymous (moat-anon: no cookie) and signed in
# (moat-signed: the broker loads the session before the statement), to
# show what a session costs.  The report also gives each peer's resident
# memory (VmRSS, and the peak VmHWM) per process role after the runs.
#
# wrk -t2 at each connection count, every test type, rounds interleaved
# across the peers (the peers' order rotates each round); the tables give
# medians over the rounds.  A measurement, not a test: it fails only if it
# cannot run or if a peer answers a test type wrongly (every answer is
# checked first).  "make bench-tfb" calls it.
#
# Environment:
#   BENCH_SECONDS   per run (default 10)        BENCH_ROUNDS  (default 3)
#   BENCH_CONNS     connection counts ("16 64")  BENCH_QUERIES N for queries
#                                                and updates (default 20)
#   BENCH_TYPES     a subset of the test types, e.g. "plaintext db"
#   BENCH_WARMUP    seconds per peer and type before round 1 (default 2)
#   BENCH_RESULTS   where tfb.md, tfb.svg and tfb-runs.tsv go
#                   (default SRC_DIR/tests/bench/results)
#   BENCH_SMOKE=1   1 round of 1 s at 16 connections, no warm-up, results
#                   in the work directory only: proves that every peer
#                   answers every test type correctly (exit 1 if not)
#
# Needs (Debian 12): wrk, nginx, php-fpm, php-pgsql, postgresql (15),
# postgresql-client, curl.  Installs nothing: it names what is missing.
# Every server listens on 127.0.0.1 or a unix socket and stops at exit.
set -euo pipefail

BENCH_NAME=bench-tfb
# shellcheck source=tests/bench/lib-bench.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib-bench.sh"

[[ $# -eq 2 ]] || die "usage: $0 SRC_DIR BUILD_DIR"
SRC=$(cd -- "$1" && pwd -P)
BUILD=$(cd -- "$2" && pwd -P)
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS_LIST=${BENCH_CONNS:-16 64}
QUERIES=${BENCH_QUERIES:-20}
TYPES=${BENCH_TYPES:-plaintext json db queries fortunes updates session}
WARMUP=${BENCH_WARMUP:-2}
RESULTS=${BENCH_RESULTS:-$SRC/tests/bench/results}
SMOKE=${BENCH_SMOKE:-}
W=4
WRK_TIMEOUT=10
if [[ -n $SMOKE && $SMOKE != 0 ]]; then
	SMOKE=1 SECS=1 ROUNDS=1 CONNS_LIST=16 WARMUP=0
else
	SMOKE=
fi
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive number"
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "BENCH_ROUNDS must be 1-99"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a number of seconds"
[[ $QUERIES =~ ^[1-9][0-9]*$ && $QUERIES -le 500 ]] || die "BENCH_QUERIES must be 1-500"
for c in $CONNS_LIST; do
	[[ $c =~ ^[1-9][0-9]*$ && $c -ge 2 && $c -le 1024 ]] ||
		die "BENCH_CONNS must be connection counts of 2-1024"
done
ALL_TYPES=(plaintext json db queries fortunes updates session)
for t in $TYPES; do
	[[ " ${ALL_TYPES[*]} " == *" $t "* ]] || die "unknown test type $t (BENCH_TYPES: ${ALL_TYPES[*]})"
done
PEERS=(moat bare php nginx)
MOAT_APP=$BUILD/tests/bench/tfb-moat
BARE_APP=$BUILD/tests/bench/tfb-bare
CURL=(curl --noproxy '*' --silent --show-error --max-time 10)

# --- what this needs ------------------------------------------------------------

bench_need wrk wrk
bench_need nginx nginx
bench_need curl curl
bench_need postgresql-client psql
bench_find_pg_bin || bench_missing postgresql
PHP_FPM=${BENCH_PHP_FPM:-$(find /usr/sbin /usr/local/sbin -maxdepth 1 -name 'php-fpm*' \
	-type f -perm -u+x 2>/dev/null | sort -V | tail -n 1)}
if [[ -z $PHP_FPM ]]; then
	bench_missing php-fpm
	bench_missing php-pgsql
# Read the whole list first: grep -q would stop reading early, and the
# writer's SIGPIPE would count as a failure under pipefail.
elif ! grep -qx pdo_pgsql <<<"$("$PHP_FPM" -m 2>/dev/null || true)"; then
	bench_missing php-pgsql
fi
bench_need_done
NGINX_BIN=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx)
[[ -x $MOAT_APP && -x $BARE_APP ]] ||
	die "$MOAT_APP or $BARE_APP is missing: run make tests/bench/tfb-moat tests/bench/tfb-bare in $BUILD"
if is_root; then
	for u in moat-worker moat-broker www-data; do
		getent passwd "$u" >/dev/null ||
			die "the system user $u is missing (useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $u; deploy/dev creates Moat's)"
	done
fi

# --- work directory and clean-up ------------------------------------------------

# Short path: the unix sockets live here (107-byte limit).
WORK=$(mktemp -d /tmp/moat-tfb.XXXXXX)
MOAT_PID=
BARE_PID=
PHP_PID=
NGX_PID=

cleanup() {
	local rc=$? f
	trap - EXIT INT TERM
	set +e
	[[ -z $NGX_PID ]] || bench_stop_pid "$NGX_PID"
	[[ -z $MOAT_PID ]] || bench_stop_pid "$MOAT_PID"
	[[ -z $BARE_PID ]] || bench_stop_pid "$BARE_PID"
	[[ -z $PHP_PID ]] || bench_stop_pid "$PHP_PID"
	if ((rc != 0)); then
		for f in "$WORK/moat.log" "$WORK/moat.stderr" "$WORK/bare.stderr" \
			"$WORK/php-fpm.log" "$WORK"/nginx/error*.log "$BENCH_PG_DIR/server.log"; do
			[[ -s $f ]] || continue
			printf -- '----- last lines of %s -----\n' "$f" >&2
			tail -n 15 -- "$f" >&2
		done
	fi
	bench_pg_stop
	rm -rf -- "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As root, nginx's and PHP-FPM's workers run as www-data and Moat's as
# moat-worker: the work directory must be reachable and the sockets
# group-writable for www-data.
if is_root; then
	chmod 0755 "$WORK"
	NGX_USER_LINE='user www-data;'
	SOCK_MODE=0660
else
	NGX_USER_LINE=
	SOCK_MODE=0600
fi

# --- the database ------------------------------------------------------------------

say "throwaway PostgreSQL cluster ($PG_BIN)"
bench_pg_start 55434
DB=hello_world
BROKER_ROLE=tfb_moat_broker
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# benchmarkdbuser, as in TFB, for bare and PHP; the broker has its own role
# with Moat's grants (its sessions tables) and the catalogue's.
psql_admin -c "CREATE ROLE benchmarkdbuser LOGIN" -c "CREATE ROLE $BROKER_ROLE LOGIN" \
	-c "CREATE DATABASE $DB" >/dev/null
psql_db -f "$SRC/tests/bench/tfb-data.sql" >/dev/null
psql_db -f "$SRC/sql/framework.sql" >/dev/null
psql_db -v broker_role="$BROKER_ROLE" -f "$SRC/sql/framework-grants.sql" >/dev/null
psql_db -c "GRANT SELECT, UPDATE ON world TO benchmarkdbuser, $BROKER_ROLE" \
	-c "GRANT SELECT ON fortune TO benchmarkdbuser, $BROKER_ROLE" >/dev/null
[[ $(psql_db -tA -c 'SELECT count(*) FROM world') == 10000 &&
	$(psql_db -tA -c 'SELECT count(*) FROM fortune') == 12 ]] ||
	die "the data set did not load"

# --- the peers ---------------------------------------------------------------------

start_moat() {
	local conf=$WORK/moat.conf
	mkdir -m 0755 "$WORK/empty"
	mkdir -m 0700 "$WORK/store"
	is_root && chown moat-broker: "$WORK/store"
	"$SRC/deploy/moat-keygen" "$WORK/broker.secrets" \
		--database "host=$PGHOST port=$PGPORT dbname=$DB user=$BROKER_ROLE" \
		--file-store "$WORK/store" >/dev/null
	# Moat's example config with only what this machine needs changed:
	# paths, the socket's group for nginx, workers = 4, the app's files.
	{
		printf 'listen = %s\nsocket_mode = %s\npidfile = %s\nlog_file = %s\nworkers = %s\n' \
			"$WORK/moat.sock" "$SOCK_MODE" "$WORK/moat.pid" "$WORK/moat.log" "$W"
		is_root && printf 'socket_group = www-data\n'
		printf 'worker_chroot = %s\ncatalogue = %s\nbroker_secrets = %s\ntemplates = %s\n' \
			"$WORK/empty" "$SRC/tests/bench/tfb.catalogue" "$WORK/broker.secrets" \
			"$SRC/tests/bench/tfb-templates"
		grep -Ev '^[[:space:]]*#?[[:space:]]*(listen|socket_mode|socket_group|pidfile|log_file|workers|worker_chroot|catalogue|broker_secrets|templates)[[:space:]]*=' \
			"$SRC/deploy/moat.conf.example"
	} >"$conf"
	"$MOAT_APP" -c "$conf" --check-config >"$WORK/check-config.log" 2>&1 || {
		cat "$WORK/check-config.log" >&2
		die "tfb-moat rejects the bench config"
	}
	setsid "$MOAT_APP" -c "$conf" </dev/null >"$WORK/moat.stderr" 2>&1 &
	MOAT_PID=$!
	bench_wait_socket "$WORK/moat.sock" "$MOAT_PID" tfb-moat
}

start_bare() {
	setsid "$BARE_APP" "$WORK/bare.sock" "$W" \
		"host=$PGHOST port=$PGPORT dbname=$DB user=benchmarkdbuser" \
		</dev/null >"$WORK/bare.stderr" 2>&1 &
	BARE_PID=$!
	bench_wait_socket "$WORK/bare.sock" "$BARE_PID" tfb-bare
	# tfb-bare leaves the mode to the umask; give nginx's workers access.
	chmod "$SOCK_MODE" "$WORK/bare.sock"
	is_root && chgrp www-data "$WORK/bare.sock"
	return 0
}

start_php() {
	mkdir -m 0755 "$WORK/php"
	install -m 0644 "$SRC/tests/bench/tfb.php" "$WORK/php/tfb.php"
	{
		printf '[global]\npid = %s\nerror_log = %s\ndaemonize = no\n\n' \
			"$WORK/php-fpm.pid" "$WORK/php-fpm.log"
		printf '[tfb]\nlisten = %s\nlisten.mode = %s\n' "$WORK/php.sock" "$SOCK_MODE"
		is_root && printf 'user = www-data\ngroup = www-data\nlisten.owner = www-data\nlisten.group = www-data\n'
		# A static pool of 4, recycled never, as the other peers.
		printf 'pm = static\npm.max_children = %s\npm.max_requests = 0\n' "$W"
		printf 'clear_env = yes\nenv[TFB_DSN] = "pgsql:host=%s;port=%s;dbname=%s"\nenv[TFB_USER] = benchmarkdbuser\n' \
			"$PGHOST" "$PGPORT" "$DB"
	} >"$WORK/php-fpm.conf"
	"$PHP_FPM" --test --fpm-config "$WORK/php-fpm.conf" >"$WORK/php-fpm-test.log" 2>&1 || {
		cat "$WORK/php-fpm-test.log" >&2
		die "php-fpm rejects the bench config"
	}
	setsid "$PHP_FPM" --nodaemonize --fpm-config "$WORK/php-fpm.conf" \
		</dev/null >"$WORK/php-fpm.stderr" 2>&1 &
	PHP_PID=$!
	bench_wait_socket "$WORK/php.sock" "$PHP_PID" php-fpm
}

# --- nginx -------------------------------------------------------------------------

declare -A PORT
for p in "${PEERS[@]}"; do
	bench_free_port
	PORT[$p]=$FREE_PORT
done
# The session rows' two views of the one Moat app.
PORT[moat-anon]=${PORT[moat]}
PORT[moat-signed]=${PORT[moat]}

start_nginx() {
	local n=$WORK/nginx params php_up php_keep
	mkdir -p "$n/tmp"
	params=$(bench_fastcgi_params)
	if [[ -n ${BENCH_PHP_KEEPALIVE:-} ]]; then
		php_up="server unix:$WORK/php.sock; keepalive 32;"
		php_keep=on
	else
		php_up="server unix:$WORK/php.sock;"
		php_keep=off
	fi
	# Each peer has its own server and error log, so that the upstream
	# errors can be counted per peer.  The fastcgi_* lines are those of
	# deploy/nginx/moat.conf.
	cat >"$n/nginx.conf" <<EOF
$NGX_USER_LINE
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log warn;
daemon on;
events { worker_connections 4096; }
http {
    access_log off;
    server_tokens off;
    client_body_temp_path $n/tmp/client_body;
    fastcgi_temp_path $n/tmp/fastcgi;
    proxy_temp_path $n/tmp/proxy;
    uwsgi_temp_path $n/tmp/uwsgi;
    scgi_temp_path $n/tmp/scgi;
    keepalive_requests 1000000;
    fastcgi_connect_timeout 5s;
    fastcgi_send_timeout 30s;
    fastcgi_read_timeout 30s;

    upstream moat { server unix:$WORK/moat.sock; keepalive 32; }
    upstream bare { server unix:$WORK/bare.sock; keepalive 32; }
    upstream php { $php_up }

    server {
        listen 127.0.0.1:${PORT[moat]};
        error_log $n/error-moat.log warn;
        location / {
            fastcgi_pass moat;
            fastcgi_keep_conn on;
$params
        }
    }
    server {
        listen 127.0.0.1:${PORT[bare]};
        error_log $n/error-bare.log warn;
        location / {
            fastcgi_pass bare;
            fastcgi_keep_conn on;
$params
        }
    }
    server {
        listen 127.0.0.1:${PORT[php]};
        error_log $n/error-php.log warn;
        location / {
            fastcgi_pass php;
            fastcgi_keep_conn $php_keep;
            fastcgi_param SCRIPT_FILENAME $WORK/php/tfb.php;
$params
        }
    }
    server {
        listen 127.0.0.1:${PORT[nginx]};
        error_log $n/error-nginx.log warn;
        location = /plaintext {
            default_type text/plain;
            return 200 "Hello, World!";
        }
        location / { return 404; }
    }
}
EOF
	"$NGINX_BIN" -p "$n/" -e "$n/error.log" -c nginx.conf </dev/null >"$n/startup.log" 2>&1 || {
		cat "$n/startup.log" >&2
		die "nginx did not start"
	}
	NGX_PID=$(cat "$n/nginx.pid")
}

say "starting tfb-moat, tfb-bare and PHP-FPM ($W processes each) and nginx (1 worker) in $WORK"
start_moat
start_bare
start_php
start_nginx

# --- are the answers right? --------------------------------------------------------

FAILS=()
fail() { FAILS+=("$1: $2"); }

# fetch PEER PATH: BODY, STATUS and CTYPE of GET PATH.
fetch() {
	local meta
	if ! meta=$("${CURL[@]}" -o "$WORK/body" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:${PORT[$1]}$2" 2>"$WORK/curl.err"); then
		STATUS=000 CTYPE='' BODY="($(cat "$WORK/curl.err"))"
		return
	fi
	STATUS=${meta%% *}
	CTYPE=${meta#* }
	BODY=$(cat "$WORK/body")
}

ROW='\{ *"id" *: *[0-9]+ *, *"randomNumber" *: *[0-9]+ *\}'

# check_rows PEER WHAT EXPECTED_COUNT: BODY is a JSON array of that many
# World rows (an object when EXPECTED_COUNT is "object"), ids and numbers
# in 1..10000.
check_rows() {
	local peer=$1 what=$2 want=$3 rest count n
	if [[ $STATUS != 200 || $CTYPE != application/json* ]]; then
		fail "$peer $what" "status $STATUS, type '$CTYPE': ${BODY:0:200}"
		return
	fi
	if [[ $want == object ]]; then
		[[ $BODY =~ ^$ROW$ ]] || fail "$peer $what" "not one row object: ${BODY:0:200}"
	else
		rest=$(sed -E "s/$ROW//g; s/,//g" <<<"$BODY")
		count=$(grep -oE "$ROW" <<<"$BODY" | wc -l || true)
		[[ $rest == "[]" && $count == "$want" ]] ||
			fail "$peer $what" "want an array of $want rows, got $count: ${BODY:0:200}"
	fi
	for n in $(grep -oE '[0-9]+' <<<"$BODY" || true); do
		((n >= 1 && n <= 10000)) || {
			fail "$peer $what" "value $n out of 1..10000"
			return
		}
	done
}

# The order of TFB's fortunes and the added one (id 0), by message.
FORTUNE_ORDER="11 4 5 2 8 0 3 7 10 6 9 1 12"

validate() {
	local peer=$1 ids pair pairs id num stored
	fetch "$peer" /plaintext
	[[ $STATUS == 200 && $CTYPE == text/plain* && $BODY == "Hello, World!" ]] ||
		fail "$peer plaintext" "status $STATUS, type '$CTYPE': ${BODY:0:100}"
	[[ $peer == nginx ]] && return
	fetch "$peer" /json
	[[ $STATUS == 200 && $CTYPE == application/json* && $BODY =~ ^\{\ *\"message\"\ *:\ *\"Hello,\ World!\"\ *\}$ ]] ||
		fail "$peer json" "status $STATUS, type '$CTYPE': ${BODY:0:100}"
	fetch "$peer" /db
	check_rows "$peer" db object
	fetch "$peer" "/queries?queries=$QUERIES"
	check_rows "$peer" "queries=$QUERIES" "$QUERIES"
	for pair in ":1" "?queries=:1" "?queries=abc:1" "?queries=0:1" "?queries=-3:1" \
		"?queries=501:500" "?queries=99999999999999999999:500" "?queries=7:7"; do
		fetch "$peer" "/queries${pair%:*}"
		check_rows "$peer" "queries${pair%:*}" "${pair##*:}"
	done
	fetch "$peer" "/updates?queries=$QUERIES"
	check_rows "$peer" "updates?queries=$QUERIES" "$QUERIES"
	fetch "$peer" "/updates?queries=x"
	check_rows "$peer" "updates?queries=x" 1
	# What updates answered must be what the database now holds (an id
	# drawn twice may hold either number: those are skipped).
	fetch "$peer" "/updates?queries=5"
	check_rows "$peer" "updates?queries=5" 5
	pairs=$(grep -oE '"id":[0-9]+,"randomNumber":[0-9]+' <<<"$BODY" | tr -c '0-9\n' ' ' |
		awk '{ print $1, $2 }' || true)
	while read -r id num; do
		[[ -n $id && $(grep -c "^$id " <<<"$pairs") == 1 ]] || continue
		stored=$(psql_db -tA -c "SELECT randomnumber FROM world WHERE id = $id")
		[[ $stored == "$num" ]] ||
			fail "$peer updates" "answered id $id = $num, the database holds $stored"
	done <<<"$pairs"
	fetch "$peer" /fortunes
	if [[ $STATUS != 200 || $CTYPE != text/html* ]]; then
		fail "$peer fortunes" "status $STATUS, type '$CTYPE': ${BODY:0:200}"
		return
	fi
	ids=$(grep -oE '<td>[0-9]+</td>' <<<"$BODY" | tr -dc '0-9\n' | tr '\n' ' ' || true)
	[[ ${ids% } == "$FORTUNE_ORDER" ]] ||
		fail "$peer fortunes" "want 13 rows with ids $FORTUNE_ORDER (sorted by message), got: ${ids% }"
	[[ $BODY =~ \&lt\;script\&gt\;alert\((\&quot\;|\&#34\;|\&#x22\;)This\ should\ not\ be\ displayed\ in\ a\ browser\ alert\ box\.(\&quot\;|\&#34\;|\&#x22\;)\)\;\&lt\;/script\&gt\; ]] ||
		fail "$peer fortunes" "the <script> fortune is not escaped as expected"
	[[ $BODY != *"<script"* ]] || fail "$peer fortunes" "a raw <script> tag in the page"
	[[ $BODY == *"<td>フレームワークのベンチマーク</td>"* && $BODY == *"UNIX. — Tom Christaensen"* ]] ||
		fail "$peer fortunes" "the UTF-8 fortunes did not come through intact"
	[[ $BODY == *"<td>Additional fortune added at request time.</td>"* ]] ||
		fail "$peer fortunes" "no fortune added at request time"
}

# A signed-in session for the moat-signed rows, the way a browser gets
# one: a form's CSRF token with its anonymous session, then the log-in
# (registering the name first), which replaces the session.
SESSION_COOKIE=
sign_in() {
	local base="http://127.0.0.1:${PORT[moat]}" csrf tok
	csrf=$("${CURL[@]}" -D "$WORK/form.headers" "$base/session/form") || return 1
	tok=$(sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' "$WORK/form.headers" | tr -d '\r')
	"${CURL[@]}" -o /dev/null -D "$WORK/signin.headers" -H "Cookie: __Host-moat=$tok" \
		--data-urlencode username=tfb --data-urlencode 'password=tfb bench password' \
		--data-urlencode "csrf_token=$csrf" "$base/session/signin" || return 1
	tok=$(sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' "$WORK/signin.headers" | tr -d '\r')
	[[ -n $tok ]] || return 1
	SESSION_COOKIE="__Host-moat=$tok"
}

# The session page: a World row, and the user (0 when nobody is signed in).
validate_session() {
	local body p hdr
	for p in moat-anon moat-signed; do
		mapfile -t hdr < <(wrk_args "$p")
		body=$("${CURL[@]}" "${hdr[@]}" "http://127.0.0.1:${PORT[$p]}/session/db" 2>&1) || true
		case $p in
		moat-anon) [[ $body =~ ^\{\"id\":[0-9]+,\"randomNumber\":[0-9]+,\"user\":0\}$ ]] ;;
		*) [[ $body =~ ^\{\"id\":[0-9]+,\"randomNumber\":[0-9]+,\"user\":[1-9][0-9]*\}$ ]] ;;
		esac || fail "$p session" "GET /session/db answered: ${body:0:200}"
	done
}

# wrk_args PEER: the request headers that make a peer's view (one word each).
wrk_args() {
	[[ $1 != moat-signed ]] || printf '%s\n' -H "Cookie: $SESSION_COOKIE"
}

say "checking every answer of every peer"
for p in "${PEERS[@]}"; do
	validate "$p"
done
if [[ " $TYPES " == *" session "* ]]; then
	sign_in || fail moat-signed "signing in through /session/form and /session/signin failed"
	validate_session
fi
if ((${#FAILS[@]} > 0)); then
	for f in "${FAILS[@]}"; do
		printf '%s: wrong answer: %s\n' "$BENCH_NAME" "$f" >&2
	done
	die "${#FAILS[@]} wrong answer(s): nothing measured"
fi
say "all answers are right"

# --- measuring ---------------------------------------------------------------------

type_path() {
	case $1 in
	queries | updates) printf '/%s?queries=%s' "$1" "$QUERIES" ;;
	session) printf '/session/db' ;;
	*) printf '/%s' "$1" ;;
	esac
}

peers_of() {
	case $1 in
	plaintext) printf '%s\n' "${PEERS[@]}" ;;
	session) printf '%s\n' moat-anon moat-signed ;;
	*) printf '%s\n' moat bare php ;;
	esac
}

RUNS=$WORK/tfb-runs.tsv
printf 'round\ttype\tconns\tpeer\trequests\tduration_us\tp50_us\tp99_us\tmax_us\tconnect\tread\twrite\ttimeout\tnon2xx\n' >"$RUNS"

# run_wrk ROUND TYPE CONNS PEER: one measured run, a line of $RUNS.  wrk
# stops itself after SECS; timeout(1) bounds a wrk that would not.
run_wrk() {
	local round=$1 type=$2 conns=$3 peer=$4 url out line k v hdr
	local -A f=()
	url="http://127.0.0.1:${PORT[$peer]}$(type_path "$type")"
	mapfile -t hdr < <(wrk_args "$peer")
	out=$(timeout $((SECS + WRK_TIMEOUT + 20)) wrk -t2 -c"$conns" -d"${SECS}s" "${hdr[@]}" \
		--timeout "${WRK_TIMEOUT}s" -s "$SRC/tests/bench/tfb.lua" "$url" 2>&1) || true
	line=$(grep '^tfb-wrk ' <<<"$out" || true)
	if [[ -z $line ]]; then
		warn "wrk gave no result for $peer $type -c$conns: ${out:0:300}"
		line="tfb-wrk requests=0 duration_us=1 p50_us=0 p99_us=0 max_us=0 connect=0 read=0 write=0 timeout=0 status=0"
	fi
	for kv in ${line#tfb-wrk }; do
		k=${kv%%=*} v=${kv#*=}
		f[$k]=$v
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$type" "$conns" \
		"$peer" "${f[requests]}" "${f[duration_us]}" "${f[p50_us]}" "${f[p99_us]}" "${f[max_us]}" \
		"${f[connect]}" "${f[read]}" "${f[write]}" "${f[timeout]}" "${f[status]}" >>"$RUNS"
	printf '    %-9s %-6s -c%-4s %10.0f req/s\n' "$type" "$peer" "$conns" \
		"$(awk -v r="${f[requests]}" -v d="${f[duration_us]}" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
}

if ((WARMUP > 0)); then
	say "warm-up: ${WARMUP}s per peer and test type"
	for t in $TYPES; do
		for p in $(peers_of "$t"); do
			mapfile -t hdr < <(wrk_args "$p")
			timeout $((WARMUP + 20)) wrk -t2 -c16 -d"${WARMUP}s" "${hdr[@]}" \
				"http://127.0.0.1:${PORT[$p]}$(type_path "$t")" >/dev/null 2>&1 || true
		done
	done
fi

START=$(date -u '+%Y-%m-%d %H:%M UTC')
for ((r = 1; r <= ROUNDS; r++)); do
	say "round $r of $ROUNDS: ${SECS}s per run, wrk -t2 -c{${CONNS_LIST// /,}}"
	for t in $TYPES; do
		mapfile -t order < <(peers_of "$t")
		# Rotate the order each round, so that no peer always runs
		# right after the same one.
		n=${#order[@]}
		for c in $CONNS_LIST; do
			for ((i = 0; i < n; i++)); do
				run_wrk "$r" "$t" "$c" "${order[$(((i + r - 1) % n))]}"
			done
		done
	done
done

# --- memory ----------------------------------------------------------------------

# children_of PID: the pids whose parent is PID, from /proc.
children_of() {
	local st
	for st in /proc/[0-9]*/stat; do
		# Field 4 is the parent; the name in field 2 may hold spaces.
		awk -v want="$1" '{ sub(/^.*\) /, ""); if ($2 == want) print FILENAME }' "$st" 2>/dev/null
	done | sed -n 's|^/proc/\([0-9]*\)/stat$|\1|p'
}

# mem_row PEER ROLE PID...: one line of MEMORY: the number of processes,
# the median and largest VmRSS and the largest VmHWM, in KiB.
MEMORY=$WORK/tfb-memory.tsv
: >"$MEMORY"
mem_row() {
	local peer=$1 role=$2 pid
	shift 2
	for pid in "$@"; do
		awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { if (r != "") print r "\t" h }' \
			"/proc/$pid/status" 2>/dev/null
	done | sort -n | awk -F'\t' -v peer="$peer" -v role="$role" '
		{ r[++n] = $1; if ($2 > h) h = $2 }
		END { if (n) printf "%s\t%s\t%d\t%d\t%d\t%d\n", peer, role, n, r[int((n + 1) / 2)], r[n], h }' >>"$MEMORY"
}

# Moat's broker is the child that logged as broker[PID]; the others are
# workers.  Read right after the runs, before anything is stopped.
measure_memory() {
	local broker kids=() workers=() k
	broker=$(sed -n 's/.* broker\[\([0-9]*\)\] .*/\1/p' "$WORK/moat.log" | tail -n 1)
	mapfile -t kids < <(children_of "$MOAT_PID")
	for k in "${kids[@]}"; do
		[[ $k == "$broker" ]] || workers+=("$k")
	done
	mem_row moat worker "${workers[@]}"
	[[ -z $broker ]] || mem_row moat broker "$broker"
	mem_row moat supervisor "$MOAT_PID"
	mapfile -t kids < <(children_of "$BARE_PID")
	mem_row bare process "$BARE_PID" "${kids[@]}"
	mapfile -t kids < <(children_of "$PHP_PID")
	mem_row php child "${kids[@]}"
	mem_row php master "$PHP_PID"
}
measure_memory

# --- the report --------------------------------------------------------------------

declare -A PREMATURE ERRLINES
for p in "${PEERS[@]}"; do
	PREMATURE[$p]=$(grep -c 'upstream prematurely closed' "$WORK/nginx/error-$p.log" 2>/dev/null || true)
	ERRLINES[$p]=$(grep -c '\[error\]' "$WORK/nginx/error-$p.log" 2>/dev/null || true)
done

# One line per test type, connection count and peer: medians over the
# rounds of req/s, p50 and p99; the largest raw maximum; summed errors.
SUMMARY=$WORK/tfb-summary.tsv
awk -F'\t' '
	function median(key, list,   n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	NR == 1 { next }
	{
		k = $2 "\t" $3 "\t" $4
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		rps[k] = rps[k] " " ($6 > 0 ? $5 / ($6 / 1e6) : 0)
		p50[k] = p50[k] " " $7
		p99[k] = p99[k] " " $8
		if ($9 + 0 > mx[k] + 0) mx[k] = $9
		errs[k] += $10 + $11 + $12 + $13
		non2xx[k] += $14
		reqs[k] += $5
		rounds[k]++
	}
	END {
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			printf "%s\t%.0f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", k, median(k, rps[k]),
			    median(k, p50[k]), median(k, p99[k]), mx[k], errs[k], non2xx[k],
			    reqs[k], rounds[k]
		}
	}' "$RUNS" >"$SUMMARY"

COMMIT=unknown
if git -C "$SRC" rev-parse --short HEAD >/dev/null 2>&1; then
	COMMIT=$(git -C "$SRC" rev-parse --short HEAD)
	git -C "$SRC" diff --quiet HEAD -- . ':(exclude)tests/bench/results' 2>/dev/null ||
		COMMIT+=" (with uncommitted changes)"
fi
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
MACHINE="$(nproc) CPUs, ${CPU:-unknown CPU}, Linux $(uname -r)"
# Each tool's version; "wrk -v" exits 1 and head closes pipes early, so
# these never fail the script.
version_of() {
	case $1 in
	nginx) "$NGINX_BIN" -v 2>&1 | sed -n 's/^nginx version: //p' ;;
	php) "$PHP_FPM" -v 2>/dev/null | awk 'NR == 1 { print "PHP " $2 }' ;;
	opcache) "$PHP_FPM" -i 2>/dev/null | awk '$1 == "opcache.enable" { v = $3 } END { print v }' ;;
	pg) "$PG_BIN/postgres" --version | awk '{ print "PostgreSQL " $3 }' ;;
	wrk) wrk -v 2>&1 | awk 'NR == 1 { print "wrk " $2 }' ;;
	esac || true
}
VERSIONS="$(version_of nginx), $(version_of php) (OPcache $(version_of opcache), JIT off), $(version_of pg), $(version_of wrk)"
if [[ -n ${BENCH_PHP_KEEPALIVE:-} ]]; then
	PHP_NOTE="php: BENCH_PHP_KEEPALIVE=1, the same upstream keep-alive as moat and bare"
else
	PHP_NOTE="php: a new upstream connection per request (fastcgi_keep_conn off), as PHP sites are set up: PHP-FPM's children serve one connection at a time and stall behind idle kept ones"
fi

fmt_ms() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }

markdown() {
	local t c p line rps p50 p99 mx errs non2xx bare_rps php_rps vs_bare vs_php
	printf '# TechEmpower test types: Moat, bare libfcgi, PHP-FPM, nginx\n\n'
	printf -- '- date: %s; machine: %s\n' "$START" "$MACHINE"
	printf -- '- commit: %s\n' "$COMMIT"
	printf -- '- %s\n' "$VERSIONS"
	printf -- '- wrk -t2, %s s per run, %s round(s) interleaved across the peers, connections: %s; queries and updates with queries=%s; medians over the rounds\n' \
		"$SECS" "$ROUNDS" "$CONNS_LIST" "$QUERIES"
	printf -- '- every app has %s processes, nginx 1 worker, PostgreSQL 15 on a unix socket (fsync off), all on this one machine together with wrk\n' "$W"
	printf -- '- moat: default config but workers; bare: same nginx upstream keep-alive as moat (keepalive 32, fastcgi_keep_conn on)\n'
	printf -- '- %s\n' "$PHP_NOTE"
	printf -- '- p50/p99: wrk'"'"'s percentiles, corrected for coordinated omission; max: the slowest single response measured (wrk'"'"'s latency.max, which that correction leaves alone), the largest over the rounds; errors: connect, read, write and timeout (over %s s) summed over the rounds\n\n' "$WRK_TIMEOUT"
	for t in $TYPES; do
		for c in $CONNS_LIST; do
			printf '## %s, %s connections\n\n' "$t" "$c"
			printf '| peer | req/s | vs bare | vs php | p50 | p99 | max (raw) | errors | non-2xx |\n'
			printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
			bare_rps=$(awk -F'\t' -v t="$t" -v c="$c" '$1 == t && $2 == c && $3 == "bare" { print $4 }' "$SUMMARY")
			php_rps=$(awk -F'\t' -v t="$t" -v c="$c" '$1 == t && $2 == c && $3 == "php" { print $4 }' "$SUMMARY")
			for p in $(peers_of "$t"); do
				line=$(awk -F'\t' -v t="$t" -v c="$c" -v p="$p" '$1 == t && $2 == c && $3 == p' "$SUMMARY")
				[[ -n $line ]] || continue
				IFS=$'\t' read -r _ _ _ rps p50 p99 mx errs non2xx _ _ <<<"$line"
				vs_bare=$(awk -v a="$rps" -v b="${bare_rps:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
				vs_php=$(awk -v a="$rps" -v b="${php_rps:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
				printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$p" "$rps" "$vs_bare" \
					"$vs_php" "$(fmt_ms "$p50")" "$(fmt_ms "$p99")" "$(fmt_ms "$mx")" "$errs" "$non2xx"
			done
			printf '\n'
		done
	done
	if [[ " $TYPES " == *" session "* ]]; then
		printf '## a signed-in page beside the same page anonymous\n\n'
		printf 'GET /session/db: the db page that also asks who is signed in.\n\n'
		printf '| connections | anonymous req/s | signed-in req/s | signed-in / anonymous |\n| ---: | ---: | ---: | ---: |\n'
		for c in $CONNS_LIST; do
			awk -F'\t' -v c="$c" '$1 == "session" && $2 == c { v[$3] = $4 }
				END { printf "| %s | %s | %s | %s |\n", c, v["moat-anon"], v["moat-signed"],
					(v["moat-anon"] > 0 ? sprintf("%.2f", v["moat-signed"] / v["moat-anon"]) : "-") }' "$SUMMARY"
		done
		printf '\n'
	fi
	printf '## resident memory after the runs\n\n'
	printf 'KiB per process, read from /proc: VmRSS (median and largest over the processes of that role) and the peak VmHWM.  Workers are recycled after max_requests, so a worker'"'"'s peak is since its start.\n\n'
	printf '| peer | role | processes | VmRSS median | VmRSS max | VmHWM max |\n| --- | --- | ---: | ---: | ---: | ---: |\n'
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$MEMORY"
	printf '\n## nginx error log, whole run\n\n| peer | "upstream prematurely closed" | all [error] lines |\n| --- | ---: | ---: |\n'
	for p in "${PEERS[@]}"; do
		printf '| %s | %s | %s |\n' "$p" "${PREMATURE[$p]}" "${ERRLINES[$p]}"
	done
}

# A bar chart of the median req/s: one panel per test type and connection
# count, each scaled to its own largest bar (the types differ by orders of
# magnitude), the number written at each bar.
svg() {
	awk -F'\t' -v types="$TYPES" -v conns="$CONNS_LIST" -v title="$1" -v sub1="$2" -v sub2="$3" -v foot="$4" '
		function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
		{ v[$1 "/" $2 "/" $3] = $4 }
		END {
			nt = split(types, T, " "); nc = split(conns, C, " ")
			np = split("moat bare php nginx moat-anon moat-signed", P, " ")
			col["moat"] = "#2b6cb0"; col["bare"] = "#718096"; col["php"] = "#805ad5"; col["nginx"] = "#38a169"
			col["moat-anon"] = "#2b6cb0"; col["moat-signed"] = "#63b3ed"
			pw = 470; bar = 14; gap = 4; top = 78; label = 80; area = 280
			ph = 24 + 4 * (bar + gap) + 12	# at most four bars a panel
			w = 20 + nc * pw; h = top + nt * ph + 24
			printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h, w, h
			printf "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
			printf "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">%s</text>\n", esc(title)
			printf "<text x=\"10\" y=\"42\" fill=\"#4a5568\">%s</text>\n", esc(sub1)
			printf "<text x=\"10\" y=\"60\" fill=\"#4a5568\">%s</text>\n", esc(sub2)
			for (i = 1; i <= nt; i++) for (j = 1; j <= nc; j++) {
				x = 10 + (j - 1) * pw; y = top + (i - 1) * ph
				max = 0
				for (k = 1; k <= np; k++) { key = T[i] "/" C[j] "/" P[k]; if ((key in v) && v[key] + 0 > max) max = v[key] + 0 }
				printf "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s, %s connections</text>\n", x, y + 14, T[i], C[j]
				yy = y + 22
				for (k = 1; k <= np; k++) {
					key = T[i] "/" C[j] "/" P[k]
					if (!(key in v)) continue
					bw = max > 0 ? v[key] / max * area : 0
					if (bw < 1) bw = 1
					printf "<text x=\"%d\" y=\"%d\">%s</text>\n", x, yy + bar - 3, P[k]
					printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", x + label, yy, bw, bar, col[P[k]]
					printf "<text x=\"%.1f\" y=\"%d\">%s req/s</text>\n", x + label + bw + 6, yy + bar - 3, v[key]
					yy += bar + gap
				}
			}
			printf "<text x=\"10\" y=\"%d\" fill=\"#4a5568\">Each panel is scaled to its own largest bar. %s Tables and latencies: tfb.md.</text>\n", h - 8, esc(foot)
			printf "</svg>\n"
		}' "$SUMMARY"
}

OUT=$RESULTS
[[ -z $SMOKE ]] || OUT=$WORK/results
mkdir -p -- "$OUT"
markdown >"$OUT/tfb.md"
svg "Moat, bare libfcgi, PHP-FPM and nginx: TechEmpower test types, median requests/s" \
	"$START; $MACHINE; commit $COMMIT" \
	"wrk -t2, ${SECS} s x ${ROUNDS} round(s); 4 processes per app, nginx 1 worker, PostgreSQL 15; queries/updates: queries=$QUERIES" \
	"$([[ -n ${BENCH_PHP_KEEPALIVE:-} ]] && echo "php: upstream keep-alive as moat." || echo "php: no upstream keep-alive, as PHP sites run.")" \
	>"$OUT/tfb.svg"
cp -- "$RUNS" "$OUT/tfb-runs.tsv"
printf '\n'
cat "$OUT/tfb.md"
if [[ -n $SMOKE ]]; then
	# Smoke: under load too, every run must have had answers, and every
	# answer a 2xx status (socket errors are reported, not judged).
	bad=$(awk -F'\t' 'NR > 1 && ($5 == 0 || $14 > 0) { print $4 " " $2 }' "$RUNS")
	[[ -z $bad ]] || die "runs without answers or with non-2xx answers: $(tr '\n' ' ' <<<"$bad")"
	say "smoke: every peer answered every test type correctly"
else
	say "results in $OUT: tfb.md, tfb.svg, tfb-runs.tsv"
fi
