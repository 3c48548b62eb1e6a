#!/usr/bin/env bash
# supervisor.sh - the process model: faults, timeouts, respawn, recycling,
# reload, graceful stop, the pidfile lock, the log pipe, config checking,
# keep-alive without stalls, and a socket inherited from spawn-fcgi.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

IT_APP="$MOAT_BUILDDIR/tests/integration/test-app"
IT_WORKERS=2
IT_TIMEOUT=1
IT_CONF_EXTRA="max_requests = 50"
it_setup

log() { cat "$IT_DIR/moat.log"; }
workers() { pgrep -P "$IT_APP_PID" | sort | tr '\n' ' '; }
wait_log() {	# wait_log PATTERN: up to 5 s for a log line
	local i
	for i in $(seq 1 50); do
		grep -q -- "$1" "$IT_DIR/moat.log" && return 0
		sleep 0.1
	done
	return 1
}

# --- config checking and the single-instance lock ------------------------------
printf 'listen = /tmp/x.sock\npidfile = /tmp/x.pid\nworkers = 0\n' > "$IT_DIR/bad.conf"
out=$("$IT_APP" -c "$IT_DIR/bad.conf" --check-config 2>&1); rc=$?
it_check "--check-config fails on a bad value" 1 "$rc"
it_check "config error names file:line" "$IT_DIR/bad.conf:3: workers: 0 is out of range 1..256" "$out"
printf 'listen = /tmp/x.sock\nworkerz = 2\n' > "$IT_DIR/bad.conf"
it_check "unknown key is refused" "$IT_DIR/bad.conf:2: unknown key \"workerz\"" \
	"$("$IT_APP" -c "$IT_DIR/bad.conf" --check-config 2>&1)"
it_check "--check-config accepts the running config" 0 \
	"$("$IT_APP" -c "$IT_DIR/moat.conf" --check-config >/dev/null 2>&1; echo $?)"
out=$("$IT_APP" -c "$IT_DIR/moat.conf" 2>&1); rc=$?
it_check "second instance refuses to start" 1 "$rc"
it_contains "second instance says why" "already running (pid $IT_APP_PID)" "$out"
it_check "first instance still serves" "test app" "$(it_curl /)"

# --- faults and timeouts ---------------------------------------------------------
before=$(workers)
page=$(it_curl /crash)
it_contains "a crashing handler gives a 500 page" "Internal Server Error" "$page"
id=$(printf '%s' "$page" | sed -n 's/.*<code>\([0-9A-Z]*\)<\/code>.*/\1/p')
wait_log "killed by signal 11 (SIGSEGV)"
it_contains "the log names the signal" "killed by signal 11 (SIGSEGV)" "$(log)"
it_contains "the log has the incident id" "incident $id: fatal signal SIGSEGV while handling GET /crash" "$(log)"
it_contains "abort() is caught too" "Internal Server Error" "$(it_curl /abort)"
page=$(it_curl /sleep/3000)
it_contains "a request past the timeout gets 503" "Service Unavailable" "$page"
wait_log "replaced after a request timeout"
it_contains "the timed-out worker is replaced" "replaced after a request timeout" "$(log)"
pool_is() { [ "$(pgrep -c -P "$IT_APP_PID")" = "$1" ]; }
it_wait_until 30 pool_is 2
it_check "the pool is back to full size" 2 "$(pgrep -c -P "$IT_APP_PID")"
it_check "replaced workers serve" "test app" "$(it_curl /)"
case " $(workers) " in *" ${before%% *} "*) it_fail "crashed worker has a new pid" ;; *) it_pass "crashed worker has a new pid" ;; esac

victim=$(it_curl /pid)
kill -KILL "$victim"
wait_log "worker $victim killed by signal 9 (SIGKILL)"
it_contains "an externally killed worker is logged" "worker $victim killed by signal 9" "$(log)"
ok=0
for i in $(seq 1 20); do [ "$(it_curl /)" = "test app" ] && ok=$((ok + 1)); done
it_check "requests keep succeeding after a kill" 20 "$ok"

# --- recycling after max_requests ---------------------------------------------------
for i in $(seq 1 120); do it_curl / >/dev/null; done
it_contains "workers retire after max_requests" "retired" "$(log)"
it_check "all requests succeed across recycling" "test app" "$(it_curl /)"

# --- the log pipe: workers cannot forge lines ----------------------------------------
it_curl /rawlog >/dev/null
it_curl "/log?msg=hello%0Asupervisor%5B1%5D%20fake" >/dev/null
# U+2028, U+202E (right-to-left override), U+2066, NEL and CSI (C1).
it_curl "/log?msg=sep%E2%80%A8rlo%E2%80%AEiso%E2%81%A6nel%C2%85csi%C2%9B" >/dev/null
wait_log "user said: sep"
wait_log "forged line"
if grep -qE '^[0-9TZ:-]+ supervisor\[1\]' "$IT_DIR/moat.log"; then
	it_fail "a worker cannot forge a supervisor line"
