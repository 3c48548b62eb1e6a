/*
 * main.c - Moat Notes: private notes with attachments, and a guestbook.
 *
 * This file is the map of the application: every URL, the handler that
 * answers it, and the fields it accepts.  Moat checks each declared field
 * before the handler runs (a missing, oversized or malformed one is a 400
 * naming the field) and drops every field a route does not declare, so a
 * handler only ever reads typed, checked values.
 *
 * Where the rest lives:
 *   auth.c       register, log in, log out
 *   notes.c      the notes themselves
 *   files.c      attachments
 *   search.c     searching my notes
 *   guestbook.c  the shared guestbook
 *   account.c    changing my password
 *   admin.c      the user list, for admins
 *   home.c       the front page and /healthz
 *   templates/   every page (moat/template.h)
 *   ../../sql/notes.catalogue   every statement, and who may run it
 */
#include "notes.h"

/* Names and passwords: as long as the broker accepts, no longer. */
static const struct moat_field login_fields[] = {
	{ .name = "username", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = MOAT_USERNAME_MAX },
	{ .name = "password", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

static const struct moat_field register_fields[] = {
	{ .name = "username", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = MOAT_USERNAME_MAX },
	{ .name = "password", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
	{ .name = "password2", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

static const struct moat_field password_fields[] = {
	{ .name = "old", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
	{ .name = "new", .type = MOAT_FIELD_STRING, .required = true,
	    .max_len = MOAT_PASSWORD_MAX },
};

/* A title is one line; a body may have many (multiline allows CR LF). */
static const struct moat_field note_fields[] = {
	{ .name = "title", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = NOTE_TITLE_MAX },
	{ .name = "body", .type = MOAT_FIELD_STRING, .multiline = true,
	    .max_len = NOTE_BODY_MAX },
};

static const struct moat_field search_fields[] = {
	{ .name = "q", .type = MOAT_FIELD_STRING, .max_len = SEARCH_QUERY_MAX },
};

static const struct moat_field guestbook_fields[] = {
	{ .name = "message", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = GUESTBOOK_MESSAGE_MAX, .multiline = true },
};

#define FIELDS(f)	.fields = (f), .nfields = MOAT_NELEM(f)

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/", .handler = home },
	{ .method = "GET", .pattern = "/healthz", .handler = healthz },

	{ .method = "GET", .pattern = "/register", .handler = register_form },
	{ .method = "POST", .pattern = "/register", .handler = register_post,
	    FIELDS(register_fields) },
	{ .method = "GET", .pattern = "/login", .handler = login_form },
	{ .method = "POST", .pattern = "/login", .handler = login_post,
	    FIELDS(login_fields) },
	{ .method = "POST", .pattern = "/logout", .handler = logout_post },

	{ .method = "GET", .pattern = "/notes", .handler = notes_list },
	{ .method = "POST", .pattern = "/notes", .handler = notes_create,
	    FIELDS(note_fields) },
	{ .method = "GET", .pattern = "/notes/{id:int}", .handler = note_show },
	{ .method = "POST", .pattern = "/notes/{id:int}/edit",
	    .handler = note_edit, FIELDS(note_fields) },
	{ .method = "POST", .pattern = "/notes/{id:int}/delete",
	    .handler = note_delete },
	{ .method = "GET", .pattern = "/search", .handler = search,
	    FIELDS(search_fields) },

	/* Multipart: the file is read with moat_request_file(). */
	{ .method = "POST", .pattern = "/notes/{id:int}/files",
	    .handler = file_upload },
	{ .method = "GET", .pattern = "/files/{id:int}",
	    .handler = file_download },

	{ .method = "GET", .pattern = "/guestbook", .handler = guestbook_list },
	{ .method = "POST", .pattern = "/guestbook", .handler = guestbook_post,
	    FIELDS(guestbook_fields) },

	{ .method = "GET", .pattern = "/account", .handler = account_show },
	{ .method = "POST", .pattern = "/account/password",
	    .handler = account_password, FIELDS(password_fields) },

	{ .method = "GET", .pattern = "/admin/users", .handler = admin_users },
	{ .method = "POST", .pattern = "/admin/users/{id:int}/lock",
	    .handler = admin_lock },
};

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "moat-notes",
		.routes = routes,
		.nroutes = MOAT_NELEM(routes),
	};

	return moat_main(&app, argc, argv);
}
