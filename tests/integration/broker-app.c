/*
 * broker-app.c - an application for the broker tests: honest routes that
 * use the catalogue through moat_db_*, and hostile ones that write raw
 * frames on the worker's broker channel, as a compromised worker would.
 * Built for `make check` only.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <moat/moat.h>

#include "proto/proto.h"

/* Where the supervisor puts a worker's broker channel. */
#define CHANNEL_FD	4

static int
db_status(struct moat_response *res, enum moat_db_status st,
    const struct moat_request *req)
{
	char text[64];

	snprintf(text, sizeof(text), "db %s %s\n", st == MOAT_DB_FAILED ?
	    "failed" : "down", moat_db_sqlstate(req));
	return moat_response_text(res, 503, text);
}

static int
note_add(const struct moat_request *req, struct moat_response *res)
{
	const char *title = moat_request_form(req, "title");
	const char *body = moat_request_form(req, "body");
	struct moat_value v[2];
	struct moat_rows *rows;
	enum moat_db_status st;

	if (title == NULL || body == NULL)
		return moat_response_text(res, 400, "title and body\n");
	v[0] = MOAT_TEXT(title);
	v[1] = MOAT_TEXT(body);
	if ((st = moat_db_run(req, "note_add", v, 2, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s\n",
	    moat_rows_text(rows, 0, 0));
	return 0;
}

static int
note_get(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_rows *rows;
	enum moat_db_status st;
	int64_t id;

	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	if ((st = moat_db_run(req, "note_get", v, 1, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	if (moat_rows_count(rows) == 0)
		return moat_response_text(res, 404, "no such note\n");
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s|%s\n",
	    moat_rows_text(rows, 0, 1), moat_rows_text(rows, 0, 2));
	return 0;
}

/* Twenty statements, one round trip. */
static int
batch(const struct moat_request *req, struct moat_response *res)
{
	struct moat_call calls[20];
	struct moat_rows *rows[20];
	enum moat_db_status st;
	int64_t total = 0, n;
	size_t i;

	for (i = 0; i < 20; i++)
		calls[i] = (struct moat_call){ "note_count", NULL, 0 };
	if ((st = moat_db_batch(req, calls, 20, rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	for (i = 0; i < 20; i++)
		if (moat_rows_int(rows[i], 0, 0, &n))
			total += n;
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%lld\n", (long long)total);
	return 0;
}

static int
count(const struct moat_request *req, struct moat_response *res)
{
	struct moat_rows *rows;
	enum moat_db_status st;

	if ((st = moat_db_run(req, "note_count", NULL, 0, &rows)) !=
	    MOAT_DB_OK)
		return db_status(res, st, req);
	return moat_response_text(res, 200, moat_rows_text(rows, 0, 0));
}

static int
slow(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1] = { MOAT_INT(300) };
	struct moat_rows *rows;
	enum moat_db_status st;

	if ((st = moat_db_run(req, "slow", v, 1, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	return moat_response_text(res, 200, "slow done\n");
}

/* Honest API, dishonest request: the session has no user. */
static int
mine(const struct moat_request *req, struct moat_response *res)
{
	struct moat_rows *rows;
	enum moat_db_status st;

	if ((st = moat_db_run(req, "my_notes", NULL, 0, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	return moat_response_text(res, 200, "served\n");
}

/* POST /files: the raw body becomes a stored file. */
static int
file_add(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1] = { MOAT_TEXT("upload") };
	const unsigned char *data;
	struct moat_rows *rows;
	enum moat_db_status st;
	size_t len;

	if ((data = moat_request_body(req, &len)) == NULL)
		return moat_response_text(res, 400, "no body\n");
	if ((st = moat_file_store(req, "file_add", v, 1, data, len, &rows)) !=
	    MOAT_DB_OK)
		return db_status(res, st, req);
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s\n",
	    moat_rows_text(rows, 0, 0));
	return 0;
}

/* POST /secrets: label, secret and (optional) hint; sealed by the broker. */
static int
secret_add(const struct moat_request *req, struct moat_response *res)
{
	const char *label = moat_request_form(req, "label");
	const char *secret = moat_request_form(req, "secret");
	const char *hint = moat_request_form(req, "hint");
	struct moat_value v[3];
	struct moat_rows *rows;
	enum moat_db_status st;

	if (label == NULL || secret == NULL)
		return moat_response_text(res, 400, "label and secret\n");
	v[0] = MOAT_TEXT(label);
	v[1] = MOAT_TEXT(secret);
	v[2] = hint != NULL ? MOAT_TEXT(hint) : MOAT_NULL;
	if ((st = moat_db_run(req, "secret_add", v, 3, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s\n",
	    moat_rows_text(rows, 0, 0));
	return 0;
}

/* GET /secrets/{id}: "label|secret|hint", as the worker sees them. */
static int
secret_get(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_rows *rows;
	enum moat_db_status st;
	const char *hint;
	int64_t id;

	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	if ((st = moat_db_run(req, "secret_get", v, 1, &rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	if (moat_rows_count(rows) == 0)
		return moat_response_text(res, 404, "no such secret\n");
	hint = moat_rows_text(rows, 0, 2);
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s|%s|%s\n",
	    moat_rows_text(rows, 0, 0), moat_rows_text(rows, 0, 1),
	    hint != NULL ? hint : "NULL");
	return 0;
}

/*
 * GET /secrets/{id}/batch: the secret between two plain statements in
 * one pipeline, so each result must be opened as its own statement says.
 */
static int
secret_batch(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_call calls[3];
	struct moat_rows *rows[3];
	enum moat_db_status st;
	int64_t id;

	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	calls[0] = (struct moat_call){ "note_count", NULL, 0 };
	calls[1] = (struct moat_call){ "secret_get", v, 1 };
	calls[2] = (struct moat_call){ "note_count", NULL, 0 };
	if ((st = moat_db_batch(req, calls, 3, rows)) != MOAT_DB_OK)
		return db_status(res, st, req);
	if (moat_rows_count(rows[1]) == 0)
		return moat_response_text(res, 404, "no such secret\n");
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%s|%s|%s\n",
	    moat_rows_text(rows[0], 0, 0), moat_rows_text(rows[1], 0, 1),
	    moat_rows_text(rows[2], 0, 0));
	return 0;
}

/* GET /files/{id}: whatever the broker's descriptor reads. */
static int
file_get(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	enum moat_db_status st;
	char buf[4096];
	ssize_t n;
	int64_t id;
	int fd;

	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	if ((st = moat_file_open(req, "file_get", v, 1, &fd)) != MOAT_DB_OK)
		return db_status(res, st, req);
	moat_response_content_type(res, "application/octet-stream");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		moat_buf_append(moat_response_body(res), buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

static int
show_pid(const struct moat_request *req, struct moat_response *res)
{
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "%ld\n", (long)getpid());
	return 0;
}

/* --- hostile frames ------------------------------------------------------ */

static struct proto_writer	frame;

static void
stmt_frame(const char *name)
{
	proto_writer_begin(&frame, PROTO_OP_STMT, 9000);
	proto_put_text(&frame, name, strlen(name));
}

/* Build the frame for one attack; returns its raw bytes to send. */
static const unsigned char *
attack(const char *name, size_t *len)
{
	static unsigned char raw[PROTO_MAX_FRAME + 512];

	*len = 0;
	if (strcmp(name, "sql") == 0)
		stmt_frame("DELETE FROM it_notes");
	else if (strcmp(name, "unknown-op") == 0)
		proto_writer_begin(&frame, 77, 9000);
	else if (strcmp(name, "unknown-stmt") == 0)
		stmt_frame("note_delete_all");
	else if (strcmp(name, "wrong-type") == 0) {
		stmt_frame("note_get");
		proto_put_text(&frame, "1", 1);
	} else if (strcmp(name, "extra-param") == 0) {
		/* An owner id the worker has no business choosing. */
		stmt_frame("note_get");
		proto_put_i64(&frame, 1);
		proto_put_i64(&frame, 42);
	} else if (strcmp(name, "too-long") == 0) {
		stmt_frame("note_add");
		memset(raw, 'x', 300);
		proto_put_text(&frame, (const char *)raw, 300);
		proto_put_text(&frame, "b", 1);
	} else if (strcmp(name, "out-of-state") == 0) {
		proto_writer_begin(&frame, PROTO_OP_HELLO, 9000);
		proto_put_i64(&frame, 1);
	} else if (strcmp(name, "oversized") == 0) {
		memset(raw, 0, sizeof(raw));
		*len = sizeof(raw);
		return raw;
	} else if (strcmp(name, "truncated") == 0) {
		proto_writer_begin(&frame, PROTO_OP_PING, 9000);
		proto_writer_finish(&frame);
		raw[0] = 0, raw[1] = 0, raw[2] = 0, raw[3] = 100;
		memcpy(raw + 4, frame.buf + 4, 8);
		*len = 20;
		return raw;
	} else if (strcmp(name, "trailing") == 0) {
		proto_writer_begin(&frame, PROTO_OP_PING, 9000);
		proto_writer_finish(&frame);
		memcpy(raw, frame.buf, frame.len);
		memcpy(raw + frame.len, "GARBAGE", 7);
		*len = frame.len + 7;
		return raw;
	} else if (strcmp(name, "open-non-file") == 0) {
		proto_writer_begin(&frame, PROTO_OP_FILE_OPEN, 9000);
		proto_put_text(&frame, "note_get", 8);
		proto_put_i64(&frame, 1);
	} else if (strcmp(name, "store-no-content") == 0) {
		proto_writer_begin(&frame, PROTO_OP_FILE_STORE, 9000);
		proto_put_text(&frame, "file_add", 8);
		proto_put_text(&frame, "t", 1);
	} else if (strcmp(name, "store-in-batch") == 0) {
		proto_writer_begin(&frame, PROTO_OP_BATCH, 9000);
		proto_put_i64(&frame, 1);
		proto_put_text(&frame, "file_add", 8);
		proto_put_text(&frame, "t", 1);
	} else if (strcmp(name, "stmt-opens-file") == 0) {
		/* Column 1 is the broker's stored name: not for workers. */
		stmt_frame("file_get");
		proto_put_i64(&frame, 1);
	} else if (strcmp(name, "open-in-batch") == 0) {
		proto_writer_begin(&frame, PROTO_OP_BATCH, 9000);
		proto_put_i64(&frame, 2);
		proto_put_text(&frame, "note_count", 10);
		proto_put_text(&frame, "file_get", 8);
		proto_put_i64(&frame, 1);
	} else if (strcmp(name, "fd-with-ping") == 0) {
		/* Sent by hostile() itself, with a descriptor attached. */
		proto_writer_begin(&frame, PROTO_OP_PING, 9000);
	} else
		return NULL;
	if (proto_writer_finish(&frame) != 0)
		return NULL;
	*len = frame.len;
	return frame.buf;
}

/* The broker must close the channel; say what we saw if we live. */
static int
hostile(const struct moat_request *req, struct moat_response *res)
{
	const unsigned char *msg;
	unsigned char reply[512];
	size_t len;
	ssize_t n;
	int i;

	/* Announce a request so that statements are in state. */
	proto_writer_begin(&frame, PROTO_OP_REQUEST_BEGIN, 0);
	proto_writer_finish(&frame);
	send(CHANNEL_FD, frame.buf, frame.len, 0);
	if (strcmp(moat_request_route_param(req, "attack"), "flood") == 0) {
		struct pollfd p = { .fd = CHANNEL_FD, .events = POLLOUT };

		/* Keep sending, never read: the broker must give up on us,
		 * not block on the replies we leave unread. */
		proto_writer_begin(&frame, PROTO_OP_PING, 1);
		proto_writer_finish(&frame);
		for (i = 0; i < 1000000; i++) {
			if (send(CHANNEL_FD, frame.buf, frame.len,
			    MSG_DONTWAIT) >= 0)
				continue;
			if (errno != EAGAIN || poll(&p, 1, 3000) != 1 ||
			    (p.revents & (POLLERR | POLLHUP)))
				break;
		}
		return moat_response_text(res, 200, "flood sent\n");
	}
	if ((msg = attack(moat_request_route_param(req, "attack"), &len)) ==
	    NULL)
		return moat_response_text(res, 404, "no such attack\n");
	if (strcmp(moat_request_route_param(req, "attack"), "fd-with-ping") ==
	    0)
		proto_send(CHANNEL_FD, &frame, STDIN_FILENO);
	else
		send(CHANNEL_FD, msg, len, 0);
	n = recv(CHANNEL_FD, reply, sizeof(reply), 0);
	if (n <= 0)
		return moat_response_text(res, 200, "channel closed\n");
	/* Whatever leaked, printable, for the test to look for. */
	for (i = 0; i < n; i++)
		if (reply[i] < 0x20 || reply[i] > 0x7e)
			reply[i] = '.';
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(moat_response_body(res), "broker answered: %.*s\n",
	    (int)n, (const char *)reply);
	return 0;
}

static const struct moat_route routes[] = {
	{ .method = "POST", .pattern = "/notes", .handler = note_add },
	{ .method = "GET", .pattern = "/notes/{id:int}", .handler = note_get },
	{ .method = "GET", .pattern = "/count", .handler = count },
	{ .method = "GET", .pattern = "/batch", .handler = batch },
	{ .method = "GET", .pattern = "/slow", .handler = slow },
	{ .method = "GET", .pattern = "/mine", .handler = mine },
	{ .method = "GET", .pattern = "/pid", .handler = show_pid },
	{ .method = "POST", .pattern = "/files", .handler = file_add },
	{ .method = "GET", .pattern = "/files/{id:int}", .handler = file_get },
	{ .method = "POST", .pattern = "/secrets", .handler = secret_add },
	{ .method = "GET", .pattern = "/secrets/{id:int}", .handler = secret_get },
	{ .method = "GET", .pattern = "/secrets/{id:int}/batch",
	    .handler = secret_batch },
	{ .method = "POST", .pattern = "/hostile/{attack:slug}", .handler = hostile },
};

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "moat-broker-test",
		.routes = routes,
		.nroutes = MOAT_NELEM(routes),
	};

	return moat_main(&app, argc, argv);
}
