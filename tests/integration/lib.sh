# lib.sh - shared set-up for integration tests: a Moat app and a private
# nginx in front of it, both on throwaway paths and loopback ports.
#
# Usage from a test script:
#   . "$MOAT_SRCDIR/tests/integration/lib.sh"
#   it_setup                  # temp dir, config, app, nginx; trap cleans up
#   it_curl /path             # curl through nginx, prints the body
#   it_finish                 # prints "N passed, M failed" and exits

set -u

: "${MOAT_SRCDIR:?}" "${MOAT_BUILDDIR:?}"
IT_APP="${IT_APP:-$MOAT_BUILDDIR/app/moat-hello}"
IT_PASSED=0
IT_FAILED=0

it_log() { printf '%s\n' "$*" >&2; }

it_pass() { IT_PASSED=$((IT_PASSED + 1)); printf 'PASS: %s\n' "$1"; }

it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	printf 'FAIL: %s\n' "$1"
	[ $# -gt 1 ] && printf '      %s\n' "$2"
	return 0
}

# it_check NAME EXPECTED ACTUAL
it_check() {
	if [ "$2" = "$3" ]; then it_pass "$1"; else
		it_fail "$1" "expected [$2], got [$3]"; fi
}

# it_contains NAME NEEDLE HAYSTACK
it_contains() {
	case "$3" in
	*"$2"*) it_pass "$1" ;;
	*) it_fail "$1" "[$2] not in [$(printf '%s' "$3" | head -c 300)]" ;;
	esac
}

# A loopback TCP port nobody listens on, below the kernel's range for
# outgoing ports (32768 and up) so that no client socket can take it.
it_free_port() {
	local port i
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	return 1
}

it_find_nginx() {
	IT_NGINX="${MOAT_NGINX:-}"
	[ -n "$IT_NGINX" ] && [ -x "$IT_NGINX" ] && return 0
	for IT_NGINX in /usr/sbin/nginx /usr/local/sbin/nginx; do
		[ -x "$IT_NGINX" ] && return 0
	done
	return 1
}

# As root the workers run as moat-worker in an empty chroot of their own.
# A missing user is a broken test machine, not a reason to skip: fail.
it_sandbox_config() {
	[ "$(id -u)" = 0 ] || return 0
	if ! getent passwd moat-worker >/dev/null; then
		it_log "the system user moat-worker is missing (deploy/dev test creates it; or: useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin moat-worker)"
		return 1
	fi
	mkdir -p "$IT_DIR/empty" && chmod 0755 "$IT_DIR/empty" || return 1
	printf 'worker_user = moat-worker\nworker_chroot = %s\n' "$IT_DIR/empty"
}

# Write the app config; extra "key = value" lines come from $IT_CONF_EXTRA.
# MOAT_TEST_LANDLOCK_ABI=N runs the app as on a kernel with Landlock ABI N
# at most (*-landlock0.sh, *-landlock2.sh).
it_write_config() {
	local sandbox
	sandbox=$(it_sandbox_config) || exit 1
	cat > "$IT_DIR/moat.conf" <<CONF
listen = $IT_DIR/moat.sock
socket_mode = 0666
pidfile = $IT_DIR/moat.pid
log_file = $IT_DIR/moat.log
log_level = ${IT_LOG_LEVEL:-info}
workers = ${IT_WORKERS:-2}
request_timeout = ${IT_TIMEOUT:-2}
max_body_bytes = 4096
max_multipart_bytes = 65536
max_file_bytes = 16384
$sandbox
${MOAT_TEST_LANDLOCK_ABI:+landlock_max_abi = $MOAT_TEST_LANDLOCK_ABI}
${IT_CONF_EXTRA:-}
CONF
}

