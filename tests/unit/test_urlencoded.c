/*
 * test_urlencoded.c - query strings and form bodies, friendly and hostile.
 *
 * The limits are small (8 parameters, names of 8 bytes, values of 16) so
 * every cap can be hit exactly and then passed by one.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http/params.h"
#include "fixtures.h"
#include "unit.h"

struct kv {
	const char	*name;
	const char	*value;
};

/* Parse s[0..len) with lim; the list stays valid until arena_reset. */
static int
parse_len(struct arena *a, const char *s, size_t len,
    const struct moat_limits *lim, struct param_list *l)
{
	const char *why = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = urlencoded_parse(a, s, len, lim, l, &why);
	/* Every refusal carries a reason for the log. */
	CU_ASSERT(rc == 0 || why != NULL);
	return rc;
}

/* Parse a C string with the small limits; expect status want. */
static void
expect_rc(const char *s, int want)
{
	struct moat_limits lim = unit_small_limits();
	struct param_list l;
	struct arena a;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL(parse_len(&a, s, strlen(s), &lim, &l), want);
	arena_reset(&a);
}

static void
expect_list(const struct param_list *l, const struct kv *kv, size_t n)
{
	size_t i;

	CU_ASSERT_EQUAL_FATAL(l->count, n);
	for (i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(l->items[i].name, kv[i].name);
		CU_ASSERT_STRING_EQUAL(l->items[i].value, kv[i].value);
		CU_ASSERT_EQUAL(l->items[i].value_len, strlen(kv[i].value));
	}
}

/* Parse s with the small limits and expect exactly the pairs kv. */
static void
expect_pairs(const char *s, const struct kv *kv, size_t n)
{
	struct moat_limits lim = unit_small_limits();
	struct param_list l;
	struct arena a;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(parse_len(&a, s, strlen(s), &lim, &l), 0);
	expect_list(&l, kv, n);
	arena_reset(&a);
}

#define PAIRS(s, ...) do {						\
	static const struct kv kv_[] = { __VA_ARGS__ };			\
	expect_pairs((s), kv_, MOAT_NELEM(kv_));			\
} while (0)

static void
test_simple(void)
{
	PAIRS("a=1&b=2", { "a", "1" }, { "b", "2" });
	PAIRS("x=hello+world%21", { "x", "hello world!" });
	PAIRS("q=%7E%2b%2F", { "q", "~+/" });
	PAIRS("a=b=c", { "a", "b=c" });
	PAIRS("caf%C3%A9=th%c3%a9", { "caf\xc3\xa9", "th\xc3\xa9" });
	PAIRS("k=\xe2\x82\xac", { "k", "\xe2\x82\xac" });
	PAIRS("a+b=c+d", { "a b", "c d" });
	PAIRS("e=%26%3D", { "e", "&=" });
}

static void
test_no_value(void)
{
	PAIRS("flag", { "flag", "" });
	PAIRS("flag&x=1", { "flag", "" }, { "x", "1" });
	PAIRS("x=", { "x", "" });
	PAIRS("x=&y", { "x", "" }, { "y", "" });
}

