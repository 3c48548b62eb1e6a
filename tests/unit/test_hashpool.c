/*
 * test_hashpool.c - the scrypt thread pool: bounded, signalled through
 * its eventfd, cancellable, and able to work inside the broker sandbox.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "broker/broker_sandbox.h"
#include "broker/hashpool.h"
#include "unit.h"

#define PW	"correct horse battery"

/* Fast enough for many jobs, slow enough (a few ms) to overlap. */
static const struct passwd_policy quick = { { 12, 8, 1 } };

static struct hashpool *
pool(unsigned int k, unsigned int q)
{
	char err[256];
	struct hashpool *hp;

	CU_ASSERT_FATAL(sodium_init() >= 0);
	passwd_testing_allow_weak(true);
	hp = hashpool_create(k, q, &quick, err, sizeof(err));
	if (hp == NULL)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hp);
	return hp;
}

static int
submit(struct hashpool *hp, enum hashpool_op op, void *owner, uint64_t seq,
    const char *pw, const char *stored)
{
	struct hashpool_job job = { op, owner, seq, pw, strlen(pw), stored };

	return hashpool_submit(hp, &job);
}

/*
 * Wait on the eventfd and collect until n results are in.  The bound is
 * only there so that a lost wake-up fails instead of hanging: hashes at
 * the default cost on a loaded machine (two ASan builds testing at once)
 * take seconds each, so it is generous.
 */
static size_t
gather(struct hashpool *hp, struct hashpool_result *out, size_t n,
    size_t max_per_call)
{
	struct pollfd pfd = { hashpool_fd(hp), POLLIN, 0 };
	size_t got = 0, want;

	while (got < n) {
		if (poll(&pfd, 1, 60000) != 1)
			break;
		want = n - got < max_per_call ? n - got : max_per_call;
		got += hashpool_collect(hp, out + got, want);
	}
	return got;
}

static bool
fd_readable(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1;
}

static void
test_create_limits(void)
{
	char err[256];

	CU_ASSERT_PTR_NULL(hashpool_create(0, 16, &quick, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "need 1..64 threads"));
	CU_ASSERT_PTR_NULL(hashpool_create(65, 16, &quick, err, sizeof(err)));
	CU_ASSERT_PTR_NULL(hashpool_create(2, 1025, &quick, err, sizeof(err)));
	/* A policy below the floor cannot even make the dummy. */
	passwd_testing_allow_weak(false);
	CU_ASSERT_PTR_NULL(hashpool_create(2, 16, &quick, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "dummy"));
	passwd_testing_allow_weak(true);
}

static void
test_hash_verify(void)
{
	struct hashpool *hp = pool(2, 4);
	struct hashpool_result res[4], *r;
	char stored[PASSWD_STORED_MAX];
	int owner;
	size_t i;

	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, 1, PW, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(gather(hp, res, 1, 4), 1);
	CU_ASSERT_EQUAL(res[0].op, HASHPOOL_HASH);
	CU_ASSERT_PTR_EQUAL(res[0].owner, &owner);
	CU_ASSERT_EQUAL(res[0].seq, 1);
	CU_ASSERT_EQUAL(res[0].status, 0);
	CU_ASSERT_EQUAL(passwd_verify(res[0].stored, PW, strlen(PW)), 1);
	memcpy(stored, res[0].stored, sizeof(stored));

	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 2, PW, stored), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 3, "wrong horse",
	    stored), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 4, PW, NULL), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 5, PW,
	    "$scrypt$ln=22,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAA"), 0);
	CU_ASSERT_EQUAL_FATAL(gather(hp, res, 4, 4), 4);
	for (i = 0; i < 4; i++) {
		r = &res[i];
		CU_ASSERT_EQUAL(r->op, HASHPOOL_VERIFY);
		CU_ASSERT_STRING_EQUAL(r->stored, "");
		CU_ASSERT_EQUAL(r->rehash, 0);
		switch (r->seq) {
		case 2:		CU_ASSERT_EQUAL(r->status, 1); break;
		case 3:		CU_ASSERT_EQUAL(r->status, 0); break;
		case 4:		/* the dummy */
				CU_ASSERT_EQUAL(r->status, 0); break;
		case 5:		CU_ASSERT_EQUAL(r->status, -1); break;
		default:	CU_FAIL("unexpected seq");
		}
	}
	/* All collected: nothing more to read. */
	CU_ASSERT_FALSE(fd_readable(hashpool_fd(hp), 50));
	CU_ASSERT_EQUAL(hashpool_pending(hp), 0);
	hashpool_destroy(hp);
}

