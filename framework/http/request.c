/*
 * request.c - turning FastCGI params and a body into a struct moat_request.
 *
 * The web server hands us CGI-style params.  We read only the few we need,
 * check each against its limit before using it, and keep the HTTP_* ones
 * as headers.  Every failure is a status code for the client and a reason
 * for the log; nothing here can take the worker down.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <moat/nelem.h>

#include "http/request_internal.h"
#include "http/token.h"

/* "HTTP_USER_AGENT" -> "user-agent" */
static char *
header_name(struct arena *a, const char *param, size_t len)
{
	char *name;
	size_t i;

	if ((name = arena_strndup(a, param, len)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		name[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)
		    name[i]);
	return name;
}

/* Strictly decimal, no sign, no spaces, no overflow. */
static bool
parse_length(const char *s, size_t *out)
{
	size_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* The media type of a Content-Type value, compared case-insensitively. */
static bool
media_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (strncasecmp(ct, type, n) != 0)
		return false;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

static int
take_header(struct moat_request *req, const char *param, const char *eq,
    const char **why)
{
	const struct moat_limits *lim = req->limits;
	const char *value = eq + 1;
	size_t vlen = strlen(value);
	char *name;

	if (req->headers.count >= lim->max_headers) {
		*why = "too many headers";
		return 431;
	}
	if (vlen > lim->max_header_bytes) {
		*why = "header too long";
		return 431;
	}
	if ((name = header_name(req->arena, param + 5,
	    (size_t)(eq - param - 5))) == NULL ||
	    param_list_add(req->arena, &req->headers, name, value, vlen) != 0) {
		*why = "headers too large";
		return 431;
	}
	return 0;
}

/* Remember the params we use; headers go to the header list. */
static int
take_param(struct moat_request *req, const char *param, const char **why)
{
	static const struct {
		const char	*name;
		size_t		 offset;
	} known[] = {
		{ "REQUEST_METHOD", offsetof(struct moat_request, method) },
		{ "REQUEST_URI", offsetof(struct moat_request, raw_path) },
		{ "QUERY_STRING", offsetof(struct moat_request, raw_query) },
		{ "REMOTE_ADDR", offsetof(struct moat_request, remote_addr) },
		{ "CONTENT_TYPE", offsetof(struct moat_request, content_type) },
		{ "CONTENT_LENGTH", offsetof(struct moat_request,
		    content_length) },
		{ "HTTPS", offsetof(struct moat_request, https) },
		{ "SERVER_PORT", offsetof(struct moat_request, server_port) },
	};
	const char *eq = strchr(param, '=');
	size_t i, nlen;

	if (eq == NULL)
		return 0;
	nlen = (size_t)(eq - param);
	if (nlen > 5 && strncmp(param, "HTTP_", 5) == 0)
		return take_header(req, param, eq, why);
	for (i = 0; i < MOAT_NELEM(known); i++) {
		if (strlen(known[i].name) == nlen &&
		    memcmp(known[i].name, param, nlen) == 0) {
			*(const char **)(void *)((char *)req +
			    known[i].offset) = eq + 1;
			break;
		}
	}
	return 0;
}

/* Join decoded segments back into a path for moat_request_path(). */
static int
build_path(struct moat_request *req, const char **why)
{
	size_t i, len = 1;
	char *p, *out;

	for (i = 0; i < req->segments.n; i++)
		len += strlen(req->segments.seg[i]) + 1;
	if ((out = arena_alloc(req->arena, len + 1)) == NULL) {
		*why = "path too long";
		return 414;
	}
	p = out;
	*p = '/';
	for (i = 0; i < req->segments.n; i++) {
		if (i > 0)
			*++p = '/';
		len = strlen(req->segments.seg[i]);
		memcpy(p + 1, req->segments.seg[i], len);
		p += len;
	}
	p[1] = '\0';
	req->path = out;
	return 0;
}

static int
parse_target(struct moat_request *req, const char **why)
{
	const char *q;
	size_t plen;
	int rc;

	if (req->raw_path == NULL) {
		*why = "no REQUEST_URI from the web server";
		return 400;
	}
	q = strchr(req->raw_path, '?');
	plen = q != NULL ? (size_t)(q - req->raw_path) : strlen(req->raw_path);
	if ((rc = router_split_path(req->arena, req->raw_path, plen,
	    req->limits, &req->segments, why)) != 0)
		return rc;
	if ((rc = build_path(req, why)) != 0)
		return rc;
	if (req->raw_query == NULL)
		req->raw_query = q != NULL ? q + 1 : "";
	if (strlen(req->raw_query) > req->limits->max_query_bytes) {
		*why = "query string too long";
		return 414;
	}
	return urlencoded_parse(req->arena, req->raw_query,
	    strlen(req->raw_query), req->limits, &req->query, why);
}

static int
parse_body_framing(struct moat_request *req, const char **why)
{
	const struct moat_limits *lim = req->limits;
	size_t cap;

	/* Content-Type travels outside HTTP_*, so check its limit here. */
	if (req->content_type != NULL &&
	    strlen(req->content_type) > lim->max_header_bytes) {
		*why = "header too long";
		return 431;
	}
	if (req->content_length == NULL || req->content_length[0] == '\0')
		return 0;
	if (!parse_length(req->content_length, &req->body_len)) {
		*why = "bad CONTENT_LENGTH";
		return 400;
	}
	if (req->body_len == 0)
		return 0;
	if (req->content_type != NULL &&
	    media_type_is(req->content_type, "multipart/form-data")) {
		req->body_kind = BODY_MULTIPART;
		cap = lim->max_multipart_bytes;
	} else {
		req->body_kind = req->content_type != NULL && media_type_is(
		    req->content_type, "application/x-www-form-urlencoded") ?
		    BODY_URLENCODED : BODY_OTHER;
		cap = lim->max_body_bytes;
	}
	if (req->body_len > cap) {
		*why = "request body too large";
		return 413;
	}
	return 0;
}

int
request_from_params(struct moat_request *req, struct arena *a,
    const struct moat_limits *lim, char *const *envp, const char *incident,
    const char **why)
{
	const struct param *cookie;
	int rc = 0;

	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->limits = lim;
	memcpy(req->incident, incident, sizeof(req->incident));
	for (; envp != NULL && *envp != NULL; envp++)
		if ((rc = take_param(req, *envp, why)) != 0)
			break;
	/* Whatever failed, the error page and the log need a method. */
	if (req->method == NULL || !http_is_method(req->method)) {
		req->method = "GET";
		if (rc == 0) {
			*why = "bad request method";
			rc = 400;
		}
	}
	if (rc != 0)
		return rc;
	if (req->remote_addr == NULL)
		req->remote_addr = "";
	if ((rc = parse_target(req, why)) != 0)
		return rc;
	if ((cookie = param_list_find(&req->headers, "cookie", 0)) != NULL) {
		if (cookie->value_len > lim->max_cookie_bytes) {
			*why = "cookie header too long";
			return 431;
		}
		if ((rc = cookies_parse(a, cookie->value, cookie->value_len,
		    lim, &req->cookies, why)) != 0)
			return rc;
	}
	return parse_body_framing(req, why);
}

int
request_parse_body(struct moat_request *req, const unsigned char *body,
    size_t len, const char **why)
{
	/* moat_request_body() reports body_len: it must be what we hold. */
	if (len != req->body_len) {
		*why = "body length does not match CONTENT_LENGTH";
		return 400;
	}
	switch (req->body_kind) {
	case BODY_URLENCODED:
		return urlencoded_parse(req->arena, (const char *)body, len,
		    req->limits, &req->form, why);
	case BODY_MULTIPART:
		return multipart_parse(req->arena, req->content_type, body,
		    len, req->limits, &req->form, &req->files, why);
	case BODY_OTHER:
		req->raw_body = body;
		return 0;
	case BODY_NONE:
		break;
	}
	return 0;
}

/* --- the public accessors ------------------------------------------------ */

const char *
moat_request_method(const struct moat_request *req)
{
	return req->method;
}

const char *
moat_request_path(const struct moat_request *req)
{
	return req->path;
}

const char *
moat_request_remote_addr(const struct moat_request *req)
{
	return req->remote_addr;
}

const char *
moat_request_incident_id(const struct moat_request *req)
{
	return req->incident;
}

const char *
moat_request_header(const struct moat_request *req, const char *name)
{
	char key[128];
	size_t i, len = strlen(name);

	if (len == 0 || len >= sizeof(key))
		return NULL;
	for (i = 0; i <= len; i++)
		key[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)
		    name[i]);
	/* Two headers travel outside HTTP_* in FastCGI. */
	if (strcmp(key, "content-type") == 0)
		return req->content_type;
	if (strcmp(key, "content-length") == 0)
		return req->content_length;
	for (i = 0; i < req->headers.count; i++)
		if (strcmp(req->headers.items[i].name, key) == 0)
			return req->headers.items[i].value;
	return NULL;
}

static const char *
list_value(const struct param_list *l, const char *name, size_t n)
{
	const struct param *p = param_list_find(l, name, n);

	return p != NULL ? p->value : NULL;
}

const char *
moat_request_query(const struct moat_request *req, const char *name)
{
	return list_value(&req->query, name, 0);
}

const char *
moat_request_query_nth(const struct moat_request *req, const char *name,
    size_t n)
{
	return list_value(&req->query, name, n);
}

const char *
moat_request_form(const struct moat_request *req, const char *name)
{
	return list_value(&req->form, name, 0);
}

const char *
moat_request_form_nth(const struct moat_request *req, const char *name,
    size_t n)
{
	return list_value(&req->form, name, n);
}

const char *
moat_request_cookie(const struct moat_request *req, const char *name)
{
	return list_value(&req->cookies, name, 0);
}

const unsigned char *
moat_request_body(const struct moat_request *req, size_t *len)
{
	*len = req->raw_body != NULL ? req->body_len : 0;
	return req->raw_body;
}

const struct moat_upload *
moat_request_file(const struct moat_request *req, const char *field)
{
	size_t i;

	for (i = 0; i < req->files.count; i++)
		if (strcmp(req->files.items[i].field, field) == 0)
			return &req->files.items[i];
	return NULL;
}

const char *
moat_request_route_param(const struct moat_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->match.nparams; i++)
		if (strcmp(req->match.params[i].name, name) == 0)
			return req->match.params[i].value;
	return NULL;
}

bool
moat_request_route_int(const struct moat_request *req, const char *name,
    int64_t *out)
{
	const char *v = moat_request_route_param(req, name);
	long long n;

	if (v == NULL || !router_parse_int(v, &n))
		return false;
	*out = (int64_t)n;
	return true;
}
