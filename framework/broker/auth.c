/*
 * auth.c - session and account operations as steps (see auth.h).
 *
 * Every operation is a small state machine on the channel: a handler
 * decodes the frame and starts the first step; auth_db_done() and
 * auth_hash_done() take each finished step to the next, until one of
 * them answers with R_AUTH.  Steps that change several rows send them in
 * one pipeline, which PostgreSQL runs as one transaction.
 *
 * Throttling (the policy the README documents).  Each failed log-in or
 * password check counts against three keys, kept in moat_throttle:
 *
 *   u:NAME           the account, from anywhere
 *   un:NAME|NETWORK  the account, from the client's /24 or /64
 *   n:NETWORK        any account, from the client's /24 or /64
 *
 * Within a window of an hour, each key has some free failures; every
 * failure after those blocks the key for 1, 2, 4, ... seconds up to its
 * cap.  A blocked key refuses attempts before any password is checked, so
 * guessing is slowed to one try per cap.  An attempt is counted as a
 * failure when it is allowed, before its password is hashed, in the same
 * locked step that allows it (moat_throttle_attempt): concurrent attempts
 * cannot all pass a check that none of them has counted yet.  A right
 * password, or one never checked (no hashing slot), takes the count back.
 *
 * The account key (u:) is the only one an attacker on another network can
 * push up, so it is not applied on networks where the account signed in
 * within 30 days (ok:NAME|NETWORK, written on success): the real user is
 * never slowed down where they usually are, and elsewhere by at most the
 * account key's cap of a minute.  No number of failures locks an
 * account; only an admin can.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <moat/log.h>

#include "broker/auth.h"
#include "broker/auth_sql.h"
#include "broker/dispatch.h"
#include "broker/passwd.h"

enum auth_step {
	STEP_LOAD = 1,		/* session_load */
	STEP_LOAD_END,		/* a session that failed its binding */
	STEP_TOUCH,		/* a loaded session's last_seen refreshed */
	STEP_LOOKUP,		/* throttle_attempt + the account */
	STEP_VERIFY,		/* scrypt of the password given */
	STEP_VERIFIED,		/* a password change takes its attempt back */
	STEP_REFUSED,		/* no hashing slot: the attempt is taken back */
	STEP_SESSION,		/* a new session is written */
	STEP_REGISTER_LOOKUP,	/* is the name free? */
	STEP_NEW_HASH,		/* scrypt of a new password */
	STEP_REGISTER_INSERT,	/* the account row */
	STEP_LOGOUT,
	STEP_LOCK,
};

enum cookie_action {
	COOKIE_KEEP,
	COOKIE_SET,		/* the flow's new token */
	COOKIE_CLEAR,
};

static const struct throttle_rule {
	const char	*what;
	int		 free;		/* failures per window before delays */
	int		 cap;		/* longest delay, seconds */
} throttle_rules[3] = {
	{ "account", 10, 60 },
	{ "account from network", 5, 900 },
	{ "network", 30, 900 },
};
#define THROTTLE_WINDOW	3600

static int	auth_busy(struct dispatch_ctx *, struct channel *);

/* --- building statements --------------------------------------------- */

static struct db_call *
call_add(struct channel *ch, enum auth_stmt which)
{
	struct db_call *c = &ch->calls[ch->ncalls++];

	memset(c, 0, sizeof(*c));
	c->stmt = auth_sql(which);
	return c;
}

static void
val_int(struct db_call *c, size_t i, int64_t v)
{
	c->values[i].i = v;
}

static void
val_text(struct db_call *c, size_t i, const char *s)
{
	c->values[i].p = s;
	c->values[i].len = strlen(s);
}

static void
val_bytes(struct db_call *c, size_t i, const unsigned char *p, size_t len)
{
	c->values[i].p = (const char *)p;
	c->values[i].len = len;
}

static int
go_db(struct channel *ch, enum auth_step step)
{
	ch->auth.step = step;
	ch->db_seq = ch->auth.seq;
	ch->file_op = FILE_OP_NONE;
	ch->state = CH_DB;
	return 0;
}

static int
go_hash(struct channel *ch, enum auth_step step)
{
	ch->auth.step = step;
	ch->state = CH_HASH;
	return 0;
}