/* A stored hash with other parameters than the policy asks to be redone. */
static void
test_rehash(void)
{
	static const struct passwd_policy other = { { 11, 8, 1 } };
	struct hashpool *hp = pool(1, 1);
	struct hashpool_result res;
	char stored[PASSWD_STORED_MAX];
	int owner;

	CU_ASSERT_FATAL(passwd_hash(&other, PW, strlen(PW), stored,
	    sizeof(stored)) == 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 7, PW, stored), 0);
	CU_ASSERT_EQUAL_FATAL(gather(hp, &res, 1, 1), 1);
	CU_ASSERT_EQUAL(res.status, 1);
	CU_ASSERT_EQUAL(res.rehash, 1);
	hashpool_destroy(hp);
}

/*
 * K running plus Q waiting, then EBUSY; a finished job keeps its slot
 * until collected, so this holds however fast the threads are.
 */
static void
test_busy(void)
{
	struct hashpool *hp = pool(2, 3);
	struct hashpool_result res[8];
	int owner;
	uint64_t i;

	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, i, PW, NULL),
		    0);
	errno = 0;
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, 5, PW, NULL), -1);
	CU_ASSERT_EQUAL(errno, EBUSY);
	CU_ASSERT_EQUAL(hashpool_pending(hp), 5);
	/* One result per call: the eventfd must stay readable until the
	 * last one is collected. */
	CU_ASSERT_EQUAL(gather(hp, res, 5, 1), 5);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(res[i].status, 0);
	CU_ASSERT_EQUAL(hashpool_pending(hp), 0);
	/* At most K ran at once, and the two threads did overlap. */
	CU_ASSERT(hashpool_peak(hp) <= 2);
	CU_ASSERT(hashpool_peak(hp) >= 1);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, 6, PW, NULL), 0);
	CU_ASSERT_EQUAL(gather(hp, res, 1, 8), 1);
	hashpool_destroy(hp);
}

/* Many jobs through K = 3: never more than 3 at once. */
static void
test_concurrency(void)
{
	struct hashpool *hp = pool(3, 30);
	struct hashpool_result res[33];
	int owner;
	uint64_t i;

	for (i = 0; i < 33; i++)
		CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, i, PW,
		    NULL), 0);
	CU_ASSERT_EQUAL(gather(hp, res, 33, 33), 33);
	CU_ASSERT(hashpool_peak(hp) <= 3);
	CU_ASSERT(hashpool_peak(hp) >= 2);
	hashpool_destroy(hp);
}

static void
test_invalid(void)
{
	struct hashpool *hp = pool(1, 1);
	char big[PASSWD_MAX_LEN + 1], stored[PASSWD_STORED_MAX + 10];
	struct hashpool_job job;
	int owner;

	memset(big, 'x', sizeof(big));
	memset(stored, 'x', sizeof(stored) - 1);
	stored[sizeof(stored) - 1] = '\0';
	errno = 0;
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, NULL, 1, PW, NULL), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	job = (struct hashpool_job){ HASHPOOL_HASH, &owner, 1, big,
	    sizeof(big), NULL };
	CU_ASSERT_EQUAL(hashpool_submit(hp, &job), -1);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &owner, 1, PW, stored),
	    -1);
	job = (struct hashpool_job){ (enum hashpool_op)7, &owner, 1, PW,
	    strlen(PW), NULL };
	CU_ASSERT_EQUAL(hashpool_submit(hp, &job), -1);
	CU_ASSERT_EQUAL(hashpool_pending(hp), 0);
	/* A password the rules refuse: a HASH job fails, cleanly. */
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, 2, "short", NULL), 0);
	CU_ASSERT_EQUAL(gather(hp, (struct hashpool_result[1]){ 0 }, 1, 1),
	    1);
	hashpool_destroy(hp);
}

/* A closed channel's jobs vanish: queued, running and finished alike. */
static void
test_cancel(void)
{
	struct hashpool *hp = pool(1, 5);
	struct hashpool_result res[6];
	int a, b;
	size_t i;

	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &a, 1, PW, NULL), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &b, 1, PW, NULL), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &a, 2, PW, NULL), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &b, 2, PW, NULL), 0);
	CU_ASSERT_EQUAL(hashpool_cancel(hp, &a), 2);
	CU_ASSERT_EQUAL(hashpool_cancel(hp, &a), 0);
	CU_ASSERT_EQUAL(hashpool_pending(hp), 2);
	CU_ASSERT_EQUAL(gather(hp, res, 2, 6), 2);
	for (i = 0; i < 2; i++)
		CU_ASSERT_PTR_EQUAL(res[i].owner, &b);
	CU_ASSERT_FALSE(fd_readable(hashpool_fd(hp), 100));
	/* Every slot is free again: b's jobs ran after a's first one. */
	for (i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &b, 10 + i, PW,
		    NULL), 0);
	CU_ASSERT_EQUAL(submit(hp, HASHPOOL_VERIFY, &b, 20, PW, NULL), -1);
	/* Let some or all finish, then cancel before collecting. */
	usleep(100000);
	CU_ASSERT_EQUAL(hashpool_cancel(hp, &b), 6);
	CU_ASSERT_EQUAL(hashpool_pending(hp), 0);
	CU_ASSERT_EQUAL(hashpool_collect(hp, res, 6), 0);
	usleep(200000);
	CU_ASSERT_EQUAL(hashpool_collect(hp, res, 6), 0);
	CU_ASSERT_FALSE(fd_readable(hashpool_fd(hp), 0));
	hashpool_destroy(hp);
}

