/*
 * test_response.c - response headers, redirects, the CGI head and the
 * generic error pages.
 *
 * moat_response_header() is the only defence against header injection
 * and moat_response_redirect() the only one against open redirects, so
 * each refusal is checked three ways: the -1, the sticky refused mark
 * and the log line the handler's author will see.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log_internal.h"
#include "http/errorpage.h"
#include "http/response_internal.h"
#include "unit.h"

#define INCIDENT	"ABCDEFGHJKMN"

/* --- log capture ----------------------------------------------------- */

static char	last_log[512];
static int	log_count;

static void
capture_sink(enum moat_log_level level, const char *line)
{
	snprintf(last_log, sizeof(last_log), "%s: %s", log_level_name(level),
	    line);
	log_count++;
}

static void
open_response(struct moat_response *res)
{
	response_init(res, 4096);
	last_log[0] = '\0';
	log_count = 0;
	log_set_sink(capture_sink);
}

static void
close_response(struct moat_response *res)
{
	log_set_sink(NULL);
	response_free(res);
}

/* The last call was refused with exactly this log line, and nothing else. */
static void
expect_refused(const struct moat_response *res, int rc, const char *log)
{
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_TRUE(res->refused);
	CU_ASSERT_EQUAL(log_count, 1);
	CU_ASSERT_STRING_EQUAL(last_log, log);
	CU_ASSERT_EQUAL(res->headers.len, 0);
}

/* --- headers --------------------------------------------------------- */

static void
test_header_good(void)
{
	struct moat_response res;

	open_response(&res);
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-Frame-Options", "DENY"),
	    0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-Tab", "a\tb"), 0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-Empty", ""), 0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-Utf8", "caf\xc3\xa9"), 0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "x!#$%&'*+-.^_`|~9", "v"),
	    0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "Set-Cookie",
	    "a=1; Path=/; HttpOnly"), 0);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.headers),
	    "X-Frame-Options: DENY\r\n"
	    "X-Tab: a\tb\r\n"
	    "X-Empty: \r\n"
	    "X-Utf8: caf\xc3\xa9\r\n"
	    "x!#$%&'*+-.^_`|~9: v\r\n"
	    "Set-Cookie: a=1; Path=/; HttpOnly\r\n");
	CU_ASSERT_FALSE(res.refused);
	CU_ASSERT_EQUAL(log_count, 0);
	close_response(&res);
}

static void
check_bad_value(const char *value)
{
	struct moat_response res;

	open_response(&res);
	expect_refused(&res, moat_response_header(&res, "X-A", value),
	    "warn: response: refused control characters in value for header "
	    "\"X-A\"");
	close_response(&res);
}

static void
test_header_bad_value(void)
{
	check_bad_value("a\rb");
	check_bad_value("a\nb");
	check_bad_value("1\r\nSet-Cookie: sid=evil");
	check_bad_value("\r\n\r\n<script>");
	check_bad_value("\x01");
	check_bad_value("a\x1b[2J");
	check_bad_value("\x1f");
	check_bad_value("del\x7f");
	check_bad_value("\x0b\x0c");
}

static void
check_bad_name(const char *name)
{
	struct moat_response res;

	open_response(&res);
	expect_refused(&res, moat_response_header(&res, name, "v"),
	    "warn: response: refused invalid name for header \"(invalid)\"");
	close_response(&res);
}

static void
test_header_bad_name(void)
{
	check_bad_name("Bad Name");
	check_bad_name("X:Y");
	check_bad_name("");
	check_bad_name("X-A\r\nX-B");
	check_bad_name("X-A:");
	check_bad_name(" X-A");
	check_bad_name("(x)");
	check_bad_name("a/b");
	check_bad_name("a\"b");
	check_bad_name("Caf\xc3\xa9");
	check_bad_name("X\tA");
}

static void
check_owned(const char *name)
{
	struct moat_response res;
	char want[128];

	open_response(&res);
	snprintf(want, sizeof(want), "warn: response: refused framework-owned "
	    "name for header \"%s\"", name);
	expect_refused(&res, moat_response_header(&res, name, "1"), want);
	close_response(&res);
}

