/*
 * test_request.c - building a request from FastCGI params and a body.
 *
 * Each test hands request_from_params() a made-up params array, the way
 * the worker does, and reads the result back through the public
 * accessors.  Every param and body is copied into a malloc'd block of its
 * exact size, so the sanitizer build catches any read past its end.  The
 * limits are small so that every cap can be met exactly and then passed
 * by one byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/host.h"
#include "http/request_internal.h"
#include "unit.h"

/* CU_ASSERT_STRING_EQUAL that fails, rather than crashes, on NULL. */
#define STR_EQ(got, want) do {						\
	const char *got_ = (got), *want_ = (want);			\
									\
	CU_assertImplementation(got_ != NULL &&				\
	    strcmp(got_, want_) == 0, __LINE__,				\
	    "STR_EQ(" #got ", " #want ")", __FILE__, "", CU_FALSE);	\
} while (0)

#define INCIDENT	"ABCDEFGHJKMN"
#define MAX_ENV		32

struct fixture {
	struct arena		 a;
	struct moat_limits	 lim;
	struct moat_request	 req;
	char			*env[MAX_ENV + 1];
	unsigned char		*body;
	const char		*why;
};

static void
fixture_open(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	arena_init(&f->a, 1 << 20);
	f->lim.max_body_bytes = 100;
	f->lim.max_multipart_bytes = 400;
	f->lim.max_file_bytes = 100;
	f->lim.max_files = 2;
	f->lim.max_params = 8;
	f->lim.max_name_bytes = 16;
	f->lim.max_value_bytes = 64;
	f->lim.max_path_bytes = 64;
	f->lim.max_query_bytes = 32;
	f->lim.max_headers = 4;
	f->lim.max_header_bytes = 64;
	f->lim.max_cookie_bytes = 24;
}

static void
fixture_close(struct fixture *f)
{
	size_t i;

	for (i = 0; f->env[i] != NULL; i++)
		free(f->env[i]);
	free(f->body);
	arena_reset(&f->a);
	memset(f, 0, sizeof(*f));
}

/* request_from_params on copies of env[0..n); the copies live in f. */
static int
run(struct fixture *f, const char *const *env, size_t n)
{
	size_t i, len;

	CU_ASSERT_FATAL(n <= MAX_ENV);
	for (i = 0; i < n; i++) {
		len = strlen(env[i]) + 1;
		f->env[i] = malloc(len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f->env[i]);
		memcpy(f->env[i], env[i], len);
	}
	f->env[n] = NULL;
	f->why = NULL;
	return request_from_params(&f->req, &f->a, &f->lim, f->env, INCIDENT,
	    &f->why);
}

/* RUN(f, "NAME=value", ...): the params as one compound literal. */
#define RUN(f, ...)							\
	run((f), (const char *const []){ __VA_ARGS__ },			\
	    sizeof((const char *const []){ __VA_ARGS__ }) /		\
	    sizeof(const char *))

/* request_parse_body on a copy of body[0..len). */
static int
parse_body(struct fixture *f, const char *body, size_t len)
{
	free(f->body);
	f->body = malloc(len > 0 ? len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->body);
	memcpy(f->body, body, len);
	f->why = NULL;
	return request_parse_body(&f->req, f->body, len, &f->why);
}

/* Status and reason must be exactly as given. */
#define EXPECT_FAIL(f, status, reason, ...) do {			\
	CU_ASSERT_EQUAL(RUN((f), __VA_ARGS__), (status));		\
	STR_EQ((f)->why, (reason));					\
} while (0)

#define GET	"REQUEST_METHOD=GET"
#define POST	"REQUEST_METHOD=POST"
#define ROOT	"REQUEST_URI=/"

/* One failing request in a fresh fixture. */
#define FAIL1(status, reason, ...) do {					\
	struct fixture f_;						\
									\
	fixture_open(&f_);						\
	EXPECT_FAIL(&f_, (status), (reason), __VA_ARGS__);		\
	fixture_close(&f_);						\
} while (0)

/* One succeeding request in a fresh fixture. */
#define OK1(...) do {							\
	struct fixture f_;						\
									\
	fixture_open(&f_);						\
	CU_ASSERT_EQUAL(RUN(&f_, __VA_ARGS__), 0);			\
	fixture_close(&f_);						\
} while (0)

