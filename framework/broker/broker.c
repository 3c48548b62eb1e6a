/*
 * broker.c - the broker process: one event loop over all worker channels.
 *
 * The broker is the only process that knows the database password, the
 * keys and the file store.  It speaks to each worker over that worker's
 * own socketpair, so the channel a frame arrives on is the identity of
 * the sender.  Each channel has its own PostgreSQL connection driven
 * asynchronously, so a slow statement on one channel never holds up the
 * others.  On any protocol violation the channel is closed and the
 * supervisor is asked (on the control socket) to replace that worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include <moat/log.h>

#include "broker/auth.h"
#include "broker/broker.h"
#include "broker/broker_sandbox.h"
#include "broker/catalogue.h"
#include "broker/dispatch.h"
#include "broker/hashpool.h"
#include "broker/secrets.h"
#include "broker/store.h"
#include "core/clock.h"

#define BROKER_MAX_CHANNELS	512
#define DB_RETRY_MS		1000	/* between reconnection attempts */

struct broker {
	const struct moat_config	*cfg;
	struct catalogue		 cat;
	struct broker_secrets		 secrets;
	struct auth_env			 auth;
	struct hashpool			*pool;		/* scrypt threads */
	int				 ctl_fd;
	int				 store_fd;
	unsigned long long		 store_used;	/* bytes, for the quota */
	struct channel			*ch[BROKER_MAX_CHANNELS];
	size_t				 nch;
	unsigned char			 frame[PROTO_MAX_FRAME];
	struct proto_writer		 reply;
};