static void
test_header_owned(void)
{
	check_owned("Content-Length");
	check_owned("content-length");
	check_owned("CONTENT-LENGTH");
	check_owned("Content-Type");
	check_owned("content-TYPE");
	check_owned("Status");
	check_owned("status");
	/* Location only through moat_response_redirect(): no open redirects. */
	check_owned("Location");
	check_owned("location");
	check_owned("Transfer-Encoding");
	check_owned("transfer-encoding");
}

/* The header block is bounded; past it, refusal rather than truncation. */
static void
test_header_overflow(void)
{
	struct moat_response res;
	char value[1000];
	int i, rc = 0;

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	open_response(&res);
	for (i = 0; i < 100 && rc == 0; i++)
		rc = moat_response_header(&res, "X-Big", value);
	/* 16 lines of 1008 bytes fit in 16 KiB, the 17th does not. */
	CU_ASSERT_EQUAL(i, 17);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_TRUE(res.refused);
	CU_ASSERT_STRING_EQUAL(last_log,
	    "warn: response: refused too many headers for header \"X-Big\"");
	close_response(&res);
}

static void
test_status(void)
{
	struct moat_response res;

	open_response(&res);
	CU_ASSERT_EQUAL(res.status, 200);
	CU_ASSERT_EQUAL(moat_response_status(&res, 100), 0);
	CU_ASSERT_EQUAL(moat_response_status(&res, 599), 0);
	CU_ASSERT_EQUAL(res.status, 599);
	CU_ASSERT_FALSE(res.refused);
	CU_ASSERT_EQUAL(moat_response_status(&res, 99), -1);
	CU_ASSERT_EQUAL(moat_response_status(&res, 600), -1);
	CU_ASSERT_EQUAL(moat_response_status(&res, -200), -1);
	CU_ASSERT_EQUAL(res.status, 599);
	CU_ASSERT_TRUE(res.refused);
	CU_ASSERT_STRING_EQUAL(last_log,
	    "warn: response: refused status code for header \"Status\"");
	/* response_reset forgets the refusal along with everything else. */
	response_reset(&res);
	CU_ASSERT_FALSE(res.refused);
	CU_ASSERT_EQUAL(res.status, 200);
	close_response(&res);
}

/* --- Content-Type ---------------------------------------------------- */

static void
check_type(const char *type, const char *want)
{
	struct moat_response res;

	open_response(&res);
	CU_ASSERT_EQUAL(moat_response_content_type(&res, type), 0);
	CU_ASSERT_STRING_EQUAL(res.content_type, want);
	CU_ASSERT_FALSE(res.refused);
	close_response(&res);
}

/* A refused type leaves left (the earlier type, or "" if cut). */
static void
check_bad_type(const char *type, const char *log, const char *left)
{
	struct moat_response res;

	open_response(&res);
	CU_ASSERT_EQUAL(moat_response_content_type(&res, "image/gif"), 0);
	expect_refused(&res, moat_response_content_type(&res, type), log);
	CU_ASSERT_STRING_EQUAL(res.content_type, left);
	close_response(&res);
}

#define BADTYPE	"warn: response: refused control characters in value " \
		"for header \"Content-Type\""

