/*
 * cookies.c - the Cookie request header (RFC 6265 section 4.2).
 *
 * Values are not percent-decoded: RFC 6265 gives them no encoding, and
 * the session cookie is handed to the broker byte for byte.  Instead a
 * value must consist of cookie-octets only, which keeps quotes, commas,
 * backslashes, spaces and control characters out of anything a handler
 * might echo or log.  Whitespace is tolerated where real clients put it:
 * around the header, after ';' and around '='.
 *
 * A pair that breaks these rules is skipped, not fatal.  The browser
 * sends every cookie in scope, including ones a sibling subdomain or
 * another app on the same host set, and the user cannot remove them; if
 * one bad cookie got a 400, that browser would be locked out of the site
 * until the cookie expired.  Only what is a danger or a cost to Moat
 * itself refuses the request: a NUL byte (which would cut a C string
 * short behind a check), a header over max_cookie_bytes, a full arena.
 * Past max_params, further cookies are skipped too: the header cap
 * already bounds the work.
 */
#include <string.h>

#include <moat/log.h>

#include "http/params.h"
#include "http/token.h"

/* RFC 6265 cookie-octet: printable ASCII but for DQUOTE , ; \ */
static bool
is_cookie_octet(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' &&
	    c != '\\';
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Shrink s[0..*len) past whitespace at both ends. */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && is_ows(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && is_ows(s[*len - 1]))
		(*len)--;
	return s;
}

static int
check_name(const char *s, size_t len, const struct moat_limits *lim,
    const char **why)
{
	size_t i;

	if (len == 0) {
		*why = "empty cookie name";
		return 400;
	}
	for (i = 0; i < len; i++) {
		if (!http_is_tchar((unsigned char)s[i])) {
			*why = "bad character in cookie name";
			return 400;
		}
	}
	if (len > lim->max_name_bytes) {
		*why = "cookie name too long";
		return 413;
	}
	return 0;
}

/* Strips the optional quotes: *s and *len are updated in place. */
static int
check_value(const char **s, size_t *len, const struct moat_limits *lim,
    const char **why)
{
	size_t i;

	if (*len >= 2 && (*s)[0] == '"' && (*s)[*len - 1] == '"') {
		(*s)++;
		*len -= 2;
	}
	for (i = 0; i < *len; i++) {
		if (!is_cookie_octet((unsigned char)(*s)[i])) {
			*why = "bad character in cookie value";
			return 400;
		}
	}
	if (*len > lim->max_value_bytes) {
		*why = "cookie value too long";
		return 413;
	}
	return 0;
}

/*
 * One non-empty, trimmed "name=value": 0 when it was added, 400 or 413
 * with *why when it is malformed (the caller skips it), -1 when the
 * arena is full.
 */
static int
parse_pair(struct arena *a, const char *s, size_t len,
    const struct moat_limits *lim, struct param_list *out, const char **why)
{
	const char *eq, *n, *v;
	size_t nlen, vlen;
	char *name, *value;
	int rc;

	if ((eq = memchr(s, '=', len)) == NULL) {
		*why = "cookie without '='";
		return 400;
	}
	nlen = (size_t)(eq - s);
	n = trim(s, &nlen);
	vlen = len - (size_t)(eq - s) - 1;
	v = trim(eq + 1, &vlen);
	if ((rc = check_name(n, nlen, lim, why)) != 0 ||
	    (rc = check_value(&v, &vlen, lim, why)) != 0)
		return rc;
	if ((name = arena_strndup(a, n, nlen)) == NULL ||
	    (value = arena_strndup(a, v, vlen)) == NULL ||
	    param_list_add(a, out, name, value, vlen) == -1)
		return -1;
	return 0;
}

/* Says once per request what was skipped; never a name or a value. */
static void
log_skipped(size_t skipped, const char *first_why)
{
	if (skipped > 0)
		moat_log_debug("request: skipped %zu cookie%s (first: %s)",
		    skipped, skipped == 1 ? "" : "s", first_why);
}

int
cookies_parse(struct arena *a, const char *src, size_t len,
    const struct moat_limits *lim, struct param_list *out, const char **why)
{
	const char *semi, *p, *skip_why = NULL;
	size_t kept = 0, skipped = 0, n, plen;
	int rc;

	if (len > lim->max_cookie_bytes) {
		*why = "cookie header too long";
		return 413;
	}
	if (len > 0 && memchr(src, '\0', len) != NULL) {
		*why = "NUL in cookie header";
		return 400;
	}
	for (; len > 0; src += n + 1, len -= n + 1) {
		semi = memchr(src, ';', len);
		n = semi != NULL ? (size_t)(semi - src) : len;
		plen = n;
		p = trim(src, &plen);
		if (plen == 0)
			rc = 0;		/* "a=1;;b=2": nothing there */
		else if (kept >= lim->max_params) {
			rc = 413;
			*why = "too many cookies";
		} else if ((rc = parse_pair(a, p, plen, lim, out,
		    why)) == -1) {
			*why = "request too large";
			return 413;
		} else if (rc == 0)
			kept++;
		if (rc != 0 && skipped++ == 0)
			skip_why = *why;
		if (semi == NULL)
			break;
	}
	log_skipped(skipped, skip_why);
	return 0;
}
