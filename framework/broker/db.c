/*
 * db.c - asynchronous statement execution for the broker (see db.h).
 *
 * Values travel as text except bytes, which go in binary so that no
 * escaping is involved; results come back as text.  Prepared statement
 * names are the catalogue names, so a worker can only ever reach what the
 * catalogue declares.  Sensitive values are sealed on the way in and
 * opened on the way out (seal.h), so PostgreSQL never sees them.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <moat/log.h>

#include "broker/auth_sql.h"
#include "broker/db.h"
#include "broker/seal.h"
#include "core/clock.h"

/* Without connect_timeout in the conninfo: long enough for a server far
 * away, short enough that a worker's request gets its 503 in time. */
#define DB_CONNECT_TIMEOUT_S	10

/* Statement i of what a new connection prepares: the app's, then ours. */
static const struct stmt *
prepare_stmt(const struct db_conn *db, size_t i)
{
	const struct catalogue *auth = auth_sql_catalogue();

	if (i < db->cat->count)
		return &db->cat->stmts[i];
	i -= db->cat->count;
	return i < auth->count ? &auth->stmts[i] : NULL;
}

/*
 * Prepare every statement in one round trip (pipeline mode), so that a
 * new worker's channel costs the broker's loop one exchange with the
 * server, not one per statement; the results are read as they come.
 */
static int
prepare_send(struct db_conn *db)
{
	const struct stmt *s;
	size_t i;
	int rc;

	if (PQenterPipelineMode(db->pg) != 1)
		return -1;
	for (i = 0; (s = prepare_stmt(db, i)) != NULL; i++)
		if (PQsendPrepare(db->pg, s->name, s->sql, (int)s->nparams,
		    NULL) != 1)
			return -1;
	if (PQpipelineSync(db->pg) != 1 || (rc = PQflush(db->pg)) < 0)
		return -1;
	db->want_write = rc == 1;
	db->prepared = 0;
	return 0;
}

/*
 * The results of prepare_send() that are in; 1 once the sync is, -1 then
 * if a statement failed (the first failure is in db->prep_err).
 */
static int
prepare_collect(struct db_conn *db)
{
	const struct stmt *s;
	PGresult *res;

	while (!PQisBusy(db->pg)) {
		/* NULL ends one statement's results. */
		if ((res = PQgetResult(db->pg)) == NULL)
			continue;
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			if (db->prep_err[0] != '\0' ||
			    PQexitPipelineMode(db->pg) != 1)
				return -1;
			return 1;
		}
		s = prepare_stmt(db, db->prepared++);
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    db->prep_err[0] == '\0' && s != NULL)
			snprintf(db->prep_err, sizeof(db->prep_err),
			    "statement %s (catalogue line %u): %s", s->name,
			    s->line, PQresultErrorMessage(res));
		PQclear(res);
	}
	return 0;
}

/* connect_timeout from the conninfo, else the default; milliseconds. */
static long long
connect_timeout_ms(const char *conninfo)
{
	PQconninfoOption *opts, *o;
	long secs = DB_CONNECT_TIMEOUT_S;
	char *end;

	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return secs * 1000;
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "connect_timeout") == 0 &&
		    o->val != NULL) {
			long v = strtol(o->val, &end, 10);

			/* 0 is "forever" to libpq: never for the broker. */
			if (*end == '\0' && v > 0 && v <= 3600)
				secs = v;
		}
	PQconninfoFree(opts);
	return secs * 1000;
}

int
db_connect_start(struct db_conn *db, const char *conninfo,
    const struct catalogue *cat, long long max_ms, char *err, size_t errlen)
{
	bool was_ready = db->was_ready;

	memset(db, 0, sizeof(*db));
	db->was_ready = was_ready;
	err[0] = '\0';
	db->cat = cat;
	db->timeout_ms = connect_timeout_ms(conninfo);
	if (max_ms > 0 && db->timeout_ms > max_ms)
		db->timeout_ms = max_ms;
	db->deadline_ms = clock_monotonic_ms() + db->timeout_ms;
	db->phase = DB_CONNECTING;
	/* Until PQconnectPoll says otherwise, wait to write (libpq-fe). */
	db->poll = PGRES_POLLING_WRITING;
	db->pg = PQconnectStart(conninfo);
	if (db->pg == NULL || PQstatus(db->pg) == CONNECTION_BAD ||
	    PQsetnonblocking(db->pg, 1) != 0) {
		snprintf(err, errlen, "database: %s", db->pg != NULL ?
		    PQerrorMessage(db->pg) : "out of memory");
		db_close(db);
		return -1;
	}
	return 0;
}