/* Destroying a pool with work in it neither hangs nor leaks. */
static void
test_destroy_busy(void)
{
	struct hashpool *hp = pool(2, 8);
	int owner;
	uint64_t i;

	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(submit(hp, HASHPOOL_HASH, &owner, i, PW, NULL),
		    0);
	hashpool_destroy(hp);
	hashpool_destroy(NULL);
}

/*
 * The real thing in a child: threads started first, then the broker's
 * sandbox (seccomp synchronised to every thread, Landlock), then hashes
 * at the default cost (a 128 MiB buffer each).  A system call the
 * allowlist lacks kills the child with SIGSYS.  While the child waits on
 * its pipe, the parent reads each of its threads' seccomp state.
 */
static int
sandboxed_child(const char *dir, int up, int down)
{
	char err[512], c = 0;
	struct passwd_policy def;
	struct hashpool_result res[3];
	struct hashpool *hp;
	int owner, ok;

	passwd_policy_default(&def);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    (hp = hashpool_create(2, 4, &def, err, sizeof(err))) == NULL)
		return 2;
	if (broker_sandbox_enter(dir, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	if (write(up, &c, 1) != 1 || read(down, &c, 1) != 1)
		return 4;
	if (submit(hp, HASHPOOL_HASH, &owner, 1, PW, NULL) != 0 ||
	    gather(hp, res, 1, 3) != 1 || res[0].status != 0)
		return 5;
	if (submit(hp, HASHPOOL_VERIFY, &owner, 2, PW, res[0].stored) != 0 ||
	    submit(hp, HASHPOOL_VERIFY, &owner, 3, PW, NULL) != 0 ||
	    gather(hp, res + 1, 2, 3) != 2)
		return 6;
	ok = (res[1].seq == 2 ? res[1].status : res[2].status) == 1 &&
	    (res[1].seq == 3 ? res[1].status : res[2].status) == 0;
	hashpool_destroy(hp);
	return ok ? 0 : 7;
}

/* How many of pid's threads run under a seccomp filter, of how many. */
static void
filtered_threads(pid_t pid, int *filtered, int *threads)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d;
	FILE *f;

	*filtered = *threads = 0;
	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/status",
		    (long)pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		(*threads)++;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strcmp(line, "Seccomp:\t2\n") == 0)
				(*filtered)++;
		fclose(f);
	}
	closedir(d);
}

static void
test_sandboxed(void)
{
	char dir[] = "/tmp/moat-hashpool.XXXXXX", c = 0;
	int up[2], down[2], st, filtered, threads;
	pid_t pid;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	CU_ASSERT_FATAL(pipe(up) == 0 && pipe(down) == 0);
	CU_ASSERT_FATAL((pid = fork()) >= 0);
	if (pid == 0)
		_exit(sandboxed_child(dir, up[1], down[0]));
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) == 1) {
		filtered_threads(pid, &filtered, &threads);
		CU_ASSERT_EQUAL(threads, 3);	/* the loop and K = 2 */
		CU_ASSERT_EQUAL(filtered, threads);
	} else
		CU_FAIL("the child did not reach its sandbox");
	CU_ASSERT(write(down[1], &c, 1) == 1);
	CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
	close(up[0]);
	close(down[1]);
	rmdir(dir);
	if (WIFSIGNALED(st))
		fprintf(stderr, "sandboxed pool: killed by signal %d\n",
		    WTERMSIG(st));
	CU_ASSERT_TRUE(WIFEXITED(st));
	CU_ASSERT_EQUAL(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
}

int
register_hashpool_tests(void)
{
	static const struct unit_test tests[] = {
		{ "create limits", test_create_limits },
		{ "hash, verify, dummy, malformed", test_hash_verify },
		{ "rehash flag", test_rehash },
		{ "EBUSY when full", test_busy },
		{ "at most K at once", test_concurrency },
		{ "invalid jobs", test_invalid },
		{ "cancel", test_cancel },
		{ "destroy while busy", test_destroy_busy },
		{ "inside the broker sandbox", test_sandboxed },
	};

	return unit_add_suite("hashpool", tests, MOAT_NELEM(tests));
}
