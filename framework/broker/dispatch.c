/*
 * dispatch.c - the broker's table of allowed operations (see dispatch.h).
 *
 * Every handler decodes its frame completely and checks it against the
 * catalogue before anything reaches the database: statement names must
 * exist, parameter counts and types must match the entry, lengths must
 * be within their maximum, and parameters that identify the user are
 * filled from the channel, never taken from the frame.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <moat/nelem.h>

#include "broker/dispatch.h"

#define S(state)	(1u << (state))

int
channel_violation(struct channel *ch, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->reason, sizeof(ch->reason), fmt, ap);
	va_end(ap);
	return -1;
}

const char *
channel_state_name(enum channel_state s)
{
	static const char *const names[] = { "new", "idle", "request", "db",
	    "hash" };

	return (unsigned)s < MOAT_NELEM(names) ? names[s] : "?";
}

static int
op_hello(struct dispatch_ctx *ctx, struct channel *ch, struct proto_reader *r)
{
	int64_t version;

	if (proto_get_i64(r, &version) != 0 || proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed HELLO");
	if (version != PROTO_VERSION)
		return channel_violation(ch, "protocol version %lld, want %d",
		    (long long)version, PROTO_VERSION);
	ch->state = CH_IDLE;
	proto_writer_begin(ctx->reply, PROTO_OP_R_OK, r->hdr.seq);
	ctx->has_reply = true;
	return 0;
}

/*
 * REQUEST_BEGIN, or a frame with PROTO_FLAG_BEGIN on an op whose row in
 * op_rules says OP_BEGINS, starts a request.  From idle that is all it
 * does.  Inside a request it also ends the previous one, which the worker
 * may leave open when it held nothing to forget: no session, no user, no
 * session operation under way.  A request that held any of those must
 * end with REQUEST_END, so a worker can never carry one request's
 * identity into the next.
 */
static int
begin_request(struct channel *ch, uint16_t op)
{
	if (ch->state != CH_IDLE &&
	    (ch->state != CH_REQUEST || auth_request_holds_state(ch)))
		return channel_violation(ch, "op %u begins a request in state "
		    "%s%s", op, channel_state_name(ch->state),
		    ch->state == CH_REQUEST ? " holding a session" : "");
	ch->state = CH_REQUEST;
	return 0;
}

/* One-way: the worker does not wait for an answer. */
static int
op_request_begin(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed REQUEST_BEGIN");
	return begin_request(ch, r->hdr.op);
}

static int
op_request_end(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed REQUEST_END");
	auth_request_end(ch);
	ch->state = CH_IDLE;
	return 0;
}

static int
op_ping(struct dispatch_ctx *ctx, struct channel *ch, struct proto_reader *r)
{
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed PING");
	proto_writer_begin(ctx->reply, PROTO_OP_R_PONG, r->hdr.seq);
	ctx->has_reply = true;
	return 0;
}

static const char *
text_copy(struct channel *ch, const char *s, size_t len)
{
	char *p;

	if (len + 1 > sizeof(ch->text) - ch->text_used)
		return NULL;
	p = ch->text + ch->text_used;
	memcpy(p, s, len);
	p[len] = '\0';
	ch->text_used += len + 1;
	return p;
}

/* Read one worker-supplied value of the declared type. */
static int
read_value(struct channel *ch, struct proto_reader *r,
    const struct stmt *s, const struct stmt_param *sp, struct db_value *v)
{
	const unsigned char *bytes;
	const char *text;

	if (proto_peek_type(r) == PROTO_T_NULL) {
		v->is_null = true;
		return proto_get_null(r);
	}
	switch (sp->type) {
	case PARAM_INT:
		return proto_get_i64(r, &v->i);
	case PARAM_BOOL:
		return proto_get_bool(r, &v->b);
	case PARAM_TEXT:
		if (proto_get_text(r, &text, &v->len) != 0 || v->len > sp->max)
			return -1;
		return (v->p = text_copy(ch, text, v->len)) == NULL ? -1 : 0;
	case PARAM_BYTES:
		if (proto_get_bytes(r, &bytes, &v->len) != 0 ||
		    v->len > sp->max)
			return -1;
		v->p = (const char *)bytes;
		return 0;
	}
	return -1;
}

