/*
 * logline.c - escaping for log lines.
 *
 * Log lines carry text that came from the network (paths, header values)
 * and from workers, which we do not trust.  Escaping every control byte
 * means a CR, LF or terminal escape sequence can never start a forged line
 * or rewrite what an operator sees in a terminal.  Backslashes are left
 * alone: a literal "\x0a" stays on its own line, so it forges nothing, and
 * text escaped once by a worker is not escaped again by the supervisor.
 */
#include <stdbool.h>

#include "core/logline.h"

static const char hexdigits[] = "0123456789abcdef";

static bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

size_t
logline_escape(char *dst, size_t dstsize, const char *src, size_t len)
{
	static const char cut[] = "...";
	size_t i, o = 0, room = dstsize - 1;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (needs_escape(c)) {
			if (room - o < 4)
				goto truncated;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hexdigits[c >> 4];
			dst[o++] = hexdigits[c & 0xf];
		} else {
			if (room - o < 1)
				goto truncated;
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return o;

truncated:
	if (room >= sizeof(cut) - 1) {
		if (o > room - (sizeof(cut) - 1))
			o = room - (sizeof(cut) - 1);
		for (i = 0; i < sizeof(cut) - 1; i++)
			dst[o++] = cut[i];
	}
	dst[o] = '\0';
	return o;
}