static void
test_basic(void)
{
	struct fixture f;
	size_t len = 99;

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET,
	    "REQUEST_URI=/notes/42?a=1&b=2&a=3",
	    "QUERY_STRING=a=1&b=2&a=3",
	    "REMOTE_ADDR=192.0.2.1",
	    "SERVER_SOFTWARE=nginx",
	    "HTTP_USER_AGENT=curl/8.0",
	    "HTTP_COOKIE=sid=abc; theme=dark",
	    "HTTP_X_REQUESTED_WITH=fetch"), 0);
	STR_EQ(moat_request_method(&f.req), "GET");
	STR_EQ(moat_request_path(&f.req), "/notes/42");
	STR_EQ(moat_request_remote_addr(&f.req), "192.0.2.1");
	STR_EQ(moat_request_incident_id(&f.req), INCIDENT);

	STR_EQ(moat_request_query(&f.req, "a"), "1");
	STR_EQ(moat_request_query_nth(&f.req, "a", 0), "1");
	STR_EQ(moat_request_query_nth(&f.req, "a", 1), "3");
	CU_ASSERT_PTR_NULL(moat_request_query_nth(&f.req, "a", 2));
	STR_EQ(moat_request_query(&f.req, "b"), "2");
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "c"));
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "A"));

	STR_EQ(moat_request_cookie(&f.req, "sid"), "abc");
	STR_EQ(moat_request_cookie(&f.req, "theme"), "dark");
	CU_ASSERT_PTR_NULL(moat_request_cookie(&f.req, "a"));

	/* Nothing of the body: no form, no files, no raw body. */
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_NONE);
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "a"));
	CU_ASSERT_PTR_NULL(moat_request_file(&f.req, "a"));
	CU_ASSERT_PTR_NULL(moat_request_body(&f.req, &len));
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NULL(moat_request_route_param(&f.req, "id"));
	fixture_close(&f);
}

static void
test_headers(void)
{
	struct fixture f;
	char longname[200];

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, ROOT,
	    "HTTP_USER_AGENT=curl/8.0",
	    "HTTP_X_REQUESTED_WITH=fetch",
	    "HTTP_X_DUP=first",
	    "HTTP_X_DUP=second",
	    "CONTENT_TYPE=application/json",
	    "CONTENT_LENGTH=2"), 0);
	/* HTTP_USER_AGENT answers to any spelling of User-Agent. */
	STR_EQ(moat_request_header(&f.req, "User-Agent"),
	    "curl/8.0");
	STR_EQ(moat_request_header(&f.req, "user-agent"),
	    "curl/8.0");
	STR_EQ(moat_request_header(&f.req, "USER-AGENT"),
	    "curl/8.0");
	STR_EQ(moat_request_header(&f.req, "User_Agent"),
	    "curl/8.0");
	STR_EQ(moat_request_header(&f.req, "X-Requested-With"),
	    "fetch");
	/* The first of two wins, as for every other list. */
	STR_EQ(moat_request_header(&f.req, "X-Dup"), "first");
	/* Content-Type and -Length come from their own CGI params. */
	STR_EQ(moat_request_header(&f.req, "Content-Type"),
	    "application/json");
	STR_EQ(moat_request_header(&f.req, "content-length"),
	    "2");
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, "Cookie"));
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, "User-Agen"));
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, ""));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, longname));
	/* Non-HTTP_ params are not headers. */
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, "Request-Method"));
	fixture_close(&f);

	/* HTTP_CONTENT_TYPE does not shadow the CONTENT_TYPE param. */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, ROOT,
	    "HTTP_CONTENT_TYPE=text/evil", "CONTENT_TYPE=text/plain"), 0);
	STR_EQ(moat_request_header(&f.req, "Content-Type"),
	    "text/plain");
	CU_ASSERT_PTR_NULL(moat_request_header(&f.req, "Content-Length"));
	fixture_close(&f);
}

/* Params that are not ours, or not params at all, are ignored. */
static void
test_ignored_params(void)
{
	struct fixture f;

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, ROOT,
	    "NO_EQUALS_SIGN",
	    "HTTP_=empty-name",
	    "HTTPX_FOO=1",
	    "REQUEST_METHODX=POST",
	    "request_method=POST",
	    "HTTP_X_EQ=a=b"), 0);
	STR_EQ(moat_request_method(&f.req), "GET");
	CU_ASSERT_EQUAL(f.req.headers.count, 1);
	STR_EQ(moat_request_header(&f.req, "X-Eq"), "a=b");
	STR_EQ(moat_request_remote_addr(&f.req), "");
	fixture_close(&f);
}

