/*
 * hash-bench.c - what a password costs on this machine.
 *
 *	hash-bench [ln r p [threads [seconds]]]
 *
 * Times single scrypt hashes at the policy (default OWASP's: ln=17 r=8
 * p=1) on one thread, then runs VERIFY jobs through a hash pool of
 * `threads` (default 2) for `seconds` (default 10) with the queue kept
 * full, and prints logins per second.  A measurement, not a test.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "broker/hashpool.h"
#include "broker/passwd.h"

#define PW	"correct horse battery staple"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
single(const struct passwd_policy *pol, char *stored)
{
	double t[5], t0;
	size_t i;

	for (i = 0; i < 5; i++) {
		t0 = now();
		if (passwd_hash(pol, PW, strlen(PW), stored,
		    PASSWD_STORED_MAX) != 0) {
			fprintf(stderr, "hash-bench: passwd_hash: %s\n",
			    strerror(errno));
			return -1;
		}
		t[i] = (now() - t0) * 1000;
	}
	qsort(t, 5, sizeof(t[0]), cmp);
	printf("one hash, ln=%u r=%u p=%u (%llu MiB): median %.1f ms, "
	    "min %.1f, max %.1f\n", pol->params.ln, pol->params.r,
	    pol->params.p, (128ULL << pol->params.ln) * pol->params.r >> 20,
	    t[2], t[0], t[4]);
	return 0;
}

static int
pool_run(const struct passwd_policy *pol, const char *stored,
    unsigned int k, double secs)
{
	struct hashpool_job job = { HASHPOOL_VERIFY, &job, 0, PW, strlen(PW),
	    stored };
	struct hashpool_result res[32];
	struct hashpool *hp;
	struct pollfd pfd;
	char err[256];
	double t0, elapsed;
	unsigned long done = 0, busy = 0;
	size_t n, i;

	if ((hp = hashpool_create(k, 2 * k, pol, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hash-bench: %s\n", err);
		return -1;
	}
	pfd.fd = hashpool_fd(hp);
	pfd.events = POLLIN;
	t0 = now();
	while ((elapsed = now() - t0) < secs) {
		while (hashpool_submit(hp, &job) == 0)
			job.seq++;
		busy++;
		if (poll(&pfd, 1, 1000) < 0)
			break;
		n = hashpool_collect(hp, res, 32);
		for (i = 0; i < n; i++)
			done += res[i].status == 1;
	}
	printf("pool of %u threads: %lu verifies in %.1f s = %.2f/s "
	    "(%.0f ms each per thread)\n", k, done, elapsed,
	    (double)done / elapsed, elapsed * 1000 * k / (double)done);
	hashpool_destroy(hp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct passwd_policy pol;
	char stored[PASSWD_STORED_MAX], err[PASSWD_ERR_MAX];
	unsigned int k = 2;
	double secs = 10;

	if (sodium_init() < 0)
		return 1;
	passwd_policy_default(&pol);
	if (argc >= 4) {
		pol.params.ln = (unsigned int)strtoul(argv[1], NULL, 10);
		pol.params.r = (unsigned int)strtoul(argv[2], NULL, 10);
		pol.params.p = (unsigned int)strtoul(argv[3], NULL, 10);
	}
	if (argc >= 5)
		k = (unsigned int)strtoul(argv[4], NULL, 10);
	if (argc >= 6)
		secs = strtod(argv[5], NULL);
	if (passwd_policy_check(&pol, err, sizeof(err)) != 0) {
		fprintf(stderr, "hash-bench: %s\n", err);
		return 1;
	}
	if (single(&pol, stored) != 0 || pool_run(&pol, stored, k, secs) != 0)
		return 1;
	return 0;
}
