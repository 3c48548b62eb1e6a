/*
 * tfb-bare.c - TechEmpower's test types as a bare libfcgi program, the
 * floor "make bench-tfb" (tests/bench/tfb.sh) measures Moat against.
 *
 * The same six routes and answers as tests/bench/tfb-moat.c, with nothing
 * between libfcgi, libpq and the handlers: no parsing beyond the query
 * string, no sandbox, no broker.  NPROCS processes (the parent and NPROCS-1
 * forked children) each accept requests and own one PostgreSQL connection
 * with the three statements prepared; queries and updates send their
 * statements in libpq's pipeline mode, one round trip for all N.  The
 * fortunes are HTML-escaped by hand.
 *
 *   usage: tfb-bare SOCKET_PATH NPROCS CONNINFO
 *
 * SIGTERM or SIGINT to the parent stops the children too; a child also dies
 * when its parent does, so a killed benchmark leaves nothing behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

#define TFB_BACKLOG		1024
#define TFB_MAX_PROCS		64
#define TFB_ROWS		10000
#define TFB_MAX_QUERIES		500
#define TFB_MAX_FORTUNES	256
/* 500 rows of {"id":10000,"randomNumber":10000} are under 20 kB. */
#define TFB_BODY_MAX		(64 * 1024)

struct world {
	long long	id;
	long long	number;
};

struct fortune {
	long long	 id;
	const char	*message;
};

/* A response body in a fixed buffer; an overflow sticks as failed. */
struct body {
	char	data[TFB_BODY_MAX];
	size_t	len;
	bool	failed;
};

static pid_t tfb_children[TFB_MAX_PROCS];
static int tfb_nchildren;
static const char *tfb_conninfo;
static PGconn *tfb_db;		/* this process's connection, or NULL */
static uint64_t tfb_rng;
static struct body tfb_body;

static void
tfb_kill_children(void)
{
	int i;

	for (i = 0; i < tfb_nchildren; i++)
		if (tfb_children[i] > 0)
			kill(tfb_children[i], SIGTERM);
}

static void
tfb_stop(int sig)
{
	(void)sig;
	tfb_kill_children();
	_exit(0);
}

/* xorshift64*, seeded per process from getrandom(2) after the fork. */
static int
tfb_random(long long *out)
{
	uint64_t x;

	if (tfb_rng == 0) {
		if (getrandom(&tfb_rng, sizeof(tfb_rng), 0) !=
		    (ssize_t)sizeof(tfb_rng))
			return -1;
		tfb_rng |= 1;
	}
	x = tfb_rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	tfb_rng = x;
	*out = (long long)((x * UINT64_C(2685821657736338717)) % TFB_ROWS) + 1;
	return 0;
}

static void
body_append(struct body *b, const char *s, size_t len)
{
	if (b->failed || len > sizeof(b->data) - b->len) {
		b->failed = true;
		return;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
}

static void
body_puts(struct body *b, const char *s)
{
	body_append(b, s, strlen(s));
}

static void
body_printf(struct body *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
body_printf(struct body *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, sizeof(b->data) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->data) - b->len)
		b->failed = true;
	else
		b->len += (size_t)n;
}

/* HTML text: the five characters that can end text or an attribute. */
static void
body_html(struct body *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *ent;

		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&#39;"; break;
		default: continue;
		}
		body_append(b, run, (size_t)(s - run));
		body_puts(b, ent);
		run = s + 1;
	}
	body_append(b, run, (size_t)(s - run));
}

/* --- the database ---------------------------------------------------------- */

static int
tfb_prepare(const char *name, const char *sql, int nparams)
{
	PGresult *res = PQprepare(tfb_db, name, sql, nparams, NULL);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "tfb-bare: prepare %s: %s", name,
		    PQerrorMessage(tfb_db));
	PQclear(res);
	return ok ? 0 : -1;
}

static void
tfb_disconnect(void)
{
	if (tfb_db != NULL)
		PQfinish(tfb_db);
	tfb_db = NULL;
}

