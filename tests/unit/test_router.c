/*
 * test_router.c - route compilation, path splitting and matching.
 *
 * Pattern errors must stop start-up, so each kind is tried with its
 * exact message.  Paths come from the network, so the splitter gets the
 * usual traversal and encoding tricks; the matcher gets the int bounds,
 * table-order precedence and the 405 Allow list.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http/router.h"
#include "unit.h"

/* CU_ASSERT_STRING_EQUAL that fails, rather than crashes, on NULL. */
#define STR_EQ(got, want) do {						\
	const char *got_ = (got), *want_ = (want);			\
									\
	CU_assertImplementation(got_ != NULL &&				\
	    strcmp(got_, want_) == 0, __LINE__,				\
	    "STR_EQ(" #got ", " #want ")", __FILE__, "", CU_FALSE);	\
} while (0)

static int
dummy_handler(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	(void)res;
	return 0;
}

#define H	dummy_handler

/* --- router_compile -------------------------------------------------- */

/* Compile one route; expect failure with exactly want (NULL: success). */
static void
expect_compile1(const char *method, const char *pattern, moat_handler h,
    const char *want)
{
	struct moat_route rt = { .method = method, .pattern = pattern, .handler = h };
	struct router r;
	char err[256] = "";

	if (want == NULL) {
		CU_ASSERT_EQUAL(router_compile(&r, &rt, 1, err, sizeof(err)),
		    0);
		STR_EQ(err, "");
	} else {
		CU_ASSERT_EQUAL(router_compile(&r, &rt, 1, err, sizeof(err)),
		    -1);
		STR_EQ(err, want);
	}
	router_free(&r);
}

/* A pattern that must be refused as invalid. */
static void
expect_bad_pattern(const char *pattern)
{
	char want[256];

	snprintf(want, sizeof(want), "route 0 (GET %s): invalid method, "
	    "pattern or handler", pattern);
	expect_compile1("GET", pattern, H, want);
}

static void
test_compile_good(void)
{
	expect_compile1("GET", "/", H, NULL);
	expect_compile1("GET", "/notes", H, NULL);
	expect_compile1("POST", "/notes/{id:int}/edit", H, NULL);
	expect_compile1("GET", "/a/{s:slug}/{u:uuid}/{x:str}", H, NULL);
	expect_compile1("GET", "/{_x9:str}", H, NULL);
	expect_compile1("GET", "/Caps-and.dots~/a:b@c!$&'()*+,;=", H, NULL);
	expect_compile1("GET", "/...", H, NULL);
	expect_compile1("ABCDEFGHIJKLMNOP", "/", H, NULL);
}

static void
test_compile_bad_method(void)
{
	expect_compile1("get", "/", H,
	    "route 0 (get /): invalid method, pattern or handler");
	expect_compile1("", "/", H,
	    "route 0 ( /): invalid method, pattern or handler");
	expect_compile1("ABCDEFGHIJKLMNOPQ", "/", H, "route 0 "
	    "(ABCDEFGHIJKLMNOPQ /): invalid method, pattern or handler");
	expect_compile1("GE T", "/", H,
	    "route 0 (GE T /): invalid method, pattern or handler");
	expect_compile1(NULL, "/", H,
	    "route 0 ((null) /): invalid method, pattern or handler");
}

static void
test_compile_bad_pattern(void)
{
	expect_bad_pattern("");
	expect_bad_pattern("notes");
	expect_bad_pattern("notes/{id:int}");
	expect_bad_pattern("//");
	expect_bad_pattern("/a//b");
	/* A trailing slash would compile like "/a" and never match "/a/". */
	expect_bad_pattern("/a/");
	expect_bad_pattern("/a/{id:int}/");
	/* Dot segments can never arrive (the splitter refuses them). */
	expect_bad_pattern("/.");
	expect_bad_pattern("/..");
	expect_bad_pattern("/a/./b");
	expect_bad_pattern("/a/../b");
	/* Literals are limited to characters that need no escaping. */
	expect_bad_pattern("/a b");
	expect_bad_pattern("/a%2Fb");
	expect_bad_pattern("/a?b");
	expect_bad_pattern("/a#b");
	expect_bad_pattern("/caf\xc3\xa9");
	expect_bad_pattern("/{id:int");
	expect_bad_pattern("/id:int}");
	expect_compile1("GET", NULL, H,
	    "route 0 (GET (null)): invalid method, pattern or handler");
}

