/*
 * account.c - the signed-in user's own account: name and password.
 */
#include "notes.h"

/* The account page with status and an optional message. */
static int
account_page(const struct moat_request *req, struct moat_response *res,
    int status, const char *message)
{
	struct moat_rows *rows;
	struct moat_view *v;
	enum moat_db_status st;

	if ((st = moat_db_run(req, "account_get", NULL, 0, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if ((v = page_view(req)) == NULL ||
	    moat_view_text(v, "username", moat_rows_text(rows, 0, 0)) != 0 ||
	    moat_view_text(v, "since", moat_rows_text(rows, 0, 1)) != 0 ||
	    (message != NULL && moat_view_text(v, "message", message) != 0))
		return -1;
	return render_status(req, res, status, "account.html", v);
}

/* GET /account */
int
account_show(const struct moat_request *req, struct moat_response *res)
{
	if (!need_user(req, res))
		return 0;
	return account_page(req, res, 200, NULL);
}

/*
 * POST /account/password (old, new).  On success the broker gives this
 * session a new token and ends every other session of the user, so a
 * thief holding an old cookie is out.
 */
int
account_password(const struct moat_request *req, struct moat_response *res)
{
	if (!need_user(req, res))
		return 0;
	switch (moat_password_change(req, moat_request_field_text(req, "old"),
	    moat_request_field_text(req, "new"))) {
	case MOAT_AUTH_OK:
		return account_page(req, res, 200,
		    "Your password has been changed.");
	case MOAT_AUTH_DENIED:
		return account_page(req, res, 400,
		    "The current password is not right.");
	case MOAT_AUTH_INVALID:
		return account_page(req, res, 400,
		    "A password is 8 to 128 characters.");
	case MOAT_AUTH_THROTTLED:
		return account_page(req, res, 429,
		    "Too many failed attempts. Please wait and try again.");
	case MOAT_AUTH_DOWN:
		return error_page(req, res, 503);
	default:
		return account_page(req, res, 503,
		    "The server is busy. Please try again in a moment.");
	}
}
