/*
 * web-app.c - an app that exercises sessions, accounts and CSRF, for
 * web.sh.  Every answer is one short line of text that the test reads.
 */
#include <poll.h>
#include <stdio.h>

#include <moat/moat.h>

static const char *const outcome_names[] = {
	[MOAT_AUTH_OK] = "ok",
	[MOAT_AUTH_DENIED] = "denied",
	[MOAT_AUTH_THROTTLED] = "throttled",
	[MOAT_AUTH_TAKEN] = "taken",
	[MOAT_AUTH_INVALID] = "invalid",
	[MOAT_AUTH_BUSY] = "busy",
	[MOAT_AUTH_DOWN] = "down",
};

/* One status per outcome, as a real app would choose them. */
static int
answer(struct moat_response *res, enum moat_auth a, int retry_after)
{
	static const int status[] = { 200, 401, 429, 409, 400, 503, 503 };
	char line[64];

	if (retry_after > 0) {
		snprintf(line, sizeof(line), "%d", retry_after);
		moat_response_header(res, "Retry-After", line);
	}
	snprintf(line, sizeof(line), "%s\n", outcome_names[a]);
	return moat_response_text(res, status[a], line);
}

static int
form(const struct moat_request *req, struct moat_response *res)
{
	const char *token = moat_csrf_token(req);
	char line[128];

	if (token == NULL)
		return -1;
	snprintf(line, sizeof(line), "csrf=%s\n", token);
	return moat_response_text(res, 200, line);
}

static int
do_register(const struct moat_request *req, struct moat_response *res)
{
	return answer(res, moat_register(req, moat_request_field_text(req,
	    "username"), moat_request_field_text(req, "password")), 0);
}

static int
do_login(const struct moat_request *req, struct moat_response *res)
{
	int retry = 0;
	enum moat_auth a;

	a = moat_login(req, moat_request_field_text(req, "username"),
	    moat_request_field_text(req, "password"), &retry);
	return answer(res, a, retry);
}

static int
do_logout(const struct moat_request *req, struct moat_response *res)
{
	return answer(res, moat_logout(req), 0);
}

static int
do_password(const struct moat_request *req, struct moat_response *res)
{
	return answer(res, moat_password_change(req,
	    moat_request_field_text(req, "old"),
	    moat_request_field_text(req, "new")), 0);
}

static int
do_lock(const struct moat_request *req, struct moat_response *res)
{
	int64_t id = 0;
	bool lock = moat_request_route_param(req, "action")[0] == 'l';

	moat_request_route_int(req, "id", &id);
	return answer(res, moat_account_lock(req, id, lock), 0);
}

static int
me(const struct moat_request *req, struct moat_response *res)
{
	char line[64];

	snprintf(line, sizeof(line), "user %lld admin %d\n",
	    (long long)moat_session_user(req), moat_session_is_admin(req));
	return moat_response_text(res, 200, line);
}

/* A user statement, without asking about the session first. */
static int
db_me(const struct moat_request *req, struct moat_response *res)
{
	struct moat_rows *rows;
	const char *id;

	if (moat_db_run(req, "my_id", NULL, 0, &rows) != MOAT_DB_OK ||
	    (id = moat_rows_text(rows, 0, 0)) == NULL)
		return -1;
	return moat_response_text(res, 200, id);
}

/* A statement anyone may run, without a session: dbstall.sh's. */
static int
db_ping(const struct moat_request *req, struct moat_response *res)
{
	struct moat_rows *rows;
	const char *one;

	if (moat_db_run(req, "ping", NULL, 0, &rows) != MOAT_DB_OK ||
	    (one = moat_rows_text(rows, 0, 0)) == NULL)
		return -1;
	return moat_response_text(res, 200, one);
}

/* Commit a write, then take long to answer: restart.sh kills us here. */
static int
mark_then_wait(const struct moat_request *req, struct moat_response *res)
{
	const char *v = moat_request_form(req, "v");
	struct moat_value val;
	struct moat_rows *rows;

	if (v == NULL)
		return moat_response_text(res, 400, "v?\n");
	val = MOAT_TEXT(v);
	if (moat_db_run(req, "mark_add", &val, 1, &rows) != MOAT_DB_OK)
		return -1;
	moat_log_info("marked, waiting");
	poll(NULL, 0, 5000);
	return moat_response_text(res, 200, "marked\n");
}

/* An action on behalf of the signed-in user: what CSRF protects. */
static int
act(const struct moat_request *req, struct moat_response *res)
{
	if (moat_session_user(req) == 0)
		return moat_response_text(res, 403, "sign in first\n");
	return moat_response_text(res, 200, "done\n");
}

/* A template page: values escaped by context, the CSRF field. */
static int
greet(const struct moat_request *req, struct moat_response *res)
{
	struct moat_view *v = moat_view_new(req);
	const char *name = moat_request_field_text(req, "name");
	const char *site = moat_request_field_text(req, "site");

	if (v == NULL || moat_view_text(v, "name", name ? name : "") != 0 ||
	    moat_view_text(v, "site", site ? site : "") != 0)
		return -1;
	return moat_render(req, res, "greet.html", v);
}

static int
plain(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	return moat_response_text(res, 200, "no session here\n");
}

static const struct moat_field credentials[] = {
	{ .name = "username", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = MOAT_USERNAME_MAX },
	{ .name = "password", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

static const struct moat_field passwords[] = {
	{ .name = "old", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
	{ .name = "new", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

static const struct moat_field greet_fields[] = {
	{ .name = "name", .type = MOAT_FIELD_STRING, .max_len = 200 },
	{ .name = "site", .type = MOAT_FIELD_STRING, .max_len = 200 },
};

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/greet", .handler = greet,
	    .fields = greet_fields, .nfields = MOAT_NELEM(greet_fields) },
	{ .method = "GET", .pattern = "/form", .handler = form },
	{ .method = "POST", .pattern = "/register", .handler = do_register,
	    .fields = credentials, .nfields = MOAT_NELEM(credentials) },
	{ .method = "POST", .pattern = "/login", .handler = do_login,
	    .fields = credentials, .nfields = MOAT_NELEM(credentials) },
	{ .method = "POST", .pattern = "/logout", .handler = do_logout },
	{ .method = "POST", .pattern = "/password", .handler = do_password,
	    .fields = passwords, .nfields = MOAT_NELEM(passwords) },
	{ .method = "POST", .pattern = "/admin/{action:slug}/{id:int}",
	    .handler = do_lock },
	{ .method = "GET", .pattern = "/me", .handler = me },
	{ .method = "GET", .pattern = "/db/me", .handler = db_me },
	{ .method = "GET", .pattern = "/db/ping", .handler = db_ping },
	{ .method = "POST", .pattern = "/mark-then-wait",
	    .handler = mark_then_wait },
	{ .method = "POST", .pattern = "/act", .handler = act },
	{ .method = "POST", .pattern = "/hook", .handler = act,
	    .flags = MOAT_ROUTE_CSRF_EXEMPT },
	{ .method = "GET", .pattern = "/plain", .handler = plain },
};

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "moat-web-test",
		.routes = routes,
		.nroutes = MOAT_NELEM(routes),
	};

	return moat_main(&app, argc, argv);
}
