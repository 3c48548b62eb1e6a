#!/usr/bin/env bash
# sandbox.sh - the worker sandbox, from inside and from outside.
#
# Inside: a handler that opens /etc/passwd, runs a program, connects out,
# forks or signals a sibling worker or the supervisor (kill, or fcntl's
# F_SETOWN/F_SETSIG/O_ASYNC) gets its worker killed by SIGSYS, its target
# lives on, and the supervisor replaces it; with sandbox_debug on the call fails instead and the log names it.
# The glibc functions an honest handler calls (qsort, the time functions,
# random, conversions, large mallocs, sysconf) work, in the zone the
# server had at start; those that still need a file are named.
# Outside (as root): every worker is in seccomp filter mode with
# no_new_privs, runs as moat-worker with no capabilities in its empty
# chroot, has no environment, only the descriptors it needs, and rlimits.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

IT_APP="$MOAT_BUILDDIR/tests/integration/test-app"
IT_WORKERS=2
it_setup

ROOT=
[ "$(id -u)" = 0 ] && ROOT=1
BUILD=$(it_curl /sandbox/build)

workers() { pgrep -P "$IT_APP_PID" | sort | tr '\n' ' '; }
nworkers() { pgrep -c -P "$IT_APP_PID"; }
log_lines() { wc -l < "$IT_DIR/moat.log"; }
# new_log START: the log from line START on.
new_log() { tail -n +"$1" "$IT_DIR/moat.log"; }
# wait_new START PATTERN: up to 5 s for PATTERN in the log from line START.
wait_new() {
	local _
	for _ in $(seq 1 50); do
		new_log "$1" | grep -q -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
# wait_pool: up to 5 s for the pool to be back to $IT_WORKERS workers
# that all entered the sandbox (they log nothing on success, so ask).
wait_pool() {
	local _
	for _ in $(seq 1 50); do
		[ "$(nworkers)" = "$IT_WORKERS" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- the Landlock ABI in force, stated once at start ------------------------------
# "sandbox: Landlock ABI N in force (kernel K, no cap)", or with
# "landlock_max_abi C" and N = min(K, C), or "sandbox: no Landlock (...)".
wait_new 1 "sandbox: .*Landlock.* (kernel " ||
	it_fail "the log states the Landlock ABI in force" "$(new_log 1)"
line=$(new_log 1 | grep -o 'info: sandbox: [^:]*Landlock[^:]*(kernel [0-9]*, [^)]*)' | head -n 1)
kernel=$(printf '%s' "$line" | sed -n 's/.*(kernel \([0-9]*\),.*/\1/p')
inforce=$(printf '%s' "$line" | sed -n 's/.*Landlock ABI \([0-9]*\) in force.*/\1/p')
case $line in *"no Landlock ("*) inforce=0 ;; esac
want=$kernel
cap=${MOAT_TEST_LANDLOCK_ABI:-}
if [ -n "$cap" ]; then
	it_contains "the log names the cap" "landlock_max_abi $cap)" "$line"
	[ "$cap" -lt "${kernel:-0}" ] && want=$cap
else
	it_contains "the log says there is no cap" "no cap)" "$line"
fi
it_check "the Landlock ABI in force is the kernel's${cap:+, capped at $cap}" \
	"${want:-?}" "${inforce:-none}"

# --- glibc in a handler: what an honest handler calls must not kill -----------
# Each /sandbox/libc/FN calls a few glibc functions and answers with their
# results.  A large qsort asks sysinfo(2) about memory, large blocks are
# mmap()ed and mremap()ed, and the time functions would read the zone file
# if the sandbox had not loaded it before the chroot.
# libc_check NAME FN EXPECTED: the answer is 200 with EXPECTED.
libc_check() {
	it_check "libc: $1" "$3
200" "$(curl -s --max-time 10 -w '%{http_code}' "$IT_BASE/sandbox/libc/$2")"
}
# libc_time NAME: the time functions answer as date(1) does in the
# zone the app was started in.
t=1700000000
libc_time() {
	libc_check "$1" time "time and clock_gettime: agree
gmtime_r: 2023-11-14 22:13:20 GMT +0000
localtime_r: $(date -d @$t '+%Y-%m-%d %H:%M:%S %Z %z')
localtime_r after tzset: $(date -d @$t '+%Y-%m-%d %H:%M:%S %Z %z')
mktime: $(date -d '2023-11-14 22:13:20' +%s)"
}
# no_sigsys NAME START: no worker was killed by SIGSYS since log line START.
no_sigsys() {
	case $(new_log "$2") in
	*"killed by signal 31 (SIGSYS)"*) it_fail "$1" "$(new_log "$2")" ;;
	*) it_pass "$1" ;;
	esac
}
wait_pool
start=$(($(log_lines) + 1))
libc_check "qsort of 8 and of 500 rows of 64 bytes" qsort \
	"qsort 8 rows of 64 bytes: sorted
