/*
 * session.h - sessions, accounts and CSRF tokens.
 *
 * All of it is decided by the broker: the worker passes on the session
 * cookie and the form fields, and gets back decisions (who is signed in,
 * with which role, whether a password was right), never a hash or a key.
 *
 * The session cookie is "__Host-moat" (Secure, HttpOnly, SameSite=Lax,
 * Path=/).  It is read from the Cookie header only; a session id in a URL
 * or form field is never accepted.  Moat sets, replaces and clears the
 * cookie itself when the response is sent, and marks every response that
 * used a session "Cache-Control: no-store".
 */
#ifndef MOAT_SESSION_H
#define MOAT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <moat/request.h>

/** Name of the CSRF form field that moat_csrf_token()'s value goes in. */
#define MOAT_CSRF_FIELD		"csrf_token"

/** Shortest and longest accepted password, in bytes of UTF-8. */
#define MOAT_PASSWORD_MIN	8
#define MOAT_PASSWORD_MAX	128

/** Longest user name, in bytes ([A-Za-z0-9_.-]). */
#define MOAT_USERNAME_MAX	64

/** Outcome of an account operation. */
enum moat_auth {
	MOAT_AUTH_OK = 0,
	MOAT_AUTH_DENIED,	/* wrong user name or password, or locked */
	MOAT_AUTH_THROTTLED,	/* too many failures: wait, then retry */
	MOAT_AUTH_TAKEN,	/* register: the name is in use */
	MOAT_AUTH_INVALID,	/* a name or password outside the rules */
	MOAT_AUTH_BUSY,		/* every hashing slot is busy: retry */
	MOAT_AUTH_DOWN,		/* broker or database unreachable */
};

/** The signed-in user's id, or 0 for nobody. */
int64_t		 moat_session_user(const struct moat_request *req);

/** True if the signed-in user is an administrator. */
bool		 moat_session_is_admin(const struct moat_request *req);

/**
 * The CSRF token of this request's session, to be sent back in the
 * MOAT_CSRF_FIELD form field (templates: {% csrf_field %}).  Starts an
 * anonymous session if there is none, so that log-in and registration
 * forms are protected too.  NULL if the broker cannot be reached.
 */
const char	*moat_csrf_token(const struct moat_request *req);

/**
 * Create an account and sign it in.  The name must be 1..MOAT_USERNAME_MAX
 * bytes of [A-Za-z0-9_.-], the password MOAT_PASSWORD_MIN..MAX bytes of
 * valid UTF-8; neither is ever truncated.
 */
enum moat_auth	 moat_register(const struct moat_request *req,
		    const char *username, const char *password);

/**
 * Sign in.  An unknown name, a wrong password and a locked account all give
 * MOAT_AUTH_DENIED after the same amount of work.  MOAT_AUTH_THROTTLED
 * means recent failures for this name or client address ask for a pause;
 * *retry_after (if not NULL) is then the wait in seconds.
 */
enum moat_auth	 moat_login(const struct moat_request *req,
		    const char *username, const char *password,
		    int *retry_after);

/** Sign out: the session is deleted on the server and the cookie cleared. */
enum moat_auth	 moat_logout(const struct moat_request *req);

/**
 * Change the signed-in user's password; old_password must be right.  The
 * session gets a new token and every other session of the user ends.
 */
enum moat_auth	 moat_password_change(const struct moat_request *req,
		    const char *old_password, const char *new_password);

/**
 * Admins only: lock or unlock an account.  Locking ends all of its
 * sessions.  MOAT_AUTH_DENIED if the caller is not an admin or there is
 * no such user.
 */
enum moat_auth	 moat_account_lock(const struct moat_request *req,
		    int64_t user_id, bool locked);

#endif
