/*
 * broker_sandbox.c - the broker sandbox (see broker_sandbox.h).
 *
 * The same two layers as the worker's (worker/sandbox.c), cut to what
 * the broker does after start-up: serve worker channels, connect one
 * PostgreSQL session per new channel with libpq, and (later) open files
 * in the file store to pass them on.  The probe connection in
 * broker_start() has by then loaded everything libpq and libc load
 * lazily (NSS modules, OpenSSL and Kerberos configuration), which matters
 * because no memory may become executable here.
 *
 * Landlock's syscalls need not be in the allowlist: the ruleset is in
 * force before the filter is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include <moat/log.h>
#include <moat/nelem.h>

#include "broker/broker_sandbox.h"
#include "core/log_internal.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_build.h"
#include "sandbox/sigsys_debug.h"

/* --- the allowlist ------------------------------------------------------- */

/*
 * Every system call the broker may make once it serves workers.  Names
 * unknown on this architecture are skipped.  Nothing here runs a
 * program, creates a process, changes credentials or signals another
 * process; files are opened only where Landlock lets them be (see
 * landlock_rules below).  Beside each entry: why its arguments cannot
 * undo that; the argument rules are in sandbox/syscall_rule.c, shared
 * with the worker.
 */
static const struct allowed_syscall allowlist[] = {
	/* The event loop: worker channels (frames, SCM_RIGHTS both ways),
	 * the control socket, the log on stderr. */
	{ "read", ANY },
	{ "readv", ANY },
	{ "write", ANY },
	{ "writev", ANY },
	{ "recvmsg", ANY },
	{ "sendmsg", ANY },
	{ "poll", ANY },
	{ "ppoll", ANY },
	{ "fcntl", FCNTL },		/* O_NONBLOCK, FD_CLOEXEC; no signals */
	{ "close", ANY },
	/* libpq, connecting a new channel's session and talking to it:
	 * TCP or a unix socket, and getaddrinfo's own sockets (DNS over
	 * UDP, the source-address probe that sorts its answers).  The
	 * broker may reach any address (PostgreSQL may be anywhere), so an
	 * address in connect or sendto gives it nothing new; the socket
	 * rule keeps out raw, packet and netlink sockets. */
	{ "socket", SOCKET },
	{ "connect", ANY },
	{ "sendto", ANY },
	{ "recvfrom", ANY },
	{ "sendmmsg", ANY },		/* the resolver: A and AAAA at once */
	{ "getsockopt", ANY },		/* SO_ERROR, SO_PEERCRED */
	/* TCP_NODELAY, keepalives; options that reach beyond its own
	 * sockets need capabilities broker_user lacks. */
	{ "setsockopt", ANY },
	{ "getsockname", ANY },
	{ "getpeername", ANY },
	{ "shutdown", ANY },
	{ "geteuid", ANY },		/* libpq: the default user name */
	{ "getuid", ANY },
	{ "getegid", ANY },
	{ "getgid", ANY },
	{ "getrandom", ANY },		/* SCRAM nonces, libsodium */
	/* Reading what Landlock allows (/etc/passwd, /etc/hosts,
	 * /etc/localtime, TLS files) and the file store: open, create,
	 * replace, remove, sync, pass the descriptor on.  Without Landlock
	 * (before Linux 5.13, or landlock_max_abi = 0) the paths are
	 * bounded by broker_user's file permissions only. */
	{ "openat", ANY },
	{ "fstat", ANY },
	{ "newfstatat", ANY },
	{ "statx", ANY },
	{ "lseek", ANY },
	{ "pread64", ANY },
	{ "pwrite64", ANY },
	{ "getdents64", ANY },
	{ "mkdirat", ANY },
	{ "unlinkat", ANY },
	{ "renameat", ANY },
	{ "renameat2", ANY },
	{ "fsync", ANY },
	{ "fdatasync", ANY },
	{ "ftruncate", ANY },
	{ "fchmod", ANY },		/* its own files: it runs as no one else */
	/* Memory for malloc and libsodium's guarded, locked allocations;
	 * never executable, so nothing new can be loaded or run (mremap
	 * keeps a mapping's protection).  mlock is bounded by
	 * RLIMIT_MEMLOCK. */
	{ "brk", ANY },
	{ "mmap", NO_EXEC },
	{ "mprotect", NO_EXEC },
	{ "munmap", ANY },
	{ "mremap", MREMAP },
	{ "madvise", MADVISE },
	{ "mlock", ANY },
	{ "munlock", ANY },
	/* Signals (SIGPIPE ignored, sandbox_debug's SIGSYS handler) and
	 * abort(), which signals itself only. */
	{ "rt_sigaction", ANY },
	{ "rt_sigprocmask", ANY },
	{ "rt_sigreturn", ANY },
	{ "restart_syscall", ANY },
	{ "getpid", ANY },
	{ "gettid", ANY },
	{ "tgkill", SELF },
	/* Time (when the vDSO cannot answer: log stamps, libpq timeouts),
	 * locks, the way out. */
	{ "clock_gettime", ANY },
	{ "gettimeofday", ANY },
	{ "time", ANY },
	{ "nanosleep", ANY },
	{ "clock_nanosleep", ANY },
	{ "futex", ANY },
	{ "sched_yield", ANY },		/* spin locks (ASan's, in the pool) */
	{ "exit", ANY },
	{ "exit_group", ANY },
#if SANDBOX_ASAN
	/* --enable-sanitizers builds only: ASan's alternate signal stack,
	 * and what it tries while writing a report (find the executable,
	 * ask whether stderr is a terminal, start a symbolizer) fails
	 * rather than kills, so the report reaches the log. */
	{ "sigaltstack", ANY },
	{ "readlink", FAIL },
	{ "readlinkat", FAIL },
	{ "ioctl", FAIL },
	{ "pipe2", FAIL },
#endif
};


