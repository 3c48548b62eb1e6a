/*
 * auth_sql.c - the broker's own statements (see auth_sql.h).
 *
 * Expiry is decided by the database's clock in the WHERE clauses, so a
 * session that timed out is simply not found, whichever host asks.
 */
#include <string.h>

#include "broker/auth_sql.h"

struct auth_sql_def {
	const char	*name;
	const char	*types;		/* one letter per $N: i t b y(bytes) */
	const char	*sql;
};

/* $n seconds as an interval. */
#define SECS(n)	"make_interval(secs => $" #n ")"

static const struct auth_sql_def defs[AS_COUNT] = {
	/*
	 * A plain read, the one query of every signed-in request: it also
	 * says whether last_seen is due a refresh (AS_SESSION_TOUCH, at
	 * most once per "touch" seconds), so the write is the rare case.
	 */
	[AS_SESSION_LOAD] = { "moat.session_load", "yiii",
	    "SELECT coalesce(s.user_id, 0), coalesce(u.is_admin, false), "
	    "encode(s.agent_hash, 'hex'), s.network, "
	    "s.last_seen < now() - " SECS(4) " FROM moat_sessions s "
	    "LEFT JOIN moat_users u ON u.id = s.user_id "
	    "WHERE s.token_hash = $1 "
	    "AND s.last_seen > now() - " SECS(2) " "
	    "AND s.created_at > now() - " SECS(3) " "
	    "AND (s.user_id IS NULL OR NOT u.locked)" },
	[AS_SESSION_TOUCH] = { "moat.session_touch", "y",
	    "UPDATE moat_sessions SET last_seen = now() "
	    "WHERE token_hash = $1" },
	[AS_SESSION_CREATE] = { "moat.session_create", "yiytii",
	    "WITH purge AS (DELETE FROM moat_sessions WHERE token_hash IN "
	    "(SELECT token_hash FROM moat_sessions WHERE last_seen < now() - "
	    SECS(5) " OR created_at < now() - " SECS(6) " LIMIT 64)) "
	    "INSERT INTO moat_sessions (token_hash, user_id, agent_hash, "
	    "network) VALUES ($1, $2, $3, $4)" },
	[AS_SESSION_DELETE] = { "moat.session_delete", "y",
	    "DELETE FROM moat_sessions WHERE token_hash = $1" },
	[AS_SESSION_DELETE_USER] = { "moat.session_delete_user", "i",
	    "DELETE FROM moat_sessions WHERE user_id = $1" },
	[AS_USER_BY_NAME] = { "moat.user_by_name", "t",
	    "SELECT id, password_hash, is_admin, locked FROM moat_users "
	    "WHERE lower(username) = lower($1)" },
	[AS_USER_BY_ID] = { "moat.user_by_id", "i",
	    "SELECT id, password_hash, is_admin, locked FROM moat_users "
	    "WHERE id = $1" },
	[AS_USER_INSERT] = { "moat.user_insert", "tt",
	    "INSERT INTO moat_users (username, password_hash) "
	    "VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id" },
	[AS_USER_SET_PASSWORD] = { "moat.user_set_password", "it",
	    "UPDATE moat_users SET password_hash = $2, "
	    "password_changed_at = now() WHERE id = $1" },
	[AS_USER_LOCK] = { "moat.user_lock", "ib",
	    "UPDATE moat_users SET locked = $2 WHERE id = $1 RETURNING id" },
	[AS_THROTTLE_ATTEMPT] = { "moat.throttle_attempt", "ttttiiiiiii",
	    "SELECT moat_throttle_attempt(ARRAY[$1, $2, $3]::text[], $4, "
	    "ARRAY[$5, $6, $7]::int4[], ARRAY[$8, $9, $10]::int4[], "
	    "$11::int4)" },
	[AS_THROTTLE_TRUST] = { "moat.throttle_trust", "t",
	    "SELECT moat_throttle_trust($1)" },
	[AS_THROTTLE_RELEASE] = { "moat.throttle_release", "ti",
	    "SELECT moat_throttle_release($1, $2::int4)" },
	[AS_THROTTLE_CLEAR] = { "moat.throttle_clear", "t",
	    "DELETE FROM moat_throttle WHERE key = $1" },
	[AS_THROTTLE_PURGE] = { "moat.throttle_purge", "",
	    "DELETE FROM moat_throttle WHERE key IN (SELECT key FROM "
	    "moat_throttle WHERE (failures = 0 AND window_start < now() - "
	    "interval '30 days') OR (failures > 0 AND window_start < now() - "
	    "interval '1 day' AND (blocked_until IS NULL OR "
	    "blocked_until < now())) LIMIT 64)" },
};

static struct stmt	 stmts[AS_COUNT];
static struct catalogue	 cat;

static enum param_type
param_type(char c)
{
	switch (c) {
	case 'i':
		return PARAM_INT;
	case 'b':
		return PARAM_BOOL;
	case 'y':
		return PARAM_BYTES;
	default:
		return PARAM_TEXT;
	}
}

static void
build(void)
{
	size_t i, j;

	for (i = 0; i < AS_COUNT; i++) {
		struct stmt *s = &stmts[i];

		memcpy(s->name, defs[i].name, strlen(defs[i].name) + 1);
		s->role = ROLE_ANONYMOUS;
		s->sql = (char *)defs[i].sql;
		s->nparams = s->nworker = strlen(defs[i].types);
		for (j = 0; j < s->nparams; j++) {
			s->params[j].type = param_type(defs[i].types[j]);
			/* The broker builds these values; no worker limit. */
			s->params[j].max = (size_t)-1;
			s->params[j].source = SOURCE_WORKER;
		}
	}
	cat.stmts = stmts;
	cat.count = cat.cap = AS_COUNT;
}

const struct catalogue *
auth_sql_catalogue(void)
{
	if (cat.count == 0)
		build();
	return &cat;
}

const struct stmt *
auth_sql(enum auth_stmt which)
{
	return &auth_sql_catalogue()->stmts[which];
}