static void
test_compile_bad_param(void)
{
	expect_bad_pattern("/{id:foo}");
	expect_bad_pattern("/{id:INT}");
	expect_bad_pattern("/{id:}");
	expect_bad_pattern("/{id}");
	expect_bad_pattern("/{}");
	expect_bad_pattern("/{:int}");
	expect_bad_pattern("/{Id:int}");
	expect_bad_pattern("/{1id:int}");
	expect_bad_pattern("/{id-x:int}");
	expect_bad_pattern("/{id:int:x}");
	expect_bad_pattern("/{{id:int}}");
	expect_bad_pattern("/x{id:int}");
	/* Names are at most 32 bytes. */
	expect_compile1("GET", "/{abcdefghijklmnopqrstuvwxyz012345:int}", H,
	    NULL);
	expect_bad_pattern("/{abcdefghijklmnopqrstuvwxyz0123456:int}");
	/* One name per route. */
	expect_bad_pattern("/a/{id:int}/{id:str}");
	expect_bad_pattern("/{id:int}/b/{id:int}");
	expect_compile1("GET", "/{id:int}/id", H, NULL);
}

static void
test_compile_limits(void)
{
	char pat[200];
	size_t i;

	/* 32 segments compile, 33 do not. */
	for (i = 0; i < 32; i++)
		memcpy(pat + 2 * i, "/a", 2);
	pat[64] = '\0';
	expect_compile1("GET", pat, H, NULL);
	memcpy(pat + 64, "/a", 3);
	expect_bad_pattern(pat);

	/* 8 parameters compile, 9 do not. */
	expect_compile1("GET", "/{a:int}/{b:int}/{c:int}/{d:int}/{e:int}"
	    "/{f:int}/{g:int}/{h:int}", H, NULL);
	expect_bad_pattern("/{a:int}/{b:int}/{c:int}/{d:int}/{e:int}"
	    "/{f:int}/{g:int}/{h:int}/{i:int}");
}

static void
test_compile_handler_and_dup(void)
{
	static const struct moat_route dup[] = {
		{ .method = "GET", .pattern = "/a", .handler = H },
		{ .method = "POST", .pattern = "/a", .handler = H },
		{ .method = "GET", .pattern = "/a/{id:int}", .handler = H },
		{ .method = "GET", .pattern = "/a", .handler = H },
	};
	static const struct moat_route later_bad[] = {
		{ .method = "GET", .pattern = "/a", .handler = H },
		{ .method = "GET", .pattern = "/b", .handler = NULL },
	};
	struct router r;
	char err[256];

	expect_compile1("GET", "/", NULL,
	    "route 0 (GET /): invalid method, pattern or handler");
	CU_ASSERT_EQUAL(router_compile(&r, dup, MOAT_NELEM(dup), err,
	    sizeof(err)), -1);
	STR_EQ(err, "route 3 (GET /a): declared twice");
	router_free(&r);
	CU_ASSERT_EQUAL(router_compile(&r, dup, 3, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.nroutes, 3);
	router_free(&r);
	CU_ASSERT_EQUAL(router_compile(&r, later_bad, 2, err, sizeof(err)),
	    -1);
	STR_EQ(err,
	    "route 1 (GET /b): invalid method, pattern or handler");
	router_free(&r);
	/* An empty table is valid and matches nothing. */
	CU_ASSERT_EQUAL(router_compile(&r, dup, 0, err, sizeof(err)), 0);
	router_free(&r);
}

/* --- router_split_path ----------------------------------------------- */

static struct moat_limits
path_limits(size_t max_path)
{
	struct moat_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.max_path_bytes = max_path;
	return lim;
}

/* Split raw[0..len); expect status want and, on success, the segments. */
static void
expect_split_len(const char *raw, size_t len, int want, const char *why,
    const char *const *segs, size_t nsegs)
{
	struct moat_limits lim = path_limits(256);
	struct path_segments p;
	struct arena a;
	const char *got_why = NULL;
	size_t i;

	arena_init(&a, 1 << 16);
	CU_ASSERT_EQUAL(router_split_path(&a, raw, len, &lim, &p, &got_why),
	    want);
	if (want != 0) {
		STR_EQ(got_why, why);
	} else {
		CU_ASSERT_FALSE(p.too_many);
		CU_ASSERT_EQUAL(p.n, nsegs);
		for (i = 0; i < nsegs && i < p.n; i++)
			STR_EQ(p.seg[i], segs[i]);
	}
	arena_reset(&a);
}

#define SPLIT_OK(raw, ...) do {						\
	static const char *const segs_[] = { __VA_ARGS__ };		\
	expect_split_len((raw), strlen(raw), 0, NULL, segs_ + 1,	\
	    MOAT_NELEM(segs_) - 1);					\
} while (0)
#define SPLIT_BAD(raw, want, why) \
	expect_split_len((raw), sizeof(raw) - 1, (want), (why), NULL, 0)

