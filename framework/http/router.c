/*
 * router.c - route compilation and matching (see router.h).
 *
 * Routes are tried in table order and the first match wins, so an app
 * lists "/notes/new" before "/notes/{id:str}".  Matching is a linear scan:
 * applications have tens of routes, and a scan over pre-split segments
 * costs less than one trip to the broker.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/nelem.h>

#include "http/fields.h"
#include "http/params.h"
#include "http/router.h"
#include "http/token.h"

static const struct {
	const char	*name;
	enum seg_type	 type;
} seg_types[] = {
	{ "int", SEG_INT },
	{ "slug", SEG_SLUG },
	{ "uuid", SEG_UUID },
	{ "str", SEG_STR },
};

static bool
is_param_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 32 || !(islower((unsigned char)s[0]) ||
	    s[0] == '_'))
		return false;
	for (i = 1; i < len; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Literal segments are restricted to characters that need no escaping. */
static bool
is_literal(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (!(isalnum((unsigned char)s[i]) ||
		    strchr("-._~!$&'()*+,;=:@", s[i]) != NULL))
			return false;
	return true;
}

/* Compile one "{name:type}" or literal segment of length len. */
static int
compile_segment(struct route_seg *seg, const char *s, size_t len)
{
	const char *colon;
	size_t i, nlen;

	if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
		colon = memchr(s, ':', len);
		if (colon == NULL)
			return -1;
		nlen = (size_t)(colon - s - 1);
		if (!is_param_name(s + 1, nlen))
			return -1;
		for (i = 0; i < MOAT_NELEM(seg_types); i++) {
			if (strlen(seg_types[i].name) ==
			    (size_t)(s + len - 1 - colon - 1) &&
			    memcmp(seg_types[i].name, colon + 1,
			    (size_t)(s + len - 1 - colon - 1)) == 0) {
				seg->type = seg_types[i].type;
				seg->text = strndup(s + 1, nlen);
				return seg->text == NULL ? -1 : 0;
			}
		}
		return -1;
	}
	if (!is_literal(s, len))
		return -1;
	seg->type = SEG_LITERAL;
	seg->text = strndup(s, len);
	return seg->text == NULL ? -1 : 0;
}

static bool
duplicate_param(const struct compiled_route *cr, size_t upto)
{
	size_t i;

	if (cr->segs[upto].type == SEG_LITERAL)
		return false;
	for (i = 0; i < upto; i++)
		if (cr->segs[i].type != SEG_LITERAL &&
		    strcmp(cr->segs[i].text, cr->segs[upto].text) == 0)
			return true;
	return false;
}

static int
compile_pattern(struct compiled_route *cr, const char *pattern)
{
	const char *p, *slash;
	size_t nparams = 0;

	if (pattern[0] != '/')
		return -1;
	cr->segs = calloc(ROUTER_MAX_SEGMENTS, sizeof(*cr->segs));
	if (cr->segs == NULL)
		return -1;
	for (p = pattern + 1; *p != '\0'; p = slash + 1) {
		if (cr->nsegs == ROUTER_MAX_SEGMENTS)
			return -1;
		if ((slash = strchr(p, '/')) == NULL)
			slash = p + strlen(p);
		/*
		 * "/a/" would compile like "/a" yet never match the path
		 * "/a/", which has an empty last segment: refuse it.
		 */
		else if (slash[1] == '\0')
			return -1;
		if (compile_segment(&cr->segs[cr->nsegs], p,
		    (size_t)(slash - p)) != 0)
			return -1;
		if (cr->segs[cr->nsegs].type != SEG_LITERAL &&
		    (++nparams > ROUTER_MAX_PARAMS ||
		    duplicate_param(cr, cr->nsegs))) {
			cr->nsegs++;
			return -1;
		}
		cr->nsegs++;
		if (*slash == '\0')
			break;
	}
	return 0;
}

static bool
same_route(const struct moat_route *a, const struct moat_route *b)
{
	return strcmp(a->method, b->method) == 0 &&
	    strcmp(a->pattern, b->pattern) == 0;
}

int
router_compile(struct router *r, const struct moat_route *routes,
    size_t nroutes, char *err, size_t errlen)
{
	char why[256];
	size_t i, j;

	r->nroutes = 0;
	if ((r->routes = calloc(nroutes ? nroutes : 1, sizeof(*r->routes)))
	    == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < nroutes; i++) {
		const struct moat_route *rt = &routes[i];

		r->routes[i].route = rt;
		r->nroutes++;
		if (rt->method == NULL || rt->pattern == NULL ||
		    rt->handler == NULL || !http_is_method(rt->method) ||
		    compile_pattern(&r->routes[i], rt->pattern) != 0) {
			snprintf(err, errlen, "route %zu (%s %s): invalid "
			    "method, pattern or handler", i,
			    rt->method ? rt->method : "(null)",
			    rt->pattern ? rt->pattern : "(null)");
			return -1;
		}
		/* A broken field declaration stops start-up, not a request. */
		if (fields_check_route(rt, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "route %zu (%s %s): %s", i,
			    rt->method, rt->pattern, why);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (same_route(rt, &routes[j])) {
				snprintf(err, errlen, "route %zu (%s %s): "
				    "declared twice", i, rt->method,
				    rt->pattern);
				return -1;
			}
		}
	}
	return 0;
}

