/*
 * test_pct.c - percent-decoding and the UTF-8 / text checks.
 *
 * utf8_valid is also checked against a second, deliberately different
 * implementation (decode the code point, then judge it) over every
 * sequence of up to three bytes.
 */
#include <stdbool.h>
#include <string.h>

#include <moat/validate.h>

#include "core/utf8.h"
#include "http/params.h"
#include "unit.h"

/* Decode in and compare with the expected result (want < 0: error). */
static void
check_decode(const char *in, size_t inlen, bool plus, ssize_t want,
    const char *out)
{
	char dst[256];
	ssize_t n;

	memset(dst, 'X', sizeof(dst));
	n = pct_decode(dst, in, inlen, plus);
	CU_ASSERT_EQUAL(n, want);
	if (want < 0 || n != want)
		return;
	CU_ASSERT(memcmp(dst, out, (size_t)want) == 0);
	CU_ASSERT_EQUAL(dst[want], '\0');
}

#define DEC(in, plus, want, out) \
	check_decode((in), sizeof(in) - 1, (plus), (want), (out))

static void
test_decode_plain(void)
{
	DEC("", true, 0, "");
	DEC("abc", true, 3, "abc");
	DEC("a%20b", false, 3, "a b");
	DEC("%41%42%43", false, 3, "ABC");
	DEC("%2f%2F", false, 2, "//");
	DEC("%e2%82%ac", false, 3, "\xe2\x82\xac");
	DEC("%7E%7e", false, 2, "~~");
	/* No double decoding. */
	DEC("%2541", false, 3, "%41");
	DEC("100%25", false, 4, "100%");
}

static void
test_decode_plus(void)
{
	DEC("a+b", true, 3, "a b");
	DEC("a+b", false, 3, "a+b");
	DEC("%2B+", true, 2, "+ ");
	DEC("%2b", false, 1, "+");
	DEC("++", true, 2, "  ");
}

static void
test_decode_bad(void)
{
	DEC("%", false, -1, NULL);
	DEC("%4", false, -1, NULL);
	DEC("%G1", false, -1, NULL);
	DEC("%1G", false, -1, NULL);
	DEC("%%", false, -1, NULL);
	DEC("%%41", false, -1, NULL);
	DEC("abc%", true, -1, NULL);
	DEC("abc%4", true, -1, NULL);
	DEC("%-1", true, -1, NULL);
	DEC("% 1", true, -1, NULL);
	DEC("%0x", true, -1, NULL);
	DEC("%\0" "0", true, -1, NULL);
}

static void
test_decode_nul(void)
{
	DEC("%00", false, 1, "\0");
	DEC("a%00b", false, 3, "a\0b");
	DEC("a\0b", false, 3, "a\0b");
}

/* Only len bytes are read: an escape cut by the length is an error. */
static void
test_decode_length(void)
{
	char dst[8];

	CU_ASSERT_EQUAL(pct_decode(dst, "%41", 2, false), -1);
	CU_ASSERT_EQUAL(pct_decode(dst, "ab%41", 2, false), 2);
	CU_ASSERT_STRING_EQUAL(dst, "ab");
	CU_ASSERT_EQUAL(pct_decode(dst, "zzz", 0, false), 0);
	CU_ASSERT_STRING_EQUAL(dst, "");
}

#define U8(s)	utf8_valid((const unsigned char *)(s), sizeof(s) - 1)