qsort 500 rows of 64 bytes: sorted"
libc_time "time, gmtime_r, localtime_r, tzset, mktime (TZ unset)"
libc_check "rand, random, random_r, arc4random" random "rand: 1804289383
random: 71876166
random_r: 1539280666
arc4random: in range"
libc_check "strtol, strtoull, strtod, snprintf %f %g %e, the C locale" \
	strings "strtol: -12345 31
strtoull: 18446744073709551615
strtod: 3.141590 1.0472e-06 3.142e+00 inf
locale: C Aq 1 ."
libc_check "malloc 64 MiB, realloc to 128 MiB, memcpy, free, malloc_trim" \
	memory "malloc, realloc, memcpy 64 MiB: same"
libc_check "sysconf(_SC_PAGESIZE, _SC_PHYS_PAGES), getpid" sysconf \
	"pagesize: $(getconf PAGESIZE)
phys_pages: positive
getpid: positive"
libc_check "iconv with a descriptor opened before moat_main()" iconv \
	"iconv: caf$(printf '\303\251')"
no_sigsys "libc: no worker was killed by SIGSYS" "$start"
# Handlers get the zone the server had at start, also one TZ names: its
# file is read before the chroot, which holds none.
it_stop_app
TZ=America/New_York it_start_app || it_fail "the app restarts with TZ set"
wait_pool
start=$(($(log_lines) + 1))
libc_check "time functions in the zone TZ named at start (America/New_York)" \
	time "time and clock_gettime: agree
gmtime_r: 2023-11-14 22:13:20 GMT +0000
localtime_r: 2023-11-14 17:13:20 EST -0500
localtime_r after tzset: 2023-11-14 17:13:20 EST -0500
mktime: 1700018000"
no_sigsys "libc with TZ set: no worker was killed by SIGSYS" "$start"

# --- inside: what a compromised handler would try ----------------------------
# deny ROUTE NAME: the call must kill its worker (or, in a sanitizer build,
# where sandbox.c lets open fail for ASan's reports, fail with EACCES).
deny() {
	local route=$1 name=$2 start out code body
	start=$(($(log_lines) + 1))
	out=$(curl -s --max-time 10 -w '\n%{http_code}' "$IT_BASE$route")
	code=${out##*$'\n'}
	body=$(printf '%s' "${out%$'\n'*}")
	if [ "$route" = /sandbox/open ] && [ "$BUILD" = sanitizers ]; then
		it_check "$name fails (sanitizer build)" \
			"open /etc/passwd failed: Permission denied" "$body"
		return
	fi
	case $code in
	5??) it_pass "$name: the client gets a $code" ;;
	*) it_fail "$name: the client gets a 5xx" "got $code: $body" ;;
	esac
	if wait_new "$start" "killed by signal 31 (SIGSYS)"; then
		it_pass "$name: the worker is killed by SIGSYS"
	else
		it_fail "$name: the worker is killed by SIGSYS" "$(new_log "$start")"
	fi
	if wait_pool && [ "$(it_curl /)" = "test app" ]; then
		it_pass "$name: the supervisor replaces the worker"
	else
		it_fail "$name: the supervisor replaces the worker" "workers: $(workers)"
	fi
}

