/*
 * notes.c - a user's own notes: list, create, show, edit, delete.
 *
 * No handler here checks who owns a note.  Every statement takes the
 * owner from the session (session.user_id in sql/notes.catalogue), so the
 * broker, not this code, confines each user to their own rows: a note of
 * somebody else's simply is not found, and gets the same 404 as a note
 * that never existed.
 */
#include <stdio.h>

#include "notes.h"

/* "/notes/ID", the page a note's forms come back to. */
static int
redirect_to_note(struct moat_response *res, int64_t id)
{
	char where[64];

	snprintf(where, sizeof(where), "/notes/%lld", (long long)id);
	return moat_response_redirect(res, 303, where);
}

/* An optional text field: "" when it was left empty. */
static const char *
text_or_empty(const struct moat_request *req, const char *name)
{
	const char *s = moat_request_field_text(req, name);

	return s != NULL ? s : "";
}

/* GET /notes: my notes, newest first, and the form for a new one. */
int
notes_list(const struct moat_request *req, struct moat_response *res)
{
	static const char *const columns[] = { "id", "title", "updated", NULL };
	struct moat_view *v;
	struct moat_rows *rows;
	enum moat_db_status st;

	if (!need_user(req, res))
		return 0;
	if ((st = moat_db_run(req, "note_list", NULL, 0, &rows)) != MOAT_DB_OK)
		return db_failed(req, res, st);
	if ((v = page_view(req)) == NULL ||
	    view_add_rows(v, "notes", rows, columns) != 0)
		return -1;
	return moat_render(req, res, "notes/list.html", v);
}

/* POST /notes (title, body): 303 to the new note. */
int
notes_create(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[2];
	struct moat_rows *rows;
	enum moat_db_status st;
	int64_t id;

	if (!need_user(req, res))
		return 0;
	v[0] = MOAT_TEXT(moat_request_field_text(req, "title"));
	v[1] = MOAT_TEXT(text_or_empty(req, "body"));	/* sealed by broker */
	if ((st = moat_db_run(req, "note_add", v, MOAT_NELEM(v), &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if (!moat_rows_int(rows, 0, 0, &id))
		return -1;
	return redirect_to_note(res, id);
}

/*
 * GET /notes/{id}: the note, its attachments, and the forms that edit,
 * delete and attach.  Both statements go to the broker in one round trip.
 */
int
note_show(const struct moat_request *req, struct moat_response *res)
{
	static const char *const file_columns[] = { "id", "name", "size",
		NULL };
	struct moat_value key[1];
	struct moat_call calls[] = {
		{ .stmt = "note_get", .values = key, .nvalues = 1 },
		{ .stmt = "attachment_list", .values = key, .nvalues = 1 },
	};
	struct moat_rows *rows[MOAT_NELEM(calls)];
	struct moat_view *v;
	enum moat_db_status st;
	int64_t id;

	if (!need_user(req, res))
		return 0;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	key[0] = MOAT_INT(id);
	if ((st = moat_db_batch(req, calls, MOAT_NELEM(calls), rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if (moat_rows_count(rows[0]) == 0)
		return not_found(req, res);
	if ((v = page_view(req)) == NULL ||
	    moat_view_int(v, "id", id) != 0 ||
	    moat_view_text(v, "title", moat_rows_text(rows[0], 0, 1)) != 0 ||
	    moat_view_text(v, "body", moat_rows_text(rows[0], 0, 2)) != 0 ||
	    moat_view_text(v, "updated", moat_rows_text(rows[0], 0, 3)) != 0 ||
	    view_add_rows(v, "files", rows[1], file_columns) != 0)
		return -1;
	return moat_render(req, res, "notes/show.html", v);
}

/* POST /notes/{id}/edit (title, body): 303 back to the note. */
int
note_edit(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[3];
	struct moat_rows *rows;
	enum moat_db_status st;
	int64_t id;

	if (!need_user(req, res))
		return 0;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	v[1] = MOAT_TEXT(moat_request_field_text(req, "title"));
	v[2] = MOAT_TEXT(text_or_empty(req, "body"));
	if ((st = moat_db_run(req, "note_update", v, MOAT_NELEM(v), &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	/* No row updated: not a note of mine (or no note at all). */
	if (moat_rows_count(rows) == 0)
		return not_found(req, res);
	return redirect_to_note(res, id);
}

/* POST /notes/{id}/delete: 303 to the list. */
int
note_delete(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_rows *rows;
	enum moat_db_status st;
	int64_t id;

	if (!need_user(req, res))
		return 0;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	if ((st = moat_db_run(req, "note_delete", v, MOAT_NELEM(v), &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if (moat_rows_count(rows) == 0)
		return not_found(req, res);
	return moat_response_redirect(res, 303, "/notes");
}
