/*
 * sandbox.c - the worker sandbox (see sandbox.h).
 *
 * A worker parses hostile input with C code, so assume it gets taken over
 * and make that worth little.  Layers, each enough on its own for
 * something, in the order they are put up:
 *
 *  1. Only the descriptors it needs stay open; the environment is
 *     cleared but for TZ, and the time zone loaded (zone_load below).
 *  2. As root: chroot into an empty root-owned directory, then drop every
 *     group and become worker_user.  setuid(0) must fail afterwards.
 *  3. rlimits: no core files, few descriptors, bounded address space and
 *     (after the uid change, because the kernel counts per user) no new
 *     processes.
 *  4. PR_SET_NO_NEW_PRIVS (no set-id gains through anything) and not
 *     dumpable (no ptrace or /proc access from other moat-worker
 *     processes).
 *  5. Landlock: a ruleset that handles every file-system right the kernel
 *     knows and grants none, also TCP bind/connect and scoped signals and
 *     abstract sockets where the kernel has them.  This holds in dev mode
 *     too, where there is no chroot.
 *  6. seccomp: the allowlist below; anything else kills the process, or
 *     with sandbox_debug on, is logged by name and fails with ENOSYS.
 *
 * Not root (dev mode) skips 2 only.  Landlock's syscalls need not be in
 * the allowlist: the ruleset is in force before the filter is loaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <seccomp.h>

#include <moat/log.h>
#include <moat/nelem.h>

#include "core/log_internal.h"
#include "sandbox/landlock.h"
#include "sandbox/seccomp_build.h"
#include "sandbox/sigsys_debug.h"
#include "worker/sandbox.h"

/* --- the allowlist --------------------------------------------------------- */

/*
 * Every system call a worker may make.  Names unknown on this
 * architecture (poll, select, time on arm64) are skipped.  No call here
 * opens a file, creates a socket or a process, changes credentials or
 * signals another process; keep it that way (see never_allowed below for
 * apps).  Beside each entry: why its arguments cannot undo that; the
 * argument rules are in syscall_rule.c, shared with the broker.
 */
static const struct allowed_syscall allowlist[] = {
	/* Descriptors it already holds: the listening socket, the web
	 * server's connections, the hand-off queue, the log pipe, later the
	 * broker channel and the files it passes.  Each socket is connected or listening, so
	 * no message can go to a new address (sendmsg on a connected unix
	 * socket refuses one, TCP ignores it, TCP fast open on a listening
	 * socket fails); sendto must not even name one. */
	{ "read", ANY },
	{ "readv", ANY },
	{ "write", ANY },
	{ "writev", ANY },
	{ "recvfrom", ANY },
	/* Descriptors come from the broker (files) and from sibling
	 * workers (kept connections: worker/handoff.h); a worker can pass
	 * only descriptors it holds, to a queue only workers read. */
	{ "recvmsg", ANY },
	{ "sendto", NO_ADDR },		/* send() */
	{ "sendmsg", ANY },
	{ "accept4", ANY },		/* connected sockets, nothing new */
	{ "accept", ANY },		/* libfcgi, after a peer's close */
	{ "getpeername", ANY },		/* fastcgi_peers */
	{ "shutdown", ANY },		/* libfcgi closing a connection */
	{ "close", ANY },
	{ "fcntl", FCNTL },		/* no signals by I/O (syscall_rule.c) */
	{ "poll", ANY },
	{ "ppoll", ANY },
	{ "select", ANY },		/* libfcgi */
	{ "pselect6", ANY },
	/* Memory for malloc; never executable.  mremap keeps a mapping's
	 * protection, so it cannot make code either, and may only move. */
	{ "brk", ANY },
	{ "mmap", NO_EXEC },
	{ "mprotect", NO_EXEC },
	{ "munmap", ANY },
	{ "mremap", MREMAP },
	{ "madvise", MADVISE },
	/* Signals to itself only: stop requests, the fault handler, request
	 * timeouts (setitimer signals the caller); tgkill is raise(). */
	{ "rt_sigaction", ANY },
	{ "rt_sigprocmask", ANY },
	{ "rt_sigreturn", ANY },
	{ "restart_syscall", ANY },
	{ "sigaltstack", ANY },
	{ "setitimer", ANY },
	{ "getpid", ANY },
	{ "gettid", ANY },
	{ "tgkill", SELF },
	/* Time (when the vDSO cannot answer), sleeps, randomness, locks
	 * (a futex is shared only through memory shared already). */
	{ "clock_gettime", ANY },
	{ "gettimeofday", ANY },
	{ "time", ANY },
	{ "nanosleep", ANY },
	{ "clock_nanosleep", ANY },
	{ "getrandom", ANY },		/* libsodium, arc4random */
	/* qsort of more than 1 KiB (and sysconf(_SC_PHYS_PAGES)) asks
	 * whether a copy fits in RAM.  It only writes into the caller's
	 * struct machine-wide totals: uptime, load, RAM and swap, how many
	 * processes; no file, no process is named or reached. */
	{ "sysinfo", ANY },
	/* Upload content for the broker: anonymous memory, no path; no
	 * huge pages (a pool shared by the whole machine). */
	{ "memfd_create", MEMFD },
	{ "futex", ANY },
	{ "exit", ANY },
	{ "exit_group", ANY },
#if SANDBOX_ASAN
	/* --enable-sanitizers builds only: what ASan and UBSan try while
	 * writing a report (find the executable, read /proc/self/maps, ask
	 * whether stderr is a terminal, start a symbolizer) fails rather
	 * than kills, so the report reaches the log, unsymbolized. */
	{ "open", FAIL },
	{ "openat", FAIL },
	{ "readlink", FAIL },
	{ "ioctl", FAIL },
	{ "pipe2", FAIL },
#endif
};

