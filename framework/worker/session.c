/*
 * session.c - sessions and accounts, worker side (moat/session.h).
 *
 * The worker knows the session only as the cookie's token and what the
 * broker answers about it.  A request asks the broker once, when a
 * handler (or the CSRF check) first needs the session; pages that never
 * look at it cost nothing.  Each worker serves one request at a time, so
 * the current session is plain static state, reset for every request.
 */
#include <string.h>

#include <sodium.h>

#include <moat/log.h>
#include <moat/session.h>

#include "http/params.h"
#include "http/response_internal.h"
#include "proto/proto.h"
#include "worker/channel.h"
#include "worker/session.h"

enum cookie_action {
	COOKIE_KEEP,
	COOKIE_SET,
	COOKIE_CLEAR,
};

static struct {
	bool			 loaded;	/* the broker was asked */
	bool			 used;		/* the response depends on it */
	bool			 has_session;
	int64_t			 user;
	bool			 admin;
	char			 csrf[SESSION_TOKEN_LEN + 1];
	enum cookie_action	 cookie;
	char			 token[SESSION_TOKEN_LEN + 1];
} cur;

void
session_request_begin(void)
{
	sodium_memzero(&cur, sizeof(cur));
}

static bool
text_ok(const char *s)
{
	return s != NULL && utf8_valid((const unsigned char *)s, strlen(s));
}

/* What every operation sends about the client: agent, then address. */
static void
put_client(struct proto_writer *w, const struct moat_request *req)
{
	const char *agent = moat_request_header(req, "User-Agent");
	const char *addr = moat_request_remote_addr(req);

	if (agent == NULL)
		agent = "";
	if (addr == NULL || !text_ok(addr))
		addr = "";
	proto_put_bytes(w, agent, strlen(agent));
	proto_put_text(w, addr, strlen(addr));
}

static void
take_token(const char *s, size_t len)
{
	if (len == 0) {
		cur.cookie = COOKIE_CLEAR;
		return;
	}
	memcpy(cur.token, s, len);
	cur.token[len] = '\0';
	cur.cookie = COOKIE_SET;
}

/* Decode R_AUTH into cur; the outcome, or MOAT_AUTH_DOWN if malformed. */
static enum moat_auth
read_auth(struct proto_reader *r, int *retry_after)
{
	int64_t outcome, retry, user;
	const char *s = NULL, *tok = NULL;
	size_t len = 0, tlen = 0;
	bool admin, csrf, set;

	if (r->hdr.op != PROTO_OP_R_AUTH || proto_get_i64(r, &outcome) != 0 ||
	    proto_get_i64(r, &retry) != 0 || proto_get_i64(r, &user) != 0 ||
	    proto_get_bool(r, &admin) != 0)
		goto bad;
	if ((csrf = proto_peek_type(r) != PROTO_T_NULL) ?
	    proto_get_text(r, &s, &len) != 0 || len != SESSION_TOKEN_LEN :
	    proto_get_null(r) != 0)
		goto bad;
	if ((set = proto_peek_type(r) != PROTO_T_NULL) ?
	    proto_get_text(r, &tok, &tlen) != 0 || (tlen != 0 &&
	    tlen != SESSION_TOKEN_LEN) : proto_get_null(r) != 0)
		goto bad;
	if (proto_reader_end(r) != 0 || outcome < MOAT_AUTH_OK ||
	    outcome > MOAT_AUTH_DOWN || retry < 0 || retry > 86400)
		goto bad;
	cur.has_session = csrf;
	if (csrf)
		memcpy(cur.csrf, s, len);
	cur.user = user;
	cur.admin = admin;
	if (set)
		take_token(tok, tlen);
	if (retry_after != NULL)
		*retry_after = (int)retry;
	if (outcome == MOAT_AUTH_DOWN)
		channel_mark_unavailable();
	return (enum moat_auth)outcome;
bad:
	channel_broken("malformed session reply");
	return MOAT_AUTH_DOWN;
}

static enum moat_auth
exchange(int *retry_after)
{
	struct proto_reader r;

	cur.used = true;
	channel_holds_session();
	if (channel_exchange(&r) != 0)
		return MOAT_AUTH_DOWN;
	return read_auth(&r, retry_after);
}

/* Ask the broker about the cookie, once per request. */
static void
session_load(const struct moat_request *req)
{
	const char *token;
	struct proto_writer *w;

	if (cur.loaded)
		return;
	cur.loaded = true;
	cur.used = true;
	token = moat_request_cookie(req, SESSION_COOKIE);
	if (token == NULL)
		return;
	if (!text_ok(token) || (w = channel_begin(PROTO_OP_SESSION_LOAD)) ==
	    NULL) {
		cur.cookie = COOKIE_CLEAR;
		return;
	}
	proto_put_text(w, token, strlen(token));
	put_client(w, req);
	if (exchange(NULL) == MOAT_AUTH_DOWN)
		moat_log_error("incident %s: session not loaded: broker "
		    "unreachable", moat_request_incident_id(req));
}

