# shellcheck shell=bash
# lib-bench.sh - shared set-up for the benchmark scripts in tests/bench/:
# messages, tools and packages, processes, loopback ports, a throwaway
# PostgreSQL cluster and the FastCGI parameters of Moat's nginx site.
# Source it from a bash script that runs with "set -euo pipefail" and sets
# BENCH_NAME (the prefix of its messages).  It defines functions and a few
# variables only; the script keeps its own trap and calls bench_pg_stop and
# bench_stop_pid from it.

BENCH_NAME=${BENCH_NAME:-bench}

die() {
	printf '%s: error: %s\n' "$BENCH_NAME" "$*" >&2
	exit 1
}
say() { printf '==> %s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$BENCH_NAME" "$*" >&2; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# nginx reads $NGINX from its environment as a list of inherited listening
# sockets; a stray one (a make variable of the same name) must not reach it.
unset NGINX

# --- tools and packages --------------------------------------------------------

# The scripts install nothing: bench_need records what is missing and
# bench_need_done names every missing Debian package at once.
BENCH_MISSING=()

# bench_need PACKAGE COMMAND: COMMAND (looked up in PATH and the sbin
# directories) comes from the Debian package PACKAGE.
bench_need() {
	local pkg=$1 cmd=$2
	PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 && return 0
	bench_missing "$pkg"
}

bench_missing() {
	[[ " ${BENCH_MISSING[*]} " == *" $1 "* ]] || BENCH_MISSING+=("$1")
}

bench_need_done() {
	((${#BENCH_MISSING[@]} == 0)) && return 0
	die "missing Debian packages: ${BENCH_MISSING[*]}
    install them as root:  apt-get install --no-install-recommends ${BENCH_MISSING[*]}"
}

# The newest PostgreSQL server binaries (Debian keeps them off PATH).
bench_find_pg_bin() {
	PG_BIN=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' \
		-printf '%h\n' 2>/dev/null | sort -V | tail -n 1)
	if [[ -z $PG_BIN ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		PG_BIN=$(dirname -- "$(command -v initdb)")
	fi
	[[ -n $PG_BIN ]]
}

# --- processes -------------------------------------------------------------------

# Stops PID (TERM, then KILL after five seconds) if it still runs.
bench_stop_pid() {
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# bench_wait_socket PATH PID WHAT: until PATH is a socket, or PID is gone.
bench_wait_socket() {
	local sock=$1 pid=$2 what=$3 i
	for ((i = 0; i < 200; i++)); do
		[[ -S $sock ]] && return 0
		kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
		sleep 0.1
	done
	die "$what did not create $sock within 20 s"
}

# Prints the pids whose parent is PID.
bench_children_of() {
	local parent=$1 f stat ppid pid
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r _ ppid _ <<<"$stat"
		if [[ $ppid == "$parent" ]]; then
			pid=${f#/proc/}
			printf '%s\n' "${pid%/stat}"
		fi
	done
}

# --- loopback ports ----------------------------------------------------------------

# Sets FREE_PORT to a port nobody listens on, not handed out before.  Below
# 32768, so no outgoing connection (Linux's ephemeral range) holds it.
BENCH_USED_PORTS=" "
bench_free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 12000))
		[[ $BENCH_USED_PORTS != *" $p "* ]] || continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			BENCH_USED_PORTS+="$p "
			# shellcheck disable=SC2034 # read by the sourcing script
			FREE_PORT=$p
			return
		fi
	done
	die "no free port found"
}

# --- a throwaway PostgreSQL cluster ------------------------------------------------

BENCH_PG_DIR=
# Runs a PostgreSQL server program as the cluster's owner: postgres when
# we are root (the server refuses to run as root), else ourselves.
bench_pg_run() {
	if is_root; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# bench_pg_start PORT [CONF_LINE...]: initdb into a new directory under
# /tmp, start the server on a unix socket there (no TCP), without
# durability; exports PGHOST, PGPORT, PGUSER and PGDATABASE for psql.
bench_pg_start() {
	local port=$1 data
	shift
	bench_find_pg_bin || die "PostgreSQL server binaries not found (Debian package postgresql)"
	if is_root; then
		id postgres >/dev/null 2>&1 || die "no postgres user to run a throwaway cluster (Debian package postgresql creates it)"
	fi
	# Short fixed prefix: the socket lives here and the path limit is 107.
	BENCH_PG_DIR=$(mktemp -d /tmp/moat-pgbench.XXXXXX)
	chmod 0755 -- "$BENCH_PG_DIR"
	data=$BENCH_PG_DIR/data
	mkdir -m 0700 -- "$data"
	is_root && chown -- postgres: "$BENCH_PG_DIR" "$data"
	bench_pg_run "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=trust \
		--auth-host=reject --encoding=UTF8 --locale=C.UTF-8 --no-instructions \
		>"$BENCH_PG_DIR/initdb.log" 2>&1 || {
		tail -n 20 "$BENCH_PG_DIR/initdb.log" >&2
		die "initdb failed"
	}
	{
		printf '\n# %s: a throwaway cluster, unix socket only, no durability.\n' "$BENCH_NAME"
		printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %s\n" \
			"$BENCH_PG_DIR" "$port"
		printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n'
		printf '%s\n' "$@"
	} >>"$data/postgresql.conf"
	bench_pg_run "$PG_BIN/pg_ctl" -D "$data" -l "$BENCH_PG_DIR/server.log" -w -t 60 start \
		>/dev/null || {
		tail -n 20 "$BENCH_PG_DIR/server.log" >&2
		die "the throwaway cluster did not start"
	}
	export PGHOST=$BENCH_PG_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

bench_pg_stop() {
	[[ -n $BENCH_PG_DIR && -d $BENCH_PG_DIR ]] || return 0
	bench_pg_run "$PG_BIN/pg_ctl" -D "$BENCH_PG_DIR/data" -m immediate -w stop \
		>/dev/null 2>&1 || true
	rm -rf -- "$BENCH_PG_DIR"
	BENCH_PG_DIR=
}

# --- nginx -------------------------------------------------------------------------

# The CGI variables of Moat's shipped site (deploy/nginx/moat.conf), read
# from it so the two cannot drift apart (SERVER_SOFTWARE tells Moat it may
# send nginx a goodbye), one fastcgi_param line each, indented for a
# location block.  Needs SRC.
bench_fastcgi_params() {
	sed -n 's/^[[:space:]]*\(fastcgi_param[[:space:]].*\)$/            \1/p' \
		"$SRC/deploy/nginx/moat.conf"
}
