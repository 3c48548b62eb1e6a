/*
 * tfb-moat.c - TechEmpower's test types as a Moat app, written against the
 * public API only, for "make bench-tfb" (tests/bench/tfb.sh).
 *
 *   GET /plaintext            "Hello, World!" as text/plain
 *   GET /json                 {"message":"Hello, World!"}
 *   GET /db                   one random World row: {"id":..,"randomNumber":..}
 *   GET /queries?queries=N    N random rows as a JSON array; N is clamped to
 *                             1..500, and a missing or bad value counts as 1
 *   GET /fortunes             every Fortune row and one added now, sorted by
 *                             message, through tfb-templates/fortunes.html
 *   GET /updates?queries=N    N random rows, each given a new random number
 *                             1..10000 and written back; answers the array
 *
 * Not TechEmpower's, for what a session costs (tfb.sh's "session" rows):
 *
 *   GET /session/db           the db page, for whoever is signed in: the row
 *                             and the user's id (0 for nobody).  Without a
 *                             cookie it costs what /db costs; with one the
 *                             broker loads the session first
 *   GET /session/form         a CSRF token (starts an anonymous session)
 *   POST /session/signin      username, password, csrf_token: registers the
 *                             name if it is new, then signs in
 *
 * Statements: tests/bench/tfb.catalogue.  The routes declare no fields, so
 * "queries" reaches the handler raw: TFB wants a bad value read as 1, where a
 * declared MOAT_FIELD_INT would answer 400.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

#include <moat/moat.h>

#define TFB_ROWS		10000	/* World has ids 1..10000 */
#define TFB_MAX_QUERIES		500
/*
 * The broker runs at most 32 statements per moat_db_batch() (a larger batch
 * is a protocol violation and costs the worker), so N statements go in
 * batches of this size: one round trip to the broker each.
 */
#define TFB_BATCH		32
/* TFB's table has 12 rows; room to spare, and a clear error beyond it. */
#define TFB_MAX_FORTUNES	256

struct world {
	int64_t	id;
	int64_t	number;
};

struct fortune {
	int64_t		 id;
	const char	*message;
};

/*
 * xorshift64*: cheap, and plenty to pick rows with.  Each worker seeds it
 * from getrandom(2) on its first use, after the fork, so that no two
 * workers (nor a worker and its replacement) draw the same sequence.
 */
static uint64_t tfb_rng;

static int
tfb_random(int64_t *out)
{
	uint64_t x;

	if (tfb_rng == 0) {
		if (getrandom(&tfb_rng, sizeof(tfb_rng), 0) !=
		    (ssize_t)sizeof(tfb_rng)) {
			moat_log_error("tfb: getrandom failed");
			return -1;
		}
		tfb_rng |= 1;	/* xorshift never leaves 0 */
	}
	x = tfb_rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	tfb_rng = x;
	/* 2^64 mod 10000 is tiny next to 2^64: no bias worth a loop. */
	*out = (int64_t)((x * UINT64_C(2685821657736338717)) % TFB_ROWS) + 1;
	return 0;
}

/* TFB's rule for "queries": not an integer, or below 1, is 1; above 500
 * is 500.  Digits are accumulated only while they can still matter, so a
 * huge number cannot overflow. */
static size_t
tfb_queries(const struct moat_request *req)
{
	const char *s = moat_request_query(req, "queries");
	size_t n = 0, i;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return 1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 1;
		if (n <= TFB_MAX_QUERIES)
			n = n * 10 + (size_t)(s[i] - '0');
	}
	if (n < 1)
		return 1;
	return n > TFB_MAX_QUERIES ? TFB_MAX_QUERIES : n;
}

/* Content-Type, and the one check of the body's sticky failure mark. */
static int
tfb_finish(struct moat_response *res, const char *type)
{
	if (moat_response_content_type(res, type) != 0) {
		moat_log_error("tfb: cannot set Content-Type %s", type);
		return -1;
	}
	if (moat_buf_failed(moat_response_body(res))) {
		moat_log_error("tfb: the response body does not fit");
		return -1;
	}
	return 0;
}

static int
tfb_plaintext(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	return moat_response_text(res, 200, "Hello, World!");
}

/* Moat has no JSON writer: the object is fixed and needs no escaping. */
static int
tfb_json(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	moat_buf_puts(moat_response_body(res),
	    "{\"message\":\"Hello, World!\"}");
	return tfb_finish(res, "application/json");
}