/*
 * What glibc still cannot do in a worker, because it would open a file
 * (README.md, "Sandbox"; sandbox.sh shows each with sandbox_debug on):
 * sysconf(_SC_NPROCESSORS_ONLN or _CONF) and get_nprocs() read /sys and
 * /proc; setlocale() and newlocale() to anything but "C" or "POSIX" read
 * locale files; iconv_open() reads gconv's module list and loads the
 * module of each character set not used before; getpwnam() and
 * getaddrinfo() read NSS files.  Done before moat_main(), each works, and
 * workers inherit the result (a number, a locale_t, an iconv_t).
 * Also denied: printf() to stdout, whose first use fstat()s it
 * (newfstatat, which would also stat any path; stdout is the log pipe:
 * use moat_log), and getrlimit() or sysconf(_SC_OPEN_MAX) (prlimit64,
 * which could also change a sibling worker's limits).  The time functions
 * need no file after zone_load().
 */

/*
 * What an app may not add with sandbox_syscalls: these would let a
 * worker open files, run programs, reach the network, create processes
 * or signal others (DESIGN.md, invariant 2).
 */
static const char *const never_allowed[] = {
	"open", "openat", "openat2", "creat", "open_by_handle_at",
	"execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace",
	"socket", "connect", "bind", "listen", "kill", "tkill", "tgkill",
	"process_vm_readv", "process_vm_writev",
};


static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "sandbox: %s: %s", what, strerror(errno));
	return -1;
}

static bool
is_never_allowed(const char *name)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(never_allowed); i++)
		if (strcmp(never_allowed[i], name) == 0)
			return true;
	return false;
}

static bool
in_allowlist(const char *name)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(allowlist); i++)
		if (allowlist[i].rule != FAIL &&
		    strcmp(allowlist[i].name, name) == 0)
			return true;
	return false;
}

static bool
app_lists(const struct moat_app *app, const char *name)
{
	size_t i;

	for (i = 0; app->sandbox_syscalls != NULL &&
	    app->sandbox_syscalls[i] != NULL; i++)
		if (strcmp(app->sandbox_syscalls[i], name) == 0)
			return true;
	return false;
}

int
sandbox_check_syscalls(const struct moat_app *app, char *err, size_t errlen)
{
	const char *name;
	size_t i;

	if (app->sandbox_syscalls == NULL)
		return 0;
	for (i = 0; (name = app->sandbox_syscalls[i]) != NULL; i++) {
		if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
			snprintf(err, errlen, "sandbox_syscalls: unknown system "
			    "call \"%.64s\"", name);
			return -1;
		}
		if (is_never_allowed(name)) {
			snprintf(err, errlen, "sandbox_syscalls: \"%s\" is "
			    "never allowed in a worker", name);
			return -1;
		}
	}
	return 0;
}

/* A FAIL entry the app's own sandbox_syscalls turn into an allowed call. */
static bool
app_replaces(const struct allowed_syscall *entry, const void *arg)
{
	return entry->rule == FAIL && app_lists(arg, entry->name);
}

