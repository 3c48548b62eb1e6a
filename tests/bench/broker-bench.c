/*
 * broker-bench.c - the broker hop against direct libpq.  A measurement, not
 * a test: it prints a table and fails only if it cannot run.
 *
 *   broker-bench -d CONNINFO -c CATALOGUE -s SECRETS [-u BROKER_USER]
 *       [-n SINGLE_OPS] [-b BATCHES]
 *
 * The broker is started exactly as the supervisor starts it (fork, wait
 * for it to prepare the catalogue, one channel handed over with our pid);
 * this process then plays a worker.  CONNINFO is for the direct libpq
 * connection and should name the same database and role as the secrets.
 * The catalogue must declare:
 *
 *   statement bench_get anonymous
 *	param id int
 *	sql SELECT id, title FROM bench WHERE id = $1
 *   end
 *
 * and table bench must hold ids 1..1000 with title 'title <id>'.
 *
 * Measured, each after a warm-up:
 *   - N single-row statements through moat_db_run, each in a request of its
 *     own (the statement's frame begins the request, and ends the one
 *     before, which held no session: no message of its own either way),
 *     and again as N statements inside one request;
 *   - the same statement N times with PQexecPrepared on a direct
 *     connection (synchronous, like a naive worker);
 *   - B batches of 20 statements through moat_db_batch, against 20
 *     sequential PQexecPrepared round trips (and, for reference, the 20 in
 *     one libpq pipeline).
 * The broker's CPU per op comes from /proc/PID/schedstat (ns on the CPU;
 * /proc/PID/stat's utime+stime in clock ticks if schedstat is missing),
 * ours from CLOCK_PROCESS_CPUTIME_ID; "sleeps" is the broker's voluntary
 * context switches per op (each one a wake-up to pay for).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <moat/db.h>

#include "core/arena.h"
#include "core/config.h"
#include "http/request_internal.h"
#include "supervisor/broker_link.h"
#include "worker/channel.h"

#define BATCH		20
#define ROWS		1000
#define STMT_NAME	"bench_get"
#define STMT_SQL	"SELECT id, title FROM bench WHERE id = $1"

static struct broker_link	 bl;
static int			 channel_fd = -1;
static struct arena		 arena;
static struct moat_request	 req;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("broker-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (bl.pid > 0)
		kill(bl.pid, SIGTERM);
	exit(1);
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time the broker has used, in ns. */
static uint64_t
broker_cpu_ns(void)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0, ut, st;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/schedstat", (long)bl.pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
		if (v != 0)
			return v;
	}
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)bl.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	/* After ")": field 3 (state) ... utime is 14, stime 15. */
	for (i = 3; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu %llu", &ut, &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

/* How many times the broker has gone to sleep (and been woken). */
static uint64_t
broker_switches(void)
{
	char path[64], line[256];
	unsigned long long v, sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)bl.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

/* Forward the broker's log lines (start-up errors) to our stderr. */
static void
drain_broker_log(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(bl.log_fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) < 0)
			break;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	const char	*name;
	double		 median_us, p99_us, mean_us;
	double		 broker_cpu_us;		/* per op; <0: not measured */
	double		 self_cpu_us;		/* per op */
	double		 broker_sleeps;		/* per op */
};

static void
summarise(struct result *res, const char *name, uint64_t *lat, size_t n,
    uint64_t broker_ns, uint64_t self_ns, uint64_t sleeps, bool via_broker)
{
	uint64_t sum = 0;
	size_t i;

	qsort(lat, n, sizeof(*lat), cmp_u64);
	for (i = 0; i < n; i++)
		sum += lat[i];
	res->name = name;
	res->median_us = (n % 2 ? (double)lat[n / 2] :
	    ((double)lat[n / 2 - 1] + (double)lat[n / 2]) / 2) / 1000;
	res->p99_us = (double)lat[(size_t)((double)(n - 1) * 0.99)] / 1000;
	res->mean_us = (double)sum / (double)n / 1000;
	res->broker_cpu_us = via_broker ? (double)broker_ns / (double)n / 1000 :
	    -1;
	res->self_cpu_us = (double)self_ns / (double)n / 1000;
	res->broker_sleeps = via_broker ? (double)sleeps / (double)n : -1;
}