#define WHY_START	"path does not start with /"
#define WHY_ESCAPE	"bad escape or invalid UTF-8 in path"
#define WHY_DOT		"dot segment in path"

static void
test_split_good(void)
{
	/* The first macro argument is a placeholder: C needs one. */
	SPLIT_OK("/", "");
	SPLIT_OK("/notes", "", "notes");
	SPLIT_OK("/notes/42/edit", "", "notes", "42", "edit");
	/* Empty segments are kept: they match no route, so 404. */
	SPLIT_OK("/a//b", "", "a", "", "b");
	SPLIT_OK("/a/", "", "a", "");
	SPLIT_OK("//", "", "", "");
	/* "%2F" decodes inside its segment and never makes a new one. */
	SPLIT_OK("/a%2Fb/c", "", "a/b", "c");
	SPLIT_OK("/%2e%2e%2f", "", "../");
	SPLIT_OK("/caf%C3%A9/caf\xc3\xa9", "", "caf\xc3\xa9", "caf\xc3\xa9");
	/* '+' is a plus in a path, not a space. */
	SPLIT_OK("/a+b%20c", "", "a+b c");
	/* Not dot segments. */
	SPLIT_OK("/.../.a/a./..b", "", "...", ".a", "a.", "..b");
}

static void
test_split_bad(void)
{
	SPLIT_BAD("", 400, WHY_START);
	SPLIT_BAD("no-slash", 400, WHY_START);
	SPLIT_BAD("%2Fa", 400, WHY_START);
	SPLIT_BAD("http://evil/", 400, WHY_START);
	SPLIT_BAD("/..", 400, WHY_DOT);
	SPLIT_BAD("/.", 400, WHY_DOT);
	SPLIT_BAD("/a/./b", 400, WHY_DOT);
	SPLIT_BAD("/a/../b", 400, WHY_DOT);
	SPLIT_BAD("/a/..", 400, WHY_DOT);
	SPLIT_BAD("/%2e%2e/x", 400, WHY_DOT);
	SPLIT_BAD("/%2E%2E/x", 400, WHY_DOT);
	SPLIT_BAD("/.%2e/x", 400, WHY_DOT);
	SPLIT_BAD("/%2e", 400, WHY_DOT);
	SPLIT_BAD("/%00", 400, WHY_ESCAPE);
	SPLIT_BAD("/a%00.txt", 400, WHY_ESCAPE);
	SPLIT_BAD("/a\0b", 400, WHY_ESCAPE);
	SPLIT_BAD("/%", 400, WHY_ESCAPE);
	SPLIT_BAD("/%4", 400, WHY_ESCAPE);
	SPLIT_BAD("/%zz", 400, WHY_ESCAPE);
	SPLIT_BAD("/a/b%", 400, WHY_ESCAPE);
	/* Overlong '/' and '.', raw and escaped; a lone continuation byte. */
	SPLIT_BAD("/%C0%AF", 400, WHY_ESCAPE);
	SPLIT_BAD("/\xc0\xaf", 400, WHY_ESCAPE);
	SPLIT_BAD("/%C0%AE%C0%AE/x", 400, WHY_ESCAPE);
	SPLIT_BAD("/%E0%80%AF", 400, WHY_ESCAPE);
	SPLIT_BAD("/%80", 400, WHY_ESCAPE);
	SPLIT_BAD("/%ED%A0%80", 400, WHY_ESCAPE);
}