static void
test_content_type(void)
{
	char type[200], want[200];

	check_type("text/html", "text/html; charset=utf-8");
	check_type("text/plain", "text/plain; charset=utf-8");
	check_type("TEXT/CSS", "TEXT/CSS; charset=utf-8");
	check_type("application/json", "application/json; charset=utf-8");
	check_type("application/javascript",
	    "application/javascript; charset=utf-8");
	check_type("application/xml", "application/xml; charset=utf-8");
	check_type("image/svg+xml", "image/svg+xml; charset=utf-8");
	check_type("image/png", "image/png");
	check_type("application/octet-stream", "application/octet-stream");
	check_type("application/pdf", "application/pdf");
	/* An explicit charset is kept as given. */
	check_type("text/html; charset=iso-8859-1",
	    "text/html; charset=iso-8859-1");
	check_type("text/plain;Charset=UTF-8", "text/plain;Charset=UTF-8");

	check_bad_type("", BADTYPE, "image/gif");
	check_bad_type("text/html\r\nX-Evil: 1", BADTYPE, "image/gif");
	check_bad_type("text/html\n", BADTYPE, "image/gif");

	/* 127 bytes with the charset fit, 128 do not. */
	memcpy(type, "text/", 5);
	memset(type + 5, 'x', 107);
	type[112] = '\0';
	memcpy(want, type, 112);
	memcpy(want + 112, "; charset=utf-8", 16);
	check_type(type, want);
	memcpy(type + 112, "x", 2);
	check_bad_type(type, "warn: response: refused over-long value for "
	    "header \"Content-Type\"", "");
}

static void
test_text(void)
{
	struct moat_response res;

	open_response(&res);
	CU_ASSERT_TRUE(moat_buf_puts(moat_response_body(&res), "old"));
	CU_ASSERT_EQUAL(moat_response_text(&res, 404, "nope"), 0);
	CU_ASSERT_EQUAL(res.status, 404);
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/plain; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.body), "nope");
	CU_ASSERT_PTR_EQUAL(moat_response_body(&res), &res.body);
	CU_ASSERT_EQUAL(moat_response_text(&res, 1000, "x"), -1);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.body), "nope");
	close_response(&res);
}

/* --- redirects ------------------------------------------------------- */

static void
check_redirect(int status, const char *location)
{
	struct moat_response res;
	char want[256];

	open_response(&res);
	CU_ASSERT_TRUE(moat_buf_puts(moat_response_body(&res), "old body"));
	CU_ASSERT_EQUAL(moat_response_redirect(&res, status, location), 0);
	CU_ASSERT_EQUAL(res.status, status);
	snprintf(want, sizeof(want), "Location: %s\r\n", location);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.headers), want);
	CU_ASSERT_EQUAL(res.body.len, 0);
	CU_ASSERT_FALSE(res.refused);
	close_response(&res);
}

static void
check_bad_redirect(int status, const char *location, const char *log)
{
	struct moat_response res;

	open_response(&res);
	expect_refused(&res, moat_response_redirect(&res, status, location),
	    log);
	CU_ASSERT_EQUAL(res.status, 200);
	close_response(&res);
}

#define NONLOCAL	"warn: response: refused non-local redirect for " \
			"header \"Location\""
#define BADSTATUS	"warn: response: refused redirect status for " \
			"header \"Location\""

static void
test_redirect(void)
{
	check_redirect(302, "/");
	check_redirect(302, "/notes/1?x=y&z=%2F#frag");
	check_redirect(301, "/a");
	check_redirect(303, "/a");
	check_redirect(307, "/a");
	check_redirect(308, "/a");
	check_redirect(303, "/caf\xc3\xa9");
	/* Only the first two characters decide locality. */
	check_redirect(303, "/a//b");
	check_redirect(303, "/http://x");

	check_bad_redirect(302, "http://x", NONLOCAL);
	check_bad_redirect(302, "https://evil.example/", NONLOCAL);
	check_bad_redirect(302, "//evil", NONLOCAL);
	check_bad_redirect(302, "///evil", NONLOCAL);
	check_bad_redirect(302, "/\\evil", NONLOCAL);
	check_bad_redirect(302, "\\\\evil", NONLOCAL);
	check_bad_redirect(302, "/a\\b", NONLOCAL);
	check_bad_redirect(302, "javascript:alert(1)", NONLOCAL);
	check_bad_redirect(302, "data:text/html,x", NONLOCAL);
	check_bad_redirect(302, "evil", NONLOCAL);
	check_bad_redirect(302, "", NONLOCAL);
	check_bad_redirect(302, "/a\r\nSet-Cookie: sid=x", NONLOCAL);
	check_bad_redirect(302, "/a\nb", NONLOCAL);
	check_bad_redirect(302, "/a b", NONLOCAL);
	check_bad_redirect(302, " /a", NONLOCAL);
	/* Browsers drop tabs and newlines from URLs: "/\t/x" is "//x". */
	check_bad_redirect(302, "/\t/evil.example", NONLOCAL);
	check_bad_redirect(302, "/\x01", NONLOCAL);

	check_bad_redirect(200, "/a", BADSTATUS);
	check_bad_redirect(300, "/a", BADSTATUS);
	check_bad_redirect(304, "/a", BADSTATUS);
	check_bad_redirect(305, "/a", BADSTATUS);
	check_bad_redirect(0, "/a", BADSTATUS);
}