static void
print_result(const struct result *r)
{
	char bcpu[32], sleeps[32];

	if (r->broker_cpu_us >= 0) {
		snprintf(bcpu, sizeof(bcpu), "%10.2f", r->broker_cpu_us);
		snprintf(sleeps, sizeof(sleeps), "%7.2f", r->broker_sleeps);
	} else {
		snprintf(bcpu, sizeof(bcpu), "%10s", "-");
		snprintf(sleeps, sizeof(sleeps), "%7s", "-");
	}
	printf("  %-34s %9.2f %9.2f %9.2f %s %7.2f %s\n", r->name, r->median_us,
	    r->p99_us, r->mean_us, bcpu, r->self_cpu_us, sleeps);
}

/* --- the two ways of running the statement ------------------------------ */

static int64_t
pick_id(size_t i)
{
	return (int64_t)((i * 7919) % ROWS) + 1;
}

static void
check_rows(struct moat_rows *rows, int64_t id)
{
	char want[32];
	int64_t got;

	snprintf(want, sizeof(want), "title %" PRId64, id);
	if (moat_rows_count(rows) != 1 || moat_rows_columns(rows) != 2 ||
	    !moat_rows_int(rows, 0, 0, &got) || got != id ||
	    moat_rows_text(rows, 0, 1) == NULL ||
	    strcmp(moat_rows_text(rows, 0, 1), want) != 0)
		die("broker: wrong row for id %" PRId64, id);
}

static void
broker_one(size_t i, bool check)
{
	const struct moat_value v[1] = { MOAT_INT(pick_id(i)) };
	struct moat_rows *rows;
	enum moat_db_status st;

	if ((st = moat_db_run(&req, STMT_NAME, v, 1, &rows)) != MOAT_DB_OK)
		die("moat_db_run: status %d (sqlstate \"%s\")", (int)st,
		    moat_db_sqlstate(&req));
	if (check)
		check_rows(rows, pick_id(i));
}

static void
broker_batch(size_t i, bool check)
{
	struct moat_value v[BATCH];
	struct moat_call calls[BATCH];
	struct moat_rows *rows[BATCH];
	enum moat_db_status st;
	size_t k;

	for (k = 0; k < BATCH; k++) {
		v[k] = MOAT_INT(pick_id(i * BATCH + k));
		calls[k] = (struct moat_call){ STMT_NAME, &v[k], 1 };
	}
	if ((st = moat_db_batch(&req, calls, BATCH, rows)) != MOAT_DB_OK)
		die("moat_db_batch: status %d (sqlstate \"%s\")", (int)st,
		    moat_db_sqlstate(&req));
	if (check)
		for (k = 0; k < BATCH; k++)
			check_rows(rows[k], pick_id(i * BATCH + k));
}

static void
check_pg(PGresult *res, int64_t id)
{
	char want[32];

	snprintf(want, sizeof(want), "title %" PRId64, id);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != 2 || strcmp(PQgetvalue(res, 0, 1), want) != 0)
		die("direct: wrong result for id %" PRId64 ": %s", id,
		    PQresultErrorMessage(res));
}

