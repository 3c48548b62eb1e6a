# shellcheck shell=bash
# tests/dev-test.sh - "deploy/dev test": the whole test suite from scratch
# on this machine, as CI runs it (.ci/run).  deploy/dev sources this file
# and provides the helpers it uses (say, note, die, ensure_packages, the
# PostgreSQL and nginx helpers, run directories); run it through
# "deploy/dev test", not by itself.
#
# Stages: make check in a fresh build, the same under ASan and UBSan,
# make distcheck, a fuzz smoke run, and the dev stack's own smoke test
# (up, the first steps a new user takes, down), each logged under
# run/log/ and counted; the summary names every failed stage and check.

T_PASS=0
T_FAIL=0
T_FAILED_STAGES=()
TEST_PG=
SMOKE_RUN=

# Adds the test cases a make check ran to the totals: the CUnit summary of
# the unit tests and the "N passed, M failed" line of each integration
# script, read from the per-test logs in the build directory.  A make that
# failed without any failing test case (a build error, a crashed script)
# counts as one failure so it cannot go unnoticed.
count_check_log() {
	local log=$1 rc=$2 dir=$3 pass fail logs
	logs=$(find "$dir/tests" -name '*.log' ! -name 'test-suite.log' 2>/dev/null || true)
	pass=0
	fail=0
	if [[ -n $logs ]]; then
		# shellcheck disable=SC2086 # one path per word
		read -r pass fail < <(awk '
			$1 == "tests" && NF == 6 { p += $4; f += $5 }
			/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
			END { print p + 0, f + 0 }' $logs)
	fi
	if ((rc != 0 && fail == 0)); then
		fail=1
	fi
	T_PASS=$((T_PASS + pass))
	T_FAIL=$((T_FAIL + fail))
	printf '    %s test cases passed, %s failed (%s)\n' "$pass" "$fail" \
		"$(awk '/^# (PASS|FAIL|ERROR):/ { printf "%s%s %s", sep, $2, $3; sep = ", " }' "$log")"
}

count_one() {
	if (($2 == 0)); then
		T_PASS=$((T_PASS + 1))
		note "$1: passed"
	else
		T_FAIL=$((T_FAIL + 1))
		T_FAILED_STAGES+=("$1")
		note "$1: FAILED"
	fi
}

# Runs a stage with its output in a log file (not a pipe: a daemon a test
# leaves behind could hold a pipe open forever) and a time limit.
# The limits are guards against a hung test, far above the normal times; all
# of them together stay inside CI's 90 minutes.
run_logged() {
	local log=$1 limit=$2 rc=0
	shift 2
	timeout --kill-after=30 "$limit" "$@" >"$log" 2>&1 || rc=$?
	if ((rc == 124 || rc == 137)); then
		printf '\ndeploy/dev: stopped after the %s s limit\n' "$limit" | tee -a "$log" >&2
	fi
	return "$rc"
}

# Shows why a make check failed: the end of its log and the test-suite.log
# files (automake's record of each failed test) under DIR, or only those
# matching PATH-PATTERN (distcheck's own build).
show_check_failure() {
	local dir=$1 log=$2 pattern=${3:-*} f
	TAIL_LINES=40 show_tails "$log"
	while IFS= read -r f; do
		# The tail may miss the check that failed: name every one first.
		printf -- '----- failed checks in %s -----\n' "$f" >&2
		grep -E -A1 '^FAIL: ' -- "$f" | grep -v '^--$' | head -40 >&2 || true
		TAIL_LINES=60 show_tails "$f"
	done < <(find "$dir" -path "$pattern" -name 'test-suite.log' 2>/dev/null)
}

# stage_check NAME DIR LIMIT [CONFIGURE-ARGS...]: make check in a fresh
# build directory.
stage_check() {
	local name=$1 dir=$2 limit=$3 rc=0 log
	shift 3
	log=$RUN/log/test-$name.log
	say "$name: fresh build in $dir and make check (log: $log)"
	remove_tree "$dir"
	mkdir -p -- "$dir"
	# shellcheck disable=SC2016 # $0 and $@ are for the inner sh
	(cd "$dir" && run_logged "$log" "$limit" sh -c '"$0" "$@" && make -j2 check AM_COLOR_TESTS=no' \
		"$SRC/configure" "$@") || rc=$?
	count_check_log "$log" "$rc" "$dir"
	if ((rc != 0)); then
		T_FAILED_STAGES+=("$name")
		show_check_failure "$dir" "$log"
	fi
}

stage_distcheck() {
	local dir=$1 rc=0 log=$RUN/log/test-distcheck.log
	say "distcheck: make distcheck in $dir (log: $log)"
	if [[ ! -f $dir/Makefile ]]; then
		count_one distcheck 1
		note "no configured build in $dir"
		return
	fi
	run_logged "$log" 900 make -C "$dir" -j2 distcheck AM_COLOR_TESTS=no || rc=$?
	count_one distcheck "$rc"
	((rc == 0)) || show_check_failure "$dir" "$log" '*/_build/*'
}

stage_fuzz() {
	local dir=$1 rc=0 log=$RUN/log/test-fuzz.log secs=${MOAT_FUZZ_SECONDS:-10}
	[[ $secs =~ ^[0-9]+$ ]] || die "MOAT_FUZZ_SECONDS must be a number of seconds"
	if [[ ! -f $SRC/tests/fuzz/run.sh ]]; then
		say "fuzz: skipped (tests/fuzz/run.sh does not exist yet)"
		FUZZ_SKIPPED=1
		return
	fi
	say "fuzz: make fuzz FUZZ_SECONDS=$secs (log: $log)"
	run_logged "$log" $((300 + 10 * secs)) make -C "$dir" fuzz FUZZ_SECONDS="$secs" || rc=$?
	count_one "fuzz smoke" "$rc"
	((rc == 0)) || TAIL_LINES=60 show_tails "$log"
}

# A throwaway cluster for the test suites, found through PGHOST & co.
start_test_pg() {
	local owner data
	find_pg_bin
	owner=$(pg_owner)
	# Short fixed prefix: the socket lives here and the path limit is 107.
	TEST_PG=$(mktemp -d /tmp/moat-pgtest.XXXXXX)
	chmod 0755 -- "$TEST_PG"
	data=$TEST_PG/data
	mkdir -m 0700 -- "$data"
	chown -- "$owner:" "$TEST_PG" "$data"
	say "test database: throwaway cluster in $TEST_PG"
	as_pg "$PG_BIN/initdb" -D "$data" --auth-local=trust --auth-host=reject \
		--encoding=UTF8 --locale=C.UTF-8 --no-instructions >"$RUN/log/test-initdb.log" 2>&1 || {
		show_tails "$RUN/log/test-initdb.log"
		return 1
	}
	cat >>"$data/postgresql.conf" <<EOF

# deploy/dev test: a throwaway cluster, unix socket only, no durability.
listen_addresses = ''
unix_socket_directories = '$TEST_PG'
port = 55432
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$TEST_PG/server.log" -w -t 60 start >/dev/null || {
		show_tails "$TEST_PG/server.log"
		return 1
	}
	as_pg "$PG_BIN/psql" -X -q -h "$TEST_PG" -p 55432 -U "$owner" -d postgres \
		-v ON_ERROR_STOP=1 -v me="$ME" >/dev/null <<'EOF'
SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'me')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'me') \gexec
SELECT format('CREATE DATABASE moat_test OWNER %I', :'me') \gexec
EOF
	export PGHOST=$TEST_PG PGPORT=55432 PGDATABASE=moat_test PGUSER=$ME
	"$PG_BIN/psql" -X -q -tA -c 'select 1' >/dev/null || {
		echo "psql -c 'select 1' failed against the test cluster" >&2
		return 1
	}
	note "PGHOST=$PGHOST PGPORT=$PGPORT PGDATABASE=$PGDATABASE PGUSER=$PGUSER"
}

