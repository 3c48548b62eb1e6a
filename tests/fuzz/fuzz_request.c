// fuzz-sources: framework/http/request.c framework/http/router.c
/*
 * fuzz_request.c - libFuzzer target for request_from_params and
 * request_parse_body, the way the worker calls them.
 *
 * Input: one byte of limits, then "NAME=value" params separated by NUL
 * bytes, then an empty param ("\0\0") and the body.  Each param and the
 * body get a malloc'd block of their exact size, so a read past any of
 * them is caught.  As in the worker, the body handed over is what the
 * input holds up to CONTENT_LENGTH bytes; a short body must be refused.
 * Whatever is accepted must keep the promises of moat/request.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <moat/nelem.h>

#include "fuzz.h"
#include "http/request_internal.h"

#define MAX_PARAMS	64
#define INCIDENT	"FUZZFUZZFUZZ"

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/new", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/notes/{id:int}", .handler = fuzz_handler },
	{ .method = "POST", .pattern = "/notes/{id:int}", .handler = fuzz_handler },
	{ .method = "GET", .pattern = "/u/{name:slug}/{key:uuid}/{rest:str}", .handler = fuzz_handler },
};

static struct router router;

/* Small limits to reach every cap, or ones like the defaults. */
static void
set_limits(struct moat_limits *lim, uint8_t b)
{
	bool tiny = (b & 1) != 0;

	lim->max_body_bytes = tiny ? 64 : 1 << 20;
	lim->max_multipart_bytes = tiny ? 256 : 1 << 20;
	lim->max_file_bytes = tiny ? 32 : 1 << 20;
	lim->max_files = tiny ? 2 : 8;
	lim->max_params = tiny ? 1 + (b >> 5) : 100;
	lim->max_name_bytes = tiny ? 8 : 128;
	lim->max_value_bytes = tiny ? 16 : 65536;
	lim->max_path_bytes = tiny ? 32 : 2048;
	lim->max_query_bytes = tiny ? 32 : 8192;
	lim->max_headers = tiny ? 1 + ((b >> 1) & 3) : 64;
	lim->max_header_bytes = tiny ? 48 : 8192;
	lim->max_cookie_bytes = tiny ? 24 : 8192;
}

static char *
copy(const uint8_t *p, size_t len)
{
	char *s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void
check_list(const struct param_list *l, size_t max, size_t vmax)
{
	size_t i;

	if (l->count > max)
		abort();
	for (i = 0; i < l->count; i++) {
		if (l->items[i].value_len > vmax ||
		    strlen(l->items[i].value) != l->items[i].value_len ||
		    !text_valid(l->items[i].name, strlen(l->items[i].name)) ||
		    !text_valid(l->items[i].value, l->items[i].value_len))
			abort();
	}
	/* The plain getter returns the first of duplicates. */
	if (l->count > 0 && param_list_find(l, l->items[0].name, 0) !=
	    &l->items[0])
		abort();
}

static void
check_head(const struct moat_request *req, const struct moat_limits *lim)
{
	const char *m = moat_request_method(req), *path;
	size_t i;

	path = moat_request_path(req);
	if (m == NULL || m[0] < 'A' || m[0] > 'Z' || strlen(m) > 16)
		abort();
	if (path == NULL || path[0] != '/' || !text_valid(path, strlen(path)))
		abort();
	if (moat_request_remote_addr(req) == NULL ||
	    strcmp(moat_request_incident_id(req), INCIDENT) != 0)
		abort();
	if (req->headers.count > lim->max_headers)
		abort();
	for (i = 0; i < req->headers.count; i++)
		if (req->headers.items[i].value_len > lim->max_header_bytes)
			abort();
	if (req->content_type != NULL &&
	    strlen(req->content_type) > lim->max_header_bytes)
		abort();
	if (req->raw_query == NULL ||
	    strlen(req->raw_query) > lim->max_query_bytes)
		abort();
	check_list(&req->query, lim->max_params, lim->max_value_bytes);
	check_list(&req->cookies, lim->max_params, lim->max_value_bytes);
	if (req->body_len > (req->body_kind == BODY_MULTIPART ?
	    lim->max_multipart_bytes : lim->max_body_bytes))
		abort();
}

static void
check_body(const struct moat_request *req, const struct moat_limits *lim)
{
	const unsigned char *raw;
	size_t i, len;

	check_list(&req->form, lim->max_params, lim->max_value_bytes);
	if (req->files.count > lim->max_files)
		abort();
	for (i = 0; i < req->files.count; i++)
		if (req->files.items[i].size > lim->max_file_bytes ||
		    moat_request_file(req, req->files.items[i].field) == NULL)
			abort();
	raw = moat_request_body(req, &len);
	if (req->body_kind == BODY_OTHER ? raw == NULL || len != req->body_len :
	    raw != NULL || len != 0)
		abort();
}

/* Route the request; typed parameters must read back as their type. */
static void
check_route(struct moat_request *req)
{
	int64_t v;

	if (router_match(&router, req->method, &req->segments, &req->match) !=
	    ROUTE_FOUND)
		return;
	if (moat_request_route_param(req, "id") != NULL &&
	    !moat_request_route_int(req, "id", &v))
		abort();
	if (moat_request_route_param(req, "key") != NULL &&
	    strlen(moat_request_route_param(req, "key")) != 36)
		abort();
	if (moat_request_route_int(req, "name", &v) &&
	    moat_request_route_param(req, "name") == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool compiled_once;
	char *envp[MAX_PARAMS + 1], err[256];
	const uint8_t *p, *end, *nul;
	struct moat_request req;
	struct moat_limits lim;
	struct arena a;
	unsigned char *body = NULL;
	const char *why = NULL;
	size_t n = 0, blen = 0, i;
	int rc;

	if (!compiled_once) {
		if (router_compile(&router, routes,
		    MOAT_NELEM(routes), err, sizeof(err)) != 0)
			abort();
		compiled_once = true;
	}
	if (size < 1)
		return 0;
	set_limits(&lim, data[0]);
	p = data + 1;
	end = data + size;
	while (p < end && n < MAX_PARAMS) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			nul = end;
		if (nul == p) {		/* the empty param: the body follows */
			p++;
			break;
		}
		envp[n++] = copy(p, (size_t)(nul - p));
		p = nul < end ? nul + 1 : end;
	}
	envp[n] = NULL;

	arena_init(&a, data[0] & 0x80 ? 4096 : 1 << 22);
	rc = request_from_params(&req, &a, &lim, envp, INCIDENT, &why);
	if (rc != 0) {
		if ((rc != 400 && rc != 413 && rc != 414 && rc != 431) ||
		    why == NULL)
			abort();
		goto done;
	}
	check_head(&req, &lim);
	check_route(&req);

	/* What the worker would read: at most CONTENT_LENGTH bytes. */
	if (req.body_len > 0) {
		blen = (size_t)(end - p) < req.body_len ? (size_t)(end - p) :
		    req.body_len;
		if ((body = malloc(blen > 0 ? blen : 1)) == NULL)
			abort();
		memcpy(body, p, blen);
		why = NULL;
		rc = request_parse_body(&req, body, blen, &why);
		if (blen < req.body_len && rc != 400)
			abort();
		if (rc == 0)
			check_body(&req, &lim);
		else if ((rc != 400 && rc != 413) || why == NULL)
			abort();
	}

done:
	free(body);
	for (i = 0; i < n; i++)
		free(envp[i]);
	arena_reset(&a);
	return 0;
}