static void
direct_one(PGconn *pg, size_t i, bool check)
{
	char id[24];
	const char *vals[1] = { id };
	PGresult *res;

	snprintf(id, sizeof(id), "%" PRId64, pick_id(i));
	res = PQexecPrepared(pg, STMT_NAME, 1, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("PQexecPrepared: %s", PQerrorMessage(pg));
	if (check)
		check_pg(res, pick_id(i));
	PQclear(res);
}

/* Reference only: the 20 statements in one libpq pipeline. */
static void
direct_pipeline(PGconn *pg, size_t i, bool check)
{
	char ids[BATCH][24];
	const char *vals[1];
	PGresult *res;
	size_t k;

	if (PQenterPipelineMode(pg) != 1)
		die("PQenterPipelineMode: %s", PQerrorMessage(pg));
	for (k = 0; k < BATCH; k++) {
		snprintf(ids[k], sizeof(ids[k]), "%" PRId64,
		    pick_id(i * BATCH + k));
		vals[0] = ids[k];
		if (PQsendQueryPrepared(pg, STMT_NAME, 1, vals, NULL, NULL,
		    0) != 1)
			die("PQsendQueryPrepared: %s", PQerrorMessage(pg));
	}
	if (PQpipelineSync(pg) != 1)
		die("PQpipelineSync: %s", PQerrorMessage(pg));
	for (k = 0; k < BATCH; k++) {
		if ((res = PQgetResult(pg)) == NULL)
			die("pipeline: missing result");
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			die("pipeline: %s", PQresultErrorMessage(res));
		if (check)
			check_pg(res, pick_id(i * BATCH + k));
		PQclear(res);
		if (PQgetResult(pg) != NULL)
			die("pipeline: extra result");
	}
	res = PQgetResult(pg);
	if (PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		die("pipeline: no sync");
	PQclear(res);
	if (PQexitPipelineMode(pg) != 1)
		die("PQexitPipelineMode: %s", PQerrorMessage(pg));
}

/* --- the runs --------------------------------------------------------- */

enum mode {
	M_BROKER_REQ,	/* one statement per request */
	M_BROKER_SAME,	/* all statements inside one request */
	M_DIRECT,
	M_BROKER_BATCH,
	M_DIRECT_SEQ,
	M_DIRECT_PIPE,
};

static void
run_op(enum mode m, PGconn *pg, size_t i, bool check)
{
	size_t k;

	switch (m) {
	case M_BROKER_REQ:
	case M_BROKER_SAME:
		broker_one(i, check);
		break;
	case M_DIRECT:
		direct_one(pg, i, check);
		break;
	case M_BROKER_BATCH:
		broker_batch(i, check);
		break;
	case M_DIRECT_SEQ:
		for (k = 0; k < BATCH; k++)
			direct_one(pg, i * BATCH + k, check);
		break;
	case M_DIRECT_PIPE:
		direct_pipeline(pg, i, check);
		break;
	}
}

static void
after_op(enum mode m)
{
	if (m == M_BROKER_REQ || m == M_BROKER_BATCH) {
		channel_request_end();
		if (channel_lost())
			die("the broker channel broke");
	}
	arena_reset(&arena);
}

static void
measure(struct result *res, const char *name, enum mode m, PGconn *pg,
    size_t n)
{
	uint64_t *lat, b0, s0, t0, w0;
	size_t i, warm = n / 10 < 200 ? 200 : n / 10;
	bool via_broker = m == M_BROKER_REQ || m == M_BROKER_SAME ||
	    m == M_BROKER_BATCH;

	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		die("out of memory");
	for (i = 0; i < warm; i++) {
		run_op(m, pg, i, i < 50);
		after_op(m);
	}
	w0 = broker_switches();
	b0 = broker_cpu_ns();
	s0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i++) {
		t0 = now_ns(CLOCK_MONOTONIC);
		run_op(m, pg, i, false);
		lat[i] = now_ns(CLOCK_MONOTONIC) - t0;
		after_op(m);
	}
	s0 = now_ns(CLOCK_PROCESS_CPUTIME_ID) - s0;
	b0 = via_broker ? broker_cpu_ns() - b0 : 0;
	w0 = broker_switches() - w0;
	if (m == M_BROKER_SAME) {
		channel_request_end();
		if (channel_lost())
			die("the broker channel broke");
	}
	summarise(res, name, lat, n, b0, s0, w0, via_broker);
	free(lat);
}

static size_t
parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 10 || v > 10000000)
		die("%s must be a number from 10 to 10000000", what);
	return (size_t)v;
}

