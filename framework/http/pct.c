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