/* Reads n random World rows into w, TFB_BATCH statements per round trip. */
static int
tfb_read_worlds(const struct moat_request *req, struct world *w, size_t n)
{
	struct moat_value vals[TFB_BATCH];
	struct moat_call calls[TFB_BATCH];
	struct moat_rows *rows[TFB_BATCH];
	enum moat_db_status st;
	size_t done, k, m;

	for (done = 0; done < n; done += m) {
		m = n - done < TFB_BATCH ? n - done : TFB_BATCH;
		for (k = 0; k < m; k++) {
			if (tfb_random(&w[done + k].id) != 0)
				return -1;
			vals[k] = MOAT_INT(w[done + k].id);
			calls[k] = (struct moat_call){ "world_get", &vals[k],
			    1 };
		}
		if ((st = moat_db_batch(req, calls, m, rows)) != MOAT_DB_OK) {
			moat_log_error("tfb: world_get: %s (SQLSTATE %s)",
			    st == MOAT_DB_DOWN ? "database down" : "failed",
			    moat_db_sqlstate(req));
			return -1;
		}
		for (k = 0; k < m; k++) {
			struct world *x = &w[done + k];

			if (moat_rows_count(rows[k]) != 1 ||
			    !moat_rows_int(rows[k], 0, 0, &x->id) ||
			    !moat_rows_int(rows[k], 0, 1, &x->number)) {
				moat_log_error("tfb: world_get: no row for "
				    "id %lld", (long long)x->id);
				return -1;
			}
		}
	}
	return 0;
}

static void
tfb_put_world(struct moat_buf *b, const struct world *w)
{
	moat_buf_printf(b, "{\"id\":%lld,\"randomNumber\":%lld}",
	    (long long)w->id, (long long)w->number);
}

/* The array of n rows; failures stick to the buffer (tfb_finish). */
static void
tfb_put_worlds(struct moat_buf *b, const struct world *w, size_t n)
{
	size_t i;

	moat_buf_puts(b, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			moat_buf_puts(b, ",");
		tfb_put_world(b, &w[i]);
	}
	moat_buf_puts(b, "]");
}

static int
tfb_db(const struct moat_request *req, struct moat_response *res)
{
	struct world w;

	if (tfb_read_worlds(req, &w, 1) != 0)
		return -1;
	tfb_put_world(moat_response_body(res), &w);
	return tfb_finish(res, "application/json");
}

static int
tfb_queries_handler(const struct moat_request *req, struct moat_response *res)
{
	struct world w[TFB_MAX_QUERIES];
	size_t n = tfb_queries(req);

	if (tfb_read_worlds(req, w, n) != 0)
		return -1;
	tfb_put_worlds(moat_response_body(res), w, n);
	return tfb_finish(res, "application/json");
}

