/*
 * response.c - building a buffered response (see moat/response.h).
 *
 * Headers are checked as they are added: a name must be an HTTP token and
 * a value may hold no CR, LF or other control byte but tab.  That is the
 * whole defence against header injection (response splitting), so it sits
 * here, below every handler, rather than in each caller.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <moat/log.h>
#include <moat/nelem.h>

#include "http/response_internal.h"
#include "http/token.h"

static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 301, "Moved Permanently" }, { 302, "Found" },
	{ 303, "See Other" }, { 304, "Not Modified" },
	{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 410, "Gone" }, { 413, "Content Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *
response_reason(int status)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "";
}

void
response_init(struct moat_response *res, size_t max_body)
{
	res->status = 200;
	res->content_type[0] = '\0';
	res->refused = false;
	res->https = false;
	res->hsts_max_age = 0;
	moat_buf_init(&res->headers, RESPONSE_HEADERS_MAX);
	moat_buf_init(&res->body, max_body);
}

void
response_reset(struct moat_response *res)
{
	res->status = 200;
	res->content_type[0] = '\0';
	res->refused = false;
	moat_buf_reset(&res->headers);
	moat_buf_reset(&res->body);
}

void
response_free(struct moat_response *res)
{
	moat_buf_free(&res->headers);
	moat_buf_free(&res->body);
}

static bool
is_field_value(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

/* Refuse, remember it, and log: the handler has a bug worth seeing. */
static int
refuse(struct moat_response *res, const char *what, const char *name)
{
	res->refused = true;
	moat_log_warn("response: refused %s for header \"%.64s\"", what, name);
	return -1;
}

int
moat_response_status(struct moat_response *res, int status)
{
	if (status < 100 || status > 599)
		return refuse(res, "status code", "Status");
	res->status = status;
	return 0;
}

/* Append a checked header line; the name is already known to be safe. */
static int
header_append(struct moat_response *res, const char *name, const char *value)
{
	if (!is_field_value(value))
		return refuse(res, "control characters in value", name);
	if (!moat_buf_printf(&res->headers, "%s: %s\r\n", name, value))
		return refuse(res, "too many headers", name);
	return 0;
}

int
moat_response_header(struct moat_response *res, const char *name,
    const char *value)
{
	/* Location goes through moat_response_redirect(), which checks it. */
	static const char *const owned[] = { "Content-Length", "Content-Type",
	    "Location", "Status", "Transfer-Encoding" };
	size_t i;

	if (!http_is_token(name))
		return refuse(res, "invalid name", "(invalid)");
	for (i = 0; i < MOAT_NELEM(owned); i++)
		if (strcasecmp(name, owned[i]) == 0)
			return refuse(res, "framework-owned name", name);
	return header_append(res, name, value);
}

/* Types that browsers treat as text and so need an explicit charset. */
static bool
wants_charset(const char *type)
{
	static const char *const text_types[] = { "text/", "application/json",
	    "application/javascript", "application/xml", "image/svg+xml" };
	size_t i;

	for (i = 0; i < MOAT_NELEM(text_types); i++)
		if (strncasecmp(type, text_types[i], strlen(text_types[i])) ==
		    0)
			return true;
	return false;
}

int
moat_response_content_type(struct moat_response *res, const char *type)
{
	int n;

	if (!is_field_value(type) || *type == '\0')
		return refuse(res, "control characters in value",
		    "Content-Type");
	if (wants_charset(type) && strcasestr(type, "charset=") == NULL)
		n = snprintf(res->content_type, sizeof(res->content_type),
		    "%s; charset=utf-8", type);
	else
		n = snprintf(res->content_type, sizeof(res->content_type),
		    "%s", type);
	if (n < 0 || (size_t)n >= sizeof(res->content_type)) {
		res->content_type[0] = '\0';
		return refuse(res, "over-long value", "Content-Type");
	}
	return 0;
}

struct moat_buf *
moat_response_body(struct moat_response *res)
{
	return &res->body;
}

int
moat_response_text(struct moat_response *res, int status, const char *text)
{
	if (moat_response_status(res, status) != 0 ||
	    moat_response_content_type(res, "text/plain") != 0)
		return -1;
	moat_buf_reset(&res->body);
	return moat_buf_puts(&res->body, text) ? 0 : -1;
}

/*
 * Only local paths: "/x" but not "//host" or "/\host", which browsers
 * read as another site.  Open redirects stay impossible by construction.
 */
static bool
is_local_path(const char *loc)
{
	return loc[0] == '/' && loc[1] != '/' && loc[1] != '\\' &&
	    is_field_value(loc) && strchr(loc, '\\') == NULL &&
	    strchr(loc, ' ') == NULL && strchr(loc, '\t') == NULL;
}

int
moat_response_redirect(struct moat_response *res, int status,
    const char *location)
{
	if (status != 301 && status != 302 && status != 303 && status != 307 &&
	    status != 308)
		return refuse(res, "redirect status", "Location");
	if (!is_local_path(location))
		return refuse(res, "non-local redirect", "Location");
	moat_buf_reset(&res->body);
	if (moat_response_status(res, status) != 0 ||
	    header_append(res, "Location", location) != 0)
		return -1;
	return 0;
}

bool
response_has_header(const struct moat_response *res, const char *name)
{
	const char *line = moat_buf_cstr(&res->headers), *next;
	size_t len = strlen(name);

	for (; *line != '\0'; line = next + 2) {
		if ((next = strstr(line, "\r\n")) == NULL)
			break;
		if (strncasecmp(line, name, len) == 0 && line[len] == ':')
			return true;
	}
	return false;
}

/*
 * Security headers by default; a handler that sets one of them (a page
 * that must be framed, say) replaces the default instead of doubling it.
 */
static void
default_headers(const struct moat_response *res, struct moat_buf *out)
{
	moat_buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (!response_has_header(res, "Content-Security-Policy"))
		moat_buf_puts(out, "Content-Security-Policy: " RESPONSE_CSP
		    "\r\n");
	if (!response_has_header(res, "Referrer-Policy"))
		moat_buf_puts(out, "Referrer-Policy: " RESPONSE_REFERRER "\r\n");
	if (!response_has_header(res, "X-Frame-Options"))
		moat_buf_puts(out, "X-Frame-Options: DENY\r\n");
	if (res->https && res->hsts_max_age > 0 &&
	    !response_has_header(res, "Strict-Transport-Security"))
		moat_buf_printf(out, "Strict-Transport-Security: max-age=%u; "
		    "includeSubDomains\r\n", res->hsts_max_age);
}

bool
response_head(const struct moat_response *res, struct moat_buf *out)
{
	const char *type = res->content_type[0] != '\0' ? res->content_type :
	    "text/html; charset=utf-8";

	moat_buf_printf(out, "Status: %d %s\r\n", res->status,
	    response_reason(res->status));
	if (res->status != 204 && res->status != 304)
		moat_buf_printf(out, "Content-Type: %s\r\n"
		    "Content-Length: %zu\r\n", type, res->body.len);
	default_headers(res, out);
	moat_buf_append(out, res->headers.data ? res->headers.data : "",
	    res->headers.len);
	moat_buf_puts(out, "\r\n");
	return !moat_buf_failed(out);
}
