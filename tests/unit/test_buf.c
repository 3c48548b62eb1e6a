/*
 * test_buf.c - bounded buffers, the request arena and log-line escaping.
 *
 * These three sit under every parser and every response, so the tests
 * pin their edges exactly: the byte at the cap and the byte past it, the
 * sticky failure mark, zeroed arena memory, and log lines that are cut or
 * escaped but never overflow their buffer.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <moat/buf.h>
#include "core/arena.h"
#include "core/logline.h"
#include "unit.h"

/* --- moat_buf -------------------------------------------------------- */

/* The contents must be exactly want (len bytes) and NUL-terminated. */
static void
expect_buf(const struct moat_buf *b, const char *want, size_t len)
{
	CU_ASSERT_EQUAL(b->len, len);
	if (b->len != len)
		return;
	CU_ASSERT(memcmp(moat_buf_cstr(b), want, len) == 0);
	CU_ASSERT_EQUAL(moat_buf_cstr(b)[len], '\0');
}

static void
test_buf_cap_exact(void)
{
	struct moat_buf b;

	moat_buf_init(&b, 8);
	CU_ASSERT_TRUE(moat_buf_append(&b, "1234", 4));
	CU_ASSERT_TRUE(moat_buf_puts(&b, "5678"));
	CU_ASSERT_FALSE(moat_buf_failed(&b));
	expect_buf(&b, "12345678", 8);
	/* The storage never grows past max plus the NUL. */
	CU_ASSERT(b.cap <= 9);
	/* Appending nothing at the cap is still fine. */
	CU_ASSERT_TRUE(moat_buf_append(&b, "", 0));
	CU_ASSERT_FALSE(moat_buf_failed(&b));
	/* One byte more fails and leaves the contents alone. */
	CU_ASSERT_FALSE(moat_buf_append(&b, "9", 1));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	expect_buf(&b, "12345678", 8);
	moat_buf_free(&b);
}

static void
test_buf_cap_one_past(void)
{
	struct moat_buf b;

	moat_buf_init(&b, 8);
	CU_ASSERT_FALSE(moat_buf_append(&b, "123456789", 9));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	expect_buf(&b, "", 0);
	moat_buf_free(&b);

	/* A zero cap holds the empty string and nothing else. */
	moat_buf_init(&b, 0);
	CU_ASSERT_TRUE(moat_buf_puts(&b, ""));
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&b), "");
	CU_ASSERT_FALSE(moat_buf_puts(&b, "x"));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	moat_buf_free(&b);
}

static void
test_buf_sticky(void)
{
	struct moat_buf b;

	moat_buf_init(&b, 4);
	CU_ASSERT_TRUE(moat_buf_puts(&b, "ab"));
	CU_ASSERT_FALSE(moat_buf_puts(&b, "cde"));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	/* Later appends that would fit are ignored: the owner checks once. */
	CU_ASSERT_FALSE(moat_buf_puts(&b, "c"));
	CU_ASSERT_FALSE(moat_buf_append(&b, "", 0));
	CU_ASSERT_FALSE(moat_buf_printf(&b, "%d", 1));
	CU_ASSERT_FALSE(moat_buf_append_html(&b, "x", 1));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	expect_buf(&b, "ab", 2);
	moat_buf_free(&b);
}

static void
test_buf_printf(void)
{
	char big[1000];
	struct moat_buf b;
	size_t i;

	moat_buf_init(&b, 1 << 20);
	CU_ASSERT_TRUE(moat_buf_puts(&b, "ab"));
	CU_ASSERT_TRUE(moat_buf_printf(&b, "%05d|%s|%zu", 42, "x", (size_t)7));
	expect_buf(&b, "ab00042|x|7", 11);
	CU_ASSERT_TRUE(moat_buf_printf(&b, "%s", ""));
	expect_buf(&b, "ab00042|x|7", 11);

	/* Growth past the first allocation, several times over. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	moat_buf_reset(&b);
	for (i = 0; i < 10; i++)
		CU_ASSERT_TRUE(moat_buf_printf(&b, "%s#", big));
	CU_ASSERT_EQUAL(b.len, 10 * sizeof(big));
	CU_ASSERT(b.cap > b.len);
	CU_ASSERT_EQUAL(moat_buf_cstr(&b)[999], '#');
	CU_ASSERT_EQUAL(moat_buf_cstr(&b)[9999], '#');
	CU_ASSERT_EQUAL(moat_buf_cstr(&b)[9998], 'z');
	CU_ASSERT_EQUAL(strlen(moat_buf_cstr(&b)), 10 * sizeof(big));
	CU_ASSERT_FALSE(moat_buf_failed(&b));
	moat_buf_free(&b);

	/* Formatted text that would pass the cap is refused whole. */
	moat_buf_init(&b, 10);
	CU_ASSERT_TRUE(moat_buf_printf(&b, "%d", 1234567890));
	expect_buf(&b, "1234567890", 10);
	moat_buf_free(&b);
	moat_buf_init(&b, 9);
	CU_ASSERT_FALSE(moat_buf_printf(&b, "%d", 1234567890));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	expect_buf(&b, "", 0);
	moat_buf_free(&b);
}