static void
test_empty(void)
{
	struct moat_limits lim = unit_small_limits();
	struct param_list l;
	struct arena a;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL(parse_len(&a, NULL, 0, &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, 0);
	CU_ASSERT_EQUAL(parse_len(&a, "", 0, &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, 0);
	CU_ASSERT_EQUAL(parse_len(&a, "&&&", 3, &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, 0);
	arena_reset(&a);
	PAIRS("a=1&&b=2&", { "a", "1" }, { "b", "2" });
	PAIRS("&a=1", { "a", "1" });
}

static void
test_duplicates(void)
{
	struct moat_limits lim = unit_small_limits();
	const char *s = "a=1&b=2&a=3&A=x&a=4";
	const struct param *p;
	struct param_list l;
	struct arena a;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(parse_len(&a, s, strlen(s), &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, 5);
	p = param_list_find(&l, "a", 0);
	CU_ASSERT(p != NULL && strcmp(p->value, "1") == 0);
	p = param_list_find(&l, "a", 1);
	CU_ASSERT(p != NULL && strcmp(p->value, "3") == 0);
	p = param_list_find(&l, "a", 2);
	CU_ASSERT(p != NULL && strcmp(p->value, "4") == 0);
	CU_ASSERT_PTR_NULL(param_list_find(&l, "a", 3));
	p = param_list_find(&l, "A", 0);
	CU_ASSERT(p != NULL && strcmp(p->value, "x") == 0);
	CU_ASSERT_PTR_NULL(param_list_find(&l, "A", 1));
	CU_ASSERT_PTR_NULL(param_list_find(&l, "c", 0));
	CU_ASSERT_PTR_NULL(param_list_find(&l, NULL, 0));
	CU_ASSERT_PTR_NULL(param_list_find(NULL, "a", 0));
	arena_reset(&a);
}

static void
test_empty_name(void)
{
	expect_rc("=1", 400);
	expect_rc("=", 400);
	expect_rc("a=1&=2", 400);
	expect_rc("a=1&=", 400);
}

static void
test_bad_escapes(void)
{
	expect_rc("a=%", 400);
	expect_rc("a=%4", 400);
	expect_rc("a=%G1", 400);
	expect_rc("a=%4G", 400);
	expect_rc("a=%%", 400);
	expect_rc("a=1%", 400);
	expect_rc("%=1", 400);
	expect_rc("%4=1", 400);
	expect_rc("%zz=1", 400);
	expect_rc("ok=1&a=%", 400);
	expect_rc("a%", 400);
}

static void
test_nul(void)
{
	struct moat_limits lim = unit_small_limits();
	struct param_list l;
	struct arena a;

	expect_rc("a=%00", 400);
	expect_rc("a=x%00y", 400);
	expect_rc("a%00b=1", 400);
	expect_rc("%00", 400);
	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL(parse_len(&a, "a=x\0y", 5, &lim, &l), 400);
	CU_ASSERT_EQUAL(parse_len(&a, "a\0=1", 4, &lim, &l), 400);
	/* The parser stops at len, not at a NUL past it. */
	CU_ASSERT_EQUAL(parse_len(&a, "a=1&b=%", 3, &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, 1);
	arena_reset(&a);
}

static void
test_bad_utf8(void)
{
	expect_rc("a=%C0%AF", 400);		/* overlong '/' */
	expect_rc("a=%c0%80", 400);		/* overlong NUL */
	expect_rc("a=%ED%A0%80", 400);		/* surrogate */
	expect_rc("a=%F8%88%80%80%80", 400);	/* 5 bytes */
	expect_rc("a=%F4%90%80%80", 400);	/* past U+10FFFF */
	expect_rc("a=%E2%82", 400);		/* truncated */
	expect_rc("a=%80", 400);		/* stray continuation */
	expect_rc("a=\xc3", 400);		/* raw, not escaped */
	expect_rc("a=\xff", 400);
	expect_rc("%C0%AF=1", 400);
	expect_rc("n\xed\xa0\x80=1", 400);
	PAIRS("a=%C3%A9", { "a", "\xc3\xa9" });
}

static void
test_max_params(void)
{
	PAIRS("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8",
	    { "a", "1" }, { "b", "2" }, { "c", "3" }, { "d", "4" },
	    { "e", "5" }, { "f", "6" }, { "g", "7" }, { "h", "8" });
	expect_rc("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9", 413);
	expect_rc("a&a&a&a&a&a&a&a&a", 413);
	/* Skipped empty pairs do not count. */
	PAIRS("&&a&&&a&&a&a&&a&a&&a&a&&&",
	    { "a", "" }, { "a", "" }, { "a", "" }, { "a", "" },
	    { "a", "" }, { "a", "" }, { "a", "" }, { "a", "" });
}

static void
test_max_name(void)
{
	PAIRS("abcdefgh=1", { "abcdefgh", "1" });
	expect_rc("abcdefghi=1", 413);
	expect_rc("abcdefghi", 413);
	/* The cap is on the decoded name. */
	PAIRS("%61%62%63%64%65%66%67%68=1", { "abcdefgh", "1" });
	expect_rc("%61%62%63%64%65%66%67%68%69=1", 413);
	PAIRS("%C3%A9%C3%A9%C3%A9%C3%A9=1",
	    { "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "1" });
	expect_rc("%C3%A9%C3%A9%C3%A9%C3%A9x=1", 413);
}

static void
test_max_value(void)
{
	PAIRS("v=0123456789abcdef", { "v", "0123456789abcdef" });
	expect_rc("v=0123456789abcdefg", 413);
	PAIRS("v=%30%31%32%33%34%35%36%37%38%39%61%62%63%64%65%66",
	    { "v", "0123456789abcdef" });
	expect_rc("v=%30%31%32%33%34%35%36%37%38%39%61%62%63%64%65%66%67",
	    413);
	PAIRS("v=++++++++++++++++", { "v", "                " });
	expect_rc("v=+++++++++++++++++", 413);
}

/* Many pairs: refused early with a small cap, all kept with a big one. */
static void
test_huge_count(void)
{
	struct moat_limits lim = unit_small_limits();
	const size_t n = 100000;
	struct param_list l;
	struct arena a;
	char *s;
	size_t i;

	if ((s = malloc(n * 4)) == NULL) {
		CU_FAIL("malloc");
		return;
	}
	for (i = 0; i < n; i++)
		memcpy(s + i * 4, i % 2 ? "b=2&" : "a=1&", 4);
	arena_init(&a, 64 << 20);
	lim.max_params = 1000;
	CU_ASSERT_EQUAL(parse_len(&a, s, n * 4, &lim, &l), 413);
	arena_reset(&a);
	lim.max_params = n;
	CU_ASSERT_EQUAL(parse_len(&a, s, n * 4, &lim, &l), 0);
	CU_ASSERT_EQUAL(l.count, n);
	CU_ASSERT_STRING_EQUAL(l.items[n - 1].name, "b");
	CU_ASSERT_STRING_EQUAL(param_list_find(&l, "a", n / 2 - 1)->value,
	    "1");
	CU_ASSERT_PTR_NULL(param_list_find(&l, "a", n / 2));
	arena_reset(&a);
	lim.max_params = n - 1;
	CU_ASSERT_EQUAL(parse_len(&a, s, n * 4, &lim, &l), 413);
	arena_reset(&a);
	free(s);
}

/* Parses five pairs: 0 when all five came through. */
static int
parse_five(struct arena *a, const void *arg)
{
	struct moat_limits lim = unit_small_limits();
	const char *s = arg;
	struct param_list l;
	int rc = parse_len(a, s, strlen(s), &lim, &l);

	return rc == 0 && l.count != 5 ? -1 : rc;
}

/* A full arena is a request that is too large, never a crash. */
static void
test_arena_full(void)
{
	unit_arena_sweep(4096, parse_five, "a=1&b=2&c=3&d=4&e=5");
}

int
register_urlencoded_tests(void)
{
	static const struct unit_test tests[] = {
		{ "simple", test_simple },
		{ "no value", test_no_value },
		{ "empty input and pairs", test_empty },
		{ "duplicates in order", test_duplicates },
		{ "empty name", test_empty_name },
		{ "bad escapes", test_bad_escapes },
		{ "NUL", test_nul },
		{ "bad UTF-8", test_bad_utf8 },
		{ "max_params", test_max_params },
		{ "max_name_bytes", test_max_name },
		{ "max_value_bytes", test_max_value },
		{ "huge count", test_huge_count },
		{ "arena full", test_arena_full },
	};

	return unit_add_suite("urlencoded", tests, MOAT_NELEM(tests));
}
