#!/usr/bin/env bash
# systemd.sh - the shipped unit deploy/systemd/moat-notes.service.
#
#  1. systemd-analyze verify accepts it without a single warning (an
#     unknown or misspelt option is only a warning there, so any output
#     fails).  Needs no running systemd.
#  2. As root: the app runs with exactly the unit's CapabilityBoundingSet
#     and no_new_privs (through setpriv), with workers and broker dropping
#     to their users, a reload and a stop.  That is what the unit's
#     sandboxing must not break; the file-system options need a real
#     systemd and are checked by (1) only.
#
# Skips (77) when neither part can run.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

UNIT=$MOAT_SRCDIR/deploy/systemd/moat-notes.service
ANALYZE=$(command -v systemd-analyze || true)
SETPRIV=$(command -v setpriv || true)
can_run=""
[ "$(id -u)" = 0 ] && [ -n "$SETPRIV" ] && can_run=yes
if [ -z "$ANALYZE" ] && [ -z "$can_run" ]; then
	echo "SKIP: neither systemd-analyze nor (root and setpriv)"
	exit 77
fi

# --- 1. systemd-analyze verify --------------------------------------------------
if [ -n "$ANALYZE" ]; then
	T=$(mktemp -d "${TMPDIR:-/tmp}/moat-unit.XXXXXX")
	bin=$MOAT_BUILDDIR/app/moat-notes
	[ -x "$bin" ] || bin=$MOAT_BUILDDIR/app/moat-hello
	# Only the installed paths change: verify insists that they exist.
	sed -e "s|/usr/local/bin/moat-notes|$bin|g" \
		-e "s|/usr/local/etc/moat.conf|$MOAT_SRCDIR/deploy/moat.conf.example|g" \
		"$UNIT" > "$T/moat-notes.service"
	out=$("$ANALYZE" verify "$T/moat-notes.service" 2>&1)
	it_check "systemd-analyze verify: no error, no warning" "0|" "$?|$out"
	# The check itself must be able to fail.
	sed 's/^ProtectSystem=/ProtectSytem=/' "$T/moat-notes.service" > "$T/bad.service"
	out=$("$ANALYZE" verify "$T/bad.service" 2>&1)
	it_contains "a misspelt option is reported" "Unknown key" "$out"
	rm -rf "$T"
	for key in Type=exec KillMode=mixed NoNewPrivileges=yes ProtectSystem=strict \
		ProtectHome=yes PrivateTmp=yes RuntimeDirectory=moat StateDirectory=moat \
		LogsDirectory=moat SystemCallArchitectures=native RestrictNamespaces=yes \
		MemoryDenyWriteExecute=yes 'ExecReload=/bin/kill -HUP $MAINPID'; do
		it_check "the unit sets $key" 1 "$(grep -cxF -- "$key" "$UNIT")"
	done
	it_check "the unit sets no SystemCallFilter (Moat installs its own)" 0 \
		"$(grep -c '^SystemCallFilter' "$UNIT")"
fi

if [ -z "$can_run" ]; then
	it_log "not root or no setpriv: the capability run is skipped"
	it_finish
fi

# --- 2. the unit's capabilities, for real ---------------------------------------------
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
it_check "the unit has one CapabilityBoundingSet" 1 "$(grep -c '^CapabilityBoundingSet=' "$UNIT")"
bset="-all"
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+$(printf '%s' "$c" | tr 'A-Z' 'a-z')"
done
WRAP=$(mktemp -d "${TMPDIR:-/tmp}/moat-unitcaps.XXXXXX")
chmod 755 "$WRAP"
# The app under the unit's bounding set, no inheritable or ambient
# capabilities and no_new_privs, as systemd would start it.
cat > "$WRAP/app" <<EOF
#!/bin/sh
exec "$SETPRIV" --bounding-set "$bset" --inh-caps -all --no-new-privs \\
	"\${MOAT_UNIT_APP:?}" "\$@"
EOF
chmod 755 "$WRAP/app"

if [ -n "${PGHOST:-}" ] && command -v psql >/dev/null; then
	. "$MOAT_SRCDIR/tests/integration/lib-db.sh"
	it_db_setup unit
	export MOAT_UNIT_APP=$MOAT_BUILDDIR/tests/integration/web-app
	IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
