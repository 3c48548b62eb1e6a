/*
 * session.h - the worker's side of sessions, for the request loop.
 *
 * The public API is moat/session.h.  This is what the worker calls around
 * each handler: forget the last request's session, check CSRF before an
 * unsafe request runs, and put the session's cookie and cache headers on
 * the response.
 */
#ifndef MOAT_WORKER_SESSION_H
#define MOAT_WORKER_SESSION_H

#include <stdbool.h>

#include <moat/app.h>
#include <moat/request.h>
#include <moat/response.h>

#define SESSION_COOKIE		"__Host-moat"
#define SESSION_TOKEN_LEN	43

/* A new request: nothing is known about its session yet. */
void	session_request_begin(void);

/* Is the request's session live?  Asks the broker if not done yet. */
bool	session_live(const struct moat_request *req);

/* The live session's CSRF token, or NULL. */
const char *session_csrf(void);

/*
 * May this request run?  Unsafe methods must come from this site
 * (Origin, Sec-Fetch-Site) and, when the request carries a live session,
 * with its CSRF token in the MOAT_CSRF_FIELD form field or the
 * X-CSRF-Token header (unless the route is MOAT_ROUTE_CSRF_EXEMPT).
 * 0, or 403 with *why set for the log.
 */
int	csrf_check(const struct moat_request *req,
	    const struct moat_route *route, const char **why);

/* True for GET, HEAD, OPTIONS and TRACE. */
bool	csrf_method_is_safe(const char *method);

/*
 * Is origin (an Origin header: "https://example.com:8443") this request's
 * own site?  Scheme from HTTPS, host from the Host header, port from the
 * Host header or else SERVER_PORT (nginx's $host has no port).
 */
bool	csrf_origin_matches(const struct moat_request *req,
	    const char *origin);

/*
 * The response is complete: add the session cookie (set, replaced or
 * cleared) and, if the session was used, Cache-Control: no-store.
 */
void	session_finish(const struct moat_request *req,
	    struct moat_response *res);

#endif