deny /sandbox/open "open(/etc/passwd)"
deny /sandbox/exec "execve(/bin/true)"
deny /sandbox/socket "socket(AF_INET) + connect"
deny /sandbox/fork "fork()"

# --- signalling other processes of the same uid --------------------------------
alive() { local st; st=$(ps -o stat= -p "$1") && [ "${st#Z}" = "$st" ]; }
# fresh_pool: reload and wait for the new workers.  Their slots start
# with no failures behind them: the supervisor backs off a slot whose
# workers keep dying, and the checks above killed many.
fresh_pool() {
	local old p left _
	old=$(workers)
	kill -HUP "$IT_APP_PID"
	for _ in $(seq 1 50); do
		left=
		for p in $old; do alive "$p" && left=1; done
		[ -z "$left" ] && [ "$(nworkers)" = "$IT_WORKERS" ] && return 0
		sleep 0.1
	done
	return 1
}
# attack ROUTE NAME TARGET: the worker that answered /pid is told to
# signal TARGET ("sibling": the other worker); if the next request went
# to the other worker instead, it says so and the test tries again.
attack() {
	local route=$1 name="$2 on the $3" a t start p _
	for _ in $(seq 1 20); do
		wait_pool
		a=$(it_curl /pid)
		t=$IT_APP_PID
		if [ "$3" = sibling ]; then
			for p in $(workers); do [ "$p" = "$a" ] || t=$p; done
		fi
		start=$(($(log_lines) + 1))
		# The other worker also answers nginx's retry when the
		# attacker has died.
		[ "$(it_curl "$route?from=$a&pid=$t")" = "not this worker" ] &&
			alive "$a" || break
	done
	if wait_new "$start" "worker $a killed by signal 31 (SIGSYS)"; then
		it_pass "$name: the worker is killed by SIGSYS"
	else
		it_fail "$name: the worker is killed by SIGSYS" "$(new_log "$start")"
	fi
	if alive "$t" && [ "$t" != "$a" ]; then
		it_pass "$name: the target ($t) is still alive"
	else
		it_fail "$name: the target ($t) is still alive" "$(new_log "$start")"
	fi
	case $(new_log "$start") in
	*"killed by signal 9 "*) it_fail "$name: nothing was killed by SIGKILL" "$(new_log "$start")" ;;
	*) it_pass "$name: nothing was killed by SIGKILL" ;;
	esac
	if wait_pool && [ "$(it_curl /)" = "test app" ]; then
		it_pass "$name: the supervisor replaces the worker"
	else
		it_fail "$name: the supervisor replaces the worker" "workers: $(workers)"
	fi
}
fresh_pool || it_fail "a reload starts a fresh pool" "workers: $(workers)"
attack /sandbox/sigio "fcntl(F_SETOWN, F_SETSIG SIGKILL, O_ASYNC) + write" sibling
attack /sandbox/sigio "fcntl(F_SETOWN, F_SETSIG SIGKILL, O_ASYNC) + write" supervisor
attack /sandbox/kill "kill(SIGKILL)" sibling
attack /sandbox/kill "kill(SIGKILL)" supervisor

it_check "a syscall the app lists (getcpu) is allowed" "getcpu succeeded" \
	"$(it_curl /sandbox/getcpu)"
it_check "workers still serve" "test app" "$(it_curl /)"

