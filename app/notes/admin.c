/*
 * admin.c - the user list and account locks, for admins only.
 *
 * Admins are made with deploy/moat-admin, never over the web.  The check
 * here gives everybody else a clear 403; the broker checks again, since
 * admin_users is an "admin" statement and moat_account_lock() is refused
 * to anyone else, so a forgotten check here would still not leak.
 */
#include <string.h>

#include "notes.h"

/* Signed in and an admin; otherwise the response is already set. */
static bool
need_admin(const struct moat_request *req, struct moat_response *res,
    int *rc)
{
	*rc = 0;
	if (!need_user(req, res))
		return false;
	if (!moat_session_is_admin(req)) {
		*rc = error_page(req, res, 403);
		return false;
	}
	return true;
}

static bool
is_true(const char *pg_bool)
{
	return pg_bool != NULL && strcmp(pg_bool, "t") == 0;
}

/* GET /admin/users */
int
admin_users(const struct moat_request *req, struct moat_response *res)
{
	static const char *const columns[] = { "id", "username", "since",
		NULL };
	struct moat_view *v, *row;
	struct moat_rows *rows;
	enum moat_db_status st;
	size_t r;
	int64_t id;
	int rc;

	if (!need_admin(req, res, &rc))
		return rc;
	if ((st = moat_db_run(req, "admin_users", NULL, 0, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if ((v = page_view(req)) == NULL)
		return -1;
	for (r = 0; r < moat_rows_count(rows); r++) {
		/* Columns 3 and 4 are booleans: "t" or "f" from PostgreSQL. */
		row = view_add_row(v, "users", rows, r, columns);
		if (row == NULL ||
		    moat_view_bool(row, "admin",
		    is_true(moat_rows_text(rows, r, 3))) != 0 ||
		    moat_view_bool(row, "locked",
		    is_true(moat_rows_text(rows, r, 4))) != 0 ||
		    moat_view_bool(row, "me", moat_rows_int(rows, r, 0, &id) &&
		    id == moat_session_user(req)) != 0)
			return -1;
	}
	return moat_render(req, res, "admin/users.html", v);
}

/* POST /admin/users/{id}/lock: the broker locks it and ends its sessions. */
int
admin_lock(const struct moat_request *req, struct moat_response *res)
{
	int64_t id;
	int rc;

	if (!need_admin(req, res, &rc))
		return rc;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	/* Locking yourself out by a slip would leave nobody to undo it. */
	if (id == moat_session_user(req))
		return error_page(req, res, 400);
	switch (moat_account_lock(req, id, true)) {
	case MOAT_AUTH_OK:
		return moat_response_redirect(res, 303, "/admin/users");
	case MOAT_AUTH_DENIED:		/* no such user */
		return not_found(req, res);
	case MOAT_AUTH_DOWN:
		return error_page(req, res, 503);
	default:
		moat_log_error("account lock failed");
		return -1;
	}
}