/* Connects (again) when there is no usable connection. */
static int
tfb_connect(void)
{
	if (tfb_db != NULL && PQstatus(tfb_db) == CONNECTION_OK)
		return 0;
	tfb_disconnect();
	tfb_db = PQconnectdb(tfb_conninfo);
	if (tfb_db == NULL || PQstatus(tfb_db) != CONNECTION_OK) {
		fprintf(stderr, "tfb-bare: connect: %s",
		    tfb_db != NULL ? PQerrorMessage(tfb_db) : "no memory\n");
		tfb_disconnect();
		return -1;
	}
	if (tfb_prepare("world_get",
	    "SELECT id, randomnumber FROM world WHERE id = $1", 1) != 0 ||
	    tfb_prepare("world_update",
	    "UPDATE world SET randomnumber = $1 WHERE id = $2", 2) != 0 ||
	    tfb_prepare("fortune_all", "SELECT id, message FROM fortune",
	    0) != 0) {
		tfb_disconnect();
		return -1;
	}
	return 0;
}

static int
tfb_parse_ll(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' ? 0 : -1;
}

/* One world_get result into w; consumes the result. */
static int
tfb_world_result(PGresult *res, struct world *w)
{
	int ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    PQntuples(res) == 1 && PQnfields(res) == 2 &&
	    tfb_parse_ll(PQgetvalue(res, 0, 0), &w->id) == 0 &&
	    tfb_parse_ll(PQgetvalue(res, 0, 1), &w->number) == 0;

	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Sends n world_get (read) or world_update (write) statements in one
 * pipeline with one sync, then reads their results.  In blocking mode a
 * pipeline can deadlock once both directions' socket buffers are full;
 * 500 statements and their results are tens of kilobytes, well inside a
 * unix socket's buffers.  Any error drops the connection: the pipeline's
 * state is not worth recovering in a benchmark, the next request
 * reconnects.
 */
static int
tfb_pipeline(struct world *w, size_t n, bool write)
{
	char num[TFB_MAX_QUERIES][24], id[TFB_MAX_QUERIES][24];
	const char *values[2];
	PGresult *res;
	size_t i;

	if (PQenterPipelineMode(tfb_db) != 1)
		goto fail;
	for (i = 0; i < n; i++) {
		/* 24 bytes hold any long long: these cannot truncate. */
		if (snprintf(id[i], sizeof(id[i]), "%lld", w[i].id) < 0)
			goto fail;
		if (write) {
			if (snprintf(num[i], sizeof(num[i]), "%lld",
			    w[i].number) < 0)
				goto fail;
			values[0] = num[i];
			values[1] = id[i];
		} else
			values[0] = id[i];
		if (PQsendQueryPrepared(tfb_db, write ? "world_update" :
		    "world_get", write ? 2 : 1, values, NULL, NULL, 0) != 1)
			goto fail;
	}
	if (PQpipelineSync(tfb_db) != 1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((res = PQgetResult(tfb_db)) == NULL)
			goto fail;
		if (write) {
			int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

			PQclear(res);
			if (!ok)
				goto fail;
		} else if (tfb_world_result(res, &w[i]) != 0)
			goto fail;
		/* Each statement's results end with a NULL. */
		if ((res = PQgetResult(tfb_db)) != NULL) {
			PQclear(res);
			goto fail;
		}
	}
	if ((res = PQgetResult(tfb_db)) == NULL ||
	    PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	if (PQexitPipelineMode(tfb_db) != 1)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "tfb-bare: pipeline (%s): %s", write ? "update" :
	    "select", PQerrorMessage(tfb_db));
	tfb_disconnect();
	return -1;
}

static int
tfb_read_worlds(struct world *w, size_t n)
{
	char id[24];
	const char *values[1] = { id };
	size_t i;

	for (i = 0; i < n; i++)
		if (tfb_random(&w[i].id) != 0)
			return -1;
	if (n > 1)
		return tfb_pipeline(w, n, false);
	if (snprintf(id, sizeof(id), "%lld", w[0].id) < 0)
		return -1;
	return tfb_world_result(PQexecPrepared(tfb_db, "world_get", 1, values,
	    NULL, NULL, 0), &w[0]);
}

static int
tfb_by_id(const void *a, const void *b)
{
	const struct world *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
tfb_by_message(const void *a, const void *b)
{
	const struct fortune *x = a, *y = b;

	return strcmp(x->message, y->message);
}

/* --- the test types ------------------------------------------------------------ */

/* TFB's rule: not an integer, or below 1, is 1; above 500 is 500. */
static size_t
tfb_queries(const char *qs)
{
	const char *s = NULL, *p;
	size_t n = 0;

	for (p = qs; p != NULL && *p != '\0'; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, "queries=", 8) == 0) {
			s = p + 8;
			break;
		}
	}
	if (s == NULL || *s == '\0' || *s == '&')
		return 1;
	for (; *s != '\0' && *s != '&'; s++) {
		if (*s < '0' || *s > '9')
			return 1;
		if (n <= TFB_MAX_QUERIES)
			n = n * 10 + (size_t)(*s - '0');
	}
	if (n < 1)
		return 1;
	return n > TFB_MAX_QUERIES ? TFB_MAX_QUERIES : n;
}