static void
test_query_and_path(void)
{
	struct fixture f;

	/* Without QUERY_STRING the query comes from REQUEST_URI. */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/s?q=caf%C3%A9+x"), 0);
	STR_EQ(moat_request_path(&f.req), "/s");
	STR_EQ(moat_request_query(&f.req, "q"),
	    "caf\xc3\xa9 x");
	fixture_close(&f);

	/* With both, QUERY_STRING (what the web server parsed) is used. */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/s?q=1",
	    "QUERY_STRING=q=2"), 0);
	STR_EQ(moat_request_query(&f.req, "q"), "2");
	fixture_close(&f);

	/* The path is decoded; "%2F" stays inside its segment. */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/a%2Fb/c%20d?x"), 0);
	STR_EQ(moat_request_path(&f.req), "/a/b/c d");
	CU_ASSERT_EQUAL(f.req.segments.n, 2);
	STR_EQ(f.req.segments.seg[0], "a/b");
	CU_ASSERT_EQUAL(f.req.query.count, 1);
	STR_EQ(moat_request_query(&f.req, "x"), "");
	fixture_close(&f);

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/?"), 0);
	STR_EQ(moat_request_path(&f.req), "/");
	CU_ASSERT_EQUAL(f.req.query.count, 0);
	fixture_close(&f);

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/a//b/"), 0);
	STR_EQ(moat_request_path(&f.req), "/a//b/");
	CU_ASSERT_EQUAL(f.req.segments.n, 4);
	fixture_close(&f);
}

static void
test_bad_target(void)
{
	FAIL1(400, "no REQUEST_URI from the web server", GET);
	FAIL1(400, "no REQUEST_URI from the web server", GET,
	    "QUERY_STRING=a=1");
	FAIL1(400, "path does not start with /", GET, "REQUEST_URI=");
	FAIL1(400, "path does not start with /", GET, "REQUEST_URI=?a=1");
	FAIL1(400, "path does not start with /", GET,
	    "REQUEST_URI=http://evil/");
	FAIL1(400, "dot segment in path", GET, "REQUEST_URI=/../etc/passwd");
	FAIL1(400, "dot segment in path", GET, "REQUEST_URI=/a/%2e%2e/b");
	FAIL1(400, "bad escape or invalid UTF-8 in path", GET,
	    "REQUEST_URI=/%zz");
	FAIL1(400, "bad escape or invalid UTF-8 in path", GET,
	    "REQUEST_URI=/a%00");
	FAIL1(400, "bad escape or invalid UTF-8 in path", GET,
	    "REQUEST_URI=/%C0%AF");
	FAIL1(400, "bad percent-escape in value", GET,
	    "REQUEST_URI=/?a=%zz");
	FAIL1(400, "parameter value is not UTF-8 text", GET, ROOT,
	    "QUERY_STRING=a=%C0%AF");
}

static void
test_method(void)
{
	struct fixture f;

	fixture_open(&f);
	EXPECT_FAIL(&f, 400, "bad request method", ROOT);
	/* The log still gets a printable method. */
	STR_EQ(moat_request_method(&f.req), "GET");
	fixture_close(&f);
	FAIL1(400, "bad request method", "REQUEST_METHOD=get", ROOT);
	FAIL1(400, "bad request method", "REQUEST_METHOD=", ROOT);
	FAIL1(400, "bad request method", "REQUEST_METHOD=GET ", ROOT);
	FAIL1(400, "bad request method", "REQUEST_METHOD=G-T", ROOT);
	FAIL1(400, "bad request method", "REQUEST_METHOD=ABCDEFGHIJKLMNOPQ",
	    ROOT);
	/* The method is checked before the path. */
	FAIL1(400, "bad request method", "REQUEST_METHOD=get",
	    "REQUEST_URI=/%zz");
	OK1("REQUEST_METHOD=ABCDEFGHIJKLMNOP", ROOT);
	OK1("REQUEST_METHOD=PATCH", ROOT);
}