static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "broker sandbox: %s: %s", what, strerror(errno));
	return -1;
}

/* The filter, built but not loaded; NULL with err on failure. */
static scmp_filter_ctx
filter_build(bool debug, char *err, size_t errlen)
{
	/* all_threads: the hash threads were started before it. */
	const struct seccomp_build b = { .who = "broker sandbox",
	    .table = allowlist, .n = MOAT_NELEM(allowlist), .debug = debug,
	    .all_threads = true };

	return seccomp_build(&b, err, errlen);
}

/* --- the file store ------------------------------------------------------ */

/*
 * The store directory, opened O_PATH for its Landlock rule; created 0700
 * if missing (store_open_dir() normally has done that already).  It must
 * belong to the broker's user and be writable by nobody else: anyone who
 * could write there could plant or swap the files the broker hands to
 * workers.
 */
static int
store_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (mkdir(path, 0700) == 0) {
		/* Whatever the umask made of it. */
		if (chmod(path, 0700) != 0)
			return fail(err, errlen, "chmod file store");
		moat_log_info("broker sandbox: created the file store %s",
		    path);
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "file store %s: cannot create it: %s",
		    path, strerror(errno));
		return -1;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "file store %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "file store %s: must be a directory "
		    "owned by the broker's user (uid %ld) and writable by it "
		    "only", path, (long)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

/* --- Landlock ------------------------------------------------------------ */

/*
 * What may be read beneath these after the sandbox is in: libc's NSS
 * and resolver files (passwd, group, hosts, resolv.conf, nsswitch.conf,
 * gai.conf, services), the time zone, TLS and Kerberos configuration and
 * certificates, pg_service.conf, and the randomness device that OpenSSL
 * falls back to.  Paths that do not exist are skipped.
 */
static const char *const read_only[] = {
	"/etc",
	"/usr/share/zoneinfo",
	"/usr/lib",
	"/lib",
	"/usr/share/ca-certificates",
	"/dev/urandom",
};

static int
landlock_rules(int ruleset, int store_fd, uint64_t handled, char *err,
    size_t errlen)
{
	const uint64_t store_rights = LL_READ | LL_FS_WRITE_FILE |
	    LL_FS_MAKE_REG | LL_FS_REMOVE_FILE | LL_FS_MAKE_DIR |
	    LL_FS_REMOVE_DIR | LL_FS_REFER | LL_FS_TRUNCATE;
	size_t i;
	int fd;

	if (landlock_allow(ruleset, store_fd, store_rights, handled) != 0)
		return fail(err, errlen, "landlock_add_rule (file store)");
	for (i = 0; i < MOAT_NELEM(read_only); i++) {
		fd = open(read_only[i], O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return fail(err, errlen, read_only[i]);
		}
		if (landlock_allow(ruleset, fd, LL_READ, handled) != 0) {
			fail(err, errlen, read_only[i]);
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/*
 * Every file-system right this ABI knows is handled, so it is denied
 * unless a rule grants it.  TCP bind/connect are not handled: PostgreSQL
 * may be on any host and port.  Abstract unix sockets are not scoped
 * either (PostgreSQL can listen on one); signals are, as the broker
 * signals nobody.
 */
static int
landlock_restrict(int store_fd, char *err, size_t errlen)
{
	char what[96];
	uint64_t handled;
	int abi, fd;

	landlock_describe(what, sizeof(what));
	if ((abi = landlock_abi()) == 0) {
		moat_log_info("broker sandbox: %s: the broker relies on "
		    "seccomp and its uid to keep it from files", what);
		return 0;
	}
	moat_log_info("broker sandbox: %s", what);
	handled = landlock_fs_rights(abi);
	if ((fd = landlock_ruleset(abi, handled, 0, LL_SCOPE_SIGNAL)) < 0)
		return fail(err, errlen, "landlock_create_ruleset");
	if (landlock_rules(fd, store_fd, handled, err, errlen) != 0) {
		close(fd);
		return -1;
	}
	if (landlock_enforce(fd) != 0)
		return fail(err, errlen, "landlock_restrict_self");
	return 0;
}

/* --- the entry point ----------------------------------------------------- */

int
broker_sandbox_enter(const char *file_store, bool debug, char *err,
    size_t errlen)
{
	scmp_filter_ctx filter;
	int rc, store_fd;

	if (debug) {
		if (sigsys_debug_install("broker sandbox", err, errlen) != 0)
			return -1;
		moat_log_warn("broker sandbox: sandbox_debug is on: a denied "
		    "syscall fails and is logged instead of killing the "
		    "broker; never use this in production");
	}
	if ((store_fd = store_open(file_store, err, errlen)) < 0)
		return -1;
	if ((filter = filter_build(debug, err, errlen)) == NULL) {
		close(store_fd);
		return -1;
	}
	rc = landlock_restrict(store_fd, err, errlen);
	close(store_fd);
	if (rc == 0 && (rc = seccomp_load(filter)) != 0) {
		snprintf(err, errlen, "broker sandbox: seccomp_load: %s",
		    strerror(-rc));
		rc = -1;
	}
	seccomp_release(filter);
	if (rc == 0)
		moat_log_debug("broker sandbox: %zu syscalls allowed",
		    MOAT_NELEM(allowlist));
	return rc;
}
