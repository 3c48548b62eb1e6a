/*
 * router.h - matching a request's method and path to a route.
 *
 * Routes are compiled once at start-up, before any worker exists, so a
 * pattern error stops the program with a message instead of surfacing as
 * a 404 in production.  Matching works on decoded path segments: a "%2F"
 * in a segment stays inside that segment and can never make a new one.
 */
#ifndef MOAT_HTTP_ROUTER_H
#define MOAT_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include <moat/app.h>

#include "core/arena.h"
#include "core/limits.h"

#define ROUTER_MAX_SEGMENTS	32
#define ROUTER_MAX_PARAMS	8
#define ROUTER_ALLOW_MAX	128

enum seg_type {
	SEG_LITERAL,
	SEG_INT,
	SEG_SLUG,
	SEG_UUID,
	SEG_STR,
};

struct route_seg {
	enum seg_type	 type;
	char		*text;		/* the literal, or the parameter name */
};

struct compiled_route {
	const struct moat_route	*route;
	struct route_seg	*segs;
	size_t			 nsegs;
};

struct router {
	struct compiled_route	*routes;
	size_t			 nroutes;
};

/* A request path cut into decoded segments ("/" has none). */
struct path_segments {
	char	*seg[ROUTER_MAX_SEGMENTS];
	size_t	 n;
	bool	 too_many;	/* more segments than any route can have */
};

struct route_param {
	const char	*name;
	const char	*value;
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD,	/* path known, method not: 405 with allow */
};

struct route_match {
	const struct moat_route	*route;
	struct route_param	 params[ROUTER_MAX_PARAMS];
	size_t			 nparams;
	char			 allow[ROUTER_ALLOW_MAX];
};

/* Compile the app's routes; -1 with a message naming the bad route. */
int	router_compile(struct router *r, const struct moat_route *routes,
	    size_t nroutes, char *err, size_t errlen);
void	router_free(struct router *r);

/*
 * Cut the raw path (no query string) into decoded segments.  Returns 0, or
 * 400 for a malformed path: bad escape, invalid UTF-8, NUL, a "." or ".."
 * segment, a missing leading '/'; 414 past lim->max_path_bytes.
 */
int	router_split_path(struct arena *a, const char *raw, size_t len,
	    const struct moat_limits *lim, struct path_segments *out,
	    const char **why);

enum route_result router_match(const struct router *r, const char *method,
	    const struct path_segments *path, struct route_match *m);

/* True if s is a decimal int64 as {name:int} accepts it; stores it. */
bool	router_parse_int(const char *s, long long *out);

#endif
