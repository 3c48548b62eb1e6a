/*
 * test_split.c - core/split.c: words and lines cut in place, including
 * the inputs strtok got wrong or a hostile file would send: runs of
 * delimiters, nothing but delimiters, empty strings, empty lines (which
 * must still be counted), a missing last newline.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "core/split.h"
#include "unit.h"

/* Every piece of s joined with '|' into out; lines if delims is NULL. */
static void
pieces(const char *s, const char *delims, char *out, size_t outlen)
{
	char buf[256], *rest = buf, *p;
	size_t used = 0;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	out[0] = '\0';
	while ((p = delims != NULL ? split_word(&rest, delims) :
	    split_line(&rest)) != NULL) {
		used += (size_t)snprintf(out + used, outlen - used, "%s[%s]",
		    n++ > 0 ? "|" : "", p);
		CU_ASSERT_FATAL(used < outlen);
	}
	CU_ASSERT_PTR_NULL(rest);
	/* Once done, it stays done. */
	CU_ASSERT_PTR_NULL(delims != NULL ? split_word(&rest, delims) :
	    split_line(&rest));
}

static void
test_words(void)
{
	char out[256];

	pieces("a b\tc", " \t", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[a]|[b]|[c]");
	pieces("  \t lead  and   trail \t ", " \t", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[lead]|[and]|[trail]");
	pieces("", " ", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	pieces(" \t \t", " \t", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	pieces("one", ",", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[one]");
	pieces(",,127.0.0.1,,::1,", ",", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[127.0.0.1]|[::1]");
}

static void
test_lines(void)
{
	char out[256];

	pieces("a\nb\n", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[a]|[b]");
	pieces("a\n\n\nb", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[a]|[]|[]|[b]");
	pieces("\n", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[]");
	pieces("", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "");
	pieces("no newline", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[no newline]");
	pieces("cr\r\nkept\r\n", NULL, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "[cr\r]|[kept\r]");
}

static void
test_null_rest(void)
{
	char *rest = NULL;

	CU_ASSERT_PTR_NULL(split_word(&rest, " "));
	CU_ASSERT_PTR_NULL(split_line(&rest));
}

int
register_split_tests(void)
{
	static const struct unit_test tests[] = {
		{ "words", test_words },
		{ "lines, empty ones counted", test_lines },
		{ "nothing left", test_null_rest },
	};

	return unit_add_suite("split", tests, MOAT_NELEM(tests));
}
