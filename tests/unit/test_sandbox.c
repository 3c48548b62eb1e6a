/*
 * test_sandbox.c - the names an app adds to the worker's allowlist.
 *
 * A typo in sandbox_syscalls must stop start-up with the name in the
 * message, and an app must not be able to hand its workers the calls the
 * sandbox exists to take away.  The fcntl argument rule is checked on a
 * real filter in a child, and the Landlock ABI cap on its own.  (The sandbox itself is tested from the
 * outside, on real workers: tests/integration/sandbox.sh.)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox/landlock.h"
#include "sandbox/syscall_rule.h"
#include "worker/sandbox.h"
#include "unit.h"

static int
check(const char *const *names, char *err, size_t errlen)
{
	struct moat_app app;

	memset(&app, 0, sizeof(app));
	app.name = "t";
	app.sandbox_syscalls = names;
	memset(err, 0, errlen);
	return sandbox_check_syscalls(&app, err, errlen);
}

static void
test_none(void)
{
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(check(NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
}

static void
test_known(void)
{
	static const char *const names[] = { "getcpu", "uname", "read", NULL };
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(check(names, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
}

static void
test_unknown(void)
{
	static const char *const names[] = { "getcpu", "getcpuu", NULL };
	static const char *const empty[] = { "", NULL };
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(check(names, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "sandbox_syscalls: unknown system call \"getcpuu\"");
	CU_ASSERT_EQUAL(check(empty, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err,
	    "sandbox_syscalls: unknown system call \"\"");
}

static void
test_never(void)
{
	static const char *const forbidden[] = { "openat", "execve", "socket",
	    "connect", "clone", "fork", "ptrace", "kill" };
	const char *names[2] = { NULL, NULL };
	char err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX];
	size_t i;

	for (i = 0; i < MOAT_NELEM(forbidden); i++) {
		names[0] = forbidden[i];
		CU_ASSERT_EQUAL(check(names, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "sandbox_syscalls: \"%s\" is "
		    "never allowed in a worker", forbidden[i]);
		CU_ASSERT_STRING_EQUAL(err, want);
	}
}

/*
 * fcntl(fd, cmd, arg) on a pipe, in a child whose filter has the FCNTL
 * rule and exit_group, and fails everything else with EPERM: 0 if
 * allowed, else the errno, -1 if the child went wrong.  cmd is passed as a whole register, as a hostile caller would.
 */
static int
fcntl_under_rule(uint64_t cmd, unsigned long arg)
{
	scmp_filter_ctx ctx;
	int fd[2], status, rc;
	pid_t pid;

	if (pipe(fd) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		if ((ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM))) == NULL ||
		    syscall_rule_add(ctx, FCNTL, SCMP_SYS(fcntl)) != 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(exit_group), 0) != 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    seccomp_load(ctx) != 0)
			_exit(254);
		rc = (int)syscall(SYS_fcntl, fd[1], cmd, arg);
		/* Not _exit(): under ASan that runs the leak check, whose
		 * calls this filter fails. */
		syscall(SYS_exit_group, rc < 0 ? errno : 0);
		_exit(254);
	}
	close(fd[0]);
	close(fd[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 254)
		return -1;
	return WEXITSTATUS(status);
}

/* What a worker may do with fcntl, and what would let I/O signal others. */
static void
test_fcntl_rule(void)
{
	struct sigaction dfl, saved;

	/* An earlier suite may ignore SIGCHLD, which would reap the
	 * children before waitpid could see how they exited. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	CU_ASSERT_EQUAL_FATAL(sigaction(SIGCHLD, &dfl, &saved), 0);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_GETFD, 0), 0);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETFD, FD_CLOEXEC), 0);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_GETFL, 0), 0);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETFL, O_NONBLOCK), 0);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETFL, O_WRONLY | O_NONBLOCK), 0);

	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETFL, O_ASYNC), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETFL, O_NONBLOCK | O_ASYNC),
	    EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETOWN, (unsigned long)getpid()),
	    EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETOWN_EX, 0), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETSIG, SIGKILL), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETLEASE, F_RDLCK), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_NOTIFY, DN_MODIFY), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_DUPFD, 10), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule(F_SETPIPE_SZ, 1 << 20), EPERM);
	/* The kernel reads cmd as 32 bits; upper bits must not slip an
	 * F_SETOWN past the rule as something else, nor pass at all. */
	CU_ASSERT_EQUAL(fcntl_under_rule((1ULL << 32) | F_SETOWN, 0), EPERM);
	CU_ASSERT_EQUAL(fcntl_under_rule((1ULL << 32) | F_GETFL, 0), EPERM);
	sigaction(SIGCHLD, &saved, NULL);
}

/* landlock_max_abi caps what the sandboxes use, and says so. */
static void
test_landlock_cap(void)
{
	char what[96], want[96];
	int kernel = landlock_kernel_abi();

	landlock_cap(CONFIG_NO_CAP);
	CU_ASSERT_EQUAL(landlock_abi(), kernel);
	landlock_describe(what, sizeof(what));
	if (kernel > 0)
		snprintf(want, sizeof(want), "Landlock ABI %d in force "
		    "(kernel %d, no cap)", kernel, kernel);
	else
		snprintf(want, sizeof(want), "no Landlock (kernel 0, no cap)");
	CU_ASSERT_STRING_EQUAL(what, want);
	landlock_cap(0);
	CU_ASSERT_EQUAL(landlock_abi(), 0);
	landlock_describe(what, sizeof(what));
	snprintf(want, sizeof(want), "no Landlock (kernel %d, "
	    "landlock_max_abi 0)", kernel);
	CU_ASSERT_STRING_EQUAL(what, want);
	landlock_cap(2);
	CU_ASSERT_EQUAL(landlock_abi(), kernel < 2 ? kernel : 2);
	landlock_cap(6);
	CU_ASSERT_EQUAL(landlock_abi(), kernel < 6 ? kernel : 6);
	landlock_cap(CONFIG_NO_CAP);
}

int
register_sandbox_tests(void)
{
	static const struct unit_test tests[] = {
		{ "no extra syscalls", test_none },
		{ "known names", test_known },
		{ "unknown names", test_unknown },
		{ "never allowed", test_never },
		{ "fcntl rule", test_fcntl_rule },
		{ "Landlock ABI cap", test_landlock_cap },
	};

	return unit_add_suite("sandbox", tests, MOAT_NELEM(tests));
}