/* Only len bytes are looked at. */
static void
test_split_length(void)
{
	static const char *const ab[] = { "ab" };

	expect_split_len("/ab?x=1", 3, 0, NULL, ab, 1);
	expect_split_len("/ab%", 3, 0, NULL, ab, 1);
	expect_split_len("/..", 2, 400, WHY_DOT, NULL, 0);
	expect_split_len("x", 0, 400, WHY_START, NULL, 0);
}

static void
test_split_too_long(void)
{
	struct moat_limits lim = path_limits(16);
	struct path_segments p;
	struct arena a;
	const char *why = NULL;

	arena_init(&a, 1 << 16);
	CU_ASSERT_EQUAL(router_split_path(&a, "/0123456789abcde", 16, &lim,
	    &p, &why), 0);
	CU_ASSERT_EQUAL(p.n, 1);
	CU_ASSERT_EQUAL(router_split_path(&a, "/0123456789abcdef", 17, &lim,
	    &p, &why), 414);
	STR_EQ(why, "path too long");
	/* The length limit comes first, even for an otherwise bad path. */
	why = NULL;
	CU_ASSERT_EQUAL(router_split_path(&a, "no-slash-and-long!", 18, &lim,
	    &p, &why), 414);
	STR_EQ(why, "path too long");
	arena_reset(&a);
}

/* "/a" repeated n times. */
static size_t
many_segments(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(buf + 2 * i, "/a", 2);
	buf[2 * n] = '\0';
	return 2 * n;
}

static void
test_split_too_many(void)
{
	struct moat_limits lim = path_limits(1024);
	struct path_segments p;
	struct arena a;
	const char *why = NULL;
	char path[256];
	size_t len;

	arena_init(&a, 1 << 16);
	len = many_segments(path, 32);
	CU_ASSERT_EQUAL(router_split_path(&a, path, len, &lim, &p, &why), 0);
	CU_ASSERT_EQUAL(p.n, 32);
	CU_ASSERT_FALSE(p.too_many);
	len = many_segments(path, 33);
	CU_ASSERT_EQUAL(router_split_path(&a, path, len, &lim, &p, &why), 0);
	CU_ASSERT_EQUAL(p.n, 32);
	CU_ASSERT_TRUE(p.too_many);
	/* Segments past the 32nd are still checked. */
	memcpy(path + len, "/..", 4);
	CU_ASSERT_EQUAL(router_split_path(&a, path, len + 3, &lim, &p, &why),
	    400);
	STR_EQ(why, WHY_DOT);
	/* A fresh split clears too_many. */
	CU_ASSERT_EQUAL(router_split_path(&a, "/x", 2, &lim, &p, &why), 0);
	CU_ASSERT_FALSE(p.too_many);
	CU_ASSERT_EQUAL(p.n, 1);
	arena_reset(&a);
}

/* --- router_parse_int ------------------------------------------------ */

