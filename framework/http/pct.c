/*
 * pct.c - percent-decoding and text checks (see params.h).
 *
 * Every decoded name and value reaches the application only after
 * text_valid(), so handlers can treat them as C strings of valid UTF-8:
 * no embedded NUL to cut a string short behind a length check, and no
 * overlong forms that could smuggle '/' or '.' past a filter.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "http/params.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
pct_decode(char *dst, const char *src, size_t len, bool plus_is_space)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i, o;
	int hi, lo;

	if (len > SSIZE_MAX - 1)
		return -1;
	for (i = o = 0; i < len; i++) {
		if (s[i] == '+' && plus_is_space) {
			dst[o++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			dst[o++] = (char)s[i];
			continue;
		}
		if (len - i < 3 || (hi = hexval(s[i + 1])) == -1 ||
		    (lo = hexval(s[i + 2])) == -1) {
			dst[o] = '\0';
			return -1;
		}
		dst[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	dst[o] = '\0';
	return (ssize_t)o;
}

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

bool
utf8_valid(const unsigned char *s, size_t len)
{
	unsigned char lo, hi;
	size_t i, k;
	int n;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		if ((n = utf8_lead(s[i], &lo, &hi)) == -1)
			return false;
		if (len - i - 1 < (size_t)n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k <= (size_t)n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += (size_t)n;
	}
	return true;
}

bool
text_valid(const char *s, size_t len)
{
	if (len > 0 && memchr(s, '\0', len) != NULL)
		return false;
	return utf8_valid((const unsigned char *)s, len);
}