int64_t
moat_session_user(const struct moat_request *req)
{
	session_load(req);
	return cur.user;
}

bool
moat_session_is_admin(const struct moat_request *req)
{
	session_load(req);
	return cur.user != 0 && cur.admin;
}

const char *
moat_csrf_token(const struct moat_request *req)
{
	struct proto_writer *w;

	session_load(req);
	if (!cur.has_session) {
		if ((w = channel_begin(PROTO_OP_SESSION_START)) == NULL)
			return NULL;
		put_client(w, req);
		if (exchange(NULL) != MOAT_AUTH_OK || !cur.has_session)
			return NULL;
	}
	return cur.csrf;
}

/* Name, password, agent, address: LOGIN and REGISTER. */
static enum moat_auth
credentials(const struct moat_request *req, uint16_t op, const char *name,
    const char *password, int *retry_after)
{
	struct proto_writer *w;

	if (!text_ok(name) || !text_ok(password) ||
	    strlen(password) > MOAT_PASSWORD_MAX)
		return op == PROTO_OP_LOGIN ? MOAT_AUTH_DENIED :
		    MOAT_AUTH_INVALID;
	/* The broker replaces the current session, so it must know it. */
	session_load(req);
	if ((w = channel_begin(op)) == NULL)
		return MOAT_AUTH_DOWN;
	proto_put_text(w, name, strlen(name));
	proto_put_text(w, password, strlen(password));
	put_client(w, req);
	return exchange(retry_after);
}

enum moat_auth
moat_login(const struct moat_request *req, const char *username,
    const char *password, int *retry_after)
{
	if (retry_after != NULL)
		*retry_after = 0;
	return credentials(req, PROTO_OP_LOGIN, username, password,
	    retry_after);
}

enum moat_auth
moat_register(const struct moat_request *req, const char *username,
    const char *password)
{
	return credentials(req, PROTO_OP_REGISTER, username, password, NULL);
}

enum moat_auth
moat_logout(const struct moat_request *req)
{
	session_load(req);
	if (channel_begin(PROTO_OP_LOGOUT) == NULL)
		return MOAT_AUTH_DOWN;
	return exchange(NULL);
}

enum moat_auth
moat_password_change(const struct moat_request *req,
    const char *old_password, const char *new_password)
{
	struct proto_writer *w;

	if (!text_ok(old_password) || strlen(old_password) >
	    MOAT_PASSWORD_MAX)
		return MOAT_AUTH_DENIED;
	if (!text_ok(new_password) || strlen(new_password) >
	    MOAT_PASSWORD_MAX)
		return MOAT_AUTH_INVALID;
	session_load(req);
	if ((w = channel_begin(PROTO_OP_PASSWORD_CHANGE)) == NULL)
		return MOAT_AUTH_DOWN;
	proto_put_text(w, old_password, strlen(old_password));
	proto_put_text(w, new_password, strlen(new_password));
	put_client(w, req);
	return exchange(NULL);
}

enum moat_auth
moat_account_lock(const struct moat_request *req, int64_t user_id,
    bool locked)
{
	struct proto_writer *w;

	session_load(req);
	if ((w = channel_begin(PROTO_OP_ACCOUNT_LOCK)) == NULL)
		return MOAT_AUTH_DOWN;
	proto_put_i64(w, user_id);
	proto_put_bool(w, locked);
	return exchange(NULL);
}

/* Is the request's session live?  Loads it if that was not done yet. */
bool
session_live(const struct moat_request *req)
{
	session_load(req);
	return cur.has_session;
}

const char *
session_csrf(void)
{
	return cur.has_session ? cur.csrf : NULL;
}

void
session_finish(const struct moat_request *req, struct moat_response *res)
{
	char line[160];

	if (cur.cookie == COOKIE_SET)
		snprintf(line, sizeof(line), SESSION_COOKIE "=%s; Path=/; "
		    "Secure; HttpOnly; SameSite=Lax", cur.token);
	else if (cur.cookie == COOKIE_CLEAR &&
	    moat_request_cookie(req, SESSION_COOKIE) != NULL)
		snprintf(line, sizeof(line), SESSION_COOKIE "=; Path=/; "
		    "Secure; HttpOnly; SameSite=Lax; Max-Age=0");
	else
		line[0] = '\0';
	if (line[0] != '\0')
		moat_response_header(res, "Set-Cookie", line);
	if (cur.used && !response_has_header(res, "Cache-Control"))
		moat_response_header(res, "Cache-Control", "no-store");
	sodium_memzero(&cur, sizeof(cur));
}