static void
test_parse_int(void)
{
	static const char *const bad[] = {
		"", "-", "+1", "-0", "007", "00", "0x1", " 1", "1 ", "1a",
		"9223372036854775808", "-9223372036854775809",
		"18446744073709551616", "99999999999999999999999", "1e3",
		"--1", "\xd9\xa1",
	};
	long long v;
	size_t i;

	CU_ASSERT_TRUE(router_parse_int("0", &v));
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_TRUE(router_parse_int("-1", &v));
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_TRUE(router_parse_int("42", &v));
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_TRUE(router_parse_int("9223372036854775807", &v));
	CU_ASSERT_EQUAL(v, INT64_MAX);
	CU_ASSERT_TRUE(router_parse_int("-9223372036854775808", &v));
	CU_ASSERT_EQUAL(v, INT64_MIN);
	CU_ASSERT_TRUE(router_parse_int("-9223372036854775807", &v));
	CU_ASSERT_EQUAL(v, -INT64_MAX);
	CU_ASSERT_TRUE(router_parse_int("922337203685477580", &v));
	CU_ASSERT_EQUAL(v, 922337203685477580LL);
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		v = 12345;
		CU_ASSERT_FALSE(router_parse_int(bad[i], &v));
		/* A refused number leaves the output alone. */
		CU_ASSERT_EQUAL(v, 12345);
	}
}

/* --- router_match ---------------------------------------------------- */

enum {
	R_ROOT, R_NEW, R_NOTE, R_NOTE_STR, R_NOTE_POST, R_SLUG, R_UUID,
	R_FILES, R_DELETE, R_PUT_ONLY, R_GETX, R_GETX_GET, R_DEEP,
};

static const struct moat_route table[] = {
	[R_ROOT] = { .method = "GET", .pattern = "/", .handler = H },
	[R_NEW] = { .method = "GET", .pattern = "/notes/new", .handler = H },
	[R_NOTE] = { .method = "GET", .pattern = "/notes/{id:int}", .handler = H },
	[R_NOTE_STR] = { .method = "GET", .pattern = "/notes/{name:str}", .handler = H },
	[R_NOTE_POST] = { .method = "POST", .pattern = "/notes/{id:int}", .handler = H },
	[R_SLUG] = { .method = "GET", .pattern = "/u/{s:slug}", .handler = H },
	[R_UUID] = { .method = "GET", .pattern = "/x/{u:uuid}", .handler = H },
	[R_FILES] = { .method = "GET", .pattern = "/files/{a:str}/{b:int}", .handler = H },
	[R_DELETE] = { .method = "DELETE", .pattern = "/only-delete", .handler = H },
	[R_PUT_ONLY] = { .method = "PUT", .pattern = "/put", .handler = H },
	[R_GETX] = { .method = "GETX", .pattern = "/g", .handler = H },
	[R_GETX_GET] = { .method = "GET", .pattern = "/g", .handler = H },
	[R_DEEP] = { "GET", "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
	    "/a/a/a/a/a/a/a/a", H },
};

struct match_fixture {
	struct router		 r;
	struct arena		 a;
	struct moat_limits	 lim;
	struct route_match	 m;
};

static void
fixture_open(struct match_fixture *f, const struct moat_route *routes,
    size_t n)
{
	char err[256];

	CU_ASSERT_EQUAL_FATAL(router_compile(&f->r, routes, n, err,
	    sizeof(err)), 0);
	arena_init(&f->a, 1 << 16);
	f->lim = path_limits(1024);
}

static void
fixture_close(struct match_fixture *f)
{
	router_free(&f->r);
	arena_reset(&f->a);
}

/* Split path and match it against f's router. */
static enum route_result
match(struct match_fixture *f, const char *method, const char *path)
{
	struct path_segments p;
	const char *why = NULL;

	memset(&f->m, 0x55, sizeof(f->m));
	if (router_split_path(&f->a, path, strlen(path), &f->lim, &p,
	    &why) != 0) {
		CU_FAIL("path did not split");
		return ROUTE_NOT_FOUND;
	}
	return router_match(&f->r, method, &p, &f->m);
}

/* method path must reach routes[want] (of the main table). */
static void
expect_route(struct match_fixture *f, const char *method, const char *path,
    size_t want)
{
	CU_ASSERT_EQUAL(match(f, method, path), ROUTE_FOUND);
	CU_ASSERT_PTR_EQUAL(f->m.route, &table[want]);
}

