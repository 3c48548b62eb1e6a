/*
 * errorpage.c - generic error pages (see errorpage.h).
 *
 * errorpage_raw() runs inside signal handlers, so it is written with
 * nothing but memcpy and hand-rolled number formatting; errorpage_render()
 * shares its text so both paths show the same page.
 */
#include <stdbool.h>
#include <string.h>

#include "core/utf8.h"
#include "http/errorpage.h"

struct out {
	char	*p;
	size_t	 len;
	size_t	 size;
	bool	 full;
};

static void
out_str(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->full || n > o->size - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
out_uint(struct out *o, size_t v)
{
	char digits[24];
	size_t i = sizeof(digits) - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && i > 0);
	out_str(o, digits + i);
}

static const char *
error_message(int status)
{
	if (status >= 500)
		return "Something went wrong on our side. Please try again "
		    "later.";
	if (status == 404)
		return "There is nothing at this address.";
	return "The request could not be processed.";
}

/*
 * At most max bytes of s, HTML-escaped.  Callers pass text that holds no
 * request input, but it is escaped all the same so that this stays safe
 * if that ever changes.  A cut never splits a UTF-8 sequence, and control
 * bytes become '?'.
 */
static void
out_html(struct out *o, const char *s, size_t max)
{
	size_t i, n = strlen(s);
	char c[2] = { 0, 0 };

	n = utf8_cut(s, n, max);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			out_str(o, "&amp;");
			break;
		case '<':
			out_str(o, "&lt;");
			break;
		case '>':
			out_str(o, "&gt;");
			break;
		case '"':
			out_str(o, "&quot;");
			break;
		case '\'':
			out_str(o, "&#39;");
			break;
		default:
			c[0] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
			    '?' : s[i];
			out_str(o, c);
			break;
		}
	}
}

/*
 * The HTML body; incident ids are [0-9A-Z] so need no escaping.  detail,
 * if not NULL, is one more escaped line under the generic message.
 */
static void
out_body(struct out *o, int status, const char *incident,
    const char *detail)
{
	const char *reason = response_reason(status);

	out_str(o, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>");
	out_uint(o, (size_t)status);
	out_str(o, " ");
	out_str(o, reason);
	out_str(o, "</title></head>\n<body><h1>");
	out_str(o, reason);
	out_str(o, "</h1>\n<p>");
	out_str(o, error_message(status));
	if (detail != NULL && detail[0] != '\0') {
		out_str(o, "</p>\n<p>");
		out_html(o, detail, ERRORPAGE_DETAIL_MAX);
	}
	out_str(o, "</p>\n<p>Incident: <code>");
	out_str(o, incident);
	out_str(o, "</code></p></body></html>\n");
}

size_t
errorpage_raw(char *buf, size_t size, int status, const char *incident)
{
	char body[1024];
	struct out b = { body, 0, sizeof(body), false };
	struct out o = { buf, 0, size, false };

	out_body(&b, status, incident, NULL);
	out_str(&o, "Status: ");
	out_uint(&o, (size_t)status);
	out_str(&o, " ");
	out_str(&o, response_reason(status));
	out_str(&o, "\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
	    "Content-Security-Policy: " RESPONSE_CSP "\r\n"
	    "Referrer-Policy: " RESPONSE_REFERRER "\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Content-Length: ");
	out_uint(&o, b.len);
	out_str(&o, "\r\n\r\n");
	if (b.full || o.full || b.len > o.size - o.len)
		return 0;
	memcpy(o.p + o.len, body, b.len);
	return o.len + b.len;
}

void
errorpage_render(struct moat_response *res, int status,
    const char *incident)
{
	errorpage_render_detail(res, status, incident, NULL);
}

void
errorpage_render_detail(struct moat_response *res, int status,
    const char *incident, const char *detail)
{
	/* Room for the page and a detail escaped at 6 bytes a byte. */
	char body[1024 + 6 * ERRORPAGE_DETAIL_MAX];
	struct out b = { body, 0, sizeof(body), false };

	response_reset(res);
	out_body(&b, status, incident, detail);
	res->status = status;
	memcpy(res->content_type, "text/html; charset=utf-8",
	    sizeof("text/html; charset=utf-8"));
	moat_buf_append(&res->headers, "Cache-Control: no-store\r\n",
	    strlen("Cache-Control: no-store\r\n"));
	moat_buf_append(&res->body, body, b.len);
}