templates = $MOAT_SRCDIR/tests/integration/templates
hash_threads = 1"
	BROKER=yes
	OK_PATH=/plain
else
	it_log "no PostgreSQL (PGHOST): the broker part is skipped"
	export MOAT_UNIT_APP=$MOAT_BUILDDIR/app/moat-hello
	BROKER=""
	OK_PATH=/
fi
IT_APP=$WRAP/app
IT_WORKERS=2
# A registration costs one scrypt hash at OWASP's cost, which on a busy
# machine (two test builds at once, ASan) takes longer than the default
# two seconds; the other broker tests allow ten too.
IT_TIMEOUT=10
# The socket gets a group root is not in: CAP_CHOWN at work.
IT_CONF_EXTRA="${IT_CONF_EXTRA:-}
socket_group = www-data"
it_setup
[ -n "$BROKER" ] && trap 'it_db_cleanup; rm -rf "$WRAP"' EXIT || trap 'it_cleanup; rm -rf "$WRAP"' EXIT

status_caps() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
it_check "the supervisor runs with no_new_privs" 1 "$(status_caps "$IT_APP_PID" NoNewPrivs)"
want=$(printf '%016x' $(( (1 << 0) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 18) )))
it_check "its bounding set is the unit's (chown kill setgid setuid sys_chroot)" "$want" "$(status_caps "$IT_APP_PID" CapBnd)"
it_check "the socket has socket_group" www-data "$(stat -c %G "$IT_DIR/moat.sock")"

it_check "a request is served" 200 "$(it_status "$OK_PATH")"
workers() { ps -o pid=,user= --ppid "$IT_APP_PID" | awk '$2 == "moat-worker" { print $1 }' | sort; }
# A worker that has just been forked is still root until it enters its
# sandbox, and the pool fills while the first worker already serves:
# wait for the whole pool to have changed user, then count.
pool_in_sandbox() { [ "$(workers | wc -l)" = 2 ]; }
it_wait_until 30 pool_in_sandbox
it_check "the workers run as moat-worker" 2 "$(workers | wc -l)"
w=$(workers | head -n 1)
it_check "in their chroot" "$IT_DIR/empty" "$(readlink "/proc/$w/root")"
it_check "without any capability" 0000000000000000 "$(status_caps "$w" CapEff)"

if [ -n "$BROKER" ]; then
	brokers() { ps -o pid=,user= --ppid "$IT_APP_PID" | awk '$2 == "moat-broker" { print $1 }'; }
	broker_started() { [ -n "$(brokers)" ]; }
	it_wait_until 30 broker_started
	broker=$(brokers)
	it_check "the broker runs as moat-broker" 1 "$(printf '%s\n' $broker | grep -c .)"
	it_check "the broker holds no capability" 0000000000000000 "$(status_caps "$broker" CapPrm)"
	tok=$(curl -s -D - -o "$IT_DIR/form" "$IT_BASE/form" | sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' | tr -d '\r')
	csrf=$(sed -n 's/^csrf=//p' "$IT_DIR/form")
	it_check "the broker serves a registration" "ok" \
		"$(curl -s -H "Cookie: __Host-moat=$tok" --data "username=unit_user&password=long+enough+pw&csrf_token=$csrf" "$IT_BASE/register")"
fi

# Reload: the supervisor signals old workers, which run under another
# uid; that needs CAP_KILL.
before=$(workers | tr '\n' ' ')
kill -HUP "$IT_APP_PID"
old_left() { comm -12 <(printf '%s\n' $before | sort) <(workers); }
pool_replaced() { pool_in_sandbox && [ -z "$(old_left)" ]; }
it_wait_until 30 pool_replaced
after=$(workers | tr '\n' ' ')
it_check "SIGHUP replaces every worker" "" "$(comm -12 <(printf '%s\n' $before | sort) <(printf '%s\n' $after | sort))"
it_check "and requests are still served" 200 "$(it_status "$OK_PATH")"
it_check "no permission error in the log" "" "$(grep -i 'operation not permitted\|EPERM' "$IT_DIR/moat.log")"

pid=$IT_APP_PID
it_stop_app
it_check "SIGTERM stops everything" "" "$(ps -o pid= --ppid "$pid")"
it_contains "cleanly" "stopped" "$(tail -n 1 "$IT_DIR/moat.log")"

it_finish