it_write_nginx() {
	mkdir -p "$IT_DIR/nginx/logs" "$IT_DIR/nginx/tmp"
	local user_line=""
	[ "$(id -u)" = 0 ] && user_line="user root;"
	cat > "$IT_DIR/nginx/nginx.conf" <<NGINX
$user_line
worker_processes 1;
daemon on;
pid $IT_DIR/nginx/nginx.pid;
error_log $IT_DIR/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log $IT_DIR/nginx/logs/access.log;
	client_body_temp_path $IT_DIR/nginx/tmp/body;
	fastcgi_temp_path $IT_DIR/nginx/tmp/fastcgi;
	proxy_temp_path $IT_DIR/nginx/tmp/proxy;
	uwsgi_temp_path $IT_DIR/nginx/tmp/uwsgi;
	scgi_temp_path $IT_DIR/nginx/tmp/scgi;
	server_tokens off;
	client_max_body_size 1m;
	upstream moat {
		${IT_UPSTREAM:-server unix:$IT_DIR/moat.sock;}
		keepalive 8;
	}
	${IT_NGINX_EXTRA:-}
	server {
		listen 127.0.0.1:$IT_PORT;
		location / {
			fastcgi_pass moat;
			fastcgi_keep_conn on;
			include /etc/nginx/fastcgi_params;
			fastcgi_read_timeout 30s;
		}
	}
}
NGINX
}

it_wait_for() {
	local i
	for i in $(seq 1 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

it_start_app() {
	"$IT_APP" -c "$IT_DIR/moat.conf" >> "$IT_DIR/app.stderr" 2>&1 &
	IT_APP_PID=$!
	it_wait_for "$IT_DIR/moat.sock" || { it_log "app did not start"; cat "$IT_DIR/app.stderr" "$IT_DIR/moat.log" >&2; return 1; }
}

it_stop_app() {
	[ -n "${IT_APP_PID:-}" ] || return 0
	kill -TERM "$IT_APP_PID" 2>/dev/null
	wait "$IT_APP_PID" 2>/dev/null
	IT_APP_PID=
}

it_cleanup() {
	it_stop_app
	[ -f "$IT_DIR/nginx/nginx.pid" ] && kill -QUIT "$(cat "$IT_DIR/nginx/nginx.pid")" 2>/dev/null
	sleep 0.2
	if [ "$IT_FAILED" -gt 0 ] || [ -n "${IT_KEEP:-}" ]; then
		it_log "--- app log ($IT_DIR/moat.log) ---"
		tail -n 40 "$IT_DIR/moat.log" >&2 2>/dev/null
		it_log "--- nginx error log ---"
		tail -n 20 "$IT_DIR/nginx/logs/error.log" >&2 2>/dev/null
	fi
	[ -z "${IT_KEEP:-}" ] && rm -rf "$IT_DIR"
	return 0
}

# Never pass NGINX in the environment: nginx reads it as a list of
# inherited sockets and then refuses to daemonize.
unset NGINX

it_setup() {
	if ! it_find_nginx; then
		echo "SKIP: nginx not installed"
		exit 77
	fi
	IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-it.XXXXXX")
	chmod 755 "$IT_DIR"
	IT_PORT=$(it_free_port)
	IT_BASE="http://127.0.0.1:$IT_PORT"
	# lib-db.sh sets IT_CLEANUP so that its database goes too.
	trap "${IT_CLEANUP:-it_cleanup}" EXIT
	it_write_config
	it_write_nginx
	it_start_app || exit 1
	"$IT_NGINX" -p "$IT_DIR/nginx" -c "$IT_DIR/nginx/nginx.conf" 2>>"$IT_DIR/nginx/logs/start.log" ||
		{ cat "$IT_DIR/nginx/logs/start.log" >&2; exit 1; }
	it_wait_for "$IT_DIR/nginx/nginx.pid" || exit 1
}

# it_curl PATH [curl args...]: body on stdout.
it_curl() {
	local path=$1
	shift
	curl -sS --max-time 10 "$@" "$IT_BASE$path"
}

# it_status PATH [curl args...]: the HTTP status code only.
it_status() {
	local path=$1
	shift
	curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$@" "$IT_BASE$path"
}

# it_wait_until SECONDS COMMAND...: run COMMAND every 0.1 s until it
# succeeds (0) or SECONDS have passed (1).  Tests wait for a state this
# way, never for a fixed time: a loaded machine only makes them slower.
it_wait_until() {
	local tries=$(($1 * 10))
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

it_finish() {
	echo "$IT_PASSED passed, $IT_FAILED failed"
	[ "$IT_FAILED" -eq 0 ]
	exit $?
}