/* --- answering ---------------------------------------------------------- */

static void
flow_wipe(struct channel *ch)
{
	sodium_memzero(&ch->auth, sizeof(ch->auth));
}

static int
reply(struct dispatch_ctx *ctx, struct channel *ch, enum moat_auth outcome,
    int64_t retry_after, enum cookie_action cookie)
{
	struct proto_writer *w = ctx->reply;
	char csrf[AUTH_TOKEN_LEN + 1];

	proto_writer_begin(w, PROTO_OP_R_AUTH, ch->auth.seq);
	proto_put_i64(w, outcome);
	proto_put_i64(w, retry_after);
	proto_put_i64(w, ch->user_id);
	proto_put_bool(w, ch->role == ROLE_ADMIN);
	if (ch->has_session) {
		auth_csrf_token(ctx->auth, ch->session_hash, csrf);
		proto_put_text(w, csrf, AUTH_TOKEN_LEN);
	} else
		proto_put_null(w);
	if (cookie == COOKIE_SET)
		proto_put_text(w, ch->auth.token, AUTH_TOKEN_LEN);
	else if (cookie == COOKIE_CLEAR)
		proto_put_text(w, "", 0);
	else
		proto_put_null(w);
	ctx->has_reply = true;
	ch->state = CH_REQUEST;
	flow_wipe(ch);
	return 0;
}

/* Something the operation needs is broken: say what, answer "down". */
int
auth_down(struct dispatch_ctx *ctx, struct channel *ch, const char *why)
{
	moat_log_error("broker: worker %ld: session operation %u failed at "
	    "step %d: %s", (long)ch->worker_pid, ch->auth.op, ch->auth.step,
	    why);
	return reply(ctx, ch, MOAT_AUTH_DOWN, 0, COOKIE_KEEP);
}

static void
session_forget(struct channel *ch)
{
	ch->has_session = false;
	ch->user_id = 0;
	ch->role = ROLE_ANONYMOUS;
	sodium_memzero(ch->session_hash, sizeof(ch->session_hash));
}

/* --- reading results ---------------------------------------------------- */

#define RESULT_COLS	5

struct result {
	int64_t		 nrows;
	const char	*cell[RESULT_COLS];	/* first row; NULL: SQL NULL */
	size_t		 len[RESULT_COLS];
};

/* The next result set of an R_ROWS frame; only its first row is kept. */
static int
result_next(struct proto_reader *r, struct result *res)
{
	int64_t ncols, row, col;
	const char *t;
	size_t len;

	memset(res, 0, sizeof(*res));
	if (proto_get_i64(r, &ncols) != 0 || proto_get_i64(r, &res->nrows) !=
	    0 || ncols < 0 || res->nrows < 0)
		return -1;
	for (col = 0; col < ncols; col++)
		if (proto_get_text(r, &t, &len) != 0)
			return -1;
	for (row = 0; row < res->nrows; row++)
		for (col = 0; col < ncols; col++) {
			if (proto_peek_type(r) == PROTO_T_NULL) {
				if (proto_get_null(r) != 0)
					return -1;
				continue;
			}
			if (proto_get_text(r, &t, &len) != 0)
				return -1;
			if (row == 0 && col < RESULT_COLS) {
				res->cell[col] = t;
				res->len[col] = len;
			}
		}
	return 0;
}

static int64_t
cell_int(const struct result *res, size_t col)
{
	char buf[24];

	if (res->cell[col] == NULL || res->len[col] >= sizeof(buf))
		return 0;
	memcpy(buf, res->cell[col], res->len[col]);
	buf[res->len[col]] = '\0';
	return strtoll(buf, NULL, 10);
}

static bool
cell_is(const struct result *res, size_t col, const char *s)
{
	return res->cell[col] != NULL && res->len[col] == strlen(s) &&
	    memcmp(res->cell[col], s, res->len[col]) == 0;
}

/* --- checks on what the worker sent -------------------------------------- */

static bool
name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > MOAT_USERNAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* Proto text is valid UTF-8 without NUL already; only the size is left. */
static bool
password_valid(size_t len)
{
	return len >= MOAT_PASSWORD_MIN && len <= MOAT_PASSWORD_MAX;
}