int
broker_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		moat_log_warn("broker: not started as root, keeping uid %ld "
		    "(development mode)", (long)geteuid());
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "broker user %s does not exist", user);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0 || setuid(0) == 0) {
		snprintf(err, errlen, "cannot become %s: %s", user,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
broker_fail(struct broker *b, const char *err)
{
	moat_log_error("broker: %s", err);
	secrets_wipe(&b->secrets);
	auth_env_wipe(&b->auth);
	_exit(BROKER_EXIT_STARTUP);
}

/*
 * Sessions and accounts: derive their keys, and start the hashing
 * threads now, before the sandbox, which allows no new threads.
 */
static int
auth_start(struct broker *b, char *err, size_t errlen)
{
	struct passwd_policy pol = { .params = { b->cfg->scrypt_log2_n,
	    b->cfg->scrypt_r, b->cfg->scrypt_p } };

	if (passwd_policy_check(&pol, err, errlen) != 0)
		return -1;
	if (auth_env_init(&b->auth, b->cfg, b->secrets.session_key) != 0) {
		snprintf(err, errlen, "libsodium does not initialise");
		return -1;
	}
	b->pool = hashpool_create(b->cfg->hash_threads, b->cfg->hash_queue,
	    &pol, err, errlen);
	return b->pool != NULL ? 0 : -1;
}

/* Everything that can go wrong at start-up goes wrong here. */
static void
broker_start(struct broker *b)
{
	char err[CATALOGUE_ERR_MAX + 256];
	struct db_conn probe;

	if (prctl(PR_SET_DUMPABLE, 0) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		broker_fail(b, "prctl failed");
	/* The catalogue is the application's, not a secret: it is read
	 * with the supervisor's rights, like the app's other files. */
	if (catalogue_load(&b->cat, b->cfg->catalogue, err, sizeof(err)) != 0 ||
	    broker_drop_privileges(b->cfg->broker_user, err,
	    sizeof(err)) != 0 ||
	    secrets_load(&b->secrets, b->cfg->broker_secrets, err,
	    sizeof(err)) != 0 ||
	    (b->store_fd = store_open_dir(b->secrets.file_store, err,
	    sizeof(err))) < 0)
		broker_fail(b, err);
	if (store_usage(b->store_fd, &b->store_used) != 0)
		broker_fail(b, "cannot measure the file store");
	/* Prepare the whole catalogue once now, so an error stops start-up. */
	if (db_connect(&probe, b->secrets.database, &b->cat, err,
	    sizeof(err)) != 0)
		broker_fail(b, err);
	db_close(&probe);
	if (auth_start(b, err, sizeof(err)) != 0)
		broker_fail(b, err);
	/* Last: the probe has loaded what libpq loads lazily. */
	if (broker_sandbox_enter(b->secrets.file_store, b->cfg->sandbox_debug,
	    err, sizeof(err)) != 0)
		broker_fail(b, err);
	moat_log_info("broker: %zu statements prepared", b->cat.count);
}

/*
 * Channels are non-blocking: a worker that stops reading its replies
 * must not stall the loop that serves everyone else.  A reply that does
 * not fit is that worker's violation.
 */
static int
send_reply(struct channel *ch, struct proto_writer *w)
{
	if (proto_writer_finish(w) != 0 || proto_send(ch->fd, w, -1) != 0) {
		snprintf(ch->reason, sizeof(ch->reason), "cannot take its "
		    "reply (%s)", strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove the file this channel just stored, and give back its quota. */
static void
store_drop(struct broker *b, struct channel *ch)
{
	unsigned long long size = store_size(b->store_fd, ch->file_name);

	b->store_used -= size < b->store_used ? size : b->store_used;
	store_remove(b->store_fd, ch->file_name);
	ch->file_name[0] = '\0';
}

static void
channel_close(struct broker *b, size_t i, bool violation)
{
	struct channel *ch = b->ch[i];
	struct proto_writer *w = &b->reply;

	if (violation) {
		moat_log_error("broker: worker %ld violated the protocol "
		    "(state %s): %s; closing its channel",
		    (long)ch->worker_pid, channel_state_name(ch->state),
		    ch->reason);
		proto_writer_begin(w, PROTO_OP_CTL_VIOLATION, 0);
		proto_put_i64(w, ch->worker_pid);
		if (proto_writer_finish(w) == 0)
			proto_send(b->ctl_fd, w, -1);
	}
	/* A stored file whose statement never ran or finished: drop it. */
	if (ch->state == CH_DB && ch->file_op == FILE_OP_STORE &&
	    ch->file_name[0] != '\0')
		store_drop(b, ch);
	db_close(&ch->db);
	hashpool_cancel(b->pool, ch);
	auth_request_end(ch);
	if (ch->file_in >= 0)
		close(ch->file_in);
	moat_log_debug("broker: worker %ld: channel %d closed (state %s)",
	    (long)ch->worker_pid, ch->fd, channel_state_name(ch->state));
	close(ch->fd);
	free(ch);
	b->ch[i] = b->ch[--b->nch];
}

/*
 * Start connecting ch to the database; the loop carries it on.  A start
 * that fails is tried again a second later, by the next statement.
 */
static int
db_start(struct broker *b, struct channel *ch)
{
	/* A statement that waits gets its 503 before the worker's request
	 * times out, which would cost the worker. */
	long long max_ms = b->cfg->request_timeout > 1 ?
	    (b->cfg->request_timeout - 1) * 1000LL : 1000;
	char err[CATALOGUE_ERR_MAX + 256];

	if (db_connect_start(&ch->db, b->secrets.database, &b->cat, max_ms,
	    err, sizeof(err)) == 0)
		return 0;
	moat_log_error("broker: worker %ld: %s", (long)ch->worker_pid, err);
	ch->db_retry_ms = clock_monotonic_ms() + DB_RETRY_MS;
	return -1;
}

/* The supervisor hands over a new worker's channel: connect it. */
static void
channel_add(struct broker *b, int fd, pid_t pid)
{
	struct channel *ch;

	if (b->nch == BROKER_MAX_CHANNELS ||
	    (ch = calloc(1, sizeof(*ch))) == NULL) {
		moat_log_error("broker: no room for worker %ld", (long)pid);
		close(fd);
		return;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		close(fd);
		free(ch);
		return;
	}
	ch->fd = fd;
	ch->file_in = -1;
	ch->worker_pid = pid;
	ch->state = CH_NEW;
	/* Without the database the channel still serves pages that need
	 * none; statements wait for the connection, or fail until
	 * db_ready() reconnects. */
	db_start(b, ch);
	b->ch[b->nch++] = ch;
	moat_log_debug("broker: worker %ld: channel %d added", (long)pid, fd);
}

static void
control_read(struct broker *b)
{
	struct proto_reader r;
	int64_t pid;
	ssize_t n;
	int fd = -1;

	n = proto_recv(b->ctl_fd, b->frame, &fd);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		moat_log_info("broker: supervisor gone, exiting");
		secrets_wipe(&b->secrets);
		_exit(0);
	}
	if (n < 0)
		return;
	if (proto_reader_init(&r, b->frame, (size_t)n) != 0 ||
	    r.hdr.op != PROTO_OP_CTL_CHANNEL || fd < 0 ||
	    proto_get_i64(&r, &pid) != 0 || proto_reader_end(&r) != 0) {
		moat_log_error("broker: bad control message");
		if (fd >= 0)
			close(fd);
		return;
	}
	channel_add(b, fd, (pid_t)pid);
}

/* An answer that is not rows: a failure's SQLSTATE. */
static int
reply_fail(struct broker *b, struct channel *ch, const char *sqlstate)
{
	struct proto_writer *w = &b->reply;

	proto_writer_begin(w, PROTO_OP_R_FAIL, ch->db_seq);
	proto_put_text(w, sqlstate, strlen(sqlstate));
	ch->state = CH_REQUEST;
	return send_reply(ch, w);
}

/* The statement said which file this user may read: pass it over. */
static int
reply_file(struct broker *b, struct channel *ch)
{
	struct proto_writer *w = &b->reply;
	const char *why;
	int fd, rc;

	if (!ch->db.have_first)
		return reply_fail(b, ch, "02000");	/* no data */
	if ((fd = store_open(b->store_fd, ch->db.first_value, &why)) < 0) {
		moat_log_warn("broker: worker %ld: statement %s named a file "
		    "that is refused: %s", (long)ch->worker_pid,
		    ch->calls[0].stmt->name, why);
		return reply_fail(b, ch, "58030");	/* io_error */
	}
	proto_writer_begin(w, PROTO_OP_R_FILE, ch->db_seq);
	ch->state = CH_REQUEST;
	rc = proto_writer_finish(w) == 0 ? proto_send(ch->fd, w, fd) : -1;
	close(fd);
	if (rc != 0)
		snprintf(ch->reason, sizeof(ch->reason), "cannot take its "
		    "file (%s)", strerror(errno));
	return rc;
}

static void
ctx_init(struct broker *b, struct dispatch_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cat = &b->cat;
	ctx->auth = &b->auth;
	ctx->reply = &b->reply;
	ctx->fd = -1;
}

static int	channel_advance(struct broker *, struct channel *,
		    struct dispatch_ctx *, bool *);

/* Results are in: answer with rows, or with the SQLSTATE of a failure. */
static int
db_finished(struct broker *b, struct channel *ch, bool *violation)
{
	struct proto_writer *w = &ch->rows;
	struct dispatch_ctx ctx;

	if (ch->auth.op != 0) {
		/* A step of a session operation: auth.c reads the rows. */
		ctx_init(b, &ctx);
		if (auth_db_done(&ctx, ch, w, ch->db.failed) != 0) {
			*violation = true;
			return -1;
		}
		return channel_advance(b, ch, &ctx, violation);
	}

	if (ch->file_op == FILE_OP_STORE && ch->db.failed)
		store_drop(b, ch);
	if (ch->file_op == FILE_OP_OPEN && !ch->db.failed) {
		*violation = reply_file(b, ch) != 0;
		return *violation ? -1 : 0;
	}

	if (ch->db.failed || w->failed) {
		if (!ch->db.failed)
			memcpy(ch->db.sqlstate, "54000", 6);	/* too big */
		w = &b->reply;
		proto_writer_begin(w, PROTO_OP_R_FAIL, ch->db_seq);
		proto_put_text(w, ch->db.sqlstate, strlen(ch->db.sqlstate));
	}
	ch->state = CH_REQUEST;
	if (send_reply(ch, w) != 0) {
		*violation = true;
		return -1;
	}
	return 0;
}

/* What ch was to run fails with sqlstate; the channel goes on. */
static int
db_fail(struct broker *b, struct channel *ch, const char *sqlstate,
    bool *violation)
{
	ch->db.failed = true;
	memcpy(ch->db.sqlstate, sqlstate, sizeof(ch->db.sqlstate));
	return db_finished(b, ch, violation);
}

/*
 * The database went away (restart, failover): what was running fails with
 * SQLSTATE 08006, which workers report as MOAT_DB_DOWN, and the channel
 * stays; db_ready() reconnects for a later statement.
 */
static int
db_lost(struct broker *b, struct channel *ch, bool *violation)
{
	if (ch->db.pg != NULL) {
		/* Just broke: retry a second later, not on the next request. */
		moat_log_error("broker: worker %ld: database connection lost: "
		    "%s", (long)ch->worker_pid, PQerrorMessage(ch->db.pg));
		db_close(&ch->db);
		ch->db_retry_ms = clock_monotonic_ms() + DB_RETRY_MS;
	}
	return db_fail(b, ch, "08006", violation);
}

/*
 * A sensitive value could not be sealed (no current key, or too large):
 * the statement fails as a data exception.  Part of a batch may already
 * be on the wire, so the connection is dropped and made again at once.
 */
static int
db_unsealable(struct broker *b, struct channel *ch, bool *violation)
{
	moat_log_error("broker: worker %ld: a sensitive value could not be "
	    "sealed; statement refused", (long)ch->worker_pid);
	db_close(&ch->db);
	ch->db_retry_ms = 0;
	return db_fail(b, ch, "22000", violation);
}

enum db_avail {
	DB_UP,
	DB_WAIT,	/* being connected: the statements wait */
	DB_DOWN,
};

/* Reconnect a channel whose database went away, at most once a second. */
static enum db_avail
db_ready(struct broker *b, struct channel *ch)
{
	if (db_is_ready(&ch->db))
		return DB_UP;
	if (db_connecting(&ch->db))
		return DB_WAIT;
	if (clock_monotonic_ms() < ch->db_retry_ms)
		return DB_DOWN;
	return db_start(b, ch) == 0 ? DB_WAIT : DB_DOWN;
}

/*
 * A statement's bytes values point into the frame buffer, which the next
 * frame from any worker overwrites: statements that wait for their
 * connection keep a copy next to their text values.  -1 if it does not
 * fit (it always does: both come from one frame).
 */
static int
calls_keep(struct broker *b, struct channel *ch)
{
	uintptr_t lo = (uintptr_t)b->frame, hi = lo + sizeof(b->frame);
	size_t i, j;

	for (i = 0; i < ch->ncalls; i++)
		for (j = 0; j < ch->calls[i].stmt->nparams; j++) {
			struct db_value *v = &ch->calls[i].values[j];
			uintptr_t p = (uintptr_t)v->p;

			if (v->is_null || p < lo || p >= hi)
				continue;
			if (v->len > sizeof(ch->text) - ch->text_used)
				return -1;
			memcpy(ch->text + ch->text_used, v->p, v->len);
			v->p = ch->text + ch->text_used;
			ch->text_used += v->len;
		}
	return 0;
}

/*
 * Input on an idle connection: the server is saying goodbye (shutdown,
 * restart, idle timeout).  Drop the connection so that the next statement
 * reconnects instead of failing on it.
 */
static void
db_idle_input(struct channel *ch)
{
	if (PQconsumeInput(ch->db.pg) == 1 && PQstatus(ch->db.pg) ==
	    CONNECTION_OK)
		return;
	moat_log_warn("broker: worker %ld: idle database connection closed "
	    "by the server; reconnecting when needed", (long)ch->worker_pid);
	db_close(&ch->db);
	ch->db_retry_ms = 0;
}

/* Send what ch is to run on its connection, which is ready. */
static int
db_run(struct broker *b, struct channel *ch, bool *violation)
{
	int rc = db_send(&ch->db, ch->calls, ch->ncalls);

	if (rc == DB_SEAL_FAILED)
		return db_unsealable(b, ch, violation);
	return rc != 0 ? db_lost(b, ch, violation) : 0;
}

/*
 * A connection being made moved on, or ran out of time.  Statements that
 * waited for it run now, or fail as for a lost connection.  Returns false
 * if the channel must be closed (*violation: its fault).
 */
static bool
channel_db_connect(struct broker *b, struct channel *ch, bool *violation)
{
	char err[CATALOGUE_ERR_MAX + 256];
	bool again = ch->db.was_ready;
	int rc;

	if ((rc = db_connect_step(&ch->db, err, sizeof(err))) == 0)
		return true;
	if (rc < 0) {
		moat_log_error("broker: worker %ld: %s", (long)ch->worker_pid,
		    err);
		ch->db_retry_ms = clock_monotonic_ms() + DB_RETRY_MS;
		return ch->state != CH_DB || db_lost(b, ch, violation) == 0;
	}
	if (again)
		moat_log_info("broker: worker %ld: database connection back",
		    (long)ch->worker_pid);
	return ch->state != CH_DB || db_run(b, ch, violation) == 0;
}

/* Returns false if the channel must be closed (*violation: its fault). */
static bool
channel_db_ready(struct broker *b, struct channel *ch, bool *violation)
{
	int rc;

	if (ch->state != CH_DB) {
		db_idle_input(ch);
		return true;
	}
	rc = db_collect(&ch->db, &ch->rows);
	if (rc < 0)
		return db_lost(b, ch, violation) == 0;
	return rc == 0 || db_finished(b, ch, violation) == 0;
}

/*
 * Before a FILE_STORE statement runs, the content goes into the store
 * under a name the broker makes.  Returns 0 to go on, 1 if the reply (a
 * failure) has been sent instead, -1 if the channel must close.
 */
static int
store_content(struct broker *b, struct channel *ch)
{
	unsigned long long quota = b->cfg->store_quota_bytes;
	const char *why, *state = "58030";	/* io_error */
	size_t max = b->cfg->limits.max_file_bytes;
	int rc;

	/* Never past the quota: the file may be at most what is left. */
	if (quota != 0 && quota - (b->store_used < quota ? b->store_used :
	    quota) < max)
		max = (size_t)(quota - (b->store_used < quota ? b->store_used :
		    quota));
	rc = store_put(b->store_fd, ch->file_in, max, ch->file_name, &why);
	close(ch->file_in);
	ch->file_in = -1;
	if (rc == 0) {
		b->store_used += store_size(b->store_fd, ch->file_name);
		return 0;
	}
	if (strcmp(why, "file larger than allowed") == 0)
		state = max < b->cfg->limits.max_file_bytes ? "53100" : "54000";
	moat_log_warn("broker: worker %ld: file not stored: %s%s",
	    (long)ch->worker_pid, why, strcmp(state, "53100") == 0 ?
	    " (store quota reached)" : "");
	return reply_fail(b, ch, state) == 0 ? 1 : -1;
}

/* Ask the pool for the hash a session operation waits on. */
static int
hash_submit(struct broker *b, struct channel *ch, struct dispatch_ctx *ctx,
    bool *violation)
{
	struct hashpool_job job = { .owner = ch, .seq = ch->auth.seq };
	bool verify;

	auth_hash_job(ch, &verify, &job.password, &job.stored);
	job.op = verify ? HASHPOOL_VERIFY : HASHPOOL_HASH;
	job.passlen = strlen(job.password);
	if (hashpool_submit(b->pool, &job) == 0)
		return 0;
	ctx->has_reply = false;
	auth_hash_refused(ctx, ch, errno == EBUSY);
	return channel_advance(b, ch, ctx, violation);
}

/*
 * After an op or a step: send its reply, or start what it asked for
 * (statements, a hash).  -1 if the channel must close.
 */
static int
channel_advance(struct broker *b, struct channel *ch, struct dispatch_ctx *ctx,
    bool *violation)
{
	int rc;

	if (ctx->has_reply && send_reply(ch, ctx->reply) != 0) {
		*violation = true;
		return -1;
	}
	ctx->has_reply = false;
	if (ch->state == CH_HASH)
		return hash_submit(b, ch, ctx, violation);
	if (ch->state != CH_DB)
		return 0;
	/* The reply is built as results arrive. */
	if (ch->file_op == FILE_OP_STORE && (rc = store_content(b, ch)) != 0)
		return rc > 0 ? 0 : -1;
	proto_writer_begin(&ch->rows, PROTO_OP_R_ROWS, ch->db_seq);
	switch (db_ready(b, ch)) {
	case DB_UP:
		return db_run(b, ch, violation);
	case DB_WAIT:
		/* channel_db_connect() runs them, or fails them in time. */
		return calls_keep(b, ch) == 0 ? 0 : db_fail(b, ch, "54000",
		    violation);
	case DB_DOWN:
		break;
	}
	return db_lost(b, ch, violation);
}

static int
channel_frame(struct broker *b, struct channel *ch, bool *violation)
{
	struct dispatch_ctx ctx;
	ssize_t n;
	int rc;

	*violation = false;
	ctx_init(b, &ctx);
	n = proto_recv(ch->fd, b->frame, &ctx.fd);
	if (n == 0)
		return -1;		/* the worker went away */
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		snprintf(ch->reason, sizeof(ch->reason), "bad message: %s",
		    strerror(errno));
		*violation = true;
		return -1;
	}
	if (ch->state == CH_DB || ch->state == CH_HASH) {
		snprintf(ch->reason, sizeof(ch->reason), "frame while %s runs",
		    ch->state == CH_DB ? "a statement" : "a hash");
		*violation = true;
		return -1;
	}
	rc = dispatch_frame(&ctx, ch, b->frame, (size_t)n);
	if (ctx.fd >= 0)
		close(ctx.fd);		/* not taken by the handler */
	if (rc != 0) {
		*violation = true;
		return -1;
	}
	return channel_advance(b, ch, &ctx, violation);
}

/* A hash is done: carry on with the operation that waited for it. */
static void
hash_result(struct broker *b, struct hashpool_result *res)
{
	struct dispatch_ctx ctx;
	struct channel *ch;
	bool violation = false;
	size_t i;

	for (i = 0; i < b->nch && b->ch[i] != res->owner; i++)
		;
	if (i == b->nch || (ch = b->ch[i])->state != CH_HASH ||
	    ch->auth.seq != res->seq)
		return;		/* its channel is gone */
	ctx_init(b, &ctx);
	if (auth_hash_done(&ctx, ch, res->op == HASHPOOL_VERIFY &&
	    res->status == 1, res->op == HASHPOOL_HASH && res->status == 0 ?
	    res->stored : NULL) != 0 ||
	    channel_advance(b, ch, &ctx, &violation) != 0) {
		violation = true;
		channel_close(b, i, violation);
	}
}

static void
hash_results(struct broker *b)
{
	struct hashpool_result res[8];
	size_t n, i;

	while ((n = hashpool_collect(b->pool, res, 8)) > 0) {
		for (i = 0; i < n; i++)
			hash_result(b, &res[i]);
		sodium_memzero(res, sizeof(res));
	}
}

/* The loop's turn for a channel's database socket. */
static bool
channel_db_event(struct broker *b, struct channel *ch, short revents,
    bool *violation)
{
	*violation = false;
	if (db_connecting(&ch->db)) {
		if (revents == 0 &&
		    clock_monotonic_ms() < db_deadline_ms(&ch->db))
			return true;
		return channel_db_connect(b, ch, violation);
	}
	return revents == 0 || channel_db_ready(b, ch, violation);
}

/* Until the first connection being made times out; -1: no limit. */
static int
loop_timeout(const struct broker *b)
{
	long long now = clock_monotonic_ms(), first = 0, d;
	size_t i;

	for (i = 0; i < b->nch; i++)
		if ((d = db_deadline_ms(&b->ch[i]->db)) != 0 &&
		    (first == 0 || d < first))
			first = d;
	if (first == 0)
		return -1;
	return first > now ? (int)(first - now) : 0;
}

static void
broker_loop(struct broker *b)
{
	struct pollfd pfd[2 * BROKER_MAX_CHANNELS + 2];
	size_t i, n, pool;
	bool violation;

	for (;;) {
		n = 0;
		pfd[n].fd = b->ctl_fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < b->nch; i++) {
			pfd[n].fd = b->ch[i]->fd;
			pfd[n++].events = POLLIN;
			/* Idle connections too: a server that goes away is
			 * noticed now, not by the next request. */
			pfd[n].fd = db_socket(&b->ch[i]->db);
			pfd[n++].events = db_events(&b->ch[i]->db);
		}
		pool = n;
		pfd[n].fd = hashpool_fd(b->pool);
		pfd[n++].events = POLLIN;
		if (poll(pfd, n, loop_timeout(b)) < 0) {
			if (errno == EINTR)
				continue;
			moat_log_error("broker: poll: %s", strerror(errno));
			_exit(1);
		}
		/* Walk backwards: closing swaps the last channel into i. */
		for (i = b->nch; i-- > 0;) {
			struct channel *ch = b->ch[i];

			if (!channel_db_event(b, ch, pfd[1 + 2 * i + 1].revents,
			    &violation)) {
				channel_close(b, i, violation);
				continue;
			}
			if (pfd[1 + 2 * i].revents != 0 &&
			    channel_frame(b, ch, &violation) != 0)
				channel_close(b, i, violation);
		}
		if (pfd[pool].revents != 0)
			hash_results(b);
		if (pfd[0].revents != 0)
			control_read(b);
	}
}

void
broker_main(const struct moat_config *cfg, int ctl_fd, int ready_fd)
{
	static struct broker broker;
	struct broker *b = &broker;
	char ok = 1;

	sigset_t none;

	b->cfg = cfg;
	b->ctl_fd = ctl_fd;
	/* The supervisor blocks these for its signalfd; the broker must not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	broker_start(b);
	if (write(ready_fd, &ok, 1) != 1)
		_exit(BROKER_EXIT_STARTUP);
	close(ready_fd);
	broker_loop(b);
	_exit(0);
}
