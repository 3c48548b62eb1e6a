#!/usr/bin/env bash
# tests/bench/run.sh SRC_DIR BUILD_DIR - throughput and latency of the hello
# page through nginx, Moat against plain libfcgi.  A measurement, not a test:
# it prints a table and fails only if it cannot run.  "make bench" calls it.
#
#   (a) moat      app/moat-hello, W workers, nginx keep-alive upstream
#   (b) bare      tests/bench/bare-hello, W processes, same keep-alive setup
#   (c) bare-nokeep  a second bare-hello, no upstream keep-alive
#                    (fastcgi_keep_conn off: one connect per request)
#
# (c) has its own bare-hello: libfcgi serves one connection at a time, so the
# processes of (b) stay blocked on the idle connections nginx keeps to them.
#
# Environment: BENCH_WORKERS (W, default 4), BENCH_SECONDS (default 15),
# BENCH_NGINX_WORKERS (default 1).  wrk runs with 2 threads and 4*W
# connections after a 3 s warm-up.  Everything runs on 127.0.0.1 and stops
# at exit.
set -euo pipefail

# die, say, is_root, the port, process and socket helpers and the
# FastCGI parameters are the other benchmarks' (lib-bench.sh).
BENCH_NAME=bench
# shellcheck source=tests/bench/lib-bench.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib-bench.sh"