/* --- the CGI head ---------------------------------------------------- */

/* response_head of res must be exactly want. */
static void
expect_head(const struct moat_response *res, const char *want)
{
	struct moat_buf head;

	moat_buf_init(&head, 4096);
	CU_ASSERT_TRUE(response_head(res, &head));
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&head), want);
	moat_buf_free(&head);
}

static void
test_head(void)
{
	struct moat_response res;
	struct moat_buf head;

	open_response(&res);
	expect_head(&res, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 0\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "\r\n");
	CU_ASSERT_TRUE(moat_buf_puts(&res.body, "hello"));
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-A", "1"), 0);
	expect_head(&res, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: 5\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-A: 1\r\n"
	    "\r\n");
	CU_ASSERT_EQUAL(moat_response_content_type(&res, "application/json"),
	    0);
	CU_ASSERT_EQUAL(moat_response_status(&res, 201), 0);
	expect_head(&res, "Status: 201 Created\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 5\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-A: 1\r\n"
	    "\r\n");
	/* 204 and 304 carry neither Content-Type nor Content-Length. */
	CU_ASSERT_EQUAL(moat_response_status(&res, 204), 0);
	expect_head(&res, "Status: 204 No Content\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-A: 1\r\n"
	    "\r\n");
	CU_ASSERT_EQUAL(moat_response_status(&res, 304), 0);
	expect_head(&res, "Status: 304 Not Modified\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-A: 1\r\n"
	    "\r\n");
	/* A status without a reason phrase keeps the separating space. */
	CU_ASSERT_EQUAL(moat_response_status(&res, 299), 0);
	expect_head(&res, "Status: 299 \r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 5\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "X-A: 1\r\n"
	    "\r\n");
	/* A handler's own policy replaces the default; HSTS over TLS only. */
	CU_ASSERT_EQUAL(moat_response_status(&res, 200), 0);
	CU_ASSERT_EQUAL(moat_response_header(&res, "Content-Security-Policy",
	    "default-src 'none'"), 0);
	res.https = true;
	res.hsts_max_age = 600;
	expect_head(&res, "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 5\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Strict-Transport-Security: max-age=600; includeSubDomains\r\n"
	    "X-A: 1\r\n"
	    "Content-Security-Policy: default-src 'none'\r\n"
	    "\r\n");
	res.https = false;
	/* A head buffer that is too small reports failure. */
	moat_buf_init(&head, 40);
	CU_ASSERT_FALSE(response_head(&res, &head));
	moat_buf_free(&head);
	close_response(&res);
}

/* --- error pages ----------------------------------------------------- */

#define PAGE(title, reason, message)					\
	"<!doctype html>\n<html lang=\"en\"><head>"			\
	"<meta charset=\"utf-8\"><title>" title "</title></head>\n"	\
	"<body><h1>" reason "</h1>\n<p>" message "</p>\n"		\
	"<p>Incident: <code>" INCIDENT "</code></p></body></html>\n"

#define MSG_500	"Something went wrong on our side. Please try again later."
#define MSG_404	"There is nothing at this address."
#define MSG_4XX	"The request could not be processed."

