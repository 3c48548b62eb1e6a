/*
 * guestbook.c - one page every signed-in user reads and writes.
 *
 * Messages are shared, so unlike notes they are not sealed: anyone
 * signed in may read them anyway.  What one user wrote reaches the
 * others' browsers only through the template, which escapes it.
 */
#include "notes.h"

/* GET /guestbook: the latest messages, newest first, and the form. */
int
guestbook_list(const struct moat_request *req, struct moat_response *res)
{
	static const char *const columns[] = { "author", "message", "posted",
		NULL };
	struct moat_view *v;
	struct moat_rows *rows;
	enum moat_db_status st;

	if (!need_user(req, res))
		return 0;
	if ((st = moat_db_run(req, "guestbook_list", NULL, 0, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if ((v = page_view(req)) == NULL ||
	    view_add_rows(v, "entries", rows, columns) != 0)
		return -1;
	return moat_render(req, res, "guestbook.html", v);
}

/* POST /guestbook (message): 303 back to the guestbook. */
int
guestbook_post(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_rows *rows;
	enum moat_db_status st;

	if (!need_user(req, res))
		return 0;
	/* The author is the session's user, filled in by the broker. */
	v[0] = MOAT_TEXT(moat_request_field_text(req, "message"));
	if ((st = moat_db_run(req, "guestbook_add", v, 1, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	return moat_response_redirect(res, 303, "/guestbook");
}
