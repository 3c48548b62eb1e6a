/*
 * db.c - moat_db_* and moat_file_* (moat/db.h): statements and files
 * through the broker, on the channel's transport (channel.h).
 *
 * A statement's frame may begin the request (channel_begin marks it); a
 * page that runs one statement costs one exchange with the broker.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <moat/db.h>
#include <moat/log.h>

#include "http/request_internal.h"
#include "proto/proto.h"
#include "worker/channel.h"
#include "worker/session.h"

struct moat_rows {
	size_t		  nrows;
	size_t		  ncols;
	const char	**cells;	/* row-major, NULL for SQL NULL */
};

/* The SQLSTATE of this request's last failed statement. */
static char		sqlstate[6];
static unsigned long	sqlstate_request;	/* channel_requests_ended() */

static void
put_value(struct proto_writer *w, const struct moat_value *v)
{
	switch (v->type) {
	case MOAT_VALUE_INT:
		proto_put_i64(w, v->i);
		break;
	case MOAT_VALUE_BOOL:
		proto_put_bool(w, v->b);
		break;
	case MOAT_VALUE_TEXT:
		proto_put_text(w, v->p, v->len);
		break;
	case MOAT_VALUE_BYTES:
		proto_put_bytes(w, v->p, v->len);
		break;
	default:
		proto_put_null(w);
		break;
	}
}

static void
put_call(struct proto_writer *w, const struct moat_call *c)
{
	size_t i;

	proto_put_text(w, c->stmt, strlen(c->stmt));
	for (i = 0; i < c->nvalues; i++)
		put_value(w, &c->values[i]);
}

/* Copy one result set out of the reply frame into the request arena. */
static int
read_rows(struct arena *a, struct proto_reader *r, struct moat_rows **out_rows)
{
	struct moat_rows *rows;
	int64_t ncols, nrows;
	const char *s;
	size_t i, len, ncells;

	if (proto_get_i64(r, &ncols) != 0 || proto_get_i64(r, &nrows) != 0 ||
	    ncols < 0 || nrows < 0 || ncols > 1600 ||
	    nrows > PROTO_MAX_FRAME || (rows = arena_alloc(a,
	    sizeof(*rows))) == NULL)
		return -1;
	rows->ncols = (size_t)ncols;
	rows->nrows = (size_t)nrows;
	for (i = 0; i < rows->ncols; i++)	/* column names: not kept */
		if (proto_get_text(r, &s, &len) != 0)
			return -1;
	ncells = rows->ncols * rows->nrows;
	if ((rows->cells = arena_alloc(a, (ncells ? ncells : 1) *
	    sizeof(*rows->cells))) == NULL)
		return -1;
	for (i = 0; i < ncells; i++) {
		if (proto_peek_type(r) == PROTO_T_NULL) {
			if (proto_get_null(r) != 0)
				return -1;
			continue;
		}
		if (proto_get_text(r, &s, &len) != 0 ||
		    (rows->cells[i] = arena_strndup(a, s, len)) == NULL)
			return -1;
	}
	*out_rows = rows;
	return 0;
}

static enum moat_db_status
read_reply(const struct moat_request *req, struct proto_reader *r, size_t n,
    struct moat_rows **rows)
{
	const char *state;
	size_t i, len;

	if (r->hdr.op == PROTO_OP_R_FAIL) {
		if (proto_get_text(r, &state, &len) != 0 || len != 5) {
			channel_broken("bad failure reply");
			return MOAT_DB_DOWN;
		}
		memcpy(sqlstate, state, 5);
		sqlstate[5] = '\0';
		sqlstate_request = channel_requests_ended();
		/* Class 08, connection exception: the database is away. */
		if (memcmp(sqlstate, "08", 2) == 0) {
			channel_mark_unavailable();
			return MOAT_DB_DOWN;
		}
		return MOAT_DB_FAILED;
	}
	if (r->hdr.op != PROTO_OP_R_ROWS) {
		channel_broken("unexpected reply");
		return MOAT_DB_DOWN;
	}
	for (i = 0; i < n; i++)
		if (read_rows(req->arena, r, &rows[i]) != 0) {
			channel_broken("malformed rows");
			return MOAT_DB_DOWN;
		}
	if (proto_reader_end(r) != 0) {
		channel_broken("trailing bytes in rows");
		return MOAT_DB_DOWN;
	}
	return MOAT_DB_OK;
}