static void
test_content_length(void)
{
	static const char *const bad[] = {
		"CONTENT_LENGTH=abc", "CONTENT_LENGTH=-1", "CONTENT_LENGTH=1e3",
		"CONTENT_LENGTH= 5", "CONTENT_LENGTH=5 ", "CONTENT_LENGTH=+5",
		"CONTENT_LENGTH=0x10", "CONTENT_LENGTH=5,5",
		"CONTENT_LENGTH=99999999999999999999999",
		"CONTENT_LENGTH=18446744073709551616",
	};
	const char *env[3];
	struct fixture f;
	size_t i;

	env[0] = POST;
	env[1] = ROOT;
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		fixture_open(&f);
		env[2] = bad[i];
		CU_ASSERT_EQUAL(run(&f, env, 3), 400);
		STR_EQ(f.why, "bad CONTENT_LENGTH");
		fixture_close(&f);
	}

	/* Empty and zero mean no body. */
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH="), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_NONE);
	CU_ASSERT_EQUAL(f.req.body_len, 0);
	fixture_close(&f);
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=0",
	    "CONTENT_TYPE=application/x-www-form-urlencoded"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_NONE);
	CU_ASSERT_EQUAL(f.req.body_len, 0);
	fixture_close(&f);
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=007"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_OTHER);
	CU_ASSERT_EQUAL(f.req.body_len, 7);
	fixture_close(&f);
}

static void
test_body_limits(void)
{
	static const char form[] =
	    "CONTENT_TYPE=application/x-www-form-urlencoded";
	static const char mp[] = "CONTENT_TYPE=multipart/form-data; b=X";
	struct fixture f;

	OK1(POST, ROOT, form, "CONTENT_LENGTH=100");
	FAIL1(413, "request body too large", POST, ROOT, form,
	    "CONTENT_LENGTH=101");
	FAIL1(413, "request body too large", POST, ROOT,
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=101");
	FAIL1(413, "request body too large", POST, ROOT, "CONTENT_LENGTH=101");
	/* Multipart bodies have their own, larger cap. */
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, mp, "CONTENT_LENGTH=400"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_MULTIPART);
	fixture_close(&f);
	OK1(POST, ROOT, mp, "CONTENT_LENGTH=150");
	FAIL1(413, "request body too large", POST, ROOT, mp,
	    "CONTENT_LENGTH=401");
	FAIL1(413, "request body too large", POST, ROOT, mp,
	    "CONTENT_LENGTH=1844674407370955160");
}

/* 64 bytes: exactly the header cap. */
#define V64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void
test_header_limits(void)
{
	/* Four headers is the cap; the fifth is refused. */
	OK1(GET, ROOT, "HTTP_A=1", "HTTP_B=2", "HTTP_C=3", "HTTP_D=4");
	FAIL1(431, "too many headers", GET, ROOT, "HTTP_A=1", "HTTP_B=2",
	    "HTTP_C=3", "HTTP_D=4", "HTTP_E=5");
	/* 64 bytes of value is the cap. */
	OK1(GET, ROOT, "HTTP_X=" V64);
	FAIL1(431, "header too long", GET, ROOT, "HTTP_X=" V64 "X");
	/* Content-Type travels outside HTTP_* but has the same cap. */
	OK1(GET, ROOT, "CONTENT_TYPE=" V64);
	FAIL1(431, "header too long", GET, ROOT, "CONTENT_TYPE=" V64 "X");
	/* The Cookie header has a cap of its own (24 here). */
	OK1(GET, ROOT, "HTTP_COOKIE=a=0123456789012345678901");
	FAIL1(431, "cookie header too long", GET, ROOT,
	    "HTTP_COOKIE=a=01234567890123456789012");
	/* A malformed cookie is skipped, not a 400: the rest still count. */
	{
		struct fixture f;

		fixture_open(&f);
		CU_ASSERT_EQUAL(RUN(&f, GET, ROOT,
		    "HTTP_COOKIE=abc; s=1; a=\"b"), 0);
		STR_EQ(moat_request_cookie(&f.req, "s"), "1");
		CU_ASSERT_PTR_NULL(moat_request_cookie(&f.req, "abc"));
		CU_ASSERT_PTR_NULL(moat_request_cookie(&f.req, "a"));
		fixture_close(&f);
	}
	/*
	 * Headers before the method (Apache's order): a limit hit there
	 * still leaves a method for the error page and the log.
	 */
	{
		struct fixture f;

		fixture_open(&f);
		CU_ASSERT_EQUAL(RUN(&f, "HTTP_A=1", "HTTP_B=2", "HTTP_C=3",
		    "HTTP_D=4", "HTTP_E=5", GET, ROOT), 431);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f.req.method);
		CU_ASSERT_STRING_EQUAL(f.req.method, "GET");
		fixture_close(&f);
		fixture_open(&f);
		CU_ASSERT_EQUAL(RUN(&f, "HTTP_X=" V64 "X",
		    "REQUEST_METHOD=HEAD", ROOT), 431);
		CU_ASSERT_STRING_EQUAL(f.req.method, "GET");
		fixture_close(&f);
	}
}