static void
tfb_put_worlds(struct body *b, const struct world *w, size_t n, bool array)
{
	size_t i;

	if (array)
		body_puts(b, "[");
	for (i = 0; i < n; i++)
		body_printf(b, "%s{\"id\":%lld,\"randomNumber\":%lld}",
		    i > 0 ? "," : "", w[i].id, w[i].number);
	if (array)
		body_puts(b, "]");
}

static int
tfb_fortunes(struct body *b)
{
	struct fortune f[TFB_MAX_FORTUNES];
	PGresult *res;
	size_t n, i;
	int rc = -1;

	res = PQexecPrepared(tfb_db, "fortune_all", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQnfields(res) != 2 ||
	    PQntuples(res) >= TFB_MAX_FORTUNES)
		goto out;
	n = (size_t)PQntuples(res);
	for (i = 0; i < n; i++) {
		f[i].message = PQgetvalue(res, (int)i, 1);
		if (tfb_parse_ll(PQgetvalue(res, (int)i, 0), &f[i].id) != 0)
			goto out;
	}
	f[n].id = 0;
	f[n].message = "Additional fortune added at request time.";
	n++;
	qsort(f, n, sizeof(f[0]), tfb_by_message);
	body_puts(b, "<!DOCTYPE html>\n<html>\n<head><title>Fortunes</title>"
	    "</head>\n<body>\n<table>\n<tr><th>id</th><th>message</th></tr>\n");
	for (i = 0; i < n; i++) {
		body_printf(b, "<tr><td>%lld</td><td>", f[i].id);
		body_html(b, f[i].message);
		body_puts(b, "</td></tr>\n");
	}
	body_puts(b, "</table>\n</body>\n</html>\n");
	rc = 0;
out:
	PQclear(res);	/* the messages lived in it: the body has copies */
	return rc;
}

/* Fills the body for path and sets *type; -1 for a failure, 1 for 404. */
static int
tfb_route(const char *path, const char *qs, struct body *b, const char **type)
{
	struct world w[TFB_MAX_QUERIES], sorted[TFB_MAX_QUERIES];
	size_t n, i;

	*type = "application/json";
	if (strcmp(path, "/plaintext") == 0) {
		*type = "text/plain";
		body_puts(b, "Hello, World!");
		return 0;
	}
	if (strcmp(path, "/json") == 0) {
		body_puts(b, "{\"message\":\"Hello, World!\"}");
		return 0;
	}
	if (strcmp(path, "/db") != 0 && strcmp(path, "/queries") != 0 &&
	    strcmp(path, "/updates") != 0 && strcmp(path, "/fortunes") != 0)
		return 1;
	if (tfb_connect() != 0)
		return -1;
	if (strcmp(path, "/fortunes") == 0) {
		*type = "text/html; charset=utf-8";
		return tfb_fortunes(b);
	}
	n = strcmp(path, "/db") == 0 ? 1 : tfb_queries(qs);
	if (tfb_read_worlds(w, n) != 0)
		return -1;
	if (strcmp(path, "/updates") == 0) {
		for (i = 0; i < n; i++)
			if (tfb_random(&w[i].number) != 0)
				return -1;
		/* Ascending ids: concurrent pipelines (each one implicit
		 * transaction) lock rows in one order and cannot deadlock. */
		memcpy(sorted, w, n * sizeof(w[0]));
		qsort(sorted, n, sizeof(sorted[0]), tfb_by_id);
		if (tfb_pipeline(sorted, n, true) != 0)
			return -1;
	}
	tfb_put_worlds(b, w, n, strcmp(path, "/db") != 0);
	return 0;
}

