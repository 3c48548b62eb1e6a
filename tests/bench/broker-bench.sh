#!/usr/bin/env bash
# tests/bench/broker-bench.sh SRC_DIR BUILD_DIR - the broker hop against
# direct libpq (tests/bench/broker-bench.c): single-row statement latency
# (median, p99) and the broker's CPU per statement, and a batch of 20
# statements against 20 sequential round trips.  A measurement, not a test:
# it prints a table and fails only if it cannot run.  "make bench-broker"
# calls it.
#
# Uses the cluster named by PGHOST/PGPORT/PGUSER when PGHOST is set (PGUSER
# must be able to create databases and roles); otherwise, as root, it starts
# a throwaway cluster in a temporary directory (like deploy/dev test).
# Either way it makes a database and a role of its own and drops them at
# exit.  Environment: BENCH_OPS (single statements, default 20000),
# BENCH_BATCHES (default 2000), BENCH_TCP=1 (TCP on loopback to a throwaway
# cluster instead of its unix socket), BENCH_PIN (a CPU list for taskset, e.g. 0:
# the program, the broker and, for the throwaway cluster, PostgreSQL all
# run there; unset: no pinning).  On a virtual machine where waking a
# process on another vCPU is slow (an IPI is a VM exit), every round trip
# pays that price and it can dominate the unpinned numbers; pinned numbers
# show the software cost alone.
set -euo pipefail

die() {
	printf 'bench-broker: error: %s\n' "$*" >&2
	exit 1
}
say() { printf '==> %s\n' "$*"; }

