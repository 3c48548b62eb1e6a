// fuzz-sources: framework/http/router.c
/*
 * fuzz_router.c - libFuzzer target for router_split_path and router_match.
 *
 * The first byte picks the method and the path limit, the rest is the
 * raw path.  The route table has every segment type, literals that
 * compete with them, a 405-only path and a route of the full 32 segments.
 * Whatever matches must keep the promises handlers rely on: typed
 * parameters that really have their type (an int that prints back as the
 * same text), no dot segments, no NUL, valid UTF-8.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/nelem.h>

#include "fuzz.h"
#include "http/params.h"
#include "http/router.h"

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/new", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/{id:int}", .handler = fuzz_handler },
	{ .method = "POST", .pattern = "/notes/{id:int}", .handler = fuzz_handler },
	{ .method = "DELETE", .pattern = "/notes/{id:int}", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/{id:int}/edit", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/{title:str}", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/u/{name:slug}", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/x/{id:uuid}", .handler = fuzz_handler },
	{ .method = "PUT", .pattern = "/files/{path:str}", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/a/{x:int}/{y:slug}/{z:uuid}/{w:str}", .handler = fuzz_handler },
	{ .method = "PATCH", .pattern = "/only-patch", .handler = fuzz_handler },
	{ "GET", "/d/{a:int}/{b:int}/{c:int}/{d:int}/{e:int}/{f:int}/{g:int}"
	    "/{h:int}/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d",
	    fuzz_handler },
};

static const char *const methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get",
};

static struct router router;

static enum seg_type
param_type(const struct compiled_route *cr, const char *name)
{
	size_t i;

	for (i = 0; i < cr->nsegs; i++)
		if (cr->segs[i].type != SEG_LITERAL &&
		    strcmp(cr->segs[i].text, name) == 0)
			return cr->segs[i].type;
	abort();
}

static const struct compiled_route *
compiled(const struct moat_route *rt)
{
	size_t i;

	for (i = 0; i < router.nroutes; i++)
		if (router.routes[i].route == rt)
			return &router.routes[i];
	abort();
}

static void
check_param(enum seg_type type, const char *v)
{
	char back[32];
	long long n;
	size_t i, len = strlen(v);

	switch (type) {
	case SEG_INT:
		/* Canonical: it prints back as exactly the same text. */
		if (!router_parse_int(v, &n))
			abort();
		snprintf(back, sizeof(back), "%lld", n);
		if (strcmp(back, v) != 0)
			abort();
		break;
	case SEG_SLUG:
		if (len == 0)
			abort();
		for (i = 0; i < len; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '-' &&
			    v[i] != '_')
				abort();
		break;
	case SEG_UUID:
		if (len != 36)
			abort();
		break;
	case SEG_STR:
		if (len == 0)
			abort();
		break;
	case SEG_LITERAL:
		abort();
	}
}

static void
check_segments(const struct path_segments *p, const char *raw, size_t len)
{
	size_t i, slashes = 0;

	for (i = 0; i < len; i++)
		if (raw[i] == '/')
			slashes++;
	/* One segment per '/', except for the path "/" itself. */
	if (len == 1 ? p->n != 0 : (p->too_many ? slashes <= 32 || p->n != 32 :
	    p->n != slashes))
		abort();
	for (i = 0; i < p->n; i++) {
		if (!text_valid(p->seg[i], strlen(p->seg[i])) ||
		    strcmp(p->seg[i], ".") == 0 || strcmp(p->seg[i], "..") == 0)
			abort();
	}
}

static void
check_match(enum route_result rr, const char *method,
    const struct path_segments *p, const struct route_match *m)
{
	const struct compiled_route *cr;
	size_t i;

	switch (rr) {
	case ROUTE_FOUND:
		/* allow may hold methods of routes tried before this one. */
		if (m->route == NULL || m->nparams > ROUTER_MAX_PARAMS ||
		    p->too_many)
			abort();
		if (strcmp(m->route->method, method) != 0 &&
		    !(strcmp(method, "HEAD") == 0 &&
		    strcmp(m->route->method, "GET") == 0))
			abort();
		cr = compiled(m->route);
		if (cr->nsegs != p->n)
			abort();
		for (i = 0; i < m->nparams; i++)
			check_param(param_type(cr, m->params[i].name),
			    m->params[i].value);
		break;
	case ROUTE_BAD_METHOD:
		if (m->route != NULL || m->allow[0] == '\0' ||
		    strlen(m->allow) >= ROUTER_ALLOW_MAX)
			abort();
		break;
	case ROUTE_NOT_FOUND:
		if (m->route != NULL || m->allow[0] != '\0')
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool compiled_once;
	struct moat_limits lim;
	struct path_segments p;
	struct route_match m;
	struct arena a;
	const char *why = NULL, *method, *raw;
	char err[256];
	int rc;

	if (!compiled_once) {
		if (router_compile(&router, routes,
		    MOAT_NELEM(routes), err, sizeof(err)) != 0)
			abort();
		compiled_once = true;
	}
	if (size < 1)
		return 0;
	method = methods[data[0] % (MOAT_NELEM(methods))];
	memset(&lim, 0, sizeof(lim));
	lim.max_path_bytes = data[0] & 0x80 ? 2048 : 1 + (data[0] >> 3);
	raw = (const char *)data + 1;
	arena_init(&a, data[0] & 0x40 ? 1 << 20 : 512);
	rc = router_split_path(&a, raw, size - 1, &lim, &p, &why);
	if (rc == 0) {
		if (size - 1 > lim.max_path_bytes)
			abort();
		check_segments(&p, raw, size - 1);
		check_match(router_match(&router, method, &p, &m), method, &p,
		    &m);
	} else if ((rc != 400 && rc != 414) || why == NULL)
		abort();
	arena_reset(&a);
	return 0;
}