static void
expect_param(const struct match_fixture *f, size_t i, const char *name,
    const char *value)
{
	CU_ASSERT(i < f->m.nparams);
	if (i >= f->m.nparams)
		return;
	STR_EQ(f->m.params[i].name, name);
	STR_EQ(f->m.params[i].value, value);
}

static void
test_match_basic(void)
{
	struct match_fixture f;

	fixture_open(&f, table, MOAT_NELEM(table));
	expect_route(&f, "GET", "/", R_ROOT);
	CU_ASSERT_EQUAL(f.m.nparams, 0);
	STR_EQ(f.m.allow, "");
	/* Table order: the literal comes first, so it wins over {id}... */
	expect_route(&f, "GET", "/notes/new", R_NEW);
	CU_ASSERT_EQUAL(f.m.nparams, 0);
	expect_route(&f, "GET", "/notes/42", R_NOTE);
	CU_ASSERT_EQUAL(f.m.nparams, 1);
	expect_param(&f, 0, "id", "42");
	/* ... and what {id:int} refuses falls through to {name:str}. */
	expect_route(&f, "GET", "/notes/abc", R_NOTE_STR);
	expect_param(&f, 0, "name", "abc");
	expect_route(&f, "GET", "/notes/9223372036854775808", R_NOTE_STR);
	expect_route(&f, "GET", "/notes/a%2Fb", R_NOTE_STR);
	expect_param(&f, 0, "name", "a/b");
	expect_route(&f, "POST", "/notes/7", R_NOTE_POST);
	expect_param(&f, 0, "id", "7");
	expect_route(&f, "GET", "/files/x%20y/-3", R_FILES);
	CU_ASSERT_EQUAL(f.m.nparams, 2);
	expect_param(&f, 0, "a", "x y");
	expect_param(&f, 1, "b", "-3");
	expect_route(&f, "GET", "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"
	    "/a/a/a/a/a/a/a/a/a/a", R_DEEP);
	/* Literals are case-sensitive and must match whole segments. */
	CU_ASSERT_EQUAL(match(&f, "GET", "/Notes/new"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/notes"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/notes/1/2"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/notes/"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/notes//"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "//"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/nothing"), ROUTE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(f.m.route);
	CU_ASSERT_EQUAL(f.m.nparams, 0);
	STR_EQ(f.m.allow, "");
	fixture_close(&f);
}

/* Literal vs typed precedence is table order, both ways round. */
static void
test_match_order(void)
{
	static const struct moat_route typed_first[] = {
		{ .method = "GET", .pattern = "/t/{s:str}", .handler = H },
		{ .method = "GET", .pattern = "/t/lit", .handler = H },
	};
	struct match_fixture f;

	fixture_open(&f, typed_first, MOAT_NELEM(typed_first));
	CU_ASSERT_EQUAL(match(&f, "GET", "/t/lit"), ROUTE_FOUND);
	CU_ASSERT_PTR_EQUAL(f.m.route, &typed_first[0]);
	expect_param(&f, 0, "s", "lit");
	fixture_close(&f);
}

static void
test_match_int(void)
{
	static const struct moat_route ints[] = {
		{ .method = "GET", .pattern = "/n/{v:int}", .handler = H },
	};
	static const char *const bad[] = {
		"/n/9223372036854775808", "/n/-9223372036854775809", "/n/-0",
		"/n/007", "/n/+1", "/n/%2B1", "/n/1.0", "/n/%201", "/n/-",
		"/n/0x10",
	};
	struct match_fixture f;
	long long v;
	size_t i;

	fixture_open(&f, ints, MOAT_NELEM(ints));
	CU_ASSERT_EQUAL(match(&f, "GET", "/n/9223372036854775807"),
	    ROUTE_FOUND);
	CU_ASSERT_TRUE(router_parse_int(f.m.params[0].value, &v));
	CU_ASSERT_EQUAL(v, INT64_MAX);
	CU_ASSERT_EQUAL(match(&f, "GET", "/n/-9223372036854775808"),
	    ROUTE_FOUND);
	CU_ASSERT_TRUE(router_parse_int(f.m.params[0].value, &v));
	CU_ASSERT_EQUAL(v, INT64_MIN);
	CU_ASSERT_EQUAL(match(&f, "GET", "/n/0"), ROUTE_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/n/%31%32"), ROUTE_FOUND);
	expect_param(&f, 0, "v", "12");
	for (i = 0; i < MOAT_NELEM(bad); i++)
		CU_ASSERT_EQUAL(match(&f, "GET", bad[i]), ROUTE_NOT_FOUND);
	fixture_close(&f);
}

static void
test_match_slug_uuid_str(void)
{
	struct match_fixture f;

	fixture_open(&f, table, MOAT_NELEM(table));
	expect_route(&f, "GET", "/u/abc-DEF_09", R_SLUG);
	expect_param(&f, 0, "s", "abc-DEF_09");
	expect_route(&f, "GET", "/u/-", R_SLUG);
	CU_ASSERT_EQUAL(match(&f, "GET", "/u/a.b"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/u/a%20b"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/u/caf%C3%A9"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/u/a~"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET", "/u/"), ROUTE_NOT_FOUND);

	expect_route(&f, "GET", "/x/123e4567-e89b-12d3-a456-426614174000",
	    R_UUID);
	expect_param(&f, 0, "u", "123e4567-e89b-12d3-a456-426614174000");
	expect_route(&f, "GET", "/x/123E4567-E89B-12D3-A456-426614174000",
	    R_UUID);
	CU_ASSERT_EQUAL(match(&f, "GET",
	    "/x/123e4567-e89b-12d3-a456-42661417400"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET",
	    "/x/123e4567-e89b-12d3-a456-4266141740000"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET",
	    "/x/123e4567e-89b-12d3-a456-426614174000"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET",
	    "/x/123e4567-e89b-12d3-a456-42661417400g"), ROUTE_NOT_FOUND);
	CU_ASSERT_EQUAL(match(&f, "GET",
	    "/x/{123e4567-e89b-12d3-a456-4266141740}"), ROUTE_NOT_FOUND);

	/* str takes anything non-empty, spaces and UTF-8 included. */
	expect_route(&f, "GET", "/files/caf%C3%A9%20x/1", R_FILES);
	expect_param(&f, 0, "a", "caf\xc3\xa9 x");
	CU_ASSERT_EQUAL(match(&f, "GET", "/files//1"), ROUTE_NOT_FOUND);
	fixture_close(&f);
}

static void
test_match_methods(void)
{
	struct match_fixture f;

	fixture_open(&f, table, MOAT_NELEM(table));
	/* HEAD reaches the GET route. */
	expect_route(&f, "HEAD", "/notes/new", R_NEW);
	expect_route(&f, "HEAD", "/notes/5", R_NOTE);
	expect_param(&f, 0, "id", "5");

	/* Path known, method not: 405 with every allowed method, once. */
	CU_ASSERT_EQUAL(match(&f, "DELETE", "/notes/5"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "GET, HEAD, POST");
	CU_ASSERT_PTR_NULL(f.m.route);
	CU_ASSERT_EQUAL(f.m.nparams, 0);
	CU_ASSERT_EQUAL(match(&f, "PUT", "/notes/abc"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "GET, HEAD");
	CU_ASSERT_EQUAL(match(&f, "GET", "/only-delete"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "DELETE");
	/* HEAD is not GET the other way round. */
	CU_ASSERT_EQUAL(match(&f, "HEAD", "/put"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "PUT");
	/* Methods are case-sensitive. */
	CU_ASSERT_EQUAL(match(&f, "get", "/"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "GET, HEAD");
	/* "GET" after "GETX" is not mistaken for a duplicate. */
	CU_ASSERT_EQUAL(match(&f, "POST", "/g"), ROUTE_BAD_METHOD);
	STR_EQ(f.m.allow, "GETX, GET, HEAD");
	expect_route(&f, "GETX", "/g", R_GETX);
	expect_route(&f, "GET", "/g", R_GETX_GET);
	/* An unknown path is 404 whatever the method. */
	CU_ASSERT_EQUAL(match(&f, "DELETE", "/nothing"), ROUTE_NOT_FOUND);
	STR_EQ(f.m.allow, "");
	fixture_close(&f);
}

/* The Allow list is bounded; methods past ROUTER_ALLOW_MAX are left out. */
static void
test_match_allow_overflow(void)
{
	static const struct moat_route many[] = {
		{ .method = "AAAAAAAAAAAAAAAA", .pattern = "/m", .handler = H },
		{ .method = "BBBBBBBBBBBBBBBB", .pattern = "/m", .handler = H },
		{ .method = "CCCCCCCCCCCCCCCC", .pattern = "/m", .handler = H },
		{ .method = "DDDDDDDDDDDDDDDD", .pattern = "/m", .handler = H },
		{ .method = "EEEEEEEEEEEEEEEE", .pattern = "/m", .handler = H },
		{ .method = "FFFFFFFFFFFFFFFF", .pattern = "/m", .handler = H },
		{ .method = "GGGGGGGGGGGGGGGG", .pattern = "/m", .handler = H },
		{ .method = "HHHHHHHHHHHHHHHH", .pattern = "/m", .handler = H },
		{ .method = "IIIIIIIIIIIIIIII", .pattern = "/m", .handler = H },
	};
	struct match_fixture f;

	fixture_open(&f, many, MOAT_NELEM(many));
	CU_ASSERT_EQUAL(match(&f, "GET", "/m"), ROUTE_BAD_METHOD);
	/* Seven methods: 7 * 16 + 6 * 2 bytes; the eighth does not fit. */
	CU_ASSERT_EQUAL(strlen(f.m.allow), 124);
	CU_ASSERT(strncmp(f.m.allow, "AAAAAAAAAAAAAAAA, BBBB", 22) == 0);
	STR_EQ(f.m.allow + 106, ", GGGGGGGGGGGGGGGG");
	fixture_close(&f);
}

static void
test_match_too_many(void)
{
	struct match_fixture f;
	struct path_segments p;
	const char *why;
	char path[256];
	size_t len;

	fixture_open(&f, table, MOAT_NELEM(table));
	/* 33 segments: the first 32 would match R_DEEP, but no route may. */
	len = many_segments(path, 33);
	CU_ASSERT_EQUAL(router_split_path(&f.a, path, len, &f.lim, &p, &why),
	    0);
	CU_ASSERT_TRUE(p.too_many);
	CU_ASSERT_EQUAL(router_match(&f.r, "GET", &p, &f.m), ROUTE_NOT_FOUND);
	CU_ASSERT_PTR_NULL(f.m.route);
	fixture_close(&f);
}

int
register_router_tests(void)
{
	static const struct unit_test tests[] = {
		{ "compile good", test_compile_good },
		{ "compile bad method", test_compile_bad_method },
		{ "compile bad pattern", test_compile_bad_pattern },
		{ "compile bad param", test_compile_bad_param },
		{ "compile limits", test_compile_limits },
		{ "compile handler, duplicate", test_compile_handler_and_dup },
		{ "split good", test_split_good },
		{ "split bad", test_split_bad },
		{ "split length", test_split_length },
		{ "split too long", test_split_too_long },
		{ "split too many", test_split_too_many },
		{ "parse int", test_parse_int },
		{ "match basic", test_match_basic },
		{ "match order", test_match_order },
		{ "match int", test_match_int },
		{ "match slug uuid str", test_match_slug_uuid_str },
		{ "match methods", test_match_methods },
		{ "match allow overflow", test_match_allow_overflow },
		{ "match too many segments", test_match_too_many },
	};

	return unit_add_suite("router", tests, MOAT_NELEM(tests));
}