/* A buffer with no real cap (SIZE_MAX) must still allocate enough room. */
static void
test_buf_unbounded(void)
{
	char big[300];
	struct moat_buf b;

	memset(big, 'q', sizeof(big));
	moat_buf_init(&b, SIZE_MAX);
	CU_ASSERT_TRUE(moat_buf_append(&b, big, sizeof(big)));
	CU_ASSERT_TRUE(moat_buf_append(&b, big, sizeof(big)));
	CU_ASSERT_EQUAL(b.len, 2 * sizeof(big));
	CU_ASSERT(b.cap >= b.len + 1);
	CU_ASSERT_EQUAL(moat_buf_cstr(&b)[2 * sizeof(big) - 1], 'q');
	CU_ASSERT_EQUAL(moat_buf_cstr(&b)[2 * sizeof(big)], '\0');
	moat_buf_free(&b);
}

static void
test_buf_html(void)
{
	static const char in[] = "a&b<c>d\"e'f";
	static const char want[] = "a&amp;b&lt;c&gt;d&quot;e&#39;f";
	struct moat_buf b;

	moat_buf_init(&b, 1024);
	CU_ASSERT_TRUE(moat_buf_append_html(&b, in, sizeof(in) - 1));
	expect_buf(&b, want, sizeof(want) - 1);

	/* Only len bytes are read. */
	moat_buf_reset(&b);
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "<<", 1));
	expect_buf(&b, "&lt;", 4);

	/* Runs of specials, specials at both ends, and nothing to escape. */
	moat_buf_reset(&b);
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "<&>", 3));
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "plain", 5));
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "", 0));
	expect_buf(&b, "&lt;&amp;&gt;plain", 18);

	/* UTF-8 and other bytes pass unchanged. */
	moat_buf_reset(&b);
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "caf\xc3\xa9/=`", 8));
	expect_buf(&b, "caf\xc3\xa9/=`", 8);
	moat_buf_free(&b);

	/* The escape counts against the cap, not the raw byte. */
	moat_buf_init(&b, 4);
	CU_ASSERT_TRUE(moat_buf_append_html(&b, "<", 1));
	expect_buf(&b, "&lt;", 4);
	moat_buf_free(&b);
	moat_buf_init(&b, 3);
	CU_ASSERT_FALSE(moat_buf_append_html(&b, "<", 1));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	moat_buf_free(&b);
}

static void
test_buf_reset_and_cstr(void)
{
	struct moat_buf b;
	char *storage;

	moat_buf_init(&b, 16);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_PTR_NOT_NULL(moat_buf_cstr(&b));
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&b), "");

	CU_ASSERT_TRUE(moat_buf_puts(&b, "hello"));
	storage = b.data;
	CU_ASSERT_FALSE(moat_buf_puts(&b, "0123456789abcdef"));
	CU_ASSERT_TRUE(moat_buf_failed(&b));
	moat_buf_reset(&b);
	/* Contents and the failure mark go; the storage stays. */
	CU_ASSERT_FALSE(moat_buf_failed(&b));
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_PTR_EQUAL(b.data, storage);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&b), "");
	CU_ASSERT_TRUE(moat_buf_puts(&b, "again"));
	expect_buf(&b, "again", 5);

	/* Reset of a never-used buffer is harmless. */
	moat_buf_free(&b);
	CU_ASSERT_PTR_NULL(b.data);
	CU_ASSERT_EQUAL(b.max, 16);
	moat_buf_reset(&b);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&b), "");
	moat_buf_free(&b);
}

