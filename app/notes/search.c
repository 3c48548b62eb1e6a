/*
 * search.c - GET /search?q=...: my notes whose title or body holds q.
 *
 * Note bodies are sealed by the broker before PostgreSQL sees them, so
 * SQL cannot search them (sql/README.md, "Encryption at rest").  The
 * broker hands back this user's notes, opened, and the match happens
 * here, in the worker, which is allowed to see them.  That is the price
 * of encryption at rest; note_search_source caps how many notes a search
 * reads.
 */
#include <string.h>

#include "notes.h"

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Does text hold q?  Case-insensitive for ASCII letters only; any other
 * byte must match exactly, so a UTF-8 sequence is never split or folded.
 */
static bool
matches(const char *text, const char *q)
{
	size_t i, n = strlen(q);

	if (text == NULL)
		return false;
	for (; *text != '\0'; text++) {
		for (i = 0; i < n && text[i] != '\0' &&
		    lower((unsigned char)text[i]) == lower((unsigned char)q[i]);
		    i++)
			;
		if (i == n)
			return true;
	}
	return n == 0;
}

/* The rows (id, title, body) that match q, as the list "results". */
static int
add_results(struct moat_view *v, const struct moat_rows *rows, const char *q)
{
	static const char *const columns[] = { "id", "title", NULL };
	size_t r;
	int64_t found = 0;

	for (r = 0; r < moat_rows_count(rows); r++) {
		if (!matches(moat_rows_text(rows, r, 1), q) &&
		    !matches(moat_rows_text(rows, r, 2), q))
			continue;
		if (view_add_row(v, "results", rows, r, columns) == NULL)
			return -1;
		found++;
	}
	return moat_view_int(v, "found", found);
}

int
search(const struct moat_request *req, struct moat_response *res)
{
	const char *q = moat_request_field_text(req, "q");
	struct moat_rows *rows;
	struct moat_view *v;
	enum moat_db_status st;

	if (!need_user(req, res))
		return 0;
	if ((v = page_view(req)) == NULL)
		return -1;
	if (q == NULL)		/* no search yet: just the form */
		return moat_render(req, res, "search.html", v);
	if ((st = moat_db_run(req, "note_search_source", NULL, 0, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	/* q goes back into the page as a view value: the template escapes. */
	if (moat_view_text(v, "q", q) != 0 ||
	    moat_view_bool(v, "searched", true) != 0 ||
	    add_results(v, rows, q) != 0)
		return -1;
	return moat_render(req, res, "search.html", v);
}