static int
tfb_by_id(const void *a, const void *b)
{
	const struct world *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Each batch is one implicit transaction in the broker (pipeline mode, one
 * sync), holding its rows' locks until it ends.  Writing in ascending id
 * order makes every request lock rows in the same order, so two requests
 * that share rows wait for each other instead of deadlocking.
 */
static int
tfb_write_worlds(const struct moat_request *req, const struct world *w,
    size_t n)
{
	struct moat_value vals[TFB_BATCH][2];
	struct moat_call calls[TFB_BATCH];
	struct moat_rows *rows[TFB_BATCH];
	enum moat_db_status st;
	size_t done, k, m;

	for (done = 0; done < n; done += m) {
		m = n - done < TFB_BATCH ? n - done : TFB_BATCH;
		for (k = 0; k < m; k++) {
			vals[k][0] = MOAT_INT(w[done + k].number);
			vals[k][1] = MOAT_INT(w[done + k].id);
			calls[k] = (struct moat_call){ "world_update",
			    vals[k], 2 };
		}
		if ((st = moat_db_batch(req, calls, m, rows)) != MOAT_DB_OK) {
			moat_log_error("tfb: world_update: %s (SQLSTATE %s)",
			    st == MOAT_DB_DOWN ? "database down" : "failed",
			    moat_db_sqlstate(req));
			return -1;
		}
	}
	return 0;
}

static int
tfb_updates(const struct moat_request *req, struct moat_response *res)
{
	struct world w[TFB_MAX_QUERIES], sorted[TFB_MAX_QUERIES];
	size_t n = tfb_queries(req), i;

	if (tfb_read_worlds(req, w, n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (tfb_random(&w[i].number) != 0)
			return -1;
	memcpy(sorted, w, n * sizeof(w[0]));
	qsort(sorted, n, sizeof(sorted[0]), tfb_by_id);
	if (tfb_write_worlds(req, sorted, n) != 0)
		return -1;
	tfb_put_worlds(moat_response_body(res), w, n);
	return tfb_finish(res, "application/json");
}

/* By message, byte by byte: UTF-8's byte order is code point order. */
static int
tfb_by_message(const void *a, const void *b)
{
	const struct fortune *x = a, *y = b;

	return strcmp(x->message, y->message);
}

static int
tfb_fortunes(const struct moat_request *req, struct moat_response *res)
{
	struct fortune f[TFB_MAX_FORTUNES];
	struct moat_view *v, *row;
	struct moat_rows *rows;
	enum moat_db_status st;
	size_t n, i;

	if ((st = moat_db_run(req, "fortune_all", NULL, 0, &rows)) !=
	    MOAT_DB_OK) {
		moat_log_error("tfb: fortune_all: %s (SQLSTATE %s)",
		    st == MOAT_DB_DOWN ? "database down" : "failed",
		    moat_db_sqlstate(req));
		return -1;
	}
	n = moat_rows_count(rows);
	if (n >= TFB_MAX_FORTUNES) {
		moat_log_error("tfb: %zu fortunes, more than %d", n,
		    TFB_MAX_FORTUNES - 1);
		return -1;
	}
	for (i = 0; i < n; i++) {
		f[i].message = moat_rows_text(rows, i, 1);
		if (!moat_rows_int(rows, i, 0, &f[i].id) ||
		    f[i].message == NULL) {
			moat_log_error("tfb: fortune row %zu is malformed", i);
			return -1;
		}
	}
	f[n].id = 0;
	f[n].message = "Additional fortune added at request time.";
	n++;
	qsort(f, n, sizeof(f[0]), tfb_by_message);

	if ((v = moat_view_new(req)) == NULL) {
		moat_log_error("tfb: no memory for the view");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((row = moat_view_row(v, "fortunes")) == NULL ||
		    moat_view_int(row, "id", f[i].id) != 0 ||
		    moat_view_text(row, "message", f[i].message) != 0) {
			moat_log_error("tfb: no memory for fortune %zu", i);
			return -1;
		}
	}
	return moat_render(req, res, "fortunes.html", v);
}

static int
tfb_session_db(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *b = moat_response_body(res);
	int64_t user = moat_session_user(req);
	struct world w;

	if (tfb_read_worlds(req, &w, 1) != 0)
		return -1;
	moat_buf_printf(b, "{\"id\":%lld,\"randomNumber\":%lld,\"user\":%lld}",
	    (long long)w.id, (long long)w.number, (long long)user);
	return tfb_finish(res, "application/json");
}

static int
tfb_session_form(const struct moat_request *req, struct moat_response *res)
{
	const char *csrf = moat_csrf_token(req);

	if (csrf == NULL)
		return -1;
	moat_buf_puts(moat_response_body(res), csrf);
	return tfb_finish(res, "text/plain");
}

static int
tfb_session_signin(const struct moat_request *req, struct moat_response *res)
{
	const char *name = moat_request_field_text(req, "username");
	const char *pw = moat_request_field_text(req, "password");
	enum moat_auth a;

	a = moat_register(req, name, pw);
	if (a != MOAT_AUTH_OK && a != MOAT_AUTH_TAKEN)
		return moat_response_text(res, 503, "cannot register\n");
	if (moat_login(req, name, pw, NULL) != MOAT_AUTH_OK)
		return moat_response_text(res, 403, "not signed in\n");
	return moat_response_text(res, 200, "signed in\n");
}

static const struct moat_field tfb_credentials[] = {
	{ .name = "username", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = MOAT_USERNAME_MAX },
	{ .name = "password", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

static const struct moat_route tfb_routes[] = {
	{ .method = "GET", .pattern = "/plaintext", .handler = tfb_plaintext },
	{ .method = "GET", .pattern = "/json", .handler = tfb_json },
	{ .method = "GET", .pattern = "/db", .handler = tfb_db },
	{ .method = "GET", .pattern = "/queries",
	    .handler = tfb_queries_handler },
	{ .method = "GET", .pattern = "/fortunes", .handler = tfb_fortunes },
	{ .method = "GET", .pattern = "/updates", .handler = tfb_updates },
	{ .method = "GET", .pattern = "/session/db", .handler = tfb_session_db },
	{ .method = "GET", .pattern = "/session/form",
	    .handler = tfb_session_form },
	{ .method = "POST", .pattern = "/session/signin",
	    .handler = tfb_session_signin, .fields = tfb_credentials,
	    .nfields = MOAT_NELEM(tfb_credentials) },
};

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "tfb-moat",
		.routes = tfb_routes,
		.nroutes = MOAT_NELEM(tfb_routes),
	};

	return moat_main(&app, argc, argv);
}