static void
tfb_handle(FCGX_Request *req)
{
	const char *path = FCGX_GetParam("DOCUMENT_URI", req->envp);
	const char *qs = FCGX_GetParam("QUERY_STRING", req->envp);
	const char *type = "text/plain";
	struct body *b = &tfb_body;
	char head[256];
	int rc, n;

	b->len = 0;
	b->failed = false;
	rc = path != NULL ? tfb_route(path, qs, b, &type) : 1;
	if (rc == 0 && b->failed)
		rc = -1;
	/*
	 * libfcgi's own printf knows no %zu: the head is formatted here.  A
	 * client gone away makes the writes fail; nothing is left to tell it.
	 */
	if (rc != 0)
		n = snprintf(head, sizeof(head), "Status: %s\r\nContent-Type: "
		    "text/plain\r\nContent-Length: 6\r\n\r\nerror\n", rc > 0 ?
		    "404 Not Found" : "500 Internal Server Error");
	else
		n = snprintf(head, sizeof(head), "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n\r\n", type, b->len);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    FCGX_PutStr(head, n, req->out) != n || rc != 0)
		return;
	FCGX_PutStr(b->data, (int)b->len, req->out);
}

/* The accept loop of one process; returns only when accepting fails. */
static int
tfb_serve(int listen_fd)
{
	FCGX_Request req;

	if (FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		fprintf(stderr, "tfb-bare: FCGX_InitRequest failed\n");
		return 1;
	}
	/* Connect now, so the first request does not pay for it. */
	if (tfb_connect() != 0)
		fprintf(stderr, "tfb-bare: no database yet; retrying per "
		    "request\n");
	while (FCGX_Accept_r(&req) >= 0) {
		tfb_handle(&req);
		FCGX_Finish_r(&req);
	}
	tfb_disconnect();
	return 0;
}

static int
tfb_parse_nprocs(const char *s, int *out)
{
	long long n;

	if (tfb_parse_ll(s, &n) != 0 || n < 1 || n > TFB_MAX_PROCS)
		return -1;
	*out = (int)n;
	return 0;
}

static int
tfb_install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tfb_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	int nprocs, listen_fd, i;
	pid_t parent;

	if (argc != 4 || tfb_parse_nprocs(argv[2], &nprocs) != 0) {
		fprintf(stderr, "usage: tfb-bare SOCKET_PATH NPROCS (1-%d) "
		    "CONNINFO\n", TFB_MAX_PROCS);
		return 2;
	}
	tfb_conninfo = argv[3];
	if (FCGX_Init() != 0) {
		fprintf(stderr, "tfb-bare: FCGX_Init failed\n");
		return 1;
	}
	/* A socket left by an earlier run would make bind() fail. */
	if (unlink(argv[1]) != 0 && errno != ENOENT) {
		fprintf(stderr, "tfb-bare: cannot remove %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	if ((listen_fd = FCGX_OpenSocket(argv[1], TFB_BACKLOG)) < 0) {
		fprintf(stderr, "tfb-bare: cannot listen on %s\n", argv[1]);
		return 1;
	}
	parent = getpid();
	for (i = 0; i < nprocs - 1; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "tfb-bare: fork: %s\n",
			    strerror(errno));
			tfb_kill_children();
			return 1;
		}
		if (pid == 0) {
			/* Die with the parent, even if it is SIGKILLed. */
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
			    getppid() != parent)
				_exit(1);
			return tfb_serve(listen_fd);
		}
		tfb_children[tfb_nchildren++] = pid;
	}
	if (tfb_install_stop_handlers() != 0) {
		fprintf(stderr, "tfb-bare: sigaction: %s\n", strerror(errno));
		tfb_kill_children();
		return 1;
	}
	i = tfb_serve(listen_fd);
	tfb_kill_children();
	return i;
}
