/*
 * csrf.c - cross-site request forgery checks for unsafe methods.
 *
 * Two independent defences, as OWASP's CSRF cheat sheet recommends:
 *
 * 1. Fetch metadata and Origin.  Browsers say where a request comes from
 *    (Sec-Fetch-Site) and on which page it was made (Origin).  Anything
 *    but our own origin is refused.  Clients that send neither (curl,
 *    old browsers) carry on to the token check.
 * 2. A synchronizer token.  A request that carries a live session must
 *    also carry that session's CSRF token, which a page of another site
 *    cannot read.  Without a session there is nothing to act on behalf
 *    of, so nothing to forge; log-in forms get an anonymous session when
 *    they render their token (moat_csrf_token()), so they are covered.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include <moat/session.h>

#include "http/request_internal.h"
#include "worker/channel.h"
#include "worker/session.h"

bool
csrf_method_is_safe(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	    strcmp(method, "OPTIONS") == 0 || strcmp(method, "TRACE") == 0;
}

/*
 * Split "host", "host:port" or "[v6]:port" of len bytes; port is "" when
 * absent.  False if either part is empty or too long.
 */
static bool
split_hostport(const char *s, size_t len, char *host, size_t hlen,
    char *port, size_t plen)
{
	const char *colon = NULL, *p;
	size_t n;

	if (len > 0 && s[0] == '[') {
		if ((p = memchr(s, ']', len)) == NULL)
			return false;
		if (p + 1 < s + len) {
			if (p[1] != ':')
				return false;
			colon = p + 1;
		}
	} else
		colon = memchr(s, ':', len);
	n = colon != NULL ? (size_t)(colon - s) : len;
	if (n == 0 || n >= hlen)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	n = colon != NULL ? len - n - 1 : 0;
	if ((colon != NULL && n == 0) || n >= plen)
		return false;
	if (colon != NULL)
		memcpy(port, colon + 1, n);
	port[n] = '\0';
	return true;
}

bool
csrf_origin_matches(const struct moat_request *req, const char *origin)
{
	bool tls = req->https != NULL && strcasecmp(req->https, "on") == 0;
	const char *scheme = tls ? "https://" : "http://";
	const char *dflt = tls ? "443" : "80", *host, *want;
	char oh[256], op[8], hh[256], hp[8];

	host = moat_request_header(req, "Host");
	if (host == NULL || strncasecmp(origin, scheme, strlen(scheme)) != 0)
		return false;
	origin += strlen(scheme);
	if (strchr(origin, '/') != NULL ||
	    !split_hostport(origin, strlen(origin), oh, sizeof(oh), op,
	    sizeof(op)) ||
	    !split_hostport(host, strlen(host), hh, sizeof(hh), hp, sizeof(hp))
	    || strcasecmp(oh, hh) != 0)
		return false;
	/* nginx may pass the Host without its port: then the server's. */
	want = hp[0] != '\0' ? hp : req->server_port != NULL ?
	    req->server_port : dflt;
	return strcmp(op[0] != '\0' ? op : dflt, want) == 0;
}

/* Sec-Fetch-Site and Origin, when the browser sent them. */
static int
check_origin(const struct moat_request *req, const char **why)
{
	const char *site = moat_request_header(req, "Sec-Fetch-Site");
	const char *origin = moat_request_header(req, "Origin");

	/* "none": the user typed or bookmarked it, no page was involved. */
	if (site != NULL && strcmp(site, "same-origin") != 0 &&
	    strcmp(site, "none") != 0) {
		*why = "CSRF: request from another site (Sec-Fetch-Site)";
		return 403;
	}
	if (origin == NULL)
		return 0;
	if (!csrf_origin_matches(req, origin)) {
		*why = "CSRF: Origin is not this site";
		return 403;
	}
	return 0;
}

/* The token from the form field, or from a header for scripts. */
static const char *
sent_token(const struct moat_request *req)
{
	const char *t = moat_request_form(req, MOAT_CSRF_FIELD);

	return t != NULL ? t : moat_request_header(req, "X-CSRF-Token");
}

int
csrf_check(const struct moat_request *req, const struct moat_route *route,
    const char **why)
{
	const char *want, *got;
	int status;

	if (csrf_method_is_safe(req->method))
		return 0;
	if ((status = check_origin(req, why)) != 0)
		return status;
	if ((route->flags & MOAT_ROUTE_CSRF_EXEMPT) ||
	    moat_request_cookie(req, SESSION_COOKIE) == NULL)
		return 0;
	if (!session_live(req)) {
		/* Unknown or expired: nothing to forge.  Unknowable (the
		 * database is away): do not guess, try again later. */
		if (!channel_unavailable())
			return 0;
		*why = "CSRF: the session could not be checked";
		return 503;
	}
	want = session_csrf();
	got = sent_token(req);
	if (want == NULL || got == NULL || strlen(got) != strlen(want) ||
	    sodium_memcmp(got, want, strlen(want)) != 0) {
		*why = got == NULL ? "CSRF: token missing" :
		    "CSRF: token does not match the session";
		return 403;
	}
	return 0;
}