[[ $# -eq 2 ]] || die "usage: $0 SRC_DIR BUILD_DIR"
SRC=$(cd -- "$1" && pwd -P)
BUILD=$(cd -- "$2" && pwd -P)
W=${BENCH_WORKERS:-4}
SECS=${BENCH_SECONDS:-15}
NGX_WORKERS=${BENCH_NGINX_WORKERS:-1}
[[ $W =~ ^[1-9][0-9]*$ && $W -le 64 ]] || die "BENCH_WORKERS must be 1-64"
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive number"
[[ $NGX_WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_NGINX_WORKERS must be a positive number"
CONNS=$((4 * W))
APP=$BUILD/app/moat-hello
BARE=$BUILD/tests/bench/bare-hello
CURL=(curl --noproxy '*' --silent --show-error --max-time 5)

# --- tools ------------------------------------------------------------------

ensure_wrk() {
	command -v wrk >/dev/null && return
	is_root || die "wrk is not installed (Debian package wrk): apt-get install wrk"
	say "installing wrk"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk
}

ensure_wrk
NGINX_BIN=$(PATH=$PATH:/usr/sbin:/sbin command -v nginx || true)
[[ -n $NGINX_BIN ]] || die "nginx is not installed (Debian package nginx)"
[[ -x $APP ]] || die "$APP is missing: run make in $BUILD"
[[ -x $BARE ]] || die "$BARE is missing: run make check_PROGRAMS in $BUILD"

# --- work directory and clean-up --------------------------------------------

# Short path: the unix sockets live here (107-byte limit).
WORK=$(mktemp -d /tmp/moat-bench.XXXXXX)
APP_PID=
BARE_PID=
NOKEEP_PID=
NGX_PID=

cleanup() {
	local rc=$?
	[[ -z $NGX_PID ]] || bench_stop_pid "$NGX_PID"
	[[ -z $APP_PID ]] || bench_stop_pid "$APP_PID"
	[[ -z $BARE_PID ]] || bench_stop_pid "$BARE_PID"
	[[ -z $NOKEEP_PID ]] || bench_stop_pid "$NOKEEP_PID"
	if ((rc != 0)); then
		for f in "$WORK/moat.log" "$WORK/moat.stderr" "$WORK/bare.stderr" \
			"$WORK/bare-nokeep.stderr" "$WORK/nginx/error.log"; do
			[[ -s $f ]] || continue
			printf -- '----- last lines of %s -----\n' "$f" >&2
			tail -n 20 -- "$f" >&2
		done
	fi
	rm -rf -- "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# As root, nginx workers run as www-data: the work directory must be
# reachable and the sockets group-writable for it.
if is_root; then
	chmod 0755 "$WORK"
	NGX_USER_LINE='user www-data;'
	SOCK_MODE=0660
	SOCK_GROUP=www-data
else
	NGX_USER_LINE=
	SOCK_MODE=0600
	SOCK_GROUP=
fi

# --- (a) the Moat app -------------------------------------------------------

# The example config with the bench's values: every other limit stays as
# shipped.  log_level warn keeps per-request log lines out of the numbers.
start_moat() {
	local conf=$WORK/moat.conf
	{
		printf 'listen = %s\nsocket_mode = %s\npidfile = %s\nlog_file = %s\nlog_level = warn\nworkers = %s\n' \
			"$WORK/moat.sock" "$SOCK_MODE" "$WORK/moat.pid" "$WORK/moat.log" "$W"
		[[ -z $SOCK_GROUP ]] || printf 'socket_group = %s\n' "$SOCK_GROUP"
		grep -Ev '^[[:space:]]*#?[[:space:]]*(listen|socket_mode|socket_group|pidfile|log_file|log_level|workers)[[:space:]]*=' \
			"$SRC/deploy/moat.conf.example"
	} >"$conf"
	"$APP" -c "$conf" --check-config >"$WORK/check-config.log" 2>&1 ||
		{
			cat "$WORK/check-config.log" >&2
			die "moat-hello rejects the bench config"
		}
	setsid "$APP" -c "$conf" </dev/null >"$WORK/moat.stderr" 2>&1 &
	APP_PID=$!
	bench_wait_socket "$WORK/moat.sock" "$APP_PID" moat-hello
}

# --- (b) bare libfcgi -------------------------------------------------------

# start_bare NAME: bare-hello on $WORK/NAME.sock; its pid in STARTED_PID.
start_bare() {
	local name=$1
	setsid "$BARE" "$WORK/$name.sock" "$W" </dev/null >"$WORK/$name.stderr" 2>&1 &
	STARTED_PID=$!
	bench_wait_socket "$WORK/$name.sock" "$STARTED_PID" "bare-hello ($name)"
	# bare-hello leaves the mode to the umask; give nginx's workers access.
	chmod "$SOCK_MODE" "$WORK/$name.sock"
	[[ -z $SOCK_GROUP ]] || chgrp "$SOCK_GROUP" "$WORK/$name.sock"
}

# --- nginx ------------------------------------------------------------------

bench_free_port
PORT_MOAT=$FREE_PORT
bench_free_port
PORT_BARE=$FREE_PORT
bench_free_port
PORT_NOKEEP=$FREE_PORT

start_nginx() {
	local n=$WORK/nginx params
	mkdir -p "$n/tmp"
	params=$(bench_fastcgi_params)
	cat >"$n/nginx.conf" <<EOF
$NGX_USER_LINE
worker_processes $NGX_WORKERS;
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

    upstream moat { server unix:$WORK/moat.sock; keepalive 32; }
    upstream bare { server unix:$WORK/bare.sock; keepalive 32; }
    upstream bare_nokeep { server unix:$WORK/bare-nokeep.sock; }

    server {
        listen 127.0.0.1:$PORT_MOAT;
        location / {
            fastcgi_pass moat;
            fastcgi_keep_conn on;
$params
        }
    }
    server {
        listen 127.0.0.1:$PORT_BARE;
        location / {
            fastcgi_pass bare;
            fastcgi_keep_conn on;
$params
        }
    }
    server {
        listen 127.0.0.1:$PORT_NOKEEP;
        location / {
            fastcgi_pass bare_nokeep;
            fastcgi_keep_conn off;
$params
        }
    }
}
EOF
	"$NGINX_BIN" -p "$n/" -e "$n/error.log" -c nginx.conf </dev/null >"$n/startup.log" 2>&1 ||
		{
			cat "$n/startup.log" >&2
			die "nginx did not start"
		}
	NGX_PID=$(cat "$n/nginx.pid")
}

# --- measuring --------------------------------------------------------------

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# "NAME: sum kB over N processes (a b c ...)" for PID's children.
children_rss() {
	local pid=$1 c kb sum=0 n=0 list=
	for c in $(bench_children_of "$pid"); do
		kb=$(rss_kb "$c")
		[[ -n $kb ]] || continue
		sum=$((sum + kb))
		n=$((n + 1))
		list+="${list:+ }$kb"
	done
	printf '%s kB in %s processes (per process: %s kB); parent %s kB' \
		"$sum" "$n" "${list:-none}" "$(rss_kb "$pid")"
}

# Checks the route answers 200 with the expected text before measuring it.
check_route() {
	local url=$1 expect=$2 body
	body=$("${CURL[@]}" "$url" 2>&1) || {
		printf 'bench: %s does not answer: %s\n' "$url" "$body" >&2
		return 1
	}
	[[ $body == *"$expect"* ]] || {
		printf 'bench: %s answered without "%s": %.200s\n' "$url" "$expect" "$body" >&2
		return 1
	}
}

ROWS=()

# run_wrk LABEL URL EXPECT
run_wrk() {
	local label=$1 url=$2 expect=$3 out rps p50 p99 errs non2xx
	if ! check_route "$url" "$expect"; then
		ROWS+=("$(printf '%-34s %12s %10s %10s %s' "$label" n/a n/a n/a 'route not answering')")
		return
	fi
	say "$label: warm-up 3 s, then ${SECS}s with wrk -t2 -c$CONNS"
	wrk -t2 -c"$CONNS" -d3s "$url" >/dev/null 2>&1 || true
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$url" 2>&1) || true
	printf '%s\n' "$out" >"$WORK/wrk-$label.txt"
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
	p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
	# "Socket errors: connect 0, read 0, write 0, timeout 0" appears only
	# when there were any.
	errs=$(awk -F'[ ,]+' '/Socket errors:/ { print "connect " $4 ", read " $6 ", write " $8 ", timeout " $10 }' <<<"$out")
	non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$out")
	[[ -n $errs ]] || errs=none
	[[ -z $non2xx ]] || errs+="; non-2xx $non2xx"
	ROWS+=("$(printf '%-34s %12s %10s %10s %s' "$label" "${rps:-?}" "${p50:-?}" "${p99:-?}" "$errs")")
}

# --- main -------------------------------------------------------------------

say "starting moat-hello ($W workers), 2 x bare-hello ($W processes) and nginx ($NGX_WORKERS worker(s)) in $WORK"
start_moat
start_bare bare
BARE_PID=$STARTED_PID
start_bare bare-nokeep
NOKEEP_PID=$STARTED_PID
start_nginx

run_wrk "moat, keep-alive" "http://127.0.0.1:$PORT_MOAT/" "Hello from Moat"
MOAT_RSS=$(children_rss "$APP_PID")
run_wrk "bare libfcgi, keep-alive" "http://127.0.0.1:$PORT_BARE/" "Hello from bare libfcgi"
BARE_RSS=$(children_rss "$BARE_PID")
run_wrk "bare libfcgi, no keep-alive" "http://127.0.0.1:$PORT_NOKEEP/" "Hello from bare libfcgi"

printf '\nwrk -t2 -c%s -d%ss --latency, %s app processes, nginx %s worker(s), %s CPUs\n\n' \
	"$CONNS" "$SECS" "$W" "$NGX_WORKERS" "$(nproc)"
printf '%-34s %12s %10s %10s %s\n' target requests/s p50 p99 'socket errors (incl. timeouts)'
printf '%s\n' "${ROWS[@]}"
printf '\nRSS after its run (VmRSS):\n'
printf '  moat supervisor children: %s\n' "$MOAT_RSS"
printf '  bare-hello children:      %s\n' "$BARE_RSS"