/* --- arena ----------------------------------------------------------- */

#define ALIGN	alignof(max_align_t)

static void
test_arena_cap(void)
{
	struct arena a;
	void *p;

	arena_init(&a, 4 * ALIGN);
	CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 2 * ALIGN));
	CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, ALIGN));
	/* One byte rounds up to a whole alignment unit. */
	CU_ASSERT_PTR_NOT_NULL(p = arena_alloc(&a, 1));
	CU_ASSERT_EQUAL(a.used, 4 * ALIGN);
	CU_ASSERT_PTR_NULL(arena_alloc(&a, 1));
	CU_ASSERT_PTR_NULL(arena_alloc(&a, 0));
	CU_ASSERT_EQUAL(a.used, 4 * ALIGN);
	arena_reset(&a);
	CU_ASSERT_EQUAL(a.used, 0);
	CU_ASSERT_PTR_NULL(a.head);

	/* After a reset the whole cap is available again. */
	CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 4 * ALIGN));
	CU_ASSERT_PTR_NULL(arena_alloc(&a, 1));
	arena_reset(&a);

	/* A request one unit past the cap fails without using anything. */
	CU_ASSERT_PTR_NULL(arena_alloc(&a, 4 * ALIGN + 1));
	CU_ASSERT_EQUAL(a.used, 0);
	arena_reset(&a);
}