static void
copy_text(char *dst, const char *s, size_t len)
{
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* The User-Agent is any bytes the client sent, so it travels as bytes. */
static int
get_agent(struct proto_reader *r, const char **agent, size_t *len)
{
	const unsigned char *p;

	if (proto_get_bytes(r, &p, len) != 0)
		return -1;
	*agent = (const char *)p;
	return 0;
}

/* Start a flow: what every op shares. */
static void
flow_start(struct channel *ch, const struct proto_reader *r)
{
	flow_wipe(ch);
	ch->auth.op = r->hdr.op;
	ch->auth.seq = r->hdr.seq;
	ch->ncalls = 0;
}

static void
flow_client(const struct dispatch_ctx *ctx, struct channel *ch,
    const char *agent, size_t alen, const char *addr, size_t dlen)
{
	auth_agent_hash(ctx->auth, agent, alen, ch->auth.agent_hash);
	auth_network(addr, dlen, ch->auth.network, sizeof(ch->auth.network));
}

static void
flow_name(struct channel *ch, const char *name, size_t len)
{
	size_t i;

	copy_text(ch->auth.name, name, len);
	for (i = 0; i <= len; i++)	/* with the NUL copy_text put */
		ch->auth.name_key[i] = (char)tolower((unsigned char)
		    ch->auth.name[i]);
}

/* --- the steps ------------------------------------------------------------ */

static void
add_session_create(const struct dispatch_ctx *ctx, struct channel *ch,
    int64_t user_id)
{
	const struct moat_config *cfg = ctx->auth->cfg;
	struct db_call *c;

	if (ch->has_session)
		val_bytes(call_add(ch, AS_SESSION_DELETE), 0, ch->session_hash,
		    AUTH_HASH_BYTES);
	c = call_add(ch, AS_SESSION_CREATE);
	val_bytes(c, 0, ch->auth.token_hash, AUTH_HASH_BYTES);
	if (user_id != 0)
		val_int(c, 1, user_id);
	else
		c->values[1].is_null = true;
	if (cfg->session_bind_agent)
		val_bytes(c, 2, ch->auth.agent_hash, AUTH_HASH_BYTES);
	else
		c->values[2].is_null = true;
	if (cfg->session_bind_network)
		val_text(c, 3, ch->auth.network);
	else
		c->values[3].is_null = true;
	val_int(c, 4, cfg->session_idle_timeout);
	val_int(c, 5, cfg->session_absolute_timeout);
}

/* A new session (and token) for user_id, replacing the current one. */
static int
start_session(struct dispatch_ctx *ctx, struct channel *ch, int64_t user_id)
{
	if (auth_token_new(ctx->auth, ch->auth.token, ch->auth.token_hash)
	    != 0)
		return auth_down(ctx, ch, "cannot make a token");
	ch->auth.user_id = user_id;
	add_session_create(ctx, ch, user_id);
	return go_db(ch, STEP_SESSION);
}

static void
throttle_keys(struct channel *ch, const char *who)
{
	struct auth_flow *f = &ch->auth;

	snprintf(f->keys[0], sizeof(f->keys[0]), "u:%s", who);
	snprintf(f->keys[1], sizeof(f->keys[1]), "un:%s|%s", who, f->network);
	snprintf(f->keys[2], sizeof(f->keys[2]), "n:%s", f->network);
	snprintf(f->keys[3], sizeof(f->keys[3]), "ok:%s|%s", who, f->network);
}

/* Is an attempt allowed (it is then counted), and whose password is it? */
static int
start_lookup(struct channel *ch, enum auth_stmt account)
{
	struct db_call *c = call_add(ch, AS_THROTTLE_ATTEMPT);
	size_t i;

	for (i = 0; i < 4; i++)
		val_text(c, i, ch->auth.keys[i]);
	for (i = 0; i < 3; i++) {
		val_int(c, 4 + i, throttle_rules[i].free);
		val_int(c, 7 + i, throttle_rules[i].cap);
	}
	val_int(c, 10, THROTTLE_WINDOW);
	c = call_add(ch, account);
	if (account == AS_USER_BY_NAME)
		val_text(c, 0, ch->auth.name);
	else
		val_int(c, 0, ch->user_id);
	return go_db(ch, STEP_LOOKUP);
}

/* Take back the failure the attempt counted, for keys from..2. */
static void
add_release(struct channel *ch, size_t from)
{
	struct db_call *c;
	size_t i;

	for (i = from; i < 3; i++) {
		c = call_add(ch, AS_THROTTLE_RELEASE);
		val_text(c, 0, ch->auth.keys[i]);
		val_int(c, 1, throttle_rules[i].free);
	}
}

static int
lookup_done(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	struct auth_flow *f = &ch->auth;
	struct result wait, acct;
	int64_t secs;

	if (result_next(r, &wait) != 0 || result_next(r, &acct) != 0)
		return auth_down(ctx, ch, "unexpected result rows");
	if ((secs = cell_int(&wait, 0)) > 0) {
		moat_log_info("broker: worker %ld: %s attempt throttled for "
		    "%llds", (long)ch->worker_pid, f->op == PROTO_OP_LOGIN ?
		    "log-in" : "password", (long long)secs);
		return reply(ctx, ch, MOAT_AUTH_THROTTLED, secs, COOKIE_KEEP);
	}
	/* A stored hash too long to be ours is checked as no account's:
	 * the dummy's work and answer, and a line for the operator. */
	if (acct.nrows == 1 && acct.cell[1] != NULL &&
	    acct.len[1] >= PASSWD_STORED_MAX)
		moat_log_warn("broker: account %lld has a malformed password "
		    "hash; it cannot sign in", (long long)cell_int(&acct, 0));
	if (acct.nrows == 1 && acct.cell[1] != NULL &&
	    acct.len[1] < PASSWD_STORED_MAX) {
		f->found = true;
		f->user_id = cell_int(&acct, 0);
		copy_text(f->stored, acct.cell[1], acct.len[1]);
		f->admin = cell_is(&acct, 2, "t");
		f->locked = cell_is(&acct, 3, "t");
	}
	/* Unknown names are checked against a dummy hash: the same work. */
	return go_hash(ch, STEP_VERIFY);
}

static int
verify_done(struct dispatch_ctx *ctx, struct channel *ch, bool match)
{
	struct auth_flow *f = &ch->auth;
	size_t i;

	/* The failure is counted already. */
	if (!match || !f->found || f->locked)
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	ch->ncalls = 0;
	if (f->op == PROTO_OP_PASSWORD_CHANGE) {
		add_release(ch, 0);
		return go_db(ch, STEP_VERIFIED);
	}
	/* As before attempts were counted first: the account keys start
	 * afresh, the network's count is as if this one never came. */
	for (i = 0; i < 2; i++)
		val_text(call_add(ch, AS_THROTTLE_CLEAR), 0, f->keys[i]);
	add_release(ch, 2);
	val_text(call_add(ch, AS_THROTTLE_TRUST), 0, f->keys[3]);
	call_add(ch, AS_THROTTLE_PURGE);
	return start_session(ctx, ch, f->user_id);
}

static int
session_loaded(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	struct auth_flow *f = &ch->auth;
	struct result res;
	char hex[2 * AUTH_HASH_BYTES + 1];
	bool agent_ok, net_ok;

	if (result_next(r, &res) != 0)
		return auth_down(ctx, ch, "unexpected result rows");
	if (res.nrows == 0)	/* unknown, expired or locked */
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_CLEAR);
	sodium_bin2hex(hex, sizeof(hex), f->agent_hash, AUTH_HASH_BYTES);
	agent_ok = res.cell[2] == NULL || cell_is(&res, 2, hex);
	net_ok = res.cell[3] == NULL || cell_is(&res, 3, f->network);
	if (!agent_ok || !net_ok) {
		moat_log_info("broker: worker %ld: session ended: its %s "
		    "changed", (long)ch->worker_pid, agent_ok ? "network" :
		    "User-Agent");
		ch->ncalls = 0;
		val_bytes(call_add(ch, AS_SESSION_DELETE), 0, f->token_hash,
		    AUTH_HASH_BYTES);
		return go_db(ch, STEP_LOAD_END);
	}
	ch->has_session = true;
	memcpy(ch->session_hash, f->token_hash, AUTH_HASH_BYTES);
	ch->user_id = cell_int(&res, 0);
	ch->role = cell_is(&res, 1, "t") ? ROLE_ADMIN : ch->user_id != 0 ?
	    ROLE_USER : ROLE_ANONYMOUS;
	if (cell_is(&res, 4, "t")) {
		ch->ncalls = 0;
		val_bytes(call_add(ch, AS_SESSION_TOUCH), 0, f->token_hash,
		    AUTH_HASH_BYTES);
		return go_db(ch, STEP_TOUCH);
	}
	return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_KEEP);
}