/* One step of PQconnectPoll; once connected, the prepares go out. */
static int
connect_step(struct db_conn *db)
{
	db->poll = PQconnectPoll(db->pg);
	if (db->poll == PGRES_POLLING_FAILED)
		return -1;
	if (db->poll != PGRES_POLLING_OK)
		return 0;
	db->phase = DB_PREPARING;
	return prepare_send(db);
}

static int
prepare_step(struct db_conn *db)
{
	int rc;

	if (db->want_write) {
		if ((rc = PQflush(db->pg)) < 0)
			return -1;
		db->want_write = rc == 1;
	}
	if (PQconsumeInput(db->pg) != 1)
		return -1;
	if ((rc = prepare_collect(db)) == 1) {
		db->phase = DB_READY;
		db->was_ready = true;
	}
	return rc;
}

int
db_connect_step(struct db_conn *db, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	if (db->pg == NULL || db->phase == DB_READY)
		return db->pg != NULL ? 1 : -1;
	if (clock_monotonic_ms() >= db->deadline_ms) {
		snprintf(err, errlen, "database: no connection within %lld ms",
		    db->timeout_ms);
		db_close(db);
		return -1;
	}
	rc = db->phase == DB_CONNECTING ? connect_step(db) : prepare_step(db);
	if (rc < 0) {
		if (db->prep_err[0] != '\0')
			snprintf(err, errlen, "%s", db->prep_err);
		else
			snprintf(err, errlen, "database: %s",
			    PQerrorMessage(db->pg));
		db_close(db);
	}
	return rc;
}

int
db_connect(struct db_conn *db, const char *conninfo,
    const struct catalogue *cat, char *err, size_t errlen)
{
	struct pollfd p;
	long long left;
	int rc;

	memset(db, 0, sizeof(*db));	/* a new one: no history */
	if (db_connect_start(db, conninfo, cat, 0, err, errlen) != 0)
		return -1;
	do {
		p.fd = db_socket(db);
		p.events = db_events(db);
		left = db->deadline_ms - clock_monotonic_ms();
		if (poll(&p, 1, left > 0 ? (int)left : 0) < 0 &&
		    errno != EINTR) {
			snprintf(err, errlen, "database: poll: %s",
			    strerror(errno));
			db_close(db);
			return -1;
		}
	} while ((rc = db_connect_step(db, err, errlen)) == 0);
	return rc == 1 ? 0 : -1;
}

bool
db_is_ready(const struct db_conn *db)
{
	return db->pg != NULL && db->phase == DB_READY;
}

bool
db_connecting(const struct db_conn *db)
{
	return db->pg != NULL && db->phase != DB_READY;
}

short
db_events(const struct db_conn *db)
{
	if (db->pg != NULL && db->phase == DB_CONNECTING)
		return db->poll == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	return POLLIN | (db->want_write ? POLLOUT : 0);
}

long long
db_deadline_ms(const struct db_conn *db)
{
	return db_connecting(db) ? db->deadline_ms : 0;
}

void
db_close(struct db_conn *db)
{
	if (db->pg != NULL)
		PQfinish(db->pg);
	db->pg = NULL;
	db->pending = 0;
	db->want_write = false;
}

int
db_socket(const struct db_conn *db)
{
	return db->pg != NULL ? PQsocket(db->pg) : -1;
}

/*
 * The row identity a bound sensitive value is sealed with: the value of
 * its bound parameter as text, as the table holds it (ints in decimal).
 * NULL binding (unbound) in *out; -1 if the value is NULL.
 */
static int
call_binding(const struct db_call *call, const struct stmt_sensitive *e,
    char digits[24], struct seal_binding *b, const struct seal_binding **out)
{
	const struct stmt_param *bp;
	const struct db_value *v;

	*out = NULL;
	if (e == NULL || e->bound < 0)
		return 0;
	bp = &call->stmt->params[e->bound];
	v = &call->values[e->bound];
	if (v->is_null)
		return -1;
	b->name = bp->name;
	if (bp->type == PARAM_INT) {
		snprintf(digits, 24, "%" PRId64, v->i);
		b->value = digits;
		b->len = strlen(digits);
	} else {
		b->value = v->p;
		b->len = v->len;
	}
	*out = b;
	return 0;
}