/* The filter, built but not loaded; NULL with err on failure. */
static scmp_filter_ctx
filter_build(const struct moat_config *cfg, const struct moat_app *app,
    char *err, size_t errlen)
{
	const struct seccomp_build b = { .who = "sandbox", .table = allowlist,
	    .n = MOAT_NELEM(allowlist), .debug = cfg->sandbox_debug,
	    .skip = app_replaces, .skip_arg = app };
	scmp_filter_ctx ctx;
	const char *name = NULL;
	size_t i;
	int nr, rc = 0;

	if ((ctx = seccomp_build(&b, err, errlen)) == NULL)
		return NULL;
	for (i = 0; rc == 0 && app->sandbox_syscalls != NULL &&
	    (name = app->sandbox_syscalls[i]) != NULL; i++) {
		/* Checked by sandbox_check; already allowed is fine. */
		if ((nr = seccomp_syscall_resolve_name(name)) < 0 ||
		    in_allowlist(name) || is_never_allowed(name))
			continue;
		rc = syscall_rule_add(ctx, ANY, nr);
	}
	if (rc != 0) {
		snprintf(err, errlen, "sandbox: seccomp rule for %s: %s",
		    name != NULL ? name : "?", strerror(-rc));
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* --- Landlock --------------------------------------------------------------- */

/*
 * Every right this ABI knows is handled and no rule grants any: no file
 * access, no TCP bind or connect, no abstract sockets or signals outside
 * the sandbox.
 */
static int
landlock_restrict(char *err, size_t errlen)
{
	int abi, fd;

	if ((abi = landlock_abi()) == 0) {
		moat_log_debug("sandbox: no Landlock");
		return 0;
	}
	fd = landlock_ruleset(abi, landlock_fs_rights(abi), LL_NET_TCP,
	    LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL);
	if (fd < 0)
		return fail(err, errlen, "landlock_create_ruleset");
	if (landlock_enforce(fd) != 0)
		return fail(err, errlen, "landlock_restrict_self");
	return 0;
}

/* --- descriptors, environment, rlimits ------------------------------------ */

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Close everything but 0, 1, 2 and fds->keep; the highest kept fd. */
static int
close_other_fds(const struct sandbox_fds *fds, int *highest, char *err,
    size_t errlen)
{
	int keep[16 + 3];
	unsigned int from = 0;
	size_t i, n = 0;

	if (fds->nkeep > 16) {
		snprintf(err, errlen, "sandbox: too many descriptors to keep");
		return -1;
	}
	keep[n++] = STDIN_FILENO;
	keep[n++] = STDOUT_FILENO;
	keep[n++] = STDERR_FILENO;
	for (i = 0; i < fds->nkeep; i++)
		if (fds->keep[i] >= 0)
			keep[n++] = fds->keep[i];
	qsort(keep, n, sizeof(keep[0]), int_cmp);
	for (i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from &&
		    close_range(from, (unsigned int)keep[i] - 1, 0) != 0)
			return fail(err, errlen, "close_range");
		from = (unsigned int)keep[i] + 1;
	}
	if (close_range(from, ~0U, 0) != 0)
		return fail(err, errlen, "close_range");
	*highest = keep[n - 1];
	return 0;
}

static int
limit(int resource, rlim_t value, const char *name, char *err, size_t errlen)
{
	struct rlimit rl = { value, value };

	if (setrlimit(resource, &rl) != 0)
		return fail(err, errlen, name);
	return 0;
}

/* Everything but RLIMIT_NPROC, which must wait for the uid change. */
static int
set_limits(const struct moat_config *cfg, const struct sandbox_fds *fds,
    int highest_fd, char *err, size_t errlen)
{
	if (limit(RLIMIT_CORE, 0, "RLIMIT_CORE", err, errlen) != 0)
		return -1;
	/* A cap on descriptor numbers: what it keeps, plus its own. */
	if (limit(RLIMIT_NOFILE, (rlim_t)highest_fd + 1 + fds->own,
	    "RLIMIT_NOFILE", err, errlen) != 0)
		return -1;
#if !SANDBOX_ASAN
	if (cfg->worker_max_memory != 0 && limit(RLIMIT_AS,
	    (rlim_t)cfg->worker_max_memory, "RLIMIT_AS", err, errlen) != 0)
		return -1;
#else
	(void)cfg;
#endif
	return 0;
}

/*
 * clearenv() only drops libc's pointers: the strings stay on the stack,
 * where /proc/PID/environ still shows them.  Overwrite them with NULs
 * first.  The initial ones lie above every stack frame; a string lower
 * down came from setenv or putenv and may be read-only, so it is left.
 */
static int
wipe_environment(char *err, size_t errlen)
{
	char **e, here = 0;

	for (e = environ; e != NULL && *e != NULL; e++)
		if ((uintptr_t)*e > (uintptr_t)&here)
			explicit_bzero(*e, strlen(*e));
	if (clearenv() != 0) {
		snprintf(err, errlen, "sandbox: clearenv failed");
		return -1;
	}
	return 0;
}

/*
 * glibc reads the zone file TZ names (/etc/localtime without TZ) on first
 * use, and tzset(), localtime() and mktime() look at TZ again on every
 * call: when it is unset they stat and reopen the file,
 * which the sandbox kills; when it is set and unchanged they keep what
 * they loaded.  So TZ is set again (to glibc's default file if it was
 * unset) and the zone loaded here, while files can still be read:
 * handlers get the zone the server had at start, with no file access.
 */
static int
zone_load(const char *tz, char *err, size_t errlen)
{
	if (setenv("TZ", tz != NULL ? tz : ":/etc/localtime", 1) != 0)
		return fail(err, errlen, "setenv TZ");
	tzset();
	return 0;
}

/* The environment, wiped, then TZ alone back in it. */
static int
clear_environment(char *err, size_t errlen)
{
	const char *tz = getenv("TZ");
	char *saved = NULL;
	int rc;

	/* The wipe overwrites the string getenv points to. */
	if (tz != NULL && (saved = strdup(tz)) == NULL)
		return fail(err, errlen, "TZ");
	if ((rc = wipe_environment(err, errlen)) == 0)
		rc = zone_load(saved, err, errlen);
	free(saved);
	return rc;
}

/* --- user and chroot --------------------------------------------------------- */

struct identity {
	uid_t	uid;
	gid_t	gid;
};

/* Before the chroot: getpwnam needs /etc/passwd (or NSS). */
static int
identity_lookup(const char *user, struct identity *id, char *err,
    size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "worker_user %s: %s (create it: useradd "
		    "--system --no-create-home --home-dir /nonexistent "
		    "--shell /usr/sbin/nologin %s)", user, errno != 0 ?
		    strerror(errno) : "no such user", user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		snprintf(err, errlen, "worker_user %s: has uid or gid 0",
		    user);
		return -1;
	}
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	return 0;
}