static int
session_written(struct dispatch_ctx *ctx, struct channel *ch)
{
	struct auth_flow *f = &ch->auth;

	ch->has_session = true;
	memcpy(ch->session_hash, f->token_hash, AUTH_HASH_BYTES);
	ch->user_id = f->user_id;
	ch->role = f->admin ? ROLE_ADMIN : f->user_id != 0 ? ROLE_USER :
	    ROLE_ANONYMOUS;
	return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_SET);
}

static int
register_step(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	struct result res;

	if (result_next(r, &res) != 0)
		return auth_down(ctx, ch, "unexpected result rows");
	if (res.nrows != 0 && ch->auth.step == STEP_REGISTER_LOOKUP)
		return reply(ctx, ch, MOAT_AUTH_TAKEN, 0, COOKIE_KEEP);
	if (ch->auth.step == STEP_REGISTER_LOOKUP) {
		memcpy(ch->auth.new_password, ch->auth.password,
		    sizeof(ch->auth.password));
		return go_hash(ch, STEP_NEW_HASH);
	}
	if (res.nrows == 0)	/* lost a race for the name */
		return reply(ctx, ch, MOAT_AUTH_TAKEN, 0, COOKIE_KEEP);
	ch->ncalls = 0;
	ch->auth.admin = false;
	/* The network it registered from is one the account uses. */
	val_text(call_add(ch, AS_THROTTLE_TRUST), 0, ch->auth.keys[3]);
	return start_session(ctx, ch, cell_int(&res, 0));
}