/*
 * Statements of role "user" or "admin" need the broker to know the
 * session, so it is loaded (once per request, only if there is a cookie)
 * before the first statement.
 */
static struct proto_writer *
begin_statement(const struct moat_request *req, uint16_t op)
{
	session_live(req);
	/* Once this request found the database away, do not knock again. */
	if (channel_unavailable())
		return NULL;
	return channel_begin(op);
}

enum moat_db_status
moat_db_batch(const struct moat_request *req, const struct moat_call *calls,
    size_t n, struct moat_rows **rows)
{
	struct proto_writer *w;
	struct proto_reader r;
	size_t i;

	if ((w = begin_statement(req, n == 1 ? PROTO_OP_STMT :
	    PROTO_OP_BATCH)) == NULL || n == 0)
		return MOAT_DB_DOWN;
	if (n > 1)
		proto_put_i64(w, (int64_t)n);
	for (i = 0; i < n; i++)
		put_call(w, &calls[i]);
	if (channel_exchange(&r) != 0)
		return MOAT_DB_DOWN;
	return read_reply(req, &r, n, rows);
}

enum moat_db_status
moat_db_run(const struct moat_request *req, const char *stmt,
    const struct moat_value *values, size_t nvalues, struct moat_rows **rows)
{
	const struct moat_call call = { stmt, values, nvalues };

	return moat_db_batch(req, &call, 1, rows);
}

const char *
moat_db_sqlstate(const struct moat_request *req)
{
	(void)req;
	return sqlstate_request == channel_requests_ended() ? sqlstate : "";
}

size_t
moat_rows_count(const struct moat_rows *rows)
{
	return rows->nrows;
}

size_t
moat_rows_columns(const struct moat_rows *rows)
{
	return rows->ncols;
}

const char *
moat_rows_text(const struct moat_rows *rows, size_t row, size_t col)
{
	if (row >= rows->nrows || col >= rows->ncols)
		return NULL;
	return rows->cells[row * rows->ncols + col];
}

bool
moat_rows_int(const struct moat_rows *rows, size_t row, size_t col,
    int64_t *out)
{
	const char *s = moat_rows_text(rows, row, col);
	long long v;

	if (s == NULL || !router_parse_int(s, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

/* The content travels as a memfd: no size limit from the frame. */
static int
content_fd(const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = memfd_create("moat-upload", MFD_CLOEXEC)) < 0)
		return -1;
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return fd;
}

enum moat_db_status
moat_file_store(const struct moat_request *req, const char *stmt,
    const struct moat_value *values, size_t nvalues, const void *data,
    size_t len, struct moat_rows **rows)
{
	const struct moat_call call = { stmt, values, nvalues };
	struct proto_writer *w;
	struct proto_reader r;
	int fd, rc;

	if ((fd = content_fd(data, len)) < 0) {
		moat_log_error("file store: memfd: %s", strerror(errno));
		return MOAT_DB_DOWN;
	}
	if ((w = begin_statement(req, PROTO_OP_FILE_STORE)) == NULL) {
		close(fd);
		return MOAT_DB_DOWN;
	}
	put_call(w, &call);
	rc = channel_call(&r, fd, NULL);
	close(fd);
	if (rc != 0)
		return MOAT_DB_DOWN;
	return read_reply(req, &r, 1, rows);
}

enum moat_db_status
moat_file_open(const struct moat_request *req, const char *stmt,
    const struct moat_value *values, size_t nvalues, int *fd)
{
	const struct moat_call call = { stmt, values, nvalues };
	struct moat_rows *unused;
	struct proto_writer *w;
	struct proto_reader r;
	enum moat_db_status st;

	*fd = -1;
	if ((w = begin_statement(req, PROTO_OP_FILE_OPEN)) == NULL)
		return MOAT_DB_DOWN;
	put_call(w, &call);
	if (channel_call(&r, -1, fd) != 0)
		return MOAT_DB_DOWN;
	if (r.hdr.op == PROTO_OP_R_FILE && *fd >= 0 &&
	    proto_reader_end(&r) == 0)
		return MOAT_DB_OK;
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	st = read_reply(req, &r, 0, &unused);
	if (st == MOAT_DB_OK) {
		channel_broken("no file in the reply");
		st = MOAT_DB_DOWN;
	}
	return st;
}