else it_pass "a worker cannot forge a supervisor line"; fi
it_contains "raw lines are stamped with the worker" "] 2026-01-01T00:00:00Z supervisor[1] info: forged line" "$(log)"
it_contains "escape characters are escaped" 'esc\x1b[31mred' "$(log)"
it_contains "newlines from moat_log are escaped" 'user said: hello\x0asupervisor[1] fake' "$(log)"
it_contains "Unicode separators, bidi and C1 controls are escaped" \
	'user said: sep\xe2\x80\xa8rlo\xe2\x80\xaeiso\xe2\x81\xa6nel\xc2\x85csi\xc2\x9b' "$(log)"
if LC_ALL=C grep -q $'\xe2\x80[\xa8-\xae]\|\xe2\x81[\xa6-\xa9]\|\xc2[\x80-\x9f]' "$IT_DIR/moat.log"; then
	it_fail "no such character reaches the log file raw"
else it_pass "no such character reaches the log file raw"; fi
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$IT_DIR/moat.log")
if [ "$longest" -le 2200 ]; then it_pass "log lines are capped ($longest)"; else it_fail "log lines are capped" "$longest"; fi

# --- keep-alive with more connections than workers ---------------------------------
# 16 concurrent clients, 2 workers, each request 50 ms: nothing may stall.
urls=$(for i in $(seq 1 64); do printf 'url = "%s/sleep/50"\n' "$IT_BASE"; done)
lines_before=$(wc -l < "$IT_DIR/moat.log")
codes=$(printf '%s\n' "$urls" | curl -s --parallel --parallel-max 16 --max-time 8 -K - -o /dev/null -w '%{http_code}\n' | grep -c '^200$')
it_check "64 requests over 16 connections to 2 workers all succeed" 64 "$codes"
it_check "no request timed out behind a kept connection" 0 \
	"$(tail -n +"$((lines_before + 1))" "$IT_DIR/moat.log" | grep -c 'request timeout')"

# --- reload -------------------------------------------------------------------------
before=$(workers)
sed -i 's/^workers = .*/workers = 3/' "$IT_DIR/moat.conf"
( for i in $(seq 1 60); do it_status /sleep/20; echo; done ) > "$IT_DIR/during-reload" &
loop=$!
# Reload while those requests are under way.
some_served() { [ -s "$IT_DIR/during-reload" ]; }
it_wait_until 30 some_served
kill -HUP "$IT_APP_PID"
wait "$loop"
wait_log "reload: starting 3 new workers"
old_gone() {
	local p
	for p in $before; do kill -0 "$p" 2>/dev/null && return 1; done
	pool_is 3
}
it_wait_until 30 old_gone
it_check "reload grows the pool" 3 "$(pgrep -c -P "$IT_APP_PID")"
it_check "no request fails during reload" 60 "$(grep -c '^200$' "$IT_DIR/during-reload")"
after=$(workers)
for p in $before; do
	case " $after " in *" $p "*) it_fail "old workers are gone after reload" "$p"; break ;; esac
done
printf 'workers = nope\n' >> "$IT_DIR/moat.conf"
kill -HUP "$IT_APP_PID"
wait_log "reload refused"
it_contains "a bad config is refused on reload" "reload refused, keeping the running config" "$(log)"
it_check "still serving after a refused reload" "test app" "$(it_curl /)"
sed -i '$d' "$IT_DIR/moat.conf"

# --- graceful stop ----------------------------------------------------------------------
it_curl '/sleep/700?announce' > "$IT_DIR/slow" &
slow=$!
wait_log "sleep route: sleeping 700 ms"
kill -TERM "$IT_APP_PID"
wait "$slow"
it_check "a request in flight finishes during stop" "slept" "$(cat "$IT_DIR/slow")"
wait "$IT_APP_PID"; rc=$?
IT_APP_PID=
it_check "the supervisor exits 0" 0 "$rc"
[ -e "$IT_DIR/moat.sock" ] && it_fail "socket removed at stop" || it_pass "socket removed at stop"
[ -e "$IT_DIR/moat.pid" ] && it_fail "pidfile removed at stop" || it_pass "pidfile removed at stop"

# --- a socket inherited on fd 0 (spawn-fcgi) -----------------------------------------------
if command -v spawn-fcgi >/dev/null; then
	sed -i "s|^listen = .*|listen = fd:0|" "$IT_DIR/moat.conf"
	spawn-fcgi -s "$IT_DIR/moat.sock" -M 0666 -n -- "$IT_APP" -c "$IT_DIR/moat.conf" \
		>>"$IT_DIR/app.stderr" 2>&1 &
	IT_APP_PID=$!
	it_wait_for "$IT_DIR/moat.pid"
	sleep 0.3
	it_check "serves on a socket inherited from spawn-fcgi" "test app" "$(it_curl /)"
	it_stop_app
	port=$(it_free_port)
	sed -i "s|^listen = .*|listen = fd:0|; /^fastcgi_peers/d" "$IT_DIR/moat.conf"
	out=$(spawn-fcgi -a 127.0.0.1 -p "$port" -n -- "$IT_APP" -c "$IT_DIR/moat.conf" 2>&1)
	it_contains "a TCP socket without fastcgi_peers is refused" "needs fastcgi_peers" "$out"
else
	echo "SKIP: spawn-fcgi not installed"
fi

it_finish
