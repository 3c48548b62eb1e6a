/*
 * logline.c - escaping for log lines.
 *
 * Log lines carry text that came from the network (paths, header values)
 * and from workers, which we do not trust.  Escaping every control byte
 * means a CR, LF or terminal escape sequence can never start a forged line
 * or rewrite what an operator sees in a terminal.  Backslashes are left
 * alone: a literal "\x0a" stays on its own line, so it forges nothing, and
 * text escaped once by a worker is not escaped again by the supervisor.
 *
 * The same holds beyond ASCII.  C1 controls (U+0080..U+009F, among them
 * CSI, which terminals honour as ESC [) and the characters that move or
 * reorder text (the line and paragraph separators U+2028/U+2029, which
 * some viewers break lines at, and the bidi embeddings, overrides and
 * isolates U+202A..U+202E and U+2066..U+2069, which make a line read
 * differently from its bytes) are escaped byte by byte too.  So is every
 * byte that is not part of valid UTF-8: the log stays valid UTF-8, and a
 * lone 0x9b cannot act as CSI on an 8-bit terminal.  The rest of UTF-8
 * passes unchanged.
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/logline.h"
#include "core/utf8.h"

static const char hexdigits[] = "0123456789abcdef";

static bool
is_hidden_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * How many bytes of src[0..len) the next piece of output covers, and
 * whether they are escaped (each as \xNN) or copied as they are.
 */
static size_t
next_piece(const unsigned char *src, size_t len, bool *escape)
{
	uint32_t cp;
	size_t n;

	if ((n = utf8_sequence(src, len, &cp)) == 0) {
		*escape = true;
		return 1;
	}
	*escape = is_hidden_control(cp);
	return n;
}

size_t
logline_escape(char *dst, size_t dstsize, const char *src, size_t len)
{
	static const char cut[] = "...";
	const unsigned char *s = (const unsigned char *)src;
	size_t i, k, n, o = 0, room = dstsize - 1;
	bool escape;

	for (i = 0; i < len; i += n) {
		n = next_piece(s + i, len - i, &escape);
		/* A piece goes whole or not at all: no half characters. */
		if (room - o < (escape ? 4 * n : n))
			goto truncated;
		for (k = 0; k < n; k++) {
			if (escape) {
				dst[o++] = '\\';
				dst[o++] = 'x';
				dst[o++] = hexdigits[s[i + k] >> 4];
				dst[o++] = hexdigits[s[i + k] & 0xf];
			} else
				dst[o++] = (char)s[i + k];
		}
	}
	dst[o] = '\0';
	return o;

truncated:
	if (room >= sizeof(cut) - 1) {
		/* Backing off for "..." must not split a character either. */
		o = utf8_cut(dst, o, room - (sizeof(cut) - 1));
		for (i = 0; i < sizeof(cut) - 1; i++)
			dst[o++] = cut[i];
	}
	dst[o] = '\0';
	return o;
}
