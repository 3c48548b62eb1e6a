/*
 * urlencoded.c - query strings and application/x-www-form-urlencoded
 * bodies (see params.h).
 *
 * Empty pairs ("a=1&&b=2", a trailing '&') are skipped as browsers never
 * send them but hand-written links do.  Everything else that is not a
 * clean name[=value] is refused rather than guessed at: a parser that
 * guesses differently from the proxy in front of it is a filter bypass.
 */
#include <string.h>

#include "http/params.h"

/*
 * Decode one name or value into a fresh arena string.  A percent-escape
 * never decodes to more than one byte per three, so a raw length past
 * three times the cap cannot fit and is refused before allocating.
 */
static int
decode_part(struct arena *a, const char *src, size_t len, size_t max,
    char **out, size_t *outlen, const char **why, bool is_name)
{
	ssize_t n;
	char *p;

	if (len / 3 > max) {
		*why = is_name ? "parameter name too long" :
		    "parameter value too long";
		return 413;
	}
	if ((p = arena_alloc(a, len + 1)) == NULL) {
		*why = "request too large";
		return 413;
	}
	if ((n = pct_decode(p, src, len, true)) < 0) {
		*why = is_name ? "bad percent-escape in name" :
		    "bad percent-escape in value";
		return 400;
	}
	if ((size_t)n > max) {
		*why = is_name ? "parameter name too long" :
		    "parameter value too long";
		return 413;
	}
	if (!text_valid(p, (size_t)n)) {
		*why = is_name ? "parameter name is not UTF-8 text" :
		    "parameter value is not UTF-8 text";
		return 400;
	}
	*out = p;
	*outlen = (size_t)n;
	return 0;
}

/* One non-empty "name[=value]" pair. */
static int
parse_pair(struct arena *a, const char *s, size_t len,
    const struct moat_limits *lim, struct param_list *out, const char **why)
{
	const char *eq;
	size_t nlen, vlen;
	char *name, *value;
	int rc;

	if ((eq = memchr(s, '=', len)) == NULL)
		eq = s + len;
	if (eq == s) {
		*why = "empty parameter name";
		return 400;
	}
	if ((rc = decode_part(a, s, (size_t)(eq - s), lim->max_name_bytes,
	    &name, &nlen, why, true)) != 0)
		return rc;
	if (eq == s + len)
		vlen = 0;
	else
		vlen = len - (size_t)(eq - s) - 1;
	if ((rc = decode_part(a, vlen > 0 ? eq + 1 : "", vlen,
	    lim->max_value_bytes, &value, &vlen, why, false)) != 0)
		return rc;
	if (param_list_add(a, out, name, value, vlen) == -1) {
		*why = "request too large";
		return 413;
	}
	return 0;
}

int
urlencoded_parse(struct arena *a, const char *src, size_t len,
    const struct moat_limits *lim, struct param_list *out, const char **why)
{
	const char *amp;
	size_t kept = 0, n;
	int rc;

	while (len > 0) {
		if ((amp = memchr(src, '&', len)) == NULL)
			n = len;
		else
			n = (size_t)(amp - src);
		if (n > 0) {
			if (kept++ >= lim->max_params) {
				*why = "too many parameters";
				return 413;
			}
			if ((rc = parse_pair(a, src, n, lim, out, why)) != 0)
				return rc;
		}
		if (amp == NULL)
			break;
		src += n + 1;
		len -= n + 1;
	}
	return 0;
}