static int
lock_done(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	struct result res;

	if (result_next(r, &res) != 0 || res.nrows != 1)
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	moat_log_info("broker: worker %ld: admin %lld %s account %lld",
	    (long)ch->worker_pid, (long long)ch->user_id, ch->auth.lock ?
	    "locked" : "unlocked", (long long)ch->auth.target);
	return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_KEEP);
}

int
auth_db_done(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_writer *rows, bool failed)
{
	struct proto_reader r;
	char why[64];

	if (failed || proto_writer_finish(rows) != 0 ||
	    proto_reader_init(&r, rows->buf, rows->len) != 0) {
		snprintf(why, sizeof(why), "database error, SQLSTATE %s",
		    failed ? ch->db.sqlstate : "(none: result too large)");
		return auth_down(ctx, ch, why);
	}
	ch->ncalls = 0;
	switch (ch->auth.step) {
	case STEP_LOAD:
		return session_loaded(ctx, ch, &r);
	case STEP_TOUCH:
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_KEEP);
	case STEP_LOAD_END:
	case STEP_LOGOUT:
		session_forget(ch);
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_CLEAR);
	case STEP_LOOKUP:
		return lookup_done(ctx, ch, &r);
	case STEP_VERIFIED:
		return go_hash(ch, STEP_NEW_HASH);
	case STEP_REFUSED:
		return ch->auth.refused_busy ? auth_busy(ctx, ch) :
		    auth_down(ctx, ch, "the hashing pool refused the job");
	case STEP_SESSION:
		return session_written(ctx, ch);
	case STEP_REGISTER_LOOKUP:
	case STEP_REGISTER_INSERT:
		return register_step(ctx, ch, &r);
	case STEP_LOCK:
		return lock_done(ctx, ch, &r);
	}
	return channel_violation(ch, "session operation in no known step");
}

