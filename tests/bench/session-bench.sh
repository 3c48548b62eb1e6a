#!/usr/bin/env bash
# session-bench.sh - what a session costs per request: the same tiny page
# without a session, and with a signed-in session that the broker loads
# from PostgreSQL (one broker round trip and one indexed lookup), plus how
# long a log-in takes (scrypt at the default cost).
#
# usage: session-bench.sh SRC_DIR BUILD_DIR [SECONDS]
# Needs PGHOST etc. as the integration tests do, nginx and wrk.

set -u
export MOAT_SRCDIR=$1 MOAT_BUILDDIR=$2
secs=${3:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup bench
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=4
IT_LOG_LEVEL=warn
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
templates = $MOAT_SRCDIR/tests/integration/templates"
it_setup

curl -s -o /dev/null --data 'username=bench&password=bench+password' "$IT_BASE/register"
start=$(date +%s%N)
tok=$(curl -s -D - -o /dev/null --data 'username=bench&password=bench+password' "$IT_BASE/login" |
	sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/p')
end=$(date +%s%N)
echo "log-in (scrypt N=2^17, r=8, p=1, through nginx): $(((end - start) / 1000000)) ms"

run() {
	local label=$1
	shift
	printf '%-40s ' "$label"
	wrk -t2 -c8 -d"${secs}s" --latency "$@" 2>&1 |
		awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
		     END {printf "%10s req/s  p50 %8s  p99 %8s\n", rps, p50, p99}'
}
run "GET /plain (no session)" "$IT_BASE/plain"
run "GET /me (signed-in session)" -H "Cookie: __Host-moat=$tok" "$IT_BASE/me"
run "GET /greet (template, session, CSRF)" -H "Cookie: __Host-moat=$tok" "$IT_BASE/greet?name=x"