/* mkdir -p, each new directory root-owned 0755 whatever the umask. */
static int
make_dirs(const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t i, len = strlen(path);

	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "worker_chroot: path too long");
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) == 0) {
			if (chmod(buf, 0755) != 0) {
				snprintf(err, errlen, "worker_chroot: chmod "
				    "%s: %s", buf, strerror(errno));
				return -1;
			}
			moat_log_info("sandbox: created %s", buf);
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "worker_chroot: mkdir %s: %s",
			    buf, strerror(errno));
			return -1;
		}
		buf[i] = i < len ? '/' : '\0';
	}
	return 0;
}

static bool
dir_is_empty(int dirfd)
{
	struct dirent *de;
	bool empty = true;
	DIR *d;
	int fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return false;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return false;
	}
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/*
 * Open worker_chroot and check it is a directory that only root can
 * change and that holds nothing.  The fd is what gets chrooted into, so
 * a rename after the check changes nothing.  -1 with errno ENOENT when it
 * does not exist (err says so too).
 */
static int
chroot_dir_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "worker_chroot %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "worker_chroot %s: must be owned by root "
		    "and writable by root only", path);
		close(fd);
		errno = EPERM;
		return -1;
	}
	if (!dir_is_empty(fd)) {
		snprintf(err, errlen, "worker_chroot %s: must be an empty "
		    "directory", path);
		close(fd);
		errno = ENOTEMPTY;
		return -1;
	}
	return fd;
}