static void
test_arena_sizes(void)
{
	struct arena a;
	unsigned char *p, *q;
	size_t i;

	arena_init(&a, 1 << 20);
	CU_ASSERT_PTR_NULL(arena_alloc(&a, SIZE_MAX));
	CU_ASSERT_PTR_NULL(arena_alloc(&a, SIZE_MAX - ALIGN + 1));
	CU_ASSERT_PTR_NULL(arena_alloc(&a, (1 << 20) + 1));
	CU_ASSERT_EQUAL(a.used, 0);
	for (i = 0; i < 40; i++) {
		p = arena_alloc(&a, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL((uintptr_t)p % ALIGN, 0);
	}
	/* Zero-byte allocations are distinct, usable pointers. */
	p = arena_alloc(&a, 0);
	q = arena_alloc(&a, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(q);
	CU_ASSERT_PTR_NOT_EQUAL(p, q);
	arena_reset(&a);
}

static bool
all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_arena_zeroed(void)
{
	struct arena a;
	unsigned char *p;
	int round;

	/*
	 * Dirty the memory, free it and allocate again: malloc usually hands
	 * back the same block, and the arena must not pass its old contents
	 * on to the next request.
	 */
	arena_init(&a, 1 << 20);
	for (round = 0; round < 3; round++) {
		p = arena_alloc(&a, 1000);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_TRUE(all_zero(p, 1000));
		memset(p, 0xa5, 1000);
		p = arena_alloc(&a, 40000);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_TRUE(all_zero(p, 40000));
		memset(p, 0x5a, 40000);
		arena_reset(&a);
	}
}

static void
test_arena_big(void)
{
	struct arena a;
	unsigned char *small1, *big, *small2, *huge;

	arena_init(&a, 1 << 20);
	small1 = arena_alloc(&a, ALIGN);
	big = arena_alloc(&a, 20000);
	small2 = arena_alloc(&a, ALIGN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(small1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(small2);
	/* The big block got its own chunk; the small ones share theirs. */
	CU_ASSERT_PTR_EQUAL(small2, small1 + ALIGN);
	CU_ASSERT(big + 20000 <= small1 || big >= small2 + ALIGN);
	/* Every byte of a big block is usable (ASan checks the bounds). */
	memset(big, 1, 20000);
	huge = arena_alloc(&a, 512 * 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
	memset(huge, 2, 512 * 1024);
	CU_ASSERT_EQUAL(big[19999], 1);
	CU_ASSERT_EQUAL(a.used, 2 * ALIGN + 20000 + 512 * 1024);
	/* Two big blocks in a row. */
	CU_ASSERT_PTR_NOT_NULL(arena_alloc(&a, 100000));
	/* Past the cap: the rest of the MiB is less than this. */
	CU_ASSERT_PTR_NULL(arena_alloc(&a, 500000));
	arena_reset(&a);
}

static void
test_arena_strndup(void)
{
	struct arena a;
	char *s;

	arena_init(&a, 2 * ALIGN);
	/* Only len bytes are copied; the source need not be terminated. */
	s = arena_strndup(&a, "hello world", 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "hello");
	s = arena_strndup(&a, "", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "");
	CU_ASSERT_PTR_NULL(arena_strndup(&a, "x", 1));
	arena_reset(&a);

	/* The NUL counts: ALIGN - 1 bytes fit in one unit, ALIGN do not. */
	arena_init(&a, ALIGN);
	CU_ASSERT_PTR_NULL(arena_strndup(&a, "0123456789abcdefghijklmnopqrstu",
	    ALIGN));
	s = arena_strndup(&a, "0123456789abcdefghijklmnopqrstu", ALIGN - 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(strlen(s), ALIGN - 1);
	CU_ASSERT_PTR_NULL(arena_strndup(&a, "x", SIZE_MAX));
	arena_reset(&a);

	/* Embedded NULs are copied as they are. */
	arena_init(&a, 1024);
	s = arena_strndup(&a, "a\0b", 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(memcmp(s, "a\0b\0", 4) == 0);
	arena_reset(&a);
}

/* --- logline_escape -------------------------------------------------- */

/* Escape in (inlen bytes) into a dstsize buffer; expect want exactly. */
static void
check_escape(const char *in, size_t inlen, size_t dstsize, const char *want)
{
	char dst[64];
	size_t n;

	CU_ASSERT_FATAL(dstsize + 1 <= sizeof(dst));
	memset(dst, '#', sizeof(dst));
	n = logline_escape(dst, dstsize, in, inlen);
	CU_ASSERT_EQUAL(n, strlen(want));
	CU_ASSERT_STRING_EQUAL(dst, want);
	/* Nothing is written past dstsize. */
	CU_ASSERT_EQUAL(dst[dstsize], '#');
}

#define ESC(in, size, want) \
	check_escape((in), sizeof(in) - 1, (size), (want))

static void
test_logline_plain(void)
{
	ESC("", 16, "");
	ESC("GET /notes", 32, "GET /notes");
	/* UTF-8 and backslashes pass unchanged (see logline.c). */
	ESC("caf\xc3\xa9 \\x0a", 32, "caf\xc3\xa9 \\x0a");
	ESC("~ !", 32, "~ !");
}

static void
test_logline_controls(void)
{
	ESC("a\nb", 32, "a\\x0ab");
	ESC("a\r\nforged: line", 32, "a\\x0d\\x0aforged: line");
	ESC("\t", 32, "\\x09");
	ESC("\x1b[31mred", 32, "\\x1b[31mred");
	ESC("\x01\x1f", 32, "\\x01\\x1f");
	ESC("del\x7f", 32, "del\\x7f");
	ESC("a\0b", 32, "a\\x00b");
	/* Bytes that are not UTF-8 (a lone 0x9b is CSI to an 8-bit terminal). */
	ESC("\x80\xff", 32, "\\x80\\xff");
	ESC("a\x9b" "31m", 32, "a\\x9b31m");
	ESC("\xc3", 32, "\\xc3");
	ESC("\xc3(", 32, "\\xc3(");
	ESC("\xc0\xaf", 32, "\\xc0\\xaf");		/* overlong '/' */
	ESC("\xed\xa0\x80", 32, "\\xed\\xa0\\x80");	/* a surrogate */
	ESC("\xf4\x90\x80\x80", 32, "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
}

/* Characters that hide, move or reorder text: escaped as their bytes. */
static void
test_logline_unicode_controls(void)
{
	/* C1 controls, U+0080..U+009F: NEL, CSI, the ends of the range. */
	ESC("a\xc2\x85" "b", 32, "a\\xc2\\x85b");
	ESC("\xc2\x9b" "31m", 32, "\\xc2\\x9b31m");
	ESC("\xc2\x80\xc2\x9f", 32, "\\xc2\\x80\\xc2\\x9f");
	/* Just outside it: NBSP and the cent sign pass. */
	ESC("\xc2\xa0\xc2\xa2", 32, "\xc2\xa0\xc2\xa2");
	/* Line and paragraph separators. */
	ESC("x\xe2\x80\xa8y", 32, "x\\xe2\\x80\\xa8y");
	ESC("\xe2\x80\xa9", 32, "\\xe2\\x80\\xa9");
	/* Bidi embeddings and overrides, U+202A..U+202E. */
	ESC("\xe2\x80\xaa", 32, "\\xe2\\x80\\xaa");
	ESC("user \xe2\x80\xae" "nimda", 40, "user \\xe2\\x80\\xaenimda");
	/* Bidi isolates, U+2066..U+2069, and their neighbours. */
	ESC("\xe2\x81\xa6\xe2\x81\xa9", 32,
	    "\\xe2\\x81\\xa6\\xe2\\x81\\xa9");
	ESC("\xe2\x81\xa5\xe2\x81\xaa", 32, "\xe2\x81\xa5\xe2\x81\xaa");
	ESC("\xe2\x80\xa7\xe2\x80\xaf", 32, "\xe2\x80\xa7\xe2\x80\xaf");
	/* Other text beyond ASCII passes whole: 2, 3 and 4 bytes. */
	ESC("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 32,
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

/* A cut never splits a character. */
static void
test_logline_truncate_utf8(void)
{
	ESC("ab\xe2\x82\xac", 6, "ab\xe2\x82\xac");
	ESC("ab\xe2\x82\xac!", 6, "ab...");
	ESC("\xe2\x82\xac\xe2\x82\xac!!", 8, "\xe2\x82\xac...");
	ESC("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 6, "...");
	ESC("a\xc2\x85", 8, "a...");
	ESC("\xe2\x82\xac", 3, "");
}

static void
test_logline_truncate(void)
{
	/* Exact fits: no cut mark. */
	ESC("abcdefg", 8, "abcdefg");
	ESC("\n", 5, "\\x0a");
	ESC("abc\n", 8, "abc\\x0a");
	/* One byte too many: the tail becomes "...". */
	ESC("abcdefgh", 8, "abcd...");
	ESC("abcdefghijklmnop", 8, "abcd...");
	ESC("\n", 4, "...");
	ESC("abcd\n", 8, "abcd...");
	ESC("\n\n", 8, "\\x0a...");
	ESC("abcd", 4, "...");
	ESC("abc", 4, "abc");
}

static void
test_logline_tiny(void)
{
	/* Too small even for "...": cut silently, still terminated. */
	ESC("abc", 1, "");
	ESC("abc", 2, "a");
	ESC("abc", 3, "ab");
	ESC("\n", 3, "");
	ESC("", 1, "");
	ESC("a", 2, "a");
}

/* The full-size buffer the logger uses: a long line ends in "...". */
static void
test_logline_full(void)
{
	static char in[LOGLINE_MAX * 2], out[LOGLINE_MAX];
	size_t n;

	memset(in, '\n', sizeof(in));
	n = logline_escape(out, sizeof(out), in, sizeof(in));
	CU_ASSERT_EQUAL(n, LOGLINE_MAX - 1);
	CU_ASSERT_EQUAL(strlen(out), LOGLINE_MAX - 1);
	CU_ASSERT_STRING_EQUAL(out + n - 3, "...");
	CU_ASSERT(memcmp(out, "\\x0a\\x0a", 8) == 0);
	CU_ASSERT_PTR_NULL(memchr(out, '\n', n));
}

int
register_buf_tests(void)
{
	static const struct unit_test tests[] = {
		{ "buf cap exact", test_buf_cap_exact },
		{ "buf cap one past", test_buf_cap_one_past },
		{ "buf sticky failure", test_buf_sticky },
		{ "buf printf growth", test_buf_printf },
		{ "buf unbounded", test_buf_unbounded },
		{ "buf append_html", test_buf_html },
		{ "buf reset and cstr", test_buf_reset_and_cstr },
		{ "arena cap", test_arena_cap },
		{ "arena sizes", test_arena_sizes },
		{ "arena zeroed", test_arena_zeroed },
		{ "arena big", test_arena_big },
		{ "arena strndup", test_arena_strndup },
		{ "logline plain", test_logline_plain },
		{ "logline controls", test_logline_controls },
		{ "logline truncate", test_logline_truncate },
		{ "logline Unicode controls", test_logline_unicode_controls },
		{ "logline cuts whole characters", test_logline_truncate_utf8 },
		{ "logline tiny", test_logline_tiny },
		{ "logline full", test_logline_full },
	};

	return unit_add_suite("buf", tests, MOAT_NELEM(tests));
}