/* A new password is hashed: store it, end every other session. */
static int
new_hash_done(struct dispatch_ctx *ctx, struct channel *ch)
{
	struct auth_flow *f = &ch->auth;
	struct db_call *c;

	ch->ncalls = 0;
	if (f->op == PROTO_OP_REGISTER) {
		c = call_add(ch, AS_USER_INSERT);
		val_text(c, 0, f->name);
		val_text(c, 1, f->new_hash);
		return go_db(ch, STEP_REGISTER_INSERT);
	}
	c = call_add(ch, AS_USER_SET_PASSWORD);
	val_int(c, 0, f->user_id);
	val_text(c, 1, f->new_hash);
	val_int(call_add(ch, AS_SESSION_DELETE_USER), 0, f->user_id);
	return start_session(ctx, ch, f->user_id);
}

int
auth_hash_done(struct dispatch_ctx *ctx, struct channel *ch, bool match,
    const char *new_hash)
{
	if (ch->auth.step == STEP_VERIFY)
		return verify_done(ctx, ch, match);
	if (new_hash == NULL || strlen(new_hash) >= sizeof(ch->auth.new_hash))
		return auth_down(ctx, ch, "password hashing failed");
	copy_text(ch->auth.new_hash, new_hash, strlen(new_hash));
	return new_hash_done(ctx, ch);
}

void
auth_hash_job(const struct channel *ch, bool *verify, const char **password,
    const char **stored)
{
	const struct auth_flow *f = &ch->auth;

	*verify = f->step == STEP_VERIFY;
	*password = *verify ? f->password : f->new_password;
	*stored = *verify && f->found ? f->stored : NULL;
}

static int
auth_busy(struct dispatch_ctx *ctx, struct channel *ch)
{
	moat_log_warn("broker: worker %ld: every password hashing slot is "
	    "busy", (long)ch->worker_pid);
	return reply(ctx, ch, MOAT_AUTH_BUSY, 1, COOKIE_KEEP);
}

int
auth_hash_refused(struct dispatch_ctx *ctx, struct channel *ch, bool busy)
{
	if (ch->auth.step != STEP_VERIFY)
		return busy ? auth_busy(ctx, ch) : auth_down(ctx, ch,
		    "the hashing pool refused the job");
	/* No password was checked: its attempt must not count. */
	ch->auth.refused_busy = busy;
	ch->ncalls = 0;
	add_release(ch, 0);
	return go_db(ch, STEP_REFUSED);
}

void
auth_request_end(struct channel *ch)
{
	session_forget(ch);
	flow_wipe(ch);
}

bool
auth_request_holds_state(const struct channel *ch)
{
	return ch->has_session || ch->user_id != 0 ||
	    ch->role != ROLE_ANONYMOUS || ch->auth.op != 0;
}

/* --- the operations ------------------------------------------------------- */

int
auth_op_session_load(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	const struct moat_config *cfg = ctx->auth->cfg;
	const char *tok, *agent, *addr;
	size_t tlen, alen, dlen;
	unsigned int touch;
	struct db_call *c;

	if (proto_get_text(r, &tok, &tlen) != 0 ||
	    get_agent(r, &agent, &alen) != 0 ||
	    proto_get_text(r, &addr, &dlen) != 0 || proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed SESSION_LOAD");
	flow_start(ch, r);
	session_forget(ch);
	flow_client(ctx, ch, agent, alen, addr, dlen);
	if (auth_token_hash(ctx->auth, tok, tlen, ch->auth.token_hash) != 0)
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_CLEAR);
	/* Refresh last_seen at most every quarter of the idle timeout. */
	touch = cfg->session_idle_timeout / 4;
	c = call_add(ch, AS_SESSION_LOAD);
	val_bytes(c, 0, ch->auth.token_hash, AUTH_HASH_BYTES);
	val_int(c, 1, cfg->session_idle_timeout);
	val_int(c, 2, cfg->session_absolute_timeout);
	val_int(c, 3, touch > 60 ? 60 : touch);
	return go_db(ch, STEP_LOAD);
}

int
auth_op_session_start(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	const char *agent, *addr;
	size_t alen, dlen;

	if (get_agent(r, &agent, &alen) != 0 ||
	    proto_get_text(r, &addr, &dlen) != 0 || proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed SESSION_START");
	flow_start(ch, r);
	if (ch->has_session)
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_KEEP);
	flow_client(ctx, ch, agent, alen, addr, dlen);
	return start_session(ctx, ch, 0);
}

