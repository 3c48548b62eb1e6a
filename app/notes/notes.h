/*
 * notes.h - Moat Notes, the reference application: what its files share.
 *
 * Each area (accounts, notes, files, search, guestbook, account, admin)
 * has its own file of handlers; main.c holds the route table, which is
 * the one place to read to see every URL, its method and its fields.
 * Everything here uses Moat's public API only (<moat/moat.h>).
 */
#ifndef NOTES_H
#define NOTES_H

#include <moat/moat.h>

/* Longest note title and body, and guestbook message, in bytes.  The
 * catalogue (sql/notes.catalogue) declares the same caps: keep them equal. */
#define NOTE_TITLE_MAX		200
#define NOTE_BODY_MAX		10000
#define GUESTBOOK_MESSAGE_MAX	1000
#define SEARCH_QUERY_MAX	200
/* Longest attachment name kept, in bytes (longer ones are cut). */
#define FILE_NAME_MAX		200

/* --- helpers (common.c) ---------------------------------------------- */

/*
 * For a page that needs a signed-in user: true if there is one.  If not,
 * the response is already a 303 to /login, and the handler returns 0.
 */
bool	need_user(const struct moat_request *req, struct moat_response *res);

/* A view for a signed-in page: the navigation needs to know the role. */
struct moat_view *page_view(const struct moat_request *req);

/*
 * Append row r of rows to the list called list in v: column 0 under the
 * name columns[0], and so on up to the NULL that ends columns (later
 * columns are left out).  The new row, or NULL when out of memory.
 */
struct moat_view *view_add_row(struct moat_view *v, const char *list,
	    const struct moat_rows *rows, size_t r, const char *const *columns);

/* Every row of rows, as view_add_row(); 0 or -1. */
int	view_add_rows(struct moat_view *v, const char *list,
	    const struct moat_rows *rows, const char *const *columns);

/*
 * A generic error page (templates/error.html) with the given status.
 * It never shows request input; the incident id ties it to the log.
 */
int	error_page(const struct moat_request *req, struct moat_response *res,
	    int status);

/* 404: a note or file that does not exist and one that is not yours
 * get this same answer, so nobody can probe for other users' ids. */
int	not_found(const struct moat_request *req, struct moat_response *res);

/* The answer to a failed statement: 503 when the database is down,
 * else -1 (a generic 500, with the reason logged by Moat). */
int	db_failed(const struct moat_request *req, struct moat_response *res,
	    enum moat_db_status st);

/* Render template with status (a form shown again with a message). */
int	render_status(const struct moat_request *req, struct moat_response *res,
	    int status, const char *template_name, const struct moat_view *v);

/* --- handlers ---------------------------------------------------------- */

int	home(const struct moat_request *, struct moat_response *);
int	healthz(const struct moat_request *, struct moat_response *);

int	register_form(const struct moat_request *, struct moat_response *);
int	register_post(const struct moat_request *, struct moat_response *);
int	login_form(const struct moat_request *, struct moat_response *);
int	login_post(const struct moat_request *, struct moat_response *);
int	logout_post(const struct moat_request *, struct moat_response *);

int	notes_list(const struct moat_request *, struct moat_response *);
int	notes_create(const struct moat_request *, struct moat_response *);
int	note_show(const struct moat_request *, struct moat_response *);
int	note_edit(const struct moat_request *, struct moat_response *);
int	note_delete(const struct moat_request *, struct moat_response *);

int	search(const struct moat_request *, struct moat_response *);

int	file_upload(const struct moat_request *, struct moat_response *);
int	file_download(const struct moat_request *, struct moat_response *);

int	guestbook_list(const struct moat_request *, struct moat_response *);
int	guestbook_post(const struct moat_request *, struct moat_response *);

int	account_show(const struct moat_request *, struct moat_response *);
int	account_password(const struct moat_request *, struct moat_response *);

int	admin_users(const struct moat_request *, struct moat_response *);
int	admin_lock(const struct moat_request *, struct moat_response *);

#endif