# --- outside: what /proc says about every worker ------------------------------
wait_pool
pids=$(workers)
it_check "the pool is full" "$IT_WORKERS" "$(echo "$pids" | wc -w)"
for p in $pids; do
	status=$(cat "/proc/$p/status")
	it_contains "worker $p: seccomp filter mode" "$(printf 'Seccomp:\t2')" "$status"
	it_contains "worker $p: no_new_privs" "$(printf 'NoNewPrivs:\t1')" "$status"
	limits=$(cat "/proc/$p/limits")
	it_check "worker $p: no new processes" "0 0" \
		"$(echo "$limits" | awk '/^Max processes/ { print $3, $4 }')"
	it_check "worker $p: no core files" "0 0" \
		"$(echo "$limits" | awk '/^Max core file size/ { print $5, $6 }')"
	nofile=$(echo "$limits" | awk '/^Max open files/ { print $4 }')
	if [ "$nofile" -le 128 ]; then it_pass "worker $p: few descriptors ($nofile)"; else
		it_fail "worker $p: few descriptors" "Max open files $nofile"; fi
	if [ "$BUILD" = plain ]; then
		it_check "worker $p: bounded address space" 1073741824 \
			"$(echo "$limits" | awk '/^Max address space/ { print $4 }')"
	fi
	if [ -z "$ROOT" ]; then
		continue
	fi
	uid=$(id -u moat-worker)
	gid=$(id -g moat-worker)
	it_contains "worker $p: runs as moat-worker" "$(printf 'Uid:\t%s\t%s\t%s\t%s' "$uid" "$uid" "$uid" "$uid")" "$status"
	it_contains "worker $p: in moat-worker's group" "$(printf 'Gid:\t%s\t%s\t%s\t%s' "$gid" "$gid" "$gid" "$gid")" "$status"
	it_check "worker $p: no supplementary groups" "" \
		"$(echo "$status" | sed -n 's/^Groups:[[:space:]]*//p' | tr -d ' ')"
	it_contains "worker $p: no capabilities" "$(printf 'CapPrm:\t0000000000000000')" "$status"
	it_check "worker $p: its root is the empty chroot" "$IT_DIR/empty" \
		"$(readlink "/proc/$p/root")"
	it_check "worker $p: its cwd is inside it" "$IT_DIR/empty" \
		"$(readlink "/proc/$p/cwd")"
	# clearenv() leaves the strings in memory; the sandbox wipes them.
	it_check "worker $p: no environment left" 0 \
		"$(tr -d '\000' < "/proc/$p/environ" | wc -c)"
	other=
	for fd in "/proc/$p/fd/"*; do
		case "${fd##*/} $(readlink "$fd")" in
		"0 /dev/null" | "1 pipe:"* | "2 pipe:"* | *" socket:"*) ;;
		*) other="$other ${fd##*/} -> $(readlink "$fd")" ;;
		esac
	done
	it_check "worker $p: only stdio, the log pipe and sockets are open" "" "$other"
done
if [ -z "$ROOT" ]; then
	echo "SKIP: uid, chroot, environment and descriptor checks need root"
fi

# --- start-up refuses a worker set-up that cannot work -----------------------------
if [ -n "$ROOT" ]; then
	cp "$IT_DIR/moat.conf" "$IT_DIR/check.conf"
	sed -i 's/^worker_user = .*/worker_user = moat-no-such-user/' "$IT_DIR/check.conf"
	out=$("$IT_APP" -c "$IT_DIR/check.conf" --check-config 2>&1)
	it_contains "a missing worker_user stops start-up" "worker_user moat-no-such-user: no such user" "$out"
	mkdir -p "$IT_DIR/full"
	touch "$IT_DIR/full/file"
	sed -i "s|^worker_user = .*|worker_user = moat-worker|; s|^worker_chroot = .*|worker_chroot = $IT_DIR/full|" "$IT_DIR/check.conf"
	out=$("$IT_APP" -c "$IT_DIR/check.conf" --check-config 2>&1)
	it_contains "a non-empty worker_chroot stops start-up" "worker_chroot $IT_DIR/full: must be an empty directory" "$out"
fi

