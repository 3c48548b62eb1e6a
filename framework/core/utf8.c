/*
 * utf8.c - decoding one UTF-8 sequence at a time (see utf8.h).
 */
#include <string.h>

#include "core/utf8.h"

/*
 * The number of continuation bytes after lead byte c, and the allowed
 * range of the first of them (which is what rules out overlongs,
 * surrogates and code points past U+10FFFF); -1 for a byte that cannot
 * start a sequence.
 */
static int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c == 0xe0)
		*lo = 0xa0;
	else if (c == 0xed)
		*hi = 0x9f;
	if (c >= 0xe0 && c <= 0xef)
		return 2;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;
	if (c >= 0xf0 && c <= 0xf4)
		return 3;
	return -1;
}

size_t
utf8_sequence(const unsigned char *s, size_t len, uint32_t *cp)
{
	static const unsigned char lead_bits[] = { 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned char lo, hi;
	uint32_t v;
	size_t k;
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((n = utf8_lead(s[0], &lo, &hi)) == -1 || len - 1 < (size_t)n ||
	    s[1] < lo || s[1] > hi)
		return 0;
	v = s[0] & lead_bits[n];
	for (k = 1; k <= (size_t)n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[k] & 0x3f);
	}
	*cp = v;
	return (size_t)n + 1;
}

bool
utf8_valid(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t i, n;

	for (i = 0; i < len; i += n)
		if ((n = utf8_sequence(s + i, len - i, &cp)) == 0)
			return false;
	return true;
}

bool
text_valid(const char *s, size_t len)
{
	if (len > 0 && memchr(s, '\0', len) != NULL)
		return false;
	return utf8_valid((const unsigned char *)s, len);
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	/* s[max] exists: back off while it continues a sequence. */
	for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return n;
}