[[ $# -eq 2 ]] || die "usage: $0 SRC_DIR BUILD_DIR"
SRC=$(cd -- "$1" && pwd -P)
BUILD=$(cd -- "$2" && pwd -P)
OPS=${BENCH_OPS:-20000}
BATCHES=${BENCH_BATCHES:-2000}
[[ $OPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_OPS must be a positive number"
[[ $BATCHES =~ ^[1-9][0-9]*$ ]] || die "BENCH_BATCHES must be a positive number"
PIN=()
if [[ -n ${BENCH_PIN:-} ]]; then
	[[ $BENCH_PIN =~ ^[0-9,-]+$ ]] || die "BENCH_PIN must be a CPU list (taskset -c)"
	command -v taskset >/dev/null || die "BENCH_PIN needs taskset (util-linux)"
	PIN=(taskset -c "$BENCH_PIN")
fi
PROG=$BUILD/tests/bench/broker-bench
[[ -x $PROG ]] || die "$PROG is not built (make tests/bench/broker-bench)"
command -v psql >/dev/null || die "psql is not installed"

is_root() { [[ $(id -u) -eq 0 ]]; }
BROKER_USER=moat-broker

WORK=
TEST_PG=
PG_BIN=
DB=moat_bench_$$
ROLE=moat_bench_broker_$$
DB_MADE=

cleanup() {
	set +e
	if [[ -n $DB_MADE ]]; then
		psql -X -q -d "${PGDATABASE:-postgres}" -c "DROP DATABASE IF EXISTS $DB" \
			-c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1
	fi
	if [[ -n $TEST_PG && -d $TEST_PG ]]; then
		(cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TEST_PG/data" \
			-m immediate -w stop >/dev/null 2>&1)
		rm -rf -- "$TEST_PG"
	fi
	[[ -n $WORK ]] && rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the database -------------------------------------------------------------

find_pg_bin() {
	PG_BIN=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' \
		-printf '%h\n' 2>/dev/null | sort -V | tail -n 1)
	if [[ -z $PG_BIN ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		PG_BIN=$(dirname -- "$(command -v initdb)")
	fi
	[[ -n $PG_BIN ]] || die "PostgreSQL server binaries not found (Debian package postgresql)"
}

# A throwaway cluster, unix socket only, owned by postgres (we are root).
start_pg() {
	local data
	find_pg_bin
	id postgres >/dev/null 2>&1 || die "no postgres user to run a throwaway cluster"
	# Short fixed prefix: the socket lives here and the path limit is 107.
	TEST_PG=$(mktemp -d /tmp/moat-pgbench.XXXXXX)
	chmod 0755 -- "$TEST_PG"
	data=$TEST_PG/data
	mkdir -m 0700 -- "$data"
	chown -- postgres: "$TEST_PG" "$data"
	say "throwaway cluster in $TEST_PG"
	(cd / && runuser -u postgres -- "$PG_BIN/initdb" -D "$data" --auth-local=trust \
		--auth-host=trust --encoding=UTF8 --locale=C.UTF-8 --no-instructions) \
		>"$TEST_PG/initdb.log" 2>&1 || {
		tail -n 20 "$TEST_PG/initdb.log" >&2
		die "initdb failed"
	}
	cat >>"$data/postgresql.conf" <<EOF

# broker-bench: a throwaway cluster, unix socket only, no durability.
listen_addresses = '${BENCH_TCP:+127.0.0.1}'
unix_socket_directories = '$TEST_PG'
port = 55433
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	(cd / && "${PIN[@]}" runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$data" \
		-l "$TEST_PG/server.log" -w -t 60 start) >/dev/null || {
		tail -n 20 "$TEST_PG/server.log" >&2
		die "the throwaway cluster did not start"
	}
	export PGHOST=$TEST_PG PGPORT=55433 PGUSER=postgres PGDATABASE=postgres
}

if [[ -z ${PGHOST:-} ]]; then
	is_root || die "set PGHOST/PGPORT/PGUSER for a cluster where PGUSER may create databases and roles (or run as root for a throwaway cluster)"
	start_pg
fi

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" "$@"; }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

DB_MADE=1
psql_admin -c "CREATE DATABASE $DB" -c "CREATE ROLE $ROLE LOGIN" >/dev/null
psql_db >/dev/null <<SQL
CREATE TABLE bench (id int8 PRIMARY KEY, title text NOT NULL);
INSERT INTO bench SELECT i, 'title ' || i FROM generate_series(1, 1000) AS i;
ANALYZE bench;
GRANT SELECT ON bench TO $ROLE;
SQL
# The broker prepares its session statements too: they need their tables.
psql_db -f "$SRC/sql/framework.sql" >/dev/null
psql_db -v broker_role="$ROLE" -f "$SRC/sql/framework-grants.sql" >/dev/null

# --- the broker's files ----------------------------------------------------------

if is_root && ! id "$BROKER_USER" >/dev/null 2>&1; then
	say "creating the system user $BROKER_USER"
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$BROKER_USER"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/moat-bbench.XXXXXX")
chmod 0755 -- "$WORK"
# BENCH_TCP=1: both the broker and the direct client use TCP on loopback,
# as they would with a database on another host.
db_host=$PGHOST
[[ -n ${BENCH_TCP:-} ]] && db_host=127.0.0.1
CONNINFO="host=$db_host port=${PGPORT:-5432} dbname=$DB user=$ROLE"
cat >"$WORK/bench.catalogue" <<'EOF'
# The one statement broker-bench runs.
statement bench_get anonymous
	param id int
	sql SELECT id, title FROM bench WHERE id = $1
end
EOF
chmod 0644 -- "$WORK/bench.catalogue"
hex32() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cat >"$WORK/broker.secrets" <<EOF
database = $CONNINFO
session_key = $(hex32)
data_key = 1:$(hex32)
file_store = $WORK/store
EOF
chmod 0600 -- "$WORK/broker.secrets"
# The store belongs to the broker's user, like /var/lib/moat/store would.
mkdir -m 0700 -- "$WORK/store"
if is_root; then
	chown -- "$BROKER_USER" "$WORK/broker.secrets"
	chown -- "$BROKER_USER:" "$WORK/store"
fi

# --- run ------------------------------------------------------------------------

say "PostgreSQL $(psql -X -tA -d "$DB" -c 'SHOW server_version'), socket $PGHOST; $(nproc) CPUs"
if ((${#PIN[@]})); then
	if [[ -n $TEST_PG ]]; then
		say "pinned to CPU(s) $BENCH_PIN: this program, the broker and PostgreSQL"
	else
		say "pinned to CPU(s) $BENCH_PIN: this program and the broker (not the PostgreSQL server)"
	fi
fi
"${PIN[@]}" "$PROG" -d "$CONNINFO" -c "$WORK/bench.catalogue" -s "$WORK/broker.secrets" \
	-u "$BROKER_USER" -n "$OPS" -b "$BATCHES"