static bool
role_allows(const struct channel *ch, enum stmt_role need)
{
	switch (need) {
	case ROLE_ANONYMOUS:
		return true;
	case ROLE_USER:
		return ch->user_id != 0;
	case ROLE_ADMIN:
		return ch->user_id != 0 && ch->role == ROLE_ADMIN;
	}
	return false;
}

/* Decode "name, values..." into call; fill session parameters. */
static int
read_call(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r, struct db_call *call)
{
	const struct stmt *s;
	const char *name;
	size_t len, i;

	memset(call, 0, sizeof(*call));
	if (proto_get_text(r, &name, &len) != 0)
		return channel_violation(ch, "malformed statement call");
	if ((s = catalogue_find(ctx->cat, name, len)) == NULL)
		return channel_violation(ch, "unknown statement \"%.*s\"",
		    (int)(len > 64 ? 64 : len), name);
	if (!role_allows(ch, s->role))
		return channel_violation(ch, "statement %s needs a signed-in %s",
		    s->name, s->role == ROLE_ADMIN ? "admin" : "user");
	call->stmt = s;
	for (i = 0; i < s->nparams; i++) {
		if (s->params[i].source == SOURCE_SESSION_USER) {
			call->values[i].i = ch->user_id;
			continue;
		}
		if (s->params[i].source == SOURCE_FILE_NAME) {
			/* Filled in once the broker has stored the file. */
			call->values[i].p = ch->file_name;
			call->values[i].len = sizeof(ch->file_name) - 1;
			continue;
		}
		if (read_value(ch, r, s, &s->params[i], &call->values[i]) != 0)
			return channel_violation(ch, "statement %s: parameter %s "
			    "missing, of the wrong type or too long", s->name,
			    s->params[i].name);
	}
	return 0;
}

/* One statement call, the whole frame; file statements only via op. */
static int
read_single(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r, enum file_op op)
{
	const struct stmt *s;

	ch->text_used = 0;
	if (read_call(ctx, ch, r, &ch->calls[0]) != 0)
		return -1;
	s = ch->calls[0].stmt;
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "statement %s: extra parameters",
		    s->name);
	if (s->stores_file != (op == FILE_OP_STORE))
		return channel_violation(ch, "statement %s %s a file", s->name,
		    s->stores_file ? "needs" : "stores no");
	/* Column 1 of an "opens file" statement is the broker's stored
	 * name: only FILE_OPEN, which keeps it, may run one. */
	if (s->opens_file != (op == FILE_OP_OPEN))
		return channel_violation(ch, "statement %s %s", s->name,
		    s->opens_file ? "opens a file: only with FILE_OPEN" :
		    "does not open files");
	ch->ncalls = 1;
	ch->db_seq = r->hdr.seq;
	ch->file_op = op;
	ch->state = CH_DB;
	return 0;
}

static int
op_stmt(struct dispatch_ctx *ctx, struct channel *ch, struct proto_reader *r)
{
	return read_single(ctx, ch, r, FILE_OP_NONE);
}

static int
op_batch(struct dispatch_ctx *ctx, struct channel *ch, struct proto_reader *r)
{
	int64_t n, i;

	ch->text_used = 0;
	if (proto_get_i64(r, &n) != 0 || n < 1 || n > DB_MAX_BATCH)
		return channel_violation(ch, "batch size must be 1..%d", DB_MAX_BATCH);
	for (i = 0; i < n; i++) {
		if (read_call(ctx, ch, r, &ch->calls[i]) != 0)
			return -1;
		if (ch->calls[i].stmt->stores_file)
			return channel_violation(ch, "statement %s stores a file: not "
			    "in a batch", ch->calls[i].stmt->name);
		if (ch->calls[i].stmt->opens_file)
			return channel_violation(ch, "statement %s opens a file: not "
			    "in a batch", ch->calls[i].stmt->name);
	}
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "batch: trailing bytes");
	ch->file_op = FILE_OP_NONE;
	ch->ncalls = (size_t)n;
	ch->db_seq = r->hdr.seq;
	ch->state = CH_DB;
	return 0;
}