stop_test_pg() {
	[[ -n $TEST_PG && -d $TEST_PG ]] || return 0
	if [[ -f $TEST_PG/data/postmaster.pid ]]; then
		as_pg "$PG_BIN/pg_ctl" -D "$TEST_PG/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf -- "$TEST_PG"
	TEST_PG=
}

SMOKE_HTTPS=${MOAT_TEST_HTTPS_PORT:-18443}
SMOKE_HTTP=${MOAT_TEST_HTTP_PORT:-18080}

# This script run on the smoke test's own run directory and ports.
smoke() {
	MOAT_DEV_RUN_DIR=$SMOKE_RUN MOAT_DEV_HTTPS_PORT=$SMOKE_HTTPS \
		MOAT_DEV_HTTP_PORT=$SMOKE_HTTP timeout --kill-after=30 600 "$SELF" "$@"
}

# What the README tells a new user to do: register (a real browser flow:
# cookie jar, CSRF field, Origin), land on /notes, write a note.
smoke_first_steps() {
	local base=$1 jar=$SMOKE_RUN/cookies page csrf code
	local c=("${CURL[@]}" -k -c "$jar" -b "$jar" --max-time 20 -H "Origin: $base")
	page=$("${c[@]}" "$base/register") || true
	csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
	code=$("${c[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' --data "csrf_token=$csrf" \
		--data 'username=smoke&password=smoke+test+password&password2=smoke+test+password' \
		"$base/register") || true
	if [[ $code == "303 $base/notes" ]]; then echo "ok: register signs in and goes to /notes"; else
		echo "FAIL: POST /register gave '$code'"
		return 1
	fi
	# Signing in gave a new session, and with it a new CSRF token.
	page=$("${c[@]}" "$base/notes") || true
	csrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)
	code=$("${c[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' --data "csrf_token=$csrf" \
		--data 'title=First+note&body=Hello' "$base/notes") || true
	if [[ $code == "303 $base/notes/"* ]]; then echo "ok: a note is written"; else
		echo "FAIL: POST /notes gave '$code'"
		return 1
	fi
	page=$("${c[@]}" "${code#303 }") || true
	if [[ $page == *"First note"* ]]; then echo "ok: the note reads back"; else
		echo "FAIL: the note page: ${page:0:300}"
		return 1
	fi
}

# "up" and "down" themselves, as a user would run them, on a throwaway run
# directory (private, like a CI checkout in a temp dir) and other ports.
stage_smoke() {
	local rc=0 out pid1 pid2 code
	local https=$SMOKE_HTTPS http=$SMOKE_HTTP
	local log=$RUN/log/test-dev-stack.log
	SMOKE_RUN=$(mktemp -d /tmp/moat-devtest.XXXXXX)
	say "dev-stack smoke: deploy/dev up/status/down in $SMOKE_RUN, ports $https/$http (log: $log)"
	{
		set +e
		smoke up || {
			echo "FAIL: up"
			rc=1
		}
		smoke status || {
			echo "FAIL: status after up"
			rc=1
		}
		out=$("${CURL[@]}" -k --max-time 10 "https://127.0.0.1:$https/") || true
		if [[ $out == *"Moat Notes"* ]]; then echo "ok: GET / serves Moat Notes"; else
			echo "FAIL: GET https://127.0.0.1:$https/ answered: ${out:0:300}"
			rc=1
		fi
		smoke_first_steps "https://127.0.0.1:$https" || rc=1
		code=$("${CURL[@]}" -o /dev/null --max-time 10 -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http/x?y=1") || true
		if [[ $code == "301 https://127.0.0.1:$https/x?y=1" ]]; then echo "ok: http redirects"; else
			echo "FAIL: GET http://127.0.0.1:$http/x?y=1 gave '$code'"
			rc=1
		fi
		# The shipped nginx config limits log-in attempts per client.
		codes=$(for _ in 1 2 3 4 5 6 7 8; do
			"${CURL[@]}" -k -o /dev/null --max-time 10 -w '%{http_code} ' \
				-X POST -d x=1 "https://127.0.0.1:$https/login"
		done) || true
		if [[ $codes == *429* ]]; then echo "ok: log-in flood gets 429 ($codes)"; else
			echo "FAIL: 8 quick POST /login never got 429 ($codes)"
			rc=1
		fi
		hdrs=$("${CURL[@]}" -k -o /dev/null -D - --max-time 10 "https://127.0.0.1:$https/") || true
		if [[ ${hdrs,,} == *strict-transport-security:* ]]; then echo "ok: HSTS over HTTPS"; else
			echo "FAIL: no Strict-Transport-Security over HTTPS"
			rc=1
		fi
		pid1=$(read_pid "$SMOKE_RUN/moat.pid")
		smoke up || {
			echo "FAIL: second up"
			rc=1
		}
		pid2=$(read_pid "$SMOKE_RUN/moat.pid")
		if [[ -n $pid1 && $pid1 == "$pid2" ]]; then echo "ok: second up kept app pid $pid1"; else
			echo "FAIL: second up changed the app pid ('$pid1' -> '$pid2')"
			rc=1
		fi
		smoke down || {
			echo "FAIL: down"
			rc=1
		}
		if smoke status; then
			echo "FAIL: status says up after down"
			rc=1
		else echo "ok: status says down after down"; fi
		smoke down || {
			echo "FAIL: second down"
			rc=1
		}
		set -e
	} >"$log" 2>&1
	count_one "dev-stack smoke" "$rc"
	if ((rc != 0)); then
		grep -E '^(FAIL|ok):' "$log" >&2 || true
		TAIL_LINES=60 show_tails "$log" "$SMOKE_RUN/log/moat.log" "$SMOKE_RUN/log/moat.stderr" \
			"$SMOKE_RUN/nginx/logs/error.log"
	fi
	smoke clean >/dev/null 2>&1 || true
	rm -rf -- "$SMOKE_RUN"
	SMOKE_RUN=
}

test_cleanup() {
	local rc=$?
	if [[ -n $SMOKE_RUN ]]; then
		smoke clean >/dev/null 2>&1 || true
		rm -rf -- "$SMOKE_RUN"
	fi
	stop_test_pg
	return "$rc"
}

cmd_test() {
	local start=$SECONDS
	FUZZ_SKIPPED=0
	ensure_packages "${BUILD_PKGS[@]}" "${STACK_PKGS[@]}" "${TEST_PKGS[@]}"
	# The tests run the workers as moat-worker when root: they fail, not
	# skip, without it.
	ensure_users
	mkdir -p -- "$RUN/log"
	bootstrap_autotools
	trap test_cleanup EXIT
	trap 'exit 130' INT TERM

	if ! start_test_pg; then
		T_FAIL=$((T_FAIL + 1))
		T_FAILED_STAGES+=("test database")
		warn "the throwaway PostgreSQL cluster did not start; tests that need it will fail or skip"
	fi

	stage_check check "$RUN/test-build" 600
	stage_check check-asan "$RUN/test-build-asan" 900 --enable-sanitizers
	stage_distcheck "$RUN/test-build"
	stage_fuzz "$RUN/test-build"
	stage_smoke

	printf '\n'
	((FUZZ_SKIPPED == 0)) || note "fuzz smoke skipped (no tests/fuzz/run.sh)"
	((${#T_FAILED_STAGES[@]} == 0)) || note "failed: ${T_FAILED_STAGES[*]}"
	note "logs: $RUN/log/test-*.log; took $((SECONDS - start)) s"
	printf 'tests: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
	if ((T_FAIL > 0)); then
		exit 1
	fi
}