/*
 * A sensitive text parameter (number i) goes to the server sealed
 * (seal.h); *out is the sealed text, to free once the statement is sent.
 */
static int
seal_param(const struct db_call *call, size_t i, char **out)
{
	const struct stmt *s = call->stmt;
	const struct stmt_param *sp = &s->params[i];
	const struct db_value *v = &call->values[i];
	const struct seal_binding *bind;
	struct seal_binding b;
	size_t size = seal_sealed_size(v->len);
	enum seal_status st = SEAL_TOO_LONG;
	char digits[24];

	*out = NULL;
	if (call_binding(call, stmt_sensitive(s, sp->name), digits, &b,
	    &bind) != 0) {
		moat_log_error("broker: statement %s: cannot seal parameter "
		    "%s: its binding is NULL", s->name, sp->name);
		return -1;
	}
	if (size == 0 || (*out = malloc(size)) == NULL ||
	    (st = seal_seal(seal_keyring(), sp->name, bind, v->p, v->len, *out,
	    size)) != SEAL_OK) {
		moat_log_error("broker: statement %s: cannot seal parameter "
		    "%s: %s", s->name, sp->name, seal_strerror(st));
		return -1;
	}
	return 0;
}

/* libpq wants parallel arrays of pointers, lengths and formats. */
static int
send_call(struct db_conn *db, const struct db_call *call)
{
	const struct stmt *s = call->stmt;
	const char *values[CATALOGUE_MAX_PARAMS];
	int lengths[CATALOGUE_MAX_PARAMS], formats[CATALOGUE_MAX_PARAMS];
	char ints[CATALOGUE_MAX_PARAMS][24], *sealed[CATALOGUE_MAX_PARAMS];
	size_t i;
	int rc = -1;

	memset(sealed, 0, sizeof(sealed));
	for (i = 0; i < s->nparams; i++) {
		const struct db_value *v = &call->values[i];

		lengths[i] = 0;
		formats[i] = 0;
		if (v->is_null) {
			values[i] = NULL;
			continue;
		}
		switch (s->params[i].type) {
		case PARAM_INT:
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, v->i);
			values[i] = ints[i];
			break;
		case PARAM_BOOL:
			values[i] = v->b ? "t" : "f";
			break;
		case PARAM_TEXT:
			values[i] = v->p;	/* NUL-free, terminated copy */
			if (s->params[i].sensitive) {
				if (seal_param(call, i, &sealed[i]) != 0) {
					rc = DB_SEAL_FAILED;
					goto out;
				}
				values[i] = sealed[i];
			}
			break;
		case PARAM_BYTES:
			values[i] = v->p;
			lengths[i] = (int)v->len;
			formats[i] = 1;
			break;
		}
	}
	rc = PQsendQueryPrepared(db->pg, s->name, (int)s->nparams, values,
	    lengths, formats, 0) == 1 ? 0 : -1;
out:
	for (i = 0; i < s->nparams; i++)
		free(sealed[i]);
	return rc;
}

int
db_send(struct db_conn *db, const struct db_call *calls, size_t n)
{
	size_t i;

	if (db->pg == NULL || n == 0 || n > DB_MAX_BATCH)
		return -1;
	db->failed = false;
	db->sqlstate[0] = '\0';
	db->have_first = false;
	db->pipeline = n > 1;
	db->result_of = 0;
	if (db->pipeline && PQenterPipelineMode(db->pg) != 1)
		return -1;
	db->sent = calls;
	db->nsent = n;
	for (i = 0; i < n; i++) {
		int rc;

		if ((rc = send_call(db, &calls[i])) != 0)
			return rc;
	}
	if (db->pipeline && PQpipelineSync(db->pg) != 1)
		return -1;
	db->pending = n;
	db->want_write = PQflush(db->pg) == 1;
	return 0;
}

/*
 * A sensitive column's cell is opened before it goes to the worker, a
 * bound one with the call's value of its binding.  A cell that does not
 * open fails the statement (DB_SQLSTATE_UNSEALED); the log names the
 * statement and the column, never the value.
 */