static void
test_utf8_good(void)
{
	CU_ASSERT(U8(""));
	CU_ASSERT(U8("plain ascii\x7f"));
	CU_ASSERT(U8("\xc2\x80"));			/* U+0080 */
	CU_ASSERT(U8("\xc3\xa9t\xc3\xa9"));		/* été */
	CU_ASSERT(U8("\xdf\xbf"));			/* U+07FF */
	CU_ASSERT(U8("\xe0\xa0\x80"));			/* U+0800 */
	CU_ASSERT(U8("\xe2\x82\xac"));			/* euro sign */
	CU_ASSERT(U8("\xed\x9f\xbf"));			/* U+D7FF */
	CU_ASSERT(U8("\xee\x80\x80"));			/* U+E000 */
	CU_ASSERT(U8("\xef\xbf\xbf"));			/* U+FFFF */
	CU_ASSERT(U8("\xf0\x90\x80\x80"));		/* U+10000 */
	CU_ASSERT(U8("\xf0\x9f\x98\x80"));		/* emoji */
	CU_ASSERT(U8("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
}

static void
test_utf8_bad(void)
{
	CU_ASSERT(!U8("\x80"));				/* stray continuation */
	CU_ASSERT(!U8("a\xbf"));
	CU_ASSERT(!U8("\xc0\xaf"));			/* overlong '/' */
	CU_ASSERT(!U8("\xc1\xbf"));
	CU_ASSERT(!U8("\xc0\x80"));			/* overlong NUL */
	CU_ASSERT(!U8("\xe0\x80\xaf"));			/* overlong, 3 bytes */
	CU_ASSERT(!U8("\xe0\x9f\xbf"));
	CU_ASSERT(!U8("\xf0\x80\x80\xaf"));		/* overlong, 4 bytes */
	CU_ASSERT(!U8("\xf0\x8f\xbf\xbf"));
	CU_ASSERT(!U8("\xed\xa0\x80"));			/* U+D800 */
	CU_ASSERT(!U8("\xed\xbf\xbf"));			/* U+DFFF */
	CU_ASSERT(!U8("\xed\xa0\xbd\xed\xb8\x80"));	/* CESU-8 pair */
	CU_ASSERT(!U8("\xf4\x90\x80\x80"));		/* U+110000 */
	CU_ASSERT(!U8("\xf5\x80\x80\x80"));
	CU_ASSERT(!U8("\xf8\x88\x80\x80\x80"));		/* 5 bytes */
	CU_ASSERT(!U8("\xfc\x84\x80\x80\x80\x80"));	/* 6 bytes */
	CU_ASSERT(!U8("\xfe"));
	CU_ASSERT(!U8("\xff"));
	CU_ASSERT(!U8("\xc3"));				/* truncated */
	CU_ASSERT(!U8("\xe2\x82"));
	CU_ASSERT(!U8("\xf0\x9f\x98"));
	CU_ASSERT(!U8("\xc3\x41"));			/* bad continuation */
	CU_ASSERT(!U8("\xe2\x28\xa1"));
	CU_ASSERT(!U8("\xe2\x82\x28"));
	CU_ASSERT(!U8("\xf0\x9f\x28\x80"));
	CU_ASSERT(!U8("\xf0\x9f\x98\x28"));
	CU_ASSERT(!U8("ok\xc3\xa9\xc3"));		/* bad at the end */
}

/* Only len bytes count: a sequence cut by the length is truncated. */
static void
test_utf8_length(void)
{
	CU_ASSERT(!utf8_valid((const unsigned char *)"\xc3\xa9", 1));
	CU_ASSERT(utf8_valid((const unsigned char *)"a\xc3\xa9", 1));
	CU_ASSERT(utf8_valid(NULL, 0));
}

/* An independent judge: decode the code point, then check it. */
static bool
ref_valid(const unsigned char *s, size_t len)
{
	unsigned long cp, min;
	size_t i = 0, k, n;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1, cp = s[i] & 0x1f, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2, cp = s[i] & 0x0f, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3, cp = s[i] & 0x07, min = 0x10000;
		} else
			return false;
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static void
test_utf8_exhaustive(void)
{
	static const unsigned char tail[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f,
	    0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	unsigned char s[4];
	unsigned int a, b, c, d, bad = 0;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		bad += utf8_valid(s, 1) != ref_valid(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			bad += utf8_valid(s, 2) != ref_valid(s, 2);
			if (a < 0xc0)
				continue;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				bad += utf8_valid(s, 3) != ref_valid(s, 3);
				if (a < 0xf0)
					continue;
				for (d = 0; d < sizeof(tail); d++) {
					s[3] = tail[d];
					bad += utf8_valid(s, 4) !=
					    ref_valid(s, 4);
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_text_valid(void)
{
	CU_ASSERT(text_valid("", 0));
	CU_ASSERT(text_valid("hello", 5));
	CU_ASSERT(text_valid("caf\xc3\xa9", 5));
	CU_ASSERT(text_valid("tab\there", 8));
	CU_ASSERT(!text_valid("a\0b", 3));
	CU_ASSERT(!text_valid("\0", 1));
	CU_ASSERT(!text_valid("ab\0", 3));
	CU_ASSERT(!text_valid("\xc0\xaf", 2));
	CU_ASSERT(!text_valid("\xed\xa0\x80", 3));
	/* The NUL past len is not looked at. */
	CU_ASSERT(text_valid("ab", 2));
}

/* Cuts land on sequence starts only: "a" é € 😀 are 1, 2, 3 and 4 bytes. */
static void
test_utf8_cut(void)
{
	static const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const size_t want[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };
	static const char cont[] = "\x80\x80\x80\x80";
	size_t max;

	for (max = 0; max <= 10; max++)
		CU_ASSERT_EQUAL(utf8_cut(s, 10, max), want[max]);
	CU_ASSERT_EQUAL(utf8_cut(s, 10, 99), 10);
	CU_ASSERT_EQUAL(utf8_cut(s, 3, 2), 1);
	CU_ASSERT_EQUAL(utf8_cut("", 0, 0), 0);
	/* Nothing but continuation bytes: no cut point but the start. */
	CU_ASSERT_EQUAL(utf8_cut(cont, 4, 3), 0);
	CU_ASSERT_EQUAL(moat_utf8_cut(s, 10, 5), 3);
}

int
register_pct_tests(void)
{
	static const struct unit_test tests[] = {
		{ "decode plain", test_decode_plain },
		{ "decode plus", test_decode_plus },
		{ "decode bad escapes", test_decode_bad },
		{ "decode NUL", test_decode_nul },
		{ "decode length", test_decode_length },
		{ "utf8 good", test_utf8_good },
		{ "utf8 bad", test_utf8_bad },
		{ "utf8 length", test_utf8_length },
		{ "utf8 exhaustive", test_utf8_exhaustive },
		{ "text_valid", test_text_valid },
		{ "utf8_cut", test_utf8_cut },
	};

	return unit_add_suite("pct", tests, MOAT_NELEM(tests));
}
