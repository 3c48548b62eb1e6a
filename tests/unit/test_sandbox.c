/*
 * test_sandbox.c - the names an app adds to the worker's allowlist.
 *
 * A typo in sandbox_syscalls must stop start-up with the name in the
 * message, and an app must not be able to hand its workers the calls the
 * sandbox exists to take away.  (The sandbox itself is tested from the
 * outside, on real workers: tests/integration/sandbox.sh.)
 */
#include <string.h>

#include "process/sandbox.h"
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

	for (i = 0; i < UNIT_NELEM(forbidden); i++) {
		names[0] = forbidden[i];
		CU_ASSERT_EQUAL(check(names, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "sandbox_syscalls: \"%s\" is "
		    "never allowed in a worker", forbidden[i]);
		CU_ASSERT_STRING_EQUAL(err, want);
	}
}

int
register_sandbox_tests(void)
{
	static const struct unit_test tests[] = {
		{ "no extra syscalls", test_none },
		{ "known names", test_known },
		{ "unknown names", test_unknown },
		{ "never allowed", test_never },
	};

	return unit_add_suite("sandbox", tests, UNIT_NELEM(tests));
}