/* A statement that records a stored file; its content came as an fd. */
static int
op_file_store(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	if (ctx->fd < 0)
		return channel_violation(ch, "FILE_STORE without content");
	if (read_single(ctx, ch, r, FILE_OP_STORE) != 0)
		return -1;
	ch->file_in = ctx->fd;
	ctx->fd = -1;
	return 0;
}

/* A statement whose first cell names the file the user may read. */
static int
op_file_open(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	return read_single(ctx, ch, r, FILE_OP_OPEN);
}

/* What a row of op_rules lets its op do besides run in its states. */
#define OP_BEGINS	0x1	/* may carry PROTO_FLAG_BEGIN */

/*
 * One row states everything an op may do: the states it is allowed in,
 * whether its frame may also begin a request, and its handler.
 */
static const struct op_rule {
	uint16_t	 op;
	unsigned int	 states;
	unsigned int	 flags;
	int		(*handle)(struct dispatch_ctx *, struct channel *,
			    struct proto_reader *);
} op_rules[] = {
	{ PROTO_OP_HELLO,	  S(CH_NEW),	 0,	    op_hello },
	{ PROTO_OP_REQUEST_BEGIN, S(CH_IDLE) | S(CH_REQUEST), 0,
	    op_request_begin },
	{ PROTO_OP_REQUEST_END,	  S(CH_REQUEST), 0,	    op_request_end },
	{ PROTO_OP_STMT,	  S(CH_REQUEST), OP_BEGINS, op_stmt },
	{ PROTO_OP_BATCH,	  S(CH_REQUEST), OP_BEGINS, op_batch },
	{ PROTO_OP_FILE_STORE,	  S(CH_REQUEST), OP_BEGINS, op_file_store },
	{ PROTO_OP_FILE_OPEN,	  S(CH_REQUEST), OP_BEGINS, op_file_open },
	{ PROTO_OP_PING,	  S(CH_IDLE) | S(CH_REQUEST), 0, op_ping },
	{ PROTO_OP_SESSION_LOAD,  S(CH_REQUEST), OP_BEGINS,
	    auth_op_session_load },
	{ PROTO_OP_SESSION_START, S(CH_REQUEST), OP_BEGINS,
	    auth_op_session_start },
	{ PROTO_OP_LOGIN,	  S(CH_REQUEST), OP_BEGINS, auth_op_login },
	{ PROTO_OP_REGISTER,	  S(CH_REQUEST), OP_BEGINS, auth_op_register },
	{ PROTO_OP_LOGOUT,	  S(CH_REQUEST), OP_BEGINS, auth_op_logout },
	{ PROTO_OP_PASSWORD_CHANGE, S(CH_REQUEST), OP_BEGINS,
	    auth_op_password_change },
	{ PROTO_OP_ACCOUNT_LOCK,  S(CH_REQUEST), OP_BEGINS,
	    auth_op_account_lock },
};

static const struct op_rule *
op_rule_find(uint16_t op)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(op_rules); i++)
		if (op_rules[i].op == op)
			return &op_rules[i];
	return NULL;
}

int
dispatch_frame(struct dispatch_ctx *ctx, struct channel *ch,
    const unsigned char *msg, size_t len)
{
	const struct op_rule *rule;
	struct proto_reader r;

	ctx->has_reply = false;
	if (proto_reader_init(&r, msg, len) != 0)
		return channel_violation(ch, "malformed frame (%zu bytes)", len);
	if ((rule = op_rule_find(r.hdr.op)) == NULL)
		return channel_violation(ch, "unknown op %u", r.hdr.op);
	if (r.hdr.flags & PROTO_FLAG_BEGIN) {
		if (!(rule->flags & OP_BEGINS))
			return channel_violation(ch, "begin flag on op %u",
			    r.hdr.op);
		if (begin_request(ch, r.hdr.op) != 0)
			return -1;
	}
	if (!(rule->states & S(ch->state)))
		return channel_violation(ch, "op %u not allowed in state %s",
		    r.hdr.op, channel_state_name(ch->state));
	if (ctx->fd >= 0 && r.hdr.op != PROTO_OP_FILE_STORE)
		return channel_violation(ch, "a descriptor came with op %u",
		    r.hdr.op);
	return rule->handle(ctx, ch, &r);
}