/* LOGIN and REGISTER: name, password, agent, address. */
static int
read_credentials(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r, bool *valid)
{
	const char *name, *pw, *agent, *addr;
	size_t nlen, plen, alen, dlen;

	if (proto_get_text(r, &name, &nlen) != 0 ||
	    proto_get_text(r, &pw, &plen) != 0 ||
	    get_agent(r, &agent, &alen) != 0 ||
	    proto_get_text(r, &addr, &dlen) != 0 || proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed credentials");
	flow_start(ch, r);
	flow_client(ctx, ch, agent, alen, addr, dlen);
	*valid = name_valid(name, nlen) && password_valid(plen);
	if (*valid) {
		flow_name(ch, name, nlen);
		copy_text(ch->auth.password, pw, plen);
	}
	return 0;
}

int
auth_op_login(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	bool valid;

	if (read_credentials(ctx, ch, r, &valid) != 0)
		return -1;
	/* No account has such a name or password: nothing to look up. */
	if (!valid)
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	throttle_keys(ch, ch->auth.name_key);
	return start_lookup(ch, AS_USER_BY_NAME);
}

int
auth_op_register(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	bool valid;

	if (read_credentials(ctx, ch, r, &valid) != 0)
		return -1;
	if (!valid)
		return reply(ctx, ch, MOAT_AUTH_INVALID, 0, COOKIE_KEEP);
	throttle_keys(ch, ch->auth.name_key);
	val_text(call_add(ch, AS_USER_BY_NAME), 0, ch->auth.name);
	return go_db(ch, STEP_REGISTER_LOOKUP);
}

int
auth_op_logout(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	if (proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed LOGOUT");
	flow_start(ch, r);
	if (!ch->has_session) {
		session_forget(ch);
		return reply(ctx, ch, MOAT_AUTH_OK, 0, COOKIE_CLEAR);
	}
	val_bytes(call_add(ch, AS_SESSION_DELETE), 0, ch->session_hash,
	    AUTH_HASH_BYTES);
	return go_db(ch, STEP_LOGOUT);
}

int
auth_op_password_change(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	const char *old, *new, *agent, *addr;
	size_t olen, nlen, alen, dlen;
	char who[32];

	if (proto_get_text(r, &old, &olen) != 0 ||
	    proto_get_text(r, &new, &nlen) != 0 ||
	    get_agent(r, &agent, &alen) != 0 ||
	    proto_get_text(r, &addr, &dlen) != 0 || proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed PASSWORD_CHANGE");
	flow_start(ch, r);
	flow_client(ctx, ch, agent, alen, addr, dlen);
	if (ch->user_id == 0)
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	if (!password_valid(nlen))
		return reply(ctx, ch, MOAT_AUTH_INVALID, 0, COOKIE_KEEP);
	if (!password_valid(olen))
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	copy_text(ch->auth.password, old, olen);
	copy_text(ch->auth.new_password, new, nlen);
	snprintf(who, sizeof(who), "#%lld", (long long)ch->user_id);
	throttle_keys(ch, who);
	return start_lookup(ch, AS_USER_BY_ID);
}

int
auth_op_account_lock(struct dispatch_ctx *ctx, struct channel *ch,
    struct proto_reader *r)
{
	struct db_call *c;
	int64_t target;
	bool lock;

	if (proto_get_i64(r, &target) != 0 || proto_get_bool(r, &lock) != 0 ||
	    proto_reader_end(r) != 0)
		return channel_violation(ch, "malformed ACCOUNT_LOCK");
	flow_start(ch, r);
	if (ch->role != ROLE_ADMIN)
		return reply(ctx, ch, MOAT_AUTH_DENIED, 0, COOKIE_KEEP);
	ch->auth.target = target;
	ch->auth.lock = lock;
	c = call_add(ch, AS_USER_LOCK);
	val_int(c, 0, target);
	c->values[1].b = lock;
	if (lock)
		val_int(call_add(ch, AS_SESSION_DELETE_USER), 0, target);
	return go_db(ch, STEP_LOCK);
}