/* 63 bytes: with its '/', a path of exactly the 64-byte cap. */
#define P63	"123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void
test_query_limits(void)
{
	OK1(GET, ROOT, "QUERY_STRING=a=345678901234567890123456789012");
	FAIL1(414, "query string too long", GET, ROOT,
	    "QUERY_STRING=a=3456789012345678901234567890123");
	OK1(GET, "REQUEST_URI=/?a=345678901234567890123456789012");
	FAIL1(414, "query string too long", GET,
	    "REQUEST_URI=/?a=3456789012345678901234567890123");
	/* The path has its own cap: 64 bytes here, the query not counted. */
	OK1(GET, "REQUEST_URI=/" P63 "?a=1");
	FAIL1(414, "path too long", GET, "REQUEST_URI=/" P63 "x?a=1");
	FAIL1(413, "too many parameters", GET, ROOT,
	    "QUERY_STRING=a&b&c&d&e&f&g&h&i");
}

static void
test_urlencoded_body(void)
{
	static const char body[] = "a=1&b=x+y&a=2&c=%C3%A9";
	struct fixture f;
	size_t len = 99;

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, POST, "REQUEST_URI=/f?a=q",
	    "CONTENT_TYPE=application/x-www-form-urlencoded; charset=UTF-8",
	    "CONTENT_LENGTH=22"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_URLENCODED);
	CU_ASSERT_EQUAL_FATAL(parse_body(&f, body, sizeof(body) - 1), 0);
	STR_EQ(moat_request_form(&f.req, "a"), "1");
	STR_EQ(moat_request_form_nth(&f.req, "a", 1), "2");
	CU_ASSERT_PTR_NULL(moat_request_form_nth(&f.req, "a", 2));
	STR_EQ(moat_request_form(&f.req, "b"), "x y");
	STR_EQ(moat_request_form(&f.req, "c"), "\xc3\xa9");
	/* Query and form stay apart. */
	STR_EQ(moat_request_query(&f.req, "a"), "q");
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "b"));
	/* A parsed body is not also offered raw. */
	CU_ASSERT_PTR_NULL(moat_request_body(&f.req, &len));
	CU_ASSERT_EQUAL(len, 0);
	fixture_close(&f);

	/* The media type is case-insensitive but must match whole. */
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=3",
	    "CONTENT_TYPE=Application/X-WWW-Form-URLEncoded"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_URLENCODED);
	CU_ASSERT_EQUAL(parse_body(&f, "k=v", 3), 0);
	STR_EQ(moat_request_form(&f.req, "k"), "v");
	fixture_close(&f);
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=3",
	    "CONTENT_TYPE=application/x-www-form-urlencodedx"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_OTHER);
	CU_ASSERT_EQUAL(parse_body(&f, "k=v", 3), 0);
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "k"));
	fixture_close(&f);

	/* A bad body is a 400 with the parser's reason. */
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=5",
	    "CONTENT_TYPE=application/x-www-form-urlencoded"), 0);
	CU_ASSERT_EQUAL(parse_body(&f, "a=%zz", 5), 400);
	STR_EQ(f.why, "bad percent-escape in value");
	fixture_close(&f);
}

