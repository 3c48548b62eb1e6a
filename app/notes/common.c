/*
 * common.c - small helpers every area of Moat Notes uses: who is signed
 * in, the view that signed-in pages start from, and error pages.
 */
#include "notes.h"

bool
need_user(const struct moat_request *req, struct moat_response *res)
{
	if (moat_session_user(req) != 0)
		return true;
	/*
	 * A redirect rather than a 401 or 403 page: a person who followed a
	 * bookmark after their session expired wants the log-in form.  A
	 * constant local path is never refused, hence the (void).
	 */
	(void)moat_response_redirect(res, 303, "/login");
	return false;
}

struct moat_view *
page_view(const struct moat_request *req)
{
	struct moat_view *v;

	if ((v = moat_view_new(req)) == NULL)
		return NULL;
	/* Only admins see the link; the admin routes check again anyway. */
	if (moat_view_bool(v, "is_admin", moat_session_is_admin(req)) != 0)
		return NULL;
	return v;
}

struct moat_view *
view_add_row(struct moat_view *v, const char *list,
    const struct moat_rows *rows, size_t r, const char *const *columns)
{
	struct moat_view *row;
	size_t c;

	if ((row = moat_view_row(v, list)) == NULL)
		return NULL;
	for (c = 0; columns[c] != NULL; c++)
		if (moat_view_text(row, columns[c],
		    moat_rows_text(rows, r, c)) != 0)
			return NULL;
	return row;
}

int
view_add_rows(struct moat_view *v, const char *list,
    const struct moat_rows *rows, const char *const *columns)
{
	size_t r;

	for (r = 0; r < moat_rows_count(rows); r++)
		if (view_add_row(v, list, rows, r, columns) == NULL)
			return -1;
	return 0;
}

static const char *
status_title(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 429:
		return "Too Many Requests";
	default:
		return "Service Unavailable";
	}
}

/*
 * The message is chosen here from the status alone: an error page never
 * repeats what the request said, and never says why a note was not found.
 */
static const char *
status_message(int status)
{
	switch (status) {
	case 400:
		return "The request could not be processed.";
	case 403:
		return "You may not do that.";
	case 404:
		return "There is nothing at this address.";
	case 429:
		return "Too many attempts. Please wait a little and retry.";
	default:
		return "The service is busy or down. Please try again later.";
	}
}

int
error_page(const struct moat_request *req, struct moat_response *res,
    int status)
{
	struct moat_view *v;

	if ((v = moat_view_new(req)) == NULL ||
	    moat_view_int(v, "status", status) != 0 ||
	    moat_view_text(v, "title", status_title(status)) != 0 ||
	    moat_view_text(v, "message", status_message(status)) != 0 ||
	    moat_view_text(v, "incident",
	    moat_request_incident_id(req)) != 0)
		return -1;
	return render_status(req, res, status, "error.html", v);
}

int
not_found(const struct moat_request *req, struct moat_response *res)
{
	return error_page(req, res, 404);
}

int
db_failed(const struct moat_request *req, struct moat_response *res,
    enum moat_db_status st)
{
	if (st == MOAT_DB_DOWN)
		return error_page(req, res, 503);
	/* Moat turns -1 into a generic 500 page; the details stay here. */
	moat_log_error("statement failed: SQLSTATE %s",
	    moat_db_sqlstate(req));
	return -1;
}

int
render_status(const struct moat_request *req, struct moat_response *res,
    int status, const char *template_name, const struct moat_view *v)
{
	if (moat_response_status(res, status) != 0)
		return -1;
	return moat_render(req, res, template_name, v);
}