void
router_free(struct router *r)
{
	size_t i, j;

	for (i = 0; i < r->nroutes; i++) {
		if (r->routes[i].segs == NULL)
			continue;
		for (j = 0; j < ROUTER_MAX_SEGMENTS; j++)
			free(r->routes[i].segs[j].text);
		free(r->routes[i].segs);
	}
	free(r->routes);
	r->routes = NULL;
	r->nroutes = 0;
}

static bool
is_dot_segment(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

int
router_split_path(struct arena *a, const char *raw, size_t len,
    const struct moat_limits *lim, struct path_segments *out,
    const char **why)
{
	size_t start, end;
	ssize_t dlen;
	char *seg;

	out->n = 0;
	out->too_many = false;
	if (len > lim->max_path_bytes) {
		*why = "path too long";
		return 414;
	}
	if (len == 0 || raw[0] != '/') {
		*why = "path does not start with /";
		return 400;
	}
	for (start = 1; start <= len; start = end + 1) {
		for (end = start; end < len && raw[end] != '/'; end++)
			;
		if (start == len && out->n == 0)
			break;		/* the path "/" */
		if ((seg = arena_alloc(a, end - start + 1)) == NULL) {
			*why = "path too long";
			return 414;
		}
		dlen = pct_decode(seg, raw + start, end - start, false);
		if (dlen < 0 || !text_valid(seg, (size_t)dlen)) {
			*why = "bad escape or invalid UTF-8 in path";
			return 400;
		}
		if (is_dot_segment(seg)) {
			*why = "dot segment in path";
			return 400;
		}
		if (out->n == ROUTER_MAX_SEGMENTS)
			out->too_many = true;
		else
			out->seg[out->n++] = seg;
	}
	return 0;
}

bool
router_parse_int(const char *s, long long *out)
{
	unsigned long long v = 0, limit = (unsigned long long)INT64_MAX;
	bool neg = false;
	const char *p = s;

	if (*p == '-') {
		neg = true;
		limit++;
		p++;
	}
	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0') ||
	    (neg && p[0] == '0'))
		return false;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (limit - (unsigned long long)(*p - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (neg)
		*out = v == limit ? INT64_MIN : -(long long)v;
	else
		*out = (long long)v;
	return true;
}

static bool
is_slug(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool
segment_matches(const struct route_seg *rs, const char *seg)
{
	long long ignored;

	switch (rs->type) {
	case SEG_LITERAL:
		return strcmp(rs->text, seg) == 0;
	case SEG_INT:
		return router_parse_int(seg, &ignored);
	case SEG_SLUG:
		return is_slug(seg);
	case SEG_UUID:
		return http_is_uuid(seg);
	case SEG_STR:
		return *seg != '\0';
	}
	return false;
}

static bool
path_matches(const struct compiled_route *cr, const struct path_segments *p)
{
	size_t i;

	if (cr->nsegs != p->n || p->too_many)
		return false;
	for (i = 0; i < p->n; i++)
		if (!segment_matches(&cr->segs[i], p->seg[i]))
			return false;
	return true;
}

static bool
method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	    (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

/* Add a method to the Allow list unless it is already there. */
static void
allow_add(char *allow, const char *method)
{
	size_t len = strlen(allow), mlen = strlen(method);
	const char *p;

	for (p = allow; (p = strstr(p, method)) != NULL; p += mlen)
		if ((p == allow || p[-1] == ' ') &&
		    (p[mlen] == ',' || p[mlen] == '\0'))
			return;
	if (len + mlen + 3 > ROUTER_ALLOW_MAX)
		return;
	if (len > 0)
		memcpy(allow + len, ", ", 3), len += 2;
	memcpy(allow + len, method, mlen + 1);
}

static void
fill_params(const struct compiled_route *cr, const struct path_segments *p,
    struct route_match *m)
{
	size_t i;

	m->route = cr->route;
	m->nparams = 0;
	for (i = 0; i < cr->nsegs; i++) {
		if (cr->segs[i].type == SEG_LITERAL)
			continue;
		m->params[m->nparams].name = cr->segs[i].text;
		m->params[m->nparams].value = p->seg[i];
		m->nparams++;
	}
}

enum route_result
router_match(const struct router *r, const char *method,
    const struct path_segments *path, struct route_match *m)
{
	const struct compiled_route *cr;
	bool path_known = false;
	size_t i;

	m->route = NULL;
	m->nparams = 0;
	m->allow[0] = '\0';
	for (i = 0; i < r->nroutes; i++) {
		cr = &r->routes[i];
		if (!path_matches(cr, path))
			continue;
		if (method_matches(cr->route->method, method)) {
			fill_params(cr, path, m);
			return ROUTE_FOUND;
		}
		path_known = true;
		allow_add(m->allow, cr->route->method);
		if (strcmp(cr->route->method, "GET") == 0)
			allow_add(m->allow, "HEAD");
	}
	return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}