static void
test_multipart_body(void)
{
	static const char body[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Hello\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Again\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; "
	    "filename=\"a.txt\"\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "file\0data\r\n"
	    "--XyZ--\r\n";
	const struct moat_upload *up;
	struct fixture f;
	const char *env[4];
	char cl[32];

	fixture_open(&f);
	env[0] = POST;
	env[1] = ROOT;
	env[2] = "CONTENT_TYPE=multipart/form-data; boundary=XyZ";
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", sizeof(body) - 1);
	env[3] = cl;
	CU_ASSERT_EQUAL_FATAL(run(&f, env, 4), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_MULTIPART);
	CU_ASSERT_EQUAL_FATAL(parse_body(&f, body, sizeof(body) - 1), 0);
	STR_EQ(moat_request_form(&f.req, "title"), "Hello");
	STR_EQ(moat_request_form_nth(&f.req, "title", 1),
	    "Again");
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "doc"));
	CU_ASSERT_PTR_NULL(moat_request_file(&f.req, "title"));
	up = moat_request_file(&f.req, "doc");
	CU_ASSERT_PTR_NOT_NULL_FATAL(up);
	STR_EQ(up->field, "doc");
	STR_EQ(up->filename, "a.txt");
	STR_EQ(up->content_type, "text/plain");
	CU_ASSERT_EQUAL(up->size, 9);
	CU_ASSERT(memcmp(up->data, "file\0data", 9) == 0);
	fixture_close(&f);

	/* A multipart type without a boundary fails when the body comes. */
	fixture_open(&f);
	CU_ASSERT_EQUAL(RUN(&f, POST, ROOT, "CONTENT_LENGTH=4",
	    "CONTENT_TYPE=multipart/form-data"), 0);
	CU_ASSERT_EQUAL(parse_body(&f, "abcd", 4), 400);
	CU_ASSERT_PTR_NOT_NULL(f.why);
	fixture_close(&f);
}

static void
test_raw_body(void)
{
	static const char json[] = "{\"a\":1}";
	const unsigned char *p;
	struct fixture f;
	size_t len = 0;

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, POST, ROOT,
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=7"), 0);
	CU_ASSERT_EQUAL(f.req.body_kind, BODY_OTHER);
	CU_ASSERT_EQUAL_FATAL(parse_body(&f, json, 7), 0);
	p = moat_request_body(&f.req, &len);
	CU_ASSERT_PTR_EQUAL(p, f.body);
	CU_ASSERT_EQUAL(len, 7);
	CU_ASSERT(p != NULL && memcmp(p, json, 7) == 0);
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "a"));
	fixture_close(&f);

	/*
	 * A body of another length than CONTENT_LENGTH is refused: the
	 * accessor reports CONTENT_LENGTH bytes and must never over-read.
	 */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, POST, ROOT,
	    "CONTENT_TYPE=application/json", "CONTENT_LENGTH=7"), 0);
	CU_ASSERT_EQUAL(parse_body(&f, json, 6), 400);
	STR_EQ(f.why,
	    "body length does not match CONTENT_LENGTH");
	CU_ASSERT_PTR_NULL(moat_request_body(&f.req, &len));
	CU_ASSERT_EQUAL(len, 0);
	fixture_close(&f);

	/* No body at all: parsing nothing is fine. */
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, ROOT), 0);
	CU_ASSERT_EQUAL(parse_body(&f, "", 0), 0);
	CU_ASSERT_PTR_NULL(moat_request_body(&f.req, &len));
	fixture_close(&f);
}

/* First wins everywhere; the _nth getters reach the rest. */
static void
test_duplicates(void)
{
	struct fixture f;

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET, "REQUEST_URI=/?k=1&k=2&k=3",
	    "HTTP_COOKIE=c=one; c=two"), 0);
	STR_EQ(moat_request_query(&f.req, "k"), "1");
	STR_EQ(moat_request_query_nth(&f.req, "k", 1), "2");
	STR_EQ(moat_request_query_nth(&f.req, "k", 2), "3");
	CU_ASSERT_PTR_NULL(moat_request_query_nth(&f.req, "k", 3));
	CU_ASSERT_PTR_NULL(moat_request_query_nth(&f.req, "k", SIZE_MAX));
	STR_EQ(moat_request_cookie(&f.req, "c"), "one");
	fixture_close(&f);
}

static int
dummy_handler(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	(void)res;
	return 0;
}

