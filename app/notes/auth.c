/*
 * auth.c - registration, log-in and log-out.
 *
 * The broker does the real work (moat/session.h): it hashes and checks
 * passwords, throttles guessing, and issues the session cookie.  These
 * handlers only choose what the person sees.  A form that comes back
 * with a mistake is shown again with a message and status 400; it keeps
 * the user name the person typed (escaped by the template) but never a
 * password.  Requests no browser would send from these forms (a missing
 * or oversized field) were already refused by the route's field list.
 */
#include <stdio.h>
#include <string.h>

#include "notes.h"

/* Show a log-in or registration form again, with a message. */
static int
form_again(const struct moat_request *req, struct moat_response *res,
    const char *template_name, int status, const char *message)
{
	struct moat_view *v;
	const char *username = moat_request_field_text(req, "username");

	if ((v = moat_view_new(req)) == NULL ||
	    moat_view_text(v, "username", username ? username : "") != 0 ||
	    moat_view_text(v, "message", message) != 0)
		return -1;
	return render_status(req, res, status, template_name, v);
}

/* GET /register */
int
register_form(const struct moat_request *req, struct moat_response *res)
{
	return moat_render(req, res, "register.html", NULL);
}

/* POST /register (username, password, password2): 303 to /notes. */
int
register_post(const struct moat_request *req, struct moat_response *res)
{
	const char *username = moat_request_field_text(req, "username");
	const char *password = moat_request_field_text(req, "password");
	const char *again = moat_request_field_text(req, "password2");

	if (strcmp(password, again) != 0)
		return form_again(req, res, "register.html", 400,
		    "The two passwords are not the same.");
	switch (moat_register(req, username, password)) {
	case MOAT_AUTH_OK:
		/* The new account is signed in, under a new session cookie. */
		return moat_response_redirect(res, 303, "/notes");
	case MOAT_AUTH_TAKEN:
		return form_again(req, res, "register.html", 400,
		    "That name is taken. Please choose another.");
	case MOAT_AUTH_INVALID:
		return form_again(req, res, "register.html", 400,
		    "A name is 1 to 64 letters, digits, '.', '_' or '-'; "
		    "a password is 8 to 128 characters.");
	case MOAT_AUTH_DOWN:
		return error_page(req, res, 503);
	default:
		/* Every hashing slot is busy: a retry in a moment works. */
		if (moat_response_header(res, "Retry-After", "1") != 0)
			return -1;
		return form_again(req, res, "register.html", 503,
		    "The server is busy. Please try again in a moment.");
	}
}

/* GET /login */
int
login_form(const struct moat_request *req, struct moat_response *res)
{
	return moat_render(req, res, "login.html", NULL);
}

/* Too many failed log-ins: say how long to wait, in the header and the page. */
static int
throttled(const struct moat_request *req, struct moat_response *res,
    int retry_after)
{
	char secs[32], message[160];

	if (retry_after < 1)
		retry_after = 1;
	snprintf(secs, sizeof(secs), "%d", retry_after);
	snprintf(message, sizeof(message), "Too many failed attempts. "
	    "Please wait %d second%s and try again.", retry_after,
	    retry_after == 1 ? "" : "s");
	if (moat_response_header(res, "Retry-After", secs) != 0)
		return -1;
	return form_again(req, res, "login.html", 429, message);
}

/* POST /login (username, password): 303 to /notes. */
int
login_post(const struct moat_request *req, struct moat_response *res)
{
	int retry_after = 0;

	switch (moat_login(req, moat_request_field_text(req, "username"),
	    moat_request_field_text(req, "password"), &retry_after)) {
	case MOAT_AUTH_OK:
		return moat_response_redirect(res, 303, "/notes");
	case MOAT_AUTH_THROTTLED:
		return throttled(req, res, retry_after);
	case MOAT_AUTH_DOWN:
		return error_page(req, res, 503);
	case MOAT_AUTH_BUSY:
		if (moat_response_header(res, "Retry-After", "1") != 0)
			return -1;
		return form_again(req, res, "login.html", 503,
		    "The server is busy. Please try again in a moment.");
	default:
		/*
		 * One message for an unknown name, a wrong password and a
		 * locked account: telling them apart would let anyone find
		 * out which names exist.
		 */
		return form_again(req, res, "login.html", 400,
		    "Wrong user name or password.");
	}
}

/* POST /logout: the broker deletes the session; 303 to the front page. */
int
logout_post(const struct moat_request *req, struct moat_response *res)
{
	if (moat_logout(req) == MOAT_AUTH_DOWN)
		return error_page(req, res, 503);
	return moat_response_redirect(res, 303, "/");
}