static void
check_render(int status, const char *want_body)
{
	struct moat_response res;
	char want[2048];

	open_response(&res);
	/* Whatever the handler left behind must go. */
	CU_ASSERT_TRUE(moat_buf_puts(&res.body, "secret details"));
	CU_ASSERT_EQUAL(moat_response_header(&res, "X-Leak", "1"), 0);
	CU_ASSERT_EQUAL(moat_response_content_type(&res, "image/png"), 0);
	CU_ASSERT_EQUAL(moat_response_status(&res, -1), -1);
	errorpage_render(&res, status, INCIDENT);
	CU_ASSERT_EQUAL(res.status, status);
	CU_ASSERT_FALSE(res.refused);
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/html; charset=utf-8");
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.headers),
	    "Cache-Control: no-store\r\n");
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.body), want_body);
	snprintf(want, sizeof(want), "Status: %d %s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n", status, response_reason(status), strlen(want_body));
	expect_head(&res, want);
	close_response(&res);
}

static void
test_errorpage_render(void)
{
	check_render(404, PAGE("404 Not Found", "Not Found", MSG_404));
	check_render(400, PAGE("400 Bad Request", "Bad Request", MSG_4XX));
	check_render(405, PAGE("405 Method Not Allowed", "Method Not Allowed",
	    MSG_4XX));
	check_render(413, PAGE("413 Content Too Large", "Content Too Large",
	    MSG_4XX));
	check_render(500, PAGE("500 Internal Server Error",
	    "Internal Server Error", MSG_500));
	check_render(503, PAGE("503 Service Unavailable",
	    "Service Unavailable", MSG_500));
}

/* errorpage_raw into a malloc'd block of exactly size bytes. */
static size_t
raw_into(size_t size, int status, char **out)
{
	*out = malloc(size > 0 ? size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*out);
	return errorpage_raw(*out, size, status, INCIDENT);
}

static void
check_raw(int status, const char *want_body)
{
	char head[512], *buf;
	size_t n, hlen;

	n = raw_into(4096, status, &buf);
	hlen = (size_t)snprintf(head, sizeof(head), "Status: %d %s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Content-Length: %zu\r\n"
	    "\r\n", status, response_reason(status), strlen(want_body));
	CU_ASSERT_EQUAL(n, hlen + strlen(want_body));
	if (n == hlen + strlen(want_body)) {
		CU_ASSERT(memcmp(buf, head, hlen) == 0);
		CU_ASSERT(memcmp(buf + hlen, want_body, n - hlen) == 0);
	}
	free(buf);

	/* An exact fit works; one byte less gives 0 and no overflow. */
	CU_ASSERT_EQUAL(raw_into(n, status, &buf), n);
	free(buf);
	CU_ASSERT_EQUAL(raw_into(n - 1, status, &buf), 0);
	free(buf);
	CU_ASSERT_EQUAL(raw_into(hlen, status, &buf), 0);
	free(buf);
	CU_ASSERT_EQUAL(raw_into(10, status, &buf), 0);
	free(buf);
	CU_ASSERT_EQUAL(raw_into(0, status, &buf), 0);
	free(buf);
}

static void
test_errorpage_raw(void)
{
	check_raw(500, PAGE("500 Internal Server Error",
	    "Internal Server Error", MSG_500));
	check_raw(503, PAGE("503 Service Unavailable", "Service Unavailable",
	    MSG_500));
	check_raw(504, PAGE("504 Gateway Timeout", "Gateway Timeout",
	    MSG_500));
	check_raw(404, PAGE("404 Not Found", "Not Found", MSG_404));
	check_raw(431, PAGE("431 Request Header Fields Too Large",
	    "Request Header Fields Too Large", MSG_4XX));
}

int
register_response_tests(void)
{
	static const struct unit_test tests[] = {
		{ "header good", test_header_good },
		{ "header bad value", test_header_bad_value },
		{ "header bad name", test_header_bad_name },
		{ "header framework-owned", test_header_owned },
		{ "header overflow", test_header_overflow },
		{ "status", test_status },
		{ "content type", test_content_type },
		{ "text", test_text },
		{ "redirect", test_redirect },
		{ "head", test_head },
		{ "errorpage render", test_errorpage_render },
		{ "errorpage raw", test_errorpage_raw },
	};

	return unit_add_suite("response", tests, MOAT_NELEM(tests));
}