static void
test_route_params(void)
{
	static const struct moat_route routes[] = {
		{ .method = "GET", .pattern = "/notes/{id:int}/{slug:str}", .handler = dummy_handler },
	};
	struct router r;
	struct fixture f;
	char err[128];
	int64_t v = 77;

	CU_ASSERT_EQUAL_FATAL(router_compile(&r, routes, 1, err, sizeof(err)),
	    0);
	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, "REQUEST_METHOD=HEAD",
	    "REQUEST_URI=/notes/-12/hello%20world"), 0);
	CU_ASSERT_EQUAL(router_match(&r, f.req.method, &f.req.segments,
	    &f.req.match), ROUTE_FOUND);
	STR_EQ(moat_request_route_param(&f.req, "id"), "-12");
	STR_EQ(moat_request_route_param(&f.req, "slug"),
	    "hello world");
	CU_ASSERT_PTR_NULL(moat_request_route_param(&f.req, "nope"));
	CU_ASSERT_TRUE(moat_request_route_int(&f.req, "id", &v));
	CU_ASSERT_EQUAL(v, -12);
	/* Not an int, or not there: false, and v is left alone. */
	v = 77;
	CU_ASSERT_FALSE(moat_request_route_int(&f.req, "slug", &v));
	CU_ASSERT_FALSE(moat_request_route_int(&f.req, "nope", &v));
	CU_ASSERT_EQUAL(v, 77);
	fixture_close(&f);

	fixture_open(&f);
	CU_ASSERT_EQUAL_FATAL(RUN(&f, GET,
	    "REQUEST_URI=/notes/-9223372036854775808/x"), 0);
	CU_ASSERT_EQUAL(router_match(&r, f.req.method, &f.req.segments,
	    &f.req.match), ROUTE_FOUND);
	CU_ASSERT_TRUE(moat_request_route_int(&f.req, "id", &v));
	CU_ASSERT_EQUAL(v, INT64_MIN);
	fixture_close(&f);
	router_free(&r);
}

static void
test_allowed_hosts(void)
{
	static const char list[] = "example.com, 127.0.0.1,::1 , .moat.test";

	CU_ASSERT_TRUE(host_allowed(list, "example.com"));
	CU_ASSERT_TRUE(host_allowed(list, "EXAMPLE.com:8443"));
	CU_ASSERT_TRUE(host_allowed(list, "127.0.0.1:80"));
	CU_ASSERT_TRUE(host_allowed(list, "[::1]:8443"));
	CU_ASSERT_TRUE(host_allowed(list, "[::1]"));
	CU_ASSERT_TRUE(host_allowed(list, "moat.test"));
	CU_ASSERT_TRUE(host_allowed(list, "a.b.moat.test"));
	CU_ASSERT_FALSE(host_allowed(list, "evil.com"));
	CU_ASSERT_FALSE(host_allowed(list, "example.com.evil.com"));
	CU_ASSERT_FALSE(host_allowed(list, "xexample.com"));
	CU_ASSERT_FALSE(host_allowed(list, "evilmoat.test"));
	CU_ASSERT_FALSE(host_allowed(list, "[::1"));
	CU_ASSERT_FALSE(host_allowed(list, "[::1]x"));
	CU_ASSERT_FALSE(host_allowed(list, ""));
	CU_ASSERT_FALSE(host_allowed(list, ":80"));
	CU_ASSERT_FALSE(host_allowed(list, NULL));
	CU_ASSERT_FALSE(host_allowed(NULL, "example.com"));
	CU_ASSERT_FALSE(host_allowed("", "example.com"));
}

int
register_request_tests(void)
{
	static const struct unit_test tests[] = {
		{ "basic accessors", test_basic },
		{ "headers", test_headers },
		{ "ignored params", test_ignored_params },
		{ "query and path", test_query_and_path },
		{ "bad target", test_bad_target },
		{ "method", test_method },
		{ "content length", test_content_length },
		{ "body limits", test_body_limits },
		{ "header limits", test_header_limits },
		{ "query limits", test_query_limits },
		{ "urlencoded body", test_urlencoded_body },
		{ "multipart body", test_multipart_body },
		{ "raw body", test_raw_body },
		{ "duplicates", test_duplicates },
		{ "route params", test_route_params },
		{ "allowed hosts", test_allowed_hosts },
	};

	return unit_add_suite("request", tests, MOAT_NELEM(tests));
}