static int
open_cell(struct db_conn *db, const struct db_call *call,
    const struct stmt_sensitive *e, const char *text, size_t len,
    bool first, struct proto_writer *w)
{
	size_t size = seal_open_size(len), plain_len = 0;
	enum seal_status st = SEAL_NO_MEMORY;
	const struct seal_binding *bind;
	struct seal_binding b;
	unsigned int key_id = 0;
	unsigned char *plain = NULL;
	char digits[24];

	if (call_binding(call, e, digits, &b, &bind) != 0)
		st = SEAL_FORGED;	/* a NULL binding: no row's value */
	else if ((plain = malloc(size)) != NULL)
		st = seal_open(seal_keyring(), e->name, bind, text, len, plain,
		    size, &plain_len, &key_id);
	if (st == SEAL_OK) {
		proto_put_text(w, (const char *)plain, plain_len);
		if (first && plain_len < sizeof(db->first_value)) {
			memcpy(db->first_value, plain, plain_len + 1);
			db->have_first = true;
		}
		sodium_memzero(plain, size);
		free(plain);
		return 0;
	}
	moat_log_error("broker: statement %s: column %s: a sealed value (key "
	    "id %u%s%s) does not open: %s; the statement fails with %s",
	    call->stmt->name, e->name, key_id, bind != NULL ? ", bound to " :
	    "", bind != NULL ? bind->name : "", seal_strerror(st),
	    DB_SQLSTATE_UNSEALED);
	free(plain);		/* seal_open left no plaintext in it */
	return -1;
}

/*
 * One cell; -1 if a sensitive one did not open.  Column 1 of row 1 of
 * the first result with rows is kept for "opens file".
 */
static int
put_cell(struct db_conn *db, const struct db_call *call, PGresult *res,
    int r, int c, struct proto_writer *w)
{
	const char *v = PQgetvalue(res, r, c);
	size_t len = (size_t)PQgetlength(res, r, c);
	bool first = !db->have_first && r == 0 && c == 0;
	const struct stmt_sensitive *e;

	if (PQgetisnull(res, r, c)) {
		proto_put_null(w);
		return 0;
	}
	if (call != NULL && call->stmt->nsensitive > 0 &&
	    (e = stmt_sensitive(call->stmt, PQfname(res, c))) != NULL)
		return open_cell(db, call, e, v, len, first, w);
	if (first && len < sizeof(db->first_value)) {
		memcpy(db->first_value, v, len + 1);
		db->have_first = true;
	}
	proto_put_text(w, v, len);
	return 0;
}

static void
append_result(struct db_conn *db, PGresult *res, struct proto_writer *w)
{
	int r, c, nrows = PQntuples(res), ncols = PQnfields(res);
	const struct db_call *call = db->result_of < db->nsent ?
	    &db->sent[db->result_of] : NULL;
	const char *state;

	switch (PQresultStatus(res)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		break;
	default:
		db->failed = true;
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
		    state != NULL ? state : "XX000");
		return;
	}
	proto_put_i64(w, ncols);
	proto_put_i64(w, nrows);
	for (c = 0; c < ncols; c++)
		proto_put_text(w, PQfname(res, c), strlen(PQfname(res, c)));
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			if (put_cell(db, call, res, r, c, w) != 0) {
				if (!db->failed)
					memcpy(db->sqlstate,
					    DB_SQLSTATE_UNSEALED,
					    sizeof(DB_SQLSTATE_UNSEALED));
				db->failed = true;
				return;
			}
}

/* Take every result that is ready; 1 when the last one is in. */
static int
drain_results(struct db_conn *db, struct proto_writer *reply)
{
	PGresult *res;

	while (db->pending > 0 && !PQisBusy(db->pg)) {
		if ((res = PQgetResult(db->pg)) == NULL) {
			/* End of one query's results. */
			if (!db->pipeline)
				db->pending = 0;
			db->result_of++;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			db->pending = 0;
			break;
		}
		if (PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
			append_result(db, res, reply);
		PQclear(res);
	}
	if (db->pending > 0)
		return 0;
	if (db->pipeline && PQexitPipelineMode(db->pg) != 1)
		return -1;
	db->pipeline = false;
	return 1;
}

int
db_collect(struct db_conn *db, struct proto_writer *reply)
{
	if (db->pg == NULL)
		return -1;
	if (db->want_write) {
		int rc = PQflush(db->pg);

		if (rc < 0)
			return -1;
		db->want_write = rc == 1;
	}
	if (PQconsumeInput(db->pg) != 1)
		return -1;
	return drain_results(db, reply);
}
