// fuzz-sources: framework/broker/dispatch.c framework/broker/catalogue.c framework/proto/proto.c
// fuzz-sources: framework/broker/auth.c framework/broker/auth_sql.c framework/broker/auth_token.c
// fuzz-sources: framework/core/log.c framework/core/logline.c
/*
 * fuzz_dispatch.c - the broker's op table on arbitrary frames, in every
 * channel state, as a compromised worker would send them.
 *
 * The first input byte picks the state and whether a user is signed in;
 * the rest is one message.  Whatever is accepted must be something the
 * catalogue allows: a known statement, for a role the channel has, with
 * text values inside the channel's own buffer and within their maximum,
 * and session parameters filled from the channel, never from the frame.
 * Session operations may only run the broker's own statements, and only
 * an admin channel may lock accounts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/auth_sql.h"
#include "broker/dispatch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char catalogue_text[] =
    "statement note_add anonymous\n"
    "\tparam title text 20\n\tparam body bytes 50\n\tparam pin bool\n"
    "\tsql INSERT INTO notes VALUES ($1, $2, $3)\nend\n"
    "statement note_get user\n"
    "\tparam id int\n\tparam owner int session.user_id\n"
    "\tsql SELECT 1 WHERE $1 = $2\nend\n"
    "statement admin_only admin\n\tsql SELECT 1\nend\n";

static struct catalogue	 cat;
static struct channel	*ch;
static struct proto_writer reply;

static void
check_call(const struct db_call *call)
{
	const struct stmt *s = call->stmt;
	size_t i;

	if (s == NULL || catalogue_find(&cat, s->name, strlen(s->name)) != s)
		abort();
	if (s->role == ROLE_USER && ch->user_id == 0)
		abort();
	if (s->role == ROLE_ADMIN && ch->role != ROLE_ADMIN)
		abort();
	for (i = 0; i < s->nparams; i++) {
		const struct db_value *v = &call->values[i];

		if (s->params[i].source == SOURCE_SESSION_USER &&
		    v->i != ch->user_id)
			abort();
		if (v->is_null || s->params[i].type != PARAM_TEXT)
			continue;
		if (v->len > s->params[i].max || v->p < ch->text ||
		    v->p + v->len >= ch->text + sizeof(ch->text) ||
		    v->p[v->len] != '\0')
			abort();
	}
}

/* A session operation's step: the broker's own statements only. */
static void
check_auth_call(const struct db_call *call)
{
	const struct catalogue *own = auth_sql_catalogue();

	if (call->stmt < own->stmts || call->stmt >= own->stmts + own->count)
		abort();
	if (call->stmt == auth_sql(AS_USER_LOCK) && ch->role != ROLE_ADMIN)
		abort();
	if (call->stmt == auth_sql(AS_USER_BY_ID) &&
	    (ch->user_id == 0 || call->values[0].i != ch->user_id))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char session_key[32] = { 42 };
	static struct moat_config cfg = { .session_idle_timeout = 60,
	    .session_absolute_timeout = 600 };
	static struct auth_env env;
	struct dispatch_ctx ctx = { .reply = &reply, .auth = &env };
	char err[CATALOGUE_ERR_MAX];
	size_t i;

	if (cat.stmts == NULL && catalogue_parse(&cat, "fuzz", catalogue_text,
	    sizeof(catalogue_text) - 1, err, sizeof(err)) != 0)
		abort();
	if (ch == NULL && ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    auth_env_init(&env, &cfg, session_key) != 0))
		abort();
	if (size < 1 || size - 1 > PROTO_MAX_FRAME)
		return 0;
	ctx.cat = &cat;
	ch->state = (enum channel_state)(data[0] & 3);
	ch->user_id = data[0] & 4 ? 7 : 0;
	ch->role = data[0] & 8 ? ROLE_ADMIN : ROLE_USER;
	ch->ncalls = 0;
	ch->has_session = false;
	memset(&ch->auth, 0, sizeof(ch->auth));
	if (dispatch_frame(&ctx, ch, data + 1, size - 1) != 0) {
		if (ch->reason[0] == '\0')
			abort();
		return 0;
	}
	if (ch->state == CH_DB) {
		if (ch->ncalls < 1 || ch->ncalls > DB_MAX_BATCH)
			abort();
		for (i = 0; i < ch->ncalls; i++)
			if (ch->auth.op != 0)
				check_auth_call(&ch->calls[i]);
			else
				check_call(&ch->calls[i]);
	}
	return 0;
}