# --- sandbox_debug: name the call, fail it, keep the worker --------------------------
start=$(($(log_lines) + 1))
printf 'sandbox_debug = on\n' >> "$IT_DIR/moat.conf"
pre_reload=$(workers)
kill -HUP "$IT_APP_PID"
wait_new "$start" "reload: starting" || it_fail "reload with sandbox_debug on"
# The workers compared below must all be new ones: wait for the old ones
# to finish rather than for a while.
reloaded() {
	local p
	for p in $pre_reload; do kill -0 "$p" 2>/dev/null && return 1; done
	[ "$(nworkers)" = "$IT_WORKERS" ]
}
it_wait_until 30 reloaded || it_fail "the old workers finish after the reload" "$(workers)"
before=$(workers)
start=$(($(log_lines) + 1))
it_check "debug: socket() fails instead of killing" \
	"socket failed: Function not implemented" "$(it_curl /sandbox/socket)"
it_check "debug: fork() fails instead of killing" \
	"fork failed: Function not implemented" "$(it_curl /sandbox/fork)"
it_check "debug: execve() fails instead of killing" \
	"execve /bin/true failed: Function not implemented" "$(it_curl /sandbox/exec)"
# as_attacker ROUTE PID: the answer of ROUTE told to signal PID, from the
# worker it reached.
as_attacker() {
	local a out _
	for _ in $(seq 1 20); do
		a=$(it_curl /pid)
		out=$(it_curl "$1?from=$a&pid=$2")
		[ "$out" = "not this worker" ] || break
	done
	printf '%s' "$out"
}
out=$(as_attacker /sandbox/sigio "$IT_APP_PID")
it_contains "debug: F_SETOWN fails instead of killing" \
	"F_SETOWN failed: Function not implemented" "$out"
it_contains "debug: F_SETSIG fails instead of killing" \
	"F_SETSIG failed: Function not implemented" "$out"
it_contains "debug: F_SETFL O_ASYNC fails instead of killing" \
	"O_ASYNC failed: Function not implemented" "$out"
it_check "debug: kill() fails instead of killing" \
	"kill failed: Function not implemented" "$(as_attacker /sandbox/kill "$IT_APP_PID")"
# What glibc still cannot do in a worker (README.md, "Sandbox").
# debug_denied FN SYSCALL: /sandbox/libc/FN answers, and the log names
# SYSCALL.  Sanitizer builds fail openat with EACCES instead, unlogged.
debug_denied() {
	local from=$(($(log_lines) + 1)) code
	if [ "$2" = openat ] && [ "$BUILD" = sanitizers ]; then
		return
	fi
	code=$(it_status "/sandbox/libc/$1")
	if [ "$code" = 200 ] && wait_new "$from" "sandbox: denied syscall $2 ("; then
		it_pass "debug: libc $1 still needs $2"
	else
		it_fail "debug: libc $1 still needs $2" "$code $(new_log "$from")"
	fi
}
debug_denied nprocs openat
debug_denied iconv_open openat
debug_denied setlocale openat
debug_denied stdout newfstatat
debug_denied getrlimit prlimit64
wait_new "$start" "denied syscall execve"
wait_new "$start" "denied syscall kill"
log=$(new_log "$start")
it_contains "debug: the log names socket" "sandbox: denied syscall socket (" "$log"
it_contains "debug: the log names clone" "sandbox: denied syscall clone (" "$log"
it_contains "debug: the log names execve" "sandbox: denied syscall execve (" "$log"
it_contains "debug: the log names fcntl" "sandbox: denied syscall fcntl (" "$log"
it_contains "debug: the log names kill" "sandbox: denied syscall kill (" "$log"
case $log in
*"killed by signal"*) it_fail "debug: no worker was killed" "$log" ;;
*) it_pass "debug: no worker was killed" ;;
esac
it_check "debug: the same workers still serve" "$before" "$(workers)"

it_finish