/* chroot, then drop groups, gid and uid; check they cannot come back. */
static int
drop_privileges(const struct moat_config *cfg, const struct identity *id,
    char *err, size_t errlen)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int fd;

	if ((fd = chroot_dir_open(cfg->worker_chroot, err, errlen)) < 0) {
		if (errno != ENOENT ||
		    make_dirs(cfg->worker_chroot, err, errlen) != 0 ||
		    (fd = chroot_dir_open(cfg->worker_chroot, err,
		    errlen)) < 0)
			return -1;
	}
	if (fchdir(fd) != 0 || chroot(".") != 0 || chdir("/") != 0) {
		fail(err, errlen, "chroot");
		close(fd);
		return -1;
	}
	close(fd);
	if (setgroups(0, NULL) != 0)
		return fail(err, errlen, "setgroups");
	if (setresgid(id->gid, id->gid, id->gid) != 0)
		return fail(err, errlen, "setresgid");
	if (setresuid(id->uid, id->uid, id->uid) != 0)
		return fail(err, errlen, "setresuid");
	if (getresuid(&ruid, &euid, &suid) != 0 ||
	    getresgid(&rgid, &egid, &sgid) != 0 || ruid != id->uid ||
	    euid != id->uid || suid != id->uid || rgid != id->gid ||
	    egid != id->gid || sgid != id->gid || setuid(0) != -1 ||
	    setgid(0) != -1) {
		snprintf(err, errlen, "sandbox: the uid change did not stick");
		return -1;
	}
	return 0;
}

/* --- the two entry points ------------------------------------------------------ */

int
sandbox_check(const struct moat_config *cfg, const struct moat_app *app,
    char *err, size_t errlen)
{
	struct identity id;
	int fd;

	if (sandbox_check_syscalls(app, err, errlen) != 0)
		return -1;
	if (geteuid() == 0) {
		if (identity_lookup(cfg->worker_user, &id, err, errlen) != 0)
			return -1;
		/* Missing is fine: each worker creates it. */
		if ((fd = chroot_dir_open(cfg->worker_chroot, err,
		    errlen)) < 0 && errno != ENOENT)
			return -1;
		if (fd >= 0)
			close(fd);
		err[0] = '\0';
	} else
		moat_log_warn("sandbox: not root, so workers keep uid %ld and "
		    "the whole file system view (dev mode); seccomp, "
		    "no_new_privs and Landlock still apply",
		    (long)geteuid());
	if (cfg->sandbox_debug)
		moat_log_warn("sandbox: sandbox_debug is on: a denied syscall "
		    "fails and is logged instead of killing the worker; "
		    "never use this in production");
	return 0;
}

void
sandbox_landlock_start(const struct moat_config *cfg)
{
	char what[96];

	landlock_cap(cfg->landlock_max_abi);
	landlock_describe(what, sizeof(what));
	if (landlock_abi() > 0)
		moat_log_info("sandbox: %s", what);
	else
		moat_log_info("sandbox: %s: workers rely on seccomp%s to keep "
		    "them from files", what, geteuid() == 0 ?
		    ", their uid and the chroot" : "");
}

int
sandbox_enter_worker(const struct moat_config *cfg,
    const struct moat_app *app, const struct sandbox_fds *fds, char *err,
    size_t errlen)
{
	bool root = geteuid() == 0;
	scmp_filter_ctx filter;
	struct identity id;
	struct rlimit none = { 0, 0 };
	int highest, rc;

	if (root && identity_lookup(cfg->worker_user, &id, err, errlen) != 0)
		return -1;
	if (cfg->sandbox_debug && sigsys_debug_install("sandbox", err,
	    errlen) != 0)
		return -1;
	if ((filter = filter_build(cfg, app, err, errlen)) == NULL)
		return -1;
	rc = -1;
	if (close_other_fds(fds, &highest, err, errlen) != 0)
		goto out;
	if (clear_environment(err, errlen) != 0)
		goto out;
	if (root && drop_privileges(cfg, &id, err, errlen) != 0)
		goto out;
	if (set_limits(cfg, fds, highest, err, errlen) != 0)
		goto out;
	/* Counted per user: as root it would be ignored, as the user in
	 * dev mode it also counts their shell; 0 makes fork fail. */
	if (setrlimit(RLIMIT_NPROC, &none) != 0) {
		fail(err, errlen, "RLIMIT_NPROC");
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fail(err, errlen, "prctl");
		goto out;
	}
	if (landlock_restrict(err, errlen) != 0)
		goto out;
	if ((rc = seccomp_load(filter)) != 0) {
		snprintf(err, errlen, "sandbox: seccomp_load: %s",
		    strerror(-rc));
		rc = -1;
		goto out;
	}
	if (!root)
		moat_log_debug("sandbox: dev mode, no uid change or chroot");
out:
	seccomp_release(filter);
	return rc;
}
