#!/usr/bin/env bash
# handoff.sh - a request on a kept connection does not wait behind
# another connection's long request while another worker is idle.
#
# tests/integration/fcgi-probe holds two kept connections on one worker,
# as nginx does, starts a long request on the first and, once the worker
# is in it, sends a short one on the second.  With kept_handoff_ms the
# busy worker passes the second connection on and the other worker
# answers at once; with the hand-off turned off (0) the short request
# waits for the long one, which shows the probe can tell the two apart.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

IT_APP="$MOAT_BUILDDIR/tests/integration/test-app"
PROBE="$MOAT_BUILDDIR/tests/integration/fcgi-probe"
IT_WORKERS=2
IT_TIMEOUT=30
IT_LOG_LEVEL=debug
IT_CONF_EXTRA="kept_handoff_ms = 20"
it_setup

# probe MS: "busy answered long_done_first".  The busy worker is the one
# the log shows sleeping: the probe's first connection may itself have
# moved to the other worker before the long request was sent on it.
probe() {
	local out
	out=$("$PROBE" "$IT_DIR/moat.sock" "$IT_DIR/moat.log" "$1")
	printf '%s %s\n' \
		"$(sed -n "s/.*\[\([0-9]*\)\] .*sleep route: sleeping $1 ms.*/\1/p" "$IT_DIR/moat.log" | tail -n 1)" \
		"$(sed -n 's/^busy=[0-9]* answered=\([0-9]*\) long_done_first=\([01]\)$/\1 \2/p' <<<"$out")"
}

read -r busy answered done_first <<<"$(probe 3000)"
if [ -n "${busy:-}" ] && [ "$busy" != "$answered" ]; then
	it_pass "another worker answered the connection the busy one kept"
else
	it_fail "another worker answered the connection the busy one kept" \
		"busy worker ${busy:-?}, answered by ${answered:-?}"
fi
it_check "before the long request was over" 0 "${done_first:-?}"
it_contains "the busy worker logged passing it on" \
	"kept connections to other workers" "$(cat "$IT_DIR/moat.log")"
it_contains "the other worker logged taking it over" \
	"took over a kept connection from another worker" "$(cat "$IT_DIR/moat.log")"
it_check "no worker was replaced" 0 \
	"$(grep -cE 'killed by signal|exited with status|request timeout' "$IT_DIR/moat.log")"

# A retiring worker passes its kept connection on: the request sent on it
# right after the worker's last response is answered by another worker.
it_stop_app
rm -f "$IT_DIR/moat.sock"
IT_CONF_EXTRA="max_requests = 3"
it_write_config
it_start_app || exit 1
out=$("$PROBE" "$IT_DIR/moat.sock" "$IT_DIR/moat.log" retire)
retired=$(sed -n 's/^retired=\([0-9]*\) answered=[0-9]*$/\1/p' <<<"$out")
answered=$(sed -n 's/^retired=[0-9]* answered=\([0-9]*\)$/\1/p' <<<"$out")
if [ -n "$retired" ] && [ -n "$answered" ] && [ "$retired" != "$answered" ]; then
	it_pass "a retiring worker's kept connection went on to another worker"
else
	it_fail "a retiring worker's kept connection went on to another worker" "probe said [$out]"
fi

# Without the hand-off the same probe sees the wait.
it_stop_app
rm -f "$IT_DIR/moat.sock"
IT_CONF_EXTRA="kept_handoff_ms = 0"
it_write_config
it_start_app || exit 1
read -r busy answered done_first <<<"$(probe 1000)"
it_check "with kept_handoff_ms = 0 the busy worker answers it itself" "$busy" "${answered:-?}"
it_check "after its long request" 1 "${done_first:-?}"

it_finish
