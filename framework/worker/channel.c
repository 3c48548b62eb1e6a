/*
 * channel.c - moat_db_* (moat/db.h): statements through the broker.
 *
 * Each worker has one channel and handles one request at a time, so a
 * call is a plain send and a blocking receive; the request timeout bounds
 * a broker that never answers.  The broker learns that a request began
 * only from the first statement of that request (PROTO_FLAG_BEGIN on its
 * frame), so pages that touch no data cost the broker nothing, and those
 * that do cost one exchange per statement or batch.  The end of a request
 * is a message of its own (REQUEST_END) only when the broker holds
 * something of it to forget, i.e. after a session operation; otherwise
 * the next request's first frame ends it (dispatch.c refuses that when
 * the broker does hold a session, so a worker cannot skip the forgetting).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include <moat/db.h>
#include <moat/log.h>

#include "worker/channel.h"
#include "proto/proto.h"
#include "http/request_internal.h"
#include "worker/session.h"

#define PROTO_VERSION	1

struct moat_rows {
	size_t		  nrows;
	size_t		  ncols;
	const char	**cells;	/* row-major, NULL for SQL NULL */
};

static int			 channel_fd = -1;
static bool			 lost;
static bool			 unavailable;	/* this request saw DOWN */
static bool			 in_request;
static bool			 session_asked;	/* the broker holds request state */
static uint32_t			 next_seq;
static char			 sqlstate[6];
static struct proto_writer	 tx;
static unsigned char		 rx[PROTO_MAX_FRAME];

void
channel_broken(const char *why)
{
	if (!lost)
		moat_log_error("broker channel: %s", why);
	lost = true;
	unavailable = true;
}

bool
channel_lost(void)
{
	return lost;
}

/*
 * Send tx (with send_fd unless -1) and wait for the reply to it; a reply
 * may carry an fd only where recv_fd is given.  Returns its length or -1.
 */
static ssize_t
round_trip_fd(struct proto_reader *r, int send_fd, int *recv_fd)
{
	ssize_t n;

	if (proto_writer_finish(&tx) != 0) {
		channel_broken("request too large for one frame");
		return -1;
	}
	if (proto_send(channel_fd, &tx, send_fd) != 0) {
		channel_broken(strerror(errno));
		return -1;
	}
	do
		n = proto_recv(channel_fd, rx, recv_fd);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || proto_reader_init(r, rx, (size_t)n) != 0 ||
	    r->hdr.seq != next_seq) {
		channel_broken(n == 0 ? "broker closed the channel" :
		    "bad reply");
		return -1;
	}
	return n;
}

static ssize_t
round_trip(struct proto_reader *r)
{
	return round_trip_fd(r, -1, NULL);
}

int
channel_attach(int fd)
{
	struct proto_reader r;

	channel_fd = fd;
	proto_writer_begin(&tx, PROTO_OP_HELLO, ++next_seq);
	proto_put_i64(&tx, PROTO_VERSION);
	if (round_trip(&r) < 0 || r.hdr.op != PROTO_OP_R_OK ||
	    proto_reader_end(&r) != 0) {
		channel_broken("no greeting from the broker");
		return -1;
	}
	return 0;
}

static int
send_oneway(uint16_t op)
{
	proto_writer_begin(&tx, op, 0);
	if (proto_writer_finish(&tx) != 0 ||
	    proto_send(channel_fd, &tx, -1) != 0) {
		channel_broken(strerror(errno));
		return -1;
	}
	return 0;
}

void
channel_mark_unavailable(void)
{
	unavailable = true;
}

bool
channel_unavailable(void)
{
	return unavailable;
}

void
channel_request_end(void)
{
	bool end_message = in_request && session_asked && !lost;

	sqlstate[0] = '\0';
	unavailable = false;
	in_request = false;
	session_asked = false;
	if (end_message)
		send_oneway(PROTO_OP_REQUEST_END);
}

static void
put_value(const struct moat_value *v)
{
	switch (v->type) {
	case MOAT_VALUE_INT:
		proto_put_i64(&tx, v->i);
		break;
	case MOAT_VALUE_BOOL:
		proto_put_bool(&tx, v->b);
		break;
	case MOAT_VALUE_TEXT:
		proto_put_text(&tx, v->p, v->len);
		break;
	case MOAT_VALUE_BYTES:
		proto_put_bytes(&tx, v->p, v->len);
		break;
	default:
		proto_put_null(&tx);
		break;
	}
}

static void
put_call(const struct moat_call *c)
{
	size_t i;

	proto_put_text(&tx, c->stmt, strlen(c->stmt));
	for (i = 0; i < c->nvalues; i++)
		put_value(&c->values[i]);
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
		/* Class 08, connection exception: the database is away. */
		if (memcmp(sqlstate, "08", 2) == 0) {
			unavailable = true;
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

/* Announce the request if needed and start a frame for op. */
static int
begin_call(uint16_t op)
{
	if (channel_fd < 0 || lost)
		return -1;
	proto_writer_begin(&tx, op, ++next_seq);
	if (!in_request) {
		/* The request begins with this frame: no message of its own. */
		proto_writer_flags(&tx, PROTO_FLAG_BEGIN);
		in_request = true;
	}
	return 0;
}

/*
 * Statements of role "user" or "admin" need the broker to know the
 * session, so it is loaded (once per request, only if there is a cookie)
 * before the first statement.
 */
static int
begin_statement(const struct moat_request *req, uint16_t op)
{
	session_live(req);
	/* Once this request found the database away, do not knock again. */
	if (unavailable)
		return -1;
	return begin_call(op);
}

struct proto_writer *
channel_begin(uint16_t op)
{
	return begin_call(op) == 0 ? &tx : NULL;
}

int
channel_exchange(struct proto_reader *r)
{
	session_asked = true;
	return round_trip(r) < 0 ? -1 : 0;
}

enum moat_db_status
moat_db_batch(const struct moat_request *req, const struct moat_call *calls,
    size_t n, struct moat_rows **rows)
{
	struct proto_reader r;
	size_t i;

	if (begin_statement(req, n == 1 ? PROTO_OP_STMT : PROTO_OP_BATCH)
	    != 0 || n == 0)
		return MOAT_DB_DOWN;
	if (n > 1)
		proto_put_i64(&tx, (int64_t)n);
	for (i = 0; i < n; i++)
		put_call(&calls[i]);
	if (round_trip(&r) < 0)
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
	return sqlstate;
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
	struct proto_reader r;
	ssize_t n;
	int fd;

	if ((fd = content_fd(data, len)) < 0) {
		moat_log_error("file store: memfd: %s", strerror(errno));
		return MOAT_DB_DOWN;
	}
	if (begin_statement(req, PROTO_OP_FILE_STORE) != 0) {
		close(fd);
		return MOAT_DB_DOWN;
	}
	put_call(&call);
	n = round_trip_fd(&r, fd, NULL);
	close(fd);
	if (n < 0)
		return MOAT_DB_DOWN;
	return read_reply(req, &r, 1, rows);
}

enum moat_db_status
moat_file_open(const struct moat_request *req, const char *stmt,
    const struct moat_value *values, size_t nvalues, int *fd)
{
	const struct moat_call call = { stmt, values, nvalues };
	struct moat_rows *unused;
	struct proto_reader r;
	enum moat_db_status st;

	*fd = -1;
	if (begin_statement(req, PROTO_OP_FILE_OPEN) != 0)
		return MOAT_DB_DOWN;
	put_call(&call);
	if (round_trip_fd(&r, -1, fd) < 0)
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
