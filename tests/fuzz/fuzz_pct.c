/*
 * fuzz_pct.c - libFuzzer target for pct_decode, utf8_valid, text_valid.
 *
 * Crashes are not the only finding: the decoder is compared with a slow
 * reference built on isxdigit(), and utf8_valid with a reference that
 * decodes the code point first and judges it afterwards.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/params.h"

static int
ref_hex(unsigned char c)
{
	if (!isxdigit(c))
		return -1;
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* Percent-decode the slow, obvious way; -1 on a bad escape. */
static ssize_t
ref_decode(char *dst, const uint8_t *s, size_t len, bool plus)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				return -1;
			if (ref_hex(s[i + 1]) < 0 || ref_hex(s[i + 2]) < 0)
				return -1;
			dst[o++] = (char)(ref_hex(s[i + 1]) * 16 +
			    ref_hex(s[i + 2]));
			i += 3;
		} else {
			dst[o++] = plus && s[i] == '+' ? ' ' : (char)s[i];
			i++;
		}
	}
	return (ssize_t)o;
}

static bool
ref_utf8(const uint8_t *s, size_t len)
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *dst, *ref;
	ssize_t n, r;
	bool plus;

	if ((dst = malloc(size + 1)) == NULL ||
	    (ref = malloc(size + 1)) == NULL)
		abort();
	plus = size > 0 && (data[0] & 1);
	n = pct_decode(dst, (const char *)data, size, plus);
	r = ref_decode(ref, data, size, plus);
	if (n != r)
		abort();
	if (n >= 0 && (dst[n] != '\0' || memcmp(dst, ref, (size_t)n) != 0))
		abort();
	if (utf8_valid(data, size) != ref_utf8(data, size))
		abort();
	if (n >= 0 && text_valid(dst, (size_t)n) !=
	    (ref_utf8((const uint8_t *)dst, (size_t)n) &&
	    memchr(dst, '\0', (size_t)n) == NULL))
		abort();
	free(dst);
	free(ref);
	return 0;
}