static void
usage(void)
{
	fputs("usage: broker-bench -d CONNINFO -c CATALOGUE -s SECRETS "
	    "[-u BROKER_USER] [-n SINGLE_OPS] [-b BATCHES]\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct moat_config cfg;
	struct result r[6];
	const char *conninfo = NULL;
	char err[512];
	size_t n = 20000, nbatch = 2000;
	int c, worker_end, broker_end, status;
	PGconn *pg;
	PGresult *res;

	config_defaults(&cfg);
	while ((c = getopt(argc, argv, "d:c:s:u:n:b:")) != -1) {
		switch (c) {
		case 'd':
			conninfo = optarg;
			break;
		case 'c':
			cfg.catalogue = strdup(optarg);
			break;
		case 's':
			cfg.broker_secrets = strdup(optarg);
			break;
		case 'u':
			free(cfg.broker_user);
			cfg.broker_user = strdup(optarg);
			break;
		case 'n':
			n = parse_count(optarg, "-n");
			break;
		case 'b':
			nbatch = parse_count(optarg, "-b");
			break;
		default:
			usage();
		}
	}
	if (optind != argc || conninfo == NULL || cfg.catalogue == NULL ||
	    cfg.broker_secrets == NULL)
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* in order with the broker's log */

	/* The broker, as the supervisor starts it. */
	if (broker_link_start(&bl, &cfg, -1, err, sizeof(err)) != 0)
		die("%s", err);
	if (broker_link_wait(&bl, err, sizeof(err)) != 0) {
		waitpid(bl.pid, &status, 0);
		drain_broker_log();
		die("%s", err);
	}
	drain_broker_log();
	if (broker_link_channel(&worker_end, &broker_end) != 0 ||
	    broker_link_hand_over(&bl, broker_end, getpid()) != 0)
		die("cannot hand a channel to the broker");
	channel_fd = worker_end;
	if (channel_attach(channel_fd) != 0) {
		drain_broker_log();
		die("the broker did not greet us");
	}
	arena_init(&arena, 4u << 20);
	req.arena = &arena;

	/* The direct connection, as a naive worker would hold it. */
	pg = PQconnectdb(conninfo);
	if (PQstatus(pg) != CONNECTION_OK)
		die("direct connection: %s", PQerrorMessage(pg));
	res = PQprepare(pg, STMT_NAME, STMT_SQL, 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("PQprepare: %s", PQerrorMessage(pg));
	PQclear(res);

	printf("broker-bench: %zu single-row statements, %zu batches of %d; "
	    "broker pid %ld, %ld CPUs online\n", n, nbatch, BATCH,
	    (long)bl.pid, sysconf(_SC_NPROCESSORS_ONLN));

	measure(&r[0], "direct libpq (PQexecPrepared)", M_DIRECT, pg, n);
	measure(&r[1], "broker, one request per statement", M_BROKER_REQ,
	    NULL, n);
	measure(&r[2], "broker, statements in one request", M_BROKER_SAME,
	    NULL, n);
	measure(&r[3], "direct, 20 sequential round trips", M_DIRECT_SEQ, pg,
	    nbatch);
	measure(&r[4], "broker, moat_db_batch of 20", M_BROKER_BATCH, NULL,
	    nbatch);
	measure(&r[5], "direct, libpq pipeline of 20 (ref)", M_DIRECT_PIPE,
	    pg, nbatch);

	printf("\n  %-34s %9s %9s %9s %10s %7s %7s\n",
	    "single-row statement, us", "median", "p99", "mean", "broker CPU",
	    "own CPU", "sleeps");
	print_result(&r[0]);
	print_result(&r[1]);
	print_result(&r[2]);
	printf("\n  %-34s %9s %9s %9s %10s %7s %7s\n", "batch of 20, us",
	    "median", "p99", "mean", "broker CPU", "own CPU", "sleeps");
	print_result(&r[3]);
	print_result(&r[4]);
	print_result(&r[5]);

	printf("\n  broker hop, median: %+.2f us per statement (own request), "
	    "%+.2f us (inside a request); target <= 15 us: %s\n",
	    r[1].median_us - r[0].median_us, r[2].median_us - r[0].median_us,
	    r[1].median_us - r[0].median_us <= 15 ? "met" : "NOT met");
	printf("  batch of 20 through the broker vs 20 direct round trips: "
	    "%.2fx faster; target >= 3x: %s\n", r[3].median_us / r[4].median_us,
	    r[3].median_us / r[4].median_us >= 3 ? "met" : "NOT met");
	printf("  (a direct libpq pipeline of the same 20 gets %.2fx: the "
	    "ceiling for any broker\n   on this database; the broker adds "
	    "%+.2f us per batch to it)\n", r[3].median_us / r[5].median_us,
	    r[4].median_us - r[5].median_us);

	PQfinish(pg);
	/* The broker exits when its control socket closes. */
	close(channel_fd);
	close(bl.ctl_fd);
	waitpid(bl.pid, &status, 0);
	drain_broker_log();
	arena_reset(&arena);
	config_free(&cfg);
	return 0;
}
